"""Search each group of candidate poses alone, so every group answers however weak its best match: one
group per media ("where is this instant in the other views") or per person track of each media."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from ..core.model_protocol import PoseModel
from ..jobs import CancelCheck, Cancelled, Job, Progress
from .search_jobs import IndexCache, ResultRow, SearchRequest, search_job
from .snapshot import LibrarySnapshot

#: media_id -> the candidate pose ids of each group in that media
Groups = Callable[[int], list[np.ndarray]]


def group_search_job(snapshot: LibrarySnapshot, model: PoseModel, cache: IndexCache, req: SearchRequest,
                     groups: Groups, what: str = "searching each view") -> Job:
    """The best match in each group of each (other) media, within the request's restriction; returns
    list[ResultRow], one per group that has a candidate besides the query, in media order. req.k is ignored."""
    def job(progress: Progress, cancel: CancelCheck) -> list[ResultRow]:
        row = snapshot.row_of(req.pose_id)
        if row < 0 or not snapshot.has_embeddings:
            return []
        own = int(snapshot.media_ids[row])
        allowed = None if req.restrict_pose_ids is None else np.asarray(req.restrict_pose_ids, np.int64)
        media = [m.media_id for m in snapshot.media if not (req.exclude_same_media and m.media_id == own)]
        rows: list[ResultRow] = []
        for i, media_id in enumerate(media):
            progress(i, len(media), what)
            for candidates in groups(media_id):
                if cancel():
                    raise Cancelled()
                candidates = candidates[candidates != req.pose_id]
                if allowed is not None:
                    candidates = np.intersect1d(candidates, allowed)
                if len(candidates):
                    one = replace(req, k=1, restrict_pose_ids=candidates, exclude_same_media=False)
                    rows += search_job(snapshot, model, cache, one)(lambda *a: None, cancel)
        progress(len(media), len(media), "done")
        return rows
    return job
