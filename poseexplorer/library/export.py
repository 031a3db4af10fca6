"""Export per media: keypoints, world landmarks and embeddings to CSV, JSON or NPZ.

One file per media, named "<media id>_<file name>.<format>", plus export_manifest.json listing them.

CSV columns (one row per person per processed frame, one row for a frame with nobody; empty cell = no
value):
    frame                      frame index (image index in a folder)
    pose_id                    library pose id, -1 when no person was found
    person                     the person's rank in the frame (0 = best; the single-person view)
    track                      the person's identity across the media's frames, -1 when not tracked
    J_x, J_y, J_score          for each COCO-13 joint J (core.skeleton.COCO13_NAMES): image pixels, visibility
                               (this part is the keypoint CSV format that `poseexplorer index` reads back)
    world_M_x, world_M_y, world_M_z   for each MediaPipe landmark M (MEDIAPIPE33_NAMES): metres, hip-centred
    emb_mean_k, emb_std_k      k = 0..D-1: the Pr-VIPE Gaussian of the pose (only with a model)
JSON: {"media": {...}, "model": {"key", "name"} | null, "joints": [...], "world_joints": [...],
       "frames": [{"frame", "pose_id" | null, "person", "track" | null, "keypoints": [[x, y, score] x 13] | null,
                   "world": [[x, y, z] x 33] | null, "embedding": {"mean": [...], "stddev": [...]} | null}]}
NPZ: frame_index (T,), pose_id (T,), person (T,), track (T,) (-1 = untracked), xy (T,13,2), scores (T,13), world (T,33,3), landmarks (T,33,3),
     emb_mean / emb_std (T,D) NaN where absent (only with a model), fps, size (w, h), joint_names,
     world_joint_names, model_key.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..core.skeleton import COCO13_NAMES, MEDIAPIPE33_NAMES
from ..core.atomic import atomic_path
from .people import all_rows
from .store import Library
from .tables import FrameTable, MediaInfo

FORMATS = ("csv", "json", "npz")


def frame_embeddings(lib: Library, table: FrameTable, model_key: str | None) -> tuple[np.ndarray, np.ndarray] | None:
    """(mean (T, D), stddev (T, D)) aligned with the frames, NaN where a frame has no embedding."""
    if not model_key:
        return None
    ids, emb = lib.embeddings(model_key, table.pose_id[table.pose_id >= 0])
    dim = emb.mean.shape[1] if len(ids) else max(lib._model_dim(model_key), 0)
    mean = np.full((len(table), dim), np.nan, np.float32)
    std = np.full((len(table), dim), np.nan, np.float32)
    row_of = {int(p): k for k, p in enumerate(table.pose_id) if p >= 0}
    for j, p in enumerate(ids):
        mean[row_of[int(p)]], std[row_of[int(p)]] = emb.mean[j], emb.stddev[j]
    return mean, std


def export_media(lib: Library, media: MediaInfo, folder: Path, fmt: str, model_key: str | None = None,
                 model_name: str = "") -> Path:
    """Write one media's export file; returns its path."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {FORMATS}")
    folder.mkdir(parents=True, exist_ok=True)
    table, person, track = all_rows(lib, media.id)
    emb = frame_embeddings(lib, table, model_key)
    out = folder / f"{media.id}_{media.name}.{fmt}"
    writer = {"csv": _write_csv, "json": _write_json, "npz": _write_npz}[fmt]
    with atomic_path(out) as tmp:
        writer(tmp, media, table, emb, model_key, model_name, person, track)
    return out


def csv_header(dim: int) -> list[str]:
    cols = ["frame", "pose_id", "person", "track"] + [f"{j}_{c}" for j in COCO13_NAMES for c in ("x", "y", "score")]
    cols += [f"world_{m}_{c}" for m in MEDIAPIPE33_NAMES for c in ("x", "y", "z")]
    return cols + [f"emb_mean_{k}" for k in range(dim)] + [f"emb_std_{k}" for k in range(dim)]


def _cell(v: float) -> str:
    return "" if not math.isfinite(v) else f"{v:.6g}"


def _write_csv(out: Path, media, table: FrameTable, emb, model_key, model_name, person, track) -> None:
    dim = emb[0].shape[1] if emb is not None else 0
    kp = np.concatenate([table.xy, table.scores[:, :, None]], axis=2).reshape(len(table), -1)
    kp[table.pose_id < 0] = np.nan
    parts = [kp, table.world.reshape(len(table), -1)] + ([emb[0], emb[1]] if emb is not None else [])
    values = np.concatenate(parts, axis=1).astype(np.float64)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(csv_header(dim))
        for f, p, k, t, row in zip(table.frame_index, table.pose_id, person, track, values):
            w.writerow([int(f), int(p), int(k), int(t)] + [_cell(v) for v in row])


def _finite(d: dict) -> dict:
    """The dict with non-finite floats (an unknown fps stored as inf or NaN) as null, so JSON stays valid."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def _nested(a: np.ndarray) -> list | None:
    return None if not np.isfinite(a).any() else np.where(np.isfinite(a), a, None).tolist()


def _write_json(out: Path, media, table: FrameTable, emb, model_key, model_name, person, track) -> None:
    frames = []
    for k in range(len(table)):
        has = table.pose_id[k] >= 0
        kp = np.concatenate([table.xy[k], table.scores[k][:, None]], axis=1).round(3) if has else None
        e = None
        if emb is not None and np.isfinite(emb[0][k]).all():
            e = {"mean": emb[0][k].tolist(), "stddev": emb[1][k].tolist()}
        frames.append({"frame": int(table.frame_index[k]), "pose_id": int(table.pose_id[k]) if has else None,
                       "person": int(person[k]), "track": int(track[k]) if track[k] >= 0 else None,
                       "keypoints": _nested(kp) if has else None,
                       "world": _nested(table.world[k].round(5)) if has else None, "embedding": e})
    doc = {"media": _finite(asdict(media)), "model": {"key": model_key, "name": model_name} if model_key else None,
           "joints": list(COCO13_NAMES), "world_joints": list(MEDIAPIPE33_NAMES), "frames": frames}
    out.write_text(json.dumps(doc, allow_nan=False), encoding="utf-8")


def _write_npz(out: Path, media, table: FrameTable, emb, model_key, model_name, person, track) -> None:
    extra = {} if emb is None else {"emb_mean": emb[0], "emb_std": emb[1]}
    np.savez_compressed(out, frame_index=table.frame_index, pose_id=table.pose_id, person=person, track=track, xy=table.xy, scores=table.scores,
                        world=table.world, landmarks=table.landmarks, fps=np.float64(media.fps),
                        size=np.array([media.width, media.height], np.int64), joint_names=np.array(COCO13_NAMES),
                        world_joint_names=np.array(MEDIAPIPE33_NAMES), model_key=np.array(model_key or ""), **extra)


def write_manifest(folder: Path, entries: list[dict], model_key: str | None, model_name: str) -> Path:
    path = folder / "export_manifest.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({"model": {"key": model_key, "name": model_name} if model_key else None,
                                   "files": entries}, indent=1), encoding="utf-8")
    return path
