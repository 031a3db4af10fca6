"""Where the bundled model files live (numpy/torch free, so the GUI can check them on its own thread)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

#: The default embedding model: upright inputs (any camera roll; hip-less poses by quarter turns only).
#: prvipe.safetensors, the earlier model without upright inputs, stays bundled for comparison (--model).
DEFAULT_NAME = "prvipe_upright.safetensors"
#: The bundled 3D-lifting model (same backbone regressing normalised H36M-17), used for the 3D view of poses
#: that come from keypoint files (no MediaPipe world landmarks).
LIFTER_NAME = "lift3d.safetensors"
ENV_VAR = "POSEEXPLORER_MODEL"


def bundled_asset_path(name: str) -> Path:
    """assets/<name> of the source tree, else of the installed data (<prefix>/share/poseexplorer/assets)."""
    candidates = [Path(__file__).resolve().parents[2] / "assets" / name,
                  Path(sys.prefix) / "share" / "poseexplorer" / "assets" / name]
    return next((p for p in candidates if p.is_file()), candidates[0])


def default_model_path() -> Path:
    """$POSEEXPLORER_MODEL, else assets/prvipe_upright.safetensors of the source tree or the installed data."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else bundled_asset_path(DEFAULT_NAME)


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes (a model's identity: the library keys stored embeddings by it)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
