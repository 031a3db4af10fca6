"""Library flows as headless jobs: import, snapshot loading, the media list, removal, the indexer warm-up,
switching the embedding model.

Each job opens its own Library connection in the thread that runs it and returns plain data.
`media_to_open` picks what to show when nothing is selected.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.model_protocol import PoseModel
from ..jobs import CancelCheck, Job, Progress
from .snapshot import LibrarySnapshot, MediaRow


def use_model_job(model_path: str, library_path: str | None) -> Job:
    """Load a model file and embed the library's poses with it (their detections are reused); returns the
    model."""
    def job(progress: Progress, cancel: CancelCheck) -> Any:
        from ..embed.model import load_model
        from ..library import Library

        model = load_model(model_path)
        if library_path:
            with Library.open(library_path) as lib:
                lib.ensure_embeddings(model, progress, cancel)
        return model
    return job


def media_row(info: Any) -> MediaRow:
    """The application's view of a library MediaInfo."""
    return MediaRow(media_id=int(info.id), name=str(info.name), path=str(info.path), kind=str(info.kind),
                    n_frames=int(info.frames), fps=float(info.fps), size=(int(info.width), int(info.height)),
                    status=str(info.status), error=str(info.error or ""), n_poses=int(info.n_poses))


def import_job(library_path: str, paths: list[str], model: PoseModel | None, workers: int = 1) -> Job:
    """Index files/folders into the library (detection + embedding); returns the IndexReport."""
    def job(progress: Progress, cancel: CancelCheck):
        from ..library.indexer import index_paths

        return index_paths(library_path, paths, model=model, workers=workers, progress=progress, cancel=cancel)
    return job


#: from this many poses on, the snapshot is memory-mapped columns and paged rows instead of arrays in memory
PAGED_FROM = 200_000


def snapshot_job(library_path: str, model: PoseModel | None, paged_from: int | None = None) -> Job:
    """Embed what is missing for `model`, then read everything the panels need into a LibrarySnapshot
    (from paged_from poses on, default PAGED_FROM: memory-mapped columns and paged rows, see paged_snapshot)."""
    def job(progress: Progress, cancel: CancelCheck) -> LibrarySnapshot:
        from ..library import Library
        from ..library.columns import library_size

        if library_size(library_path) >= (PAGED_FROM if paged_from is None else paged_from):
            return paged_snapshot(library_path, model, progress, cancel)
        with Library.open(library_path) as lib:
            if model is not None:
                lib.ensure_embeddings(model, progress, cancel)
            progress(0, 1, "loading poses")
            media = tuple(media_row(m) for m in lib.media())
            poses = lib.poses()
            world = lib.world_landmarks(poses.pose_id) if len(poses) else np.zeros((0, 33, 3), np.float32)
            mean = stddev = None
            key = ""
            if model is not None:
                key = str(model.sha256)
                ids, emb = lib.embeddings(key, poses.pose_id)
                if len(ids) == len(poses) and np.array_equal(ids, poses.pose_id):
                    mean, stddev = np.asarray(emb.mean), np.asarray(emb.stddev)
        snap = LibrarySnapshot(media, poses.pose_id.astype(np.int64), poses.media_id.astype(np.int64),
                               poses.frame_index.astype(np.int64), poses.xy, poses.scores, world, mean, stddev, key)
        progress(1, 1, f"{len(snap)} poses")
        return snap.warm()
    return job


def paged_snapshot(library_path: str, model: PoseModel | None, progress: Progress,
                   cancel: CancelCheck) -> LibrarySnapshot:
    """The snapshot of a large library: per-pose columns memory-mapped from beside the library (built once,
    reused while up to date), xy/scores/world read a page at a time when shown."""
    from ..library import Library
    from ..library.columns import cached_columns, media_with_counts, open_columns
    from ..library.paged import PagedRows

    key = str(model.sha256) if model is not None else ""
    with Library.open(library_path) as lib:   # opening checks and migrates the file
        cols = cached_columns(library_path, key)
        if model is not None and (cols is None or cols.mean is None):
            lib.ensure_embeddings(model, progress, cancel)
    if cols is None:
        cols = open_columns(library_path, key, progress, cancel)
    media = tuple(media_row(m) for m in media_with_counts(library_path, cols))
    ids = cols.pose_ids
    progress(0, 1, "ranking poses")
    return LibrarySnapshot(media, ids, cols.media_ids, cols.frames, PagedRows(library_path, "xy", (13, 2), ids),
                           PagedRows(library_path, "scores", (13,), ids, fill=0.0),
                           PagedRows(library_path, "world", (33, 3), ids), cols.mean, cols.stddev,
                           key if cols.mean is not None else "", visibility=cols.visibility,
                           amb=cols.ambiguity if cols.mean is not None else None,
                           store=cols.folder if cols.mean is not None else "").warm()


def warm_up_job(progress: Progress, cancel: CancelCheck) -> bool:
    """Start the indexer's process server now, from a low-priority worker thread, so the first import does
    not fork the whole application process while the user waits (that fork held the GIL for ~130 ms) and
    the detection processes inherit the lower priority."""
    from ..library.indexer import start_fork_server

    return start_fork_server()


def media_job(library_path: str) -> Job:
    """Only the media list (cheap): shown while an import runs, before the full snapshot reload."""
    def job(progress: Progress, cancel: CancelCheck) -> tuple[MediaRow, ...]:
        from ..library import Library

        with Library.open(library_path) as lib:
            return tuple(media_row(m) for m in lib.media())
    return job


def remove_job(library_path: str, media_ids: list[int]) -> Job:
    """Remove media (and their poses, embeddings and syncs) from the library; returns the removed ids."""
    def job(progress: Progress, cancel: CancelCheck) -> list[int]:
        from ..library import Library

        with Library.open(library_path) as lib:
            for i, mid in enumerate(media_ids):
                progress(i, len(media_ids), "removing")
                lib.remove_media(int(mid))
        return list(media_ids)
    return job


def media_to_open(snapshot: LibrarySnapshot, preferred: int | None = None) -> tuple[int, int] | None:
    """(media_id, frame) to show when nothing is selected, or None for a library with nothing readable.

    The preferred media (the first file of an import that just finished) when the snapshot has it, else the
    first media with a person, else the first media that did not fail; at its first frame with a person
    (frame 0 when it has none).
    """
    usable = [m.media_id for m in snapshot.media if m.status != "error"]
    first_with_poses = next((mid for mid in usable if len(snapshot.frames_of(mid))), None)  # stops at the first
    order = ([preferred] if preferred in usable else []) + ([first_with_poses] if first_with_poses else []) + usable
    if not order:
        return None
    frames = snapshot.frames_of(order[0])
    return order[0], int(frames[0]) if len(frames) else 0
