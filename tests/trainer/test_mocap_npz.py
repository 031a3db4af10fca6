"""Plain NPZ joints: orders, units, up axis, errors; round trip through save_npz."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.core.skeleton import H36M17_NAMES
from trainer.mocap import Clip, MocapError, load_clip
from trainer.mocap.npz import ORDERS, save_npz

# a standing pose in metres, y up, facing +z (left = +x), in H36M17_NAMES order
STAND = np.array([
    [0, 1.0, 0], [0, 1.75, 0.02], [0, 1.62, 0.08], [0, 1.5, 0], [0.18, 1.48, 0], [-0.18, 1.48, 0],
    [0.2, 1.2, 0], [-0.2, 1.2, 0], [0.22, 0.95, 0.05], [-0.22, 0.95, 0.05], [0, 1.25, 0],
    [0.12, 0.98, 0], [-0.12, 0.98, 0], [0.12, 0.55, 0.02], [-0.12, 0.55, 0.02], [0.12, 0.1, 0], [-0.12, 0.1, 0],
])

# VideoPose3D H36M-17 joint names, for building arrays in that order independently of ORDERS
VP3D = ("pelvis", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "spine",
        "thorax", "neck_nose", "head", "left_shoulder", "left_elbow", "left_wrist", "right_shoulder",
        "right_elbow", "right_wrist")


def _frames(n=5):
    return np.stack([STAND + [0.01 * t, 0, 0] for t in range(n)])


def test_h36m17_order_mm_z_up(tmp_path):
    """VideoPose3D order, millimetres, z up (Human3.6M world) -> our order, metres, y up."""
    ours = _frames()
    vp = ours[:, [H36M17_NAMES.index(n) for n in VP3D]]
    z_up = np.stack([vp[..., 0], -vp[..., 2], vp[..., 1]], -1) * 1000  # proper rotation: y -> z
    np.savez(tmp_path / "s9.npz", joints=z_up, joint_order="h36m17", fps=50.0, subject="S9")
    clip = load_clip(tmp_path / "s9.npz")
    assert (clip.subject, clip.fps) == ("S9", 50.0)
    np.testing.assert_allclose(clip.joints, ours, atol=1e-5)


def test_h36m32_order(tmp_path):
    raw = np.zeros((3, 32, 3))
    raw[:, list(ORDERS["h36m32"])] = _frames(3)
    np.savez(tmp_path / "raw.npz", joints=raw, joint_order="h36m32", units="m", up="y")
    np.testing.assert_allclose(load_clip(tmp_path / "raw.npz", fps=25).joints, _frames(3), atol=1e-6)


def test_round_trip(tmp_path):
    clip = Clip("c", "s", "walk", 30.0, _frames(), nose=_frames()[:, 2])
    save_npz(clip, tmp_path / "c.npz")
    back = load_clip(tmp_path / "c.npz")
    assert (back.subject, back.action, back.fps) == ("s", "walk", 30.0)
    np.testing.assert_allclose(back.joints, clip.joints)
    np.testing.assert_allclose(back.nose, clip.nose)


def test_errors(tmp_path):
    np.savez(tmp_path / "a.npz", poses=_frames())
    with pytest.raises(MocapError, match="a.npz: no 'joints' array"):
        load_clip(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", joints=np.zeros((4, 16, 3)))
    with pytest.raises(MocapError, match=r"b.npz: joints must be \(T, 17, 3\)"):
        load_clip(tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", joints=_frames(), units="furlong")
    with pytest.raises(MocapError, match="units must be"):
        load_clip(tmp_path / "c.npz")
    (tmp_path / "d.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(MocapError, match="d.npz: cannot read NPZ"):
        load_clip(tmp_path / "d.npz")
    with pytest.raises(MocapError, match="unsupported clip type"):
        load_clip(tmp_path / "x.c3d")
