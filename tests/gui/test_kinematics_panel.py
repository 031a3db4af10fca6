"""The Kinematics panel: joint angles and a keypoint's speed of the viewer's media or of synced videos on
the reference timeline, a cursor that follows playback, clicks that go to a frame, and CSV export."""
from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest

from poseexplorer.align import MatchParams
from poseexplorer.align.playback import paired_frames
from poseexplorer.core.kinematics import CONVENTION, joint_angles, kinematics_table
from poseexplorer.gui.panels.kinematics_panel import SYNCED, VIEWER, KinematicsPanel
from poseexplorer.gui.panels.viewer_panel import ViewerPanel
from poseexplorer.gui.state import AppState
from poseexplorer.session.snapshot import LibrarySnapshot, MediaRow

from .explorer_media import waving_track
from .sync_media import coded_sequence, warp, write_coded_video

pytestmark = pytest.mark.gui
N, FPS = 60, 30.0


def _curve(plot, name: str) -> np.ndarray:
    items = [i for i in plot.listDataItems() if i.name() == name]
    assert len(items) == 1, [i.name() for i in plot.listDataItems()]
    return items[0].getData()[1]


@pytest.fixture
def keypoint_state():
    """A keypoint media of a figure waving its left arm; frames 20-24 without a pose."""
    xy, scores = waving_track(N)
    keep = np.r_[0:20, 25:N]
    media = (MediaRow(1, "wave.npz", "/nowhere/wave.npz", "keypoints", N, FPS, (200, 300), "done"),)
    state = AppState()
    state.set_snapshot(LibrarySnapshot(media, keep.astype(np.int64) + 500, np.ones(len(keep), np.int64),
                                       keep.astype(np.int64), xy[keep], scores[keep]))
    state.min_visibility = 0.5
    return state, xy, scores, keep


def test_viewer_media_angles_speed_cursor_click_and_csv(keypoint_state, qtbot, tmp_path):
    state, xy, scores, keep = keypoint_state
    kin = KinematicsPanel(state)
    qtbot.addWidget(kin)
    kin.groups["Elbows"].setChecked(True)
    kin.keypoint.setCurrentText("left_wrist")
    state.select_media(1, 0)
    assert kin.source.currentText() == VIEWER and kin.curves.videos == ("wave.npz",)
    known = np.full((N, 13, 2), np.nan)
    known[keep] = xy[keep]
    want = joint_angles(known, np.where(np.isin(np.arange(N), keep)[:, None], scores, 0), 0.5)
    got = _curve(kin.angle_plot, "left_elbow")
    np.testing.assert_allclose(got, want["left_elbow"], equal_nan=True)
    assert np.isnan(got[20:25]).all() and np.nanmax(got) - np.nanmin(got) > 30   # the waving arm bends
    np.testing.assert_allclose(_curve(kin.angle_plot, "left_knee"), want["left_knee"], equal_nan=True)
    speed = _curve(kin.speed_plot, "left_wrist")
    assert np.nanmax(speed) > 0 and np.isnan(speed[20:25]).all()
    # the cursor follows the viewer's playback; a click on a plot goes to that frame
    viewer = ViewerPanel(state)
    qtbot.addWidget(viewer)
    viewer.play()
    qtbot.waitUntil(lambda: state.frame >= 10, timeout=5000)
    viewer.pause()
    assert kin.cursor_frame() == state.frame
    kin.go_to(33)
    assert state.frame == 33 and kin.cursor_frame() == 33
    path = kin.export_csv(tmp_path / "wave.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "# wave.npz" and lines[1] == f"# {CONVENTION}"
    rows = list(csv.DictReader(lines[2:]))
    assert len(rows) == N and rows[22]["left_elbow_deg"] == ""
    assert float(rows[40]["left_elbow_deg"]) == pytest.approx(want["left_elbow"][40], abs=1e-3)


def test_synced_videos_are_overlaid_on_the_reference_timeline(qtbot, tmp_path):
    from poseexplorer.gui.sync_panel import SyncPanel

    sync = SyncPanel(model=MatchParams(2.0, 1.0))
    qtbot.addWidget(sync)
    n_b, fps_b = 50, 20.0
    a = coded_sequence(write_coded_video(tmp_path / "a.avi", N, FPS, (160, 120)), "a.avi", np.arange(N) / FPS, FPS)
    times_b = warp(np.arange(n_b) / fps_b, 0.3, 0.9, 0.05, 2.0)
    b = coded_sequence(write_coded_video(tmp_path / "b.avi", n_b, fps_b, (120, 160)), "b.avi", times_b, fps_b)
    xy_a, _ = waving_track(N)
    xy_b, _ = waving_track(n_b, phase=1.0)
    sync.add_sequence(replace(a, xy=xy_a))
    sync.add_sequence(replace(b, xy=xy_b))
    kin = KinematicsPanel(AppState())
    qtbot.addWidget(kin)
    sync.synced.connect(lambda _r: kin.follow_sync(sync))
    with qtbot.waitSignal(sync.synced, timeout=20000):
        sync.start_sync()
    qtbot.waitUntil(lambda: not sync.is_busy(), timeout=5000)
    players = sync.players
    assert kin.source.currentText() == SYNCED and kin.curves.videos == ("a.avi", "b.avi")
    paired = paired_frames(N, players.tracks)
    np.testing.assert_array_equal(kin.curves.paired, paired)
    _, table_b = kinematics_table(xy_b, fps_b)
    knee_col = list(kin.curves.columns).index("left_knee_deg")
    np.testing.assert_allclose(_curve(kin.angle_plot, "b.avi left_knee"), table_b[paired[:, 1], knee_col],
                               equal_nan=True)
    assert len(_curve(kin.speed_plot, "b.avi right_wrist")) == N       # the follower on the reference's frames
    players.seek(40)
    assert kin.cursor_frame() == 40
    players.set_nudge(0, 3)                                            # a nudge moves the follower's curves
    np.testing.assert_array_equal(kin.curves.paired, paired_frames(N, players.tracks))
    assert not np.array_equal(kin.curves.paired, paired)
    kin.go_to(12)
    assert players.reference_frame() == 12
    lines = kin.export_csv(tmp_path / "synced.csv").read_text().splitlines()
    assert "synced on the timeline of a.avi" in lines[0]
    header = lines[2].split(",")
    assert header[0] == "reference_frame" and "b.avi:left_knee_deg" in header and len(lines) == 3 + N
    players.clear()


def test_the_main_window_has_a_kinematics_dock_beside_scatter_and_sync(qtbot):
    from poseexplorer.gui.main_window import MainWindow
    from poseexplorer.gui.settings import AppSettings

    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    assert isinstance(w.kinematics, KinematicsPanel)
    assert w.docks["Kinematics"] in w.tabifiedDockWidgets(w.docks["Scatter"])
    w.close()
