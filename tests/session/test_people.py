"""People in the session without Qt: tracks per pose, the people of a frame, picking a person by a click,
following a person from frame to frame."""
from __future__ import annotations

import numpy as np

from poseexplorer.core.skeleton import COCO13_BONES
from poseexplorer.session import Session
from poseexplorer.session.people import TrackTable, frame_people, person_at
from poseexplorer.testing.people import SIZE, missing_b, two_people_library


def _session(tmp_path, views: int = 2) -> tuple[Session, list[int]]:
    ids = two_people_library(tmp_path / "lib.sqlite", tmp_path, views=views)
    session = Session()
    session.open_library(tmp_path / "lib.sqlite")
    session.reload()
    return session, ids


def test_track_table_lookups_against_a_dict():
    rng = np.random.default_rng(0)
    ids = np.unique(rng.integers(0, 500, 80))
    table = TrackTable(ids, rng.integers(1, 4, len(ids)), rng.integers(0, 3, len(ids)))
    query = rng.integers(-5, 510, 200)
    truth = dict(zip(ids.tolist(), table.track.tolist()))
    assert table.track_of(query).tolist() == [truth.get(int(q), -1) for q in query]
    for media in (1, 2, 3):
        counts = {}
        for m, t in zip(table.media_ids, table.track):
            if m == media:
                counts[int(t)] = counts.get(int(t), 0) + 1
        assert table.tracks_in(media) == sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert TrackTable.empty().track_of([1, 2]).tolist() == [-1, -1]


def _slow_person_at(xy, scores, point, min_visibility=0.5, reach=0.25, min_px=8.0):
    best = (-1, np.inf)
    for k in range(len(xy)):
        vis = [j for j in range(13) if scores[k][j] >= min_visibility and np.isfinite(xy[k][j]).all()]
        vis = vis or [j for j in range(13) if np.isfinite(xy[k][j]).all()]
        if not vis:
            continue
        xs, ys = [xy[k][j][0] for j in vis], [xy[k][j][1] for j in vis]
        pad = max(reach * max(max(xs) - min(xs), max(ys) - min(ys)), min_px)
        if not (min(xs) - pad <= point[0] <= max(xs) + pad and min(ys) - pad <= point[1] <= max(ys) + pad):
            continue
        ds = [float(np.hypot(*(xy[k][j] - point))) for j in vis]
        for a, b in COCO13_BONES:
            if a in vis and b in vis:
                for t in np.linspace(0, 1, 2001):
                    ds.append(float(np.hypot(*(xy[k][a] + t * (xy[k][b] - xy[k][a]) - point))))
        if min(ds) < best[1]:
            best = (k, min(ds))
    return best[0]


def test_person_at_against_a_slow_loop():
    rng = np.random.default_rng(1)
    for _ in range(40):
        p = int(rng.integers(1, 4))
        xy = (rng.uniform(0, 60, (p, 13, 2)) + rng.uniform(0, 200, (p, 1, 2))).astype(np.float32)
        scores = rng.uniform(0, 1, (p, 13)).astype(np.float32)
        for point in rng.uniform(-20, 280, (10, 2)):
            assert person_at(xy, scores, point) == _slow_person_at(xy, scores, point)
    assert person_at(np.zeros((0, 13, 2)), np.zeros((0, 13)), (1, 1)) == -1


def test_frame_people_and_following_a_person(tmp_path):
    session, (cam1, cam2) = _session(tmp_path)
    assert len(session.tracks) == len(session.snapshot)          # every pose of this library is tracked
    assert [t for t, _ in session.tracks.tracks_in(cam1)] == [0, 1] and session.tracks.tracks_in(cam2)[0][1] == 24
    session.select_media(cam1, 2)                                # frame 2: B is listed first (the "best")
    people = frame_people(session.snapshot, session.tracks, cam1, 2)
    assert len(people) == 2 and people.xy[0, 0, 0] > SIZE[0] / 2
    assert session.pose_id == people.pose_ids[0]                  # no person chosen: the best one
    a = int(np.flatnonzero(people.xy[:, 0, 0] < SIZE[0] / 2)[0])
    events = []
    session.subscribe(lambda e, *args: events.append((e, *args)))
    session.select_person(int(people.pose_ids[a]))
    assert session.pose_id == people.pose_ids[a] and session.track == people.track[a] == 0
    assert ("pose_selected", int(people.pose_ids[a])) in events
    for f in range(24):                                           # A is followed, whatever the order
        session.select_frame(cam1, f)
        row = session.snapshot.row_of(session.pose_id)
        assert row >= 0 and session.snapshot.xy[row][0, 0] < SIZE[0] / 2
    session.select_person(int(frame_people(session.snapshot, session.tracks, cam1, 4).pose_ids[1]))   # B
    session.select_frame(cam1, 5)
    assert missing_b(5) and session.pose_id == -1                 # the followed person is not in this frame
    session.select_person(-1)                                     # back to the best person of each frame
    assert session.track == -1 and session.pose_id == session.snapshot.pose_at(cam1, 5)
    b_in_cam2 = frame_people(session.snapshot, session.tracks, cam2, 3)
    b = int(b_in_cam2.pose_ids[b_in_cam2.xy[:, 0, 0] > SIZE[0] / 2][0])
    session.select_pose(b)                                        # a result in another view: that person
    assert (session.media_id, session.frame, session.pose_id) == (cam2, 3, b) and session.track == 0
    session.select_frame(cam2, 4)
    assert session.snapshot.xy[session.snapshot.row_of(session.pose_id)][0, 0] > SIZE[0] / 2


def test_best_per_person_against_a_loop():
    from poseexplorer.session.person_search import best_per_person
    from poseexplorer.session.search_jobs import ResultRow

    rng = np.random.default_rng(4)
    ids = np.arange(100, 160)
    tracks = TrackTable(ids[::2].copy(), np.ones(30, np.int64), rng.integers(0, 3, 30))
    rows = [ResultRow(int(i), int(rng.integers(0, 3)), 0, float(rng.random())) for i in ids]
    best = best_per_person(rows, tracks)
    keys = {(r.media_id, int(tracks.track_of([r.pose_id])[0])) for r in rows}
    assert len(best) == len(keys)
    for media, track in keys:
        mine = [r for r in rows if (r.media_id, int(tracks.track_of([r.pose_id])[0])) == (media, track)]
        assert max(mine, key=lambda r: r.probability) in best
    assert [r.probability for r in best] == sorted((r.probability for r in best), reverse=True)


def test_person_groups_leave_out_short_tracks_but_keep_untracked_poses():
    from poseexplorer.session.person_search import person_groups
    from poseexplorer.session.snapshot import LibrarySnapshot, MediaRow

    ids = np.arange(40, dtype=np.int64)
    media = np.where(ids < 30, 1, 2).astype(np.int64)
    snap = LibrarySnapshot((MediaRow(1, "a", "a"), MediaRow(2, "b", "b")), ids, media, ids % 15,
                           np.zeros((40, 13, 2), np.float32), np.ones((40, 13), np.float32))
    track = np.r_[np.zeros(20), np.ones(7), np.full(3, 2)].astype(np.int64)   # 20, 7 and 3 poses in media 1
    tracks = TrackTable(ids[:30], media[:30], track)
    groups = person_groups(snap, tracks, 1)
    assert [g.tolist() for g in groups] == [list(range(20)), list(range(20, 27))]   # 3 < 0.2 * 20: left out
    assert [g.tolist() for g in person_groups(snap, tracks, 2)] == [list(range(30, 40))]  # untracked: one
