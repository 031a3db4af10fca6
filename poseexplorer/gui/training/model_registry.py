"""Models trained from the app, remembered in QSettings so the settings can offer them by name."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

KEY = "training/models"


def trained_models() -> list[str]:
    """Paths of exported models trained from the app that still exist, newest first."""
    value = QSettings().value(KEY) or []
    paths = [value] if isinstance(value, str) else list(value)
    return [p for p in paths if Path(p).is_file()]


def remember_model(path: str | Path) -> list[str]:
    """Put a model file at the front of the list (once); returns the new list."""
    path = str(Path(path).absolute())
    paths = [path] + [p for p in trained_models() if p != path]
    qs = QSettings()
    qs.setValue(KEY, paths)
    qs.sync()
    return paths
