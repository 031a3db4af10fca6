import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from poseexplorer.gui.main_window import MainWindow

from .explorer_media import tiny_model

pytestmark = pytest.mark.gui


def test_main_window_opens_and_closes(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("Pose Explorer")
    window.close()


def test_poseexplorer_command_opens_the_window_and_remembers_the_library(qtbot, tmp_path):
    """`poseexplorer --library FILE --model FILE` runs the event loop until the app quits (here: a timer)."""
    from poseexplorer.cli import main

    model = tiny_model(tmp_path / "tiny.safetensors")
    lib = tmp_path / "my library.sqlite"
    QTimer.singleShot(1500, QApplication.quit)
    assert main(["--library", str(lib), "--model", str(model)]) == 0
    assert lib.is_file()                                            # created and opened
    assert QSettings().value("settings/library_path") == str(lib)  # reopened next time
