"""`poseexplorer-train export RUN --to DIR [--half] [--which best|last]`: weights + model card for the app."""
from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="a run folder (runs/<name>) holding config.json and checkpoint.pt/best.pt")
    parser.add_argument("--to", required=True, help="output folder; writes <name>.safetensors and <name>.card.json")
    parser.add_argument("--name", help="file name stem (default: the run's name)")
    parser.add_argument("--which", choices=("best", "last"), default="best",
                        help="EMA weights at the best validation Hit@1 (default, when present) or at the last step")
    parser.add_argument("--half", choices=("no", "yes", "auto"), default="no", nargs="?", const="yes",
                        help="float16 weights (half the size); 'auto' keeps them only when validation Hit@1 on "
                             "--val-data is unchanged (within 0.5 points)")
    parser.add_argument("--val-data", help="held-out dataset for --half auto and the card's baseline comparison")
    parser.add_argument("--val-size", type=int, default=1000)
    parser.add_argument("--command", dest="train_command", help="the training command, recorded in the card")


def run(args: argparse.Namespace) -> int:
    from .export import ExportError, export_run

    try:
        if args.half == "auto" or args.val_data:
            path = export_checked(args)
        else:
            path = export_run(args.run, args.to, name=args.name, which=args.which, half=args.half == "yes",
                              command=args.train_command)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:   # unwritable or full destination: save_model leaves no partial file
        print(f"error: cannot write the model into {args.to}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} and {path.with_name(path.name.removesuffix('.safetensors') + '.card.json')}")
    return 0


def export_checked(args: argparse.Namespace):
    """Export float32 and float16 to a scratch folder, compare them (and the 2D baseline) on --val-data,
    then write the chosen one to --to with the comparison in its card."""
    import tempfile
    from pathlib import Path

    from .export import ExportError, export_run
    from .half_precision_check import compare, half_is_free

    if not args.val_data:
        raise ExportError("--half auto needs --val-data (a held-out dataset .npz)")
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"float32": export_run(args.run, Path(tmp) / "f32", name=args.name, which=args.which),
                 "float16": export_run(args.run, Path(tmp) / "f16", name=args.name, which=args.which, half=True)}
        result = compare(paths, args.val_data, args.val_size)
    half = args.half == "yes" or (args.half == "auto" and half_is_free(result))
    extra = {"evaluation": {"data": args.val_data, "protocol": "cross-view Hit@k as in validation, through "
                            "load_model + embed; keypoints_2d = normalised 2D keypoints, L2", **result},
             "half_precision_check": {"mode": args.half, "chosen": "float16" if half else "float32"}}
    print(json.dumps(result, indent=1))
    return export_run(args.run, args.to, name=args.name, which=args.which, half=half, command=args.train_command,
                      extra=extra)
