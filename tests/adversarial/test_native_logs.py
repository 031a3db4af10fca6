"""MediaPipe's routine log lines stay off the terminal; real error output still gets through."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from poseexplorer.library.native_logs import quiet_native_logs, routine_line
from tests.io.media_factory import write_barcode_video

ROUTINE = [
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    b"W0000 00:00:1796494222.532882    2288 inference_feedback_manager.cc:114] Feedback manager requires a "
    b"model with a single signature inference. Disabling support for feedback tensors.",
    b"I0000 00:00:1796494222.1    17 gl_context.cc:369] GL version: 3.2",
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
]
REAL = [b"E0000 00:00:1796494222.5    2288 calculator_graph.cc:887] INTERNAL: graph failed",
        b"Traceback (most recent call last):", b"W0000 is not a log line"]


def test_routine_lines_are_recognised_and_real_ones_are_not():
    assert all(routine_line(line) for line in ROUTINE)
    assert not any(routine_line(line) for line in REAL)


def test_the_block_passes_on_everything_but_routine_lines(capfd):
    with quiet_native_logs():
        for line in ROUTINE[:2] + REAL + ROUTINE[2:]:
            os.write(2, line + b"\n")
        os.write(2, b"no newline at the end")
    err = capfd.readouterr().err
    assert err.splitlines() == [line.decode() for line in REAL] + ["no newline at the end"]


@pytest.mark.parametrize("workers", [0, 2])
def test_indexing_prints_no_mediapipe_log_lines(tmp_path, workers):
    """The real CLI on a generated video and images: in this process (--workers 0) or in worker processes."""
    (tmp_path / "media").mkdir()
    write_barcode_video(tmp_path / "media" / "v.avi", 20, fourcc="MJPG", size=(256, 64))
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), np.uint8)).save(tmp_path / "media" / f"im{i}.png")
    cmd = [sys.executable, "-m", "poseexplorer.cli", "index", "--no-embed", "--workers", str(workers),
           "--library", str(tmp_path / "lib.sqlite"), str(tmp_path / "media")]
    done = subprocess.run(cmd, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    lines = done.stderr.replace(b"\r", b"\n").splitlines()
    noise = [line for line in lines if routine_line(line) or b"TensorFlow Lite" in line or b"absl" in line
             or line.startswith((b"W0000", b"I0000"))]
    assert noise == [], noise[:5]
    assert b"ok" in done.stdout


def test_blocks_in_two_threads_share_one_capture(capfd):
    """The GUI runs imports in threads: overlapping blocks must leave descriptor 2 as it was."""
    import threading

    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with quiet_native_logs():
            os.write(2, ROUTINE[3] + b"\n")
            inside.set()
            release.wait(5)
            os.write(2, b"from the other thread\n")

    t = threading.Thread(target=other)
    with quiet_native_logs():
        t.start()
        inside.wait(5)
        os.write(2, ROUTINE[1] + b"\n")
    release.set()      # this block ended first: the capture goes on until the other one ends
    t.join(5)
    os.write(2, b"after both\n")
    assert capfd.readouterr().err.splitlines() == ["from the other thread", "after both"]
