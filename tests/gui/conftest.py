"""GUI test set-up (see poseexplorer/gui/pyside_fixes.py).

Before pytest-qt creates the QApplication: shared OpenGL contexts for the 3D views, and the PySide6 6.12.0
emit refcount work-around (without it the process aborts with "Fatal Python error: bool_dealloc" once
enough signals were emitted). After each test: delete the widgets pytest-qt closed with deleteLater(),
while the display still exists; a GL window left for the interpreter's exit segfaulted under Xvfb.
"""
import pytest

from poseexplorer.gui.pyside_fixes import prepare_qt

prepare_qt()


@pytest.fixture(autouse=True)
def _delete_closed_widgets():
    yield
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
