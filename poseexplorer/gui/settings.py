"""App settings: one dataclass, stored in QSettings (remembered between runs)."""
from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QSettings


@dataclass
class AppSettings:
    """What the Settings dialog edits. Empty model_path = the bundled model."""

    library_path: str = ""
    model_path: str = ""
    lift_model_path: str = ""      # optional 3D-lifting model: 3D skeletons for keypoint-file poses
    workers: int = 1
    min_visibility: float = 0.5
    reopen_last_library: bool = True

    @staticmethod
    def load() -> "AppSettings":
        qs = QSettings()
        out = AppSettings()
        for f in fields(AppSettings):
            value = qs.value(f"settings/{f.name}")
            if value is None:
                continue
            try:
                if f.type in ("bool", bool):
                    value = value in (True, "true", "1", 1)
                elif f.type in ("int", int):
                    value = int(value)
                elif f.type in ("float", float):
                    value = float(value)
                else:
                    value = str(value)
            except (TypeError, ValueError):  # a damaged entry falls back to the default
                continue
            setattr(out, f.name, value)
        out.workers = max(1, min(out.workers, 16))
        out.min_visibility = min(max(out.min_visibility, 0.0), 1.0)
        return out

    def save(self) -> None:
        qs = QSettings()
        for f in fields(self):
            qs.setValue(f"settings/{f.name}", getattr(self, f.name))
        qs.sync()
