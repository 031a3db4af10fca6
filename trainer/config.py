"""TrainConfig: the one configuration of a training run, saved as JSON next to every run."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

KINDS = ("prvipe", "l2vipe", "lift3d")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on. Angles in degrees; fractions relative to the 2D torso size."""

    name: str = "prvipe"
    data: tuple[str, ...] = ()              # .npz datasets or folders of clips (prepared on the fly)
    val_data: str | None = None             # held-out .npz (or folder) for cross-view Hit@k
    kind: str = "prvipe"                    # "prvipe" | "l2vipe" | "lift3d"
    steps: int = 20000
    batch_size: int = 256
    samples: int = 20                       # K samples per pose (prvipe)
    embed_dim: int = 16
    width: int = 1024
    blocks: int = 2
    dropout: float = 0.3
    optimizer: str = "adagrad"              # "adagrad" (the paper's) | "adam"
    lr: float = 0.02
    adagrad_init: float = 0.1
    ema_decay: float = 0.9999
    seed: int = 0
    init_from: str | None = None            # a model file (.safetensors) whose weights start the run
    threads: int = 2
    bf16: bool = True                       # bfloat16 autocast for the network (about 2x on AVX-512 CPUs)
    precision: str = "auto"                 # "auto" | "float32" | "bfloat16" (trainer/precision.py)
    # cameras (prvipe-method.md section 7); chest_views = the no-augmentation variant
    azimuth: tuple[float, float] = (-180.0, 180.0)
    elevation: tuple[float, float] = (-30.0, 30.0)
    roll: tuple[float, float] = (-30.0, 30.0)
    depth: float = 2.0
    chest_views: bool = False               # only azimuth 0/90/180/270, elevation 0, roll 0
    # detector-like augmentation
    visibility_input: bool = True           # the 13-entry mask is a network input
    upright: bool = False                   # inputs turned so the body points up: exact roll invariance
    snap_hipless: bool = False              # with upright: hidden hips -> quarter turns only (embed/inputs.py)
    visibility_threshold: float = 0.3       # inference: a keypoint scored below this is masked
    jitter: float = 0.04                    # max per-pose keypoint noise std (fraction of torso size)
    outlier_rate: float = 0.02              # fraction of keypoints displaced by a gross error
    bone_scale: float = 0.08                # max relative change of each bone length
    limb_scale: float = 0.08                # max relative change of arms / legs / torso proportions
    hip_offset: float = 0.5                 # probability of a MediaPipe-like hip placement per view
    keypoint_dropout: float = 0.04          # per-keypoint masking probability
    legs_out_rate: float = 0.15             # probability that the lower body leaves the frame
    legs_out_hips: float = 0.15             # share of those where the hips leave too (upper-body framing)
    side_out_rate: float = 0.0              # probability that one side (arm + leg) is hidden
    limb_out_rate: float = 0.0              # probability that one whole limb is missing
    swap_rate: float = 0.0                  # probability that a view's left/right labels are swapped
    # losses (section 6)
    positive_weight: float = 0.005
    prior_weight: float = 0.001
    margin_ratio: float = 2.0
    # bookkeeping
    val_every: int = 500
    val_size: int = 1000
    patience: int = 0                       # stop after this many validations without a better Hit@1 (0 = never)
    checkpoint_every: int = 500
    log_every: int = 25
    out_dir: str = "runs"
    max_loss: float = 1e4                   # a loss above this (or NaN) stops the run

    def __post_init__(self) -> None:
        from .config_checks import check_ranges, check_types, data_paths

        object.__setattr__(self, "data", data_paths(self.data))
        check_types(self)
        for key in ("azimuth", "elevation", "roll"):
            object.__setattr__(self, key, tuple(float(v) for v in getattr(self, key)))
        if self.optimizer not in ("adagrad", "adam"):
            raise ValueError(f"optimizer must be 'adagrad' or 'adam', got {self.optimizer!r}")
        if self.precision not in ("auto", "float32", "bfloat16"):
            raise ValueError(f"precision must be 'auto', 'float32' or 'bfloat16', got {self.precision!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not self.name or "/" in self.name or self.name.startswith("."):
            raise ValueError(f"name must be a plain folder name, got {self.name!r}")
        if self.steps < 0 or self.batch_size < 2 or self.samples < 1:
            raise ValueError(f"need steps >= 0, batch_size >= 2, samples >= 1 "
                             f"(got {self.steps}, {self.batch_size}, {self.samples})")
        for key in ("azimuth", "elevation", "roll"):
            lo, hi = getattr(self, key)
            if len(getattr(self, key)) != 2 or lo > hi:
                raise ValueError(f"{key} must be a [low, high] range, got {getattr(self, key)}")
        if self.val_every < 1 or self.checkpoint_every < 1 or self.log_every < 1:
            raise ValueError("val_every, checkpoint_every and log_every must be >= 1")
        check_ranges(self)

    @property
    def run_dir(self) -> Path:
        return Path(self.out_dir) / self.name

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("data", "azimuth", "elevation", "roll"):
            d[key] = list(d[key])
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @staticmethod
    def from_dict(d: dict) -> "TrainConfig":
        known = {f.name for f in fields(TrainConfig)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown training config keys: {unknown}")
        return TrainConfig(**d)

    @staticmethod
    def load(path: str | Path) -> "TrainConfig":
        path = Path(path)
        try:
            d = json.loads(path.read_text())
        except FileNotFoundError:
            raise ValueError(f"training config not found: {path}") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(d, dict):
            raise ValueError(f"{path}: expected a JSON object of config keys")
        try:
            return TrainConfig.from_dict(d)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from None

    def replace(self, **changes) -> "TrainConfig":
        return TrainConfig.from_dict({**asdict(self), **changes})


def tiny_config(**changes) -> TrainConfig:
    """A config that trains in seconds (tests, smoke runs)."""
    base = dict(name="tiny", steps=20, batch_size=32, samples=4, width=64, embed_dim=8, dropout=0.1,
                val_every=10, val_size=60, checkpoint_every=10, log_every=5)
    return TrainConfig(**{**base, **changes})

