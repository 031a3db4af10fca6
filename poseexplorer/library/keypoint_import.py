"""A keypoint file's poses stored in the library in batches, with progress and cancel.

A file of a million poses takes minutes to store and embed; every batch reports, so the import shows
progress from its first second, and cancel() stops between batches (what is stored stays: the next run
of the same file goes on, as frames already stored are kept).
"""
from __future__ import annotations

import numpy as np

from ..detect.base import Detection
from ..io.keypoint_files import KeypointTrack
from ..jobs import CancelCheck, Cancelled, Progress, never_cancel, no_progress
from .people import add_tracked_people, update_tracks
from .store import Library

BATCH = 5_000


def store_track(lib: Library, media_id: int, track: KeypointTrack, label: str = "",
                progress: Progress = no_progress, cancel: CancelCheck = never_cancel) -> None:
    """Store every row of `track` as the detections of media_id; progress(rows done, rows, message)."""
    n, has = len(track), track.has_pose
    detections: list[Detection | None] = []
    for start in range(0, n, BATCH):
        if cancel():
            raise Cancelled(f"import of {label or 'a keypoint file'} cancelled after {start:,} of {n:,} rows")
        rows = [(int(track.frame_index[k]), Detection.from_coco13(track.xy[k], track.scores[k]) if has[k] else None)
                for k in range(start, min(start + BATCH, n))]
        if track.several_people:
            detections.extend(d for _f, d in rows)   # stored at once below, with their track ids
        else:
            lib.add_detections(media_id, rows)
        progress(min(start + BATCH, n), n, f"storing {label}: {min(start + BATCH, n):,} of {n:,} poses")
    if track.several_people:
        add_tracked_people(lib, media_id, track.frame_index, track.track, detections)
        with_people = track.frame_index[has]
        if (track.track < 0).all() and len(np.unique(with_people)) < len(with_people):
            update_tracks(lib, media_id)     # several people but no identities: our tracker's
