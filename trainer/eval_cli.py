"""`poseexplorer-train eval`: regenerate docs/results.md and its PNG plots.

    poseexplorer-train eval --model assets/prvipe.safetensors --variants DIR --data ../shared/data \\
        --val-set CACHE/val_mm.npz --seq-set CACHE/hdm05_seq.npz --out docs/ [--quick] \\
        [--sections footage,footage3d] [--extra-model FILE ...]

Sections not selected keep their text from the existing results.md. --val-set is needed only by the
mocap sections (retrieval, ambiguity, calibration, size, sequences).
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None,
                   help="the main Pr-VIPE model (default: the app's default, assets/prvipe_upright.safetensors)")
    p.add_argument("--variants", type=Path, default=None,
                   help="folder of variant models named <role>.safetensors (prvipe_noaug, l2vipe_aug, l2vipe_noaug, "
                        "lift3d_aug, lift3d_noaug, prvipe_d4, prvipe_d8, prvipe_d16, prvipe_d32)")
    p.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    p.add_argument("--val-set", type=Path, default=None,
                   help="held-out mocap dataset (.npz from `poseexplorer-train prepare`; actor mm)")
    p.add_argument("--seq-set", type=Path, default=None,
                   help="HDM05 sequences dataset (.npz, all 4 actors, no dedup) for section 5")
    p.add_argument("--out", type=Path, default=Path("docs"), help="where results.md and the PNGs go")
    p.add_argument("--cache", type=Path, default=None, help="cache folder for detections (default OUT/../.eval-cache)")
    p.add_argument("--quick", action="store_true", help="a reduced run: few frames (smoke tests, CI)")
    p.add_argument("--max-frames", type=int, default=None, help="cap the number of evaluation frames")
    p.add_argument("--footage-frames", type=int, default=None, help="only the first N frames of each video")
    p.add_argument("--sections", default=None, help="comma-separated subset of sections to run")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--note", action="append", default=[], help="a line for the document's Notes (repeatable)")
    p.add_argument("--extra-model", action="append", type=Path, default=[], dest="extra_model",
                   help="another model file to rank the real footage with (section footage3d; repeatable)")


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run, from the parsed options."""
    parts = ["poseexplorer-train", "eval"]
    for key in ("model", "variants", "data", "val_set", "seq_set", "out", "cache", "max_frames", "footage_frames",
                "sections"):
        value = getattr(args, key)
        if value is not None:
            parts += ["--" + key.replace("_", "-"), str(value)]
    if args.seed:
        parts += ["--seed", str(args.seed)]
    if args.quick:
        parts.append("--quick")
    for path in args.extra_model:
        parts += ["--extra-model", str(path)]
    for note in args.note:
        parts += ["--note", note]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    import torch

    from poseexplorer.embed.model import default_model_path
    from poseexplorer.jobs import TqdmProgress

    from .evaluation.pipeline import SECTIONS, EvalConfig, run_evaluation

    torch.set_num_threads(1)  # small batches; more threads only spin on this shared 2-core machine
    try:
        cfg = EvalConfig(model=args.model or default_model_path(), out=args.out, data=args.data,
                         val_set=args.val_set, seq_set=args.seq_set, variants=args.variants,
                         cache=args.cache or args.out.resolve().parent / ".eval-cache", quick=args.quick,
                         seed=args.seed, max_frames=args.max_frames, footage_frames=args.footage_frames,
                         sections=tuple(args.sections.split(",")) if args.sections else SECTIONS,
                         command=_command(args), notes=tuple(args.note), extra_models=tuple(args.extra_model))
        bar = TqdmProgress(desc="eval")
        try:
            path = run_evaluation(cfg, bar)
        finally:
            bar.close()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0
