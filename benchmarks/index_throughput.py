"""Benchmark: indexing throughput (frames/s) against a bare MediaPipe loop over the same frames, one run.

    .venv/bin/python benchmarks/index_throughput.py [VIDEO ...] [--workers 1 2] [--repeat 1]

Default input: the four pose2sim views in ../shared/data/media (4 x 100 frames, 1080x1920, one person).
Reference ("bare loop"): in this process, for each video, cv2 sequential decoding + BGR->RGB + one
mediapipe solutions.pose.Pose(static_image_mode=False, model_complexity=1).process per frame, no
storage. Candidate: poseexplorer.library.indexer.index_paths into a fresh library (worker processes,
SQLite commits, segment bookkeeping), with 1 and 2 workers. Both include their start-up (model
creation; for the indexer also the worker processes). The bare loop runs before and after the
candidates and their mean is the reference, so drifting load on a shared machine shows up as a gap
between the two. Prints the load average too: on a shared 2-core machine other jobs take CPU.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT = [REPO.parent / "shared" / "data" / "media" / "pose2sim_4views" / f"cam0{i}.mp4" for i in range(1, 5)]


def bare_loop(paths: list[Path]) -> tuple[int, float]:
    """(frames, seconds) of the plain decode + MediaPipe loop."""
    import cv2
    import mediapipe as mp

    t0 = time.perf_counter()
    frames = 0
    for path in paths:
        cap = cv2.VideoCapture(str(path))
        with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                frames += 1
        cap.release()
    return frames, time.perf_counter() - t0


def indexed(paths: list[Path], workers: int) -> tuple[int, float]:
    from poseexplorer.library.indexer import index_paths

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        report = index_paths(Path(tmp) / "bench.sqlite", [str(p) for p in paths], workers=workers)
        seconds = time.perf_counter() - t0
    assert report.ok, report
    return sum(f.n_frames for f in report.files), seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("videos", nargs="*", type=Path, default=DEFAULT)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="runs of each configuration (best is kept)")
    args = ap.parse_args()
    print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()}")
    bare_loop(args.videos[:1])   # warm the file cache and the model file for everyone
    ref = [bare_loop(args.videos) for _ in range(args.repeat)]
    results = {w: min((indexed(args.videos, w) for _ in range(args.repeat)), key=lambda r: r[1]) for w in args.workers}
    ref += [bare_loop(args.videos) for _ in range(args.repeat)]
    n = ref[0][0]
    ref_fps = [f / s for f, s in ref]
    base = sum(ref_fps) / len(ref_fps)
    print(f"bare MediaPipe loop: {n} frames, {', '.join(f'{v:.1f}' for v in ref_fps)} frames/s "
          f"(before/after), reference {base:.1f} frames/s")
    for w, (frames, seconds) in results.items():
        assert frames == n, f"indexed {frames} frames, the bare loop saw {n}"
        fps = frames / seconds
        print(f"index_paths workers={w}: {frames} frames in {seconds:.1f} s = {fps:.1f} frames/s, "
              f"ratio {fps / base:.2f}x the bare loop")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
