"""A large generated pose library for benchmarks and tests: SQLite bulk inserts, no detector, no model run.

    write_generated_library(path, n_media=40, frames_per_media=250, model=("sha", "name", 16))

Media are videos of `frames_per_media` frames at 25 fps; a person is in 9 frames of 10, with xy, scores,
landmarks and world blobs shaped like MediaPipe's, and an embedding per pose stored under the model's key
(means and stddevs from `embeddings(start, count)` when given, else random), every media marked done. The
file is complete when `path.complete` exists beside it; a second call then does nothing.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Callable

import numpy as np

#: embeddings(start, count) -> (mean, stddev), each (count, dim) float32, or None to draw random ones
EmbeddingSource = Callable[[int, int], "tuple[np.ndarray, np.ndarray] | None"]


def write_generated_library(path: str | os.PathLike, n_media: int, frames_per_media: int,
                            model: tuple[str, str, int], embeddings: EmbeddingSource | None = None,
                            seed: int = 0, progress: Callable[[int], None] | None = None) -> Path:
    """Write the library (once: a marker file says it is complete); model = (key, name, dim)."""
    from ..library import Library

    path = Path(path)
    done = path.with_name(path.name + ".complete")
    if done.exists():
        return path
    for p in path.parent.glob(path.name + "*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    key, name, dim = model
    with Library.open(path) as lib:
        media = [lib.add_media(f"/season/match{i:05d}.mp4", "video", f"gen:{i}", fps=25.0, width=1280,
                               height=720, frames=frames_per_media) for i in range(n_media)]
        lib.register_model(key, name, dim)
    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    stored = 0
    try:
        for mi, mid in enumerate(media):
            m = _write_media(conn, rng, mid, frames_per_media, key, dim, stored, embeddings)
            stored += m
            if progress is not None and mi % 200 == 0:
                progress(stored)
    finally:
        conn.close()
    done.touch()
    return path


def _write_media(conn: sqlite3.Connection, rng: np.random.Generator, mid: int, n_frames: int, key: str,
                 dim: int, stored: int, embeddings: EmbeddingSource | None) -> int:
    """One media's detections and embeddings in one transaction; returns its number of poses."""
    person = rng.uniform(size=n_frames) < 0.9
    xy = rng.uniform(0, 720, (n_frames, 13, 2)).astype(np.float32)
    sc = rng.uniform(0, 1, (n_frames, 13)).astype(np.float32)
    lm = rng.uniform(0, 720, (n_frames, 33, 3)).astype(np.float32)
    wo = rng.normal(0, 0.5, (n_frames, 33, 3)).astype(np.float32)
    rows = [(mid, f, xy[f].tobytes(), sc[f].tobytes(), lm[f].tobytes(), wo[f].tobytes()) if person[f]
            else (mid, f, None, None, None, None) for f in range(n_frames)]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO detections(media_id, frame_index, xy, scores, landmarks, world) "
                     "VALUES (?,?,?,?,?,?)", rows)
    ids = [r[0] for r in conn.execute("SELECT id FROM detections WHERE media_id = ? AND xy IS NOT NULL "
                                      "ORDER BY id", (mid,))]
    m = len(ids)
    given = embeddings(stored, m) if embeddings is not None else None
    if given is not None:
        mean, std = (np.asarray(a, np.float32) for a in given)
    else:
        mean = rng.normal(size=(m, dim)).astype(np.float32)
        std = rng.uniform(0.05, 0.5, (m, dim)).astype(np.float32)
    conn.executemany("INSERT INTO embeddings(model_key, pose_id, mean, stddev) VALUES (?,?,?,?)",
                     [(key, i, mu.tobytes(), sd.tobytes()) for i, mu, sd in zip(ids, mean, std)])
    conn.execute("UPDATE media SET status = 'done' WHERE id = ?", (mid,))
    conn.execute("COMMIT")
    return m
