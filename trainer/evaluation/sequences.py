"""Sequence evaluation on held-out mocap (prvipe-method.md section 9), with poseexplorer.align.

(a) warp: a clip seen by two cameras, the second with a random smooth time warp; DTW frame error against the known warp, and Kendall's tau of the per-frame nearest-neighbour map;
(b) actors: the same action by the held-out actor and each training actor, Kendall's tau;
(c) recognition: nearest-neighbour action classification by DTW sequence distance, held-out queries
    against an index of training-actor clips from several cameras, or from one camera only.
Each is also run with the 2D keypoint baseline (frame cost = Procrustes error of normalised keypoints,
the same atrous window and DTW), so the embedding's gain is visible.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from poseexplorer.align import atrous_average, dtw, frame_distance, kendall_tau, nearest_neighbour_map
from poseexplorer.core.poses import Embedding
from poseexplorer.core.normalize import normalize_2d
from poseexplorer.jobs import Cancelled, CancelCheck, Progress

from .alignment_distance import procrustes_2d_matrix
from .data import MocapFrames
from .rigs import Rig


def smooth_warp(tb: int, ta: int, rng: np.random.Generator, strength: float = 0.5) -> np.ndarray:
    """(tb,) increasing A-times of B's frames, from 0 to ta-1, with a random smooth speed profile."""
    u = np.linspace(0.0, 1.0, tb)
    log_speed = sum(rng.normal(0.0, strength / 2) * np.sin(2 * np.pi * f * u + rng.uniform(0, 2 * np.pi))
                    for f in (0.5, 1.0, 2.0))
    cum = np.concatenate([[0.0], np.cumsum(np.exp(log_speed[1:]))])
    return cum / cum[-1] * (ta - 1)


def resample(joints: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Linear interpolation of (T, 17, 3) joints at fractional frame times (M,) -> (M, 17, 3)."""
    lo = np.clip(np.floor(times).astype(int), 0, len(joints) - 1)
    hi = np.clip(lo + 1, 0, len(joints) - 1)
    f = (times - lo)[:, None, None]
    return (1 - f) * joints[lo] + f * joints[hi]


@dataclass(frozen=True)
class Method:
    """A sequence representation: embed(xy (T,13,2)) -> rep; distance(rep_a, rep_b) -> (Ta, Tb) frame
    distance (no window); concat(list of reps) -> one rep (to score many sequences in one call)."""

    name: str
    embed: Callable
    distance: Callable
    concat: Callable

    def cost(self, rep_a, rep_b) -> np.ndarray:
        """The DTW cost: frame distance averaged over the atrous window (kernel 7, rate 3)."""
        return atrous_average(np.asarray(self.distance(rep_a, rep_b), dtype=np.float64))


def embedding_method(model) -> Method:
    def embed(xy):
        return model.embed(xy, np.ones(xy.shape[:2], np.float32))

    def distance(ea, eb):  # -log P, the same frame cost poseexplorer.align.sequence_cost averages
        return frame_distance(ea, eb, float(model.a), float(model.b))

    return Method("Pr-VIPE", embed, distance, Embedding.concat)


def keypoint_method() -> Method:
    return Method("2D keypoints", normalize_2d, procrustes_2d_matrix, np.concatenate)


def _project(rig: Rig, cam: int, joints: np.ndarray) -> np.ndarray:
    from .rigs import centre_subject
    from poseexplorer.core.skeleton import H36M17_TO_COCO13

    return rig.cameras[cam].project(centre_subject(joints)[:, H36M17_TO_COCO13]).astype(np.float32)


def warp_test(frames: MocapFrames, rig: Rig, methods: list[Method], seed: int = 0, min_frames: int = 30,
              cancel: CancelCheck = lambda: False) -> dict[str, dict[str, float]]:
    """(a): per method, mean DTW frame error (frames), median error, Kendall's tau of NN maps; n clips."""
    rng = np.random.default_rng(seed)
    out = {m.name: {"error": [], "tau": []} for m in methods}
    for idx in frames.clips():
        if len(idx) < min_frames:
            continue
        if cancel():
            raise Cancelled()
        joints = frames.joints[idx]
        ta = len(joints)
        tb = int(round(ta * rng.uniform(0.7, 1.4)))
        w = smooth_warp(tb, ta, rng)
        cam_a, cam_b = rng.choice(len(rig), 2, replace=False)
        xa, xb = _project(rig, cam_a, joints), _project(rig, cam_b, resample(joints, w))
        truth = np.interp(np.arange(ta), w, np.arange(tb))  # B frame of each A frame
        for m in methods:
            cost = m.cost(m.embed(xa), m.embed(xb))
            path, _ = dtw(cost)
            sync = _middle(path, ta)
            out[m.name]["error"].append(np.abs(sync - truth).mean())
            out[m.name]["tau"].append(kendall_tau(nearest_neighbour_map(cost)))
    return {k: {"mean_error": float(np.mean(v["error"])), "median_error": float(np.median(v["error"])),
                "tau": float(np.mean(v["tau"])), "clips": len(v["error"])} for k, v in out.items()}


def _middle(path: np.ndarray, n: int) -> np.ndarray:
    """B frame for each A frame: mean of the B frames paired with it."""
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=n)
    counts = np.bincount(path[:, 0], minlength=n)
    return sums / np.maximum(counts, 1)


def _mean_path_cost(cost: np.ndarray) -> float:
    path, total = dtw(cost)
    return total / len(path)


def actor_test(held: MocapFrames, train: MocapFrames, rig: Rig, methods: list[Method], seed: int = 0,
               cancel: CancelCheck = lambda: False) -> dict[str, dict[str, float]]:
    """(b): each held-out clip against the first clip of the same action by every training actor,
    in two different random cameras. Mean Kendall's tau of the nearest-neighbour map per method."""
    rng = np.random.default_rng(seed)
    firsts: dict[tuple[str, str], np.ndarray] = {}
    for idx in train.clips():
        firsts.setdefault((train.subject[idx[0]], train.action[idx[0]]), idx)
    taus = {m.name: [] for m in methods}
    for idx in held.clips():
        action = held.action[idx[0]]
        for (subj, act), tidx in firsts.items():
            if act != action or len(idx) < 2 or len(tidx) < 2:
                continue
            if cancel():
                raise Cancelled()
            cam_a, cam_b = rng.choice(len(rig), 2, replace=False)
            xa, xb = _project(rig, cam_a, held.joints[idx]), _project(rig, cam_b, train.joints[tidx])
            for m in methods:
                taus[m.name].append(kendall_tau(nearest_neighbour_map(m.cost(m.embed(xa), m.embed(xb)))))
    return {k: {"tau": float(np.mean(v)) if v else float("nan"), "pairs": len(v)} for k, v in taus.items()}


def recognition_test(held: MocapFrames, train: MocapFrames, rig: Rig, methods: list[Method],
                     index_cams: tuple[int, ...], query_rig: Rig | None = None, step: int = 3, seed: int = 0,
                     progress: Progress = lambda d, t, m="": None,
                     cancel: CancelCheck = lambda: False) -> dict[str, dict[str, dict[str, float]]]:
    """(c): accuracy of 1-NN action recognition by DTW distance (mean path cost).

    Queries: held-out clips, each in a random camera of `query_rig` (default `rig`). Index: every training
    clip in each camera of `rig` listed in `index_cams`, and (the same costs, reused) in the first of them
    only. Sequences are subsampled by `step` frames. Returns {method: {"multi"|"single": {...}}}.
    """
    rng = np.random.default_rng(seed)
    query_rig = query_rig or rig
    train_clips = train.clips()
    held_clips = held.clips()
    query_cams = rng.integers(0, len(query_rig), len(held_clips))
    labels = np.array([train.action[idx[0]] for idx in train_clips for _ in index_cams])
    cam_of = np.array([c for _ in train_clips for c in index_cams])
    out = {}
    for m in methods:
        views = [_project(rig, c, train.joints[idx[::step]]) for idx in train_clips for c in index_cams]
        bounds = np.cumsum([0] + [len(v) for v in views])
        flat = m.embed(np.concatenate(views))  # one batch for the whole index
        multi, single = [], []
        for qi, idx in enumerate(held_clips):
            if cancel():
                raise Cancelled()
            q = m.embed(_project(query_rig, int(query_cams[qi]), held.joints[idx[::step]]))
            dist = np.asarray(m.distance(q, flat), dtype=np.float64)  # one call against every index frame
            costs = np.array([_mean_path_cost(atrous_average(dist[:, lo:hi]))
                              for lo, hi in zip(bounds[:-1], bounds[1:])])
            multi.append(labels[int(np.argmin(costs))] == held.action[idx[0]])
            first = cam_of == index_cams[0]
            single.append(labels[first][int(np.argmin(costs[first]))] == held.action[idx[0]])
            progress(qi + 1, len(held_clips), f"recognition {m.name}")
        out[m.name] = {"multi": {"accuracy": float(np.mean(multi)), "queries": len(multi), "index": len(labels)},
                       "single": {"accuracy": float(np.mean(single)), "queries": len(single),
                                  "index": int(first.sum())}}
    return out
