"""The persistent pose library: one SQLite file (WAL) with media, detections, embeddings, user data.

    lib = Library.open(path, create=True)     # LibraryError on a corrupt/foreign file (never overwritten)
    lib.path; lib.close()                     # also a context manager
    lib.media() -> list[MediaInfo]            # MediaInfo (frozen): id, path, name, kind
                                              #   ("video"|"images"|"keypoints"), fps, width, height, frames,
                                              #   status ("pending"|"indexing"|"done"|"error"|"cancelled"),
                                              #   error (str|None), n_poses, content_hash
    lib.frames(media_id) -> FrameTable        # every processed frame, ordered by frame_index:
                                              #   frame_index (T,) int64; pose_id (T,) int64, -1 = no person;
                                              #   xy (T,13,2) float32 px; scores (T,13) float32;
                                              #   world (T,33,3) float32 metres, NaN when absent;
                                              #   landmarks (T,33,3) float32: x px, y px, visibility
                                              #   (rows without a person are NaN / score 0)
    lib.poses(media_ids=None) -> PoseTable    # only frames with a person, ordered by pose_id:
                                              #   pose_id (N,), media_id (N,), frame_index (N,) int64;
                                              #   xy (N,13,2) float32; scores (N,13) float32
    lib.world_landmarks(pose_ids) -> (N,33,3) float32 (NaN rows where absent)
    lib.embeddings(model_key, pose_ids=None) -> (pose_ids (N,) int64, core.Embedding)
                                              # only poses that have an embedding for model_key, in the
                                              # order of pose_ids (ascending pose_id when None)
    lib.ensure_embeddings(model, progress, cancel) -> int   # embeds poses missing for model.sha256
    lib.models() -> list[ModelInfo]           # key (sha256), name, dim, n_embeddings
    lib.remove_media(media_id)
    lib.set_tags(media_id, tags); lib.tags(media_id) -> list[str]; lib.all_tags() -> dict[int, list[str]]
    lib.save_sync_pair(media_a, media_b, path (L,2), name="") -> int; lib.sync_pairs() -> list[SyncPair]
    lib.delete_sync_pair(pair_id)

Indexing (decode + detect in worker processes, batched commits, resumable):

    from poseexplorer.library.indexer import index_paths
    report = index_paths(library_path, paths, model=None, workers=1, progress=..., cancel=...)
    report.files -> list[FileReport(path, ok, message, n_frames, n_poses, media_id)]
    # paths: videos, image files, image folders, folders of videos (expanded, not recursive), COCO /
    # OpenPose JSON, keypoint CSV / NPZ. cancel() -> raises IndexCancelled (a jobs.Cancelled with .report)
    # after saving; the next run resumes. Bad files get ok=False and a message; the batch goes on.

default_library_path() -> Path: $POSEEXPLORER_DATA_DIR/poses.sqlite, else
$XDG_DATA_HOME/poseexplorer/poses.sqlite (~/.local/share/...).
"""
from __future__ import annotations

from .store import Library, LibraryError, default_library_path
from .tables import FileReport, FrameTable, IndexReport, MediaInfo, ModelInfo, PoseTable, SyncPair

__all__ = ["Library", "LibraryError", "default_library_path", "MediaInfo", "FrameTable", "PoseTable",
           "ModelInfo", "SyncPair", "IndexReport", "FileReport"]
