"""Cross-view retrieval Hit@k (prvipe-method.md section 8) for every row of the paper's Table 1.

A query is a 2D pose from camera A; the index is every pose of camera B != A (the same frames, so a
perfect answer exists); a hit at k if any of the top k has NP-MPJPE < 0.1 to the query's 3D pose.
Hit@k is averaged over all ordered camera pairs. Rows ("scorers"):
- KeypointScorer: normalised 2D keypoints, ranked by the similarity-Procrustes joint error per pair;
- LiftingScorer: a lift3d model's normalised 3D output, ranked by Procrustes error per pair;
- PointScorer: L2-VIPE, ranked by Euclidean distance between embedding means;
- ProbabilisticScorer: Pr-VIPE, ranked by the matching probability P (its expectation by quadrature, or
  the K = 20 sampled estimate on a mean-distance shortlist).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from poseexplorer.core.normalize import normalize_2d, normalize_3d
from poseexplorer.core.npmpjpe import MATCH_THRESHOLD
from poseexplorer.core.poses import Embedding
from poseexplorer.search.metrics import euclidean_matrix, hit_at_k, top_k

from ..cross_view_validation import nearest_means, shortlist_probability
from .alignment_distance import procrustes_2d_matrix, procrustes_3d_matrix

KS = (1, 10, 20)


class Scorer(Protocol):
    name: str

    def prepare(self, xy: np.ndarray, scores: np.ndarray) -> Any: ...

    def similarity(self, query: Any, index: Any) -> np.ndarray: ...


@dataclass
class KeypointScorer:
    """2D keypoint baseline: normalised keypoints, higher similarity = lower Procrustes joint error."""

    name: str = "2D keypoints"

    def prepare(self, xy: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return normalize_2d(xy)

    def similarity(self, query: np.ndarray, index: np.ndarray) -> np.ndarray:
        return -procrustes_2d_matrix(query, index)


@dataclass
class LiftingScorer:
    """3D lifting baseline: model.lift -> normalised H36M-17, Procrustes-aligned per query-index pair."""

    model: Any
    name: str = "3D lifting"

    def prepare(self, xy: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return normalize_3d(np.asarray(self.model.lift(xy, scores)))

    def similarity(self, query: np.ndarray, index: np.ndarray) -> np.ndarray:
        return -procrustes_3d_matrix(query, index)


@dataclass
class PointScorer:
    """L2-VIPE: negative Euclidean distance between embedding means."""

    model: Any
    name: str = "L2-VIPE"

    def prepare(self, xy: np.ndarray, scores: np.ndarray) -> Embedding:
        return self.model.embed(xy, scores)

    def similarity(self, query: Embedding, index: Embedding) -> np.ndarray:
        return -euclidean_matrix(query.mean, index.mean)


@dataclass
class ProbabilisticScorer:
    """Pr-VIPE: rank by the matching probability P.

    method "quadrature" (default): P for every pair from poseexplorer.align.cost.quadrature_probability, the
    deterministic value of the expectation that the K-sample estimator approximates (no sampling noise,
    matrix products only). method "sampled": the method's K = 20 estimator with common random numbers,
    on the `shortlist` candidates nearest by mean distance (the app's fast path); others get -inf.
    """

    model: Any
    name: str = "Pr-VIPE"
    method: str = "quadrature"
    shortlist: int = 30
    samples: int = 20

    def prepare(self, xy: np.ndarray, scores: np.ndarray) -> Embedding:
        return self.model.embed(xy, scores)

    def similarity(self, query: Embedding, index: Embedding) -> np.ndarray:
        a, b = float(self.model.a), float(self.model.b)
        if self.method == "quadrature":
            from poseexplorer.align.quadrature import quadrature_probability

            return quadrature_probability(query, index, a, b).astype(np.float64)
        cand = nearest_means(query.mean, index.mean, self.shortlist)
        prob = shortlist_probability(query.mean, query.stddev, index.mean, index.stddev, cand, a, b, self.samples)
        out = np.full((len(query.mean), len(index.mean)), -np.inf)
        np.put_along_axis(out, cand, prob, axis=1)
        return out


@dataclass
class RetrievalResult:
    """Hits of every query over all ordered camera pairs.

    hits: k -> (Q,) bool; pair_hit1: (C, C) Hit@1 per (query camera, index camera), NaN on the diagonal;
    top_score / top_match: (Q, T) similarity and true-match flag of each query's top T results.
    """

    name: str
    hits: dict[int, np.ndarray]
    pair_hit1: np.ndarray
    top_score: np.ndarray
    top_match: np.ndarray
    extra: dict = field(default_factory=dict)

    def hit_at(self, k: int) -> float:
        return float(np.mean(self.hits[k])) if len(self.hits[k]) else float("nan")


def ground_truth_matches(xyz: np.ndarray) -> np.ndarray:
    """(M, M) bool: NP-MPJPE(query i as target, j) < 0.1 between the evaluation frames' 3D poses."""
    from poseexplorer.core.npmpjpe import np_mpjpe_matrix

    return np_mpjpe_matrix(xyz, xyz) < MATCH_THRESHOLD


def query_subset(n: int, max_queries: int | None, qa: int, ib: int, seed: int = 0) -> np.ndarray:
    """The query frames used for camera pair (qa, ib): all, or a fixed random subset (same for every row)."""
    if max_queries is None or max_queries >= n:
        return np.arange(n)
    rng = np.random.default_rng([seed, qa, ib])
    return np.sort(rng.choice(n, max_queries, replace=False))


def cross_view_retrieval(scorer: Scorer, xy: np.ndarray, scores: np.ndarray, matches: np.ndarray,
                         ks: tuple[int, ...] = KS, keep_top: int = 20,
                         max_queries: int | None = None) -> RetrievalResult:
    """Hit@k of `scorer` over all ordered pairs of cameras.

    xy: (C, M, 13, 2) pixels; scores: (C, M, 13); matches: (M, M) ground-truth match matrix.
    max_queries: per camera pair, query only this many frames (a seeded subset, identical for every
    scorer) against the full index, to bound the cost of many-camera rigs.
    """
    n_cam = len(xy)
    reps = [scorer.prepare(xy[c], scores[c]) for c in range(n_cam)]
    hits = {k: [] for k in ks}
    pair = np.full((n_cam, n_cam), np.nan)
    top_s, top_m = [], []
    for qa in range(n_cam):
        for ib in range(n_cam):
            if qa == ib:
                continue
            q = query_subset(len(matches), max_queries, qa, ib)
            sim = scorer.similarity(reps[qa][q], reps[ib])
            order = top_k(sim, max(max(ks), keep_top))
            found = np.take_along_axis(matches[q], order, axis=1)
            for k, flags in hit_at_k(order, matches[q], ks).items():
                hits[k].append(flags)
            pair[qa, ib] = found[:, 0].mean()
            top_s.append(np.take_along_axis(sim, order[:, :keep_top], axis=1))
            top_m.append(found[:, :keep_top])
    return RetrievalResult(scorer.name, {k: np.concatenate(v) for k, v in hits.items()}, pair,
                           np.concatenate(top_s), np.concatenate(top_m))
