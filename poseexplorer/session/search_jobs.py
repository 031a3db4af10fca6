"""Search requests and results: headless jobs for retrieval and PCA over a LibrarySnapshot.

Built on poseexplorer.search (PoseIndex, StablePCA). The index is built once per snapshot inside a job and
cached by the caller (IndexCache), so queries and PCA never run in a GUI thread.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.poses import Embedding
from ..jobs import CancelCheck, Cancelled, Job, Progress
from ..core.model_protocol import PoseModel
from .snapshot import LibrarySnapshot


@dataclass(frozen=True)
class ResultRow:
    """One retrieval hit as the application shows it (built from the search engine's Hit)."""

    pose_id: int
    media_id: int
    frame: int
    probability: float
    mirrored: bool = False
    extra: dict = field(default_factory=dict)
    #: the model's calibrated confidence of `probability` (None: the model has no calibration)
    confidence: float | None = None

    @property
    def shown_confidence(self) -> float:
        """What is shown as the confidence: calibrated when available, else the raw P."""
        return self.probability if self.confidence is None else self.confidence


@dataclass(frozen=True)
class SearchRequest:
    """What to search: a library pose and the options of the retrieval panel."""

    pose_id: int
    k: int = 12
    exclude_same_media: bool = True
    mirror: bool = False
    restrict_pose_ids: np.ndarray | None = None
    min_visibility: float = 0.0


class IndexCache:
    """One PoseIndex per snapshot, built lazily inside a job; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._index: Any = None

    def get(self, snapshot: LibrarySnapshot, model: PoseModel) -> Any:
        key = (id(snapshot), snapshot.model_key)
        with self._lock:
            if self._key != key:
                self._index = _build_index(snapshot, model)
                self._key = key
            return self._index


def _build_index(snapshot: LibrarySnapshot, model: PoseModel) -> Any:
    """The PoseIndex of a snapshot; with a store (a large library), its derived arrays are memory-mapped
    from there when an earlier session saved them, else computed and saved for the next one."""
    from ..search import PoseIndex
    from ..search.derived_files import has_derived

    emb = Embedding(np.asarray(snapshot.mean), np.asarray(snapshot.stddev))
    vis = snapshot.mean_visibility()
    folder = Path(snapshot.store) / "search-index" if snapshot.store else None
    if folder is not None and has_derived(folder):
        try:
            return PoseIndex(snapshot.pose_ids, snapshot.media_ids, emb, model.a, model.b, visibility=vis,
                             derived=folder)
        except ValueError:   # files of other poses: build again
            pass
    index = PoseIndex(snapshot.pose_ids, snapshot.media_ids, emb, model.a, model.b, visibility=vis)
    if folder is not None:
        try:
            index.save_derived(folder)
        except OSError:      # a read-only library folder: the index is just not kept
            pass
    return index


def _mirrored_query(snapshot: LibrarySnapshot, row: int, model: PoseModel) -> Embedding:
    from ..core.mirror import mirror_coco13

    xy = snapshot.xy[row:row + 1]
    centre = float(np.nanmean(xy[..., 0]))
    mxy, mscores = mirror_coco13(xy, centre, snapshot.scores[row:row + 1])
    return model.embed(mxy, mscores)


def search_job(snapshot: LibrarySnapshot, model: PoseModel, cache: IndexCache, req: SearchRequest) -> Job:
    """Top-k matches of a library pose among the other poses; returns list[ResultRow], best first."""
    def job(progress: Progress, cancel: CancelCheck) -> list[ResultRow]:
        row = snapshot.row_of(req.pose_id)
        if row < 0 or not snapshot.has_embeddings:
            return []
        progress(0, 2, "indexing")
        index = cache.get(snapshot, model)
        if cancel():
            raise Cancelled()
        progress(1, 2, "searching")
        query = Embedding(snapshot.mean[row:row + 1], snapshot.stddev[row:row + 1])
        exclude = (int(snapshot.media_ids[row]),) if req.exclude_same_media else ()
        mirrored = _mirrored_query(snapshot, row, model) if req.mirror else None
        hits = index.query(query, k=req.k, exclude_media=exclude, restrict_pose_ids=req.restrict_pose_ids,
                           exclude_pose_ids=(req.pose_id,), min_visibility=req.min_visibility,
                           mirror=req.mirror, query_mirrored=mirrored)
        out = []
        calibration = getattr(model, "calibration", None)
        calibrated = calibration is not None and calibration.fitted
        for h in hits:  # ranked by raw P; the calibration is monotone, so the order is the same
            r = snapshot.row_of(int(h.pose_id))
            conf = float(model.confidence(float(h.probability))) if calibrated else None
            out.append(ResultRow(int(h.pose_id), int(h.media_id), int(snapshot.frames[r]),
                                 float(h.probability), bool(h.mirrored), confidence=conf))
        progress(2, 2, "done")
        return out
    return job


def pca_job(pca: Any, all_means: np.ndarray, rows: np.ndarray | None = None) -> Job:
    """2D projection of the embedding means (only `rows` of them when given, e.g. search.display_rows)
    with a StablePCA kept across refreshes (no flipping)."""
    def job(progress: Progress, cancel: CancelCheck) -> np.ndarray:
        progress(0, 1, "PCA")
        means = all_means if rows is None else all_means[rows]
        if len(means) < 3:
            xy = np.zeros((len(means), 2), np.float32)
            if len(means):
                xy[:, 0] = np.arange(len(means))
            return xy
        xy = pca.refresh(np.asarray(means, dtype=np.float32))
        progress(1, 1, "PCA")
        return np.asarray(xy, dtype=np.float32)
    return job
