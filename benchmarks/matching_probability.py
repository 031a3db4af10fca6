"""Speed of the public model.matching_probability: a 1,000 x 1,000 matrix (K = 20 samples per pose).

    python benchmarks/matching_probability.py [--model assets/prvipe.safetensors] [--n 1000] [--repeats 3]

Reference in the same run: the former float64 implementation (poseexplorer.core.probability.
reference_probability_from_samples) on the same samples. Prints wall and CPU seconds of both, their
ratio, the largest difference and the load average (the 2 cores here are shared: read the ratio and the
CPU time, not only the wall time). Target: under 0.5 s wall on 2 idle cores, values equal to 1e-4.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import poseexplorer as px  # noqa: E402
from poseexplorer.core.probability import noise_table, reference_probability_from_samples, sample  # noqa: E402


def timed(fn, repeats: int) -> tuple[float, float, np.ndarray]:
    """Best wall and CPU seconds over `repeats` runs, and the last result."""
    best_wall = best_cpu = float("inf")
    out = None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best_wall, best_cpu, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model file (default: the bundled model)")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    model = px.load_model(args.model)
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 50, (2 * args.n, 13, 2)) + 300.0
    emb = model.embed(xy)
    emb_a, emb_b = emb[:args.n], emb[args.n:]
    print(f"{model!r}, {args.n} x {args.n} poses, K = 20, {os.cpu_count()} CPUs, "
          f"load average before {os.getloadavg()[0]:.2f}")
    model.matching_probability(emb_a[:50], emb_b[:50])  # warm the thread pool
    wall, cpu, fast = timed(lambda: model.matching_probability(emb_a, emb_b), args.repeats)
    eps = noise_table(20, emb.dim, 0)
    za, zb = sample(emb_a, eps[0]), sample(emb_b, eps[1])
    ref_wall, ref_cpu, ref = timed(lambda: reference_probability_from_samples(za, zb, model.a, model.b), 1)
    print(f"model.matching_probability: {wall:.3f} s wall, {cpu:.3f} s CPU (best of {args.repeats})")
    print(f"reference (float64 numpy):  {ref_wall:.3f} s wall, {ref_cpu:.3f} s CPU")
    print(f"speed-up: {ref_wall / wall:.1f}x wall, {ref_cpu / cpu:.1f}x CPU; "
          f"largest difference {np.abs(fast - ref).max():.2e}")
    print(f"load average after {os.getloadavg()[0]:.2f} (1 min), {os.getloadavg()[1]:.2f} (5 min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
