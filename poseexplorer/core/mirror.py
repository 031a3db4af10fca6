"""Mirroring: flip x AND swap every left joint with its right twin (prvipe-method.md section 1)."""
from __future__ import annotations

import numpy as np

from .skeleton import COCO13_MIRROR, H36M17_MIRROR


def mirror_coco13(xy: np.ndarray, centre_x: float = 0.0, scores: np.ndarray | None = None):
    """Mirror COCO-13 points about the vertical line x = centre_x.

    xy: (..., 13, 2); scores: optional (..., 13). Returns the mirrored xy, or (xy, scores) when
    scores are given.
    """
    xy = np.array(xy, dtype=np.float32, copy=True)
    if xy.shape[-2:] != (13, 2):
        raise ValueError(f"mirror_coco13 expects (..., 13, 2) points, got shape {xy.shape}")
    xy[..., 0] = 2.0 * centre_x - xy[..., 0]
    xy = xy[..., COCO13_MIRROR, :]
    if scores is None:
        return xy
    return xy, np.asarray(scores)[..., COCO13_MIRROR]


def mirror_h36m17(xyz: np.ndarray) -> np.ndarray:
    """Mirror H36M-17 points through the x = 0 plane and swap left/right. xyz: (..., 17, 3)."""
    xyz = np.array(xyz, dtype=np.float32, copy=True)
    if xyz.shape[-2:] != (17, 3):
        raise ValueError(f"mirror_h36m17 expects (..., 17, 3) points, got shape {xyz.shape}")
    xyz[..., 0] = -xyz[..., 0]
    return xyz[..., H36M17_MIRROR, :]
