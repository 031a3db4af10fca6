"""Where is this instant in the other videos, by motion: "best frame per view" for a video query. Headless.

A single frame's pose is often ambiguous across views; the motion around it rarely is. For a query pose in
a video (or keypoint track), each other video's frame is chosen by the sync window (align.moments: the
sync panel's windowed cost around the query frame and around each candidate frame), not by the query
frame alone. On the real 4-view footage this took 3D-judged Hit@1 from 68 % to 88 % (docs/results.md
section 7). The shown probability and confidence stay those of the chosen frame's own pose, so they
keep their calibration (the better of the pose and its mirror image, as the window chose per frame; a
mirrored one is marked like the mirror search's); `extra["motion_cost"]` holds the windowed cost.

Cost: a video pair's whole cost matrix is computed once (a few seconds for two 5,000-frame videos) and
every later query from the same video reads its table (MomentCache). Very long videos are scored in a
segment of the query video around the query frame (MAX_CELLS). Only the MOTION_MEDIA other videos whose
best single frame matches best are scored by motion; media without a timeline (image folders) and the
rest keep their best single frame (per_media_search_job). In a view with several tracked people each person is
followed along their own track and the best of them answers (the best person of each frame would jump
between people).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..align.moments import MomentTable, best_moments
from ..align.video_sync import SYNC_WINDOW_RATE, SYNC_WINDOW_TAPS, PoseSequence
from ..core.model_protocol import PoseModel
from ..core.poses import Embedding
from ..jobs import CancelCheck, Cancelled, Job, Progress
from .cross_view import per_media_search_job
from .people import TrackTable
from .person_search import MIN_TRACK_SHARE
from .search_jobs import IndexCache, ResultRow, SearchRequest
from .snapshot import LibrarySnapshot
from .sync_jobs import SYNCABLE_KINDS, library_sequence

#: at most this many other videos are scored by motion per query (the best by their best single frame)
MOTION_MEDIA = 12
#: the most (query frames x other frames) cells of one cost matrix (float32: 4 bytes each)
MAX_CELLS = 40_000_000
#: frames kept on each side of a segment's query frames so the window never reaches the segment's ends
_MARGIN = SYNC_WINDOW_TAPS // 2 * SYNC_WINDOW_RATE * 2

#: (library path, media id, track or None) -> (sequence, pose id of each frame)
Loader = Callable[[int, "int | None"], tuple[PoseSequence, np.ndarray]]


@dataclass(frozen=True)
class MotionMatch:
    """The other video's frames for a segment of the query video. start: the segment's first query frame;
    table: its MomentTable (row i = query frame start + i); pose_ids: (T,) the other video's pose per frame;
    mirrored: (T, D) the embeddings of its left/right-flipped poses (or None)."""

    start: int
    table: MomentTable
    pose_ids: np.ndarray
    mirrored: Embedding | None = None

    def covers(self, frame: int, n_frames: int) -> bool:
        """Whether `frame` lies in the segment with the window's margin (or the segment reaches that end)."""
        end = self.start + len(self.table.frames)
        low_ok = frame - self.start >= _MARGIN or self.start == 0
        high_ok = end - frame > _MARGIN or end >= n_frames
        return self.start <= frame < end and low_ok and high_ok


class MomentCache:
    """Motion tables and embedded sequences, least recently used dropped first; thread-safe."""

    def __init__(self, size: int = 64) -> None:
        self._lock = threading.Lock()
        self._size = size
        self._items: OrderedDict = OrderedDict()

    def find(self, key: tuple, test: Callable[[object], bool] = lambda v: True):
        with self._lock:
            for k in reversed(self._items):
                if k[:len(key)] == key and test(self._items[k]):
                    self._items.move_to_end(k)
                    return self._items[k]
        return None

    def put(self, key: tuple, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def segment(frame: int, n_frames: int, other_frames: int, max_cells: int = MAX_CELLS) -> tuple[int, int]:
    """The query video's frames [start, end) scored against an other video of `other_frames` frames: all of
    it when the cost matrix fits max_cells, else a segment centred on `frame` (at least 4 windows long)."""
    length = max(4 * _MARGIN, max_cells // max(other_frames, 1))
    if length >= n_frames:
        return 0, n_frames
    start = min(max(0, frame - length // 2), n_frames - length)
    return start, start + length


def _cut(seq: PoseSequence, start: int, end: int) -> PoseSequence:
    mirrored = None if seq.mirrored is None else seq.mirrored[start:end]
    xy = None if seq.xy is None else seq.xy[start:end]
    return replace(seq, embedding=seq.embedding[start:end], valid=np.asarray(seq.valid)[start:end],
                   mirrored=mirrored, xy=xy)


def motion_search_job(snapshot: LibrarySnapshot, model: PoseModel, cache: IndexCache, moments: MomentCache,
                      library_path: str, req: SearchRequest, tracks: TrackTable | None = None,
                      max_media: int = MOTION_MEDIA, max_cells: int = MAX_CELLS,
                      single_rows: list[ResultRow] | None = None) -> Job:
    """The best frame of each other media for the query pose, videos chosen by motion; returns
    list[ResultRow], one per media, best first (by the chosen frame's P). A query outside a video, or a
    library without its file, gets per_media_search_job's answer (single_rows: that answer, when the caller
    already has it). req.k is ignored."""
    single = per_media_search_job(snapshot, model, cache, req)

    def job(progress: Progress, cancel: CancelCheck) -> list[ResultRow]:
        row = snapshot.row_of(req.pose_id)
        rows = single(lambda *a: None, cancel) if single_rows is None else list(single_rows)
        own = snapshot.media_by_id.get(int(snapshot.media_ids[row])) if row >= 0 else None
        if not rows or own is None or not library_path or not _has_timeline(own):
            return rows
        track = None if tracks is None else int(tracks.track_of([req.pose_id])[0])
        track = None if track is None or track < 0 else track
        candidates = [r for r in rows if _has_timeline(snapshot.media_by_id.get(r.media_id))][:max_media]
        key = (library_path, snapshot.model_key)
        load = _loader(moments, key, library_path, model)
        frame = int(snapshot.frames[row])
        query = Embedding(snapshot.mean[row:row + 1], snapshot.stddev[row:row + 1])
        found: dict[int, ResultRow] = {}
        for i, r in enumerate(candidates):
            progress(i, len(candidates), f"matching motion in {snapshot.media_name(r.media_id)}")
            for person in people_of(snapshot, tracks, r.media_id):
                if cancel():
                    raise Cancelled()
                match = _match(moments, key, load, model, (own.media_id, track, r.media_id, person), frame, max_cells)
                best = _chosen(snapshot, model, query, match, frame, r, req.restrict_pose_ids)
                if best is not None and (r.media_id not in found or best.extra["motion_cost"]
                                         < found[r.media_id].extra["motion_cost"]):
                    found[r.media_id] = best
        progress(len(candidates), len(candidates), "done")
        out = [found.get(r.media_id, r) for r in rows]
        return sorted(out, key=lambda r: -r.probability)
    return job


def _has_timeline(media) -> bool:
    return media is not None and media.kind in SYNCABLE_KINDS and media.fps > 0 and media.status != "error"


def _loader(moments: MomentCache, key: tuple, library_path: str, model: PoseModel) -> Loader:
    def load(media_id: int, track: int | None) -> tuple[PoseSequence, np.ndarray]:
        seq_key = key + ("sequence", media_id, track)
        hit = moments.find(seq_key)
        if hit is None:
            hit = library_sequence(library_path, media_id, model, track)
            moments.put(seq_key, hit)
        return hit
    return load


def people_of(snapshot: LibrarySnapshot, tracks: TrackTable | None, media_id: int) -> list[int | None]:
    """The person tracks of a media followed one by one (those with at least MIN_TRACK_SHARE of the longest
    track's poses, as the per-person search), or [None], the best person of each frame, when it has none."""
    if tracks is None:
        return [None]
    found = tracks.tracks_in(media_id)
    if not found:
        return [None]
    longest = found[0][1]
    return [t for t, n in found if n >= MIN_TRACK_SHARE * longest]


def _match(moments: MomentCache, key: tuple, load: Loader, model: PoseModel,
           pair: tuple[int, int | None, int, int | None], frame: int, max_cells: int) -> MotionMatch:
    """The cached motion table of pair = (query video, its track, other video, its track; None: the best
    person of each frame) that covers `frame`, computed when missing."""
    media_a, track, media_b, track_b = pair
    ref, _ = load(media_a, track)
    pair_key = key + ("motion", media_a, track, media_b, track_b)
    hit = moments.find(pair_key, lambda m: m.covers(frame, ref.n_frames))
    if hit is not None:
        return hit
    other, pose_ids = load(media_b, track_b)
    start, end = segment(frame, ref.n_frames, other.n_frames, max_cells)
    reference = ref if (start, end) == (0, ref.n_frames) else _cut(ref, start, end)
    match = MotionMatch(start, best_moments(reference, other, model), pose_ids, other.mirrored)
    moments.put(pair_key + (start,), match)
    return match


def _chosen(snapshot: LibrarySnapshot, model: PoseModel, query: Embedding, match: MotionMatch, frame: int,
            single: ResultRow, allowed: np.ndarray | None = None) -> ResultRow | None:
    """The result row for the other video's best frame by motion whose pose is in the snapshot (and among
    `allowed` pose ids when given: the scatter's selection); None when none of its best frames is."""
    i = frame - match.start
    if not 0 <= i < len(match.table.frames):
        return None
    for f, cost in zip(match.table.frames[i].tolist(), match.table.cost[i].tolist()):
        pose_id = int(match.pose_ids[f]) if f >= 0 else -1
        r = snapshot.row_of(pose_id) if pose_id >= 0 else -1
        if r >= 0 and (allowed is None or np.isin(pose_id, allowed)):
            break
    else:
        return None
    extra = {"motion_cost": float(cost)}
    if pose_id == single.pose_id:
        return replace(single, extra={**single.extra, **extra})
    p = float(model.matching_probability(query, Embedding(snapshot.mean[r:r + 1], snapshot.stddev[r:r + 1]))[0, 0])
    mirrored = False
    if match.mirrored is not None:   # the window chose the pose or its mirror image per frame: so does P
        p_m = float(model.matching_probability(query, match.mirrored[f:f + 1])[0, 0])
        mirrored, p = p_m > p, max(p, p_m)
    calibration = getattr(model, "calibration", None)
    conf = float(model.confidence(p)) if calibration is not None and calibration.fitted else None
    return ResultRow(pose_id, int(snapshot.media_ids[r]), int(snapshot.frames[r]), p, mirrored, extra=extra,
                     confidence=conf)
