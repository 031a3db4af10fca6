"""The worker's segment runner: tracking restarts at a segment start unless it continues the last one."""
from __future__ import annotations

import numpy as np

from poseexplorer.library import detect_worker
from poseexplorer.library.detect_worker import Segment, run_segment
from tests.io.media_factory import write_barcode_video
from tests.library.fakes import BarcodeDetector, expected_xy


class _ResetLog(BarcodeDetector):
    """Barcode double that logs the first frame it sees after each reset (where tracking restarts)."""

    def __init__(self, video: bool = True) -> None:
        super().__init__(video)
        self.restarts: list[int | None] = []
        self._fresh = False

    def reset(self) -> None:
        self._fresh = True

    def detect(self, rgb: np.ndarray):
        det = super().detect(rgb)
        if self._fresh and det is not None:
            self.restarts.append(int(round(det.xy[0, 0])))   # expected_xy(i)[0, 0] == i
            self._fresh = False
        return det


def test_tracking_restarts_only_where_a_segment_does_not_continue_the_previous_one(tmp_path):
    video = str(write_barcode_video(tmp_path / "clip.avi", 48, fourcc="MJPG", size=(256, 64)))
    log = _ResetLog()
    detect_worker._state.clear()
    detect_worker._state["factory"] = lambda name, is_video: log
    try:
        plan = [(0, 20), (20, 40), (0, 10), (10, 20), (30, None), (40, None), (20, 30)]
        results = [run_segment(Segment(1, "video", video, a, b)) for a, b in plan]
    finally:
        detect_worker.release()
    # 0: first; 20 continues; 0 jumps back; 10 continues; 30 jumps; 40 follows an open-ended segment that
    # hit the end; 20 jumps back
    assert log.restarts == [0, 0, 30, 40, 20]
    for (a, b), res in zip(plan, results):
        assert res.fatal is None and [i for i, _ in res.rows] == list(range(a, 48 if b is None else b))
        for i, det in res.rows:
            assert det is None or np.array_equal(det.xy, expected_xy(i))
