"""Qt set-up that must happen before the QApplication exists, and work-arounds for bugs of the pinned
Qt binding; applied once at start-up (and by the GUI tests' conftest).

OpenGL: every 3D view (pyqtgraph caches compiled shader programs process-wide) must share one GL context
group, or a second view fails with "GLError: invalid value, glUseProgram"; hence AA_ShareOpenGLContexts.

PySide6 6.12.0 on CPython 3.11: `SignalInstance.emit()` returns `True` without taking a reference, so
every emit whose result is dropped (all of them: Qt's, pyqtgraph's, ours, in any thread) lowers True's
reference count by one. After some thousands of emits True's count reaches zero and the interpreter
aborts with "Fatal Python error: bool_dealloc: deallocating True or False" (during a session, or at the
latest at exit, which also makes pytest exit with 134). Measured here: about 5 emits per resize of a
pyqtgraph view, one per paint, one per progress report.

The fix below detects the bug at run time (64 emits, compare True's count) and, only when it is
present and True is not immortal (CPython < 3.12), adds 2**40 to True's reference count once, so the
leak can never reach zero. It is a no-op on fixed bindings. Pinning PySide6-Essentials to a release
without the bug is the real fix.
"""
from __future__ import annotations

import ctypes
import sys

_PADDING = 1 << 40
_applied = False


def emit_leaks_true(samples: int = 64) -> bool:
    """True when emitting a Qt signal lowers the reference count of `True` (the PySide6 6.12.0 bug)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(samples):
        probe.ping.emit()
    return sys.getrefcount(True) <= before - samples // 2


def protect_true_from_emit_leak() -> bool:
    """Apply the padding once when the bug is present; returns whether it was applied (now or before)."""
    global _applied
    if _applied:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or not emit_leaks_true():
        return False
    refcnt = ctypes.c_ssize_t.from_address(id(True))  # ob_refcnt is the first field of every PyObject
    refcnt.value += _PADDING
    _applied = True
    return True


def prepare_qt() -> None:
    """Everything to do before QApplication(): shared GL contexts and the emit refcount padding."""
    from PySide6.QtCore import QCoreApplication, Qt

    if QCoreApplication.instance() is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    protect_true_from_emit_leak()
