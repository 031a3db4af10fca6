"""Per-pose columns of a library as memory-mapped .npy files beside it, so a large library opens without
reading its poses into memory.

    cols = open_columns(library_path, model_key)      # built on first use, then reused while up to date
    cols.pose_ids, cols.media_ids, cols.frames        # (N,) int64, ordered by pose id
    cols.visibility, cols.ambiguity                   # (N,) float32
    cols.mean, cols.stddev                            # (N, D) float32, or None when some pose lacks one

The folder `<library>.columns/` holds one set per model (the pose columns of any up-to-date set serve a
snapshot without a model). A set is rebuilt when the library's fingerprint
changes (its media rows' id/status/frames/updated time, the largest pose id, the largest embedded pose id
of the model): reading those is a few index look-ups, so checking costs milliseconds even at 10^7 poses.
Building streams the detections and embeddings in pose-id order, a chunk at a time (memory stays flat),
into a temporary folder that is renamed into place when complete.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..jobs import CancelCheck, Cancelled, Progress, never_cancel, no_progress
from .connect import connect
from .schema import LibraryError

CHUNK = 200_000
_NAMES = ("pose_ids", "media_ids", "frames", "visibility", "ambiguity", "mean", "stddev")
_POSE_NAMES = ("pose_ids", "media_ids", "frames", "visibility")   # the same in every model's set
POSES_STAMP = "poses-fingerprint"   # library_fingerprint(conn, ""): the set's pose columns are up to date


@dataclass(frozen=True)
class PoseColumns:
    """Row-aligned per-pose columns, ordered by pose id (memory-mapped when read from disk).

    pose_ids, media_ids, frames: (N,) int64; visibility: (N,) float32 mean keypoint score;
    ambiguity: (N,) float32 mean embedding sigma (NaN without embeddings);
    mean, stddev: (N, D) float32 of model `model_key`, None unless every pose has one.
    """

    pose_ids: np.ndarray
    media_ids: np.ndarray
    frames: np.ndarray
    visibility: np.ndarray
    ambiguity: np.ndarray
    mean: np.ndarray | None
    stddev: np.ndarray | None
    model_key: str = ""
    folder: str = ""   # the set's folder when read from disk (replaced whole when the library changes)

    def __len__(self) -> int:
        return len(self.pose_ids)


def columns_folder(library_path: str | os.PathLike) -> Path:
    p = Path(library_path).expanduser().absolute()
    return p.with_name(p.name + ".columns")


def library_fingerprint(conn: sqlite3.Connection, model_key: str) -> str:
    """Changes whenever poses or this model's embeddings are added or removed (index look-ups only)."""
    h = hashlib.sha256(model_key.encode())
    for row in conn.execute("SELECT id, status, frames, updated FROM media ORDER BY id"):
        h.update(repr(row).encode())
    h.update(repr(conn.execute("SELECT max(id) FROM detections").fetchone()).encode())
    h.update(repr(conn.execute("SELECT max(pose_id) FROM embeddings WHERE model_key = ?",
                               (model_key,)).fetchone()).encode())
    return h.hexdigest()


def library_size(library_path: str | os.PathLike) -> int:
    """An upper bound of the library's pose count at the cost of one look-up (the largest detection id)."""
    path = Path(library_path).expanduser().absolute()
    if not path.exists():
        return 0
    try:
        conn = connect(path, read_only=True)
    except LibraryError:
        return 0                       # Library.open says what is wrong with the file
    try:
        return int(conn.execute("SELECT max(id) FROM detections").fetchone()[0] or 0)
    except sqlite3.DatabaseError:      # not a library, or not created yet
        return 0
    finally:
        conn.close()


def media_with_counts(library_path: str | os.PathLike, cols: PoseColumns) -> list:
    """The library's media (MediaInfo, by id) with n_poses counted from the columns instead of from the
    detections table (Library.media() counts every row: a full table read at 10^7 poses)."""
    from .store import _media_info

    media_ids = np.asarray(cols.media_ids)
    counts = np.bincount(media_ids) if len(media_ids) else np.zeros(0, np.int64)   # one pass, no sort of 10^7
    ids = np.flatnonzero(counts)
    count = dict(zip(ids.tolist(), counts[ids].tolist()))
    select = "id, path, name, kind, fps, width, height, frames, status, error, 0, content_hash"
    conn = connect(Path(library_path).expanduser().absolute(), read_only=True)
    try:
        rows = conn.execute(f"SELECT {select} FROM media ORDER BY id").fetchall()
    finally:
        conn.close()
    return [_media_info(r[:10] + (count.get(int(r[0]), 0),) + r[11:]) for r in rows]


def _set_name(model_key: str) -> str:
    return "poses-" + (hashlib.sha256(model_key.encode()).hexdigest()[:16] if model_key else "none")


def _load(folder: Path, model_key: str, embeddings: bool = True) -> PoseColumns:
    """A saved set; embeddings=False: its pose columns only (mean/stddev None, ambiguity NaN)."""
    arrays = {}
    for name in _NAMES:
        f = folder / f"{name}.npy"
        arrays[name] = np.load(f, mmap_mode="r") if f.exists() and (embeddings or name in _POSE_NAMES) else None
    if arrays["ambiguity"] is None:
        arrays["ambiguity"] = np.broadcast_to(np.float32(np.nan), arrays["pose_ids"].shape)
    return PoseColumns(**arrays, model_key=model_key, folder=str(folder))


def cached_columns(library_path: str | os.PathLike, model_key: str = "") -> PoseColumns | None:
    """The saved columns when they are up to date with the library, else None (nothing is built).
    Without a model (""), any model's set whose poses are up to date serves (its pose columns only): the
    window opens a library before its model has loaded, and a second full read of a 10^7-pose table for a
    set without embeddings took a minute there."""
    conn = connect(Path(library_path).expanduser().absolute(), read_only=True)
    try:
        root = columns_folder(library_path)
        target = root / _set_name(model_key)
        stamp = target / "fingerprint"
        if stamp.exists() and stamp.read_text() == library_fingerprint(conn, model_key):
            return _load(target, model_key)
        if model_key == "" and root.is_dir():
            poses = library_fingerprint(conn, "")
            for folder in sorted(root.glob("poses-*")):
                stamp = folder / POSES_STAMP
                if stamp.exists() and stamp.read_text() == poses:
                    return _load(folder, "", embeddings=False)
        return None
    finally:
        conn.close()


def open_columns(library_path: str | os.PathLike, model_key: str = "", progress: Progress = no_progress,
                 cancel: CancelCheck = never_cancel) -> PoseColumns:
    """The library's pose columns for `model_key` ("" = no embeddings), rebuilt only when stale."""
    cached = cached_columns(library_path, model_key)
    if cached is not None:
        return cached
    root = columns_folder(library_path)
    conn = connect(Path(library_path).expanduser().absolute(), read_only=True)
    try:
        fingerprint = library_fingerprint(conn, model_key)
        target = root / _set_name(model_key)
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
        try:
            _build(conn, tmp, model_key, progress, cancel)
            (tmp / POSES_STAMP).write_text(library_fingerprint(conn, ""))
            (tmp / "fingerprint").write_text(fingerprint)
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return _load(target, model_key)
    finally:
        conn.close()


def _build(conn: sqlite3.Connection, folder: Path, model_key: str, progress: Progress,
           cancel: CancelCheck) -> None:
    n = int(conn.execute("SELECT COUNT(*) FROM detections WHERE xy IS NOT NULL").fetchone()[0])
    dim_row = conn.execute("SELECT dim FROM models WHERE key = ?", (model_key,)).fetchone() if model_key else None
    dim = int(dim_row[0]) if dim_row else 0
    cols = {name: np.lib.format.open_memmap(folder / f"{name}.npy", "w+", dt, (n,)) for name, dt in
            (("pose_ids", np.int64), ("media_ids", np.int64), ("frames", np.int64),
             ("visibility", np.float32), ("ambiguity", np.float32))}
    cur = conn.execute("SELECT id, media_id, frame_index, scores FROM detections WHERE xy IS NOT NULL ORDER BY id")
    at = 0
    while rows := cur.fetchmany(CHUNK):
        m = len(rows)
        ints = np.array([r[:3] for r in rows], np.int64).reshape(m, 3)
        scores = np.frombuffer(b"".join(r[3] for r in rows), np.float32).reshape(m, 13)
        cols["pose_ids"][at:at + m], cols["media_ids"][at:at + m], cols["frames"][at:at + m] = ints.T
        cols["visibility"][at:at + m] = scores.mean(1)
        at += m
        progress(at, 2 * n, "reading poses")
        if cancel():
            raise Cancelled()
    if at != n:
        raise RuntimeError(f"the library changed while its columns were built ({at} of {n} poses read)")
    cols["ambiguity"][:] = np.nan
    if dim and n and _build_embeddings(conn, folder, model_key, cols, dim, progress, cancel):
        return
    for f in ("mean.npy", "stddev.npy"):
        (folder / f).unlink(missing_ok=True)


def _build_embeddings(conn, folder: Path, model_key: str, cols: dict, dim: int, progress: Progress,
                      cancel: CancelCheck) -> bool:
    """Fill mean/stddev/ambiguity in pose-id order; False when some pose has no embedding."""
    ids, n = cols["pose_ids"], len(cols["pose_ids"])
    mean = np.lib.format.open_memmap(folder / "mean.npy", "w+", np.float32, (n, dim))
    std = np.lib.format.open_memmap(folder / "stddev.npy", "w+", np.float32, (n, dim))
    filled = np.zeros(n, bool)
    cur = conn.execute("SELECT pose_id, mean, stddev FROM embeddings WHERE model_key = ? ORDER BY pose_id",
                       (model_key,))
    done = 0
    while rows := cur.fetchmany(CHUNK):
        m = len(rows)
        pid = np.array([r[0] for r in rows], np.int64)
        pos = np.minimum(np.searchsorted(ids, pid), n - 1)
        ok = ids[pos] == pid            # embeddings of poses that are not (or no longer) detections
        mu = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(m, dim)
        sd = np.frombuffer(b"".join(r[2] for r in rows), np.float32).reshape(m, dim)
        mean[pos[ok]], std[pos[ok]] = mu[ok], sd[ok]
        cols["ambiguity"][pos[ok]] = sd[ok].mean(1)
        filled[pos[ok]] = True
        done += m
        progress(n + min(done, n), 2 * n, "reading embeddings")
        if cancel():
            raise Cancelled()
    if not filled.all():
        cols["ambiguity"][:] = np.nan
        return False
    mean.flush()
    std.flush()
    return True
