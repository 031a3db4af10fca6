"""Similarity Procrustes alignment and NP-MPJPE (prvipe-method.md section 3).

Vectorised over any leading batch shape; the rotation is always proper (det = +1), so a mirror
image is never counted as a match.
"""
from __future__ import annotations

import numpy as np

from .normalize import normalize_3d

#: Two 3D poses are "the same pose" when their NP-MPJPE is below this.
MATCH_THRESHOLD = 0.1


def similarity_align(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Align `source` onto `target` by rotation, one uniform scale and translation (Umeyama).

    target, source: (..., J, D) broadcastable. Returns the aligned source, (..., J, D) float64.
    """
    target = np.asarray(target, dtype=np.float64)
    source = np.asarray(source, dtype=np.float64)
    target, source = np.broadcast_arrays(target, source)
    mu_t = target.mean(axis=-2, keepdims=True)
    mu_s = source.mean(axis=-2, keepdims=True)
    t0 = target - mu_t
    s0 = source - mu_s
    cov = np.swapaxes(t0, -1, -2) @ s0  # (..., D, D), sum_i t_i s_i^T
    u, sing, vt = np.linalg.svd(cov)
    sign = np.sign(np.linalg.det(u) * np.linalg.det(vt))
    sign = np.where(sign == 0, 1.0, sign)
    fix = np.ones(sing.shape)
    fix[..., -1] = sign
    rot = (u * fix[..., None, :]) @ vt  # U diag(fix) V^T
    var_s = (s0**2).sum(axis=(-1, -2))
    scale = (sing * fix).sum(-1) / np.where(var_s > 0, var_s, 1.0)
    return scale[..., None, None] * (s0 @ np.swapaxes(rot, -1, -2)) + mu_t


def similarity_align_finite(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Similarity-align source onto target using the joints finite in both; every finite source joint is
    moved by that transform. (J, 3) -> (J, 3) float64; NaN where the source is not finite, all NaN when
    fewer than 3 joints are finite in both."""
    target = np.asarray(target, dtype=np.float64)
    source = np.asarray(source, dtype=np.float64)
    good = np.all(np.isfinite(target), axis=1) & np.all(np.isfinite(source), axis=1)
    out = np.full(source.shape, np.nan, dtype=np.float64)
    if good.sum() < 3:
        return out
    aligned = similarity_align(target[good], source[good])
    # solve the transform from the good joints, then map all finite ones
    src = source[good] - source[good].mean(0)
    dst = aligned - aligned.mean(0)
    transform, *_ = np.linalg.lstsq(src, dst, rcond=None)  # exact: dst = src @ (s R^T)
    finite = np.all(np.isfinite(source), axis=1)
    out[finite] = (source[finite] - source[good].mean(0)) @ transform + aligned.mean(0)
    return out


def procrustes_mpjpe(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Mean joint distance after similarity-aligning source to target (no normalisation).

    target, source: (..., J, D). Returns (...,).
    """
    aligned = similarity_align(target, source)
    return np.linalg.norm(aligned - np.asarray(target, dtype=np.float64), axis=-1).mean(-1)


def np_mpjpe(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """NP-MPJPE between H36M-17 poses: normalise both (section 2), then Procrustes MPJPE.

    target, source: (..., 17, 3) broadcastable. Returns (...,).
    """
    return procrustes_mpjpe(normalize_3d(target), normalize_3d(source))


def np_mpjpe_matrix(a: np.ndarray, b: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """All-pairs NP-MPJPE: a (N, 17, 3), b (M, 17, 3) -> (N, M) float32, in chunks to bound memory."""
    na, nb = normalize_3d(a), normalize_3d(b)
    out = np.empty((len(na), len(nb)), dtype=np.float32)
    rows = max(1, chunk // max(1, len(nb)))
    for start in range(0, len(na), rows):
        block = na[start:start + rows, None]
        out[start:start + rows] = procrustes_mpjpe(block, nb[None])
    return out


def distinct_poses(xyz: np.ndarray, threshold: float) -> np.ndarray:
    """Greedy near-duplicate removal: keep a pose unless its NP-MPJPE to a pose already kept is below
    `threshold`. xyz: (N, 17, 3) -> kept indices (M,) int64, in their original order."""
    norm = normalize_3d(xyz)
    kept: list[int] = []
    for i in range(len(norm)):
        if kept and float(procrustes_mpjpe(norm[kept], norm[i][None]).min()) < threshold:
            continue
        kept.append(i)
    return np.asarray(kept, dtype=np.int64)
