"""Several people per frame in the library: the schema upgrade keeps older files whole, people and tracks."""
from __future__ import annotations

import sqlite3

import numpy as np

from poseexplorer.detect import Detection
from poseexplorer.library import Library
from poseexplorer.library import people as pp
from poseexplorer.library.schema import SCHEMA_VERSION, migrate


def _det(seed: int, shift=(0.0, 0.0)) -> Detection:
    rng = np.random.default_rng(seed)
    lms = rng.uniform(0, 100, (33, 3)).astype(np.float32)
    lms[:, :2] += np.asarray(shift, np.float32)
    lms[:, 2] = rng.uniform(0.5, 1, 33)
    return Detection.from_landmarks(lms, rng.normal(size=(33, 3)).astype(np.float32))


def _old_library(path) -> dict:
    """A file at schema version 2 (one person per frame) with media, detections, embeddings, tags and a
    sync pair, written with plain SQL as that version did; returns what it holds."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    migrate(conn, 0, target=2)
    conn.execute("INSERT INTO media(id, path, name, kind, content_hash, added, updated, status) "
                 "VALUES (1, '/v/a.mp4', 'a.mp4', 'video', 'h1', 0, 0, 'done'), "
                 "(2, '/v/b.mp4', 'b.mp4', 'video', 'h2', 0, 0, 'done')")
    dets = {}
    for media in (1, 2):
        for f in range(4):
            d = None if f == 2 else _det(10 * media + f)
            dets[(media, f)] = d
            xy, sc, lm, w = (None,) * 4 if d is None else (d.xy.tobytes(), d.scores.tobytes(),
                                                          d.landmarks.tobytes(), d.world.tobytes())
            conn.execute("INSERT INTO detections(media_id, frame_index, xy, scores, landmarks, world) "
                         "VALUES (?,?,?,?,?,?)", (media, f, xy, sc, lm, w))
    conn.execute("INSERT INTO models(key, name, dim, added) VALUES ('k', 'm', 2, 0)")
    ids = [r[0] for r in conn.execute("SELECT id FROM detections WHERE xy IS NOT NULL ORDER BY id")]
    for i in ids:
        conn.execute("INSERT INTO embeddings(model_key, pose_id, mean, stddev) VALUES ('k', ?, ?, ?)",
                     (i, np.float32([i, -i]).tobytes(), np.float32([1, 2]).tobytes()))
    conn.execute("INSERT INTO tags(media_id, tag) VALUES (1, 'dance')")
    conn.execute("INSERT INTO sync_pairs(media_a, media_b, name, path, created) VALUES (1, 2, 's', ?, 0)",
                 (np.int64([[0, 0], [3, 3]]).tobytes(),))
    conn.close()
    return {"dets": dets, "pose_ids": ids}


def test_an_older_library_upgrades_with_nothing_lost(tmp_path):
    path = tmp_path / "old.sqlite"
    held = _old_library(path)
    with Library.open(path) as lib:
        version = lib._query("PRAGMA user_version")[0][0]
        assert version == SCHEMA_VERSION >= 3
        for media in (1, 2):
            ft = lib.frames(media)
            assert ft.frame_index.tolist() == [0, 1, 2, 3]
            for f in range(4):
                d = held["dets"][(media, f)]
                if d is None:
                    assert ft.pose_id[f] == -1
                else:
                    assert np.array_equal(ft.xy[f], d.xy) and np.array_equal(ft.world[f], d.world)
        ids, emb = lib.embeddings("k")
        assert ids.tolist() == held["pose_ids"]
        assert np.array_equal(emb.mean, np.float32([[i, -i] for i in ids]))
        assert lib.tags(1) == ["dance"] and len(lib.sync_pairs()) == 1
        table = pp.people(lib, 1)
        assert table.person.tolist() == [0, 0, 0] and table.track.tolist() == [-1, -1, -1]
        assert lib._query("PRAGMA foreign_keys")[0][0] == 1
        lib.remove_media(1)                          # cascades still work after the rebuild
        assert len(lib.embeddings("k")[0]) == 3 and lib.sync_pairs() == []


def test_people_round_trip_tracks_and_one_person_view(tmp_path):
    with Library.open(tmp_path / "lib.sqlite") as lib:
        mid = lib.add_media("/v/c.mp4", "video", "h3", frames=6)
        rows = []
        for f in range(6):
            a, b = _det(1, (10 * f, 0)), _det(2, (400 - 10 * f, 300))
            found = [] if f == 3 else ([b, a] if f % 2 else [a, b])
            if f == 4:
                found = [b]                                   # a missed once: the gap is bridged
            rows.append((f, found))
        assert pp.add_people(lib, mid, rows) == 2 * 6 - 2 - 1 + 1
        assert pp.add_people(lib, mid, rows[:2]) == 0         # stored frames are kept, not duplicated
        assert lib.done_frames(mid).tolist() == list(range(6))
        assert len(lib.frames(mid)) == 6 and lib.frames(mid).pose_id[3] == -1
        assert pp.update_tracks(lib, mid) == 2
        table = pp.people(lib, mid)
        is_a = table.xy[:, 0, 1] < 200
        assert len(set(table.track[is_a])) == 1 and len(set(table.track[~is_a])) == 1
        ta = int(table.track[is_a][0])
        assert set(pp.track_of(lib, table.pose_id).tolist()) == {0, 1}
        one = pp.track_frames(lib, mid, ta)
        assert one.frame_index.tolist() == list(range(6))
        assert one.has_pose.tolist() == [True, True, True, False, False, True]
        assert np.all(one.xy[one.has_pose][:, 0, 1] < 200)
        assert len(lib.poses()) == len(table) == 9


def test_exports_carry_person_and_track(tmp_path):
    import csv
    import json

    from poseexplorer.library.export import export_media

    with Library.open(tmp_path / "lib.sqlite") as lib:
        mid = lib.add_media("/v/d.mp4", "video", "h4", frames=3)
        pp.add_people(lib, mid, [(0, [_det(1), _det(2, (300, 0))]), (1, []), (2, [_det(2, (305, 0))])])
        pp.update_tracks(lib, mid)
        media = lib.media_info(mid)
        paths = {fmt: export_media(lib, media, tmp_path / "out", fmt) for fmt in ("csv", "json", "npz")}
        truth = pp.people(lib, mid)
    with open(paths["csv"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["frame"], r["person"]) for r in rows] == [("0", "0"), ("0", "1"), ("1", "0"), ("2", "0")]
    assert rows[2]["pose_id"] == "-1" and rows[2]["nose_x"] == ""
    by_pose = dict(zip(truth.pose_id.tolist(), truth.track.tolist()))
    assert all(int(r["track"]) == by_pose.get(int(r["pose_id"]), -1) for r in rows)
    assert int(rows[1]["track"]) == int(rows[3]["track"]) != int(rows[0]["track"])   # the same person
    npz = np.load(paths["npz"])
    assert npz["person"].tolist() == [0, 1, 0, 0] and npz["track"].tolist() == [int(r["track"]) for r in rows]
    doc = json.loads(paths["json"].read_text())
    assert [f["track"] for f in doc["frames"]] == [int(r["track"]) if r["track"] != "-1" else None for r in rows]
