"""The sync panel's jobs run on the window's JobRunner: the status bar and close-time cancel see them."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.align import MatchParams
from poseexplorer.gui.sync_panel import SyncPanel

from .sync_media import coded_sequence, warp, write_coded_video
from .test_sync_panel import FOLLOWERS, FPS_A, N_A, SIZE_A

pytestmark = pytest.mark.gui


def test_sync_jobs_run_on_the_windows_runner_and_stop_with_it(qtbot, tmp_path):
    """The status bar and close-time cancel see the panel's jobs: they run on the runner it is given."""
    from poseexplorer.gui.job_runner import JobRunner

    runner = JobRunner()
    seen: list[list[str]] = []
    runner.activity.connect(lambda _n: seen.append(runner.running_names()))
    panel = SyncPanel(model=MatchParams(2.0, 1.0), runner=runner)
    qtbot.addWidget(panel)
    path_a = write_coded_video(tmp_path / "a.avi", N_A, FPS_A, SIZE_A)
    panel.add_sequence(coded_sequence(path_a, "a.avi", np.arange(N_A) / FPS_A, FPS_A))
    fps, n, size, params = FOLLOWERS[0]
    path_b = write_coded_video(tmp_path / "b.avi", n, fps, size)
    panel.add_sequence(coded_sequence(path_b, "b.avi", warp(np.arange(n) / fps, *params), fps))
    with qtbot.waitSignal(panel.synced, timeout=20000):
        panel.start_sync()
    assert panel.is_busy() or runner.running_count == 0
    qtbot.waitUntil(lambda: not panel.is_busy() and runner.running_count == 0, timeout=5000)
    assert ["sync: sync"] in seen and not panel.progress.isVisible()
    panel.start_sync()                                   # a second run, cancelled as a window close does
    assert panel.is_busy() and runner.running_names() == ["sync: sync"]
    runner.cancel_all()
    assert runner.running_count == 0 and not panel.is_busy()
