"""Held-out check of a 3D lifting model: NP-MPJPE on actor mm against the training mean pose.

    .venv/bin/python scripts/lift_heldout.py assets/lift3d.safetensors --val-data ../cache/val_mm.npz \
        --train-data ../cache/train.npz

The frames and the 4 fixed cameras are those of trainer/cross_view_validation.py (800 frames, clean and
detector-noisy views).
NP-MPJPE (Procrustes-aligned with scale, prvipe-method.md) is scale- and rotation-free, so the lifter's
camera-frame output is compared with the world-frame truth directly. The baseline answers every query with
the mean normalised 3D pose of the training set: a lifter that does not beat it has learned nothing.
"""
from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--val-data", required=True)
    ap.add_argument("--train-data", required=True)
    ap.add_argument("--size", type=int, default=800)
    args = ap.parse_args()

    import torch

    from poseexplorer.core.normalize import normalize_3d
    from poseexplorer.core.npmpjpe import np_mpjpe
    from poseexplorer.embed.model import load_model
    from trainer.cross_view_validation import build_set

    torch.set_num_threads(1)
    model = load_model(args.model)
    vset = build_set(np.load(args.val_data)["poses"], size=args.size)
    train = np.load(args.train_data)["poses"]
    mean_pose = normalize_3d(train[:: max(1, len(train) // 20000)]).mean(0)
    truth = vset.xyz.astype(np.float64)
    base = np_mpjpe(truth, np.repeat(mean_pose[None], len(truth), 0)).mean()
    print(f"model {args.model} sha256 {model.sha256[:12]}, {len(truth)} mm frames x {len(vset.views)} cameras")
    for label, views, scores in (("clean", vset.views, None), ("noisy", vset.noisy, vset.noisy_scores)):
        errs = [np_mpjpe(truth, model.lift(v, None if scores is None else scores[c]).astype(np.float64))
                for c, v in enumerate(views)]
        e = np.concatenate(errs)
        print(f"{label}: NP-MPJPE mean {e.mean():.3f}, median {np.median(e):.3f}, "
              f"below 0.1 (a 'match') {100 * (e < 0.1).mean():.1f}%; training mean pose {base:.3f}")


if __name__ == "__main__":
    main()
