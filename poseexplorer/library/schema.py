"""The library's SQLite schema, its version and migrations, and the checks made before opening a file.

A library is recognised by PRAGMA application_id == APPLICATION_ID; PRAGMA user_version holds the schema
version. Each migration upgrades version v-1 to v inside one transaction; a file from a newer version
is refused rather than touched.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable

APPLICATION_ID = 0x50584C42  # "PXLB"
SQLITE_MAGIC = b"SQLite format 3\x00"


class LibraryError(Exception):
    """A library file that cannot be used (corrupt, foreign, too new, missing); the message says which."""


_V1 = """
CREATE TABLE media(
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    file_size INTEGER NOT NULL DEFAULT 0,
    fps REAL NOT NULL DEFAULT 0,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    frames INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    detector TEXT NOT NULL DEFAULT '',
    added REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX media_hash ON media(content_hash);
CREATE TABLE detections(
    id INTEGER PRIMARY KEY,
    media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    frame_index INTEGER NOT NULL,
    xy BLOB,          -- 13 x 2 float32, NULL = no person
    scores BLOB,      -- 13 float32
    landmarks BLOB,   -- 33 x 3 float32 (x px, y px, visibility)
    world BLOB,       -- 33 x 3 float32 metres, NULL when unknown
    UNIQUE(media_id, frame_index)
);
CREATE TABLE models(
    key TEXT PRIMARY KEY,   -- sha256 of the weights file
    name TEXT NOT NULL,
    dim INTEGER NOT NULL,
    added REAL NOT NULL
);
CREATE TABLE embeddings(
    model_key TEXT NOT NULL REFERENCES models(key) ON DELETE CASCADE,
    pose_id INTEGER NOT NULL REFERENCES detections(id) ON DELETE CASCADE,
    mean BLOB NOT NULL,     -- dim float32
    stddev BLOB NOT NULL,   -- dim float32
    PRIMARY KEY(model_key, pose_id)
) WITHOUT ROWID;
CREATE INDEX embeddings_pose ON embeddings(pose_id);
"""

_V2 = """
CREATE TABLE tags(
    media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY(media_id, tag)
);
CREATE TABLE sync_pairs(
    id INTEGER PRIMARY KEY,
    media_a INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    media_b INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    path BLOB NOT NULL,     -- L x 2 int64 (frame of a, frame of b)
    created REAL NOT NULL
);
"""

_V3 = """
CREATE TABLE media_files(
    media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    frame_index INTEGER NOT NULL,   -- position of the image in the folder's natural order
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    PRIMARY KEY(media_id, frame_index)
) WITHOUT ROWID;
"""

_V4_PEOPLE = """
CREATE TABLE detections_v4(
    id INTEGER PRIMARY KEY,
    media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    frame_index INTEGER NOT NULL,
    person INTEGER NOT NULL DEFAULT 0,   -- 0, 1, ... within the frame, best first
    track INTEGER,                       -- identity across the media's frames, NULL when not tracked
    xy BLOB,          -- 13 x 2 float32, NULL = no person (then person = 0 is the frame's only row)
    scores BLOB,      -- 13 float32
    landmarks BLOB,   -- 33 x 3 float32 (x px, y px, visibility)
    world BLOB,       -- 33 x 3 float32 metres, NULL when unknown
    UNIQUE(media_id, frame_index, person)
);
INSERT INTO detections_v4(id, media_id, frame_index, person, track, xy, scores, landmarks, world)
    SELECT id, media_id, frame_index, 0, NULL, xy, scores, landmarks, world FROM detections;
DROP TABLE detections;
ALTER TABLE detections_v4 RENAME TO detections;
CREATE INDEX detections_track ON detections(media_id, track)
"""


def _several_people(conn: sqlite3.Connection) -> None:
    """Version 4: several people per frame (person, track). The table is rebuilt keeping every id, so
    embeddings still point at their poses (migrate() turns foreign keys off around it, as SQLite's
    table-rebuild recipe asks: with them on, dropping the old table would cascade to the embeddings)."""
    _script(_V4_PEOPLE)(conn)
    bad = conn.execute("PRAGMA foreign_key_check").fetchall()
    if bad:
        raise LibraryError(f"schema upgrade to several people per frame found dangling rows: {bad[:3]}")


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)
    return apply


#: MIGRATIONS[v - 1] upgrades schema version v - 1 to v.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_script(_V1), _script(_V2), _script(_V3),
                                                            _several_people]
SCHEMA_VERSION = len(MIGRATIONS)


def check_file(path: Path) -> None:
    """Refuse, without writing, a file that is not an SQLite database (a 0-byte file counts as new)."""
    if path.is_dir():
        raise LibraryError(f"{path} is a folder, not a pose library file")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise LibraryError(f"cannot read pose library {path}: {exc.strerror or exc}") from exc
    if head != SQLITE_MAGIC:
        raise LibraryError(f"{path} is not a Pose Explorer library (not an SQLite database); "
                           "it was left untouched")


def check_identity(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version of an opened file; LibraryError for a foreign, corrupt or newer one."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    except sqlite3.DatabaseError as exc:
        raise LibraryError(f"{path} is corrupt or not a pose library ({exc}); it was left untouched") from exc
    if app_id == 0 and not tables:
        return 0
    if app_id != APPLICATION_ID:
        shown = ", ".join(tables[:5]) + (" ..." if len(tables) > 5 else "")
        raise LibraryError(f"{path} is an SQLite database of another program (tables: {shown}), "
                           "not a Pose Explorer library; it was left untouched")
    if version > SCHEMA_VERSION:
        raise LibraryError(f"{path} was written by a newer Pose Explorer (schema {version}, this version "
                           f"reads up to {SCHEMA_VERSION}); please update")
    return version


def migrate(conn: sqlite3.Connection, version: int, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations from `version` up to `target`, each in its own transaction. Foreign keys are
    off meanwhile (a table rebuild must not cascade to the rows that point at it) and restored after."""
    if version >= target:
        return version
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for v in range(version, target):
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                if conn.execute("PRAGMA user_version").fetchone()[0] > v:
                    continue   # another process upgraded (or created) the file meanwhile
                MIGRATIONS[v](conn)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {v + 1}")
    finally:
        conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    return max(version, target)
