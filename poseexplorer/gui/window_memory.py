"""What the window remembers between runs, beside its layout: the open media and frame, the Sync panel's
videos (synced again, with their nudges), the panels' toggles and the scatter's PCA orientation.

Stored in QSettings under "memory/". The media and sync videos are remembered by path and restored only
in the same library, once its poses are loaded (and, to sync, once the model is): a file that is gone is
skipped. `Remembered` is the plain data; `WindowMemory` reads it from and applies it to a MainWindow.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

KEY = "memory/state"
PCA_KEY = "memory/pca"


@dataclass(frozen=True)
class Remembered:
    """library_path: the library these belong to; media_path, frame: what the viewer showed (frame -1:
    none); sync_paths: the Sync panel's videos, reference first; nudges: each follower's manual shift;
    synced: whether they had been synced; toggles: widget key -> its value (bool, str or number)."""

    library_path: str = ""
    media_path: str = ""
    frame: int = -1
    sync_paths: tuple[str, ...] = ()
    nudges: tuple[int, ...] = ()
    synced: bool = False
    toggles: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str | None) -> "Remembered":
        """The stored state; an empty or damaged entry gives the empty state (nothing restored)."""
        try:
            d = json.loads(text or "{}")
            return Remembered(str(d.get("library_path", "")), str(d.get("media_path", "")), int(d.get("frame", -1)),
                              tuple(str(p) for p in d.get("sync_paths", ())), tuple(int(n) for n in d.get("nudges", ())),
                              bool(d.get("synced", False)), dict(d.get("toggles", {})))
        except (TypeError, ValueError, AttributeError):
            return Remembered()


def widget_value(w: QWidget) -> Any:
    if isinstance(w, QAbstractButton):
        return w.isChecked()
    if isinstance(w, QComboBox):
        return w.currentText()
    if isinstance(w, (QSpinBox, QDoubleSpinBox)):
        return w.value()
    raise TypeError(f"cannot remember a {type(w).__name__}")


def set_widget_value(w: QWidget, value: Any) -> None:
    """Set a remembered value; one of the wrong type, or a choice no longer offered, is ignored."""
    if isinstance(w, QAbstractButton) and isinstance(value, bool):
        w.setChecked(value)
    elif isinstance(w, QComboBox) and isinstance(value, str) and w.findText(value) >= 0:
        w.setCurrentText(value)
    elif isinstance(w, QSpinBox) and isinstance(value, int) and not isinstance(value, bool):
        w.setValue(value)
    elif isinstance(w, QDoubleSpinBox) and isinstance(value, (int, float)) and not isinstance(value, bool):
        w.setValue(float(value))


def toggles_of(window) -> dict[str, QWidget]:
    """The panels' options that a user sets once and expects to find again."""
    out: dict[str, QWidget] = {
        "viewer/speed": window.viewer.transport.speed, "viewer/loop": window.viewer.transport.loop,
        "scatter/colour_by": window.scatter.colour_by, "ambiguity/colour": window.ambiguity.colour,
        "ambiguity/order": window.ambiguity.order, "retrieval/k": window.retrieval.k,
        "retrieval/exclude": window.retrieval.exclude, "retrieval/mirror": window.retrieval.mirror,
        "retrieval/min_confidence": window.retrieval.min_confidence,
        "sync/skeletons": window.sync_panel.players.show_skeletons, "sync/mirror": window.sync_panel.mirror_search,
        "kinematics/keypoint": window.kinematics.keypoint,
    }
    out.update({f"kinematics/{name}": box for name, box in window.kinematics.groups.items()})
    if window.skeleton3d is not None:
        out["3d/show_result"] = window.skeleton3d.show_result
        out["3d/placement"] = window.skeleton3d.placement
    return out


class WindowMemory:
    """Saves a MainWindow's state on close (`save`) and restores it after start (`restore`)."""

    def __init__(self, window) -> None:
        self.w = window
        self.pending: Remembered | None = None

    # --- saving ---------------------------------------------------------------------------------------
    def current(self) -> Remembered:
        w, state = self.w, self.w.state
        media = state.snapshot.media_by_id.get(state.media_id)
        sync = w.sync_panel
        paths = tuple(_source_path(s, state.snapshot) for s in sync.sources())
        synced = sync.result() is not None
        return Remembered(state.library_path or "", media.path if media else "", state.frame if media else -1,
                          paths if all(paths) else (), tuple(t.nudge for t in sync.players.tracks) if synced else (),
                          synced and all(paths), {k: widget_value(v) for k, v in toggles_of(w).items()})

    def save(self) -> None:
        qs = QSettings()
        qs.setValue(KEY, self.current().to_json())
        key, components = self.w.scatter.pca_orientation()
        if key and components is not None:
            saved = _pca_store(qs)
            saved[key] = np.asarray(components, np.float64).tolist()
            qs.setValue(PCA_KEY, json.dumps(dict(list(saved.items())[-8:])))   # the last few models
        qs.sync()

    # --- restoring ------------------------------------------------------------------------------------
    def restore(self) -> None:
        """Set the toggles and the PCA orientation now; the media, frame and sync videos once the library's
        poses (and the model, to sync) are loaded."""
        qs = QSettings()
        remembered = Remembered.from_json(qs.value(KEY))
        for key, widget in toggles_of(self.w).items():
            if key in remembered.toggles:
                set_widget_value(widget, remembered.toggles[key])
        self.w.scatter.set_saved_orientations({k: np.asarray(v, np.float64) for k, v in _pca_store(qs).items()})
        state = self.w.state
        if remembered.library_path and remembered.library_path == state.library_path and (
                remembered.media_path or remembered.sync_paths):
            self.pending = remembered
            state.snapshotChanged.connect(self._try_restore)
            state.modelChanged.connect(self._try_restore)
            self._try_restore()

    def _try_restore(self) -> None:
        r, state = self.pending, self.w.state
        if r is None or not len(state.snapshot.media) or state.model is None:
            return
        self.pending = None
        state.snapshotChanged.disconnect(self._try_restore)
        state.modelChanged.disconnect(self._try_restore)
        by_path = {str(Path(m.path)): m for m in state.snapshot.media}
        m = by_path.get(str(Path(r.media_path))) if r.media_path else None
        if m is not None:
            state.select_media(m.media_id, int(np.clip(r.frame, 0, max(0, m.n_frames - 1))))
        sync = self.w.sync_panel
        paths = [p for p in r.sync_paths if Path(p).exists()]
        if len(paths) < 2 or sync.sources():
            return
        for p in paths:
            sync.add_video(p)
        if r.synced and len(paths) == len(r.sync_paths):
            nudges = r.nudges

            def apply_nudges(_result) -> None:
                sync.synced.disconnect(apply_nudges)
                for i, n in enumerate(nudges[:len(sync.players.tracks)]):
                    sync.players.set_nudge(i, n)

            sync.synced.connect(apply_nudges)
            sync.start_sync()


def _source_path(source: Any, snapshot) -> str:
    """A sync source's file path ('' when it has none: a sequence given in memory)."""
    path = getattr(source, "path", "")
    media_id = getattr(source, "media_id", None)
    if not path and media_id is not None and media_id in snapshot.media_by_id:
        path = snapshot.media_by_id[media_id].path
    return str(path or "")


def _pca_store(qs: QSettings) -> dict[str, list]:
    try:
        d = json.loads(qs.value(PCA_KEY) or "{}")
        return d if isinstance(d, dict) else {}
    except (TypeError, ValueError):
        return {}
