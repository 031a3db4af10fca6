"""Before a training run starts: prepare the data, pick the precision, estimate the run time (a job, no Qt).

The dialog runs `plan_job(cfg)` on a worker so that each phase has its own progress: folders of motion
clips are prepared into cached .npz files first (file by file), then a few training steps are timed on
this computer (trainer/precision.py), which gives both the precision ("auto": float32 unless the CPU
computes bfloat16 natively) and an estimate of the run time shown before the run starts. The config the
trainer then gets lists the prepared files and the chosen precision, so the run itself starts at step 1.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...jobs import CancelCheck, Cancelled, Progress

if TYPE_CHECKING:
    from trainer.config import TrainConfig
    from trainer.precision import PrecisionChoice

#: a run estimated longer than this asks before it starts
LONG_RUN_S = 3600.0
#: settings a 2-core laptop trains in minutes (the paper's 20,000 steps at width 1024 take hours there)
def default_runs_dir() -> Path:
    """runs/ next to the default library (the user's data folder)."""
    from ...library import default_library_path

    return default_library_path().parent / "runs"


QUICK_RUN = dict(steps=1500, width=512, batch_size=256, val_every=250, val_size=500, checkpoint_every=250,
                 log_every=10)
_PREPARED = "_prepared"


@dataclass(frozen=True)
class RunPlan:
    """config: what the trainer runs (prepared .npz data, a fixed precision); n_poses: training poses;
    choice: the precision and the measured speed; seconds: estimated training time (None: not timed)."""

    config: "TrainConfig"
    n_poses: int
    choice: "PrecisionChoice"
    seconds: float | None

    def summary(self) -> str:
        """One line for the dialog: estimate, speed, precision and why."""
        from trainer.run_monitor import format_duration

        rate = self.choice.rate
        speed = f" at {rate:.2f} steps/s" if rate else ""
        return (f"Estimated run time: about {format_duration(self.seconds)} for {self.config.steps} steps{speed} "
                f"on this computer ({self.n_poses:,} training poses; {self.choice.precision}: "
                f"{self.choice.reason}).")

    @property
    def long(self) -> bool:
        return self.seconds is not None and self.seconds > LONG_RUN_S


def prepared_path(folder: str | Path, out_dir: str | Path) -> Path:
    """Where a folder of clips is prepared: <out_dir>/_prepared/<folder name>-<hash of its path>.npz."""
    folder = Path(folder).resolve()
    digest = hashlib.sha1(str(folder).encode()).hexdigest()[:8]
    return Path(out_dir) / _PREPARED / f"{folder.name}-{digest}.npz"


def is_fresh(prepared: Path, folder: Path) -> bool:
    """The prepared file exists and is newer than every file in the folder."""
    if not prepared.is_file():
        return False
    made = prepared.stat().st_mtime
    return all(p.stat().st_mtime <= made for p in folder.rglob("*") if p.is_file())


def estimate_seconds(steps: int, steps_per_s: float | None, val_every: int, validation_s: float = 0.0) -> float | None:
    """Training time of `steps` at the measured rate, plus validation_s per validation (None: no rate)."""
    if not steps_per_s or steps_per_s <= 0:
        return None
    return steps / steps_per_s + (steps // max(1, val_every)) * validation_s


def prepare_data(cfg: "TrainConfig", progress: Progress, cancel: CancelCheck) -> tuple[str, ...]:
    """cfg.data with every folder replaced by its prepared .npz (prepared now unless a fresh one exists)."""
    from trainer.prepare import PrepareOptions, prepare_dataset

    out: list[str] = []
    for i, entry in enumerate(cfg.data):
        path = Path(entry)
        if not path.is_dir():
            out.append(str(path))
            continue
        target = prepared_path(path, cfg.out_dir)
        if not is_fresh(target, path):
            target.parent.mkdir(parents=True, exist_ok=True)
            label = f"Preparing data {i + 1}/{len(cfg.data)} ({path.name})"
            prepare_dataset([path], target, PrepareOptions(), _phase(progress, label), cancel, log=lambda m: None)
        out.append(str(target))
    return tuple(out)


def _phase(progress: Progress, label: str) -> Progress:
    def report(done: int, total: int, message: str = "") -> None:
        progress(done, total, f"{label}: {message}" if message else label)
    return report


def plan_job(cfg: "TrainConfig", time_it: bool = True) -> Callable:
    """A job: prepare the data, choose the precision and time the steps; returns a RunPlan."""
    def job(progress: Progress, cancel: CancelCheck) -> RunPlan:
        import torch

        from trainer.precision import PrecisionChoice, choose, requested
        from trainer.training_step import load_training_poses

        data = prepare_data(cfg, progress, cancel)
        if cancel():
            raise Cancelled("cancelled before training")
        progress(0, 0, "Loading the training poses")
        poses, _ = load_training_poses(data)
        planned = cfg.replace(data=data)
        if not time_it:
            wanted = requested(planned)
            choice = PrecisionChoice("float32" if wanted == "auto" else wanted, "not timed", {})
            return RunPlan(planned.replace(precision=choice.precision), len(poses), choice, None)
        progress(0, 0, "Measuring the training speed on this computer")
        threads = torch.get_num_threads()
        torch.set_num_threads(max(1, cfg.threads))   # the trainer process's setting
        try:
            choice = choose(planned, poses)
        finally:
            torch.set_num_threads(threads)
        seconds = estimate_seconds(cfg.steps, choice.rate, cfg.val_every)
        return RunPlan(planned.replace(precision=choice.precision), len(poses), choice, seconds)
    return job
