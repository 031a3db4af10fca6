"""Benchmark: align two 5,000-frame embedded sequences (cost matrix + DTW), against a plain reference.

    .venv/bin/python benchmarks/align.py [--frames 5000] [--reference-frames 5000] [--repeats 3]

Fast path: poseexplorer.align.align_sequences (deterministic quadrature P, float32 blocks on 2 threads,
shifted-add atrous window, row-vectorised DTW). Reference, in the same run: the method written plainly:
P from the sampled K=20 estimator (poseexplorer.core.probability.matching_probability, 400 sample pairs per
frame pair), the atrous window as an explicit mean over offsets, and DTW as a Python double loop.
Both align a sequence with a randomly time-warped copy of itself; the printout gives times, their ratio,
and how far each sync map is from the true warp. With --reference-frames smaller than --frames, the
reference runs on a pair of that length and its time is scaled by the number of cells (default 1,000
frames: the full 5,000-frame reference takes about 15 minutes; --reference-frames 5000 measures it).
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402

from poseexplorer.align import MatchParams, align_sequences  # noqa: E402
from poseexplorer.align.cost import atrous_offsets  # noqa: E402
from poseexplorer.align.dtw import dtw  # noqa: E402
from poseexplorer.core.poses import Embedding  # noqa: E402
from poseexplorer.core.probability import matching_probability  # noqa: E402

MODEL = MatchParams(a=1.2, b=1.0)


def motion(t: np.ndarray, seed: int, dim: int = 16) -> np.ndarray:
    """A smooth embedding trajectory: a sum of slow sinusoids, evaluated at fractional frame times."""
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.002, 0.03, (3, dim))
    phase = rng.uniform(0, 2 * np.pi, (3, dim))
    return sum(np.sin(np.outer(t, 2 * np.pi * freq[i]) + phase[i]) for i in range(3)).astype(np.float32) * 0.7


def sequences(frames: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    speed = np.exp(np.convolve(rng.normal(0, 0.5, frames + 50), np.ones(50) / 50, mode="valid")[:frames])
    warp = np.concatenate([[0.0], np.cumsum(speed[1:])])
    warp = warp / warp[-1] * (frames - 1)  # B frame j shows A's time warp[j]
    def std(n: int) -> np.ndarray:
        return np.exp(rng.uniform(np.log(0.05), np.log(0.3), (n, 16))).astype(np.float32)

    def noise(n: int) -> np.ndarray:
        return rng.normal(0, 0.03, (n, 16)).astype(np.float32)

    emb_a = Embedding(motion(np.arange(frames), seed) + noise(frames), std(frames))
    emb_b = Embedding(motion(warp, seed) + noise(frames), std(frames))
    truth = np.abs(warp[None, :] - np.arange(frames)[:, None]).argmin(1) if frames <= 6000 else None
    return emb_a, emb_b, truth


def reference_cost(emb_a: Embedding, emb_b: Embedding, a: float, b: float) -> np.ndarray:
    """-log P (sampled, K=20) for every pair, then the atrous mean over the offsets inside both sequences."""
    ta, tb = len(emb_a), len(emb_b)
    dist = np.empty((ta, tb))
    for s in range(0, ta, 50):
        dist[s:s + 50] = -np.log(matching_probability(emb_a[s:s + 50], emb_b, a, b))
    total, count = np.zeros((ta, tb)), np.zeros((ta, tb))
    for o in atrous_offsets():
        for i in range(ta):
            if not 0 <= i + o < ta:
                continue
            j0, j1 = max(0, -o), min(tb, tb - o)
            total[i, j0:j1] += dist[i + o, j0 + o:j1 + o]
            count[i, j0:j1] += 1
    return total / count


def reference_dtw(cost: np.ndarray) -> np.ndarray:
    """The textbook recursion as a Python double loop, then backtracking."""
    ta, tb = cost.shape
    c = cost.tolist()
    acc = [[0.0] * tb for _ in range(ta)]
    inf = float("inf")
    for i in range(ta):
        row, prev, ci = acc[i], acc[i - 1] if i else None, c[i]
        for j in range(tb):
            if i == 0 and j == 0:
                row[j] = ci[j]
                continue
            best = min(prev[j - 1] if i and j else inf, prev[j] if i else inf, row[j - 1] if j else inf)
            row[j] = ci[j] + best
    i, j, path = ta - 1, tb - 1, [(ta - 1, tb - 1)]
    while i or j:
        cands = [(acc[i - 1][j - 1] if i and j else inf, i - 1, j - 1), (acc[i - 1][j] if i else inf, i - 1, j),
                 (acc[i][j - 1] if j else inf, i, j - 1)]
        _, i, j = min(cands)
        path.append((i, j))
    return np.array(path[::-1])


def sync_error(path: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    first = np.searchsorted(path[:, 0], np.arange(len(truth)))
    err = np.abs(path[first, 1] - truth)
    return float(np.median(err)), float(np.percentile(err, 99))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=5000)
    ap.add_argument("--reference-frames", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    emb_a, emb_b, truth = sequences(args.frames)
    times = []
    c0 = time.process_time()
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        al = align_sequences(emb_a, emb_b, MODEL)
        times.append(time.perf_counter() - t0)
    cpu = (time.process_time() - c0) / args.repeats
    fast = float(np.median(times))
    n_ref = min(args.reference_frames, args.frames)
    ref_a, ref_b, ref_truth = sequences(n_ref)
    t0 = time.perf_counter()
    ref_cost = reference_cost(ref_a, ref_b, MODEL.a, MODEL.b)
    t1 = time.perf_counter()
    ref_path = reference_dtw(ref_cost)
    t2 = time.perf_counter()
    scale = (args.frames / n_ref) ** 2
    ref_time = (t2 - t0) * scale
    small = align_sequences(ref_a, ref_b, MODEL)
    same_dtw = np.array_equal(dtw(ref_cost)[0], ref_path)
    print(f"cpu cores: {os.cpu_count()}, threads: OMP={os.environ['OMP_NUM_THREADS']}, "
          f"load average {os.getloadavg()[0]:.1f}; fast path CPU time {cpu:.2f} s per alignment (both threads)")
    print(f"{args.frames} x {args.frames} frames, cost matrix + DTW (median of {args.repeats}):")
    print(f"  fast      (align_sequences)           {fast:8.2f} s   [{', '.join(f'{t:.2f}' for t in times)}]")
    note = "" if scale == 1 else f"  (measured {t2 - t0:.1f} s on {n_ref} frames, scaled by cells x{scale:.0f})"
    print(f"  reference (sampled K=20 + loop DTW)   {ref_time:8.2f} s   cost {(t1 - t0) * scale:.1f} s, "
          f"DTW {(t2 - t1) * scale:.1f} s{note}")
    print(f"  speed-up  {ref_time / fast:8.1f} x   target: fast < 2 s -> {'PASS' if fast < 2.0 else 'FAIL'}")
    if truth is not None:
        med, p99 = sync_error(al.path, truth)
        print(f"  fast path vs true warp:      median |error| {med:.1f} frames, 99th percentile {p99:.1f}")
    med, p99 = sync_error(ref_path, ref_truth)
    med_f, p99_f = sync_error(small.path, ref_truth)
    print(f"  fast DTW on the reference's cost matrix gives the reference path exactly: {same_dtw}")
    print(f"  on the {n_ref}-frame pair: reference vs true warp median {med:.1f} / p99 {p99:.1f} frames; "
          f"fast median {med_f:.1f} / p99 {p99_f:.1f}")


if __name__ == "__main__":
    main()
