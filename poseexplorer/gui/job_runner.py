"""JobRunner: starts headless jobs on JobWorkers, keeps them alive, and routes their results.

Jobs with the same `key` replace each other (the newest wins: a search for the frame the user just
clicked makes the previous search obsolete), or queue behind each other with `queue=True` (imports).
Callbacks run in the GUI thread (they are slots of the worker's signals).
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ..jobs import Job
from .worker import JobWorker


#: Workers still running after their window closed; held here so Python never deletes a live thread.
_DETACHED: list[JobWorker] = []


@dataclass
class _Pending:
    job: Job
    name: str
    on_done: Callable[[Any], None] | None
    on_failed: Callable[[str, str], None] | None
    on_progress: Callable[[int, int, str], None] | None
    on_cancelled: Callable[[], None] | None
    nice: int = 0
    handle: "JobHandle" = field(default=None)  # type: ignore[assignment]


class JobHandle(QObject):
    """What the caller keeps: cancel() works whether the job is queued or running."""

    started = Signal()

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.worker: JobWorker | None = None
        self.cancelled_before_start = False

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
        else:
            self.cancelled_before_start = True


class JobRunner(QObject):
    """Signals: activity(running_count) whenever a job starts or ends."""

    activity = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[int, tuple[str | None, JobWorker]] = {}
        self._queues: dict[str, deque[_Pending]] = {}
        self._latest: dict[str, JobWorker] = {}

    def run(self, job: Job, name: str, *, key: str | None = None, queue: bool = False,
            on_done=None, on_failed=None, on_progress=None, on_cancelled=None, nice: int = 0) -> JobHandle:
        """Start `job(progress, cancel)`; with a key, either replace (default) or queue behind the same key.
        nice > 0 lowers the job thread's priority (see worker._lower_thread_priority)."""
        pending = _Pending(job, name, on_done, on_failed, on_progress, on_cancelled, nice, JobHandle(name))
        if key is not None and queue and self._key_busy(key):
            self._queues.setdefault(key, deque()).append(pending)
            return pending.handle
        if key is not None and not queue and key in self._latest:
            self._latest[key].cancel()
        self._start(pending, key, queue)
        return pending.handle

    def _key_busy(self, key: str) -> bool:
        return any(k == key for k, _ in self._running.values())

    def _start(self, p: _Pending, key: str | None, queue: bool) -> None:
        worker = JobWorker(p.job, p.name, parent=self, nice=p.nice)
        p.handle.worker = worker
        if p.handle.cancelled_before_start:
            worker.cancel()
        if key is not None and not queue:
            self._latest[key] = worker

        def current() -> bool:  # a replaced job's result is dropped
            return key is None or queue or self._latest.get(key) is worker

        if p.on_progress:
            worker.progress.connect(lambda d, t, m: current() and p.on_progress(d, t, m))
        if p.on_done:
            worker.finished.connect(lambda r: current() and p.on_done(r))
        if p.on_failed:
            worker.failed.connect(lambda m, d: current() and p.on_failed(m, d))
        if p.on_cancelled:
            worker.cancelled.connect(p.on_cancelled)
        worker.done.connect(lambda: self._finished(worker, key, queue))
        self._running[id(worker)] = (key, worker)
        worker.start()
        p.handle.started.emit()
        self.activity.emit(len(self._running))

    def _finished(self, worker: JobWorker, key: str | None, queue: bool) -> None:
        worker.wait(5000)
        self._running.pop(id(worker), None)
        if key is not None and self._latest.get(key) is worker:
            del self._latest[key]
        if key is not None and queue and self._queues.get(key):
            nxt = self._queues[key].popleft()
            self._start(nxt, key, queue)
        self.activity.emit(len(self._running))
        worker.deleteLater()

    @property
    def running_count(self) -> int:
        return len(self._running)

    def running_names(self) -> list[str]:
        return [w.name for _, w in self._running.values()]

    def cancel_all(self, wait_ms: int = 10000) -> None:
        """Cancel queued and running jobs and wait for the running ones (used on close). A job that cannot
        stop in time (an import of torch, a process start) is detached and kept alive until it ends:
        deleting a running thread with its window would crash or deadlock the process."""
        for q in self._queues.values():
            q.clear()
        workers = [w for _, w in self._running.values()]
        for w in workers:
            w.cancel()
        deadline = time.monotonic() + wait_ms / 1000
        for w in workers:
            if not w.wait(max(0, int(1000 * (deadline - time.monotonic())))):
                w.blockSignals(True)       # its callbacks belong to widgets that are going away
                w.setParent(None)
                _DETACHED.append(w)
        _DETACHED[:] = [w for w in _DETACHED if w.is_running()]


def wait_for_detached(ms: int = 30000) -> bool:
    """Wait for jobs detached at window close (called before the process exits: a QThread destroyed while
    running aborts the process). True when none is left running."""
    deadline = time.monotonic() + ms / 1000
    for w in list(_DETACHED):
        w.wait(max(0, int(1000 * (deadline - time.monotonic()))))
    _DETACHED[:] = [w for w in _DETACHED if w.is_running()]
    return not _DETACHED
