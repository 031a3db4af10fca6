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


def test_a_job_outlives_its_runner_deleted_with_the_window(qtbot):
    """The segfault of a worker deleted with its parent while its thread runs: the worker has no Qt parent
    and keeps itself alive until its thread ends; callbacks of a destroyed owner never run."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication, QWidget

    from poseexplorer.gui.job_runner import JobRunner
    from poseexplorer.gui.worker import live_workers, wait_for_workers

    gate = threading.Event()
    calls = []
    window = QWidget()
    runner = JobRunner(window)

    def job(progress, cancel):
        gate.wait(5)
        progress(1, 1, "after the window is gone")
        return 1

    handle = runner.run(job, "outliving", on_done=calls.append, on_progress=lambda *a: calls.append(a),
                        owner=window)
    ended = []
    handle.ended.connect(lambda: ended.append(1))
    worker = handle.worker
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)   # the runner goes with it
    del window, runner, handle
    assert worker in live_workers()
    del worker                         # no Python reference left outside the worker module
    gate.set()
    assert wait_for_workers(5000)
    qtbot.wait(100)                    # the job's queued signals arrive: nothing is called, nothing crashes
    assert calls == [] and ended == [] and not live_workers()


def test_runner_cancel_all_lets_go_of_a_job_that_does_not_stop(qtbot):
    from poseexplorer.gui.job_runner import JobRunner
    from poseexplorer.gui.worker import live_workers, wait_for_workers

    gate = threading.Event()
    calls = []
    runner = JobRunner()
    handle = runner.run(lambda progress, cancel: gate.wait(5), "stubborn", on_done=calls.append,
                        on_cancelled=lambda: calls.append("cancelled"))
    runner.cancel_all(wait_ms=50)
    assert runner.running_count == 0 and not handle.active and live_workers()
    gate.set()
    assert wait_for_workers(5000)
    qtbot.wait(100)
    assert calls == []                 # after cancel_all (window close) no callback runs
    queued = runner.run(lambda progress, cancel: 7, "after", on_done=calls.append)
    qtbot.waitUntil(lambda: calls == [7], timeout=5000)
    assert not queued.active


def test_runner_queues_behind_a_job_started_without_the_queue(qtbot):
    """queue=True waits for whatever job holds the key, also one started to replace (the library listed
    without the model, then the snapshot with it), and then runs."""
    from poseexplorer.gui.job_runner import JobRunner

    gate = threading.Event()
    order = []
    runner = JobRunner()
    runner.run(lambda progress, cancel: gate.wait(5) and "first", "first", key="snapshot", on_done=order.append)
    runner.run(lambda progress, cancel: "second", "second", key="snapshot", queue=True, on_done=order.append)
    qtbot.wait(100)
    assert order == []                               # the second waits for the first
    gate.set()
    qtbot.waitUntil(lambda: order == ["first", "second"] and runner.running_count == 0, timeout=5000)
