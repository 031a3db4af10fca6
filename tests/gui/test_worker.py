import threading

import pytest

from poseexplorer.gui.worker import JobWorker
from poseexplorer.jobs import Cancelled

pytestmark = pytest.mark.gui


def test_worker_reports_progress_and_result(qtbot):
    seen = []

    def job(progress, cancel):
        for i in range(5):
            progress(i + 1, 5, f"step {i}")
        return threading.current_thread().name

    worker = JobWorker(job)
    worker.progress.connect(lambda d, t, m: seen.append((d, t)))
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
    assert blocker.args[0] != threading.current_thread().name  # ran off the GUI thread
    qtbot.waitUntil(lambda: len(seen) == 5)
    assert seen[-1] == (5, 5)
    worker.wait()


def test_worker_cancel_and_failure(qtbot):
    gate = threading.Event()

    def slow(progress, cancel):
        gate.set()
        while not cancel():
            pass
        raise Cancelled()

    worker = JobWorker(slow)
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.start()
        gate.wait(5)
        worker.cancel()
    worker.wait()

    def broken(progress, cancel):
        raise OSError("No space left on device")

    worker2 = JobWorker(broken)
    with qtbot.waitSignal(worker2.failed, timeout=5000) as blocker:
        worker2.start()
    assert "No space left on device" in blocker.args[0]
    worker2.wait()
