"""Detector-like corruption of projected keypoints for the "noisy" evaluation columns.

Reuses the trainer's corruption (trainer.augment.jitter_keypoints, visibility_mask) at the training
defaults of TrainConfig: per-pose jitter up to 4% of the 2D torso size, 2% gross outliers, 4% dropped
keypoints and the lower body out of frame in 15% of poses. A dropped keypoint is reported the way a
detector reports an occluded joint: score 0 and a wild position (0.5 torso sizes off), so baselines that
ignore scores see it too. Scores of kept joints are drawn in [0.6, 1].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poseexplorer.core.normalize import torso_scale_2d
from trainer.augment import jitter_keypoints, visibility_mask


@dataclass(frozen=True)
class DetectorNoise:
    """Noise levels as fractions of the 2D torso size (largest shoulder/hip distance) and rates."""

    jitter: float = 0.04
    outlier_rate: float = 0.02
    dropout: float = 0.04
    legs_out_rate: float = 0.15
    drop_scale: float = 0.5

    def __post_init__(self) -> None:
        for name in ("outlier_rate", "dropout", "legs_out_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"DetectorNoise.{name} must be in [0, 1], got {getattr(self, name)}")


def corrupt(xy: np.ndarray, rng: np.random.Generator,
            noise: DetectorNoise = DetectorNoise()) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt COCO-13 pixel keypoints. xy: (N, 13, 2) -> (noisy xy (N, 13, 2), scores (N, 13))."""
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 3 or xy.shape[1:] != (13, 2):
        raise ValueError(f"corrupt expects (N, 13, 2) keypoints, got {xy.shape}")
    out = jitter_keypoints(xy, rng, noise.jitter, noise.outlier_rate)
    visible = visibility_mask(len(xy), rng, noise.dropout, noise.legs_out_rate)
    scale = torso_scale_2d(xy)[:, None, None]
    wild = xy + rng.normal(0.0, noise.drop_scale, xy.shape) * scale
    out = np.where(visible[..., None], out, wild)
    scores = np.where(visible, rng.uniform(0.6, 1.0, visible.shape), 0.0)
    return out.astype(np.float32), scores.astype(np.float32)


def corrupt_views(xy: np.ndarray, seed: int, noise: DetectorNoise = DetectorNoise()) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt every camera independently. xy: (C, M, 13, 2) -> (xy, scores (C, M, 13))."""
    rng = np.random.default_rng(seed)
    pairs = [corrupt(v, rng, noise) for v in xy]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])
