"""The application's flows without Qt: open a library, import, search, sync and export through a Session,
with the real library file, the real import path and the bundled model."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from poseexplorer.jobs import Cancelled
from poseexplorer.session import Session, VideoSource
from poseexplorer.core.npmpjpe import np_mpjpe
from poseexplorer.testing import keypoint_track, motion_poses, warp

FPS_A, N_A = 30.0, 90


def test_importing_the_session_loads_no_qt():
    code = ("import sys, poseexplorer.session, poseexplorer.testing; "
            "bad = [m for m in ('PySide6', 'pyqtgraph', 'OpenGL', 'torch') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def _recording(session: Session) -> list[tuple]:
    events: list[tuple] = []
    session.subscribe(lambda event, *args: events.append((event, *args)))
    return events


def test_import_search_results(tmp_path, bundled_model):
    """Two views of one motion: a pose's best match in the other media has a close 3D pose (NP-MPJPE)."""
    times = np.arange(60) / FPS_A
    front = keypoint_track(tmp_path / "front.npz", times, FPS_A, yaw=0.0)
    side = keypoint_track(tmp_path / "side.npz", times, FPS_A, yaw=0.7)
    session = Session()
    events = _recording(session)
    session.open_library(tmp_path / "lib.sqlite")
    session.set_model(bundled_model)
    report = session.import_paths([front, side])

    assert all(f.ok for f in report.files) and len(report.files) == 2
    snap = session.snapshot
    assert len(snap.media) == 2 and len(snap) == 120 and snap.has_embeddings
    front_id = next(m.media_id for m in snap.media if m.name == "front.npz")
    side_id = next(m.media_id for m in snap.media if m.name == "side.npz")
    assert session.media_id == front_id and session.pose_id == snap.pose_at(front_id, 0)  # opened the import
    names = [e[0] for e in events]
    last_snapshot = len(names) - 1 - names[::-1].index("snapshot_changed")
    assert names.index("library_changed") < names.index("model_changed") < last_snapshot
    assert ("media_selected", front_id) in events

    joints = motion_poses(seed=5, times=times)
    ranks = []
    for frame in range(5, 55, 7):
        session.select_frame(front_id, frame)
        rows = session.search(session.search_request(k=5))
        assert session.results == rows and session.query_pose_id == snap.pose_at(front_id, frame)
        assert [r.media_id for r in rows] == [side_id] * 5              # the query's own media is excluded
        probs = [r.probability for r in rows]
        assert probs == sorted(probs, reverse=True) and 0 < probs[-1] <= probs[0] <= 1
        all_frames = np_mpjpe(joints[frame][None], joints)           # the query's 3D pose against every frame
        ranks.append(float(np.mean(all_frames < all_frames[rows[0].frame])))
    assert events[-1] == ("results_changed",)
    assert np.median(ranks) <= 0.2, ranks      # the best hit is among the closest 3D poses (random: 0.5)

    session.set_selection(np.array([snap.pose_at(side_id, 30)]))
    only = session.search(session.search_request(snap.pose_at(front_id, 10), k=5))
    assert [r.pose_id for r in only] == [snap.pose_at(side_id, 30)]   # the selection restricts the search


def test_remove_media_drops_its_poses_and_selection(tmp_path, bundled_model):
    times = np.arange(20) / FPS_A
    a = keypoint_track(tmp_path / "a.npz", times, FPS_A)
    b = keypoint_track(tmp_path / "b.npz", times, FPS_A, yaw=0.4)
    session = Session()
    session.open_library(tmp_path / "lib.sqlite")
    session.set_model(bundled_model)
    session.import_paths([a, b])
    shown = session.media_id
    session.remove_media([shown])
    assert [m.name for m in session.snapshot.media] == ["b.npz"] and len(session.snapshot) == 20
    assert session.media_id == -1 and session.pose_id == -1


def test_flows_need_a_library_and_a_model():
    session = Session()
    with pytest.raises(RuntimeError, match="no library"):
        session.import_job(["x.mp4"])
    with pytest.raises(RuntimeError, match="no model"):
        session.search_job(session.search_request(3))


def test_sync_flow_recovers_a_known_warp_saves_it_and_exports(tmp_path, bundled_model):
    """Keypoint tracks (no detector): indexed into the library by the sync job, aligned, the sync pair kept
    in the library, and the synced pair written as one video."""
    from poseexplorer.io import open_media
    from poseexplorer.library import Library

    fps_b, n_b, params = 20.0, 50, (0.4, 0.85, 0.08, 2.5)
    a = keypoint_track(tmp_path / "a.npz", np.arange(N_A) / FPS_A, FPS_A, (400, 600))
    b = keypoint_track(tmp_path / "b.npz", warp(np.arange(n_b) / fps_b, *params), fps_b, (300, 300), yaw=0.5)
    session = Session()
    session.open_library(tmp_path / "lib.sqlite")
    session.set_model(bundled_model)
    seen = []
    result = session.sync([VideoSource(str(a)), VideoSource(str(b))],
                          progress=lambda done, total, msg="": seen.append((done, total)))

    assert seen[-1] == (1000, 1000) and all(d1 <= d2 for (d1, _), (d2, _) in zip(seen, seen[1:]))
    sync = result.followers[0].sync_map
    span = warp(np.array([0.0, (n_b - 1) / fps_b]), *params)
    err = [abs(warp(np.array([sync[i] / fps_b]), *params)[0] - i / FPS_A) for i in range(N_A)
           if span[0] <= i / FPS_A <= span[1]]
    assert np.median(err) <= 1.0 / fps_b and np.max(err) <= 3.0 / fps_b
    with Library.open(tmp_path / "lib.sqlite") as lib:
        pairs = lib.sync_pairs()
    assert [(p.media_a, p.media_b) for p in pairs] == [(result.reference.media_id, result.followers[0].media_id)]
    np.testing.assert_array_equal(pairs[0].path[:, 1], sync)

    out = session.export_sync(result, tmp_path / "synced.avi")
    with open_media(out) as reader:
        assert len(reader) == N_A and reader.size[1] == 600

    with pytest.raises(Cancelled):
        session.sync([VideoSource(str(a)), VideoSource(str(b))], cancel=lambda: True)


def test_use_model_job_embeds_the_library_with_the_new_model(tmp_path, bundled_model):
    """Switching models re-embeds the stored detections: every pose gets an embedding under the new model."""
    from pathlib import Path

    from poseexplorer.jobs import never_cancel, no_progress
    from poseexplorer.library import Library
    from poseexplorer.session.library_jobs import use_model_job

    track = keypoint_track(tmp_path / "front.npz", np.arange(30) / FPS_A, FPS_A, yaw=0.0)
    session = Session()
    session.open_library(tmp_path / "lib.sqlite")
    session.set_model(bundled_model)
    session.import_paths([track])
    other = Path(__file__).resolve().parents[2] / "assets" / "prvipe.safetensors"
    model = use_model_job(str(other), str(tmp_path / "lib.sqlite"))(no_progress, never_cancel)
    assert model.sha256 != bundled_model.sha256
    with Library.open(tmp_path / "lib.sqlite") as lib:
        poses = lib.poses()
        ids, _emb = lib.embeddings(str(model.sha256), poses.pose_id)
    assert len(poses) == 30 and np.array_equal(np.sort(ids), np.sort(poses.pose_id))
