"""Qt set-up that must happen before the QApplication exists; applied once at start-up (and by the GUI
tests' conftest).

OpenGL: every 3D view (pyqtgraph caches compiled shader programs process-wide) must share one GL context
group, or a second view fails with "GLError: invalid value, glUseProgram"; hence AA_ShareOpenGLContexts.
(The PySide6 6.12.0 refcount work-around that lived here went with the pin to 6.11.3, which has no such bug.)
"""
from __future__ import annotations


def prepare_qt() -> None:
    """Everything to do before QApplication(): shared GL contexts."""
    from PySide6.QtCore import QCoreApplication, Qt

    if QCoreApplication.instance() is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
