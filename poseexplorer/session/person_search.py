"""Retrieval with several people per frame: one result per person (track) per media. Headless.

A media's untracked poses (a single-person video, a keypoint file) count as one person, so a library that
mixes both answers once per person of each multi-person video and once per other media. Tracks much
shorter than the media's longest (a passer-by seen for a few frames, a spurious detection) are not
searched: on the Pose2Sim multi-person views they made 26 results for 2-3 people.
"""
from __future__ import annotations

import numpy as np

from ..core.model_protocol import PoseModel
from ..jobs import Job
from .group_search import group_search_job
from .people import TrackTable
from .search_jobs import IndexCache, ResultRow, SearchRequest
from .snapshot import LibrarySnapshot


def best_per_person(rows: list[ResultRow], tracks: TrackTable) -> list[ResultRow]:
    """The best row of each (media, person track), best first (ties keep the earlier row)."""
    track = tracks.track_of([r.pose_id for r in rows])
    best: dict[tuple[int, int], ResultRow] = {}
    for r, t in zip(rows, track.tolist()):
        key = (r.media_id, t)
        if key not in best or r.probability > best[key].probability:
            best[key] = r
    return sorted(best.values(), key=lambda r: -r.probability)


#: a track with fewer poses than this share of its media's longest track is left out of per-person results
MIN_TRACK_SHARE = 0.2


def person_groups(snapshot: LibrarySnapshot, tracks: TrackTable, media_id: int,
                  min_share: float = MIN_TRACK_SHARE) -> list[np.ndarray]:
    """The pose ids of each person track of one media with at least min_share of the longest track's poses
    (its untracked poses as one more group, whatever their number)."""
    ids = np.asarray(snapshot.pose_ids[np.asarray(snapshot.media_ids) == int(media_id)], np.int64)
    track = tracks.track_of(ids)
    values, counts = np.unique(track, return_counts=True)
    longest = counts[values >= 0].max() if (values >= 0).any() else 0
    return [ids[track == t] for t, n in zip(values, counts) if t < 0 or n >= min_share * longest]


def per_person_search_job(snapshot: LibrarySnapshot, model: PoseModel, cache: IndexCache, req: SearchRequest,
                          tracks: TrackTable) -> Job:
    """The best match of each person in each (other) media, each person searched alone so every one
    answers however weak its best frame; returns list[ResultRow], best first. req.k is ignored."""
    search = group_search_job(snapshot, model, cache, req, lambda media_id: person_groups(snapshot, tracks, media_id),
                              "searching each person")
    return lambda progress, cancel: best_per_person(search(progress, cancel), tracks)
