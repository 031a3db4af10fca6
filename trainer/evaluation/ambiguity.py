"""Variance means ambiguity (prvipe-method.md section 8).

For each 2D pose: its mean embedding sigma, and the 2D NP-MPJPE (normalised keypoints, similarity
Procrustes) to its nearest 2D neighbours among poses whose 3D pose differs (NP-MPJPE >= 0.1). A 2D pose
that looks like other 3D poses is ambiguous; the method predicts it gets a larger sigma, so the rank
correlation between sigma and that neighbour distance should be negative.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from poseexplorer.core.normalize import normalize_2d
from .alignment_distance import procrustes_2d_matrix

NEIGHBOURS = 10


@dataclass(frozen=True)
class AmbiguityResult:
    """sigma: (Q,) mean stddev per query pose; neighbour_2d: (Q,) mean 2D NP-MPJPE to its nearest
    `NEIGHBOURS` different-3D poses; query: (Q,) flat pose indices (camera * M + frame); spearman rho, p."""

    sigma: np.ndarray
    neighbour_2d: np.ndarray
    query: np.ndarray
    rho: float
    p_value: float


def neighbour_distance_2d(xy_norm: np.ndarray, frame: np.ndarray, query: np.ndarray,
                          matches: np.ndarray, neighbours: int = NEIGHBOURS) -> np.ndarray:
    """Mean 2D Procrustes error to the nearest `neighbours` poses whose 3D pose does not match.

    xy_norm: (P, 13, 2) normalised 2D poses; frame: (P,) 3D frame of each; query: (Q,) indices into P;
    matches: (M, M) bool 3D match matrix over frames. Returns (Q,).
    """
    dist = procrustes_2d_matrix(xy_norm[query], xy_norm).astype(np.float64)  # (Q, P)
    same = matches[frame[query]][:, frame]  # (Q, P): the 3D poses match, so not a confuser
    dist[same] = np.inf
    k = min(neighbours, dist.shape[1])
    near = np.partition(dist, k - 1, axis=1)[:, :k]
    return np.where(np.isfinite(near), near, np.nan).mean(1)


def ambiguity(sigma_flat: np.ndarray, xy: np.ndarray, matches: np.ndarray, max_queries: int = 2500,
              seed: int = 0) -> AmbiguityResult:
    """sigma_flat: (C*M,) mean sigma per pose (camera-major); xy: (C, M, 13, 2) pixels; matches: (M, M)."""
    n_cam, m = xy.shape[:2]
    xy_norm = normalize_2d(xy.reshape(-1, 13, 2))
    frame = np.tile(np.arange(m), n_cam)
    rng = np.random.default_rng(seed)
    query = np.arange(len(frame))
    if len(query) > max_queries:
        query = np.sort(rng.choice(query, max_queries, replace=False))
    near = neighbour_distance_2d(xy_norm, frame, query, matches)
    ok = np.isfinite(near)
    rho, p = spearmanr(sigma_flat[query][ok], near[ok]) if ok.sum() > 2 else (np.nan, np.nan)
    return AmbiguityResult(sigma_flat[query], near, query, float(rho), float(p))

