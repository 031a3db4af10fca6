"""Memory-mapped pose columns and paged rows: the paged snapshot of a real SQLite library equals the in-memory
one row by row, stays up to date as media are added and removed, and reads only the pages it is asked for."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.detect import Detection
from poseexplorer.jobs import never_cancel, no_progress
from poseexplorer.library import Library
from poseexplorer.library.columns import cached_columns, columns_folder, library_size, open_columns
from poseexplorer.library.paged import PagedRows
from poseexplorer.session.library_jobs import snapshot_job


def _det(rng) -> Detection:
    lms = rng.uniform(0, 500, (33, 3)).astype(np.float32)
    lms[:, 2] = rng.uniform(0, 1, 33)
    world = rng.normal(size=(33, 3)).astype(np.float32) if rng.uniform() < 0.7 else None
    return Detection.from_landmarks(lms, world)


def _add_media(lib: Library, name: str, n: int, seed: int) -> int:
    rng = np.random.default_rng(seed)
    mid = lib.add_media(f"/data/{name}.mp4", "video", f"h:{name}", fps=25, width=640, height=480, frames=n)
    rows = [(i, None if i % 4 == 3 else _det(rng)) for i in range(n)]
    lib.add_detections(mid, rows[::-1])   # stored out of order: pose ids do not follow frames
    lib.set_status(mid, "done")
    return mid


def _snapshots(path, model):
    full = snapshot_job(str(path), model, paged_from=10**12)(no_progress, never_cancel)
    paged = snapshot_job(str(path), model, paged_from=0)(no_progress, never_cancel)
    return full, paged


def _assert_same(full, paged):
    assert isinstance(paged.xy, PagedRows) and not isinstance(full.xy, PagedRows)
    assert paged.media == full.media                 # n_poses counted from the columns
    for name in ("pose_ids", "media_ids", "frames"):
        assert np.array_equal(np.asarray(getattr(paged, name)), getattr(full, name)), name
    assert paged.has_embeddings == full.has_embeddings
    if full.has_embeddings:
        assert np.array_equal(np.asarray(paged.mean), full.mean) and np.array_equal(np.asarray(paged.stddev),
                                                                                  full.stddev)
        assert np.allclose(paged.ambiguity(), full.ambiguity(), rtol=1e-6)
    assert np.allclose(paged.mean_visibility(), np.asarray(full.scores).mean(1), rtol=1e-6)
    for row in range(len(full)):   # slow, obvious: every row through the pages
        assert np.array_equal(paged.xy[row], full.xy[row])
        assert np.array_equal(paged.scores[row], full.scores[row])
        assert np.array_equal(paged.world[row], full.world[row], equal_nan=True)
        pid = int(full.pose_ids[row])
        assert paged.row_of(pid) == full.row_of(pid) == row
        assert paged.pose_at(full.media_ids[row], full.frames[row]) == full.pose_at(full.media_ids[row],
                                                                                   full.frames[row])
    for m in full.media:
        assert np.array_equal(paged.frames_of(m.media_id), full.frames_of(m.media_id))
    assert paged.row_of(-5) == -1 and paged.pose_at(full.media[0].media_id, 10**6) == -1


def test_paged_snapshot_equals_the_in_memory_snapshot(tmp_path, bundled_model):
    path = tmp_path / "lib.sqlite"
    with Library.open(path) as lib:
        _add_media(lib, "a", 40, 1)
        _add_media(lib, "b", 25, 2)
    full, paged = _snapshots(path, bundled_model)
    assert len(full) == 30 + 19 and full.has_embeddings
    _assert_same(full, paged)
    assert cached_columns(path, str(bundled_model.sha256)) is not None
    assert library_size(path) >= len(full)


def test_columns_follow_added_and_removed_media(tmp_path, bundled_model):
    path = tmp_path / "lib.sqlite"
    key = str(bundled_model.sha256)
    with Library.open(path) as lib:
        a = _add_media(lib, "a", 30, 1)
    _assert_same(*_snapshots(path, bundled_model))
    first = open_columns(path, key)
    with Library.open(path) as lib:
        _add_media(lib, "b", 12, 3)
    assert cached_columns(path, key) is None                  # stale: new poses
    full, paged = _snapshots(path, bundled_model)              # embeds the new poses, rebuilds the columns
    assert len(paged) == len(first) + 9
    _assert_same(full, paged)
    with Library.open(path) as lib:
        lib.remove_media(a)
    assert cached_columns(path, key) is None                  # stale: poses removed
    full, paged = _snapshots(path, bundled_model)
    assert len(paged) == 9 and set(np.asarray(paged.media_ids).tolist()) != {a}
    _assert_same(full, paged)
    # without the model's embeddings: columns of poses only, no mean
    cols = open_columns(path, "")
    assert cols.mean is None and len(cols) == 9 and np.isnan(cols.ambiguity).all()
    assert sorted(p.name for p in columns_folder(path).iterdir() if p.name.startswith("poses-")) == sorted(
        p.name for p in columns_folder(path).iterdir() if not p.name.startswith("."))


def test_paged_rows_read_only_the_pages_asked_for(tmp_path):
    path = tmp_path / "lib.sqlite"
    with Library.open(path) as lib:
        mid = _add_media(lib, "a", 200, 5)
        table = lib.frames(mid)
    ok = table.pose_id >= 0
    order = np.argsort(table.pose_id[ok])
    ids, xy, world = table.pose_id[ok][order], table.xy[ok][order], table.world[ok][order]
    rows = PagedRows(path, "xy", (13, 2), ids, page_size=16, pages=3)
    wrows = PagedRows(path, "world", (33, 3), ids, page_size=7, pages=2)
    assert rows.shape == (len(ids), 13, 2) and len(rows) == 150
    assert np.array_equal(rows[3:40], xy[3:40]) and np.array_equal(rows[-1], xy[-1])
    pick = np.array([149, 0, 77, 77, 16])
    assert np.array_equal(rows[pick], xy[pick]) and np.array_equal(wrows[pick], world[pick], equal_nan=True)
    assert np.array_equal(rows[ids % 2 == 0], xy[ids % 2 == 0])
    assert len(rows._cache) <= 3 and len(wrows._cache) <= 2      # the LRU holds at most `pages` pages
    spread = np.array([149, 0, 40, 77, 77, 100, 16, 130, 3])      # many pages: read by id, no page cached
    cached = (list(rows._cache), list(wrows._cache))
    assert np.array_equal(rows[spread], xy[spread])
    assert np.array_equal(wrows[spread], world[spread], equal_nan=True)
    assert (list(rows._cache), list(wrows._cache)) == cached
    with pytest.raises(IndexError):
        rows[150]
    with pytest.raises(TypeError, match="page at a time"):
        np.asarray(rows)
    with pytest.raises(ValueError, match="increasing"):
        PagedRows(path, "xy", (13, 2), ids[::-1])
    rows.close()
    wrows.close()
