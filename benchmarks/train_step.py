"""Training step speed: the naive step against the fast step, at the paper's settings, in one run.

    python benchmarks/train_step.py [--threads 2] [--width 1024] [--batch 256] [--samples 20] [--steps 5]

Every step includes batch sampling and augmentation, the loss, backward, Adagrad and the EMA update.
- naive:       the B x B x K x K sample-distance matrix under autograd, NP-MPJPE for all B x B pairs;
- naive-lazy:  the same matrix under autograd, NP-MPJPE checked lazily (isolates the autograd part);
- fast-fp32:   the matrix without autograd for mining, only the 2B chosen pairs recomputed with autograd
               (identical gradient: tests/trainer/test_losses.py), NP-MPJPE lazily;
- fast-bf16:   fast-fp32 with the network under bfloat16 autocast (the training default).
Prints steps/s per variant and the ratios against "naive". The machine is shared: the load average is
printed before and after, and timings under load are lower than on an idle machine.
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

from trainer.config import TrainConfig  # noqa: E402
from trainer.training_step import Trainer  # noqa: E402


def synthetic_poses(n: int, seed: int = 0) -> np.ndarray:
    """Plausible H36M-17 poses (a figure swinging arms and legs), metres."""
    from poseexplorer.testing import motion_poses

    return motion_poses(n, seed)


def time_variant(cfg: TrainConfig, poses: np.ndarray, fast: bool, full: bool, steps: int) -> float:
    trainer = Trainer(cfg, poses, None)
    trainer.train_step(fast=fast, full_npmpjpe=full)          # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(fast=fast, full_npmpjpe=full)
    return steps / (time.perf_counter() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    poses = synthetic_poses(4096)
    base = TrainConfig(name="bench", width=args.width, batch_size=args.batch, samples=args.samples,
                       threads=args.threads)
    print(f"batch {args.batch}, K={args.samples}, width {args.width}, torch threads {args.threads}, "
          f"{os.cpu_count()} CPUs, load average before: {os.getloadavg()[0]:.1f}")
    variants = [("naive", False, True, False), ("naive-lazy", False, False, False),
                ("fast-fp32", True, False, False), ("fast-bf16", True, False, True)]
    rates = {}
    for name, fast, full, bf16 in variants:
        rates[name] = time_variant(base.replace(bf16=bf16), poses, fast, full, args.steps)
        print(f"  {name:11s} {rates[name]:7.2f} steps/s")
    for name in ("naive-lazy", "fast-fp32", "fast-bf16"):
        print(f"  ratio {name} / naive: {rates[name] / rates['naive']:.1f}x")
    print(f"  ratio fast-fp32 / naive-lazy (autograd part alone): {rates['fast-fp32'] / rates['naive-lazy']:.1f}x")
    print(f"load average after: {os.getloadavg()[0]:.1f} (the machine is shared; 2 means both cores busy)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
