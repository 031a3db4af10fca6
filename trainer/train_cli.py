"""`poseexplorer-train train CONFIG.json [--resume] [--out-dir DIR] [--steps N]`.

Ctrl-C and SIGTERM stop after the current step and save a checkpoint (resume with --resume).
"""
from __future__ import annotations

import argparse
import signal
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="training config JSON (trainer/config.py: TrainConfig)")
    parser.add_argument("--resume", action="store_true", help="continue runs/<name>/checkpoint.pt")
    parser.add_argument("--out-dir", help="parent folder of the run folder (default: the config's out_dir)")
    parser.add_argument("--steps", type=int, help="total steps (overrides the config)")
    parser.add_argument("--precision", choices=("auto", "float32", "bfloat16"),
                        help="network precision (overrides the config; auto: from this CPU, trainer/precision.py)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")


def run(args: argparse.Namespace) -> int:
    from poseexplorer.jobs import Cancelled, TqdmProgress, no_progress

    from .config import TrainConfig
    from .train import TrainingError, train

    try:
        cfg = TrainConfig.load(args.config)
        overrides = (("out_dir", args.out_dir), ("steps", args.steps), ("precision", args.precision))
        changes = {k: v for k, v in overrides if v is not None}
        cfg = cfg.replace(**changes) if changes else cfg
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = {"requested": False}

    def request_stop(signum, frame) -> None:
        stop["requested"] = True

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    progress = no_progress if args.no_progress else TqdmProgress(desc=cfg.name, unit="step")
    try:
        run_dir = train(cfg, progress, lambda: stop["requested"], resume=args.resume)
        print(f"done: {run_dir}")
        return 0
    except Cancelled:
        print(f"\ncancelled; checkpoint saved in {cfg.run_dir} (continue with --resume)", file=sys.stderr)
        return 130
    except TrainingError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if hasattr(progress, "close"):
            progress.close()
