"""JobRunner: starts headless jobs on JobWorkers, keeps them alive, and routes their results.

Jobs with the same `key` replace each other (the newest wins: a search for the frame the user just
clicked makes the previous search obsolete), or queue behind each other with `queue=True` (imports).
Callbacks run in the GUI thread (they are slots of the worker's signals). A job given an `owner` (the
widget its callbacks belong to) stops calling back once the owner is destroyed; no callback runs after
cancel_all (window close) or once the runner is destroyed. Workers are never deleted here: see worker.py for their lifetime.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

from ..jobs import Job
from .worker import JobWorker


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
    """What the caller keeps: cancel() works whether the job is queued or running.
    Signals: started(); ended() once the job is over (after its result callback), or dropped from a queue."""

    started = Signal()
    ended = Signal()

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.worker: JobWorker | None = None
        self.cancelled_before_start = False
        self.active = True          # queued or running
        self.silenced = False       # its callbacks no longer run (owner destroyed, window closed)

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
        else:
            self.cancelled_before_start = True

    def wait(self, ms: int = 30000) -> bool:
        """Wait for the job's thread (True: it is not running)."""
        return self.worker is None or self.worker.wait(ms)


def _silence(handles) -> None:
    for handle in handles:
        handle.silenced = True


class JobRunner(QObject):
    """Signals: activity(running_count) whenever a job starts or ends."""

    activity = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[int, tuple[str | None, JobWorker, JobHandle]] = {}
        self._queues: dict[str, deque[_Pending]] = {}
        self._latest: dict[str, JobWorker] = {}
        running = self._running   # not self: the runner's Python side may be gone when it is destroyed
        self.destroyed.connect(lambda *_: _silence(entry[2] for entry in list(running.values())))

    def run(self, job: Job, name: str, *, key: str | None = None, queue: bool = False,
            on_done=None, on_failed=None, on_progress=None, on_cancelled=None, nice: int = 0,
            owner: QObject | None = None) -> JobHandle:
        """Start `job(progress, cancel)`; with a key, either replace (default) or queue behind the same key.
        nice > 0 lowers the job thread's priority (see worker._lower_thread_priority)."""
        pending = _Pending(job, name, on_done, on_failed, on_progress, on_cancelled, nice, JobHandle(name))
        if owner is not None:
            handle = pending.handle
            owner.destroyed.connect(lambda *_: setattr(handle, "silenced", True))
        if key is not None and queue and self._key_busy(key):
            self._queues.setdefault(key, deque()).append(pending)
            return pending.handle
        if key is not None and not queue and key in self._latest:
            self._latest[key].cancel()
        self._start(pending, key, queue)
        return pending.handle

    def _key_busy(self, key: str) -> bool:
        return any(k == key for k, _, _ in self._running.values())

    def _start(self, p: _Pending, key: str | None, queue: bool) -> None:
        worker = JobWorker(p.job, p.name, nice=p.nice)
        handle = p.handle
        handle.worker = worker
        if handle.cancelled_before_start:
            worker.cancel()
        if key is not None and not queue:
            self._latest[key] = worker

        def wanted() -> bool:  # a replaced or silenced job's result is dropped
            return not handle.silenced and (key is None or queue or self._latest.get(key) is worker)

        if p.on_progress:
            worker.progress.connect(lambda d, t, m: wanted() and p.on_progress(d, t, m))
        if p.on_done:
            worker.finished.connect(lambda r: wanted() and p.on_done(r))
        if p.on_failed:
            worker.failed.connect(lambda m, d: wanted() and p.on_failed(m, d))
        if p.on_cancelled:
            worker.cancelled.connect(lambda: handle.silenced or p.on_cancelled())
        worker.done.connect(lambda: self._finished(worker, key, queue))
        self._running[id(worker)] = (key, worker, handle)
        worker.start()
        handle.started.emit()
        self.activity.emit(len(self._running))

    def _finished(self, worker: JobWorker, key: str | None, queue: bool) -> None:
        entry = self._running.get(id(worker))
        if entry is None or entry[1] is not worker:   # already let go by cancel_all
            return
        if not shiboken6.isValid(self):   # deleted with its window: nothing to route (the worker lives on)
            return
        worker.wait()   # `done` is its last signal: the thread ends right after
        del self._running[id(worker)]
        if key is not None and self._latest.get(key) is worker:
            del self._latest[key]
        self._end(entry[2])
        if key is not None and self._queues.get(key) and not self._key_busy(key):   # queued behind any job of the key
            nxt = self._queues[key].popleft()
            self._start(nxt, key, True)
        self.activity.emit(len(self._running))

    @staticmethod
    def _end(handle: JobHandle) -> None:
        handle.active = False
        if not handle.silenced:
            handle.ended.emit()

    @property
    def running_count(self) -> int:
        return len(self._running)

    def running_names(self) -> list[str]:
        return [w.name for _, w, _ in self._running.values()]

    def cancel_all(self, wait_ms: int = 10000) -> None:
        """Cancel queued and running jobs and wait for the running ones (used on close); no callback runs
        after this. A job that cannot stop in time (an import of torch, a process start) is let go: its
        worker keeps itself alive until its thread ends (worker._LIVE; the app waits for it before exit)."""
        for q in self._queues.values():
            for p in q:
                p.handle.silenced = True
                self._end(p.handle)
            q.clear()
        entries = list(self._running.values())
        self._running.clear()
        self._latest.clear()
        for _, w, handle in entries:
            handle.silenced = True
            w.cancel()
        deadline = time.monotonic() + wait_ms / 1000
        for _, w, handle in entries:
            if not w.wait(max(0, int(1000 * (deadline - time.monotonic())))):
                w.blockSignals(True)       # its callbacks belong to widgets that are going away
            self._end(handle)
