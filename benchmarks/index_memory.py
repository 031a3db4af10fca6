"""Benchmark: peak memory of indexing a 10-minute 1080p video, and a folder of 20,000 images.

    .venv/bin/python benchmarks/index_memory.py video [--minutes 10] [--workers 2] [--cache ../cache]
    .venv/bin/python benchmarks/index_memory.py images [--count 20000] [--workers 2]

The inputs are generated once under --cache (never in the repo): a 1920x1080 30 fps mp4v video of a
real person (the sports2d demo resized and looped), or small PNG images. The indexer runs as a `poseexplorer index` subprocess (with real
MediaPipe, --no-embed); a sampler sums the resident memory (VmRSS) of that process and all its
descendants (workers, forkserver) every 0.2 s. Printed: peak total RSS against the 1.5 GB target,
frames/s, and for images the time until the first progress output (the listing must not delay it).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_BYTES = 1.5e9


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    return kids


def tree_rss(pid: int) -> int:
    """Sum of VmRSS (bytes) of pid and all its descendants."""
    kids, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def make_video(path: Path, minutes: float) -> Path:
    """1920x1080, 30 fps, mp4v: the sports2d demo (a real person) resized and played forward and
    backward until `minutes` are filled; a drawn figure when ../shared is absent."""
    import cv2
    import numpy as np

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    demo = REPO.parent / "shared" / "data" / "media" / "sports2d" / "demo.mp4"
    clip = []
    if demo.exists():
        cap = cv2.VideoCapture(str(demo))
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            clip.append(cv2.resize(bgr, (1920, 1080), interpolation=cv2.INTER_LINEAR))
        cap.release()
    else:
        for i in range(120):
            frame = np.full((1080, 1920, 3), 90, np.uint8)
            x = 300 + int(600 * (1 + np.sin(i / 20)))
            cv2.circle(frame, (x, 300), 60, (200, 180, 160), -1)
            cv2.line(frame, (x, 360), (x, 700), (40, 40, 160), 40)
            clip.append(frame)
    order = list(range(len(clip))) + list(range(len(clip) - 2, 0, -1))   # forward, then backward
    tmp = path.with_suffix(".part.mp4")
    w = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), 30, (1920, 1080))
    for i in range(int(minutes * 60 * 30)):
        w.write(clip[order[i % len(order)]])
    w.release()
    tmp.rename(path)
    return path


def make_images(folder: Path, count: int) -> Path:
    import cv2
    import numpy as np

    if folder.exists() and len(os.listdir(folder)) >= count:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        img = np.full((96, 128, 3), 60, np.uint8)
        cv2.circle(img, (int(rng.integers(20, 108)), 40), 12, (200, 180, 160), -1)
        cv2.imwrite(str(folder / f"img_{i}.png"), img)
    return folder


def run_index(target: Path, workers: int, library: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{library}{suffix}").unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "poseexplorer", "index", str(target), "--library", str(library),
           "--workers", str(workers), "--no-embed"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    peak, first = [0], [None]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.2)

    def watch_progress() -> None:   # tqdm writes to stderr; the first write is the first progress
        out = []
        while True:
            ch = proc.stderr.read(1)
            if not ch:
                break
            if first[0] is None:
                first[0] = time.perf_counter() - t0
            out.append(ch)
        watch_progress.text = "".join(out)

    threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=watch_progress, daemon=True)]
    for t in threads:
        t.start()
    stdout = proc.stdout.read()
    proc.wait()
    for t in threads:
        t.join(5)
    seconds = time.perf_counter() - t0
    print(stdout.strip())
    print(f"peak resident memory (indexer + workers): {peak[0] / 1e9:.3f} GB")
    frames = sum(int(line.split(": ")[-1].split(" frames")[0]) for line in stdout.splitlines()
                 if line.startswith("ok") and " frames" in line)
    print(f"exit {proc.returncode}; {seconds:.1f} s; {frames / seconds:.1f} frames/s with {workers} workers; "
          f"first progress after {first[0]:.2f} s" if first[0] is not None else "no progress output")
    print(f"peak resident memory (indexer + workers): {peak[0] / 1e9:.3f} GB; target < {TARGET_BYTES / 1e9:.1f} GB: "
          f"{'PASS' if peak[0] < TARGET_BYTES else 'FAIL'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("video", "images"))
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=REPO.parent / "cache")
    args = ap.parse_args()
    if args.what == "video":
        target = make_video(args.cache / f"bench_1080p_{args.minutes:g}min_person.mp4", args.minutes)
    else:
        target = make_images(args.cache / f"bench_images_{args.count}", args.count)
    print(f"input: {target}; cpus {os.cpu_count()}, load average {os.getloadavg()}")
    run_index(target, args.workers, args.cache / f"bench_{args.what}.sqlite")


if __name__ == "__main__":
    main()
