"""2D and 3D pose normalisation (prvipe-method.md section 2). Pure numpy, any leading batch shape."""
from __future__ import annotations

import numpy as np

from .skeleton import (
    COCO13_LEFT_HIP, COCO13_RIGHT_HIP, COCO13_TORSO, H36M17_PELVIS, H36M17_SPINE, H36M17_THORAX,
)

_EPS = 1e-8


def torso_scale_2d(xy: np.ndarray) -> np.ndarray:
    """Largest of the 6 pairwise distances among shoulders and hips.

    xy: (..., 13, 2) COCO-13 points. Returns (...,).
    """
    torso = xy[..., COCO13_TORSO, :]  # (..., 4, 2)
    diff = torso[..., :, None, :] - torso[..., None, :, :]
    return np.sqrt((diff**2).sum(-1)).max(axis=(-1, -2))


def normalize_2d(xy: np.ndarray) -> np.ndarray:
    """Centre on the hip midpoint, divide by the torso scale, times 0.5.

    xy: (..., 13, 2) COCO-13 points in any unit. Returns the same shape, float32.
    A degenerate pose (all torso points equal) is centred but not scaled.
    """
    xy = np.asarray(xy, dtype=np.float64)
    if xy.shape[-2:] != (13, 2):
        raise ValueError(f"normalize_2d expects (..., 13, 2) points, got shape {xy.shape}")
    centre = 0.5 * (xy[..., COCO13_LEFT_HIP, :] + xy[..., COCO13_RIGHT_HIP, :])
    scale = torso_scale_2d(xy)
    scale = np.where(scale > _EPS, scale, 1.0)
    out = (xy - centre[..., None, :]) / scale[..., None, None] * 0.5
    return out.astype(np.float32)


def normalize_3d(xyz: np.ndarray) -> np.ndarray:
    """Centre on the pelvis and divide by |pelvis-spine| + |spine-thorax|.

    xyz: (..., 17, 3) H36M-17 points. Returns the same shape, float32 (that chain then has length 1).
    """
    xyz = np.asarray(xyz, dtype=np.float64)
    if xyz.shape[-2:] != (17, 3):
        raise ValueError(f"normalize_3d expects (..., 17, 3) points, got shape {xyz.shape}")
    pelvis = xyz[..., H36M17_PELVIS, :]
    spine = xyz[..., H36M17_SPINE, :]
    thorax = xyz[..., H36M17_THORAX, :]
    scale = np.linalg.norm(spine - pelvis, axis=-1) + np.linalg.norm(thorax - spine, axis=-1)
    scale = np.where(scale > _EPS, scale, 1.0)
    out = (xyz - pelvis[..., None, :]) / scale[..., None, None]
    return out.astype(np.float32)
