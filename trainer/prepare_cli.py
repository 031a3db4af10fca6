"""`poseexplorer-train prepare`: folders or files of mocap clips -> one cached dataset .npz (trainer.dataset)."""
from __future__ import annotations

import argparse
from pathlib import Path


def _override(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        fps = float(value)
    except ValueError:
        fps = -1.0
    if not sep or not name or fps <= 0:
        raise argparse.ArgumentTypeError(f"expected NAME=FPS (e.g. salsa=60), got {text!r}")
    return name, fps


def _names(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="DIR_OR_FILE",
                        help="folders (searched recursively) or files: .bvh, .amc (+ its .asf), .npz")
    parser.add_argument("--out", required=True, type=Path, help="dataset file to write (.npz)")
    parser.add_argument("--fps", type=float, default=30.0, help="output frame rate (default 30)")
    parser.add_argument("--subjects", type=_names, default=(), help="keep only these subjects, comma-separated")
    parser.add_argument("--exclude-subjects", type=_names, default=(), help="drop these subjects, comma-separated")
    parser.add_argument("--dedup", type=float, default=0.02,
                        help="drop a pose within this NP-MPJPE of the last kept pose of its clip (0 = keep all)")
    parser.add_argument("--fps-override", type=_override, action="extend", nargs="+", default=[], metavar="NAME=FPS",
                        help="true frame rate for files whose folder or stem is NAME (readme_framerates.txt "
                             "files found in the inputs are applied too; these win)")
    parser.add_argument("--mapping", type=Path, help="joint mapping JSON for a skeleton family not built in")
    parser.add_argument("--bvh-units", choices=("m", "cm", "mm", "inch", "acclaim"),
                        help="length unit of BVH files (default: guessed from the rest-pose height)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from poseexplorer.jobs import TqdmProgress, never_cancel

    from .mocap import MocapError, load_mapping
    from .mocap.bvh import UNITS
    from .prepare import PrepareOptions, prepare_dataset

    try:
        mapping = load_mapping(args.mapping) if args.mapping else None
    except MocapError as exc:
        print(f"error: {exc}")
        return 2
    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        print(f"error: not found: {', '.join(missing)}")
        return 2
    options = PrepareOptions(fps=args.fps, subjects=args.subjects, exclude_subjects=args.exclude_subjects,
                             dedup=args.dedup, fps_overrides=dict(args.fps_override), mapping=mapping,
                             metres_per_unit=UNITS[args.bvh_units] if args.bvh_units else None)
    bar = TqdmProgress(desc="prepare", unit="clip")
    try:
        report = prepare_dataset(list(args.inputs), args.out, options, bar, never_cancel,
                                 log=tqdm.write)
    finally:
        bar.close()
    print(f"wrote {args.out}: {report.poses} poses ({report.poses_before_dedup} before dedup) from "
          f"{report.clips} clips at {args.fps:g} fps in {report.seconds:.1f} s; {len(report.skipped)} skipped")
    return 0 if report.clips else 1
