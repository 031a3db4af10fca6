"""Several people per frame in the library: storing them, their person tracks, and reading them back.

Each detections row is one person of one frame (person 0, 1, ... best first); a frame with nobody keeps
one row with person 0 and no keypoints. `track` is the person's identity across the media's frames
(NULL = not tracked, read back as -1). Library.frames() keeps giving person 0 per frame (the
single-person view); these functions give every person.

    add_people(lib, media_id, [(frame, [Detection, ...]), ...])   # [] = nobody in that frame
    add_tracked_people(lib, media_id, frame_index, track, detections)   # people with known tracks
    table = people(lib, media_id)          # PersonTable: every person row with keypoints
    update_tracks(lib, media_id)           # assign identities over the stored frames (detect.tracking)
    frames = track_frames(lib, media_id, track)   # FrameTable of one person (pose_id -1 where absent)
    rows, person, track = all_rows(lib, media_id)  # FrameTable with a row per person (exports)
    track_of(lib, pose_ids) -> (N,) int64
    ids, media, track = tracked_poses(lib)  # every tracked pose of the library
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..core.poses import check_shape
from . import blobs
from .store import Library
from .tables import FrameTable


@dataclass(frozen=True)
class PersonTable:
    """Every detected person of one media, ordered by (frame_index, person).

    pose_id, frame_index, person, track: (N,) int64 (track -1 = not tracked); xy: (N, 13, 2) float32 px;
    scores: (N, 13) float32.
    """

    pose_id: np.ndarray
    frame_index: np.ndarray
    person: np.ndarray
    track: np.ndarray
    xy: np.ndarray
    scores: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.pose_id)
        for name in ("frame_index", "person", "track"):
            check_shape(f"PersonTable.{name}", getattr(self, name), (n,))
        check_shape("PersonTable.xy", self.xy, (n, 13, 2))
        check_shape("PersonTable.scores", self.scores, (n, 13))

    def __len__(self) -> int:
        return len(self.pose_id)


def people_rows(media_id: int, rows: Sequence[tuple[int, object]]) -> list[tuple]:
    """(frame, Detection | None | [Detection, ...]) -> detections rows (media, frame, person, xy, scores,
    landmarks, world); nobody in a frame -> one row of person 0 without keypoints."""
    out = []
    for f, found in rows:
        found = [] if found is None else ([found] if not isinstance(found, (list, tuple)) else list(found))
        for k, det in enumerate(found or [None]):
            out.append((int(media_id), int(f), k, *blobs.detection_to_blobs(det)))
    return out


def add_people(lib: Library, media_id: int, rows: Sequence[tuple[int, object]]) -> int:
    """Store frames of several people each in one transaction (frames already stored are kept);
    returns the number of rows inserted."""
    values = people_rows(media_id, rows)
    with lib._tx() as c:
        before = c.total_changes
        c.executemany("INSERT OR IGNORE INTO detections(media_id, frame_index, person, xy, scores, landmarks, world)"
                      " VALUES (?,?,?,?,?,?,?)", values)
        return c.total_changes - before


def add_tracked_people(lib: Library, media_id: int, frame_index: np.ndarray, track: np.ndarray,
                       detections: Sequence[object]) -> int:
    """Store people that come with their track ids (a keypoint file): rows ordered by frame, then person;
    frame_index, track: (T,) (track -1 = none); detections: (T,) Detection or None (nobody in that frame).
    Frames already stored are kept. Returns the number of rows inserted."""
    by_frame: dict[int, list[tuple[object, int]]] = {}
    for f, t, det in zip(np.asarray(frame_index).tolist(), np.asarray(track).tolist(), detections):
        found = by_frame.setdefault(int(f), [])
        if det is not None:
            found.append((det, int(t)))
    inserted = add_people(lib, media_id, [(f, [d for d, _ in found]) for f, found in by_frame.items()])
    wanted = {(f, k): t for f, found in by_frame.items() for k, (_, t) in enumerate(found)}
    table = people(lib, media_id)
    set_tracks(lib, table.pose_id, [wanted.get((int(f), int(p)), -1) for f, p in zip(table.frame_index, table.person)])
    return inserted


def people(lib: Library, media_id: int) -> PersonTable:
    """Every person with keypoints in one media (see PersonTable)."""
    rows = lib._query("SELECT id, media_id, frame_index, xy, scores, person, COALESCE(track, -1) FROM detections "
                      "WHERE media_id = ? AND xy IS NOT NULL ORDER BY frame_index, person", (media_id,))
    poses = blobs.pose_table([r[:5] for r in rows])
    ints = np.array([r[5:] for r in rows], np.int64).reshape(len(rows), 2)
    return PersonTable(poses.pose_id, poses.frame_index, ints[:, 0].copy(), ints[:, 1].copy(), poses.xy, poses.scores)


def set_tracks(lib: Library, pose_ids: Sequence[int], tracks: Sequence[int]) -> None:
    """Store a track id per pose (-1 or None clears it)."""
    values = [(None if t is None or int(t) < 0 else int(t), int(p)) for p, t in zip(pose_ids, tracks)]
    with lib._tx() as c:
        c.executemany("UPDATE detections SET track = ? WHERE id = ?", values)


def update_tracks(lib: Library, media_id: int) -> int:
    """Assign person tracks over every stored frame of a media; returns the number of tracks."""
    from ..detect.tracking import assign_tracks

    table = people(lib, media_id)
    if not len(table):
        return 0
    track = assign_tracks(table.frame_index, table.xy, table.scores)
    set_tracks(lib, table.pose_id, track)
    return int(track.max()) + 1


def track_of(lib: Library, pose_ids: Sequence[int]) -> np.ndarray:
    """(N,) int64 track of each pose, -1 when untracked or unknown."""
    ids = np.asarray(pose_ids, np.int64).reshape(-1)
    rows = lib._rows_for_ids("SELECT id, COALESCE(track, -1) FROM detections", "id", ids)
    found = dict(rows)
    return np.array([found.get(int(i), -1) for i in ids], np.int64)


def track_frames(lib: Library, media_id: int, track: int) -> FrameTable:
    """Every processed frame of a media with the pose of one person track (pose_id -1 where that person
    is absent), ordered by frame_index: the single-person view of one person."""
    rows = lib._query("SELECT frame_index, id, xy, scores, landmarks, world, COALESCE(track, -1) = ? "
                      "FROM detections WHERE media_id = ? ORDER BY frame_index, person", (int(track), media_id))
    by_frame: dict[int, tuple] = {}
    for r in rows:
        if r[6] or int(r[0]) not in by_frame:
            by_frame[int(r[0])] = r[:6] if r[6] else (r[0], r[1], None, None, None, None)
    return blobs.frame_table([by_frame[f] for f in sorted(by_frame)])


def all_rows(lib: Library, media_id: int) -> tuple[FrameTable, np.ndarray, np.ndarray]:
    """(FrameTable with one row per person and one per empty frame, ordered by (frame_index, person);
    person (T,) int64; track (T,) int64, -1 when untracked)."""
    rows = lib._query("SELECT frame_index, id, xy, scores, landmarks, world, person, COALESCE(track, -1) "
                      "FROM detections WHERE media_id = ? ORDER BY frame_index, person", (media_id,))
    ints = np.array([r[6:] for r in rows], np.int64).reshape(len(rows), 2)
    return blobs.frame_table([r[:6] for r in rows]), ints[:, 0].copy(), ints[:, 1].copy()


def tracked_poses(lib: Library) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pose_id, media_id, track) of every tracked pose, each (M,) int64, ordered by pose_id. Read from the
    (media_id, track) index alone, so a large single-person library answers at once."""
    rows = lib._query("SELECT id, media_id, track FROM detections WHERE track IS NOT NULL")
    arr = np.array(rows, np.int64).reshape(len(rows), 3)
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    return arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()
