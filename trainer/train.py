"""The training loop as a headless job: `train(cfg, progress, cancel, resume=False) -> run folder`.

Writes runs/<name>/: config.json; metrics.jsonl, one flushed JSON line per record:
  {"step", "elapsed_s", "loss", "triplet", "positive", "prior", "steps_per_s"}     every log_every steps
  {"step", "elapsed_s", "val_hit1", "val_hit10", "val_hit20", "val_noisy_hit1", ...}  every val_every steps
  {"event": "done" | "cancelled" | "error", "message", "step", "elapsed_s"}          once, at the end
checkpoint.pt (last good state; torch.load(weights_only=True)); best.pt (EMA weights at the best
validation Hit@1, what `export` ships). Cancel (Ctrl-C, SIGTERM, the GUI) saves a checkpoint first;
a NaN or exploding loss stops with TrainingError and leaves the last good checkpoint untouched.
"""
from __future__ import annotations

import time
from pathlib import Path

import torch

from poseexplorer.jobs import CancelCheck, Cancelled, Progress, never_cancel, no_progress

from .config import TrainConfig
from .run_files import save_atomic
from .training_step import Trainer, TrainingError, build_network, load_checkpoint, load_training_poses

CHECKPOINT, BEST, METRICS, CONFIG = "checkpoint.pt", "best.pt", "metrics.jsonl", "config.json"

__all__ = ["train", "TrainingError", "Cancelled", "CHECKPOINT", "BEST", "METRICS", "CONFIG", "ema_model"]


def ema_model(cfg: TrainConfig, ema_state: list[dict], name: str = "", card: dict | None = None):
    """A PoseModel holding the EMA weights (for validation and export)."""
    from poseexplorer.embed.model import TorchPoseModel
    from poseexplorer.embed.network import MatchingScale

    net, scale = build_network(cfg), MatchingScale()
    net.load_state_dict(ema_state[0])
    scale.load_state_dict(ema_state[1])
    card = card or {"keypoints": {"visibility_threshold": cfg.visibility_threshold}}
    return TorchPoseModel(net.eval(), float(scale.a.detach()), float(scale.b.detach()), card, "", name or cfg.name), net, scale


def _validation_set(cfg: TrainConfig):
    if not cfg.val_data:
        return None
    from .cross_view_validation import build_set

    poses, _ = load_training_poses([cfg.val_data])
    return build_set(poses, size=cfg.val_size, seed=cfg.seed)


def validate(trainer: Trainer, vset) -> dict:
    """Cross-view Hit@k of the EMA weights on the validation set, clean and with detector noise."""
    from .cross_view_validation import cross_view_hits, model_embedder

    model, _, _ = ema_model(trainer.cfg, trainer.ema.state_dict())
    embed = model_embedder(model)
    out = {}
    for prefix, noisy in (("val_", False), ("val_noisy_", True)):
        hits = cross_view_hits(embed, vset, noisy=noisy, a=model.a, b=model.b)
        out.update({f"{prefix}hit{k}": round(v, 5) for k, v in hits.items()})
    return out


def _start(cfg: TrainConfig, resume: bool) -> Path:
    run = cfg.run_dir
    if resume:
        if not (run / CHECKPOINT).is_file():
            raise TrainingError(f"cannot resume: no {CHECKPOINT} in {run}")
    elif (run / CHECKPOINT).exists():
        raise TrainingError(f"{run} already holds a run; use --resume to continue it, or another name")
    if resume:
        _check_resumable(cfg, run / CONFIG)
    run.mkdir(parents=True, exist_ok=True)
    (run / CONFIG).write_text(cfg.to_json())
    return run


#: what may change when a run is resumed (how long and how often); everything else must match
RESUMABLE_CHANGES = frozenset({"steps", "patience", "val_every", "checkpoint_every", "log_every", "threads",
                               "out_dir", "max_loss"})


def _check_resumable(cfg: TrainConfig, saved: Path) -> None:
    """TrainingError, before anything in the run folder is written, when the config changed in a way the
    checkpoint cannot follow (the saved config.json stays as it was)."""
    if not saved.is_file():
        return
    try:
        before = TrainConfig.load(saved).to_dict()
    except ValueError as exc:
        raise TrainingError(f"cannot resume: {exc}") from None
    now = cfg.to_dict()
    changed = sorted(k for k in now if k not in RESUMABLE_CHANGES and before.get(k) != now[k])
    if changed:
        shown = ", ".join(f"{k}: {before.get(k)!r} -> {now[k]!r}" for k in changed[:5])
        raise TrainingError(f"cannot resume {saved.parent}: the config changed ({shown}); only "
                            f"{', '.join(sorted(RESUMABLE_CHANGES))} may change. Start a new run (another name) "
                            "or restore the config; config.json was left as it was")


def _record_validation(trainer: Trainer, vset, run: Path, log) -> bool:
    """Validate, log, keep best.pt; True when patience says stop."""
    cfg = trainer.cfg
    figures = validate(trainer, vset)
    log.write(step=trainer.step, elapsed_s=round(trainer.elapsed, 2), **figures)
    if figures["val_hit1"] > trainer.best_hit1:
        trainer.best_hit1, trainer.stale = figures["val_hit1"], 0
        save_atomic({"step": trainer.step, "ema": trainer.ema.state_dict(), "validation": figures,
                     "elapsed_s": trainer.elapsed, "config": cfg.to_dict()}, run / BEST)
    else:
        trainer.stale += 1
    return cfg.patience > 0 and trainer.stale >= cfg.patience


def _loop(trainer: Trainer, vset, run: Path, log, progress: Progress, cancel: CancelCheck) -> str:
    cfg = trainer.cfg
    start, base = time.perf_counter(), trainer.elapsed
    window = (time.perf_counter(), trainer.step)
    validated_at = -1
    while trainer.step < cfg.steps:
        if cancel():
            raise Cancelled(f"cancelled at step {trainer.step}")
        parts = trainer.train_step()
        trainer.elapsed = base + time.perf_counter() - start
        step = trainer.step
        if step % cfg.log_every == 0:
            now = time.perf_counter()
            rate = (step - window[1]) / max(now - window[0], 1e-9)
            window = (now, step)
            log.write(step=step, elapsed_s=round(trainer.elapsed, 2), loss=float(parts.total.detach()), triplet=parts.triplet,
                      positive=parts.positive, prior=parts.prior, steps_per_s=round(rate, 3))
        if vset is not None and step % cfg.val_every == 0:
            validated_at = step
            stop = _record_validation(trainer, vset, run, log)
            window = (time.perf_counter(), trainer.step)   # steps_per_s counts training time only
            if stop:
                trainer.save(run / CHECKPOINT)
                return f"validation Hit@1 did not improve for {cfg.patience} validations; best {trainer.best_hit1:.4f}"
        if step % cfg.checkpoint_every == 0:
            trainer.save(run / CHECKPOINT)
        progress(step, cfg.steps, f"loss {float(parts.total.detach()):.4f}")
    if vset is not None and validated_at != trainer.step:
        _record_validation(trainer, vset, run, log)
    trainer.save(run / CHECKPOINT)
    return f"finished {trainer.step} steps"


def train(cfg: TrainConfig, progress: Progress = no_progress, cancel: CancelCheck = never_cancel,
          resume: bool = False) -> Path:
    """Run (or resume) training; returns the run folder. Raises TrainingError or Cancelled."""
    torch.set_num_threads(max(1, cfg.threads))
    run = _start(cfg, resume)
    log = open_log(run, resume)
    trainer = None
    try:
        poses, nose = load_training_poses(cfg.data)
        vset = _validation_set(cfg)
        trainer = Trainer(cfg, poses, nose)
        if resume:
            trainer.load_state(load_checkpoint(run / CHECKPOINT))
        message = _loop(trainer, vset, run, log, progress, cancel)
        log.write(event="done", message=message, step=trainer.step, elapsed_s=round(trainer.elapsed, 2))
        return run
    except Cancelled as exc:
        if trainer is not None:
            trainer.save(run / CHECKPOINT)
        _final(log, run, resume, "cancelled", f"{exc}; checkpoint saved, continue with --resume", trainer)
        raise
    except Exception as exc:
        _final(log, run, resume, "error", str(exc), trainer)
        if isinstance(exc, TrainingError):
            raise
        raise TrainingError(f"training failed: {exc}") from exc
    finally:
        log.close()


def open_log(run: Path, resume: bool):
    from .training_step import MetricsLog

    return MetricsLog(run / METRICS, append=resume)


def _final(log, run: Path, resume: bool, event: str, message: str, trainer: Trainer | None) -> None:
    extra = {} if trainer is None else {"step": trainer.step, "elapsed_s": round(trainer.elapsed, 2)}
    log.write(event=event, message=message, **extra)
