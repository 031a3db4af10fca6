"""`poseexplorer-train export RUN --to DIR [--half] [--which best|last]`: weights + model card for the app."""
from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="a run folder (runs/<name>) holding config.json and checkpoint.pt/best.pt")
    parser.add_argument("--to", required=True, help="output folder; writes <name>.safetensors and <name>.card.json")
    parser.add_argument("--name", help="file name stem (default: the run's name)")
    parser.add_argument("--which", choices=("best", "last"), default="best",
                        help="EMA weights at the best validation Hit@1 (default, when present) or at the last step")
    parser.add_argument("--half", action="store_true", help="store float16 weights (half the size)")
    parser.add_argument("--command", dest="train_command", help="the training command, recorded in the card")


def run(args: argparse.Namespace) -> int:
    from .export import ExportError, export_run

    try:
        path = export_run(args.run, args.to, name=args.name, which=args.which, half=args.half,
                          command=args.train_command)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} and {path.with_name(path.name.removesuffix('.safetensors') + '.card.json')}")
    return 0
