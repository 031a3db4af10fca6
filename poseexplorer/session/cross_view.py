"""Cross-view search: "where is this instant in the other views" (one best frame per media) and the
confidence threshold of the result list. Headless: jobs and pure functions over search results.
"""
from __future__ import annotations

import numpy as np

from ..core.model_protocol import PoseModel
from ..jobs import Job
from .group_search import group_search_job
from .search_jobs import IndexCache, ResultRow, SearchRequest
from .snapshot import LibrarySnapshot


def best_per_media(rows: list[ResultRow]) -> list[ResultRow]:
    """The best row of each media, best first (rows in any order; ties keep the earlier row)."""
    best: dict[int, ResultRow] = {}
    for r in rows:
        if r.media_id not in best or r.probability > best[r.media_id].probability:
            best[r.media_id] = r
    return sorted(best.values(), key=lambda r: -r.probability)


def above_confidence(rows: list[ResultRow], threshold: float) -> list[ResultRow]:
    """Rows whose shown confidence (calibrated, else raw P) is at least threshold, order kept."""
    return [r for r in rows if r.shown_confidence >= threshold]


def looks_multiview(snapshot: LibrarySnapshot, tolerance: float = 0.02) -> bool:
    """Whether the library looks like several cameras of one scene: at least two videos with the same frame
    rate and frame counts within `tolerance` of each other (synchronised recordings)."""
    videos = [m for m in snapshot.media if m.kind == "video" and m.n_frames > 0 and m.status != "error"]
    for i, a in enumerate(videos):
        for b in videos[i + 1:]:
            same_rate = abs(a.fps - b.fps) <= 0.01 * max(a.fps, b.fps, 1e-9)
            if same_rate and abs(a.n_frames - b.n_frames) <= tolerance * max(a.n_frames, b.n_frames):
                return True
    return False


def per_media_search_job(snapshot: LibrarySnapshot, model: PoseModel, cache: IndexCache,
                         req: SearchRequest) -> Job:
    """The best match in each other media (each searched alone, so every view answers, however weak its
    best frame); returns list[ResultRow], one per media, best first. req.k is ignored."""
    search = group_search_job(snapshot, model, cache, req,
                              lambda media_id: [np.asarray(snapshot.pose_ids[snapshot.media_ids == media_id])])
    return lambda progress, cancel: best_per_media(search(progress, cancel))
