"""The Ray engine: a local Ray with 2 workers (the README's command line) indexes real footage into the
same library rows as the process pool with 2 workers, and a second run adds nothing (no duplicates)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from poseexplorer.library import Library
from poseexplorer.library.indexer import index_paths

pytest.importorskip("ray")


def _rows(path):
    with Library.open(path) as lib:
        (media,) = lib.media()
        ft = lib.frames(media.id)
        return media, ft


@pytest.mark.slow
def test_ray_two_workers_match_the_process_pool(shared_data, tmp_path):
    video = shared_data / "media" / "pose2sim_4views" / "cam01.mp4"
    pool = index_paths(tmp_path / "pool.sqlite", [str(video)], workers=2)
    cli = subprocess.run([sys.executable, "-m", "poseexplorer", "index", str(video), "--library",
                          str(tmp_path / "ray.sqlite"), "--workers", "2", "--engine", "ray", "--no-embed"],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert pool.files[0].ok, pool
    (m1, a), (m2, b) = _rows(tmp_path / "pool.sqlite"), _rows(tmp_path / "ray.sqlite")
    assert (m1.frames, m1.n_poses, m1.status) == (m2.frames, m2.n_poses, m2.status) == (100, m1.n_poses, "done")
    assert m1.n_poses >= 95
    assert np.array_equal(a.pose_id >= 0, b.pose_id >= 0)
    ok = a.pose_id >= 0
    assert np.array_equal(a.xy[ok], b.xy[ok]) and np.array_equal(a.world[ok], b.world[ok])
    # resuming a finished library on Ray detects nothing more and stores nothing twice
    again = index_paths(tmp_path / "ray.sqlite", [str(video)], workers=2, engine="ray")
    assert again.files[0].ok and "already indexed" in again.files[0].message
    m3, c = _rows(tmp_path / "ray.sqlite")
    assert m3.n_poses == m2.n_poses and np.array_equal(c.pose_id, b.pose_id)
