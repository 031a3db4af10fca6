"""Check a training configuration before starting, with messages a user can act on.

Catches what would otherwise fail minutes into a run: a missing or empty data folder, a folder whose
clips cannot be read, an output folder that cannot be written. Loading is tried on a few clips only
(stopping at the first good one), so the check takes about a second.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from .config import TrainConfig

CLIP_SUFFIXES = (".bvh", ".amc", ".npz")
MAX_TRIES = 6
TIME_BUDGET_S = 20.0


def clip_files(folder: Path) -> list[Path]:
    """BVH, AMC and NPZ files anywhere under `folder`, sorted."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in CLIP_SUFFIXES and p.is_file())


def check_data_path(path: str | Path) -> str | None:
    """None when `path` (a folder of clips, or one .npz dataset) has a readable clip, else why not."""
    from .mocap import load_clip

    path = Path(path)
    if not path.exists():
        return f"{path} does not exist"
    if path.is_file():
        return None if path.suffix.lower() == ".npz" else f"{path} is a file; choose a folder of clips or a .npz"
    files = clip_files(path)
    if not files:
        return f"{path} holds no motion clips (BVH, ASF/AMC or NPZ files)"
    errors, start = [], time.monotonic()
    for file in files[:MAX_TRIES]:
        try:
            load_clip(file)
            return None
        except Exception as exc:  # noqa: BLE001 (any loader failure means "not readable")
            errors.append(f"{file.name}: {exc}")
        if time.monotonic() - start > TIME_BUDGET_S:
            break
    return (f"{path}: none of the clips tried could be read ({len(errors)} of {len(files)} tried); "
            f"first error: {errors[0]}")


def check_output(out_dir: str | Path, name: str) -> str | None:
    """None when runs can be written to out_dir/name (creating the folder if needed), else why not."""
    out = Path(out_dir)
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        return f"the output folder {out} cannot be created: {probe} is a file"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"the output folder {out} is not writable (no write permission on {probe})"
    run = out / name
    if run.exists() and not run.is_dir():
        return f"{run} exists and is not a folder; choose another output name"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        return f"the output folder {out} is not writable: {exc.strerror or exc}"
    return None


def check_settings(cfg: TrainConfig) -> list[str]:
    """Every problem found with the data and output of `cfg` (empty when it can start)."""
    problems = []
    if not cfg.data:
        problems.append("choose at least one data folder of motion clips (BVH, ASF/AMC or NPZ)")
    for path in cfg.data:
        problem = check_data_path(path)
        if problem:
            problems.append(problem)
    if cfg.val_data:
        problem = check_data_path(cfg.val_data)
        if problem:
            problems.append(f"validation data: {problem}")
    problem = check_output(cfg.out_dir, cfg.name)
    if problem:
        problems.append(problem)
    return problems


def has_checkpoint(cfg: TrainConfig) -> bool:
    """True when out_dir/name already holds a run that --resume can continue."""
    return (cfg.run_dir / "checkpoint.pt").is_file()
