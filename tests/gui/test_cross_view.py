"""Cross-view search: one best frame per view, on by default for a multi-view library; the confidence
threshold; results sorted best first."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.session.cross_view import above_confidence, best_per_media, looks_multiview
from poseexplorer.session.search_jobs import ResultRow
from poseexplorer.session.snapshot import LibrarySnapshot, MediaRow

from .explorer_media import write_track
from .test_explorer_window import N_FRAMES, drop_paths, idle, loaded, model_path, window  # noqa: F401

pytestmark = pytest.mark.gui


def test_best_per_media_and_threshold_against_loops():
    rng = np.random.default_rng(3)
    rows = [ResultRow(i, int(rng.integers(0, 5)), i, float(rng.random()), confidence=float(rng.random()))
            for i in range(60)]
    best = best_per_media(rows)
    for media in {r.media_id for r in rows}:
        mine = [r for r in rows if r.media_id == media]
        assert [r for r in best if r.media_id == media] == [max(mine, key=lambda r: r.probability)]
    assert [r.probability for r in best] == sorted((r.probability for r in best), reverse=True)
    kept = above_confidence(rows, 0.4)
    assert kept == [r for r in rows if r.shown_confidence >= 0.4]


def test_multiview_library_is_recognised_by_matching_videos():
    def snap(*media):
        z = np.zeros(0, np.int64)
        return LibrarySnapshot(tuple(media), z, z, z, np.zeros((0, 13, 2), np.float32), np.zeros((0, 13), np.float32))

    cams = [MediaRow(i, f"cam0{i}.mp4", f"/v/cam0{i}.mp4", "video", 100, 30.0) for i in (1, 2)]
    assert looks_multiview(snap(*cams))
    assert not looks_multiview(snap(cams[0], MediaRow(3, "clip.mp4", "/v/clip.mp4", "video", 230, 30.0)))
    assert not looks_multiview(snap(cams[0], MediaRow(4, "slow.mp4", "/v/slow.mp4", "video", 100, 60.0)))
    assert not looks_multiview(snap(cams[0]))


def test_best_frame_per_view_answers_every_view_and_the_threshold_hides_weak_ones(loaded, qtbot, tmp_path):
    w = loaded
    c = write_track(tmp_path / "view_c.npz", N_FRAMES, phase=1.1, shift=(-20, 5), scale=0.8)
    drop_paths(w, [c])
    qtbot.waitUntil(lambda: len(w.state.snapshot) == 3 * N_FRAMES and w.state.snapshot.has_embeddings
                    and idle(w), timeout=60000)
    panel = w.retrieval
    assert not panel.per_media.isChecked()          # keypoint files are not recognised as camera views
    snap = w.state.snapshot
    first = snap.media[0].media_id
    panel.k.setValue(200)
    panel.by_motion.setChecked(False)               # the single-frame answer (by motion: tests/gui/test_motion_gui.py)
    w.state.select_frame(first, 7)
    qtbot.waitUntil(lambda: w.state.query_pose_id == w.state.pose_id and not panel.searching and idle(w),
                    timeout=20000)
    everything = list(w.state.results)              # all candidates of the other views, best first
    panel.per_media.setChecked(True)
    assert not panel.k.isEnabled()
    qtbot.waitUntil(lambda: len(w.state.results) == 2 and idle(w) and not panel.searching, timeout=20000)
    per_view = w.state.results
    assert {r.media_id for r in per_view} == {m.media_id for m in snap.media} - {first}
    expected = best_per_media(everything)
    assert [(r.pose_id, r.media_id) for r in per_view] == [(r.pose_id, r.media_id) for r in expected]
    assert np.allclose([r.probability for r in per_view], [r.probability for r in expected], rtol=1e-5)
    assert panel.grid.count() == 2 and "2 views (best frame each)" in panel.header.text()
    cut = (per_view[0].shown_confidence + per_view[1].shown_confidence) / 2
    panel.min_confidence.setValue(int(np.ceil(100 * cut)))
    shown = panel.shown_results()
    assert shown == [r for r in per_view if r.shown_confidence >= panel.min_confidence.value() / 100]
    assert panel.grid.count() == len(shown) and "hidden" in panel.header.text()
    out = tmp_path / "shown.csv"
    assert panel.export_csv(out) == len(shown)


def test_the_option_is_on_by_default_for_videos_of_one_scene(qtbot, tmp_path):
    from poseexplorer.gui.job_runner import JobRunner
    from poseexplorer.gui.panels.retrieval_panel import RetrievalPanel
    from poseexplorer.gui.state import AppState

    from .test_first_session import two_video_snapshot

    state = AppState()
    runner = JobRunner()
    panel = RetrievalPanel(state, runner)
    qtbot.addWidget(panel)
    state.set_snapshot(two_video_snapshot(tmp_path))      # two videos, same length and rate
    assert panel.per_media.isChecked() and not panel.k.isEnabled()
    panel.per_media.setChecked(False)                      # the user's choice stays
    (tmp_path / "again").mkdir()
    state.set_snapshot(two_video_snapshot(tmp_path / "again"))
    assert not panel.per_media.isChecked()
