"""Euler-angle rotation matrices, vectorised over frames (the one place both mocap formats get rotations)."""
from __future__ import annotations

import numpy as np

_AXIS_INDEX = {"x": 0, "y": 1, "z": 2}


def axis_rotation(angles_deg: np.ndarray, axis: str) -> np.ndarray:
    """Right-handed rotation matrices about one coordinate axis: angles (T,) degrees -> (T, 3, 3)."""
    a = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    i = _AXIS_INDEX[axis.lower()]
    j, k = (i + 1) % 3, (i + 2) % 3
    out[..., i, i] = 1.0
    out[..., j, j] = c
    out[..., k, k] = c
    out[..., j, k] = -s
    out[..., k, j] = s
    return out


def euler_product(angles_deg: np.ndarray, axes: str) -> np.ndarray:
    """R = R_axes[0] @ R_axes[1] @ ... (the BVH convention: channel order left to right).

    angles_deg: (T, len(axes)) degrees, one column per axis letter. Returns (T, 3, 3) float64.
    """
    angles_deg = np.asarray(angles_deg, dtype=np.float64)
    if angles_deg.ndim != 2 or angles_deg.shape[1] != len(axes):
        raise ValueError(f"euler_product: angles {angles_deg.shape} do not match axes {axes!r}")
    out = np.broadcast_to(np.eye(3), (len(angles_deg), 3, 3)).copy()
    for col, axis in enumerate(axes):
        out = out @ axis_rotation(angles_deg[:, col], axis)
    return out


def euler_applied(angles_deg: np.ndarray, axes: str) -> np.ndarray:
    """Rotations applied in the order `axes` about fixed axes (the Acclaim ASF/AMC convention).

    "XYZ" with angles (a, b, c) gives Rz(c) @ Ry(b) @ Rx(a). angles_deg: (T, len(axes)). Returns (T, 3, 3).
    """
    angles_deg = np.asarray(angles_deg, dtype=np.float64)
    return euler_product(angles_deg[:, ::-1], axes[::-1])
