"""GUI test set-up (see poseexplorer/gui/qt_setup.py).

Before pytest-qt creates the QApplication: shared OpenGL contexts for the 3D views. After each test: delete
the widgets pytest-qt closed with deleteLater(), while the display still exists (a GL window left for the
interpreter's exit segfaulted under Xvfb), then fail the test when it leaked a top-level widget, a job
thread or a Python thread (napari's approach): register widgets with qtbot.addWidget and shut panels down.
"""
import gc
import threading
import time

import pytest

from poseexplorer.gui.qt_setup import prepare_qt

prepare_qt()


GRACE_S = 3.0   # time a thread gets to end after the test's teardown


def _python_threads() -> set:
    return {t for t in threading.enumerate() if not isinstance(t, threading._DummyThread)}


def _running_job_threads() -> list:
    from poseexplorer.gui.worker import _JobThread

    # type() rather than isinstance(): isinstance reads __class__, which some lazy modules warn about
    return [o for o in gc.get_objects() if type(o) is _JobThread and o.isRunning()]


def _wait(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture(autouse=True)
def _no_leaks():
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    widgets_before = set(map(id, app.topLevelWidgets())) if app is not None else set()
    threads_before = _python_threads()
    yield
    app = QApplication.instance()
    if app is None:
        return
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    leaked_threads = []
    if not _wait(lambda: not (_python_threads() - threads_before), GRACE_S):
        leaked_threads = sorted(t.name for t in _python_threads() - threads_before)
    if not _wait(lambda: not _running_job_threads(), GRACE_S):
        leaked_threads += [f"job thread {t.objectName() or t}" for t in _running_job_threads()]
    leaked_widgets = [type(w).__name__ for w in app.topLevelWidgets()
                      if id(w) not in widgets_before and not w.isHidden()]
    for w in app.topLevelWidgets():   # clean up, so one leak does not fail the following tests
        if id(w) not in widgets_before:
            w.close()
            w.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not leaked_threads, f"threads still running after the test: {leaked_threads}"
    assert not leaked_widgets, f"top-level widgets left open by the test (use qtbot.addWidget): {leaked_widgets}"
