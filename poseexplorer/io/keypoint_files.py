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
import os
import zipfile
from pathlib import Path

import numpy as np

from ..core.skeleton import COCO13_NAMES
from ..jobs import Progress, no_progress
from .detector_json import _load_json, _read_coco, _read_openpose
from .errors import MediaError
from .images import natural_key
from .keypoint_track import KeypointTrack, _frame_rate, _image_size, _track

__all__ = ["KeypointTrack", "read_keypoint_file", "write_keypoint_csv", "write_keypoint_npz"]

PROGRESS_ROWS = 5_000           # a CSV reports its progress every this many rows


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
