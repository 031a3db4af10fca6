"""Evaluation frame selection (prvipe-method.md section 8).

Every 10th frame at Human3.6M's 50 fps is one frame per 0.2 s; we keep that spacing in time whatever
the data's rate, then drop a frame whose 3D pose is within NP-MPJPE 0.02 of a frame already kept.
The same frames are then projected into every camera, so a perfect answer always exists.
"""
from __future__ import annotations

import numpy as np

from poseexplorer.core.npmpjpe import distinct_poses

#: The paper's spacing: every 10th frame at 50 fps.
STRIDE_SECONDS = 10 / 50.0
DUPLICATE_THRESHOLD = 0.02


def stride_indices(clip_ids: np.ndarray, frame: np.ndarray, fps: float,
                   stride_s: float = STRIDE_SECONDS) -> np.ndarray:
    """One pose per `stride_s` seconds within each clip: the first pose at or after each tick.

    clip_ids: (N,) clip of each pose, contiguous per clip; frame: (N,) increasing frame number within its
    clip at `fps` (a cache may have gaps where it dropped repeated poses). Returns (M,) int64 indices.
    """
    clip_ids, frame = np.asarray(clip_ids), np.asarray(frame, dtype=np.float64)
    tick = np.floor(frame / (fps * stride_s) + 1e-9).astype(np.int64)  # which stride interval each pose is in
    new = np.ones(len(frame), bool)
    new[1:] = (clip_ids[1:] != clip_ids[:-1]) | (tick[1:] != tick[:-1])
    return np.flatnonzero(new).astype(np.int64)


def drop_near_duplicates(xyz: np.ndarray, threshold: float = DUPLICATE_THRESHOLD) -> np.ndarray:
    """Greedy: keep a pose unless its NP-MPJPE to a pose already kept is below `threshold` (core's
    distinct_poses). xyz: (N, 17, 3). Returns the kept indices (M,) in their original order."""
    return distinct_poses(np.asarray(xyz), threshold)


def evaluation_frames(xyz: np.ndarray, clip_ids: np.ndarray, frame: np.ndarray, fps: float,
                      stride_s: float = STRIDE_SECONDS, max_frames: int | None = None) -> np.ndarray:
    """The evaluation frames: time-strided, then near-duplicates removed, optionally capped evenly.

    xyz: (N, 17, 3); clip_ids, frame: (N,). Returns indices into the N poses, (M,) int64.
    """
    strided = stride_indices(clip_ids, frame, fps, stride_s)
    keep = strided[drop_near_duplicates(np.asarray(xyz)[strided])]
    if max_frames is not None and len(keep) > max_frames:
        keep = keep[np.linspace(0, len(keep) - 1, max_frames).round().astype(np.int64)]
    return keep
