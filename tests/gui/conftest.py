"""GUI test set-up done before pytest-qt creates the QApplication (see poseexplorer/gui/pyside_fixes.py):
shared OpenGL contexts for the 3D views, and the PySide6 6.12.0 emit refcount work-around (without it the
test process aborts with "Fatal Python error: bool_dealloc" once enough signals were emitted)."""
from poseexplorer.gui.pyside_fixes import prepare_qt

prepare_qt()
