"""Find an instant of one video in another by its motion, headless: the sync window as a retrieval score.

A single frame is often ambiguous across views (the same silhouette occurs several times in a clip, a
detector swaps left and right on back views, a side view hides an arm); the frames around it rarely are.
`motion_cost` scores every frame pair of a reference video and another video with exactly the sync panel's
windowed cost (cost.sequence_cost: -log P of the per-frame embeddings, hub correction, an atrous window of
SYNC_WINDOW_TAPS taps SYNC_WINDOW_RATE frames apart laid along local slopes 1/2..2, left/right chosen per
frame), the other video resampled to the reference's frame rate first, as the sync does. The window was
chosen for syncing on held-out motion capture (benchmarks/sync_accuracy.py) and is used here unchanged.
`best_moments` keeps, for every reference frame, the other video's best frames by that cost: the table a
"where is this instant in the other views" search reads (session.motion_search) and the real-footage
evaluation scores (trainer/evaluation/footage_3d.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.model_protocol import ProbabilityParams
from .cost import sequence_cost
from .video_sync import SYNC_WINDOW_RATE, SYNC_WINDOW_TAPS, PoseSequence, resampled

#: best frames kept per reference frame and other video
MOMENT_CANDIDATES = 5


def motion_cost(reference: PoseSequence, other: PoseSequence, model: ProbabilityParams) -> tuple[np.ndarray, np.ndarray]:
    """The windowed cost of every (reference frame, other frame) pair, on the reference's timeline.

    Returns cost (Ta, Tc) float32 (lower = more alike; inf in columns without a person) and samples (Tc,)
    int64, the other video's own frame of each column (identity when the frame rates agree). With the
    other's mirrored embeddings, each frame pair takes the closer of the pose and its mirror image.
    """
    common, samples = resampled(other, reference.fps)
    cost = sequence_cost(reference.embedding, common.embedding, float(model.a), float(model.b),
                         kernel=SYNC_WINDOW_TAPS, rate=SYNC_WINDOW_RATE, valid_a=np.asarray(reference.valid),
                         valid_b=np.asarray(common.valid), mirrored_b=common.mirrored)
    cost[:, ~np.asarray(common.valid, bool)] = np.inf
    return cost, np.asarray(samples, np.int64)


@dataclass(frozen=True)
class MomentTable:
    """For every frame of a reference video, the best frames of another video by motion.

    frames: (Ta, k) int64 the other video's own frames, best first, distinct (-1 where it has fewer frames
    with a person); cost: (Ta, k) float32 their windowed cost (inf for -1). Rows of reference frames
    without a person hold what the bridged window says (the search only asks rows with a person)."""

    frames: np.ndarray
    cost: np.ndarray

    def __post_init__(self) -> None:
        if self.frames.ndim != 2 or self.cost.shape != self.frames.shape:
            raise ValueError(f"MomentTable: frames {self.frames.shape} and cost {self.cost.shape} must be (Ta, k)")


def best_frames(cost: np.ndarray, samples: np.ndarray, k: int = MOMENT_CANDIDATES) -> MomentTable:
    """The k least-cost distinct native frames of each row. cost: (Ta, Tc); samples: (Tc,) native frame of
    each column (several columns share a frame when the other video has the lower frame rate)."""
    ta, tc = cost.shape
    take = min(tc, 4 * k)   # enough columns for k distinct frames unless a frame repeats over 4 columns
    cols = np.argpartition(cost, take - 1, axis=1)[:, :take] if take < tc else np.tile(np.arange(tc), (ta, 1))
    order = np.take_along_axis(cost, cols, 1).argsort(1, kind="stable")
    cols = np.take_along_axis(cols, order, 1)
    frames = np.full((ta, k), -1, np.int64)
    best = np.full((ta, k), np.inf, np.float32)
    for i in range(ta):
        seen: set[int] = set()
        n = 0
        for c in cols[i]:
            f, c_cost = int(samples[c]), cost[i, c]
            if f in seen or not np.isfinite(c_cost):
                continue
            seen.add(f)
            frames[i, n], best[i, n] = f, c_cost
            n += 1
            if n == k:
                break
    return MomentTable(frames, best)


def best_moments(reference: PoseSequence, other: PoseSequence, model: ProbabilityParams,
                 k: int = MOMENT_CANDIDATES) -> MomentTable:
    """The other video's k best frames (its own frame numbers) for every frame of the reference, by motion."""
    return best_frames(*motion_cost(reference, other, model), k=k)
