"""A COCO-13 keypoint track read from another detector's file (KeypointTrack) and the checks every reader
shares: frame numbers, image size, frame rate, person and track ids. numpy only."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import MediaError

MAX_FRAME_INDEX = 100_000_000   # about 19 days at 60 fps; larger frame numbers are refused as garbage
MAX_SIDE = 1 << 20              # largest accepted image width / height in pixels


def frame_numbers(path: Path, values, unique: bool = True) -> np.ndarray:
    """(T,) int64 frame numbers, checked: finite whole numbers in [0, MAX_FRAME_INDEX), no repeats (unless
    not `unique`: several people per frame)."""
    try:
        arr = np.asarray([float(v) for v in values], np.float64)
    except (TypeError, ValueError) as exc:
        raise MediaError(f"{path}: a frame number is not a number ({exc})") from None
    bad = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)) | (arr < 0) | (arr >= MAX_FRAME_INDEX))
    if len(bad):
        raise MediaError(f"{path}: frame number {values[bad[0]]!r} (entry {bad[0] + 1}) is not a whole number "
                         f"from 0 to {MAX_FRAME_INDEX - 1}")
    frames = arr.astype(np.int64)
    uniq, counts = np.unique(frames, return_counts=True)
    if unique and len(uniq) < len(frames):
        raise MediaError(f"{path}: frame {int(uniq[counts > 1][0])} appears {int(counts.max())} times; "
                         "each frame may appear once (several people per frame need a person or track column)")
    return frames


def _image_size(path: Path, width, height) -> tuple[int, int]:
    """(width, height) checked to be whole numbers in 1..MAX_SIDE."""
    try:
        w, h = float(width), float(height)
    except (TypeError, ValueError):
        raise MediaError(f"{path}: image size {width!r} x {height!r} is not a pair of numbers") from None
    if not all(np.isfinite(v) and v == round(v) and 1 <= v <= MAX_SIDE for v in (w, h)):
        raise MediaError(f"{path}: image size {width!r} x {height!r} is not a valid size (1 to {MAX_SIDE} pixels)")
    return int(w), int(h)


def _frame_rate(path: Path, value) -> float:
    """A scalar fps; 0.0 (unknown) when NaN, infinite or not positive."""
    arr = np.asarray(value)
    if arr.shape != () or arr.dtype.kind not in "iuf":
        raise MediaError(f"{path}: 'fps' must be one number, got an array of shape {arr.shape} ({arr.dtype})")
    fps = float(arr)
    return fps if np.isfinite(fps) and fps > 0 else 0.0


@dataclass(frozen=True)
class KeypointTrack:
    """COCO-13 keypoints per frame from a file.

    frame_index: (T,) int64 ascending; xy: (T, 13, 2) float32 pixels (a row of NaN = no person);
    scores: (T, 13) float32 in [0, 1]; fps: float (0 when unknown); size: (width, height) or None; source:
    the format read ("coco", "openpose", "csv", "npz", "export").
    Several people per frame: person (T,) int64 rank within the frame (rows ordered by frame, then person)
    and track (T,) int64 identity across frames (-1 = none); both None for one person per frame.
    """

    frame_index: np.ndarray
    xy: np.ndarray
    scores: np.ndarray
    fps: float = 0.0
    size: tuple[int, int] | None = None
    source: str = ""
    person: np.ndarray | None = None
    track: np.ndarray | None = None

    def __post_init__(self) -> None:
        t = len(self.frame_index)
        if np.shape(self.frame_index) != (t,) or np.shape(self.xy) != (t, 13, 2) or np.shape(self.scores) != (t, 13):
            raise ValueError(f"KeypointTrack: frame_index {np.shape(self.frame_index)}, xy {np.shape(self.xy)}, "
                             f"scores {np.shape(self.scores)}; want (T,), (T, 13, 2), (T, 13)")
        if (self.person is None) != (self.track is None):
            raise ValueError("KeypointTrack: person and track are given together (several people) or not at all")
        for name in ("person", "track"):
            if getattr(self, name) is not None and np.shape(getattr(self, name)) != (t,):
                raise ValueError(f"KeypointTrack.{name} must have shape ({t},), got {np.shape(getattr(self, name))}")

    @property
    def several_people(self) -> bool:
        """Whether the file gave people (ranks and tracks) rather than one person per frame."""
        return self.person is not None

    def __len__(self) -> int:
        return len(self.frame_index)

    @property
    def has_pose(self) -> np.ndarray:
        """(T,) bool: frames with at least one finite keypoint."""
        return np.isfinite(self.xy).all(axis=2).any(axis=1)


def _track(path: Path, frames: list, xy: list, scores: list, source: str, person=None, track=None,
           **kw) -> KeypointTrack:
    """A KeypointTrack ordered by frame; with person and/or track ids (several people), by frame then person."""
    several = person is not None or track is not None
    index = frame_numbers(path, list(frames), unique=not several)
    xy_arr = np.asarray(xy, np.float32).reshape(-1, 13, 2)
    sc_arr = np.asarray(scores, np.float32).reshape(-1, 13)
    if not len(index) == len(xy_arr) == len(sc_arr):
        raise MediaError(f"{path}: {len(index)} frame numbers for {len(xy_arr)} poses; they must match")
    if not several:
        order = np.argsort(index, kind="stable")
        return KeypointTrack(index[order], xy_arr[order], np.clip(np.nan_to_num(sc_arr[order]), 0, 1),
                             source=source, **kw)
    track_arr = _ids(path, "track", track, len(index), missing=-1)
    person_arr = _ids(path, "person", person, len(index), missing=-1)
    if person is None or (person_arr < 0).any():       # no rank given: the file's order within each frame
        person_arr = _rank_in_frame(index)
    order = np.lexsort((person_arr, index))
    index, person_arr = index[order], person_arr[order]
    same = np.flatnonzero((np.diff(index) == 0) & (np.diff(person_arr) == 0))
    if len(same):
        raise MediaError(f"{path}: person {person_arr[same[0]]} appears twice in frame {index[same[0]]}")
    return KeypointTrack(index, xy_arr[order], np.clip(np.nan_to_num(sc_arr[order]), 0, 1), source=source,
                         person=person_arr, track=track_arr[order], **kw)


def _ids(path: Path, name: str, values, n: int, missing: int) -> np.ndarray:
    """(n,) int64 person or track ids from a column (None: all `missing`); empty, NaN or negative -> missing."""
    if values is None:
        return np.full(n, missing, np.int64)
    try:
        arr = np.asarray([np.nan if v in (None, "") else float(v) for v in values], np.float64)
    except (TypeError, ValueError):
        raise MediaError(f"{path}: a {name} id is not a number") from None
    if len(arr) != n:
        raise MediaError(f"{path}: {len(arr)} {name} ids for {n} poses; they must match")
    bad = np.isfinite(arr) & ((arr != np.round(arr)) | (arr >= MAX_FRAME_INDEX))
    if bad.any():
        raise MediaError(f"{path}: {name} id {values[int(np.flatnonzero(bad)[0])]!r} is not a whole number")
    return np.where(np.isfinite(arr) & (arr >= 0), arr, missing).astype(np.int64)


def _rank_in_frame(index: np.ndarray) -> np.ndarray:
    """(T,) rank of each row among the rows of its frame, in file order."""
    order = np.argsort(index, kind="stable")
    rank = np.zeros(len(index), np.int64)
    sorted_index = index[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_index)) + 1]
    run = np.arange(len(index)) - np.repeat(starts, np.diff(np.r_[starts, len(index)]))
    rank[order] = run
    return rank
