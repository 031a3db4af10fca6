"""The SQLite library: opening safely, schema migrations, round trips, embeddings, user data."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from poseexplorer.detect import Detection
from poseexplorer.jobs import Cancelled
from poseexplorer.library import Library, LibraryError, default_library_path
from poseexplorer.library.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from tests.library.fakes import FakeModel


def _det(seed: int) -> Detection:
    rng = np.random.default_rng(seed)
    lms = rng.uniform(0, 500, (33, 3)).astype(np.float32)
    lms[:, 2] = rng.uniform(0, 1, 33)
    return Detection.from_landmarks(lms, rng.normal(size=(33, 3)).astype(np.float32))


def _filled(tmp_path, n=10) -> tuple[Library, int, list]:
    lib = Library.open(tmp_path / "lib.sqlite")
    mid = lib.add_media("/data/clip one.mp4", "video", "f1:abc", fps=30, width=640, height=480, frames=n)
    rows = [(i, None if i % 3 == 2 else _det(i)) for i in range(n)]
    assert lib.add_detections(mid, rows[::-1]) == n
    return lib, mid, rows


def test_round_trip_of_frames_and_poses(tmp_path):
    lib, mid, rows = _filled(tmp_path)
    ft = lib.frames(mid)
    assert ft.frame_index.tolist() == list(range(10))
    for i, det in rows:   # slow, obvious check frame by frame
        if det is None:
            assert ft.pose_id[i] == -1 and np.isnan(ft.xy[i]).all() and (ft.scores[i] == 0).all()
            assert np.isnan(ft.world[i]).all()
        else:
            assert ft.pose_id[i] >= 0
            assert np.array_equal(ft.xy[i], det.xy) and np.array_equal(ft.landmarks[i], det.landmarks)
            assert np.array_equal(ft.world[i], det.world) and np.array_equal(ft.scores[i], det.scores)
    poses = lib.poses()
    assert len(poses) == 7 and np.all(np.diff(poses.pose_id) > 0)
    assert set(poses.frame_index.tolist()) == {i for i, d in rows if d is not None}
    assert np.array_equal(lib.world_landmarks(poses.pose_id[::-1])[0], rows[poses.frame_index[-1]][1].world)
    assert lib.add_detections(mid, rows[:3]) == 0   # already stored: nothing duplicated
    assert len(lib.frames(mid)) == 10
    info = lib.media()[0]
    assert (info.name, info.kind, info.n_poses, info.status, info.frames) == ("clip one.mp4", "video", 7, "pending", 10)
    assert len(lib.poses([999])) == 0 and len(lib.poses([mid])) == 7
    lib.close()


def test_embeddings_are_kept_per_model_and_only_missing_ones_computed(tmp_path):
    lib, mid, _ = _filled(tmp_path)
    a, b = FakeModel("a"), FakeModel("b", dim=3, shift=1.0)
    assert lib.ensure_embeddings(a) == 7 and lib.ensure_embeddings(a) == 0
    assert a.calls == [7]
    calls = []
    assert lib.ensure_embeddings(b, progress=lambda d, t, m="": calls.append((d, t)), batch=3) == 7
    assert b.calls == [3, 3, 1] and calls[-1] == (7, 7)
    poses = lib.poses()
    ids, emb = lib.embeddings(b.sha256)
    assert np.array_equal(ids, poses.pose_id)
    assert np.allclose(emb.mean, poses.xy.reshape(7, -1)[:, :3] + 1.0) and emb.dim == 3
    ids, emb = lib.embeddings(a.sha256, [poses.pose_id[3], 12345, poses.pose_id[0]])
    assert ids.tolist() == [poses.pose_id[3], poses.pose_id[0]] and emb.dim == 4
    assert {m.key: m.n_embeddings for m in lib.models()} == {a.sha256: 7, b.sha256: 7}
    ids, emb = lib.embeddings("unknown")
    assert len(ids) == 0 and len(emb) == 0
    lib.close()


def test_ensure_embeddings_cancel_keeps_finished_batches(tmp_path):
    lib, _, _ = _filled(tmp_path)
    m = FakeModel()
    with pytest.raises(Cancelled):
        lib.ensure_embeddings(m, cancel=lambda: len(m.calls) >= 1, batch=2)
    assert len(lib.embeddings(m.sha256)[0]) == 2
    assert lib.ensure_embeddings(m) == 5


def test_user_data_and_remove_media_cascades(tmp_path):
    lib, mid, _ = _filled(tmp_path)
    other = lib.add_media("/data/b.mp4", "video", "f1:def", frames=3)
    lib.set_tags(mid, ["jump", " run ", "", "jump"])
    assert lib.tags(mid) == ["jump", "run"] and lib.all_tags() == {mid: ["jump", "run"]}
    path = np.array([[0, 0], [1, 0], [2, 1]])
    pid = lib.save_sync_pair(mid, other, path, name="take 1")
    (pair,) = lib.sync_pairs()
    assert pair.id == pid and np.array_equal(pair.path, path) and pair.name == "take 1"
    with pytest.raises(ValueError):
        lib.save_sync_pair(mid, other, np.zeros((3, 3)))
    lib.ensure_embeddings(FakeModel())
    lib.remove_media(mid)
    assert [m.id for m in lib.media()] == [other]
    assert len(lib.poses()) == 0 and lib.sync_pairs() == [] and lib.tags(mid) == []
    assert lib._query("SELECT COUNT(*) FROM embeddings")[0][0] == 0


def test_corrupt_and_foreign_files_are_refused_and_left_untouched(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"hello, this is my thesis" * 100)
    foreign = tmp_path / "other.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE invoices(id INTEGER)")
    con.commit()
    con.close()
    broken = tmp_path / "broken.sqlite"
    Library.open(broken).close()
    data = bytearray(broken.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    broken.write_bytes(bytes(data))
    for path, pattern in [(junk, "not an SQLite database"), (foreign, "another program"),
                          (broken, "corrupt|another program")]:
        before = path.read_bytes()
        with pytest.raises(LibraryError, match=pattern):
            Library.open(path)
        assert path.read_bytes() == before
    with pytest.raises(LibraryError, match="no pose library"):
        Library.open(tmp_path / "absent.sqlite", create=False)
    with pytest.raises(LibraryError, match="folder"):
        Library.open(tmp_path)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    Library.open(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(LibraryError, match="newer"):
        Library.open(path)


def test_migration_from_version_1_keeps_data(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    migrate(con, 0, target=1)
    con.execute("INSERT INTO media(path, name, kind, content_hash, added, updated) "
                "VALUES ('/x.mp4', 'x.mp4', 'video', 'h', 0, 0)")
    con.close()
    assert len(MIGRATIONS) >= 2
    with Library.open(path) as lib:
        assert [m.path for m in lib.media()] == ["/x.mp4"]
        lib.set_tags(1, ["ok"])          # a table added by migration 2
        assert lib._query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert lib._query("PRAGMA journal_mode")[0][0] == "wal"


def test_default_library_path(monkeypatch, tmp_path):
    monkeypatch.setenv("POSEEXPLORER_DATA_DIR", str(tmp_path / "pd"))
    assert default_library_path() == tmp_path / "pd" / "poses.sqlite"
    monkeypatch.delenv("POSEEXPLORER_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_library_path() == tmp_path / "xdg" / "poseexplorer" / "poses.sqlite"


def test_damage_found_after_open_is_a_library_error(tmp_path):
    lib, mid, _ = _filled(tmp_path, n=400)
    assert lib.check() == []
    lib.close()
    path = tmp_path / "lib.sqlite"
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    data[5 * page:len(data) - page] = b"\x13" * (len(data) - 6 * page)   # wreck the detection pages
    path.write_bytes(bytes(data))
    with pytest.raises(LibraryError, match="damaged|corrupt"):
        with Library.open(path) as broken:
            broken.frames(mid)
