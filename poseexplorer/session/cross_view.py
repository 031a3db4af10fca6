"""Cross-view search: "where is this instant in the other views" (one best frame per media) and the
confidence threshold of the result list. Headless: jobs and pure functions over search results.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.model_protocol import PoseModel
from ..jobs import CancelCheck, Cancelled, Job, Progress
from .search_jobs import IndexCache, ResultRow, SearchRequest, search_job
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
    def job(progress: Progress, cancel: CancelCheck) -> list[ResultRow]:
        row = snapshot.row_of(req.pose_id)
        if row < 0 or not snapshot.has_embeddings:
            return []
        own = int(snapshot.media_ids[row])
        allowed = None if req.restrict_pose_ids is None else np.asarray(req.restrict_pose_ids, np.int64)
        media = [m.media_id for m in snapshot.media if not (req.exclude_same_media and m.media_id == own)]
        rows: list[ResultRow] = []
        for i, media_id in enumerate(media):
            if cancel():
                raise Cancelled()
            progress(i, len(media), "searching each view")
            candidates = snapshot.pose_ids[snapshot.media_ids == media_id]
            if allowed is not None:
                candidates = np.intersect1d(candidates, allowed)
            if len(candidates) == 0 or (len(candidates) == 1 and candidates[0] == req.pose_id):
                continue
            one = replace(req, k=1, restrict_pose_ids=candidates, exclude_same_media=False)
            rows += search_job(snapshot, model, cache, one)(lambda *a: None, cancel)
        progress(len(media), len(media), "done")
        return best_per_media(rows)
    return job
