"""Checks of the world convention (y up, right-handed) on mapped joints: is the subject's left on its left?"""
from __future__ import annotations

import numpy as np

from poseexplorer.core.skeleton import H36M17_NAMES

_LHIP, _RHIP = H36M17_NAMES.index("left_hip"), H36M17_NAMES.index("right_hip")
_LANK, _RANK = H36M17_NAMES.index("left_ankle"), H36M17_NAMES.index("right_ankle")


def left_side_fraction(joints: np.ndarray, forward: np.ndarray) -> float:
    """Fraction of frames whose left hip lies on the subject's left, i.e. along up x forward.

    joints: (T, 17, 3) y-up world points; forward: (T, 3) the direction the body faces (from the feet or the
    nose, independent of the left/right labels).  A right-handed source with correct labels gives ~1.0; a
    mirrored one (left-handed axes or swapped labels) gives ~0.0.
    """
    left_dir = np.cross(np.array([0.0, 1.0, 0.0]), forward)
    across = joints[:, _LHIP] - joints[:, _RHIP]
    return float(((across * left_dir).sum(-1) > 0).mean())


def forward_from_toes(joints: np.ndarray, left_toe: np.ndarray, right_toe: np.ndarray) -> np.ndarray:
    """Facing direction (T, 3) from ankle-to-toe vectors (feet point forward)."""
    return (left_toe - joints[:, _LANK]) + (right_toe - joints[:, _RANK])


def stature(joints: np.ndarray, ankle_height: float = 0.07) -> float:
    """Standing height (m) from bone lengths, independent of posture: median over frames of
    shin + thigh + pelvis-spine-thorax-neck-head chain, plus a typical ankle height above the floor."""
    names = H36M17_NAMES.index
    chain = [("left_ankle", "left_knee"), ("left_knee", "left_hip"), ("pelvis", "spine"), ("spine", "thorax"),
             ("thorax", "neck_nose"), ("neck_nose", "head")]
    length = sum(np.linalg.norm(joints[:, names(a)] - joints[:, names(b)], axis=-1) for a, b in chain)
    return float(np.median(length)) + ankle_height
