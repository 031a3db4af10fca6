"""Real footage judged by 3D: cross-view retrieval on the pose2sim views, hits decided by triangulation.

The four calibrated views are triangulated from the same MediaPipe detections the rankings use
(triangulation.py); a retrieved frame is a 3D hit when its triangulated pose is within NP-MPJPE 0.1 of
the query frame's (poseexplorer.core.np_mpjpe, on the COCO-13 joints completed to H36M-17 below). The
+-3 frames criterion is kept beside it. Queries can be stressed (lower body hidden, image rotated, left/right
labels swapped on a third of the frames); the index stays as detected. Models are used only through the
public API: px.load_model, model.embed, model.matching_probability.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from poseexplorer.core.npmpjpe import MATCH_THRESHOLD, np_mpjpe, procrustes_mpjpe
from poseexplorer.core.skeleton import COCO13_MIRROR
from poseexplorer.search.metrics import top_k

from .real_footage import ViewDetections

LOWER_BODY = (7, 8, 9, 10, 11, 12)  # hips, knees, ankles
VISIBLE = 0.3  # the score below which a keypoint counts as unseen (the model's default threshold)


def coco13_to_h36m17(xyz: np.ndarray) -> np.ndarray:
    """(..., 13, 3) COCO-13 -> (..., 17, 3) H36M-17: pelvis, thorax, spine, neck are midpoints, head = nose."""
    xyz = np.asarray(xyz, np.float64)
    pelvis = 0.5 * (xyz[..., 7, :] + xyz[..., 8, :])
    thorax = 0.5 * (xyz[..., 1, :] + xyz[..., 2, :])
    nose = xyz[..., 0, :]
    joints = [pelvis, nose, 0.5 * (thorax + nose), thorax] + [xyz[..., j, :] for j in (1, 2, 3, 4, 5, 6)]
    joints += [0.5 * (pelvis + thorax)] + [xyz[..., j, :] for j in (7, 8, 9, 10, 11, 12)]
    return np.stack(joints, -2)


def match_matrix_3d(xyz13: np.ndarray) -> np.ndarray:
    """(T, T) bool: NP-MPJPE(frame q's 3D pose, frame r's) < 0.1; False where either pose is incomplete."""
    h36 = coco13_to_h36m17(xyz13)
    ok = np.isfinite(h36).all((-1, -2))
    out = np.zeros((len(h36), len(h36)), bool)
    idx = np.flatnonzero(ok)
    if len(idx):
        d = np_mpjpe(h36[idx][:, None], h36[idx][None])
        out[np.ix_(idx, idx)] = d < MATCH_THRESHOLD
    return out


@dataclass(frozen=True)
class Query:
    """One view's query inputs. xy: (T, 13, 2) px; scores: (T, 13); world: (T, 13, 3)."""

    xy: np.ndarray
    scores: np.ndarray
    world: np.ndarray


def _rotate(points: np.ndarray, degrees: float, centre: np.ndarray) -> np.ndarray:
    c, s = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    rot = np.array([[c, -s], [s, c]])
    return (points - centre) @ rot.T + centre


def stress(q: Query, kind: str, seed: int = 0) -> Query:
    """A stressed copy of a view's queries: 'clean', 'upper_body' (hips, knees, ankles at score 0),
    'rot90' / 'rot180' (the image turned, world landmarks turned the same way about the optical axis),
    'lr_swap' (left/right labels exchanged on a seeded third of the frames)."""
    xy, sc, world = q.xy.copy(), q.scores.copy(), q.world.copy()
    if kind == "upper_body":
        sc[:, list(LOWER_BODY)] = 0.0
    elif kind in ("rot90", "rot180"):
        deg = 90.0 if kind == "rot90" else 180.0
        xy = _rotate(xy, deg, np.nanmean(xy, axis=(0, 1)))
        world[..., :2] = _rotate(world[..., :2], deg, np.zeros(2))
    elif kind == "lr_swap":
        frames = np.random.default_rng(seed).random(len(xy)) < 1 / 3
        mirror = list(COCO13_MIRROR)
        xy[frames], sc[frames], world[frames] = xy[frames][:, mirror], sc[frames][:, mirror], world[frames][:, mirror]
    elif kind != "clean":
        raise ValueError(f"unknown stress {kind!r}")
    return Query(xy, sc, world)


STRESSES = ("clean", "upper_body", "rot90", "rot180", "lr_swap")

#: a ranking: (query inputs, index inputs) -> (Tq, Ti) similarity, higher = better
Ranker = Callable[[Query, Query], np.ndarray]


def _masked_procrustes(q: np.ndarray, idx: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """-Procrustes error of index poses aligned on each query over the query's visible joints.
    q: (Tq, J, D), idx: (Ti, J, D), visible: (Tq, J) -> (Tq, Ti); a query with < 3 visible joints gets -inf."""
    out = np.full((len(q), len(idx)), -np.inf)
    patterns, inverse = np.unique(visible, axis=0, return_inverse=True)
    for p, pattern in enumerate(patterns):
        rows = np.flatnonzero(inverse.ravel() == p)
        if pattern.sum() < 3:
            continue
        joints = np.flatnonzero(pattern)
        out[rows] = -procrustes_mpjpe(q[rows][:, None][:, :, joints], idx[None][:, :, joints])
    return out


def keypoints_ranker(q: Query, idx: Query) -> np.ndarray:
    """2D keypoints, similarity Procrustes over the query's visible joints."""
    return _masked_procrustes(q.xy, idx.xy, q.scores >= VISIBLE)


def world_ranker(q: Query, idx: Query) -> np.ndarray:
    """MediaPipe world landmarks, similarity Procrustes (3D) over the query's visible joints."""
    return _masked_procrustes(q.world, idx.world, q.scores >= VISIBLE)


def model_ranker(model) -> Ranker:
    """A model through its public API: embed both sides, rank by model.matching_probability."""
    def rank(q: Query, idx: Query) -> np.ndarray:
        return model.matching_probability(model.embed(q.xy, q.scores), model.embed(idx.xy, idx.scores))
    return rank


def fused_ranker(rankers: list[Ranker], offset: float = 60.0) -> Ranker:
    """Reciprocal-rank fusion: each index frame scores sum over rankers of 1 / (offset + its rank)."""
    def rank(q: Query, idx: Query) -> np.ndarray:
        total = 0.0
        for r in rankers:
            sim = r(q, idx)
            ranks = np.argsort(np.argsort(-sim, axis=1, kind="stable"), axis=1)
            total = total + 1.0 / (offset + ranks)
        return total
    return rank


@dataclass(frozen=True)
class PairHits:
    """Per-query hit flags of one ranking over every ordered view pair.
    hit3d: k -> (Q,) bool (3D-judged, queries with a complete 3D pose); frames: k -> (Q',) bool (+-3 frames,
    all queries); pairs: (a, b) -> (3D Hit@1, frames Hit@1)."""

    hit3d: dict
    frames: dict
    pairs: dict

    def rate(self, which: str, k: int) -> float:
        flags = (self.hit3d if which == "3d" else self.frames)[k]
        return float(np.mean(flags)) if len(flags) else float("nan")


def evaluate_ranker(rank: Ranker, det: ViewDetections, match3d: np.ndarray, complete: np.ndarray,
                    stress_kind: str = "clean", ks: tuple[int, ...] = (1, 5), tolerance: int = 3,
                    seed: int = 0) -> PairHits:
    """Hits over all ordered view pairs. match3d: (T, T) bool; complete: (T,) bool frames with a full 3D pose."""
    present = det.present
    views = [Query(np.nan_to_num(det.xy[v]), det.scores[v], np.nan_to_num(det.world[v])) for v in range(len(det.names))]
    hit3d, frames, pairs = {k: [] for k in ks}, {k: [] for k in ks}, {}
    for a in range(len(views)):
        qa = stress(views[a], stress_kind, seed + a)
        for b in range(len(views)):
            fq, fi = np.flatnonzero(present[a]), np.flatnonzero(present[b])
            if a == b or not len(fq) or not len(fi):
                continue
            sim = rank(Query(qa.xy[fq], qa.scores[fq], qa.world[fq]),
                       Query(views[b].xy[fi], views[b].scores[fi], views[b].world[fi]))
            top = fi[top_k(sim, max(ks))]  # (Q, kmax) frame numbers
            judged = complete[fq]
            in3d = match3d[fq[:, None], top][judged]
            near = np.abs(top - fq[:, None]) <= tolerance
            for k in ks:
                hit3d[k].append(in3d[:, :k].any(1))
                frames[k].append(near[:, :k].any(1))
            pairs[(det.names[a], det.names[b])] = (float(in3d[:, 0].mean()) if len(in3d) else float("nan"),
                                                    float(near[:, 0].mean()))
    cat = lambda d: {k: np.concatenate(v) if v else np.zeros(0, bool) for k, v in d.items()}  # noqa: E731
    return PairHits(cat(hit3d), cat(frames), pairs)
