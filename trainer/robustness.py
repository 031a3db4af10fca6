"""Cross-view Hit@k of models under the conditions real footage brings, on held-out motion capture.

    python -m trainer.robustness --data ../cache/val_mm.npz --data ../cache/val_cmu.npz \
        --model assets/prvipe.safetensors --model OTHER.safetensors [--size 800] [--out docs/robustness.md]

Conditions (each a trainer.cross_view_validation.CrossViewSet, so the protocol is the training-time
validation's: 4 cameras, every ordered pair, a hit when a retrieved pose is within NP-MPJPE 0.1 of the
query's 3D pose):
- clean:      the validation cameras, exact projections;
- noisy:      the validation's simulated detector (jitter, gross errors, dropout, legs leaving the frame);
- upper body: hips, knees and ankles invisible in every view (scores 0), as in upper-body framing;
- rolled:     the same cameras turned about their optical axis by 0, 90, 180 and 270 degrees;
- swapped:    the left/right labels swapped on a random third of the poses in every view (what a detector
              does on back views).
The 2D-keypoint baseline (normalised keypoints, nearest neighbour) is printed beside every model.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from poseexplorer.embed.inputs import normalize_masked, visibility

from .augment import swap_left_right
from .cross_view_validation import VAL_CAMERAS, CrossViewSet, build_set, cross_view_hits, model_embedder

CONDITIONS = ("clean", "noisy", "upper body", "rolled", "swapped")
ROLLED_CAMERAS = tuple((az, el, ro + extra) for (az, el, ro), extra in zip(VAL_CAMERAS, (0.0, 90.0, 180.0, 270.0)))
_LOWER_BODY = [7, 8, 9, 10, 11, 12]


def upper_body_set(vset: CrossViewSet) -> CrossViewSet:
    """Clean views with the lower body's scores at 0 (read through the `noisy` fields)."""
    scores = np.ones(vset.views.shape[:3], np.float32)
    scores[:, :, _LOWER_BODY] = 0.0
    return replace(vset, noisy=vset.views, noisy_scores=scores)


def swapped_set(vset: CrossViewSet, share: float = 1 / 3, seed: int = 0) -> CrossViewSet:
    """Clean views with left/right labels swapped on `share` of the poses of each view (independently)."""
    rng = np.random.default_rng(seed)
    views = np.stack([swap_left_right(v, None, rng.random(len(v)) < share)[0] for v in vset.views])
    return replace(vset, noisy=views.astype(np.float32), noisy_scores=np.ones(views.shape[:3], np.float32))


def condition_sets(xyz: np.ndarray, size: int) -> dict[str, tuple[CrossViewSet, bool]]:
    """Each condition -> (set, read its noisy fields)."""
    base = build_set(xyz, size)
    return {"clean": (base, False), "noisy": (base, True), "upper body": (upper_body_set(base), True),
            "rolled": (build_set(xyz, size, cameras=ROLLED_CAMERAS), False), "swapped": (swapped_set(base), True)}


def masked_keypoint_embedder(xy: np.ndarray, scores: np.ndarray | None) -> tuple[np.ndarray, None]:
    """The 2D baseline that sees what the model sees: normalised visible keypoints, masked ones at 0 (the
    same normalisation as the model's input; with every point visible it is the baseline of
    trainer.cross_view_validation)."""
    vis = visibility(xy, scores, 0.3)
    return normalize_masked(xy, vis).reshape(len(xy), 26).astype(np.float64), None


def evaluate(models: dict[str, object], xyz: np.ndarray, size: int) -> dict[str, dict[str, dict[int, float]]]:
    """{row name: {condition: {k: Hit@k}}} for the 2D baseline and every model."""
    sets = condition_sets(xyz, size)
    out: dict[str, dict[str, dict[int, float]]] = {"2D keypoints": {}}
    for cond, (vset, noisy) in sets.items():
        out["2D keypoints"][cond] = cross_view_hits(masked_keypoint_embedder, vset, noisy=noisy)
    for name, model in models.items():
        out[name] = {cond: cross_view_hits(model_embedder(model), vset, noisy=noisy, a=model.a, b=model.b)
                     for cond, (vset, noisy) in sets.items()}
    return out


def table(results: dict[str, dict[str, dict[int, float]]], title: str) -> str:
    head = "| " + title + " | " + " | ".join(f"{c} Hit@1 / @10" for c in CONDITIONS) + " |"
    lines = [head, "|" + "---|" * (len(CONDITIONS) + 1)]
    for name, per in results.items():
        cells = [f"{100 * per[c][1]:.1f} / {100 * per[c][10]:.1f}" for c in CONDITIONS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import poseexplorer as px
    from .dataset import load_dataset

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", action="append", required=True, help="held-out dataset .npz (repeatable)")
    ap.add_argument("--model", action="append", required=True, help="model file (repeatable)")
    ap.add_argument("--size", type=int, default=800, help="poses per dataset (evenly spaced, deduplicated)")
    ap.add_argument("--out", help="also write the tables to this markdown file")
    args = ap.parse_args(argv)
    models = {Path(m).name: px.load_model(m) for m in args.model}
    text = []
    for data in args.data:
        ds = load_dataset(data)
        res = evaluate(models, ds.poses, args.size)
        subjects = ", ".join(sorted(set(ds.subject.tolist()))[:12])
        text.append(table(res, f"{Path(data).name} ({subjects})"))
        print(text[-1], flush=True)
    if args.out:
        Path(args.out).write_text("\n\n".join(text) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
