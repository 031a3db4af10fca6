"""Sampled matching probability (prvipe-method.md section 5), numpy only.

Sampling uses common random numbers: one (K, D) noise table per side, drawn from `seed`, is shared by
every pose on that side. Results are therefore reproducible and candidates are ranked with the same
draws, which lowers the ranking noise compared with independent draws per pose.
"""
from __future__ import annotations

import numpy as np

from .poses import Embedding

DEFAULT_SAMPLES = 20


def probability_from_distance(d: np.ndarray, a: float, b: float) -> np.ndarray:
    """p = 0.9 * sigmoid(-a d + b) + 0.05, so p lies in [0.05, 0.95]."""
    return 0.9 / (1.0 + np.exp(a * np.asarray(d, dtype=np.float64) - b)) + 0.05


def noise_table(k: int, dim: int, seed: int) -> np.ndarray:
    """The (2, K, D) standard-normal draws for the query side [0] and the index side [1]."""
    return np.random.default_rng(seed).standard_normal((2, k, dim)).astype(np.float32)


def sample(emb: Embedding, eps: np.ndarray) -> np.ndarray:
    """Reparameterised samples z = mean + stddev * eps. eps: (K, D) -> (N, K, D) float32."""
    return (np.asarray(emb.mean, np.float32)[:, None, :]
            + np.asarray(emb.stddev, np.float32)[:, None, :] * eps[None])


def probability_from_samples(za: np.ndarray, zb: np.ndarray, a: float, b: float,
                             max_block: int = 2**24) -> np.ndarray:
    """Mean over all K x K sample pairs of p(|z1 - z2|). za: (Na, K, D), zb: (Nb, K, D) -> (Na, Nb)."""
    na, k, _ = za.shape
    nb, k2, _ = zb.shape
    out = np.empty((na, nb), dtype=np.float64)
    sq_b = (zb.astype(np.float64) ** 2).sum(-1)  # (Nb, K)
    flat_b = zb.reshape(nb * k2, -1).astype(np.float64)
    rows = max(1, max_block // max(1, nb * k * k2))
    for s in range(0, na, rows):
        blk = za[s:s + rows].astype(np.float64)  # (n, K, D)
        sq_a = (blk**2).sum(-1)  # (n, K)
        dot = blk.reshape(-1, blk.shape[-1]) @ flat_b.T  # (n*K, Nb*K2)
        d2 = sq_a.reshape(-1, 1) + sq_b.reshape(1, -1) - 2.0 * dot
        d = np.sqrt(np.maximum(d2, 0.0)).reshape(len(blk), k, nb, k2)
        out[s:s + rows] = probability_from_distance(d, a, b).mean(axis=(1, 3))
    return out


def matching_probability(emb_a: Embedding, emb_b: Embedding, a: float, b: float,
                         k: int = DEFAULT_SAMPLES, seed: int = 0) -> np.ndarray:
    """Sampled matching probability between every pose of emb_a and every pose of emb_b -> (Na, Nb)."""
    if emb_a.dim != emb_b.dim:
        raise ValueError(f"embedding sizes differ: {emb_a.dim} vs {emb_b.dim}")
    eps = noise_table(k, emb_a.dim, seed)
    return probability_from_samples(sample(emb_a, eps[0]), sample(emb_b, eps[1]), a, b)


def distance_kernel(prob: np.ndarray) -> np.ndarray:
    """D = -log P, the distance the losses and DTW use."""
    return -np.log(np.clip(prob, 1e-12, None))
