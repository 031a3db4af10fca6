"""Rankings by motion for the real-footage evaluation: the app's "best frame per view" for video queries
(poseexplorer.align.moments, the sync window) and, for a fair comparison, MediaPipe's world landmarks
under the same window.

Both score every (query frame, index frame) pair by a window of frames around each: the model row through
align.moments.motion_cost exactly as session.motion_search does (the public embed API, then the sync
window); the world row through the same align.window_cost over its Procrustes errors, with left/right
chosen per frame pair like the model's, and without the hub correction, whose floor is a -log P value.
The rankers receive the frames with a person of each view; on this footage that is every frame, so the
window never bridges a gap.
"""
from __future__ import annotations

import numpy as np

from poseexplorer.align import window_cost
from poseexplorer.align.moments import motion_cost
from poseexplorer.align.video_sync import SYNC_WINDOW_RATE, SYNC_WINDOW_TAPS, PoseSequence
from poseexplorer.core.mirror import mirror_coco13
from poseexplorer.core.skeleton import COCO13_MIRROR

from .footage_3d import Query, Ranker, world_ranker

#: the footage's frame rate (60 fps); only the ratio of the two views' rates matters, and they agree
_FPS = 60.0


def motion_ranker(model) -> Ranker:
    """The main model's video retrieval in the app: -(windowed cost) of every frame pair."""
    def rank(q: Query, idx: Query) -> np.ndarray:
        emb_q, emb_i = model.embed(q.xy, q.scores), model.embed(idx.xy, idx.scores)
        m_xy, m_scores = mirror_coco13(idx.xy, 0.0, idx.scores)
        ref = PoseSequence("query", "", _FPS, emb_q, np.ones(len(q.xy), bool))
        other = PoseSequence("index", "", _FPS, emb_i, np.ones(len(idx.xy), bool), model.embed(m_xy, m_scores))
        cost, _ = motion_cost(ref, other, model)
        return -cost
    return rank


def mirrored_world(idx: Query) -> Query:
    """The index poses' mirror images: world x negated and left/right labels exchanged (scores too)."""
    mirror = list(COCO13_MIRROR)
    world = idx.world.copy()
    world[..., 0] *= -1.0
    return Query(idx.xy, idx.scores[:, mirror], world[:, mirror])


def world_motion_ranker(q: Query, idx: Query) -> np.ndarray:
    """MediaPipe world landmarks, Procrustes errors, the pose or its mirror image per pair, same window."""
    dist = np.minimum(-world_ranker(q, idx), -world_ranker(q, mirrored_world(idx)))
    finite = np.isfinite(dist)
    dist = np.where(finite, dist, dist[finite].max() if finite.any() else 1.0).astype(np.float32)
    ok_q, ok_i = np.ones(len(dist), bool), np.ones(dist.shape[1], bool)
    return -window_cost(dist, ok_q, ok_i, kernel=SYNC_WINDOW_TAPS, rate=SYNC_WINDOW_RATE, hub_neighbours=0)
