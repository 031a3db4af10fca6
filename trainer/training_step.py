"""One training run's state and step: data, network, optimiser, EMA, random generators, checkpoints.

The loop around it is trainer/train.py. Deterministic for a fixed seed: a numpy Generator draws batches and
cameras, a torch Generator the samples, the global torch generator (seeded) the init and dropout; all are
saved in the checkpoint so a resumed run continues the same sequence.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from poseexplorer.core.npmpjpe import MATCH_THRESHOLD, procrustes_mpjpe
from poseexplorer.embed.network import MatchingScale, NetworkSpec, PrVipeNet
from poseexplorer.jobs import never_cancel, no_progress

from .augment import Augmentation, camera_frame_3d, make_pairs
from .config import TrainConfig
from .ema import EmaWeights
from .losses import LossParts, far_from_matrix, lift_loss, prvipe_loss
from .network_growth import grow_blocks, grow_width
from .precision import uses_bf16

class TrainingError(RuntimeError):
    """The run stopped: NaN or exploding loss, bad data. The message says what to do."""


def load_training_poses(paths: tuple[str, ...] | list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """All poses of the given datasets (.npz, or folders prepared on the fly) -> (poses, nose or None)."""
    from .dataset import DatasetError, load_dataset

    poses, noses = [], []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            ds = _prepare_folder(path)
        else:
            try:
                ds = load_dataset(path)
            except DatasetError as exc:
                raise TrainingError(str(exc)) from exc
        poses.append(ds.poses)
        noses.append(ds.nose)
    if not poses or sum(len(p) for p in poses) < 2:
        raise TrainingError(f"no training poses in {list(paths)}; give .npz datasets or folders of clips")
    nose = np.concatenate(noses) if all(n is not None for n in noses) else None
    return np.concatenate(poses).astype(np.float32), nose


def _prepare_folder(path: Path):
    """Prepare a folder of clips into a cached dataset next to the runs (trainer.prepare)."""
    from .dataset import load_dataset
    from .prepare import PrepareOptions, prepare_dataset

    from .run_files import prepared_cache_path

    cache = prepared_cache_path(path)   # keyed on the clips too: a new or changed clip prepares again
    if not cache.is_file():
        prepare_dataset([path], cache, PrepareOptions(), no_progress, never_cancel)
    return load_dataset(cache)


def build_network(cfg: TrainConfig) -> PrVipeNet:
    spec = NetworkSpec(kind=cfg.kind, embed_dim=cfg.embed_dim, width=cfg.width, blocks=cfg.blocks,
                       dropout=cfg.dropout, visibility_input=cfg.visibility_input, upright=cfg.upright,
                       snap_hipless=cfg.snap_hipless)
    return PrVipeNet(spec)


def start_from_model_file(net: PrVipeNet, scale: MatchingScale, path: Path) -> None:
    """Copy the weights and matching scale of an exported model file into a fresh network of the same shape
    (fine-tuning a bundled model on new data or augmentation instead of starting from random weights), or
    of a larger one that starts as the model (network_growth: wider first, then more residual blocks)."""
    from poseexplorer.embed.modelfile import ModelFileError, load_network

    try:
        src_net, src_scale, _, _ = load_network(path)
        state = src_net.state_dict()
        if src_net.spec.width < net.spec.width:
            between = PrVipeNet(replace(net.spec, blocks=src_net.spec.blocks))
            grow_width(between, state)
            state = between.state_dict()
        if src_net.spec.blocks < net.spec.blocks:
            grow_blocks(net, state)
        else:
            net.load_state_dict(state)
    except (ModelFileError, RuntimeError) as exc:
        raise TrainingError(f"init_from {path}: cannot start from this model ({exc}); its network must have "
                            f"the embed_dim and visibility_input of this config and at most its width and "
                            f"blocks") from exc
    scale.load_state_dict(src_scale.state_dict())


class MetricsLog:
    """Appends one JSON object per line and flushes it, so a reader sees every line as it is written."""

    def __init__(self, path: Path, append: bool) -> None:
        self._f = open(path, "a" if append else "w", encoding="utf-8")

    def write(self, **record) -> None:
        self._f.write(json.dumps(record) + "\n")
        self._f.flush()

    def close(self) -> None:
        self._f.close()


class Trainer:
    """One run's state: network, matching scale, optimiser, EMA, random generators, step counter."""

    def __init__(self, cfg: TrainConfig, poses: np.ndarray, nose: np.ndarray | None, val_set=None) -> None:
        torch.manual_seed(cfg.seed)
        self.cfg, self.poses, self.nose, self.val_set = cfg, poses, nose, val_set
        self.net, self.scale = build_network(cfg), MatchingScale()
        if cfg.init_from:
            start_from_model_file(self.net, self.scale, Path(cfg.init_from))
        params = list(self.net.parameters()) + list(self.scale.parameters())
        if cfg.optimizer == "adam":
            self.opt = torch.optim.Adam(params, lr=cfg.lr)
        else:
            self.opt = torch.optim.Adagrad(params, lr=cfg.lr, initial_accumulator_value=cfg.adagrad_init)
        self.ema = EmaWeights([self.net, self.scale], cfg.ema_decay)
        self.rng = np.random.default_rng(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed + 1)
        self.aug = Augmentation.from_config(cfg)
        self.step, self.elapsed, self.best_hit1 = 0, 0.0, -1.0
        self.stale = 0
        self.normalised = None

    # -- one step -----------------------------------------------------------------------------------
    def batch(self):
        idx = self.rng.integers(0, len(self.poses), self.cfg.batch_size)
        nose = None if self.nose is None else self.nose[idx]
        return make_pairs(self.poses[idx], self.rng, self.aug, nose)

    def loss(self, pairs, fast: bool = True, full_npmpjpe: bool = False) -> LossParts:
        """The batch loss; fast=False and full_npmpjpe=True give the obvious reference (benchmarks, tests)."""
        cfg, b = self.cfg, self.cfg.batch_size
        x = torch.from_numpy(np.concatenate([pairs.anchor, pairs.positive]))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=uses_bf16(cfg)):
            mean, std, log_std = self.net.forward_train(x)
        if cfg.kind == "lift3d":
            target = np.concatenate([camera_frame_3d(pairs.xyz, pairs.anchor_rot),
                                     camera_frame_3d(pairs.xyz, pairs.positive_rot)])
            return lift_loss(mean, torch.from_numpy(target))
        k = cfg.samples if std is not None else 1
        eps = torch.randn((2, b, k, cfg.embed_dim), generator=self.gen)
        xyz = pairs.xyz

        def far(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            return procrustes_mpjpe(xyz[rows], xyz[cols]) >= MATCH_THRESHOLD

        if full_npmpjpe:
            far = far_from_matrix(procrustes_mpjpe(xyz[:, None], xyz[None]), MATCH_THRESHOLD)

        half = (lambda t: (None, None) if t is None else (t[:b], t[b:]))
        (sa, sp), (la, lp) = half(std), half(log_std)
        return prvipe_loss(mean[:b], sa, mean[b:], sp, eps[0], eps[1], self.scale.a, self.scale.b, far, fast=fast,
                           ratio=cfg.margin_ratio, positive_weight=cfg.positive_weight,
                           prior_weight=cfg.prior_weight, log_std_a=la, log_std_p=lp)

    def train_step(self, fast: bool = True, full_npmpjpe: bool = False) -> LossParts:
        self.net.train()
        parts = self.loss(self.batch(), fast, full_npmpjpe)
        value = float(parts.total.detach())
        if not math.isfinite(value) or value > self.cfg.max_loss:
            raise TrainingError(f"loss became {value} at step {self.step + 1}: training diverged. The last good "
                                f"checkpoint is kept; try a lower lr (now {self.cfg.lr}) and --resume.")
        self.opt.zero_grad(set_to_none=True)
        parts.total.backward()
        self.opt.step()
        self.step += 1
        self.ema.update(self.step)
        return parts

    # -- checkpoints --------------------------------------------------------------------------------
    def state(self) -> dict:
        return {"step": self.step, "elapsed_s": self.elapsed, "best_hit1": self.best_hit1, "stale": self.stale,
                "net": self.net.state_dict(), "scale": self.scale.state_dict(), "opt": self.opt.state_dict(),
                "ema": self.ema.state_dict(), "np_rng": self.rng.bit_generator.state,
                "torch_rng": self.gen.get_state(), "torch_global_rng": torch.get_rng_state(),
                "config": self.cfg.to_dict()}

    def load_state(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.scale.load_state_dict(state["scale"])
        self.opt.load_state_dict(state["opt"])
        self.ema.load_state_dict(state["ema"])
        self.rng.bit_generator.state = state["np_rng"]
        self.gen.set_state(state["torch_rng"])
        torch.set_rng_state(state["torch_global_rng"])
        self.step, self.elapsed = int(state["step"]), float(state["elapsed_s"])
        self.best_hit1, self.stale = float(state["best_hit1"]), int(state["stale"])

    def save(self, path: Path) -> None:
        if not all(torch.isfinite(p).all() for p in self.net.parameters()):
            raise TrainingError(f"weights are not finite at step {self.step}; not overwriting {path}")
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self.state(), tmp)
        tmp.replace(path)


def load_checkpoint(path: Path) -> dict:
    """A checkpoint, loaded without unpickling arbitrary objects (weights_only=True)."""
    from .run_files import CheckpointError, load_tensors

    try:
        return load_tensors(path)
    except CheckpointError as exc:
        raise TrainingError(str(exc)) from None
