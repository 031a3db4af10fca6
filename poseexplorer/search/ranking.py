"""Top-k by sampled matching probability: the exhaustive ranking and the certified fast path.

Pure functions over the index arrays (means centred on the index origin). See index.py for the method.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bounds import ball_radius, row_bounds
from .scoring import CHUNK, sampled_probability

_SLACK = 1e-3  # distance slack covering float32 rounding in the bounds


@dataclass(frozen=True)
class Ranked:
    """rows (k,) best first, probability (k,), scored: rows scored exactly, certified: equals exhaustive."""

    rows: np.ndarray
    probability: np.ndarray
    scored: int
    certified: bool


def inverse_p(tau: float, a: float, b: float) -> float:
    """The distance d with p(d) = tau (inf when tau <= 0.05, -inf when tau >= 0.95)."""
    s = (tau - 0.05) / 0.9
    if s <= 0.0:
        return np.inf
    if s >= 1.0:
        return -np.inf
    return (b + np.log(1.0 / s - 1.0)) / a


def top_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values, best first (ties: lower index first)."""
    k = min(k, len(values))
    if k <= 0:
        return np.zeros(0, np.int64)
    part = np.argpartition(-values, k - 1)[:k] if k < len(values) else np.arange(len(values))
    return part[np.lexsort((part, -values[part]))]


def gather(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """a[rows] (rows of a 2-D array): np.take, about twice as fast, where `a` is contiguous; indexing where
    it is a strided view (the index's means are the scan rows' first columns), since np.take would first
    copy the whole array."""
    return np.take(a, rows, axis=0) if a.flags.c_contiguous else a[rows]


def score_rows(zq: np.ndarray, mean: np.ndarray, stddev: np.ndarray, eps_index: np.ndarray, rows: np.ndarray,
               a: float, b: float) -> np.ndarray:
    """Exact sampled P of the given index rows, chunked. -> (len(rows),) float64."""
    out = np.empty(len(rows), np.float64)
    for s in range(0, len(rows), CHUNK):
        r = rows[s:s + CHUNK]
        out[s:s + CHUNK] = sampled_probability(zq, gather(mean, r), gather(stddev, r),
                                               eps_index, a, b)
    return out


def rank_exhaustive(zq: np.ndarray, mean: np.ndarray, stddev: np.ndarray, eps_index: np.ndarray,
                    rows: np.ndarray, k: int, a: float, b: float) -> Ranked:
    """Score every allowed row exactly. rows: (n,) allowed index rows."""
    p = score_rows(zq, mean, stddev, eps_index, rows, a, b)
    best = top_indices(p, k)
    return Ranked(rows[best], p[best], len(rows), True)


def _bounded_candidates(mq, u, mean, stddev, rho_q, rho, eps_index, rows, reach, tau, a, b, chunk=65536):
    """The rows that may reach P >= tau by both bounds of bounds.row_bounds (smallest sample distance
    within `reach`, pair-averaged bound >= tau), with their upper bounds on P (chunked for the cache)."""
    keep, bounds = [], []
    for s in range(0, len(rows), chunk):
        r = rows[s:s + chunk]
        lb, ub = row_bounds(mq, u, gather(mean, r), gather(stddev, r), rho_q, np.take(rho, r),
                            eps_index, a, b, _SLACK, reach)
        ok = (lb <= reach) & (ub >= tau)
        keep.append(r[ok])
        bounds.append(ub[ok])
    if not keep:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    return np.concatenate(keep), np.concatenate(bounds)


def _nearest(dm2: np.ndarray, m: int) -> np.ndarray:
    """Rows of the m smallest finite dm2 (any order). A threshold from a subsample avoids a full
    argpartition of a 1M array (a third of the cost of a query); falls back to it when unlucky."""
    n = len(dm2)
    if n > 50_000 and m < n // 50:
        sample = dm2[:: n // 20_000]
        thr = np.partition(sample, min(len(sample) - 1, int(4 * m * len(sample) / n) + 8))[
            min(len(sample) - 1, int(4 * m * len(sample) / n) + 8)]
        pool = np.flatnonzero(dm2 <= thr)
        if m <= len(pool) <= 50 * m:
            return pool[np.argpartition(dm2[pool], m - 1)[:m]]
    first = np.argpartition(dm2, m - 1)[:m] if m < n else np.arange(n)
    return first[np.isfinite(dm2[first])]


def scan_rows(mean: np.ndarray, rho: np.ndarray, shift: np.ndarray | None = None) -> np.ndarray:
    """The (N, D + 2) float32 rows [mean_j, rho_j, |mean_j|^2 - rho_j^2] of the one-pass ball test (see
    ball_candidates): contiguous, so a query reads them once, as one matrix-vector product. shift: subtracted
    from every mean first, a chunk at a time (no centred copy of all the means)."""
    mean = np.asarray(mean, np.float32)
    rho = np.asarray(rho, np.float32)
    shift = None if shift is None or not np.any(shift) else np.asarray(shift, np.float32)
    out = np.empty((len(mean), mean.shape[1] + 2), np.float32)
    for s in range(0, len(mean), 1 << 20):
        m, r = np.asarray(mean[s:s + (1 << 20)], np.float32), rho[s:s + (1 << 20)]
        if shift is not None:
            m = m - shift
        out[s:s + len(m), :-2] = m
        out[s:s + len(m), -2] = r
        out[s:s + len(m), -1] = np.einsum("ij,ij->i", m, m) - r * r
    return out


def scan_product(scan: np.ndarray, mq: np.ndarray, radius: float = 0.0) -> np.ndarray:
    """(N,) float32 |mean_j|^2 - rho_j^2 - 2 mean_j . mq - 2 radius rho_j: one pass over `scan` (scan_rows)."""
    mq = np.asarray(mq, np.float32)
    return scan @ np.concatenate([-2.0 * mq, [-2.0 * radius, 1.0]]).astype(np.float32)


def ball_candidates(scan: np.ndarray, mq: np.ndarray, radius: float, product: np.ndarray | None = None,
                    rho: np.ndarray | None = None) -> np.ndarray:
    """Rows j with |mean_j - mq| <= rho_j + radius, in one pass over `scan` (scan_rows):
    |m - q|^2 <= (rho + R)^2  <=>  (|m|^2 - rho^2) - 2 m.q - 2 R rho <= R^2 - |q|^2.
    product, rho: scan_product(scan, mq) (radius 0) when already computed, and rho (N,) contiguous (the
    scan's column); then only (N,) arrays are read."""
    mq = np.asarray(mq, np.float32)
    r = np.float32(radius)
    if product is None:
        y = scan_product(scan, mq, radius)
    else:
        y = np.asarray(rho, np.float32) * (-2.0 * r)
        y += product
    return np.flatnonzero(y <= r * r - np.float32(mq @ mq))


def rank_fast(zq: np.ndarray, mq: np.ndarray, mean: np.ndarray, stddev: np.ndarray, scan: np.ndarray,
              rho: np.ndarray, eps_index: np.ndarray, allowed: np.ndarray | None, k: int, a: float, b: float,
              max_candidates: int, first: np.ndarray | None = None) -> Ranked:
    """Top k by P with the certificate of index.py. allowed: (N,) bool mask or None (all rows).

    zq (K, D) query samples and mq (D,) query mean, both in the index's centred coordinates;
    mean, stddev (N, D) float32; scan (N, D + 2) from scan_rows; rho (N,) largest sample offset per pose.
    first: allowed rows to score first (e.g. the nearest means from an approximate index); None: the
    nearest means by a pass over scan. Any first rows keep the answer exact: they only set tau.
    """
    u = zq - mq[None]
    rho_q = float(np.sqrt((u**2).sum(1)).max())
    n_allowed = len(mean) if allowed is None else int(np.count_nonzero(allowed))
    m0 = min(max(8 * k, 256), n_allowed)
    product = None
    if first is None or len(first) < min(k, n_allowed):  # one pass over scan serves both stages
        product = scan_product(scan, mq)
        dm2 = rho * rho
        dm2 += product  # |m - q|^2 - |q|^2
        if allowed is not None:
            np.copyto(dm2, np.float32(np.inf), where=~allowed)
        first = _nearest(dm2, m0)
        del dm2
    p_first = score_rows(zq, mean, stddev, eps_index, first, a, b)
    tau = _kth(p_first, min(k, len(p_first)))
    reach = inverse_p(float(tau), a, b) + _SLACK
    # stage 1, the ball bound over all rows in one pass: |Delta| - rho_j <= x (bounds.ball_radius)
    x = ball_radius(np.sqrt((u**2).sum(1)), tau, a, b) + _SLACK
    cand = ball_candidates(scan, mq, x, product, rho) if np.isfinite(x) else np.arange(len(mean))
    keep = ~np.isin(cand, first)
    if allowed is not None:
        keep &= allowed[cand]
    cand = cand[keep]
    # stage 2: the projection bounds on the survivors, then exact scores in order of their bound
    cand, ub = _bounded_candidates(mq, u, mean, stddev, rho_q, rho, eps_index, cand, reach, tau, a, b)
    rows, p, certified = score_by_bound(zq, mean, stddev, eps_index, first, p_first, cand, ub, k, a, b,
                                        max_candidates)
    best = top_indices(p, k)
    return Ranked(rows[best], p[best], len(rows), certified)


def score_by_bound(zq, mean, stddev, eps_index, first, p_first, cand, ub, k, a, b, max_candidates,
                   block: int = 256) -> tuple[np.ndarray, np.ndarray, bool]:
    """Branch and bound: score the candidates exactly in decreasing order of their upper bound `ub`, raising
    tau (the k-th best P so far) as they come, and stop at the first bound below tau: nothing left can
    enter the top k. -> (rows scored, their P, certified); not certified only when more than
    max_candidates would have to be scored (the best max_candidates by bound are)."""
    order = np.argsort(-ub, kind="stable")
    rows, ps = [np.asarray(first, np.int64)], [np.asarray(p_first, np.float64)]
    tau, done, certified = _kth(p_first, k), 0, True
    while done < len(order) and ub[order[done]] >= tau:
        if done >= max_candidates:
            certified = False
            break
        take = order[done:min(done + block, max_candidates)]
        done += len(take)
        take = take[ub[take] >= tau]
        rows.append(cand[take])
        ps.append(score_rows(zq, mean, stddev, eps_index, cand[take], a, b))
        tau = _kth(np.concatenate(ps), k)
    return np.concatenate(rows), np.concatenate(ps), certified


def _kth(p: np.ndarray, k: int) -> float:
    """The k-th largest value (-inf when there are fewer than k)."""
    return float(np.partition(p, len(p) - k)[len(p) - k]) if len(p) >= k else -np.inf



def rank_cells(zq: np.ndarray, mq: np.ndarray, mean: np.ndarray, stddev: np.ndarray, rho: np.ndarray,
               eps_index: np.ndarray, cells, mq_caller: np.ndarray, rows_of_ids, allowed_among, k: int,
               a: float, b: float, max_candidates: int) -> Ranked | None:
    """Top k by P reading only the groups of cells.py that can hold a candidate, with the certificate of
    rank_fast. None when this path cannot certify (too few allowed first candidates, tau at the floor of
    p, or more than max_candidates to score): the caller falls back to the full scan.

    zq (K, D), mq (D,): the query in the index's centred coordinates; mq_caller (D,): its mean in the
    caller's coordinates (those of the cells). rows_of_ids: pose ids -> index rows; allowed_among:
    rows -> the allowed ones (the query filters, evaluated on those rows only).
    """
    u = zq - mq[None]
    rho_q = float(np.sqrt((u**2).sum(1)).max())
    m0 = max(8 * k, 256)
    for m in (m0, 4 * m0, 16 * m0):  # the query's own video often fills the nearest cells: widen
        first = allowed_among(rows_of_ids(cells.nearest(mq_caller, m)))
        if len(first) >= m0 // 4:
            break
    if len(first) < k:
        return None
    p_first = score_rows(zq, mean, stddev, eps_index, first, a, b)
    tau = np.sort(p_first)[-k]
    reach = inverse_p(float(tau), a, b) + _SLACK
    if not np.isfinite(reach):
        return None
    rows = cells.rows_of_groups(cells.groups_within(mq_caller, u, rho_q, eps_index, reach + _SLACK, tau, a, b))
    if len(rows) > 50 * max_candidates:
        return None
    rows = allowed_among(rows[~np.isin(rows, first)])
    # per row: the cheap bound, then the projection bound (as in rank_fast)
    gap = gather(mean, rows) - mq[None]
    near = np.sqrt(np.einsum("ij,ij->i", gap, gap)) - np.take(rho, rows) <= reach + rho_q
    cand, ub = _bounded_candidates(mq, u, mean, stddev, rho_q, rho, eps_index, rows[near], reach, tau, a, b)
    if len(cand) > max_candidates:
        return None
    rows, p, _ = score_by_bound(zq, mean, stddev, eps_index, first, p_first, cand, ub, k, a, b, max_candidates)
    best = top_indices(p, k)
    return Ranked(rows[best], p[best], len(rows), True)
