"""Training precision: float32 or bfloat16 autocast, chosen from the machine ("auto") or set by hand.

bfloat16 autocast pays off only where the CPU computes in bfloat16 natively (AVX-512-BF16 or AMX); on an
AVX2 CPU, like most laptops, PyTorch emulates it and a training step is about 17x slower than float32
(benchmarks/train_step.py). "auto" therefore picks float32 without measuring on a CPU that lacks those
instructions, and otherwise times a few steps of the real network in both precisions and keeps the faster.

Configs: `precision` is "auto" | "float32" | "bfloat16". Older configs only have `bf16`: `bf16: false`
still forces float32, `bf16: true` (the old default) now means "auto".
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .config import TrainConfig

PRECISIONS = ("auto", "float32", "bfloat16")
BF16_FLAGS = ("avx512_bf16", "amx_bf16")   # /proc/cpuinfo flags of native bfloat16 arithmetic


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU feature flags the kernel reports (empty where /proc/cpuinfo does not exist)."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


@functools.lru_cache(maxsize=1)
def _this_cpu_flags() -> frozenset[str]:
    return cpu_flags()


def native_bf16(flags: frozenset[str] | None = None) -> bool:
    """True when the CPU has bfloat16 arithmetic in hardware (AVX-512-BF16 or AMX-BF16)."""
    flags = _this_cpu_flags() if flags is None else flags
    return any(f in flags for f in BF16_FLAGS)


def requested(cfg: "TrainConfig") -> str:
    """What the config asks for: "auto", "float32" or "bfloat16" (old `bf16: false` configs: float32)."""
    value = getattr(cfg, "precision", "auto")
    if value not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {value!r}")
    if value == "auto" and not getattr(cfg, "bf16", True):
        return "float32"
    return value


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision a run uses and why. steps_per_s: measured training steps per second by precision
    (empty when nothing was timed)."""

    precision: str
    reason: str
    steps_per_s: dict

    @property
    def rate(self) -> float | None:
        """Steps per second of the chosen precision, when it was timed."""
        return self.steps_per_s.get(self.precision)


def time_steps(cfg: "TrainConfig", precision: str, poses: np.ndarray | None = None, steps: int = 2,
               warmup: int = 1) -> float:
    """Training steps per second of `cfg` in `precision` (after `warmup` steps), on `poses` (N, 17, 3) or
    on random poses of the same shape when none are given. Uses the caller's torch thread count."""
    from .training_step import Trainer

    if poses is None:
        rng = np.random.default_rng(0)
        poses = (rng.normal(0, 0.25, (512, 17, 3)) + [0, 0, 3]).astype(np.float32)
    trainer = Trainer(cfg.replace(precision=precision, bf16=precision == "bfloat16"), poses, None)
    for _ in range(warmup):
        trainer.train_step()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step()
    return steps / max(time.perf_counter() - start, 1e-9)


def choose(cfg: "TrainConfig", poses: np.ndarray | None = None, flags: frozenset[str] | None = None,
           steps: int = 2) -> PrecisionChoice:
    """Resolve cfg's precision. "auto": float32 on a CPU without native bfloat16 (timing float32 only, for
    the run-time estimate), else the faster of both as timed here. A fixed precision is timed as is."""
    wanted = requested(cfg)
    if wanted != "auto":
        return PrecisionChoice(wanted, "set in the configuration",
                               {wanted: time_steps(cfg, wanted, poses, steps)})
    if not native_bf16(flags):
        return PrecisionChoice("float32", "this CPU has no AVX-512-BF16/AMX: bfloat16 would be emulated "
                               "(many times slower)", {"float32": time_steps(cfg, "float32", poses, steps)})
    rates = {p: time_steps(cfg, p, poses, steps) for p in ("float32", "bfloat16")}
    best = max(rates, key=rates.get)
    return PrecisionChoice(best, f"timed on this CPU: float32 {rates['float32']:.2f}, bfloat16 "
                           f"{rates['bfloat16']:.2f} steps/s", rates)


@functools.lru_cache(maxsize=8)
def _resolved_auto(cfg: "TrainConfig") -> str:
    return choose(cfg, steps=2).precision


def uses_bf16(cfg: "TrainConfig") -> bool:
    """Whether the training step runs the network under bfloat16 autocast (resolved once per config)."""
    wanted = requested(cfg)
    if wanted == "auto":
        if not native_bf16():
            return False
        return _resolved_auto(cfg.replace(precision="auto")) == "bfloat16"
    return wanted == "bfloat16"
