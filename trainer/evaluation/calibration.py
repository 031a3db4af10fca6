"""Confidence calibration: query-result pairs binned by matching probability P.

The app shows P as a retrieval confidence, so the fraction of true matches (3D NP-MPJPE < 0.1) should
rise with P. Pairs are each query's top results from the cross-view retrieval runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr


@dataclass(frozen=True)
class CalibrationResult:
    """Per bin (B,): edges (B+1,), count, mean P, fraction of true matches; rho between P and match."""

    edges: np.ndarray
    count: np.ndarray
    mean_p: np.ndarray
    match_rate: np.ndarray
    rho: float

    @property
    def rows(self) -> list[tuple[float, float, int, float, float]]:
        return [(float(self.edges[i]), float(self.edges[i + 1]), int(self.count[i]), float(self.mean_p[i]),
                 float(self.match_rate[i])) for i in range(len(self.count))]


def calibration(prob: np.ndarray, match: np.ndarray, bins: int = 10, lo: float = 0.05,
                hi: float = 0.95) -> CalibrationResult:
    """Bin pairs by P into equal-width bins over [lo, hi] (default P's range [0.05, 0.95]; values outside
    go to the end bins). prob, match: same shape."""
    p = np.asarray(prob, dtype=np.float64).ravel()
    y = np.asarray(match, dtype=bool).ravel()
    keep = np.isfinite(p)
    p, y = p[keep], y[keep]
    edges = np.linspace(lo, hi, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(which, weights=p, minlength=bins) / count
        rate = np.bincount(which, weights=y.astype(np.float64), minlength=bins) / count
    rho = float(spearmanr(p, y).statistic) if len(p) > 2 and y.any() and not y.all() else float("nan")
    return CalibrationResult(edges, count, mean_p, rate, rho)


def expected_calibration_error(confidence: np.ndarray, match: np.ndarray, bins: int = 10) -> float:
    """ECE: sum over equal-width confidence bins on [0, 1] of (bin share) * |mean confidence - match rate|.

    confidence: any shape, in [0, 1] (NaN ignored); match: same shape, bool. NaN when there are no pairs.
    """
    c = np.asarray(confidence, dtype=np.float64).ravel()
    y = np.asarray(match, dtype=np.float64).ravel()
    keep = np.isfinite(c)
    c, y = c[keep], y[keep]
    if len(c) == 0:
        return float("nan")
    which = np.clip((c * bins).astype(np.int64), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, weights=c, minlength=bins) - np.bincount(which, weights=y, minlength=bins))
    return float(gap.sum() / count.sum())
