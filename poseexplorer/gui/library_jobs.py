"""Headless jobs the GUI runs on JobWorkers: import, snapshot loading, removal, thumbnails, crops.

Each job opens its own Library connection in its own thread and returns plain data; none touches a
widget. QImage results are fine: QImage is not a widget and may be built in any thread.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..jobs import Cancelled, CancelCheck, Progress
from .snapshot import LibrarySnapshot, MediaRow


def media_row(info: Any) -> MediaRow:
    """The GUI's view of a library MediaInfo."""
    return MediaRow(media_id=int(info.id), name=str(info.name), path=str(info.path), kind=str(info.kind),
                    n_frames=int(info.frames), fps=float(info.fps), size=(int(info.width), int(info.height)),
                    status=str(info.status), error=str(info.error or ""), n_poses=int(info.n_poses))


def import_job(library_path: str, paths: list[str], model: Any, workers: int = 1) -> Callable:
    """Index files/folders into the library (detection + embedding); returns the IndexReport."""
    def job(progress: Progress, cancel: CancelCheck):
        from ..library.indexer import index_paths

        return index_paths(library_path, paths, model=model, workers=workers, progress=progress, cancel=cancel)
    return job


def snapshot_job(library_path: str, model: Any) -> Callable:
    """Embed what is missing for `model`, then read everything the panels need into a LibrarySnapshot."""
    def job(progress: Progress, cancel: CancelCheck) -> LibrarySnapshot:
        from ..library import Library

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
        return snap
    return job


def warm_up_job(progress: Progress, cancel: CancelCheck) -> bool:
    """Start the indexer's process server now, from a low-priority worker thread, so the first import does
    not fork the whole GUI process while the user waits (that fork held the GIL for ~130 ms) and the
    detection processes inherit the lower priority. Uses the indexer's own context (its preload list)."""
    from ..library.indexer import start_fork_server

    return start_fork_server()


def media_job(library_path: str) -> Callable:
    """Only the media list (cheap): shown while an import runs, before the full snapshot reload."""
    def job(progress: Progress, cancel: CancelCheck) -> tuple[MediaRow, ...]:
        from ..library import Library

        with Library.open(library_path) as lib:
            return tuple(media_row(m) for m in lib.media())
    return job


def remove_job(library_path: str, media_ids: list[int]) -> Callable:
    def job(progress: Progress, cancel: CancelCheck) -> list[int]:
        from ..library import Library

        with Library.open(library_path) as lib:
            for i, mid in enumerate(media_ids):
                progress(i, len(media_ids), "removing")
                lib.remove_media(int(mid))
        return list(media_ids)
    return job


def thumbnail_job(media: list[MediaRow], size: int = 72) -> Callable:
    """First frame of each media, scaled to `size`; returns {media_id: QImage} (failures are skipped)."""
    def job(progress: Progress, cancel: CancelCheck) -> dict:
        from PySide6.QtCore import Qt

        from ..io import open_media
        from .views.pose_crop import rgb_to_qimage

        out = {}
        for i, m in enumerate(media):
            if cancel():
                raise Cancelled()
            progress(i, len(media), m.name)
            try:
                with open_media(m.path) as reader:
                    rgb = reader.read(0)
            except Exception:  # a missing or broken file keeps its placeholder icon
                continue
            step = max(1, min(rgb.shape[:2]) // (2 * size))   # cheap numpy decimation first: QImage
            small = rgb_to_qimage(rgb[::step, ::step])          # scaling holds the GIL
            out[m.media_id] = small.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation)
        return out
    return job


def crop_job(requests: list[tuple[int, str, int, np.ndarray, np.ndarray]], size: int = 128,
             min_visibility: float = 0.5) -> Callable:
    """Pose crops for (pose_id, media path, frame, xy (13, 2), scores (13,)) -> {pose_id: QImage}.

    Frames of the same media are read in frame order through one reader."""
    def job(progress: Progress, cancel: CancelCheck) -> dict:
        from ..io import open_media
        from .views.pose_crop import render_crop

        out: dict[int, Any] = {}
        by_path: dict[str, list] = {}
        for req in requests:
            by_path.setdefault(req[1], []).append(req)
        done = 0
        for path, reqs in by_path.items():
            try:
                reader = open_media(path)
            except Exception:
                reader = None
            try:
                for pose_id, _, frame, xy, scores in sorted(reqs, key=lambda r: r[2]):
                    if cancel():
                        raise Cancelled()
                    rgb = _read_or_none(reader, frame)
                    out[pose_id] = render_crop(rgb, xy, scores, size, min_visibility)
                    done += 1
                    progress(done, len(requests), "crops")
            finally:
                if reader is not None:
                    reader.close()
        return out
    return job


def _read_or_none(reader: Any, frame: int) -> np.ndarray | None:
    if reader is None:
        return None
    try:
        return reader.read(int(frame))
    except Exception:
        return None
