"""GUI test set-up (see poseexplorer/gui/qt_setup.py).

Before pytest-qt creates the QApplication: shared OpenGL contexts for the 3D views. After each test: delete the widgets pytest-qt closed with deleteLater(),
while the display still exists; a GL window left for the interpreter's exit segfaulted under Xvfb.
"""
import pytest

from poseexplorer.gui.qt_setup import prepare_qt

prepare_qt()


@pytest.fixture(autouse=True)
def _delete_closed_widgets():
    yield
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
