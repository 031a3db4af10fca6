"""`poseexplorer-train calibrate MODEL.safetensors --data TRAIN.npz [--out FILE]`: fit the confidence map.

Writes `<model>.calibration.json` next to the model (or --out): the knots of the isotonic map P -> rate
of true 3D matches, fitted on the training actors of --data only (see trainer/calibration_fit.py), with
the model's sha256, the data and this command. load_model picks it up when the sha256 matches.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a Pr-VIPE model file (.safetensors)")
    parser.add_argument("--data", required=True, help="the TRAINING dataset .npz (poseexplorer-train prepare); "
                                                      "held-out subjects in it are left out")
    parser.add_argument("--out", help="output file (default: <model>.calibration.json beside the model)")
    parser.add_argument("--held-out", nargs="*", default=["mm"], metavar="SUBJECT",
                        help="subjects never used for fitting (default: mm, the evaluation actor)")
    parser.add_argument("--max-frames", type=int, default=450, help="poses per training group (default 450)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this fit (options left at their defaults are not repeated)."""
    words = [str(args.model), "--data", str(args.data)] + (["--out", str(args.out)] if args.out else [])
    if list(args.held_out) != ["mm"]:
        words += ["--held-out", *args.held_out]
    for flag, value, default in (("--max-frames", args.max_frames, 450), ("--seed", args.seed, 0)):
        if value != default:
            words += [flag, str(value)]
    return "poseexplorer-train calibrate " + shlex.join(words)


def run(args: argparse.Namespace) -> int:
    import torch

    from poseexplorer.embed.calibration import sidecar_path_for, write_calibration
    from poseexplorer.embed.modelfile import ModelFileError
    from poseexplorer.jobs import TqdmProgress, never_cancel

    from .calibration_fit import FitSettings, calibrate_job
    from .dataset import DatasetError

    torch.set_num_threads(max(1, args.threads))
    model, data = Path(args.model), Path(args.data)
    out = Path(args.out) if args.out else sidecar_path_for(model)
    command = command_line(args)
    try:
        settings = FitSettings(max_frames=args.max_frames, max_strided=max(1200, args.max_frames),
                               held_out=tuple(args.held_out), seed=args.seed)
        bar = TqdmProgress("calibrate", unit="group")
        try:
            cal = calibrate_job(model, data, settings, command)(bar, never_cancel)
        finally:
            bar.close()
    except (ModelFileError, DatasetError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_calibration(out, cal)
    info = cal.info
    print(f"wrote {out}: {len(cal.knots_p)} knots from {info['pairs']} pairs "
          f"({', '.join(f'{g}: {n}' for g, n in info['poses_per_group'].items())} poses); "
          f"ECE on the training pairs {info['train_ece_raw']:.3f} raw -> {info['train_ece_calibrated']:.3f}")
    return 0
