"""Benchmark: indexing throughput on a local Ray with 1 and 2 workers against the process pool, same footage.

    nice -n 10 .venv/bin/python benchmarks/index_ray.py [--videos cam01,cam02,cam03,cam04] [--repeat 1]

Footage: the Pose2Sim 4-view demo (../shared/data/media/pose2sim_4views, real people, MediaPipe). Each
engine indexes the same videos into a fresh library, detection only (--no-embed: embedding runs in the
indexing process whatever the engine): the process pool with 2 workers (the reference), then Ray Data
actors with 1 and with 2 workers. Ray's start (ray.init, a local cluster) is timed separately from the
indexing; the ratio is computed on the indexing time, and also printed with the start included.
Printed: frames/s per engine, ratio against the pool, CPU count and load average.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from poseexplorer.library.indexer import index_paths

REPO = Path(__file__).resolve().parents[1]
FOOTAGE = REPO.parent / "shared" / "data" / "media" / "pose2sim_4views"


def run(videos: list[str], workers: int, engine: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        report = index_paths(Path(tmp) / "lib.sqlite", videos, workers=workers, engine=engine)
        elapsed = time.perf_counter() - t0
    if not all(f.ok for f in report.files):
        raise SystemExit(f"indexing failed: {report.files}")
    return elapsed, sum(f.n_frames for f in report.files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", default="cam01,cam02,cam03,cam04")
    ap.add_argument("--repeat", type=int, default=1, help="list the videos this many times (longer batch)")
    args = ap.parse_args()
    if not FOOTAGE.is_dir():
        raise SystemExit(f"needs the real footage in {FOOTAGE}")
    import ray

    base = [str(FOOTAGE / f"{name}.mp4") for name in args.videos.split(",")]
    videos = []
    with tempfile.TemporaryDirectory() as links:
        for r in range(args.repeat):  # distinct paths with the same content would be deduplicated: copy
            for v in base:
                if r == 0:
                    videos.append(v)
                else:
                    dst = Path(links) / f"r{r}_{Path(v).name}"
                    dst.write_bytes(Path(v).read_bytes())
                    videos.append(str(dst))
        t_pool, frames = run(videos, 2, "pool")
        rows = [("process pool, 2 workers", t_pool, 0.0)]
        for workers in (1, 2):
            t0 = time.perf_counter()
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            start = time.perf_counter() - t0
            try:
                t, n = run(videos, workers, "ray")
            finally:
                ray.shutdown()
            assert n == frames
            rows.append((f"Ray, {workers} worker{'s' if workers > 1 else ''}", t, start))
    print(f"{len(videos)} videos, {frames} frames; cores {os.cpu_count()}, load average "
          f"{os.getloadavg()[0]:.1f} (machine shared with other work)")
    print(f"{'engine':26s}{'index s':>9s}{'frames/s':>10s}{'Ray start s':>13s}{'ratio vs pool':>15s}"
          f"{'with start':>12s}")
    for name, t, start in rows:
        print(f"{name:26s}{t:9.1f}{frames / t:10.1f}{start:13.1f}{t_pool / t:15.2f}{t_pool / (t + start):12.2f}")


if __name__ == "__main__":
    main()
