"""`poseexplorer-train` (same as `python -m trainer`): one subcommand per module, imported lazily.

Each command module defines `add_arguments(parser)` and `run(args) -> int`.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "prepare": ("trainer.prepare_cli", "turn folders of mocap clips (BVH, ASF/AMC, NPZ) into one cached dataset"),
    "train": ("trainer.train_cli", "train a Pr-VIPE (or L2-VIPE / 3D lifting) model from a config file"),
    "export": ("trainer.export_cli", "export a training run's weights and model card for the app"),
    "calibrate": ("trainer.calibrate_cli", "fit a model's confidence calibration (P -> true-match rate) on training data"),
    "eval": ("trainer.eval_cli", "regenerate docs/results.md: retrieval, ambiguity, calibration, sequences"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="poseexplorer-train", description="Train and evaluate Pr-VIPE models.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command if command in COMMANDS else None).parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    return int(module.run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
