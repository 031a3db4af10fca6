"""Keypoints from other detectors, as COCO-13 tracks (the method does not depend on one detector).

Readers (read_keypoint_file picks one from the path and content):
- COCO keypoint JSON: a dataset file ({"images", "annotations"}; visibility v > 0 -> score 1) or a
  results list ([{"image_id", "keypoints", "score"}]; the third value is the confidence). Images become
  frames in natural order of file_name (of image_id for results); the person with most visible
  keypoints (then largest box) is kept per image.
- OpenPose JSON: one file per frame ({"people": [{"pose_keypoints_2d": [...]}]}), BODY_25 or COCO-18
  layout; give the file or the folder of them. Frame index = the last number in the file name (or
  the position). The person with the highest mean confidence is kept; (0, 0, 0) is a missing point.
- CSV (documented format, also what `poseexplorer export --format csv` writes): a header row, then one
  row per frame (per person and frame with several people). Columns: `frame` (optional; row number when
  absent) and, for each COCO-13 joint name J in core.skeleton.COCO13_NAMES order, `J_x`, `J_y` (pixels)
  and `J_score` ([0, 1]). Empty or NaN cells mean a missing point; a row with no point is a frame without
  a person. Several people: a `person` column (rank in the frame, 0 = best) and/or a `track` (or `id`)
  column (identity across frames; empty or -1 = none); a frame may then have several rows. Other
  columns are ignored.
- NPZ: arrays `xy` (T, 13, 2) float pixels and `scores` (T, 13); optional `frame_index` (T,) int,
  `fps` () float, `size` (2,) int = (width, height), `person` (T,) and `track` (T,) int (several people, as
  for CSV). NaN xy rows = no person.
- Our own JSON export (`poseexplorer export --format json`: {"frames": [{"frame", "person", "track",
  "keypoints"}], "media": {"fps", "width", "height"}}).
So an export of several people re-imports with its people and tracks.
"""
from __future__ import annotations

import csv
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.skeleton import COCO13_NAMES
from ..jobs import Progress, no_progress
from .errors import MediaError
from .images import natural_key

COCO17_TO_COCO13 = (0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
OPENPOSE_BODY25_TO_COCO13 = (0, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11)
OPENPOSE_COCO18_TO_COCO13 = (0, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10)
MAX_FRAME_INDEX = 100_000_000   # about 19 days at 60 fps; larger frame numbers are refused as garbage
MAX_SIDE = 1 << 20              # largest accepted image width / height in pixels
PROGRESS_ROWS = 5_000           # a CSV reports its progress every this many rows


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


def _points(flat: list, mapping: tuple[int, ...], missing_zero: bool) -> tuple[np.ndarray, np.ndarray]:
    """(13, 2) xy and (13,) score from a flat [x, y, c, ...] list; (0, 0, 0) points become NaN / 0."""
    arr = np.asarray(flat, np.float32).reshape(-1, 3)[list(mapping)]
    xy, sc = arr[:, :2].copy(), arr[:, 2].copy()
    gone = (arr == 0).all(axis=1) if missing_zero else np.zeros(13, bool)
    xy[gone] = np.nan
    sc[gone] = 0
    return xy, sc


def _load_json(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MediaError(f"{path}: not a readable JSON keypoint file ({exc})") from exc
    except RecursionError:
        raise MediaError(f"{path}: the JSON is nested too deeply to be a keypoint file") from None


def _read_coco(path: Path, data) -> KeypointTrack:
    entries = data.get("annotations", []) if isinstance(data, dict) else data
    if not isinstance(entries, list) or not all(isinstance(a, dict) for a in entries):
        raise MediaError(f"{path}: COCO annotations must be a list of objects")
    no_id = next((k for k, a in enumerate(entries) if "image_id" not in a), None)
    if no_id is not None:
        raise MediaError(f"{path}: COCO annotation {no_id + 1} has no 'image_id'")
    if isinstance(data, dict) and not (isinstance(data.get("images", []), list)
                                       and all(isinstance(im, dict) and "id" in im for im in data.get("images", []))):
        raise MediaError(f"{path}: COCO 'images' must be a list of objects with an 'id'")
    if isinstance(data, dict):
        images = sorted(data.get("images", []), key=lambda im: natural_key(str(im.get("file_name", im.get("id")))))
        anns, conf = data.get("annotations", []), False
    else:
        ids = sorted({a["image_id"] for a in data}, key=lambda i: natural_key(str(i)))
        images, anns, conf = [{"id": i} for i in ids], data, True
    best: dict = {}
    for a in anns:
        kp = a.get("keypoints")
        if not kp or len(kp) != 51:
            continue
        try:
            vis = int(np.count_nonzero(np.asarray(kp[2::3], float) > 0))
            np.asarray(kp, np.float32)
        except (TypeError, ValueError):
            raise MediaError(f"{path}: keypoints of image {a['image_id']!r} are not numbers") from None
        box = a.get("bbox", [0, 0, 0, 0])
        rank = (vis, a.get("score", 0.0), box[2] * box[3] if len(box) == 4 else 0)
        if a["image_id"] not in best or rank > best[a["image_id"]][0]:
            best[a["image_id"]] = (rank, kp)
    frames, xy, scores = [], [], []
    for i, im in enumerate(images):
        frames.append(i)
        if im["id"] in best:
            p, s = _points(best[im["id"]][1], COCO17_TO_COCO13, missing_zero=True)
            xy.append(p); scores.append(s if conf else (s > 0).astype(np.float32))
        else:
            xy.append(np.full((13, 2), np.nan)); scores.append(np.zeros(13))
    size = _image_size(path, images[0]["width"], images[0].get("height")) if images and "width" in images[0] else None
    if not frames:
        raise MediaError(f"{path}: the COCO file holds no images or keypoint annotations")
    return _track(path, frames, xy, scores, "coco", size=size)


def _openpose_person(path: Path, data) -> tuple[np.ndarray, np.ndarray]:
    best = (None, -1.0)
    people = data.get("people", [])
    if not isinstance(people, list) or not all(isinstance(p, dict) for p in people):
        raise MediaError(f"{path}: OpenPose 'people' must be a list of objects, got {type(people).__name__}")
    for person in people:
        flat = person.get("pose_keypoints_2d") or []
        if not isinstance(flat, list) or len(flat) not in (75, 54):
            raise MediaError(f"{path}: OpenPose pose_keypoints_2d has {len(flat) // 3} points; "
                             "expected 25 (BODY_25) or 18 (COCO)")
        mapping = OPENPOSE_BODY25_TO_COCO13 if len(flat) == 75 else OPENPOSE_COCO18_TO_COCO13
        xy, sc = _points(flat, mapping, missing_zero=True)
        if sc.mean() > best[1]:
            best = ((xy, sc), float(sc.mean()))
    if best[0] is None:
        return np.full((13, 2), np.nan, np.float32), np.zeros(13, np.float32)
    return best[0]


def _read_openpose(files: list[Path]) -> KeypointTrack:
    numbers = [re.findall(r"\d+", f.stem) for f in files]
    last = [int(n[-1]) if n else -1 for n in numbers]
    use_names = min(last) >= 0 and len(set(last)) == len(last)
    frames, xy, scores = [], [], []
    for i, f in enumerate(files):
        data = _load_json(f)
        if not isinstance(data, dict) or "people" not in data:
            raise MediaError(f"{f}: not an OpenPose JSON file (no 'people' list)")
        p, s = _openpose_person(f, data)
        frames.append(last[i] if use_names else i); xy.append(p); scores.append(s)
    return _track(files[0], frames, xy, scores, "openpose")


def _read_csv(path: Path, progress: Progress = no_progress) -> KeypointTrack:
    """Reports progress every PROGRESS_ROWS rows: percent of the file read, and the rows so far."""
    want = [f"{j}_{c}" for j in COCO13_NAMES for c in ("x", "y", "score")]
    size, read = max(1, path.stat().st_size), [0]

    def lines(fh):
        for line in fh:
            read[0] += len(line)
            if not line.startswith("#"):
                yield line

    def num(v: str | None) -> float:
        try:
            return float(v) if v not in (None, "") else np.nan
        except ValueError:
            return np.nan

    rows, numbers = [], []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(lines(fh))
            missing = [c for c in want if c not in (reader.fieldnames or [])]
            if missing:
                raise MediaError(f"{path}: not a keypoint CSV; missing columns {missing[:4]}"
                                 f"{' ...' if len(missing) > 4 else ''} (see poseexplorer.io.keypoint_files)")
            for r in reader:
                rows.append(r)
                numbers.append([num(r.get(c)) for c in want])
                if len(rows) % PROGRESS_ROWS == 0:
                    progress(min(99, 100 * read[0] // size), 100, f"reading {path.name}: {len(rows):,} rows")
            fields = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MediaError(f"{path}: cannot read the CSV ({exc})") from exc
    progress(100, 100, f"checking {path.name}: {len(rows):,} rows")
    vals = np.array(numbers, np.float32).reshape(-1, 13, 3)
    frames = [r["frame"] if r.get("frame") not in (None, "") else i for i, r in enumerate(rows)]
    xy = vals[:, :, :2]
    xy[~np.isfinite(xy).all(axis=2)] = np.nan
    person = [r.get("person") for r in rows] if "person" in fields else None
    id_column = next((c for c in ("track", "id") if c in fields), None)
    track = [r.get(id_column) for r in rows] if id_column else None
    return _track(path, frames, xy, np.where(np.isfinite(xy[..., 0]), vals[:, :, 2], 0), "csv", person, track)


def _read_export(path: Path, data: dict) -> KeypointTrack:
    """Our JSON export: a row per person per frame (keypoints null = nobody in that frame)."""
    rows = data["frames"]
    if not all(isinstance(r, dict) and "frame" in r for r in rows):
        raise MediaError(f"{path}: every entry of 'frames' must be an object with a 'frame'")
    xy = np.full((len(rows), 13, 2), np.nan, np.float32)
    scores = np.zeros((len(rows), 13), np.float32)
    for k, r in enumerate(rows):
        if r.get("keypoints") is not None:
            kp = np.array([[np.nan if v is None else v for v in p] for p in r["keypoints"]], np.float32)
            if kp.shape != (13, 3):
                raise MediaError(f"{path}: keypoints of frame {r['frame']!r} must be 13 [x, y, score] triples")
            xy[k], scores[k] = kp[:, :2], kp[:, 2]
    media = data.get("media") if isinstance(data.get("media"), dict) else {}
    fps = _frame_rate(path, media.get("fps") or 0.0)
    size = _image_size(path, media["width"], media["height"]) if (media.get("width") or 0) > 0 \
        and (media.get("height") or 0) > 0 else None
    return _track(path, [r["frame"] for r in rows], xy, scores, "export", [r.get("person") for r in rows],
                  [r.get("track") for r in rows], fps=fps, size=size)


def _read_npz(path: Path) -> KeypointTrack:
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:   # fh: closed even when np.load fails
            if "xy" not in z or "scores" not in z:
                raise MediaError(f"{path}: an NPZ keypoint file needs arrays 'xy' (T, 13, 2) and 'scores' (T, 13)")
            xy, sc = z["xy"].astype(np.float32), z["scores"].astype(np.float32)
            frames = z["frame_index"].astype(np.int64) if "frame_index" in z else np.arange(len(xy))
            fps = _frame_rate(path, z["fps"]) if "fps" in z else 0.0
            size = _image_size(path, *np.ravel(z["size"])[:2]) if "size" in z and np.size(z["size"]) == 2 else None
            person = z["person"].tolist() if "person" in z else None
            track = z["track"].tolist() if "track" in z else None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise MediaError(f"{path}: not a readable NPZ file ({exc})") from exc
    if xy.ndim != 3 or xy.shape[1:] != (13, 2) or sc.shape != xy.shape[:2]:
        raise MediaError(f"{path}: 'xy' must be (T, 13, 2) and 'scores' (T, 13); got {xy.shape}, {sc.shape}")
    return _track(path, list(frames), xy, sc, "npz", person, track, fps=fps, size=size)


def read_keypoint_file(path: str | os.PathLike, progress: Progress = no_progress) -> KeypointTrack:
    """Read a COCO / OpenPose JSON file, a folder of OpenPose JSON files, a keypoint CSV or NPZ.

    MediaError (naming the file) for anything that is not a valid keypoint file. progress(percent, 100,
    message) while a large CSV is read."""
    path = Path(path)
    progress(0, 100, f"reading {path.name}")
    try:
        return _read_any(path, progress)
    except (KeyError, TypeError, ValueError, IndexError, OverflowError, AttributeError) as exc:
        raise MediaError(f"{path}: malformed keypoint file ({type(exc).__name__}: {exc})") from None


def _read_any(path: Path, progress: Progress = no_progress) -> KeypointTrack:
    if path.is_dir():
        files = sorted((p for p in path.iterdir() if p.suffix.lower() == ".json"), key=lambda p: natural_key(p.name))
        if not files:
            raise MediaError(f"{path}: the folder holds no JSON keypoint files")
        return _read_openpose(files)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise MediaError(f"{path}: the file is empty (0 bytes)")
    ext = path.suffix.lower()
    if ext == ".csv":
        return _read_csv(path, progress)
    if ext == ".npz":
        return _read_npz(path)
    if ext != ".json":
        raise MediaError(f"{path}: not a keypoint file (expected .json, .csv or .npz)")
    data = _load_json(path)
    if isinstance(data, dict) and "people" in data:
        return _read_openpose([path])
    if isinstance(data, dict) and isinstance(data.get("frames"), list):
        return _read_export(path, data)
    if (isinstance(data, dict) and "annotations" in data) or (isinstance(data, list) and data
                                                              and isinstance(data[0], dict) and "keypoints" in data[0]):
        return _read_coco(path, data)
    raise MediaError(f"{path}: JSON is neither COCO keypoints ('annotations' or a results list) nor OpenPose ('people')")


def write_keypoint_csv(path: str | os.PathLike, frame_index: np.ndarray, xy: np.ndarray, scores: np.ndarray) -> None:
    """Write the documented keypoint CSV (frame + J_x, J_y, J_score per COCO-13 joint)."""
    header = ["frame"] + [f"{j}_{c}" for j in COCO13_NAMES for c in ("x", "y", "score")]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for f, p, s in zip(frame_index, xy, scores):
            w.writerow([int(f)] + [_fmt(v) for row in np.concatenate([p, s[:, None]], axis=1) for v in row])


def write_keypoint_npz(path: str | os.PathLike, track: KeypointTrack) -> None:
    """Write the documented keypoint NPZ (with person and track ids when the track has several people)."""
    extra = {} if track.size is None else {"size": np.asarray(track.size, np.int64)}
    if track.several_people:
        extra.update(person=track.person, track=track.track)
    np.savez(path, xy=track.xy, scores=track.scores, frame_index=track.frame_index, fps=np.float64(track.fps), **extra)


def _fmt(v: float) -> str:
    return "" if not np.isfinite(v) else f"{float(v):.6g}"
