"""Held-out effect of a model's confidence calibration: ECE of raw P and of the calibrated confidence on
actor mm, with the evaluation's protocol (docs/results.md sections 1 and 3: evaluation frames, chest and
all rigs, exact and noisy, each query's top-20; P by quadrature as the evaluation's main row, and/or the
app's sampled K = 20 estimate on a 30-candidate shortlist). Prints the section-3 markdown.

    .venv/bin/python scripts/calibration_heldout.py assets/prvipe.safetensors --val-set ../cache/val_mm.npz
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--val-set", required=True, help="held-out dataset .npz (actor mm)")
    parser.add_argument("--method", choices=("quadrature", "sampled", "both"), default="both")
    parser.add_argument("--all-rig-queries", type=int, default=120, help="as `poseexplorer-train eval` (120)")
    parser.add_argument("--max-frames", type=int, default=None)
    parser.add_argument("--out", default="/tmp/calibration_heldout", help="folder for calibration.png")
    args = parser.parse_args(argv)

    import torch

    from poseexplorer.embed.model import load_model
    from trainer.evaluation import report
    from trainer.evaluation.data import load_frames
    from trainer.evaluation.frames import evaluation_frames
    from trainer.evaluation.mocap_sections import calibration_section
    from trainer.evaluation.retrieval import ProbabilisticScorer, cross_view_retrieval, ground_truth_matches
    from trainer.evaluation.views import build_views

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    model = load_model(args.model)
    if not model.calibration.fitted:
        print(f"note: {args.model} has no calibration sidecar; the calibrated columns are n/a", file=sys.stderr)
    frames = load_frames(args.val_set)
    idx = evaluation_frames(frames.joints, frames.clip, frames.frame, frames.fps, max_frames=args.max_frames)
    joints = frames.joints[idx]
    matches = ground_truth_matches(joints)
    views = build_views(joints, seed=0, max_queries={"all": args.all_rig_queries})
    methods = ("quadrature", "sampled") if args.method == "both" else (args.method,)
    results = {}
    for method in methods:
        scorer = ProbabilisticScorer(model, method=method)
        for v in views:
            results[f"{v.label} ({method})"] = cross_view_retrieval(scorer, v.xy, v.scores, matches,
                                                                    max_queries=v.max_queries)
    out = Path(args.out)
    sec = calibration_section(results, out, model.calibration if model.calibration.fitted else None)
    print(f"model {args.model} sha256 {model.sha256}; {len(idx)} evaluation frames of {args.val_set}; "
          f"{time.perf_counter() - t0:.0f} s\n")
    print(report.calibration_markdown(sec))
    print(f"figure: {sec.figure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
