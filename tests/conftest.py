"""Shared fixtures: the ../shared data folder (tests skip cleanly when it is absent) and Qt settings."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip the test when it is absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is absent")
    return path


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Keep QSettings and the default library out of the user's real folders during tests."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("POSEEXPLORER_DATA_DIR", str(home / "data" / "poseexplorer"))
    # Qt reads XDG_CONFIG_HOME once per process and caches the folder: point it at this test's folder, or
    # what one test's window remembers (a confidence threshold, k) is restored by the next test's window
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home / "config"))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(home / "config-system"))


def needs_display() -> bool:
    return bool(os.environ.get("DISPLAY")) and os.environ.get("QT_QPA_PLATFORM", "") != "offscreen"


gl = pytest.mark.skipif(not needs_display(), reason="OpenGL needs an X display (run under xvfb-run)")


@pytest.fixture(scope="session")
def bundled_model():
    """The bundled Pr-VIPE model through the public API, or skip when the weights are not there."""
    import poseexplorer as px

    try:
        return px.load_model()
    except Exception as exc:  # ModelFileError when the weights are not bundled
        pytest.skip(f"no bundled model: {exc}")
