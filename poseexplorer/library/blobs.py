"""Packing detections and embeddings into SQLite BLOBs (float32, C order) and back into tables."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.poses import Embedding
from .tables import FrameTable, PoseTable

_F32 = np.float32


def detection_to_blobs(det) -> tuple[bytes | None, bytes | None, bytes | None, bytes | None]:
    """(xy, scores, landmarks, world) blobs of a Detection; all None for "no person"."""
    if det is None:
        return None, None, None, None
    world = det.world
    world_blob = None if world is None or not np.isfinite(world).any() else np.asarray(world, _F32).tobytes()
    lms = det.landmarks
    lms_blob = None if lms is None else np.asarray(lms, _F32).tobytes()
    return (np.asarray(det.xy, _F32).tobytes(), np.asarray(det.scores, _F32).tobytes(), lms_blob, world_blob)


def stack_blobs(items: Sequence[bytes | None], shape: tuple[int, ...], fill: float = np.nan) -> np.ndarray:
    """Stack float32 blobs into (N, *shape); None entries become `fill`."""
    out = np.full((len(items), *shape), fill, dtype=_F32)
    present = [i for i, b in enumerate(items) if b is not None]
    if present:
        data = np.frombuffer(b"".join(items[i] for i in present), _F32).reshape(len(present), *shape)
        out[present] = data
    return out


def frame_table(rows: Sequence[tuple]) -> FrameTable:
    """Rows (frame_index, id, xy, scores, landmarks, world) -> FrameTable."""
    frame_index = np.array([r[0] for r in rows], dtype=np.int64)
    has = np.array([r[2] is not None for r in rows], dtype=bool)
    pose_id = np.where(has, np.array([r[1] for r in rows], dtype=np.int64), -1) if rows else np.zeros(0, np.int64)
    return FrameTable(frame_index=frame_index, pose_id=pose_id.astype(np.int64),
                      xy=stack_blobs([r[2] for r in rows], (13, 2)),
                      scores=stack_blobs([r[3] for r in rows], (13,), fill=0.0),
                      world=stack_blobs([r[5] for r in rows], (33, 3)),
                      landmarks=stack_blobs([r[4] for r in rows], (33, 3)))


def pose_table(rows: Sequence[tuple]) -> PoseTable:
    """Rows (id, media_id, frame_index, xy, scores) with xy never None -> PoseTable."""
    n = len(rows)
    xy = np.frombuffer(b"".join(r[3] for r in rows), _F32).reshape(n, 13, 2).copy()
    scores = np.frombuffer(b"".join(r[4] for r in rows), _F32).reshape(n, 13).copy()
    ints = np.array([r[:3] for r in rows], dtype=np.int64).reshape(n, 3)
    return PoseTable(pose_id=ints[:, 0].copy(), media_id=ints[:, 1].copy(), frame_index=ints[:, 2].copy(),
                     xy=xy, scores=scores)


def embedding_rows(rows: Sequence[tuple], dim: int) -> tuple[np.ndarray, Embedding]:
    """Rows (pose_id, mean, stddev) -> (pose_ids (N,), Embedding (N, dim))."""
    n = len(rows)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    if n == 0:
        return ids, Embedding(np.zeros((0, dim), _F32), np.ones((0, dim), _F32))
    mean = np.frombuffer(b"".join(r[1] for r in rows), _F32).reshape(n, -1).copy()
    std = np.frombuffer(b"".join(r[2] for r in rows), _F32).reshape(n, -1).copy()
    return ids, Embedding(mean, std)
