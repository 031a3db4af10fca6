import pytest

from poseexplorer.gui.main_window import MainWindow
import poseexplorer.gui.views.scatter_view as sv
class _D:
    def __init__(self, *a, **k): pass
sv.pg.SignalProxy = _D

pytestmark = pytest.mark.gui


def test_main_window_opens_and_closes(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("Pose Explorer")
    window.close()
