"""The sync flow: where each video's per-frame embeddings come from, the alignment, and the synced export.

`make_sync_job(sources, model, library_path)` returns a headless job (poseexplorer.jobs contract) that
turns each source into a PoseSequence (given directly, read from the library, or indexed into the library
first, so its detections are kept and reused), aligns the followers to the first source with
poseexplorer.align and keeps the found sync pairs in the library. `make_export_job` writes a synced group
as one video.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..align.playback import FollowerTrack
from ..align.sync_export import export_synced_group
from ..align.video_sync import PoseSequence, SyncResult, sync_to_reference
from ..core.mirror import mirror_coco13
from ..core.model_protocol import PoseEmbedder, PoseModel, ProbabilityParams
from ..core.poses import Embedding
from ..jobs import CancelCheck, Cancelled, Job, Progress


#: library media kinds with a timeline: videos, and keypoint tracks (from another detector, or mocap)
SYNCABLE_KINDS = ("video", "keypoints")


@dataclass(frozen=True)
class VideoSource:
    """A video to sync: a path (indexed first when it is not in the library yet) or a library media id;
    track: the person track whose motion drives the alignment (None: the best person of each frame)."""

    path: str = ""
    media_id: int | None = None
    track: int | None = None

    def __post_init__(self) -> None:
        if not self.path and self.media_id is None:
            raise ValueError("VideoSource needs a path or a media_id")


Source = PoseSequence | VideoSource


def library_media_for(media: tuple, path: str) -> int | None:
    """The id of the syncable library media (MediaRow) at `path` (compared resolved), None when absent."""
    target = str(Path(path).resolve())
    return next((int(m.media_id) for m in media if m.kind in SYNCABLE_KINDS and str(Path(m.path).resolve()) == target),
                None)


def sequence_from_frames(name: str, path: str, fps: float, n_frames: int, frame_index: np.ndarray,
                         xy: np.ndarray, scores: np.ndarray, has_pose: np.ndarray, model: PoseEmbedder,
                         media_id: int | None = None) -> PoseSequence:
    """Embed detected poses (and their mirror images) into a per-frame sequence of n_frames rows.

    frame_index: (P,) frames that were processed; xy (P, 13, 2), scores (P, 13), has_pose (P,) bool.
    Frames never processed count as frames without a person.
    """
    frame_index = np.asarray(frame_index, dtype=np.int64)
    keep = np.asarray(has_pose, bool) & (frame_index >= 0) & (frame_index < n_frames)
    rows, pts, sc = frame_index[keep], np.asarray(xy)[keep], np.asarray(scores)[keep]
    valid = np.zeros(n_frames, bool)
    valid[rows] = True
    if not valid.any():
        raise ValueError(f"{name}: no person was detected in any frame, so it cannot be synced")
    emb = model.embed(pts, sc)
    m_xy, m_sc = mirror_coco13(pts, 0.0, sc)
    emb_m = model.embed(m_xy, m_sc)
    xy_full = np.full((n_frames, 13, 2), np.nan, np.float32)
    xy_full[rows] = pts
    return PoseSequence(name, path, float(fps), _spread(emb, rows, n_frames), valid,
                        _spread(emb_m, rows, n_frames), media_id, xy_full)


def _spread(emb: Embedding, rows: np.ndarray, n: int) -> Embedding:
    """An (n, D) embedding with `emb` at `rows` and neutral filler (mean 0, stddev 1) elsewhere."""
    mean = np.zeros((n, emb.dim), np.float32)
    std = np.ones((n, emb.dim), np.float32)
    mean[rows], std[rows] = emb.mean, emb.stddev
    return Embedding(mean, std)


def sequence_from_library(library_path: str, media_id: int, model: PoseEmbedder,
                          track: int | None = None) -> PoseSequence:
    """A library video's detections (of one person track, or the best person per frame), embedded."""
    return library_sequence(library_path, media_id, model, track)[0]


def library_sequence(library_path: str, media_id: int, model: PoseEmbedder,
                     track: int | None = None) -> tuple[PoseSequence, np.ndarray]:
    """sequence_from_library's sequence and the library pose id shown in each of its frames: (T,) int64,
    -1 where that person is absent."""
    from ..library import Library
    from ..library.people import track_frames

    with Library.open(library_path) as lib:
        try:   # one media's row: Library.media() counts the poses of every media (a full table read)
            info = lib.media_info(media_id)
        except KeyError:
            raise ValueError(f"media {media_id} is not in the library {library_path}") from None
        if info.kind not in SYNCABLE_KINDS or not info.fps > 0:
            raise ValueError(f"{info.name} is not a video or keypoint track (kind {info.kind}, {info.fps} fps); "
                             "only sequences with a frame rate can be synced")
        table = lib.frames(media_id) if track is None else track_frames(lib, media_id, track)
    n = max(int(info.frames), int(table.frame_index.max()) + 1 if len(table) else 0)
    seq = sequence_from_frames(info.name, info.path, info.fps, n, table.frame_index, table.xy, table.scores,
                               table.has_pose, model, media_id)
    pose_of_frame = np.full(n, -1, np.int64)
    inside = (table.frame_index >= 0) & (table.frame_index < n) & table.has_pose
    pose_of_frame[table.frame_index[inside]] = table.pose_id[inside]
    return seq, pose_of_frame


def index_video(library_path: str, path: str, model: PoseEmbedder, progress: Progress,
                cancel: CancelCheck) -> int:
    """Index one video into the library (reusing earlier detections); returns its media id."""
    from ..library.indexer import index_paths

    # a real PoseModel also stores its embeddings in the library; any other embedder is used only here
    keep = model if getattr(model, "sha256", "") else None
    report = index_paths(library_path, [path], model=keep, workers=1, progress=progress, cancel=cancel)
    if report.cancelled or cancel():
        raise Cancelled()
    file = report.files[0]
    if not file.ok or file.media_id is None:
        raise ValueError(f"{Path(path).name}: {file.message or 'could not be indexed'}")
    return int(file.media_id)


def make_sync_job(sources: list[Source], model: ProbabilityParams | Callable[[], PoseModel], library_path: str,
                  max_drift_s: float | None = None, mirror: bool = True) -> Job:
    """A job that syncs sources[1:] to sources[0]. `model` is a PoseModel or a zero-argument loader of one
    (called in the job); sequences given as PoseSequence need only its a and b (MatchParams).

    mirror: also try each follower's left/right-flipped poses and keep the better match.
    max_drift_s: limit the alignment to this many seconds off the straight start-to-end line (None: free).
    """
    if len(sources) < 2:
        raise ValueError("syncing needs at least two videos: a reference and one follower")

    def job(progress: Progress, cancel: CancelCheck) -> SyncResult:
        mdl = model if isinstance(model, ProbabilityParams) else model()
        seqs = []
        for i, src in enumerate(sources):
            if cancel():
                raise Cancelled()
            seq = _resolve(src, mdl, library_path, _scaled(progress, i, len(sources) + 1), cancel)
            seqs.append(seq if mirror else replace(seq, mirrored=None))
        result = sync_to_reference(seqs[0], seqs[1:], mdl, max_drift_s,
                                   _scaled(progress, len(sources), len(sources) + 1), cancel)
        if library_path:
            save_sync_pairs(library_path, result)
        return result

    return job


def save_sync_pairs(library_path: str, result: SyncResult) -> list[int]:
    """Keep the found sync of every (reference, follower) pair that is in the library (user data there)."""
    ref_id = result.reference.media_id
    pairs = [(f.media_id, f.sync_map) for f in result.followers if f.media_id is not None]
    if ref_id is None or not pairs:
        return []
    from ..library import Library

    with Library.open(library_path) as lib:
        return [lib.save_sync_pair(ref_id, media_id, np.stack([np.arange(len(sync)), sync], axis=1),
                                   name="sync panel") for media_id, sync in pairs]


def _resolve(src: Source, model: PoseEmbedder, library_path: str, progress: Progress,
             cancel: CancelCheck) -> PoseSequence:
    if isinstance(src, PoseSequence):
        return src
    media_id = src.media_id
    if media_id is None:
        progress(0, 1, f"detecting poses in {Path(src.path).name}")
        media_id = index_video(library_path, src.path, model, progress, cancel)
    return sequence_from_library(library_path, media_id, model, src.track)


def _scaled(progress: Progress, part: int, parts: int) -> Progress:
    """Progress of one stage mapped onto a 0..1000 overall bar split into `parts` equal stages."""
    def report(done: int, total: int, message: str = "") -> None:
        frac = (done / total) if total else 0.0
        progress(int(1000 * (part + min(1.0, frac)) / parts), 1000, message)

    return report


def make_export_job(result: SyncResult, tracks: list[FollowerTrack], flips: list[bool], out_path: str,
                    **options) -> Job:
    """A job that opens the videos of a SyncResult and writes them side by side on the reference's timeline
    with the given (nudged) tracks and left/right flips (reference first); returns the written path.
    options: export_synced_group's labels, skeletons and max_width."""

    def job(progress: Progress, cancel: CancelCheck) -> Path:
        from ..io import open_media

        readers = []
        try:
            readers.append(open_media(result.reference.path))
            readers += [open_media(f.path_to_video) for f in result.followers]
            return export_synced_group(readers[0], readers[1:], tracks, out_path, flips, progress, cancel, **options)
        finally:
            for r in readers:
                r.close()

    return job
