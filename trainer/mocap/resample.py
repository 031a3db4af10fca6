"""Resampling joint trajectories to a target frame rate (linear interpolation in time)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .clip import Clip


def resample_times(frames: int, src_fps: float, dst_fps: float) -> np.ndarray:
    """Source-frame positions (float) of the output frames: k * src/dst for every k inside the clip."""
    if frames < 1 or src_fps <= 0 or dst_fps <= 0:
        raise ValueError(f"resample: need frames >= 1 and positive rates, got {frames}, {src_fps}, {dst_fps}")
    n_out = int(np.floor((frames - 1) * dst_fps / src_fps + 1e-9)) + 1
    return np.arange(n_out) * (src_fps / dst_fps)


def resample_array(x: np.ndarray, src_fps: float, dst_fps: float) -> np.ndarray:
    """Linearly interpolate x (T, ...) from src_fps to dst_fps; exact integer ratios pick frames unchanged."""
    x = np.asarray(x)
    pos = resample_times(len(x), src_fps, dst_fps)
    lo = np.floor(pos + 1e-9).astype(np.int64).clip(0, len(x) - 1)
    hi = np.minimum(lo + 1, len(x) - 1)
    w = (pos - lo).clip(0.0, 1.0).reshape((-1,) + (1,) * (x.ndim - 1))
    out = x[lo] * (1.0 - w) + x[hi] * w
    return out.astype(x.dtype, copy=False)


def resample_clip(clip: Clip, fps: float) -> Clip:
    """The clip at `fps` (joints and nose interpolated); the same clip when the rate already matches."""
    if abs(clip.fps - fps) < 1e-9:
        return clip
    nose = None if clip.nose is None else resample_array(clip.nose, clip.fps, fps)
    return replace(clip, fps=float(fps), joints=resample_array(clip.joints, clip.fps, fps), nose=nose)
