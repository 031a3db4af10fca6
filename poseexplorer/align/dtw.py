"""Dynamic time warping over a cost matrix, with an optional Sakoe-Chiba band and subsequence mode.

Steps (i-1, j), (i, j-1), (i-1, j-1), each adding the cost of the cell entered (the classic recursion
acc[i, j] = cost[i, j] + min(acc[i-1, j], acc[i, j-1], acc[i-1, j-1])).

Why this implementation: numba is not installed and scipy has no DTW. A row of the recursion has one
sequential dependency (acc[i, j-1]); with t[j] = cost[i, j] + min(acc[i-1, j], acc[i-1, j-1]) and the prefix
sums C[j] = cost[i, 0] + ... + cost[i, j], the row unrolls to

    acc[i, j] = C[j] + min over j' <= j of (t[j'] - C[j'])

which is one `np.minimum.accumulate`. So each row is a handful of vectorised numpy calls and a 5,000 x 5,000
alignment takes a fraction of a second, while the loop stays as readable as the textbook version
(anti-diagonal sweeps need index gymnastics and have short diagonals at the corners). The prefix-sum form
rounds differently from the sequential sum by about 1e-12 relative, which the tests allow for. The
predecessor of every cell is kept as a uint8 code, so backtracking needs no second pass over the costs.
"""
from __future__ import annotations

import numpy as np

_DIAG, _UP, _LEFT, _START = 0, 1, 2, 3
_STEP = {_DIAG: (-1, -1), _UP: (-1, 0), _LEFT: (0, -1)}


def band_limits(ta: int, tb: int, band: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Per row i of A, the inclusive column range [lo_i, hi_i] of B allowed by the band.

    The band follows the straight line from (0, 0) to (ta-1, tb-1): |j - i (tb-1)/(ta-1)| <= band. It is
    widened to at least the slope of that line so a connected monotone path always exists.
    Returns (lo, hi), each (ta,) int64. band=None allows every column.
    """
    if band is None:
        return np.zeros(ta, np.int64), np.full(ta, tb - 1, np.int64)
    if band < 0:
        raise ValueError(f"band must be >= 0 frames, got {band}")
    slope = (tb - 1) / (ta - 1) if ta > 1 else float(tb)
    width = max(float(band), slope, 1.0)
    centre = np.arange(ta) * slope
    lo = np.clip(np.ceil(centre - width - 1e-9), 0, tb - 1).astype(np.int64)
    hi = np.clip(np.floor(centre + width + 1e-9), 0, tb - 1).astype(np.int64)
    lo[0], hi[-1] = 0, tb - 1
    return lo, hi


def _first_row(row: np.ndarray, subsequence: bool) -> tuple[np.ndarray, np.ndarray]:
    if subsequence:  # open begin in B: any column may start
        return row.astype(np.float64), np.full(len(row), _START, np.uint8)
    acc = np.cumsum(row, dtype=np.float64)
    moves = np.full(len(row), _LEFT, np.uint8)
    moves[0] = _START
    return acc, moves


def _next_row(prev: np.ndarray, prev_lo: int, row: np.ndarray, lo: int, moves: np.ndarray) -> np.ndarray:
    """acc of one row, writing its moves; prev covers columns prev_lo.., row covers lo.. (band edges never
    move left)."""
    n, prev_hi = len(row), prev_lo + len(prev) - 1
    if prev_lo == lo and len(prev) == n:  # no band: the cell above is prev itself
        up = prev
        diag = np.empty(n)
        diag[0] = np.inf
        diag[1:] = prev[:-1]
    else:
        up = np.full(n, np.inf)
        diag = np.full(n, np.inf)
        stop = min(n, prev_hi - lo + 1)  # columns of this row that have a cell above
        up[:stop] = prev[lo - prev_lo:lo - prev_lo + stop]
        d0 = max(0, prev_lo + 1 - lo)  # first column with a cell up-left
        dstop = min(n, prev_hi + 1 - lo + 1)
        diag[d0:dstop] = prev[lo + d0 - 1 - prev_lo:lo + dstop - 1 - prev_lo]
    np.less(up, diag, out=moves.view(bool))  # 0 = diagonal, 1 = up
    t = np.minimum(up, diag)
    t += row
    csum = np.cumsum(row)
    t -= csum
    run = np.minimum.accumulate(t)
    moves[t > run] = _LEFT  # the running minimum came from a cell further left
    run += csum
    return run


def _backtrack(moves: np.ndarray, lo: np.ndarray, end: int) -> np.ndarray:
    i, j = len(moves) - 1, end
    path = [(i, j)]
    while True:
        code = moves[i, j - lo[i]]
        if code == _START:
            break
        di, dj = _STEP[int(code)]
        i, j = i + di, j + dj
        path.append((i, j))
    return np.asarray(path[::-1], dtype=np.int64)


def dtw(cost: np.ndarray, band: float | None = None, subsequence: bool = False) -> tuple[np.ndarray, float]:
    """Align the rows (A) and columns (B) of `cost` (Ta, Tb) with DTW.

    band: Sakoe-Chiba half-width in frames of B around the diagonal (None = unconstrained); not allowed
    together with subsequence. subsequence: A is found inside B (open begin and end in B); the path then
    starts at (0, j0) and ends at (Ta-1, j1) with j0, j1 chosen freely.
    Returns (path (L, 2) int64 of (frame of A, frame of B), total cost along the path).
    """
    cost = np.asarray(cost)
    if cost.ndim != 2 or min(cost.shape) < 1:
        raise ValueError(f"cost must be a non-empty (Ta, Tb) matrix, got shape {cost.shape}")
    if not np.all(np.isfinite(cost)):
        raise ValueError("cost contains NaN or infinite entries; bridge missing frames first")
    if subsequence and band is not None:
        raise ValueError("band and subsequence cannot be combined: the start in B is free in subsequence mode")
    ta, tb = cost.shape
    lo, hi = band_limits(ta, tb, band)
    acc, mv = _first_row(cost[0, lo[0]:hi[0] + 1].astype(np.float64), subsequence)
    moves = np.empty((ta, int((hi - lo).max()) + 1), np.uint8)  # predecessor codes, row i from column lo[i]
    moves[0, :len(mv)] = mv
    for i in range(1, ta):
        row = cost[i, lo[i]:hi[i] + 1].astype(np.float64)
        acc = _next_row(acc, int(lo[i - 1]), row, int(lo[i]), moves[i, :len(row)])
    end = int(lo[-1] + np.argmin(acc)) if subsequence else tb - 1
    total = float(acc[end - lo[-1]])
    return _backtrack(moves, lo, end), total
