"""Several people per frame in the application: which library pose belongs to which person track, the people
of one frame, and which person a click lands on. Headless: numpy over a LibrarySnapshot and a TrackTable.

    tracks = tracks_job(library_path)(progress, cancel)     # TrackTable of the whole library
    people = frame_people(snapshot, tracks, media_id, frame)   # FramePeople, best person first
    k = person_at(people.xy, people.scores, (x, y))           # index of the person clicked, -1 for nobody
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.poses import check_shape
from ..jobs import CancelCheck, Job, Progress
from .snapshot import LibrarySnapshot


@dataclass(frozen=True)
class TrackTable:
    """The library's tracked poses (a pose of a single-person media is untracked and not listed).

    pose_ids: (M,) int64 ascending; media_ids, track: (M,) int64 (track >= 0; ids are per media).
    """

    pose_ids: np.ndarray
    media_ids: np.ndarray
    track: np.ndarray

    def __post_init__(self) -> None:
        m = len(self.pose_ids)
        for name in ("pose_ids", "media_ids", "track"):
            check_shape(f"TrackTable.{name}", getattr(self, name), (m,))
        if m > 1 and not np.all(np.diff(self.pose_ids) > 0):
            raise ValueError("TrackTable.pose_ids must be strictly ascending")

    @staticmethod
    def empty() -> "TrackTable":
        z = np.zeros(0, np.int64)
        return TrackTable(z, z, z)

    def __len__(self) -> int:
        return len(self.pose_ids)

    def track_of(self, pose_ids: np.ndarray) -> np.ndarray:
        """(N,) int64 track of each pose id, -1 where untracked or unknown."""
        ids = np.asarray(pose_ids, np.int64).reshape(-1)
        if not len(self):
            return np.full(len(ids), -1, np.int64)
        pos = np.minimum(np.searchsorted(self.pose_ids, ids), len(self) - 1)
        return np.where(self.pose_ids[pos] == ids, self.track[pos], -1).astype(np.int64)

    def tracks_in(self, media_id: int) -> list[tuple[int, int]]:
        """(track, number of poses) of one media, the longest track first (then by track id)."""
        ids, counts = np.unique(self.track[self.media_ids == int(media_id)], return_counts=True)
        order = np.lexsort((ids, -counts))
        return [(int(ids[i]), int(counts[i])) for i in order]


def load_tracks(library_path: str) -> TrackTable:
    """The TrackTable of a library file."""
    from ..library import Library
    from ..library.people import tracked_poses

    with Library.open(library_path) as lib:
        return TrackTable(*tracked_poses(lib))


def tracks_job(library_path: str) -> Job:
    """Read the library's person tracks (cheap: an index scan); returns a TrackTable."""
    def job(progress: Progress, cancel: CancelCheck) -> TrackTable:
        progress(0, 1, "person tracks")
        table = load_tracks(library_path)
        progress(1, 1, f"{len(table)} tracked poses")
        return table
    return job


@dataclass(frozen=True)
class FramePeople:
    """The people of one frame, in person order (the best person first).

    pose_ids, track: (P,) int64 (track -1 = untracked); xy: (P, 13, 2) float32 px; scores: (P, 13) float32.
    """

    pose_ids: np.ndarray
    track: np.ndarray
    xy: np.ndarray
    scores: np.ndarray

    def __post_init__(self) -> None:
        p = len(self.pose_ids)
        check_shape("FramePeople.track", self.track, (p,))
        check_shape("FramePeople.xy", self.xy, (p, 13, 2))
        check_shape("FramePeople.scores", self.scores, (p, 13))

    def __len__(self) -> int:
        return len(self.pose_ids)

    def index_of(self, pose_id: int) -> int:
        """Position of a pose among these people, -1 when it is not one of them."""
        hit = np.flatnonzero(self.pose_ids == int(pose_id))
        return int(hit[0]) if len(hit) else -1


def frame_rows(snapshot: LibrarySnapshot, media_id: int, frame: int) -> np.ndarray:
    """Snapshot rows of every person of one frame, by pose id (the library stores the best person first)."""
    frames, rows = snapshot._media_frames(media_id)   # cached per media: a binary search per frame
    lo, hi = np.searchsorted(frames, int(frame), "left"), np.searchsorted(frames, int(frame), "right")
    found = rows[lo:hi]
    return found[np.argsort(np.asarray(snapshot.pose_ids[found]), kind="stable")]


def frame_people(snapshot: LibrarySnapshot, tracks: TrackTable, media_id: int, frame: int) -> FramePeople:
    """Every person of one frame with its track."""
    rows = frame_rows(snapshot, media_id, frame)
    ids = np.asarray(snapshot.pose_ids[rows], np.int64)
    return FramePeople(ids, tracks.track_of(ids), np.asarray(snapshot.xy[rows], np.float32).reshape(-1, 13, 2),
                       np.asarray(snapshot.scores[rows], np.float32).reshape(-1, 13))


def pose_of_track(snapshot: LibrarySnapshot, tracks: TrackTable, media_id: int, frame: int, track: int) -> int:
    """The pose id of one person track in a frame, -1 when that person is not in it."""
    rows = frame_rows(snapshot, media_id, frame)
    ids = np.asarray(snapshot.pose_ids[rows], np.int64)
    hit = ids[tracks.track_of(ids) == int(track)]
    return int(hit[0]) if len(hit) else -1


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Distance from point p to the segment a-b (all (2,))."""
    ab = b - a
    t = 0.0 if not ab.any() else float(np.clip(np.dot(p - a, ab) / np.dot(ab, ab), 0.0, 1.0))
    return float(np.linalg.norm(p - (a + t * ab)))


def person_at(xy: np.ndarray, scores: np.ndarray, point, min_visibility: float = 0.5, reach: float = 0.25,
              min_reach_px: float = 8.0) -> int:
    """Index of the person a click at `point` (2,) lands on, -1 for nobody.

    xy: (P, 13, 2) px, scores: (P, 13). A person is hit when the point is inside the box of its visible
    joints (every finite joint when none is visible) grown by `reach` times the box's larger side (at least
    min_reach_px); of several, the one whose bones (or joints) pass nearest the point wins.
    """
    from ..core.skeleton import COCO13_BONES

    p = np.asarray(point, np.float64).reshape(2)
    best, best_d = -1, np.inf
    for k in range(len(xy)):
        pts = np.asarray(xy[k], np.float64)
        use = np.isfinite(pts).all(axis=1) & (np.asarray(scores[k]) >= min_visibility)
        if not use.any():
            use = np.isfinite(pts).all(axis=1)
        if not use.any():
            continue
        lo, hi = pts[use].min(axis=0), pts[use].max(axis=0)
        pad = max(reach * float((hi - lo).max()), min_reach_px)
        if not (np.all(p >= lo - pad) and np.all(p <= hi + pad)):
            continue
        d = min([_segment_distance(p, pts[a], pts[b]) for a, b in COCO13_BONES if use[a] and use[b]]
                + [float(np.linalg.norm(pts[j] - p)) for j in np.flatnonzero(use)])
        if d < best_d:
            best, best_d = k, d
    return best
