"""Cross-view search: "where is this instant in the other views" (one best frame per media) and the
confidence threshold of the result list. Headless: jobs and pure functions over search results.
"""
from __future__ import annotations

from ..core.model_protocol import PoseModel
from ..core.poses import Embedding
from ..jobs import CancelCheck, Cancelled, Job, Progress
from .search_jobs import IndexCache, ResultRow, SearchRequest, _mirrored_query
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
    videos = sorted((m for m in snapshot.media if m.kind == "video" and m.n_frames > 0 and m.status != "error"),
                    key=lambda m: m.n_frames)
    # sorted by length, the partners of a video lie just after it (checked until lengths differ too much):
    # about M log M steps instead of every pair (4,445 media were 10^7 pairs on the GUI thread)
    for i, a in enumerate(videos):
        for b in videos[i + 1:]:
            if b.n_frames - a.n_frames > tolerance * b.n_frames:
                break
            if abs(a.fps - b.fps) <= 0.01 * max(a.fps, b.fps, 1e-9):
                return True
    return False


def per_media_search_job(snapshot: LibrarySnapshot, model: PoseModel, cache: IndexCache,
                         req: SearchRequest) -> Job:
    """The best match in each other media, every view answering however weak its best frame, from one pass
    over the index (PoseIndex.best_per_media: exact wherever the media matches above p's floor; a
    per-media loop took a full query per media, hours at 4,445 media and 10M poses); returns
    list[ResultRow], one per media, best first. req.k is ignored."""
    def job(progress: Progress, cancel: CancelCheck) -> list[ResultRow]:
        row = snapshot.row_of(req.pose_id)
        if row < 0 or not snapshot.has_embeddings:
            return []
        progress(0, 2, "indexing")
        index = cache.get(snapshot, model)
        if cancel():
            raise Cancelled()
        progress(1, 2, "searching each view")
        queries = [(Embedding(snapshot.mean[row:row + 1], snapshot.stddev[row:row + 1]), False)]
        if req.mirror:
            queries.append((_mirrored_query(snapshot, row, model), True))
        exclude = (int(snapshot.media_ids[row]),) if req.exclude_same_media else ()
        rows = []
        for query, mirrored in queries:
            found = index.best_per_media(query, exclude_media=exclude, restrict_pose_ids=req.restrict_pose_ids,
                                         exclude_pose_ids=(req.pose_id,), min_visibility=req.min_visibility)
            rows += [_result_row(snapshot, model, int(index.pose_ids[r]), float(p), mirrored)
                     for r, p in zip(found.rows.tolist(), found.probability.tolist())]
        progress(2, 2, "done")
        return best_per_media(rows)
    return job


def _result_row(snapshot: LibrarySnapshot, model: PoseModel, pose_id: int, probability: float,
                mirrored: bool) -> ResultRow:
    calibration = getattr(model, "calibration", None)
    conf = float(model.confidence(probability)) if calibration is not None and calibration.fitted else None
    r = snapshot.row_of(pose_id)
    return ResultRow(pose_id, int(snapshot.media_ids[r]), int(snapshot.frames[r]), probability, mirrored,
                     confidence=conf)
