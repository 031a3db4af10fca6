"""Sequential and random-access decoding: the PyAV reader (poseexplorer.io.video) against plain OpenCV
sequential decoding of the same file, in the same run. Prints frames per second, the ratio and the load.

    python benchmarks/video_decode.py [VIDEO] [--frames N]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import cv2
import numpy as np

from poseexplorer.io.video import VideoReader

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "media" / "sports2d" / "demo.mp4"


def opencv_sequential(path: Path, n: int) -> float:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    start, k = time.perf_counter(), 0
    while k < n:
        ok, bgr = cap.read()
        if not ok:
            break
        cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        k += 1
    cap.release()
    return k / (time.perf_counter() - start)


def reader_sequential(path: Path, n: int) -> float:
    with VideoReader(path) as r:
        start, k = time.perf_counter(), 0
        for k, _ in r.iter_frames(0, n):
            pass
        return (k + 1) / (time.perf_counter() - start)


def opencv_random(path: Path, n: int, reads: int = 40) -> float:
    """OpenCV's own seek (CAP_PROP_POS_FRAMES): the speed reference, not exact on every file."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    total = min(n, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
    order = np.random.default_rng(0).integers(0, total, reads)
    start = time.perf_counter()
    for i in order:
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(i))
        cap.read()
    cap.release()
    return reads / (time.perf_counter() - start)


def reader_random(path: Path, n: int, reads: int = 40) -> float:
    with VideoReader(path) as r:
        total = min(n, len(r))
        order = np.random.default_rng(0).integers(0, total, reads)
        start = time.perf_counter()
        for i in order:
            r.read(int(i))
        return reads / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("video", nargs="?", type=Path, default=DEFAULT)
    p.add_argument("--frames", type=int, default=600)
    a = p.parse_args()
    ref = opencv_sequential(a.video, a.frames)
    seq = reader_sequential(a.video, a.frames)
    rnd, rnd_ref = reader_random(a.video, a.frames), opencv_random(a.video, a.frames)
    print(f"{a.video.name}: sequential: OpenCV {ref:.0f} fps, VideoReader {seq:.0f} fps (ratio {seq / ref:.2f}) | "
          f"random access: OpenCV seek {rnd_ref:.1f} reads/s, VideoReader {rnd:.1f} reads/s "
          f"(ratio {rnd / rnd_ref:.2f}) | load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
