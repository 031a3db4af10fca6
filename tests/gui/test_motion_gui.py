"""The retrieval panel's 'by motion' option: a video (here keypoint-track) query's best frame per view is chosen
by the motion around it (session.motion_search), exactly as the headless job answers; off, the single-frame
answer comes back. Real widgets, the real library file, a real (tiny) model."""
from __future__ import annotations

import pytest

from poseexplorer.session.cross_view import per_media_search_job
from poseexplorer.session.motion_search import MomentCache, motion_search_job
from poseexplorer.session.search_jobs import IndexCache

from .test_explorer_window import idle, loaded, model_path, window  # noqa: F401

pytestmark = pytest.mark.gui


def _answered(w, panel) -> bool:
    return w.state.query_pose_id == w.state.pose_id and not panel.searching and idle(w) and bool(w.state.results)


def test_best_frame_per_view_by_motion_and_back(loaded, qtbot):
    w = loaded
    panel = w.retrieval
    snap = w.state.snapshot
    first = snap.media[0].media_id
    panel.per_media.setChecked(True)
    assert panel.by_motion.isEnabled() and panel.by_motion.isChecked()      # on by default for views
    seen: list[list] = []
    w.state.resultsChanged.connect(lambda *a: seen.append(list(w.state.results)))
    w.state.select_frame(first, 12)
    qtbot.waitUntil(lambda: _answered(w, panel), timeout=30000)
    shown = list(w.state.results)
    answers = [r for r in seen if r]
    assert len(answers) >= 2 and not any("motion_cost" in r.extra for r in answers[0])   # single frame first
    assert answers[-1] == shown                                                         # then by motion
    req = panel.request()
    nothing, never = (lambda *a: None), (lambda: False)
    headless = motion_search_job(snap, w.state.model, IndexCache(), MomentCache(), w.state.library_path, req,
                                 w.state.tracks)(nothing, never)
    assert [(r.pose_id, r.frame) for r in shown] == [(r.pose_id, r.frame) for r in headless]
    assert all("motion_cost" in r.extra for r in shown)
    assert "by motion" in panel.header.text()
    assert "motion" in panel.grid.item(0).toolTip()

    panel.by_motion.setChecked(False)
    qtbot.waitUntil(lambda: _answered(w, panel) and not any("motion_cost" in r.extra for r in w.state.results),
                    timeout=30000)
    single = per_media_search_job(snap, w.state.model, IndexCache(), panel.request())(nothing, never)
    assert [(r.pose_id, r.frame) for r in w.state.results] == [(r.pose_id, r.frame) for r in single]

    panel.per_media.setChecked(False)                    # a plain top-k list has no motion option
    assert not panel.by_motion.isEnabled()
