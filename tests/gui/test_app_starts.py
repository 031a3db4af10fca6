import pytest

from poseexplorer.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_main_window_opens_and_closes(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("Pose Explorer")
    window.close()
