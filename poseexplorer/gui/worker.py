"""One generic Qt worker that runs any headless job (see poseexplorer.jobs) in a thread.

Workers never touch widgets: they only emit signals, which Qt delivers in the GUI thread.

Lifetime: a worker has no Qt parent (a parent deleting it, e.g. a closed dialog, would free the QObject
whose signals the thread is still emitting: a segfault). From start() until its thread has finished, the
module holds a Python reference to it (`_LIVE`), so dropping every other reference never destroys a
running QThread (which aborts the process); after that, Python frees it like any object. Never call
deleteLater() on a worker.
"""
from __future__ import annotations

import os
import threading
import time
import traceback
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from ..jobs import Cancelled, Job

#: workers whose thread has started and not yet finished (see the module docstring)
_LIVE: set["JobWorker"] = set()


class JobWorker(QObject):
    """Runs `job(progress, cancel)` in its own QThread.

    Signals: progress(done, total, message), finished(result), failed(message, details), cancelled().
    Exactly one of finished/failed/cancelled is emitted, then `done`.
    """

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, job: Job, name: str = "job", nice: int = 0) -> None:
        super().__init__()
        self.name = name
        self.nice = nice
        self._job = job
        self._cancel = threading.Event()
        self._thread = _JobThread(self)
        self._thread.finished.connect(self._release)   # queued: runs in the GUI thread

    def start(self) -> None:
        _LIVE.add(self)
        self._thread.start()

    def _release(self) -> None:
        self._thread.wait()
        _LIVE.discard(self)

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int = 30000) -> bool:
        return self._thread.wait(ms)

    def _run(self) -> None:
        _lower_thread_priority(self.nice)
        try:
            result: Any = self._job(self._emit_progress, self._cancel.is_set)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # report, never crash the GUI thread
            self.failed.emit(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                             traceback.format_exc())
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        finally:
            self.done.emit()

    def _emit_progress(self, done: int, total: int, message: str = "") -> None:
        self.progress.emit(int(done), int(total), str(message))


def _lower_thread_priority(nice: int) -> None:
    """Run a job below the GUI thread's priority (Linux: per thread); processes and threads it starts
    inherit that. Meant for jobs that start helper processes: a niced thread that holds the GIL delays the
    GUI thread (priority inversion), so pure Python jobs keep nice 0."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except OSError:  # not permitted here: run at normal priority
        pass


def live_workers() -> list[JobWorker]:
    """Workers whose thread is still running."""
    _LIVE.difference_update([w for w in _LIVE if w.wait(0)])
    return list(_LIVE)


def wait_for_workers(ms: int = 30000) -> bool:
    """Wait for every running worker (before the process exits: Qt aborts on a QThread destroyed while
    running). True when none is left running."""
    deadline = time.monotonic() + ms / 1000
    for w in live_workers():
        w.wait(max(0, int(1000 * (deadline - time.monotonic()))))
    return not live_workers()


class _JobThread(QThread):
    def __init__(self, worker: JobWorker) -> None:
        super().__init__()
        self._worker = worker

    def run(self) -> None:
        self._worker._run()
