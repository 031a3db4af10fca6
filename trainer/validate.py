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
from poseexplorer.core.npmpjpe import MATCH_THRESHOLD, np_mpjpe_matrix, procrustes_mpjpe
from poseexplorer.core.probability import noise_table

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
    norm = normalize_3d(xyz[idx])
    kept: list[int] = []
    for i in range(len(idx)):
        if kept and procrustes_mpjpe(norm[kept], norm[i][None]).min() < duplicate:
            continue
        kept.append(i)
    keep = idx[kept]
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
    hit = np.take_along_axis(match, top, axis=1)
    return {k: float(hit[:, :k].any(1).mean()) for k in ks}


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores per row, best first. score (N, M) -> (N, k)."""
    k = min(k, score.shape[1])
    part = np.argpartition(-score, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(score, part, 1), axis=1, kind="stable")
    return np.take_along_axis(part, order, 1)


def _mean_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(d2, 0.0))


def probability_top(mean_q, std_q, mean_i, std_i, a: float, b: float, kmax: int = 20,
                    shortlist: int = 100, samples: int = 20, seed: int = 0) -> np.ndarray:
    """Top kmax by sampled matching probability among the `shortlist` nearest means. -> (N, kmax).

    Same draws as poseexplorer.core.probability (one noise table per side), computed with torch."""
    import torch

    near = _top(-_mean_distance(mean_q, mean_i), shortlist)                 # (N, S)
    eps = noise_table(samples, mean_q.shape[1], seed)
    zq = torch.from_numpy((mean_q[:, None] + std_q[:, None] * eps[0]).astype(np.float32))   # (N, K, D)
    zi = torch.from_numpy((mean_i[:, None] + std_i[:, None] * eps[1]).astype(np.float32))
    n, s, k = len(near), near.shape[1], samples
    prob = np.empty(near.shape)
    for start in range(0, n, 64):
        rows = torch.from_numpy(near[start:start + 64])
        cand = zi[rows].reshape(len(rows), s * k, -1)                       # (c, S*K, D)
        q = zq[start:start + 64]
        d2 = torch.baddbmm((cand * cand).sum(-1)[:, None, :], q, cand.transpose(1, 2), alpha=-2.0)
        d = d2.add_((q * q).sum(-1)[:, :, None]).clamp_(min=0.0).sqrt_()   # (c, K, S*K)
        p = torch.sigmoid(d.mul_(-a).add_(b)).reshape(len(rows), k, s, k).mean((1, 3))
        prob[start:start + 64] = (0.9 * p + 0.05).double().numpy()
    return np.take_along_axis(near, _top(prob, kmax), 1)


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
            top = _top(-_mean_distance(mq, mi), max(ks))
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
