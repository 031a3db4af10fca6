"""Benchmark: "where is this instant in the other view" on held-out mocap, by a single frame vs by motion.

    .venv/bin/python benchmarks/motion_retrieval.py [--model assets/prvipe_upright.safetensors] [--reps 2]
        [--noise 3] [--swaps 0.1] [--seed 0]

Data: the held-out HDM05 actor "mm" (../cache/hdm05_seq.npz, 30 fps, no dedup; no bundled model saw mm).
Each case renders one clip (>= --min-frames frames) through two different random cameras of the
evaluation's "all" rig (trainer.evaluation.rigs, 11 cameras at mixed heights), synchronised, with Gaussian
keypoint noise (--noise px on 1000 px images) and, with --swaps F, the second view's left/right labels
swapped on about F of its frames in runs of 50-500 ms (as MediaPipe does on side and back views).
Every frame of view A queries all frames of view B:
- single frame: the index frame of highest model.matching_probability (the app's single-frame search);
- by motion: the least windowed cost of poseexplorer.align.moments.motion_cost (the app's best frame per
  view for a video query: the sync window, B's mirror image per frame pair).
Also with the query's lower body hidden (hips, knees, ankles at score 0: upper-body framing, the index as
rendered). A hit: the retrieved frame's 3D pose within NP-MPJPE 0.1 of the query frame's (3D Hit@1), or
within +-3 frames of it (same instant). Prints the load average and the time of each method.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_accuracy import SEQ_SET, with_lr_swaps  # noqa: E402

HELD_OUT = "mm"
LOWER_BODY = (7, 8, 9, 10, 11, 12)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="model file (default: the app's default model)")
    p.add_argument("--seq-set", default=str(SEQ_SET))
    p.add_argument("--reps", type=int, default=2, help="random camera pairs per clip")
    p.add_argument("--min-frames", type=int, default=90, help="shortest clip used (30 fps frames)")
    p.add_argument("--max-frames", type=int, default=600, help="longer clips are cut to this many frames")
    p.add_argument("--noise", type=float, default=3.0, help="keypoint noise in px (1000 px images)")
    p.add_argument("--swaps", type=float, default=0.1, help="share of B frames with left/right swapped")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    import torch

    from poseexplorer.align.moments import motion_cost
    from poseexplorer.align.video_sync import PoseSequence
    from poseexplorer.core.mirror import mirror_coco13
    from poseexplorer.core.npmpjpe import MATCH_THRESHOLD, np_mpjpe_matrix
    from poseexplorer.embed.model import load_model
    from trainer.evaluation.data import load_frames
    from trainer.evaluation.rigs import all_rig
    from trainer.evaluation.sequences import _project

    torch.set_num_threads(1)
    model = load_model(args.model)
    held = load_frames(args.seq_set)
    held = held.select(held.subject == HELD_OUT)
    clips = [idx[:args.max_frames] for idx in held.clips() if len(idx) >= args.min_frames]
    rig, rng = all_rig(), np.random.default_rng(args.seed)
    swap_rng = np.random.default_rng([args.seed, 1])
    hits = {(m, s, c): [] for m in ("single frame", "by motion") for s in ("as rendered", "lower body hidden")
            for c in ("3d", "frames")}
    seconds = {"single frame": 0.0, "by motion": 0.0}
    for _ in range(args.reps):
        for idx in clips:
            joints = held.joints[idx]
            cam_a, cam_b = rng.choice(len(rig), 2, replace=False)
            xa = _project(rig, int(cam_a), joints)
            xb = _project(rig, int(cam_b), joints)
            xa = (xa + rng.normal(0, args.noise, xa.shape)).astype(np.float32)
            xb = (xb + rng.normal(0, args.noise, xb.shape)).astype(np.float32)
            if args.swaps > 0:
                xb = with_lr_swaps(xb, 30.0, args.swaps, swap_rng)[0]
            ones = np.ones(xa.shape[:2], np.float32)
            emb_b = model.embed(xb, ones)
            other = PoseSequence("B", "", 30.0, emb_b, np.ones(len(xb), bool), model.embed(*mirror_coco13(xb, 0.0, ones)))
            match = np_mpjpe_matrix(joints, joints) < MATCH_THRESHOLD
            for stress in ("as rendered", "lower body hidden"):
                scores = ones.copy()
                if stress == "lower body hidden":
                    scores[:, list(LOWER_BODY)] = 0.0
                emb_a = model.embed(xa, scores)
                t0 = time.perf_counter()
                single = model.matching_probability(emb_a, emb_b).argmax(1)
                t1 = time.perf_counter()
                cost, _ = motion_cost(PoseSequence("A", "", 30.0, emb_a, np.ones(len(xa), bool)), other, model)
                motion = cost.argmin(1)
                t2 = time.perf_counter()
                seconds["single frame"] += t1 - t0
                seconds["by motion"] += t2 - t1
                frame = np.arange(len(joints))
                for name, found in (("single frame", single), ("by motion", motion)):
                    hits[(name, stress, "3d")].append(match[frame, found])
                    hits[(name, stress, "frames")].append(np.abs(found - frame) <= 3)
    load = os.getloadavg()
    print(f"model {model.name} ({args.model or 'default'}), held-out actor {HELD_OUT}: {len(clips)} clips of "
          f"{args.min_frames}-{args.max_frames} frames x {args.reps} camera pairs, noise {args.noise} px, L/R swaps on "
          f"{100 * args.swaps:g}% of B frames, seed {args.seed}; load average {load[0]:.2f} {load[1]:.2f}")
    print(f"{'method':<14} {'as rendered: 3D Hit@1':>22} {'+-3 frames':>11} {'lower body hidden: 3D Hit@1':>28} "
          f"{'+-3 frames':>11} {'seconds':>8}")
    for m in ("single frame", "by motion"):
        cells = [100 * np.mean(np.concatenate(hits[(m, s, c)])) for s in ("as rendered", "lower body hidden")
                 for c in ("3d", "frames")]
        print(f"{m:<14} {cells[0]:>21.1f}% {cells[1]:>10.1f}% {cells[2]:>27.1f}% {cells[3]:>10.1f}% "
              f"{seconds[m]:>8.2f}")
    print(f"ratio by motion / single frame, seconds: {seconds['by motion'] / max(seconds['single frame'], 1e-9):.1f}x")


if __name__ == "__main__":
    main()
