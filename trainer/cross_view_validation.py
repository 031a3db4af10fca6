"""Cross-view Hit@k on held-out motion capture (prvipe-method.md section 8), for training-time validation.

A query is a 2D pose from camera A; the index is every pose of camera B != A (the same frames, so a
perfect answer exists); a hit at k when one of the top k retrieved has NP-MPJPE < 0.1 to the query's 3D
pose. Averaged over all ordered camera pairs. `Embedder` is anything mapping (xy, scores) to an
Embedding-like (mean, stddev) pair; Pr-VIPE ranks by the sampled matching probability on a shortlist of
the nearest means (the app's fast path), point models by mean distance, keypoints by normalised 2D
distance. Noisy views use trainer.augment's detector-like corruption with fixed levels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from poseexplorer.core.camera import project_normalised_3d, view_rotation
from poseexplorer.core.normalize import normalize_2d, normalize_3d, torso_scale_2d
from poseexplorer.core.npmpjpe import MATCH_THRESHOLD, distinct_poses, np_mpjpe_matrix
from poseexplorer.core.probability import candidate_probability, noise_table, sample_arrays
from poseexplorer.search.metrics import euclidean_matrix, hit_at_k, top_k

from .augment import jitter_keypoints, visibility_mask

KS = (1, 10, 20)
#: (azimuth, elevation, roll) degrees of the validation cameras: spread round the subject, mixed heights.
VAL_CAMERAS = ((0.0, 0.0, 0.0), (90.0, 15.0, 0.0), (200.0, -10.0, 5.0), (290.0, 25.0, -5.0))
#: The simulated detector for the "noisy" figures (fractions of the 2D torso size).
NOISE = dict(jitter=0.04, outlier_rate=0.02, dropout=0.04, legs_out_rate=0.15)


def select_frames(xyz: np.ndarray, size: int, duplicate: float = 0.02) -> np.ndarray:
    """Evenly spaced frames (1.5 x size at most), then greedy removal of near-duplicates (NP-MPJPE <
    `duplicate` to a frame already kept), then at most `size`. xyz: (N, 17, 3) -> indices (M,)."""
    n = len(xyz)
    idx = np.unique(np.linspace(0, n - 1, min(n, int(1.5 * size))).round().astype(np.int64))
    keep = idx[distinct_poses(np.asarray(xyz)[idx], duplicate)]
    if len(keep) > size:
        keep = keep[np.linspace(0, len(keep) - 1, size).round().astype(np.int64)]
    return keep


@dataclass(frozen=True)
class CrossViewSet:
    """xyz: (N, 17, 3) 3D poses; views: (C, N, 13, 2) clean projections; noisy: (C, N, 13, 2) with
    noisy_scores (C, N, 13); match: (N, N) bool, match[q, r] = NP-MPJPE(q, r) < 0.1."""

    xyz: np.ndarray
    views: np.ndarray
    noisy: np.ndarray
    noisy_scores: np.ndarray
    match: np.ndarray

    def __len__(self) -> int:
        return len(self.xyz)


def build_set(xyz: np.ndarray, size: int = 1000, seed: int = 0,
              cameras: tuple[tuple[float, float, float], ...] = VAL_CAMERAS) -> CrossViewSet:
    """Select frames, project them into every camera (clean and noisy) and compute the true matches."""
    keep = select_frames(np.asarray(xyz), size)
    norm = normalize_3d(xyz[keep]).astype(np.float64)
    views = []
    for az, el, ro in cameras:
        rot = np.repeat(view_rotation(*np.deg2rad([az, el, ro]))[None], len(norm), 0)
        views.append(project_normalised_3d(norm, rot))
    views = np.stack(views)
    rng = np.random.default_rng(seed)
    noisy, scores = [], []
    for v in views:
        vis = visibility_mask(len(v), rng, NOISE["dropout"], NOISE["legs_out_rate"])
        out = jitter_keypoints(v, rng, NOISE["jitter"], NOISE["outlier_rate"])
        wild = v + rng.normal(0.0, 0.5, v.shape) * torso_scale_2d(v)[:, None, None]
        noisy.append(np.where(vis[..., None], out, wild))
        scores.append(np.where(vis, rng.uniform(0.6, 1.0, vis.shape), 0.0))
    match = np_mpjpe_matrix(norm, norm) < MATCH_THRESHOLD
    return CrossViewSet(norm.astype(np.float32), views.astype(np.float32), np.stack(noisy).astype(np.float32),
                        np.stack(scores).astype(np.float32), match)


def hits_from_ranking(top: np.ndarray, match: np.ndarray, ks=KS) -> dict[int, float]:
    """top: (N, kmax) retrieved indices per query, best first -> {k: fraction of queries with a hit}."""
    return {k: float(v.mean()) for k, v in hit_at_k(top, match, ks).items()}


def shortlist_probability(mean_q, std_q, mean_i, std_i, candidates: np.ndarray, a: float, b: float,
                          samples: int = 20, seed: int = 0) -> np.ndarray:
    """Sampled matching probability of query n with index pose candidates[n, m] -> (N, M) float64.

    Equals poseexplorer.core.probability.matching_probability at those entries (the same noise tables, one
    per side, and the same implementation)."""
    eps = noise_table(samples, np.shape(mean_q)[1], seed)
    return candidate_probability(sample_arrays(mean_q, std_q, eps[0]), sample_arrays(mean_i, std_i, eps[1]),
                                 candidates, a, b)


def nearest_means(mean_q: np.ndarray, mean_i: np.ndarray, shortlist: int) -> np.ndarray:
    """The `shortlist` index poses nearest each query by mean distance (the app's fast path) -> (N, S)."""
    return top_k(-euclidean_matrix(mean_q, mean_i), shortlist)


def probability_top(mean_q, std_q, mean_i, std_i, a: float, b: float, kmax: int = 20,
                    shortlist: int = 100, samples: int = 20, seed: int = 0) -> np.ndarray:
    """Top kmax by sampled matching probability among the `shortlist` nearest means. -> (N, kmax)."""
    near = nearest_means(mean_q, mean_i, shortlist)
    prob = shortlist_probability(mean_q, std_q, mean_i, std_i, near, a, b, samples, seed)
    return np.take_along_axis(near, top_k(prob, kmax), 1)


Embedder = Callable[[np.ndarray, np.ndarray | None], tuple[np.ndarray, np.ndarray | None]]


def cross_view_hits(embed: Embedder, vset: CrossViewSet, noisy: bool = False, a: float = 1.0, b: float = 0.0,
                    ks=KS) -> dict[int, float]:
    """Hit@k averaged over ordered camera pairs. embed(xy, scores) -> (mean, stddev or None)."""
    views = vset.noisy if noisy else vset.views
    scores = vset.noisy_scores if noisy else None
    embs = [embed(v, None if scores is None else scores[c]) for c, v in enumerate(views)]
    totals = {k: 0.0 for k in ks}
    pairs = [(qa, qb) for qa in range(len(views)) for qb in range(len(views)) if qa != qb]
    for qa, qb in pairs:
        (mq, sq), (mi, si) = embs[qa], embs[qb]
        if sq is None:
            top = top_k(-euclidean_matrix(mq, mi), max(ks))
        else:
            top = probability_top(mq, sq, mi, si, a, b, kmax=max(ks))
        for k, v in hits_from_ranking(top, vset.match, ks).items():
            totals[k] += v / len(pairs)
    return totals


def keypoint_embedder(xy: np.ndarray, scores: np.ndarray | None) -> tuple[np.ndarray, None]:
    """The 2D baseline: normalised keypoints as a 26-number point embedding (scaled so distance = L2)."""
    return normalize_2d(xy).reshape(len(xy), 26).astype(np.float64), None


def model_embedder(model) -> Embedder:
    """A PoseModel as an Embedder (Pr-VIPE keeps its stddev; point models return None)."""
    def embed(xy, scores):
        emb = model.embed(xy, scores)
        return emb.mean.astype(np.float64), (emb.stddev.astype(np.float64) if model.kind == "prvipe" else None)
    return embed
