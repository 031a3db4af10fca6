"""Dropping near-duplicate consecutive poses: keep a pose when its NP-MPJPE to the last kept one >= threshold."""
from __future__ import annotations

import numpy as np

from poseexplorer.core.normalize import normalize_3d
from poseexplorer.core.npmpjpe import procrustes_mpjpe


def _first_far_offset(norm: np.ndarray, threshold: float, window: int) -> np.ndarray:
    """For every pose i, the first offset d in 1..window with NP-MPJPE(i, i+d) >= threshold (0: none).

    norm: (T, 17, 3) normalised poses. Column d is computed only for the poses still unresolved after
    offsets < d (the greedy scan never looks further), one vectorised Procrustes batch per offset.
    Past the clip's end counts as far (the scan stops there).
    """
    t = len(norm)
    first = np.zeros(t, dtype=np.int64)
    open_rows = np.arange(t)
    for d in range(1, window + 1):
        if open_rows.size == 0:
            break
        inside = open_rows[open_rows + d < t]
        first[open_rows[open_rows + d >= t]] = d
        far = procrustes_mpjpe(norm[inside], norm[inside + d]) >= threshold if inside.size else np.zeros(0, bool)
        first[inside[far]] = d
        open_rows = inside[~far]
    return first


def dedup_indices(joints: np.ndarray, threshold: float, window: int = 8) -> np.ndarray:
    """Indices of the poses kept by greedy consecutive deduplication (the first pose is always kept).

    joints: (T, 17, 3) H36M-17. Distances to the next `window` poses are computed in vectorised batches for
    all frames at once; a still stretch longer than the window falls back to explicit distances from the
    last kept pose.  threshold <= 0 keeps everything.  Returns (K,) int64, increasing.
    """
    t = len(joints)
    if t == 0 or threshold <= 0:
        return np.arange(t)
    norm = normalize_3d(joints)
    first = _first_far_offset(norm, threshold, window)
    keep = [0]
    k = 0
    while True:
        if first[k]:
            k = k + int(first[k])
        else:
            k = _next_far(norm, k, threshold, window)
            if k < 0:
                break
        if k >= t:
            break
        keep.append(k)
    return np.asarray(keep, dtype=np.int64)


def _next_far(norm: np.ndarray, k: int, threshold: float, skip: int) -> int:
    """First index j > k + skip with NP-MPJPE(norm[k], norm[j]) >= threshold, or -1."""
    start = k + skip + 1
    while start < len(norm):
        stop = min(len(norm), start + 256)
        d = procrustes_mpjpe(norm[k][None], norm[start:stop])
        hits = np.flatnonzero(d >= threshold)
        if hits.size:
            return start + int(hits[0])
        start = stop
    return -1


def dedup_indices_slow(joints: np.ndarray, threshold: float) -> np.ndarray:
    """The obvious loop (reference for tests)."""
    from poseexplorer.core.npmpjpe import np_mpjpe

    keep = [0] if len(joints) else []
    for i in range(1, len(joints)):
        if threshold <= 0 or float(np_mpjpe(joints[keep[-1]], joints[i])) >= threshold:
            keep.append(i)
    return np.asarray(keep, dtype=np.int64)
