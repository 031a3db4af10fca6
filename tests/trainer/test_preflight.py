"""Bad training settings are caught before a run starts, with messages that name the problem."""
from __future__ import annotations

import os

import numpy as np
import pytest

from trainer.config import TrainConfig
from trainer.preflight import check_data_path, check_output, check_settings, has_checkpoint


def _clip_npz(path, frames: int = 40) -> None:
    """A plain NPZ of 3D joints (H36M-17, metres, y up): a person standing and waving."""
    rng = np.random.default_rng(0)
    base = np.array([[0, 1, 0], [0, 1.7, 0], [0, 1.6, 0], [0, 1.45, 0], [0.18, 1.45, 0], [-0.18, 1.45, 0],
                     [0.3, 1.2, 0], [-0.3, 1.2, 0], [0.35, 0.95, 0], [-0.35, 0.95, 0], [0, 1.2, 0],
                     [0.1, 0.95, 0], [-0.1, 0.95, 0], [0.1, 0.5, 0], [-0.1, 0.5, 0], [0.1, 0.05, 0],
                     [-0.1, 0.05, 0]], np.float32)
    joints = np.repeat(base[None], frames, axis=0) + rng.normal(0, 0.01, (frames, 17, 3)).astype(np.float32)
    np.savez(path, joints=joints, fps=30.0, units="m", up="y")


def test_missing_empty_and_unreadable_folders_are_named(tmp_path):
    assert "does not exist" in check_data_path(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no clips here")
    assert "holds no motion clips" in check_data_path(empty)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.bvh").write_text("this is not a BVH file")
    (broken / "b.npz").write_bytes(b"not a zip either")
    message = check_data_path(broken)
    assert "none of the clips tried could be read" in message and "a.bvh" in message


def test_a_folder_with_one_readable_clip_passes(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "a.bvh").write_text("broken")
    _clip_npz(good / "z.npz")
    assert check_data_path(good) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_is_caught(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert "not writable" in check_output(locked / "runs", "m")
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs Linux sysfs")
def test_output_on_a_read_only_filesystem_is_caught():
    assert "not writable" in check_output("/sys/poseexplorer-runs", "m")  # even root cannot write there


def test_output_that_is_a_file_is_caught(tmp_path):
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the runs folder should go")
    assert "is a file" in check_output(blocker / "deeper", "m")
    assert check_output(tmp_path / "fresh" / "runs", "m") is None


def test_check_settings_lists_every_problem(tmp_path):
    cfg = TrainConfig(name="m", data=(str(tmp_path / "nowhere"),), val_data=str(tmp_path / "nope"),
                      out_dir=str(tmp_path / "runs"))
    problems = check_settings(cfg)
    assert len(problems) == 2 and problems[1].startswith("validation data:")
    assert "choose at least one data folder" in check_settings(cfg.replace(data=(), val_data=None))[0]
    good = tmp_path / "good"
    good.mkdir()
    _clip_npz(good / "z.npz")
    ok = cfg.replace(data=(str(good),), val_data=None)
    assert check_settings(ok) == []
    assert not has_checkpoint(ok)
