"""Sampled matching probability (prvipe-method.md section 5), numpy only.

Sampling uses common random numbers: one (K, D) noise table per side, drawn from `seed`, is shared by
every pose on that side. Results are therefore reproducible and candidates are ranked with the same
draws, which lowers the ranking noise compared with independent draws per pose.

`probability_from_samples` is the one implementation every caller uses (the public
`model.matching_probability`, the search index, the trainer's validation and evaluation). It works in
float32 on cache-sized tiles, spread over a small thread pool (numpy releases the GIL in BLAS and
ufuncs); `reference_probability_from_samples` is the slow float64 version it is tested against.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .poses import Embedding

DEFAULT_SAMPLES = 20
#: Sample-pair distances per tile (2 MB of float32): a tile's passes stay in cache.
TILE_ELEMENTS = 1 << 19
#: Below this many sample pairs in all, the work runs on the calling thread.
_THREADED_MIN = 1 << 21
_POOL: ThreadPoolExecutor | None = None


def probability_from_distance(d: np.ndarray, a: float, b: float) -> np.ndarray:
    """p = 0.9 * sigmoid(-a d + b) + 0.05, so p lies in [0.05, 0.95]."""
    return 0.9 / (1.0 + np.exp(a * np.asarray(d, dtype=np.float64) - b)) + 0.05


def noise_table(k: int, dim: int, seed: int) -> np.ndarray:
    """The (2, K, D) standard-normal draws for the query side [0] and the index side [1]."""
    return np.random.default_rng(seed).standard_normal((2, k, dim)).astype(np.float32)


def sample(emb: Embedding, eps: np.ndarray) -> np.ndarray:
    """Reparameterised samples z = mean + stddev * eps. eps: (K, D) -> (N, K, D) float32."""
    return sample_arrays(emb.mean, emb.stddev, eps)


def sample_arrays(mean: np.ndarray, stddev: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """z = mean + stddev * eps for (N, D) means and stddevs and (K, D) draws -> (N, K, D) float32."""
    return (np.asarray(mean, np.float32)[:, None, :]
            + np.asarray(stddev, np.float32)[:, None, :] * np.asarray(eps, np.float32)[None])


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="probability")
    return _POOL


def _single_threaded_blas():
    """A context limiting BLAS to one thread (threadpoolctl comes with scikit-learn; a no-op without it)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(1, user_api="blas")


def _tile_sizes(na: int, nb: int, pairs: int) -> tuple[int, int]:
    """(rows, cols) poses per tile so that rows x cols x K x K2 is about TILE_ELEMENTS."""
    cols = int(min(nb, max(1, TILE_ELEMENTS // (4 * pairs)), 256)) if nb else 1
    rows = int(min(na, max(1, TILE_ELEMENTS // (pairs * cols)))) if na else 1
    return rows, cols


def _augmented(za: np.ndarray, zb: np.ndarray, a: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows [-2 a^2 x, a^2 |x|^2, a^2] (Na, K, D + 2) and [y, 1, |y|^2] (Nb, K2, D + 2), float32, after
    moving the origin to the mean of the za samples, so that left . right = a^2 |x - y|^2."""
    za, zb = np.asarray(za, np.float32), np.asarray(zb, np.float32)
    if za.ndim != 3 or zb.ndim != 3 or za.shape[2] != zb.shape[2]:
        raise ValueError(f"samples must be (Na, K, D) and (Nb, K2, D), got {za.shape} and {zb.shape}")
    origin = za.reshape(-1, za.shape[2]).mean(0, dtype=np.float64).astype(np.float32) if za.size else 0.0
    a2 = np.float32(a) ** 2
    x, y = za - origin, zb - origin
    left = np.concatenate([x * (-2.0 * a2), (x * x).sum(2, keepdims=True) * a2, np.full(x.shape[:2] + (1,), a2)], 2)
    right = np.concatenate([y, np.ones(y.shape[:2] + (1,)), (y * y).sum(2, keepdims=True)], 2)
    return left.astype(np.float32), right.astype(np.float32)


def _mean_probability(d: np.ndarray, b: float) -> np.ndarray:
    """d: (n, K, K2 * m) float32 a^2 d^2 with columns ordered (sample, pose), overwritten.
    -> (n, m) mean over the K x K2 sample pairs of 0.9 sigmoid(b - a d) + 0.05."""
    k = d.shape[1]
    with np.errstate(over="ignore"):
        np.maximum(d, np.float32(0.0), out=d)
        np.sqrt(d, out=d)
        d -= np.float32(b)
        np.exp(d, out=d)
        d += 1.0
        np.reciprocal(d, out=d)  # sigmoid(b - a d)
    return np.ones((1, k), np.float32) @ d  # BLAS sums over K: (n, 1, K2 * m)


def _finish(s: np.ndarray, k: int, k2: int, m: int) -> np.ndarray:
    """(n, 1, K2 * m) sums over K -> (n, m) probabilities."""
    return s.reshape(len(s), k2, m).sum(1) * (0.9 / (k * k2)) + 0.05


def probability_from_samples(za: np.ndarray, zb: np.ndarray, a: float, b: float,
                             threads: bool | None = None) -> np.ndarray:
    """Mean over all K x K sample pairs of p(|z1 - z2|). za: (Na, K, D), zb: (Nb, K2, D) -> (Na, Nb) float64.

    Squared distances come from one matrix product of augmented rows (see _augmented; the square root
    then gives a d directly), in cache-sized tiles. threads: None = when the job is big.
    """
    left, right = _augmented(za, zb, a)
    na, k, dim2 = left.shape
    nb, k2, _ = right.shape
    out = np.empty((na, nb), np.float64)
    if na == 0 or nb == 0:
        return out
    rows, cols = _tile_sizes(na, nb, k * k2)
    # per column tile, the (D + 2, K2 * cols) right factor with columns ordered (sample, pose)
    factors = [np.ascontiguousarray(right[j:j + cols].transpose(2, 1, 0).reshape(dim2, -1))
               for j in range(0, nb, cols)]
    flat = left.reshape(na * k, dim2)

    def tile(task: tuple[int, int]) -> None:
        i, j = task
        n = min(rows, na - i)
        f = factors[j // cols]
        m = f.shape[1] // k2
        d = (flat[i * k:(i + n) * k] @ f).reshape(n, k, k2 * m)
        out[i:i + n, j:j + m] = _finish(_mean_probability(d, b), k, k2, m)

    tasks = [(i, j) for i in range(0, na, rows) for j in range(0, nb, cols)]
    _run(tile, tasks, na * nb * k * k2 >= _THREADED_MIN if threads is None else threads)
    return out


def _run(fn, tasks: list, threads: bool) -> None:
    """fn(task) for every task, on the thread pool when asked and worth it."""
    if threads and len(tasks) > 1:
        with _single_threaded_blas():  # BLAS threads inside ours would only spin
            list(_pool().map(fn, tasks))
    else:
        for t in tasks:
            fn(t)


def candidate_probability(za: np.ndarray, zb: np.ndarray, candidates: np.ndarray, a: float, b: float) -> np.ndarray:
    """P of each za pose with its own candidate zb poses (a shortlist, as the trainer's validation ranks).
    za: (N, K, D), zb: (Nb, K2, D), candidates: (N, M) indices into zb -> (N, M) float64."""
    left, right = _augmented(za, zb, a)
    candidates = np.asarray(candidates)
    n_all, m = candidates.shape
    k, k2, dim2 = left.shape[1], right.shape[1], right.shape[2]
    out = np.empty((n_all, m), np.float64)
    rows = max(1, TILE_ELEMENTS // max(1, k * k2 * m))

    def block(i: int) -> None:
        cand = right[candidates[i:i + rows]]  # (n, M, K2, D + 2)
        factor = cand.transpose(0, 3, 2, 1).reshape(len(cand), dim2, k2 * m)
        out[i:i + rows] = _finish(_mean_probability(left[i:i + rows] @ factor, b), k, k2, m)

    _run(block, list(range(0, n_all, rows)), n_all * m * k * k2 >= _THREADED_MIN)
    return out


def reference_probability_from_samples(za: np.ndarray, zb: np.ndarray, a: float, b: float,
                                       max_block: int = 2**24) -> np.ndarray:
    """The slow float64 version of probability_from_samples, kept as its test and benchmark reference."""
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


def model_matching_probability(kind: str, emb_a: Embedding, emb_b: Embedding, a: float, b: float,
                               k: int = DEFAULT_SAMPLES, seed: int = 0) -> np.ndarray:
    """A model's (Na, Nb) matching probability by its kind: sampled (K draws) for "prvipe", from the means
    for the point models ("l2vipe", "lift3d"), whose stddev is negligible."""
    if kind == "prvipe":
        return matching_probability(emb_a, emb_b, a, b, k=k, seed=seed)
    za = np.asarray(emb_a.mean, np.float32)[:, None]
    zb = np.asarray(emb_b.mean, np.float32)[:, None]
    return probability_from_samples(za, zb, a, b)


def distance_kernel(prob: np.ndarray) -> np.ndarray:
    """D = -log P, the distance the losses and DTW use."""
    return -np.log(np.clip(prob, 1e-12, None))
