"""Help > Getting started (a short illustrated guide) and Help > About (versions, the model, licences)."""
from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: distributions whose versions About lists (read from their metadata: nothing is imported)
PACKAGES = ("poseexplorer", "PySide6-Essentials", "pyqtgraph", "numpy", "torch", "mediapipe",
            "opencv-python-headless", "av", "safetensors")
LICENCES = (
    ("Pose Explorer", "Apache-2.0"),
    ("Bundled Pr-VIPE model", "trained by this project's trainer on public motion capture; see its model card"),
    ("MediaPipe (pose detection)", "Apache-2.0"),
    ("Qt for Python (PySide6)", "LGPL-3.0"),
    ("PyTorch", "BSD-3-Clause"),
    ("OpenCV", "Apache-2.0"),
    ("PyAV and its bundled FFmpeg", "BSD-3-Clause (PyAV); FFmpeg with libx264: GPL-2.0-or-later"),
    ("pyqtgraph, NumPy", "MIT, BSD-3-Clause"),
)

GUIDE = [
    ("1. Add videos", "Drop videos, image folders or keypoint files on the window (or File &gt; Open files). "
     "Each is detected once with MediaPipe and embedded; the Library panel shows the progress, and Cancel keeps "
     "what is done.", None),
    ("2. Pick a pose, see where it is elsewhere", "Play or step through a video in the viewer; the Retrieval "
     "panel lists the most similar poses of the other videos with their confidence. With several cameras of one "
     "scene, <i>best frame per view</i> shows where this instant is in each view. Click a result to open it.",
     "search.png"),
    ("3. Explore", "The Scatter maps every pose of the library; a rectangle or lasso there restricts the search. "
     "Ambiguity says how uncertain a 2D pose is; the 3D view shows the skeleton with the chosen match. "
     "The viewer plays at the video's own rate (speed, loop, in/out points [ ], go to frame); the Kinematics "
     "tab plots joint angles and a keypoint's speed with a cursor that follows playback, and exports them as CSV.",
     "scatter_hover.png"),
    ("4. Synchronise videos", "Open the Sync tab under the viewer, add two or more videos (the first is the "
     "reference) and press Sync. They play under one clock; nudge a follower or mark a sync point (⌖) if needed, "
     "then Export video writes an H.264 MP4 that browsers and phones play.", "sync_panel.png"),
    ("5. Train your own model", "Settings &gt; Train a model: add folders of BVH, ASF/AMC or NPZ motion capture, "
     "press Estimate time to see how long it takes on this computer, then Start.", "training_dialog.png"),
]


def guide_html(screenshots: Path = SCREENSHOTS) -> str:
    """The Getting started text; each step's screenshot is included when the file exists."""
    parts = ["<h2>Getting started</h2>", "<p>Frames are numbered from 0, as in every export.</p>"]
    for title, text, image in GUIDE:
        parts.append(f"<h3>{title}</h3><p>{text}</p>")
        if image and (screenshots / image).is_file():
            parts.append(f'<p><img src="{(screenshots / image).as_uri()}" width="560"></p>')
    return "\n".join(parts)


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def about_html(model: Any = None, model_path: str | None = None) -> str:
    """Versions, the model in use (name, kind, size, file, calibration) and the licences."""
    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in package_versions().items())
    if model is None:
        model_text = "no model loaded yet"
    else:
        card = getattr(model, "card", {}) or {}
        calibrated = getattr(getattr(model, "calibration", None), "fitted", False)
        model_text = (f"{model.name} ({getattr(model, 'kind', '?')}, {getattr(model, 'embed_dim', '?')}-D), "
                      f"sha256 {str(getattr(model, 'sha256', ''))[:12]}, "
                      f"{'calibrated confidence' if calibrated else 'uncalibrated'}<br>"
                      f"file: {model_path or 'bundled'}"
                      + (f"<br>trained: {card['training']}" if isinstance(card.get("training"), str) else ""))
    licences = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in LICENCES)
    return (f"<h2>Pose Explorer</h2><p>Python {platform.python_version()} on {platform.system()}</p>"
            f"<h3>Model</h3><p>{model_text}</p><h3>Versions</h3><table>{rows}</table>"
            f"<h3>Licences</h3><table>{licences}</table>")


class HelpDialog(QDialog):
    """A read-only rich-text page (the guide or About) with a Close button."""

    def __init__(self, title: str, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(680, 640)
