"""Small frozen dataclasses for poses and embeddings, validated on construction."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _check(name: str, arr: np.ndarray, tail: tuple[int | None, ...], ndim: int) -> None:
    shape = np.shape(arr)
    ok = len(shape) == ndim and all(t is None or s == t for s, t in zip(shape[-len(tail):], tail))
    if not ok:
        want = "(N, " + ", ".join("D" if t is None else str(t) for t in tail) + ")"
        raise ValueError(f"{name} must have shape {want}, got {shape}")


def check_shape(name: str, arr: np.ndarray, want: tuple[int | None, ...]) -> None:
    """ValueError naming `name` unless arr's shape is `want` (None: any size on that axis)."""
    shape = np.shape(arr)
    if len(shape) != len(want) or any(w is not None and s != w for s, w in zip(shape, want)):
        text = "(" + ", ".join("N" if w is None else str(w) for w in want) + ")"
        raise ValueError(f"{name} must have shape {text}, got {shape}")


@dataclass(frozen=True)
class Pose2D:
    """COCO-13 2D poses in image coordinates (x right, y down).

    xy: (N, 13, 2) float32; scores: (N, 13) float32 in [0, 1] (visibility or confidence).
    """

    xy: np.ndarray
    scores: np.ndarray

    def __post_init__(self) -> None:
        _check("Pose2D.xy", self.xy, (13, 2), 3)
        _check("Pose2D.scores", self.scores, (13,), 2)
        if len(self.xy) != len(self.scores):
            raise ValueError(f"Pose2D: {len(self.xy)} poses but {len(self.scores)} score rows")

    def __len__(self) -> int:
        return len(self.xy)


@dataclass(frozen=True)
class Pose3D:
    """3D poses in metres, y up. xyz: (N, J, 3) float32 with J = 17 (H36M-17) or 33 (MediaPipe)."""

    xyz: np.ndarray

    def __post_init__(self) -> None:
        _check("Pose3D.xyz", self.xyz, (None, 3), 3)
        if np.shape(self.xyz)[1] not in (17, 33):
            raise ValueError(f"Pose3D.xyz must have 17 or 33 joints, got shape {np.shape(self.xyz)}")

    def __len__(self) -> int:
        return len(self.xyz)


@dataclass(frozen=True)
class Embedding:
    """Probabilistic pose embeddings: a diagonal Gaussian per pose.

    mean: (N, D) float32; stddev: (N, D) float32, all > 0 (an L2-VIPE point model uses a tiny constant).
    """

    mean: np.ndarray
    stddev: np.ndarray

    def __post_init__(self) -> None:
        _check("Embedding.mean", self.mean, (None,), 2)
        if np.shape(self.stddev) != np.shape(self.mean):
            raise ValueError(f"Embedding.stddev shape {np.shape(self.stddev)} != mean shape {np.shape(self.mean)}")
        if np.size(self.stddev) and not np.all(np.asarray(self.stddev) > 0):
            raise ValueError("Embedding.stddev must be > 0 everywhere")

    def __len__(self) -> int:
        return len(self.mean)

    @property
    def dim(self) -> int:
        return int(np.shape(self.mean)[1])

    def __getitem__(self, index) -> "Embedding":
        """Select poses; `index` is anything numpy accepts for the first axis. Always stays 2D."""
        mean = np.asarray(self.mean)[index]
        stddev = np.asarray(self.stddev)[index]
        if mean.ndim == 1:
            mean, stddev = mean[None], stddev[None]
        return Embedding(mean, stddev)

    @staticmethod
    def concat(parts: "list[Embedding]") -> "Embedding":
        return Embedding(np.concatenate([p.mean for p in parts]), np.concatenate([p.stddev for p in parts]))
