"""Benchmark: opening a large library in the app's snapshot job, memory-mapped columns + paged rows against
loading every pose (the in-memory snapshot), each in a fresh process, with peak RSS.

    nice -n 10 .venv/bin/python benchmarks/library_open.py [--sizes 1e6,1e7] [--reference-max 1e6]
        [--dir TMPDIR/pe_library_open] [--keep]

For each size a library is generated once with SQLite bulk inserts (reused by later runs unless removed):
media of 2,500 frames (about 100 s of video), a person in 9 frames of 10 with xy, scores, landmarks and world
blobs like MediaPipe's, and an embedding per pose under the bundled model's key (means and stddevs from
benchmarks/search_scale.py's generated library when present, else random). Then, each in its own process:
- paged, first open: snapshot_job builds the columns (one streaming pass) -- once per library change;
- paged, reopen: what the app does at every later start (columns up to date, nothing else read);
- in memory (reference, sizes <= --reference-max): the former snapshot, every pose's arrays in memory.
Printed per size: seconds, peak RSS, ratio reopen vs in-memory, a look-up and a paged row read, load average.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FRAMES_PER_MEDIA = 2500
SEARCH_SCALE = Path(tempfile.gettempdir()) / "pe_search_scale"


def _model_identity() -> tuple[str, str, int]:
    import poseexplorer as px

    m = px.load_model()
    return str(m.sha256), str(m.name), int(m.embed_dim)


def generate(path: Path, n_poses: int, seed: int = 0) -> None:
    """A library of about n_poses poses (written once: a marker file says it is complete)."""
    from poseexplorer.testing.generated_library import write_generated_library

    n_frames = int(np.ceil(n_poses / 0.9))
    source = None
    if (SEARCH_SCALE / "mean.npy").exists():
        src_mean = np.load(SEARCH_SCALE / "mean.npy", mmap_mode="r")
        src_std = np.load(SEARCH_SCALE / "stddev.npy", mmap_mode="r")

        def source(start: int, count: int):
            if start + count > len(src_mean):
                return None
            return np.asarray(src_mean[start:start + count]), np.asarray(src_std[start:start + count])
    write_generated_library(path, int(np.ceil(n_frames / FRAMES_PER_MEDIA)), FRAMES_PER_MEDIA, _model_identity(),
                            source, seed, lambda stored: print(f"  generating: {stored:,} poses", file=sys.stderr,
                                                               flush=True))


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not carried over from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, path: str) -> None:
    """One open in this process; prints JSON (seconds, peak RSS MB, poses, look-up and paged-read ms)."""
    import poseexplorer as px
    from poseexplorer.jobs import never_cancel, no_progress
    from poseexplorer.session.library_jobs import snapshot_job

    model = px.load_model()
    rss0 = _peak_rss_mb()
    t0 = time.perf_counter()
    snap = snapshot_job(path, model, paged_from=0 if mode == "paged" else 10**12)(no_progress, never_cancel)
    t_open = time.perf_counter() - t0
    pid = int(snap.pose_ids[len(snap) // 2])
    t0 = time.perf_counter()
    row = snap.row_of(pid)
    frame = snap.pose_at(int(snap.media_ids[row]), int(snap.frames[row]))
    t_lookup = time.perf_counter() - t0
    t0 = time.perf_counter()
    xy, world = snap.xy[row], snap.world[row]
    t_row = time.perf_counter() - t0
    assert frame == pid and xy.shape == (13, 2) and world.shape == (33, 3)
    print(json.dumps(dict(open=t_open, rss=_peak_rss_mb(),
                          rss_start=rss0, n=len(snap), lookup_ms=1e3 * t_lookup, row_ms=1e3 * t_row,
                          embedded=bool(snap.has_embeddings))))


def run_child(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--reference-max", type=float, default=1e6, help="largest size opened the in-memory way")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "pe_library_open")
    ap.add_argument("--keep", action="store_true", help="keep the generated libraries")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    for n in (int(float(s)) for s in args.sizes.split(",")):
        need = n * 1400
        if shutil.disk_usage(args.dir).free < need + 15e9:
            print(f"{n:,} poses: skipped, needs about {need / 1e9:.0f} GB of disk + 15 GB margin")
            continue
        path = args.dir / f"lib{n}.sqlite"
        t0 = time.perf_counter()
        generate(path, n)
        size_gb = sum(p.stat().st_size for p in args.dir.glob(path.name + "*") if p.is_file()) / 1e9
        print(f"\n{n:,} poses requested: library {size_gb:.1f} GB ready in {time.perf_counter() - t0:.0f} s; "
              f"load average {os.getloadavg()[0]:.1f} (2 cores, shared)")
        shutil.rmtree(path.with_name(path.name + ".columns"), ignore_errors=True)
        first = run_child("paged", path)
        again = run_child("paged", path)
        print(f"  {'':34s}{'open s':>8s}{'peak RSS MB':>13s}{'look-up ms':>12s}{'row read ms':>13s}")
        for label, r in (("paged, first open (builds columns)", first), ("paged, reopen", again)):
            print(f"  {label:34s}{r['open']:8.2f}{r['rss']:13.0f}{r['lookup_ms']:12.2f}{r['row_ms']:13.2f}")
        print(f"  poses {again['n']:,}, embedded {again['embedded']}; process start without a library "
              f"{again['rss_start']:.0f} MB; reopen under 2 s -> {'PASS' if again['open'] < 2 else 'FAIL'}")
        if n <= args.reference_max:
            ref = run_child("memory", path)
            print(f"  {'in memory (reference)':34s}{ref['open']:8.2f}{ref['rss']:13.0f}{ref['lookup_ms']:12.2f}"
                  f"{ref['row_ms']:13.2f}")
            print(f"  reopen vs in memory: {ref['open'] / again['open']:.1f} x faster; peak RSS above the "
                  f"process start {again['rss'] - again['rss_start']:.0f} MB paged vs "
                  f"{ref['rss'] - ref['rss_start']:.0f} MB in memory")
        if not args.keep:
            for p in args.dir.glob(path.name + "*"):
                shutil.rmtree(p) if p.is_dir() else p.unlink()


if __name__ == "__main__":
    main()
