"""The contract every long job follows, headless: progress and cancel callables, no Qt.

A job is any callable `job(progress: Progress, cancel: CancelCheck) -> result`. It calls
`progress(done, total, message)` now and then, and checks `cancel()` between units of work; when
cancel() is true it raises `Cancelled` (after saving what it has). The GUI runs every job through one
generic worker (`poseexplorer.gui.worker.JobWorker`); the CLIs run them with tqdm.
"""
from __future__ import annotations

from typing import Any, Callable, Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


CancelCheck = Callable[[], bool]
Job = Callable[[Progress, CancelCheck], Any]


class Cancelled(Exception):
    """Raised by a job that stopped because cancel() returned true."""


def no_progress(done: int, total: int, message: str = "") -> None:
    """A progress callback that ignores everything."""


def never_cancel() -> bool:
    return False


class TqdmProgress:
    """A progress callback that drives a tqdm bar (for the command-line tools)."""

    def __init__(self, desc: str = "", unit: str = "it") -> None:
        from tqdm import tqdm

        self._bar = tqdm(desc=desc, unit=unit, dynamic_ncols=True)

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if total and self._bar.total != total:
            self._bar.total = total
        self._bar.n = done
        if message:
            self._bar.set_postfix_str(message[:60], refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()
