"""Type and range checks of a TrainConfig's values, so a bad config fails at load with a message that names
the key, instead of a cryptic error minutes into a run (or a run that silently trains nonsense)."""
from __future__ import annotations

import math
from dataclasses import MISSING, fields

#: key -> (low, high, low_inclusive, high_inclusive) for numbers with a meaningful range
RANGES: dict[str, tuple[float, float, bool, bool]] = {
    "dropout": (0.0, 1.0, True, False),
    "visibility_threshold": (0.0, 1.0, True, True),
    "ema_decay": (0.0, 1.0, True, False),
    "lr": (0.0, math.inf, False, False),
    "adagrad_init": (0.0, math.inf, True, False),
    "depth": (0.0, math.inf, False, False),
    "max_loss": (0.0, math.inf, False, True),
    "width": (1, 1 << 16, True, True),
    "embed_dim": (1, 4096, True, True),
    "blocks": (0, 64, True, True),
    "threads": (1, 1024, True, True),
    "val_size": (2, math.inf, True, False),
    "patience": (0, math.inf, True, False),
    "seed": (0, 2 ** 63, True, False),
}
PROBABILITIES = ("outlier_rate", "hip_offset", "keypoint_dropout", "legs_out_rate", "legs_out_hips",
                 "side_out_rate", "limb_out_rate", "swap_rate")
NON_NEGATIVE = ("jitter", "bone_scale", "limb_scale", "positive_weight", "prior_weight", "margin_ratio")


def _kind(default) -> type | None:
    for t in (bool, int, float, str):
        if type(default) is t:
            return t
    return None


def check_types(cfg) -> None:
    """ValueError naming the key whose value has the wrong type (the type of the field's default)."""
    for f in fields(cfg):
        want = _kind(f.default) if f.default is not MISSING else None
        value = getattr(cfg, f.name)
        if want is None or (value is None and f.default is None):
            continue
        if want is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif want is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, want)
        if not ok:
            raise ValueError(f"{f.name} must be {want.__name__ if want is not float else 'a number'}, "
                             f"got {value!r} ({type(value).__name__})")
        if want is float and not math.isfinite(value) and f.name != "max_loss":
            raise ValueError(f"{f.name} must be a finite number, got {value!r}")


def check_ranges(cfg) -> None:
    """ValueError naming the key whose value is out of its meaningful range."""
    for key, (lo, hi, lo_in, hi_in) in RANGES.items():
        if not hasattr(cfg, key):
            continue
        v = getattr(cfg, key)
        if not ((v >= lo if lo_in else v > lo) and (v <= hi if hi_in else v < hi)):
            raise ValueError(f"{key} must be in {'[' if lo_in else '('}{lo}, {hi}{']' if hi_in else ')'}, got {v!r}")
    for key in PROBABILITIES:
        if hasattr(cfg, key) and not 0.0 <= getattr(cfg, key) <= 1.0:
            raise ValueError(f"{key} is a probability and must be in [0, 1], got {getattr(cfg, key)!r}")
    for key in NON_NEGATIVE:
        if hasattr(cfg, key) and getattr(cfg, key) < 0:
            raise ValueError(f"{key} must be >= 0, got {getattr(cfg, key)!r}")


def data_paths(data) -> tuple[str, ...]:
    """`data` as a tuple of paths: one path given as a string is one path, not a sequence of characters."""
    if isinstance(data, (str, bytes)):
        data = [data]
    if not isinstance(data, (list, tuple)) or not all(isinstance(d, str) and d for d in data):
        raise ValueError(f"data must be a list of .npz files or folders of clips, got {data!r}")
    return tuple(data)
