"""The retrieval panel shows the model's calibrated confidence (raw P in the tooltip), ranked by raw P;
without a calibration it shows raw P marked uncalibrated."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.embed.calibration import MEANING, Calibration, sidecar_path_for, write_calibration
from poseexplorer.embed.model import load_model
from poseexplorer.gui.job_runner import JobRunner
from poseexplorer.gui.panels.retrieval_panel import RetrievalPanel
from poseexplorer.session.search_jobs import IndexCache, SearchRequest, search_job
from poseexplorer.session.snapshot import LibrarySnapshot, MediaRow
from poseexplorer.gui.state import AppState
from poseexplorer.jobs import never_cancel, no_progress
from tests.embed.test_inputs import random_xy
from tests.embed.test_model import write

pytestmark = pytest.mark.gui
N = 40


def _snapshot(model) -> LibrarySnapshot:
    xy = random_xy(N, seed=3).astype(np.float32)
    scores = np.ones((N, 13), np.float32)
    emb = model.embed(xy, scores)
    media = (MediaRow(1, "a.npz", "/a.npz", kind="keypoints"), MediaRow(2, "b.npz", "/b.npz", kind="keypoints"))
    media_ids = np.where(np.arange(N) < N // 2, 1, 2).astype(np.int64)
    frames = (np.arange(N) % (N // 2)).astype(np.int64)
    return LibrarySnapshot(media, np.arange(N, dtype=np.int64), media_ids, frames, xy, scores, None,
                           np.asarray(emb.mean), np.asarray(emb.stddev), model_key="m")


def _panel_with_results(qtbot, model):
    state = AppState()
    panel = RetrievalPanel(state, JobRunner())
    qtbot.addWidget(panel)
    snap = _snapshot(model)
    state.set_model(model)
    state.set_snapshot(snap)
    panel._debounce.stop()  # no automatic search: the test drives the job itself
    rows = search_job(snap, model, IndexCache(), SearchRequest(pose_id=3, k=8))(no_progress, never_cancel)
    state.set_results(rows, 3)
    return panel, rows


def test_panel_shows_calibrated_confidence_and_raw_p_in_the_tooltip(qtbot, tmp_path):
    path = write(tmp_path)
    sha = load_model(path).sha256
    # a map far from the identity: P 0.05 -> 0.02, P 0.95 -> 0.30
    write_calibration(sidecar_path_for(path), Calibration((0.05, 0.5, 0.95), (0.02, 0.1, 0.3),
                                                          info={"model_sha256": sha}))
    model = load_model(path)
    panel, rows = _panel_with_results(qtbot, model)
    probs = [r.probability for r in rows]
    assert len(rows) == 8 and probs == sorted(probs, reverse=True)  # still ranked by raw P
    for i, r in enumerate(rows):
        assert r.confidence == pytest.approx(model.confidence(r.probability))
        assert abs(r.confidence - r.probability) > 0.01  # the calibrated value really differs
        item = panel.grid.item(i)
        assert f"· {100 * r.confidence:.0f}%" in item.text() and f"· {100 * r.probability:.0f}%" not in item.text()
        tip = item.toolTip()
        assert MEANING in tip and f"raw matching probability P {r.probability:.3f}" in tip
        assert f"confidence {r.confidence:.3f}" in tip and "uncalibrated" not in tip
    assert "calibrated" in panel.header.text()
    out = tmp_path / "m.csv"
    panel.export_csv(out)
    import csv

    exported = list(csv.DictReader(out.open()))
    assert [float(e["confidence"]) for e in exported] == pytest.approx([r.confidence for r in rows], abs=1e-6)
    assert [float(e["probability"]) for e in exported] == pytest.approx(probs, abs=1e-6)


def test_panel_without_calibration_shows_raw_p_marked_uncalibrated(qtbot, tmp_path):
    model = load_model(write(tmp_path))
    panel, rows = _panel_with_results(qtbot, model)
    for i, r in enumerate(rows):
        assert r.confidence is None
        assert f"· {100 * r.probability:.0f}%" in panel.grid.item(i).text()
        assert "uncalibrated" in panel.grid.item(i).toolTip()
    assert "uncalibrated" in panel.header.text()
