"""A large keypoint file shows progress from the start: reading, storing and embedding each report every
few thousand rows (the CLI's counter, the GUI job's callbacks); cancel stops between batches and the next
run of the same file completes it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poseexplorer.io import keypoint_files
from poseexplorer.io.keypoint_files import write_keypoint_csv
from poseexplorer.jobs import Cancelled
from poseexplorer.library import Library, keypoint_import
from poseexplorer.library.indexer import IndexCancelled, index_paths
from tests.library.fakes import FakeModel

REPO = Path(__file__).resolve().parents[2]
ROWS = 1200


def _csv(path: Path, n: int = ROWS) -> Path:
    rng = np.random.default_rng(0)
    xy = rng.uniform(50, 400, (n, 13, 2)).astype(np.float32)
    write_keypoint_csv(path, np.arange(n), xy, rng.uniform(0.5, 1, (n, 13)).astype(np.float32))
    return path


@pytest.fixture()
def small_steps(monkeypatch):
    monkeypatch.setattr(keypoint_files, "PROGRESS_ROWS", 100)
    monkeypatch.setattr(keypoint_import, "BATCH", 100)


def test_every_phase_reports_progress_every_few_rows(tmp_path, small_steps):
    csv_path = _csv(tmp_path / "many.csv")
    calls: list[tuple[int, int, str]] = []
    index_paths(tmp_path / "lib.sqlite", [csv_path], model=FakeModel(), workers=0,
                progress=lambda d, t, m="": calls.append((d, t, m)))
    phases = [m.split(" ")[0] for _d, _t, m in calls]
    reading = [c for c in calls if c[2].startswith("reading")]
    storing = [c for c in calls if c[2].startswith("storing")]
    assert phases.index("reading") < phases.index("storing") < phases.index("embedding")
    assert reading[0][:2] == (0, 1000) and len(reading) >= ROWS // 100   # from the first row on
    assert len(storing) == ROWS // 100 and "1,200 of 1,200 poses" in storing[-1][2]
    assert calls[-1][:2] == (1000, 1000) and "1,200 of 1,200" in calls[-1][2]            # embedding
    done = [d for d, _t, _m in calls]
    assert done == sorted(done) and {t for _d, t, _m in calls if t} == {1000}   # one bar, only forward
    with Library.open(tmp_path / "lib.sqlite") as lib:
        assert lib.media()[0].n_poses == ROWS


def test_cancel_between_batches_then_the_next_run_completes(tmp_path, small_steps):
    csv_path = _csv(tmp_path / "many.csv")
    stored = []

    def progress(done, total, message=""):
        if message.startswith("storing"):
            stored.append(done)

    with pytest.raises(IndexCancelled):
        index_paths(tmp_path / "lib.sqlite", [csv_path], workers=0, progress=progress,
                    cancel=lambda: len(stored) >= 3)
    with Library.open(tmp_path / "lib.sqlite") as lib:
        assert 0 < len(lib.poses()) < ROWS and lib.media()[0].status != "done"
    report = index_paths(tmp_path / "lib.sqlite", [csv_path], workers=0)
    assert report.ok
    with Library.open(tmp_path / "lib.sqlite") as lib:
        poses = lib.poses()
        assert len(poses) == ROWS and len(np.unique(poses.frame_index)) == ROWS   # nothing twice


def test_a_cancel_while_reading_stops_the_read(tmp_path, small_steps):
    csv_path = _csv(tmp_path / "many.csv")
    seen = []
    with pytest.raises(IndexCancelled):
        index_paths(tmp_path / "lib.sqlite", [csv_path], workers=0,
                    progress=lambda d, t, m="": seen.append(m), cancel=lambda: len(seen) > 3)
    assert not any(m.startswith("storing") for m in seen)
    assert issubclass(IndexCancelled, Cancelled)


def test_the_cli_prints_a_counter_while_importing(tmp_path):
    csv_path = _csv(tmp_path / "many.csv", n=12_000)   # more than two reading and storing steps
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "poseexplorer", "index", str(csv_path), "--library",
                           str(tmp_path / "lib.sqlite"), "--workers", "0", "--no-embed"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    updates = done.stderr.replace("\r", "\n").splitlines()
    assert any("reading many.csv: 5,000 rows" in u for u in updates)
    assert any("storing many.csv: 5,000 of 12,000 poses" in u for u in updates)
    assert "imported csv keypoints: 12000 frames, 12000 poses" in done.stdout
