"""The best frame per view (cross_view.per_media_search_job, one pass over the index) against the slow
version: every media searched alone (group_search_job with one group per media) and the best kept."""
from __future__ import annotations

import numpy as np

from poseexplorer.search.synthetic import synthetic_library
from poseexplorer.session.cross_view import best_per_media, per_media_search_job
from poseexplorer.session.group_search import group_search_job
from poseexplorer.session.search_jobs import IndexCache, SearchRequest
from poseexplorer.session.snapshot import LibrarySnapshot, MediaRow


class _Model:
    """What the search jobs read of a model: the probability slope and offset, no calibration."""

    a, b = 3.36, 14.9
    calibration = None


def _snapshot(n=3000, seed=0):
    emb, media = synthetic_library(n, n_actions=12, frames_per_video=100, sigma_range=(0.1, 0.5), seed=seed)
    order = np.random.default_rng(seed).permutation(n)  # rows not grouped by media
    mean, std, media = np.asarray(emb.mean)[order], np.asarray(emb.stddev)[order], media[order]
    frames = np.arange(n) % 100
    rows = tuple(MediaRow(int(m), f"v{m}.mp4", f"/v/v{m}.mp4", "video", 100, 30.0) for m in np.unique(media))
    xy = np.zeros((n, 13, 2), np.float32)
    return LibrarySnapshot(rows, np.arange(n) * 3 + 2, media, frames, xy, np.ones((n, 13), np.float32),
                           mean=mean, stddev=std, model_key="test")


def test_per_media_job_equals_each_media_searched_alone():
    snap = _snapshot()
    model, cache = _Model(), IndexCache()
    nothing = lambda *a: None  # noqa: E731
    for pose_id in snap.pose_ids[[4, 1500, 2999]].tolist():
        for req in (SearchRequest(pose_id), SearchRequest(pose_id, exclude_same_media=False),
                    SearchRequest(pose_id, restrict_pose_ids=snap.pose_ids[::3])):
            fast = per_media_search_job(snap, model, cache, req)(nothing, lambda: False)
            slow = best_per_media(group_search_job(snap, model, cache, req, lambda m: [
                np.asarray(snap.pose_ids[snap.media_ids == m])])(nothing, lambda: False))
            assert [r.media_id for r in fast] == [r.media_id for r in slow]  # every view answers
            strong = [(r.pose_id, r.frame) for r in slow if r.probability > 0.05 + 1e-6]
            assert [(r.pose_id, r.frame) for r in fast][:len(strong)] == strong
            np.testing.assert_allclose([r.probability for r in fast][:len(strong)],
                                       [r.probability for r in slow][:len(strong)], rtol=1e-6)
            assert all(r.pose_id != pose_id for r in fast)
