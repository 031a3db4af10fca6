"""Realistic synthetic embedding libraries for tests and benchmarks (no model needed).

Poses of one video lie along a smooth trajectory in the embedding space, videos of one action share a
neighbourhood, and the whole cloud roughly follows the N(0, I) prior of the training loss. Standard
deviations vary per pose over an order of magnitude (ambiguous poses are wider) and per dimension.
"""
from __future__ import annotations

import numpy as np

from ..core.poses import Embedding


def synthetic_library(n: int, dim: int = 16, n_actions: int = 400, frames_per_video: int = 250,
                      sigma_range: tuple[float, float] = (0.05, 0.4), seed: int = 0) -> tuple[Embedding, np.ndarray]:
    """n poses in videos of `frames_per_video` frames. Returns (Embedding (n, dim) float32, media_ids (n,))."""
    rng = np.random.default_rng(seed)
    n_videos = -(-n // frames_per_video)
    centres = rng.standard_normal((n_actions, dim)).astype(np.float32) * 0.9
    action = rng.integers(0, n_actions, n_videos)
    # each video: a random walk through its action's neighbourhood (a smooth trajectory)
    start = centres[action] + rng.standard_normal((n_videos, dim)).astype(np.float32) * 0.35
    steps = rng.standard_normal((n_videos, frames_per_video, dim)).astype(np.float32) * 0.035
    walk = np.cumsum(steps, axis=1)
    walk -= walk.mean(1, keepdims=True)
    mean = (start[:, None, :] + walk).reshape(-1, dim)[:n]
    mean += rng.standard_normal(mean.shape).astype(np.float32) * 0.05
    lo, hi = np.log(sigma_range[0]), np.log(sigma_range[1])
    scale = np.exp(rng.uniform(lo, hi, (n, 1))).astype(np.float32)
    stddev = scale * np.exp(rng.standard_normal((n, dim)) * 0.25).astype(np.float32)
    media = np.repeat(np.arange(n_videos), frames_per_video)[:n]
    return Embedding(mean.astype(np.float32), stddev.astype(np.float32)), media.astype(np.int64)
