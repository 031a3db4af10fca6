"""Keypoint JSON of other detectors as COCO-13 tracks: COCO keypoint files (a dataset or a results list) and
OpenPose's one file per frame (BODY_25 or COCO-18). The best person of each frame is kept (see
keypoint_files for the formats and the reader that picks one)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from .errors import MediaError
from .images import natural_key
from .keypoint_track import KeypointTrack, _image_size, _track

COCO17_TO_COCO13 = (0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
OPENPOSE_BODY25_TO_COCO13 = (0, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11)
OPENPOSE_COCO18_TO_COCO13 = (0, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10)
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
