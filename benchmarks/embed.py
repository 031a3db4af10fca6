"""Inference speed: PoseModel.embed poses per second (input normalisation + network), one run.

    python benchmarks/embed.py [--model assets/prvipe.safetensors] [--threads 2] [--n 65536]

Reference in the same run: the network alone on ready inputs (the upper bound), and the unfolded
network with BatchNorm layers (what folding saves). Target: >= 50,000 poses/s on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from poseexplorer.embed.model import load_model  # noqa: E402


def rate(fn, n: int, repeats: int = 3) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model file (default: the bundled model)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=65536)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 50, (args.n, 13, 2)) + 300.0
    scores = rng.uniform(0.6, 1.0, (args.n, 13))       # detector-like: most keypoints confident,
    scores[rng.random((args.n, 13)) < 0.05] = 0.1         # 5% below the threshold (masked)
    inputs = torch.from_numpy(model.inputs(xy, scores))
    print(f"{model!r}, width {model.spec.width}, {args.n} poses, torch threads {args.threads}, "
          f"load average {os.getloadavg()[0]:.1f}")
    full = rate(lambda: model.embed(xy, scores), args.n)
    prep = rate(lambda: model.inputs(xy, scores), args.n)
    with torch.inference_mode():
        folded = rate(lambda: model._mean_head(model._backbone(inputs)), args.n)
        from poseexplorer.embed.modelfile import load_network

        net = load_network(Path(args.model) if args.model else __import__(
            "poseexplorer.embed.model", fromlist=["default_model_path"]).default_model_path())[0]
        unfolded = rate(lambda: net(inputs), args.n)
    print(f"  model.embed (normalise + network): {full:10,.0f} poses/s")
    print(f"  input normalisation alone:         {prep:10,.0f} poses/s")
    print(f"  folded network alone:              {folded:10,.0f} poses/s")
    print(f"  unfolded network (BatchNorm):      {unfolded:10,.0f} poses/s  -> folding gains {folded / unfolded:.2f}x")
    print(f"  target 50,000 poses/s: {'met' if full >= 50000 else 'NOT met'} ({full / 50000:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
