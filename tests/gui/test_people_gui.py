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
