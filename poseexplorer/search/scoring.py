"""Sampled matching probability for retrieval (prvipe-method.md section 5), chunked.

The same numbers as poseexplorer.core.probability.matching_probability (K = 20 samples per pose, common
random numbers: the query side uses noise_table(...)[0], the index side noise_table(...)[1], shared by
every pose), computed so that a 1,000,000-pose library never needs its (N, K, D) samples in memory:
samples are drawn per chunk from the means and stddevs. The fast index path and the exhaustive path call
the same `sampled_probability`, so a candidate gets the same score either way.
"""
from __future__ import annotations

import numpy as np

from ..core.poses import Embedding
from ..core.probability import DEFAULT_SAMPLES, noise_table, probability_from_samples, sample_arrays

CHUNK = 4096


def query_samples(query: Embedding, eps_query: np.ndarray) -> np.ndarray:
    """The query's K samples (K, D) float32. query: one pose."""
    if len(query) != 1:
        raise ValueError(f"a query is one pose, got {len(query)}")
    return (np.asarray(query.mean[0], np.float32) + np.asarray(query.stddev[0], np.float32) * eps_query)


def sampled_probability(zq: np.ndarray, mean: np.ndarray, stddev: np.ndarray, eps_index: np.ndarray,
                        a: float, b: float) -> np.ndarray:
    """P between one query (samples zq (Kq, D)) and M index poses (mean, stddev (M, D)). -> (M,) float64.

    P = mean over the Kq x K sample pairs of 0.9 sigmoid(-a d + b) + 0.05, by the one implementation in
    poseexplorer.core.probability (float32, coordinates relative to the query's sample mean).
    """
    z = sample_arrays(mean, stddev, eps_index)
    return probability_from_samples(np.asarray(zq, np.float32)[None], z, a, b)[0]


def exhaustive_probability(query: Embedding, index: Embedding, a: float, b: float,
                           k: int = DEFAULT_SAMPLES, seed: int = 0, rows: np.ndarray | None = None,
                           chunk: int = CHUNK) -> np.ndarray:
    """P between one query pose and every index pose (or the given rows). -> (N,) float64."""
    eps = noise_table(k, index.dim, seed)
    zq = query_samples(query, eps[0])
    mean, std = np.asarray(index.mean), np.asarray(index.stddev)
    rows = np.arange(len(mean)) if rows is None else np.asarray(rows)
    out = np.empty(len(rows), np.float64)
    for s in range(0, len(rows), chunk):
        r = rows[s:s + chunk]
        out[s:s + chunk] = sampled_probability(zq, mean[r], std[r], eps[1], a, b)
    return out
