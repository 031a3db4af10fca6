"""Several people per frame in the GUI, with real widgets and a real SQLite library of two tracked people:
every person drawn in its track colour, a click selects a person (followed from frame to frame)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from poseexplorer.gui.state import AppState
from poseexplorer.session.people import frame_people
from poseexplorer.testing.people import SIZE, two_people_library

pytestmark = pytest.mark.gui


def people_state(tmp_path, views: int = 2, model=None) -> tuple[AppState, list[int]]:
    ids = two_people_library(tmp_path / "lib.sqlite", tmp_path, views=views)
    state = AppState()
    state.open_library(tmp_path / "lib.sqlite")
    if model is not None:
        state.set_model(model)
    state.reload()
    return state, ids


def click_frame_point(qtbot, view, x: float, y: float) -> None:
    """A left click on the FrameView at frame pixel (x, y)."""
    scene = view.viewbox.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))


def test_viewer_draws_everyone_and_a_click_selects_and_follows_a_person(qtbot, tmp_path):
    from poseexplorer.gui.panels.viewer_panel import ViewerPanel
    from poseexplorer.gui.views.skeleton_style import track_colour

    state, (cam1, _cam2) = people_state(tmp_path)
    viewer = ViewerPanel(state)
    qtbot.addWidget(viewer)
    viewer.resize(640, 520)
    viewer.show()
    state.select_media(cam1, 2)
    qtbot.waitUntil(lambda: viewer.shown_frame == 2, timeout=10000)
    people = frame_people(state.snapshot, state.tracks, cam1, 2)
    overlay = viewer.view.people
    assert overlay.count == 2 and overlay.selected == 0 == people.index_of(state.pose_id)   # the best person
    assert [lab.textItem.toPlainText() for lab in overlay._labels[:2]] == [f"track {t}" for t in people.track]
    assert overlay._curves[1][0].opts["pen"].color().getRgb()[:3] == track_colour(int(people.track[1]))
    assert "2 people" in viewer.pose_label.text()

    a = int(np.flatnonzero(people.xy[:, 0, 0] < SIZE[0] / 2)[0])     # person A, not the best in frame 2
    hip = people.xy[a, 7:9].mean(axis=0)
    click_frame_point(qtbot, viewer.view, *hip)
    assert state.pose_id == people.pose_ids[a] and state.track == people.track[a]
    assert overlay.selected == a and "followed" in viewer.pose_label.text()
    for f in (3, 4, 8):                                               # the track is followed
        viewer.step(1) if f == 3 else state.select_frame(cam1, f)
        qtbot.waitUntil(lambda f=f: viewer.shown_frame == f, timeout=10000)
        row = state.snapshot.row_of(state.pose_id)
        assert state.snapshot.xy[row][0, 0] < SIZE[0] / 2
        assert overlay.selected == frame_people(state.snapshot, state.tracks, cam1, f).index_of(state.pose_id) >= 0
    qtbot.wait(600)                                                   # not a double click
    click_frame_point(qtbot, viewer.view, SIZE[0] / 2, 10)             # beside everyone: the best person again
    assert state.track == -1 and state.pose_id == state.snapshot.pose_at(cam1, 8)
    viewer.loader.stop()


def test_retrieval_from_the_selected_person_one_result_per_person(qtbot, tmp_path, bundled_model):
    import csv

    from poseexplorer.gui.job_runner import JobRunner
    from poseexplorer.gui.panels.retrieval_panel import RetrievalPanel

    state, (cam1, cam2) = people_state(tmp_path, model=bundled_model)
    runner = JobRunner()
    panel = RetrievalPanel(state, runner)
    qtbot.addWidget(panel)
    panel.per_person.setChecked(True)
    assert not panel.k.isEnabled()
    state.select_media(cam1, 6)
    people = frame_people(state.snapshot, state.tracks, cam1, 6)
    a = int(people.pose_ids[people.xy[:, 0, 0] < SIZE[0] / 2][0])
    b = int(people.pose_ids[people.xy[:, 0, 0] > SIZE[0] / 2][0])
    for who, left in ((a, True), (b, False)):
        state.select_person(who)                            # what a click on that person in the viewer does
        qtbot.waitUntil(lambda: state.query_pose_id == who and not panel.searching and runner.running_count == 0,
                        timeout=30000)
        results = state.results
        assert [r.media_id for r in results] == [cam2, cam2]                 # both people of the other view
        assert sorted(state.tracks.track_of([r.pose_id for r in results]).tolist()) == [0, 1]
        best = state.snapshot.row_of(results[0].pose_id)
        assert (state.snapshot.xy[best][0, 0] < SIZE[0] / 2) == left          # the same person ranks first
        assert abs(results[0].frame - 6) <= 3
        assert "2 people (best frame each)" in panel.header.text()
        assert all("track" in panel.grid.item(i).text() for i in range(panel.grid.count()))
    out = tmp_path / "people.csv"
    assert panel.export_csv(out) == 2
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["track"]) for r in rows] == state.tracks.track_of([r.pose_id for r in state.results]).tolist()
    panel.per_person.setChecked(False)
    panel.per_media.setChecked(True)                        # one result per media again
    qtbot.waitUntil(lambda: len(state.results) == 1 and not panel.searching and runner.running_count == 0, timeout=30000)
    runner.cancel_all()


def test_sync_panel_person_picker_drives_each_videos_alignment(qtbot, tmp_path, bundled_model):
    from poseexplorer.gui.sync_panel import SyncPanel
    from poseexplorer.gui.sync.source_table import BEST
    from poseexplorer.testing.people import missing_b

    state, (cam1, cam2) = people_state(tmp_path, model=bundled_model)
    panel = SyncPanel(state)
    qtbot.addWidget(panel)
    panel.add_library_media(cam1, "cam01.avi")
    panel.add_library_media(cam2, "cam02.avi")
    table = panel.source_list
    assert table.count() == 2
    picker = table.picker(1)
    assert [picker.itemText(i) for i in range(picker.count())] == [BEST, "track 1 (24 frames)", "track 0 (21 frames)"]
    assert [s.track for s in panel.sources()] == [None, None]            # default: the best person per frame
    table.choose(0, 0)                                                    # A in cam01
    table.choose(1, 0)                                                    # B in cam02
    assert [s.track for s in panel.sources()] == [0, 0]
    with qtbot.waitSignal(panel.synced, timeout=60000):
        panel.start_sync()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)
    result = panel.result()
    ref, follower = result.reference.xy, result.followers[0].xy
    assert np.all(ref[:, 0, 0] < SIZE[0] / 2)                            # person A's motion
    gone = np.array([missing_b(f) for f in range(len(follower))])
    assert np.all(np.isnan(follower[gone])) and np.all(follower[~gone][:, 0, 0] > SIZE[0] / 2)   # person B's
    table.choose(1, None)
    assert panel.sources()[1].track is None
    panel.shutdown()


def test_track_groups_against_a_loop():
    from poseexplorer.gui.panels.scatter_panel import track_groups
    from poseexplorer.gui.views.skeleton_style import TRACK_PALETTE, UNTRACKED, track_colour

    track = np.concatenate([np.arange(-1, 19), [20, 36]])
    groups, colours, names = track_groups(track)
    for t, g in zip(track, groups):
        assert colours[g] == (UNTRACKED if t < 0 else track_colour(int(t)))
    assert len(colours) == len(TRACK_PALETTE) + 1 and names[-1] == "untracked"
    assert names[0] == "tracks 0, 8, 16" and names[4] == "tracks 4, 12, 20, …" and names[5] == "tracks 5, 13"


def test_scatter_colours_by_person_track(qtbot, tmp_path, bundled_model):
    from poseexplorer.gui.job_runner import JobRunner
    from poseexplorer.gui.panels.scatter_panel import BY_TRACK, ScatterPanel
    from poseexplorer.gui.views.skeleton_style import track_colour

    state, _ids = people_state(tmp_path, model=bundled_model)
    runner = JobRunner()
    panel = ScatterPanel(state, runner)
    qtbot.addWidget(panel)
    panel.view.device_cache = False
    panel.recompute()
    qtbot.waitUntil(lambda: panel.coords is not None, timeout=30000)
    panel.colour_by.setCurrentIndex(BY_TRACK)
    items = panel.view._items
    assert len(items) == 2 and panel.view.point_count == len(state.snapshot)
    track = state.tracks.track_of(state.snapshot.pose_ids[panel._rows])
    for item, t in zip(items, (0, 1)):
        colour = item.opts["brush"].color().getRgb()[:3]
        assert colour == track_colour(t)
        assert sorted(item.data["x"].tolist()) == sorted(panel.coords[track == t, 0].astype(float).tolist())
    legend = [label.text for _sample, label in panel.view.legend.items]
    assert legend == ["track 0", "track 1"]
    panel.colour_by.setCurrentIndex(0)                       # by media again: one item per view
    assert len(panel.view._items) == 2 and [lab.text for _s, lab in panel.view.legend.items] == ["cam01.avi",
                                                                                              "cam02.avi"]
    runner.cancel_all()
