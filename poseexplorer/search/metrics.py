"""Retrieval over score matrices, shared by the app's evaluation and the trainer: top-k rows and Hit@k.

    top = top_k(score, 5)                 # score (N, M), higher = better -> (N, 5) column indices, best first
    hits = hit_at_k(top, match, (1, 5))   # match (N, M) bool -> {1: (N,) bool, 5: (N,) bool}
"""
from __future__ import annotations

import numpy as np


def top_k(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores of every row, best first; ties go to the lower index. (N, M) -> (N, k')."""
    score = np.asarray(score)
    k = min(int(k), score.shape[1])
    if k <= 0:
        return np.zeros((len(score), 0), np.int64)
    part = np.argpartition(-score, k - 1, axis=1)[:, :k] if k < score.shape[1] else \
        np.broadcast_to(np.arange(score.shape[1]), score.shape).copy()
    part.sort(axis=1)  # lower index first among ties after the stable sort below
    order = np.argsort(-np.take_along_axis(score, part, 1), axis=1, kind="stable")
    return np.take_along_axis(part, order, 1)


def hit_at_k(top: np.ndarray, match: np.ndarray, ks=(1,)) -> dict[int, np.ndarray]:
    """Per-query hit flags: some of the first k retrieved columns is a true match. top: (N, K) indices into
    match's columns; match: (N, M) bool -> {k: (N,) bool}."""
    found = np.take_along_axis(np.asarray(match, bool), np.asarray(top), axis=1)
    return {k: found[:, :k].any(1) for k in ks}


def euclidean_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All-pairs Euclidean distance. a (N, D), b (M, D) -> (N, M) float64."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(d2, 0.0))
