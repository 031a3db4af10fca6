"""The best pose of every media for one query (cross-view search), exact where it matters, in one pass.

Searching each media alone costs a full query per media (4,445 media at 10M poses: hours). Instead:
1. one pass over the scan rows gives every row's mean distance; the row nearest in mean of each media is
   scored exactly, so tau_m (its P) is a lower bound on media m's best;
2. a row can only beat tau_m if its bounds do (bounds.ball_radius per media, then bounds.row_bounds with
   the media's tau): those rows are scored exactly, in decreasing order of their bound, raising tau_m.
The answer for media m is exact (its best P, ties to the lower row) whenever that best is at least `floor`.
Below the floor (media that match nowhere: every P near p's floor of 0.05, where an exact argmax would
mean scoring every row) the row returned is the best scored, flagged not exact. The floor is never below
NO_MATCH: float32 scores of far poses saturate at p's floor, and ties there are not worth scoring every row.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bounds import ball_radii, row_bounds
from .ranking import _SLACK, gather, scan_product, score_rows


#: P at or below this is p's floor of 0.05 up to float32 rounding: no match at all
NO_MATCH = 0.05 + 1e-6


@dataclass(frozen=True)
class MediaBest:
    """One row per media, best first. media (M,) int64, rows (M,) index rows, probability (M,) float64,
    exact (M,) bool: the row is the media's best by P (always, where probability >= the floor);
    scored: rows scored exactly in all."""

    media: np.ndarray
    rows: np.ndarray
    probability: np.ndarray
    exact: np.ndarray
    scored: int


def media_groups(media_ids: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(media (M,) sorted, rows (n,) grouped by media with increasing rows inside, starts (M + 1,)) over the
    allowed rows (all when allowed is None)."""
    rows = np.arange(len(media_ids)) if allowed is None else np.flatnonzero(allowed)
    mids = np.asarray(media_ids)[rows]
    if len(mids) > 1 and not bool(np.all(mids[1:] >= mids[:-1])):
        order = np.argsort(mids, kind="stable")
        rows, mids = rows[order], mids[order]
    cut = np.flatnonzero(np.diff(mids)) + 1
    starts = np.concatenate([[0], cut, [len(mids)]]).astype(np.int64)
    return mids[starts[:-1]] if len(mids) else np.zeros(0, np.int64), rows, starts


def best_per_media(zq: np.ndarray, mq: np.ndarray, mean: np.ndarray, stddev: np.ndarray, scan: np.ndarray,
                   rho: np.ndarray, eps_index: np.ndarray, media_ids: np.ndarray, allowed: np.ndarray | None,
                   a: float, b: float, floor: float = NO_MATCH, block: int = 2048) -> MediaBest:
    """The best allowed row of every media that has one. zq (K, D), mq (D,): the query in the index's
    coordinates; mean, stddev (N, D); scan (N, D + 2) ranking.scan_rows; rho (N,); media_ids (N,);
    allowed (N,) bool or None. floor: media whose best P is below it may get a lesser row (exact=False)."""
    floor = max(float(floor), NO_MATCH)
    media, rows, starts = media_groups(media_ids, allowed)
    if len(media) == 0:
        z = np.zeros(0, np.int64)
        return MediaBest(z, z, np.zeros(0), np.zeros(0, bool), 0)
    u = zq - mq[None]
    u_norm = np.sqrt((u**2).sum(1))
    rho_q = float(u_norm.max())
    dm = scan_product(scan, mq)  # |m - q|^2 - |q|^2 - rho^2, then the distance itself
    dm += np.asarray(rho, np.float32) ** 2
    dm += np.float32(mq @ mq)
    np.sqrt(np.maximum(dm, 0, out=dm), out=dm)
    d = dm[rows]
    slot = np.repeat(np.arange(len(media)), np.diff(starts))  # media slot of each grouped row
    first = _argmin_per_group(d, starts) + starts[:-1]  # positions in `rows`
    nearest = rows[first]
    best_p = score_rows(zq, mean, stddev, eps_index, nearest, a, b)
    best_row = nearest.copy()
    tau = np.maximum(best_p, floor)
    # stage 1, per media: |Delta| - rho_j <= x_m (bounds.ball_radius with the media's tau)
    x = ball_radii(u_norm, tau, a, b) + _SLACK
    near = d - np.take(rho, rows) <= x[slot]
    near[first] = False  # already scored
    cand, cslot = rows[near], slot[near]
    # stage 2: the projection bounds with each row's media tau
    reach = _reach(tau, a, b)
    lb, ub = row_bounds(mq, u, gather(mean, cand), gather(stddev, cand), rho_q,
                        np.take(rho, cand), eps_index, a, b, _SLACK, reach[cslot])
    keep = (lb <= reach[cslot]) & (ub >= tau[cslot])
    cand, cslot, ub = cand[keep], cslot[keep], ub[keep]
    scored = len(nearest)
    order = np.argsort(-ub, kind="stable")
    for s in range(0, len(order), block):  # branch and bound, every media at once
        take = order[s:s + block]
        take = take[ub[take] >= tau[cslot[take]]]
        if len(take) == 0:
            continue
        p = score_rows(zq, mean, stddev, eps_index, cand[take], a, b)
        scored += len(take)
        _improve(best_p, best_row, cslot[take], cand[take], p)
        tau = np.maximum(best_p, floor)
    exact = best_p >= floor
    by = np.lexsort((media, -best_p))
    return MediaBest(media[by], best_row[by], best_p[by], exact[by], scored)


def _argmin_per_group(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(M,) offset within its group of each group's smallest value (first on ties). values grouped by starts."""
    mins = np.minimum.reduceat(values, starts[:-1])
    slot = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    hit = np.flatnonzero(values == mins[slot])
    first = np.unique(slot[hit], return_index=True)[1]
    return hit[first] - starts[:-1]


def _improve(best_p: np.ndarray, best_row: np.ndarray, slot: np.ndarray, rows: np.ndarray, p: np.ndarray) -> None:
    """best_p/best_row per media slot updated with the scored rows: higher P wins, ties to the lower row."""
    order = np.lexsort((rows, -p, slot))  # per slot: best first
    slot, rows, p = slot[order], rows[order], p[order]
    first = np.unique(slot, return_index=True)[1]
    s, r, v = slot[first], rows[first], p[first]
    better = (v > best_p[s]) | ((v == best_p[s]) & (r < best_row[s]))
    best_p[s[better]] = v[better]
    best_row[s[better]] = r[better]


def _reach(tau: np.ndarray, a: float, b: float) -> np.ndarray:
    """Per tau, the distance d with p(d) = tau (inf at or below p's floor of 0.05)."""
    s = (np.asarray(tau, np.float64) - 0.05) / 0.9
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (b + np.log(1.0 / s - 1.0)) / a
    d = np.where(s <= 0.0, np.inf, np.where(s >= 1.0, -np.inf, d))
    return (d + _SLACK).astype(np.float64)
