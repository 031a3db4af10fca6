"""The pose library: one SQLite file in WAL mode (see schema.py for the tables).

Reads return frozen tables of numpy arrays; every write is one short transaction, so a killed process
loses at most the write in flight. One Library object may be shared between threads (a lock guards
its connection); other processes can read while one writes (WAL).
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..core.poses import Embedding
from ..jobs import CancelCheck, Cancelled, Progress, never_cancel, no_progress
from . import blobs
from .connect import connect, library_error, make_folder, writable
from .schema import LibraryError, check_file, check_identity, migrate
from .tables import FrameTable, MediaInfo, ModelInfo, PoseTable, SyncPair

EMBED_BATCH = 2048
_MEDIA_COLS = ("id, path, name, kind, fps, width, height, frames, status, error, "
               "(SELECT COUNT(*) FROM detections d WHERE d.media_id = media.id AND d.xy IS NOT NULL), "
               "content_hash")


def default_library_path() -> Path:
    """$POSEEXPLORER_DATA_DIR/poses.sqlite, else $XDG_DATA_HOME (~/.local/share)/poseexplorer/poses.sqlite."""
    folder = os.environ.get("POSEEXPLORER_DATA_DIR")
    if not folder:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        folder = str(Path(base) / "poseexplorer")
    return Path(folder) / "poses.sqlite"


class Library:
    """An open pose library. Create with Library.open(path)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, read_only: bool = False) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path
        self.read_only = read_only      # opened without write access: writes raise LibraryError
        self.created_folder = False     # open() created the library's folder

    # ---- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, create: bool = True, read_only: bool | None = None) -> "Library":
        """Open (or create) a library; LibraryError on a corrupt, foreign or newer file, never overwriting it.

        read_only: None = read-only exactly when this user cannot write the file or its folder."""
        path = Path(path).expanduser().absolute()
        check_file(path)
        if not path.exists() and not create:
            raise LibraryError(f"no pose library at {path}")
        made = make_folder(path) if create and not read_only else False
        if read_only is None:
            read_only = path.exists() and not writable(path)
        if read_only and not path.exists():
            raise LibraryError(f"no pose library at {path} (and the folder is read-only)")
        conn = connect(path, read_only)
        try:
            version = check_identity(conn, path)
            if not read_only:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            if not read_only:   # a read-only file of an older schema is read as it is
                migrate(conn, version)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if isinstance(exc, sqlite3.OperationalError):
                raise library_error(path, exc, read_only) from exc
            raise LibraryError(f"{path} is corrupt or not a pose library ({exc}); it was left untouched") from exc
        except Exception:
            conn.close()
            raise
        lib = cls(conn, path, read_only)
        lib.created_folder = made
        return lib

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on error."""
        with self._lock, self._damage_as_library_error():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._lock, self._damage_as_library_error():
            return self._conn.execute(sql, tuple(args)).fetchall()

    @contextmanager
    def _damage_as_library_error(self) -> Iterator[None]:
        """SQLite errors after open() become LibraryErrors that say what happened (a refused value, a
        read-only file, a lock, a full disk, or real damage)."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if self.read_only or "readonly" in str(exc) or "disk" in str(exc) or "full" in str(exc):
                raise library_error(self.path, exc, self.read_only) from exc
            raise
        except sqlite3.DatabaseError as exc:
            raise library_error(self.path, exc) from exc

    def check(self) -> list[str]:
        """SQLite's integrity check of the whole file (slow for big libraries): [] when healthy."""
        rows = self._query("PRAGMA integrity_check")
        return [] if rows == [("ok",)] else [r[0] for r in rows]

    # ---- media ---------------------------------------------------------------------------------
    def media(self) -> list[MediaInfo]:
        """All media, in the order they were added."""
        return [_media_info(r) for r in self._query(f"SELECT {_MEDIA_COLS} FROM media ORDER BY id")]

    def media_info(self, media_id: int) -> MediaInfo:
        rows = self._query(f"SELECT {_MEDIA_COLS} FROM media WHERE id = ?", (media_id,))
        if not rows:
            raise KeyError(f"no media with id {media_id}")
        return _media_info(rows[0])

    def find_media(self, *, path: str | None = None, content_hash: str | None = None) -> list[MediaInfo]:
        """Media with this path and/or this content hash."""
        where, args = [], []
        if path is not None:
            where.append("path = ?"); args.append(str(path))
        if content_hash is not None:
            where.append("content_hash = ?"); args.append(content_hash)
        sql = f"SELECT {_MEDIA_COLS} FROM media" + (" WHERE " + " AND ".join(where) if where else "")
        return [_media_info(r) for r in self._query(sql + " ORDER BY id", args)]

    def add_media(self, path: str, kind: str, content_hash: str, *, file_size: int = 0, fps: float = 0.0,
                  width: int = 0, height: int = 0, frames: int = 0, detector: str = "") -> int:
        """Insert a media row (status 'pending'); returns its id."""
        now = time.time()
        with self._tx() as c:
            cur = c.execute("INSERT INTO media(path, name, kind, content_hash, file_size, fps, width, height,"
                            " frames, status, detector, added, updated) VALUES (?,?,?,?,?,?,?,?,?,'pending',?,?,?)"
                            " ON CONFLICT(path) DO NOTHING",
                            (str(path), Path(path).name, kind, content_hash, file_size, _rate(fps), int(width),
                             int(height), int(frames), detector, now, now))
            if cur.rowcount == 1:
                return int(cur.lastrowid)
            # another process added this path since we looked: share its row (detections are keyed by frame)
            return int(c.execute("SELECT id FROM media WHERE path = ?", (str(path),)).fetchone()[0])

    def update_media(self, media_id: int, **fields) -> None:
        """Set columns of one media row (path, name, fps, width, height, frames, status, error, ...)."""
        if not fields:
            return
        if "fps" in fields:
            fields["fps"] = _rate(fields["fps"])
        if "path" in fields and "name" not in fields:
            fields["name"] = Path(fields["path"]).name
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as c:
            c.execute(f"UPDATE media SET {cols}, updated = ? WHERE id = ?", (*fields.values(), time.time(), media_id))

    def set_status(self, media_id: int, status: str, error: str | None = None) -> None:
        self.update_media(media_id, status=status, error=error)

    def remove_media(self, media_id: int) -> None:
        """Delete a media with its detections, embeddings, tags and sync pairs."""
        with self._tx() as c:
            c.execute("DELETE FROM media WHERE id = ?", (media_id,))

    # ---- detections ----------------------------------------------------------------------------
    def done_frames(self, media_id: int) -> np.ndarray:
        """(K,) int64 sorted frame indices already processed for this media."""
        rows = self._query("SELECT DISTINCT frame_index FROM detections WHERE media_id = ? ORDER BY frame_index",
                           (media_id,))
        return np.array([r[0] for r in rows], dtype=np.int64)

    def add_detections(self, media_id: int, rows: Sequence[tuple[int, object]]) -> int:
        """Store (frame_index, Detection | None) rows in one transaction; already stored frames are kept.

        Returns the number of rows inserted."""
        values = [(media_id, int(f), *blobs.detection_to_blobs(d)) for f, d in rows]
        with self._tx() as c:
            before = c.total_changes
            c.executemany("INSERT OR IGNORE INTO detections(media_id, frame_index, xy, scores, landmarks, world)"
                          " VALUES (?,?,?,?,?,?)", values)
            return c.total_changes - before

    def frames(self, media_id: int) -> FrameTable:
        """Every processed frame of one media, its first person only (see FrameTable; library.people
        reads every person)."""
        rows = self._query("SELECT frame_index, id, xy, scores, landmarks, world FROM detections "
                           "WHERE media_id = ? AND person = 0 ORDER BY frame_index", (media_id,))
        return blobs.frame_table(rows)

    def poses(self, media_ids: Sequence[int] | None = None) -> PoseTable:
        """Frames with a person, ordered by pose_id, optionally only of some media."""
        sql = "SELECT id, media_id, frame_index, xy, scores FROM detections WHERE xy IS NOT NULL"
        args: list = []
        if media_ids is not None:
            ids = [int(m) for m in media_ids]
            sql += f" AND media_id IN ({','.join('?' * len(ids))})" if ids else " AND 0"
            args = ids
        return blobs.pose_table(self._query(sql + " ORDER BY id", args))

    def world_landmarks(self, pose_ids: Sequence[int]) -> np.ndarray:
        """(N, 33, 3) float32 world landmarks in metres for these poses; NaN rows where absent."""
        ids = np.asarray(pose_ids, dtype=np.int64).reshape(-1)
        rows = self._rows_for_ids("SELECT id, world FROM detections", "id", ids, "xy IS NOT NULL")
        return blobs.stack_blobs(_pick(rows, ids), (33, 3))

    def _rows_for_ids(self, select: str, id_col: str, ids: np.ndarray, where: str = "1",
                      args: Sequence = ()) -> list[tuple]:
        """Rows whose id_col is in ids: IN-lists for a few ids, one ordered scan for many."""
        if len(ids) > 5000:
            return self._query(f"{select} WHERE {where} ORDER BY {id_col}", args)
        rows: list[tuple] = []
        for chunk in _chunks(ids.tolist()):
            sql = f"{select} WHERE {where} AND {id_col} IN ({','.join('?' * len(chunk))})"
            rows.extend(self._query(sql, [*args, *chunk]))
        return rows

    # ---- embeddings ----------------------------------------------------------------------------
    def models(self) -> list[ModelInfo]:
        rows = self._query("SELECT key, name, dim, (SELECT COUNT(*) FROM embeddings e WHERE e.model_key = models.key)"
                           " FROM models ORDER BY added")
        return [ModelInfo(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def embeddings(self, model_key: str, pose_ids: Sequence[int] | None = None) -> tuple[np.ndarray, Embedding]:
        """(pose_ids (N,) int64, Embedding) of the poses embedded with this model, in pose_ids order."""
        select = "SELECT pose_id, mean, stddev FROM embeddings"
        if pose_ids is None:
            rows = self._query(f"{select} WHERE model_key = ? ORDER BY pose_id", (model_key,))
        else:
            wanted = np.asarray(pose_ids, dtype=np.int64).reshape(-1)
            found = self._rows_for_ids(select, "pose_id", wanted, "model_key = ?", (model_key,))
            rows = [r for r in _pick(found, wanted) if r is not None]
        return blobs.embedding_rows(rows, self._model_dim(model_key))

    def _model_dim(self, model_key: str) -> int:
        rows = self._query("SELECT dim FROM models WHERE key = ?", (model_key,))
        return int(rows[0][0]) if rows else 0

    def register_model(self, key: str, name: str, dim: int) -> None:
        with self._tx() as c:
            c.execute("INSERT OR IGNORE INTO models(key, name, dim, added) VALUES (?,?,?,?)",
                      (key, name, int(dim), time.time()))

    def missing_embeddings(self, model_key: str) -> int:
        return self._query("SELECT COUNT(*) FROM detections d WHERE d.xy IS NOT NULL AND NOT EXISTS "
                           "(SELECT 1 FROM embeddings e WHERE e.model_key = ? AND e.pose_id = d.id)",
                           (model_key,))[0][0]

    def ensure_embeddings(self, model, progress: Progress = no_progress, cancel: CancelCheck = never_cancel,
                          batch: int = EMBED_BATCH) -> int:
        """Embed, in batches, every pose that has no embedding for model.sha256; returns how many.

        `model` needs .embed(xy, scores) -> Embedding, .sha256 and .name. Each batch is committed on its
        own; cancel() is checked between batches (raises jobs.Cancelled after saving)."""
        key = str(model.sha256)
        total, done, last = self.missing_embeddings(key), 0, -1
        progress(0, total, f"embedding with {model.name}")
        while done < total:
            if cancel():
                raise Cancelled(f"embedding cancelled after {done} of {total} poses")
            rows = self._query("SELECT d.id, d.xy, d.scores FROM detections d WHERE d.id > ? AND d.xy IS NOT NULL "
                               "AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.model_key = ? AND e.pose_id = d.id) "
                               "ORDER BY d.id LIMIT ?", (last, key, batch))
            if not rows:
                break
            last = rows[-1][0]
            table = blobs.pose_table([(r[0], 0, 0, r[1], r[2]) for r in rows])
            emb = model.embed(table.xy, table.scores)
            self._store_embeddings(key, str(model.name), table.pose_id, emb)
            done += len(rows)
            progress(done, total, f"embedding with {model.name}")
        return done

    def _store_embeddings(self, key: str, name: str, pose_ids: np.ndarray, emb: Embedding) -> None:
        mean = np.asarray(emb.mean, dtype=np.float32)
        std = np.asarray(emb.stddev, dtype=np.float32)
        if len(mean) != len(pose_ids):
            raise ValueError(f"model returned {len(mean)} embeddings for {len(pose_ids)} poses")
        with self._tx() as c:
            c.execute("INSERT OR IGNORE INTO models(key, name, dim, added) VALUES (?,?,?,?)",
                      (key, name, mean.shape[1], time.time()))
            c.executemany("INSERT OR REPLACE INTO embeddings(model_key, pose_id, mean, stddev) VALUES (?,?,?,?)",
                          [(key, int(p), m.tobytes(), s.tobytes()) for p, m, s in zip(pose_ids, mean, std)])

    # ---- user data -----------------------------------------------------------------------------
    def set_tags(self, media_id: int, tags: Sequence[str]) -> None:
        """Replace the tags of one media (stripped, empty ones dropped, duplicates merged)."""
        clean = sorted({t.strip() for t in tags if t and t.strip()})
        with self._tx() as c:
            c.execute("DELETE FROM tags WHERE media_id = ?", (media_id,))
            c.executemany("INSERT INTO tags(media_id, tag) VALUES (?,?)", [(media_id, t) for t in clean])

    def tags(self, media_id: int) -> list[str]:
        return [r[0] for r in self._query("SELECT tag FROM tags WHERE media_id = ? ORDER BY tag", (media_id,))]

    def all_tags(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for media_id, tag in self._query("SELECT media_id, tag FROM tags ORDER BY media_id, tag"):
            out.setdefault(int(media_id), []).append(tag)
        return out

    def save_sync_pair(self, media_a: int, media_b: int, path: np.ndarray, name: str = "") -> int:
        """Store a synchronisation path (L, 2) of frame pairs between two media; returns its id."""
        arr = np.asarray(path, dtype=np.int64)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(f"sync path must have shape (L, 2), got {arr.shape}")
        with self._tx() as c:
            cur = c.execute("INSERT INTO sync_pairs(media_a, media_b, name, path, created) VALUES (?,?,?,?,?)",
                            (int(media_a), int(media_b), name, arr.tobytes(), time.time()))
            return int(cur.lastrowid)

    def sync_pairs(self) -> list[SyncPair]:
        rows = self._query("SELECT id, media_a, media_b, path, name FROM sync_pairs ORDER BY id")
        return [SyncPair(int(r[0]), int(r[1]), int(r[2]), np.frombuffer(r[3], np.int64).reshape(-1, 2).copy(), r[4])
                for r in rows]

    def delete_sync_pair(self, pair_id: int) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM sync_pairs WHERE id = ?", (pair_id,))


def _rate(fps) -> float:
    """A frame rate the library can store: unknown (NaN, infinite, negative, None) is 0.0."""
    try:
        value = float(fps)
    except (TypeError, ValueError):
        return 0.0
    return value if np.isfinite(value) and value > 0 else 0.0


def _media_info(r: tuple) -> MediaInfo:
    return MediaInfo(id=int(r[0]), path=r[1], name=r[2], kind=r[3], fps=float(r[4]), width=int(r[5]),
                     height=int(r[6]), frames=int(r[7]), status=r[8], error=r[9], n_poses=int(r[10]),
                     content_hash=r[11])


def _pick(rows: list[tuple], ids: np.ndarray) -> list:
    """For each id, the row whose first column is that id (the rest of it when the row has 2 columns),
    or None."""
    by_id = {r[0]: (r[1] if len(r) == 2 else r) for r in rows}
    return [by_id.get(int(i)) for i in ids]


def _chunks(items: list, size: int = 900) -> Iterator[list]:
    """SQLite limits the number of ? parameters; query in chunks."""
    for i in range(0, len(items), size):
        yield items[i:i + size]
