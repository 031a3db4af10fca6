"""A process that read videos can still fork: no decoded frame (whose FFmpeg threads exist only in the
parent) is left for a child's garbage collector, which would wait forever on those threads. Worker pools,
exports under a file size limit and this suite's own children fork after reading videos."""
from __future__ import annotations

import gc
import os
import signal
import time

import pytest

from poseexplorer.io.video import VideoReader
from tests.io.media_factory import write_barcode_video


def _child_collects_and_exits(seconds: float) -> bool:
    """Fork; the child runs a full garbage collection and exits. True when it exited within `seconds`."""
    pid = os.fork()
    if pid == 0:
        gc.collect()
        os._exit(0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return False


@pytest.mark.parametrize("closed", [True, False], ids=["closed", "dropped"])
def test_a_child_forked_after_reading_a_video_exits(tmp_path, closed):
    video = write_barcode_video(tmp_path / "v.avi", 60, fourcc="MJPG", size=(256, 64))
    gc.collect()
    gc.disable()   # whatever reading leaves behind must still be there when the child collects
    try:
        reader = VideoReader(video)
        frames = [reader.read(i).copy() for i in range(0, 60, 7)]   # sequential reads and seeks
        if closed:
            reader.close()
        del reader
        assert len(frames) == 9
        assert _child_collects_and_exits(20.0), "the forked child hung collecting the reader's frames"
    finally:
        gc.enable()
