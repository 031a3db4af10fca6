"""BVH: a generated file round-trips through the loader for any channel and rotation order; units; errors."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from trainer.mocap import MocapError, load_clip
from trainer.mocap.bvh import guess_metres_per_unit, load_bvh, parse_bvh, rest_height

from .mocap_writers import HUMAN_BVH, human_channels, reference_bvh_fk, write_bvh


def _random_motion(channels, frames: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cols = []
    for name, parent, _ in HUMAN_BVH:
        for ch in channels[name]:
            cols.append(rng.normal(0, 20, frames) if ch.endswith("position") else rng.uniform(-60, 60, frames))
    return np.round(np.stack(cols, 1), 6)


@pytest.mark.parametrize("order, root_channels", [
    ("ZXY", None),
    ("ZYX", None),
    ("XYZ", ("Yrotation", "Xposition", "Zrotation", "Zposition", "Xrotation", "Yposition")),  # interleaved
])
def test_round_trip_matches_reference(tmp_path, order, root_channels):
    channels = human_channels(order)
    if root_channels:
        channels["hip"] = root_channels
    motion = _random_motion(channels, 5, seed=len(order) + len(channels["hip"]))
    path = tmp_path / "gen.bvh"
    write_bvh(path, HUMAN_BVH, channels, motion, frame_time=1 / 60)
    loaded = load_bvh(path, metres_per_unit=1.0)
    assert loaded.fps == 60.0 and loaded.family == "cmu_bvh"
    ref = reference_bvh_fk(HUMAN_BVH, channels, motion)
    for name, expected in ref.items():
        np.testing.assert_allclose(loaded.positions[:, loaded.index(name)], expected, atol=1e-6, err_msg=name)


def test_same_pose_in_two_rotation_orders(tmp_path):
    """One set of joint rotations written as ZYX and as XYZ Euler angles loads to the same positions."""
    rng = np.random.default_rng(5)
    rots = Rotation.random(len(HUMAN_BVH) * 4, random_state=7)
    trans = np.tile(rng.normal(0, 1, (1, 3)), (4, 1))
    out = []
    for order in ("ZYX", "XYZ"):
        channels = human_channels(order)
        eul = rots.as_euler(order, degrees=True).reshape(4, len(HUMAN_BVH), 3)
        motion = np.round(np.concatenate([trans, eul.reshape(4, -1)], 1), 6)
        write_bvh(tmp_path / f"{order}.bvh", HUMAN_BVH, channels, motion, frame_time=1 / 30)
        out.append(load_bvh(tmp_path / f"{order}.bvh", metres_per_unit=0.01).positions)
    np.testing.assert_allclose(out[0], out[1], atol=1e-6)
    # and the orders really differ as angle triples (the test would be empty otherwise)
    assert not np.allclose(rots.as_euler("ZYX"), rots.as_euler("XYZ"))


@pytest.mark.parametrize("unit, scale", [("cm", 1.0), ("inch", 1 / 2.54), ("m", 0.01), ("mm", 10.0)])
def test_units_guessed_from_height(tmp_path, unit, scale):
    channels = human_channels()
    motion = np.zeros((2, sum(len(c) for c in channels.values())))
    write_bvh(tmp_path / "u.bvh", HUMAN_BVH, channels, motion, frame_time=1 / 120, scale=scale)
    bvh = parse_bvh((tmp_path / "u.bvh").read_text(), "u.bvh")
    assert guess_metres_per_unit(rest_height(bvh))[1] == unit
    clip = load_clip(tmp_path / "u.bvh")
    span = clip.joints[0, 1, 1] - clip.joints[0, 15, 1]  # head top to ankle, metres
    assert 1.4 < span < 2.0


def test_fps_override_and_end_sites(tmp_path):
    channels = human_channels()
    motion = np.zeros((4, sum(len(c) for c in channels.values())))
    write_bvh(tmp_path / "f.bvh", HUMAN_BVH, channels, motion, frame_time=1 / 120)
    m = load_bvh(tmp_path / "f.bvh", fps=60)
    assert m.fps == 60 and "lFoot_end" in m.names and "head_end" in m.names


def test_bad_files_give_clear_errors(tmp_path):
    bad = tmp_path / "bad.bvh"
    bad.write_text("HIERARCHY\nROOT hip\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Wrotation\n}\nMOTION\n")
    with pytest.raises(MocapError, match="bad.bvh.*channels"):
        load_bvh(bad)
    bad.write_text("HIERARCHY\nROOT hip\n{\n OFFSET 0 0 0\n CHANNELS 1 Xposition\n}\nMOTION\nFrames: 3\n"
                   "Frame Time: 0.1\n1\n2\n")
    with pytest.raises(MocapError, match="2 values for 3 frames"):
        load_bvh(bad, metres_per_unit=1)
    for frames, frame_time in (("-5", "0.1"), ("0", "0.1"), ("3", "0"), ("3", "nan")):
        bad.write_text("HIERARCHY\nROOT hip\n{\n OFFSET 0 0 0\n CHANNELS 1 Xposition\n}\nMOTION\n"
                       f"Frames: {frames}\nFrame Time: {frame_time}\n" + "1\n" * 10)
        with pytest.raises(MocapError, match=f"bad.bvh: MOTION header says Frames: {frames}"):
            load_bvh(bad, metres_per_unit=1)
    bad.write_text("not a bvh")
    with pytest.raises(MocapError, match="not a BVH"):
        load_bvh(bad)
    with pytest.raises(MocapError, match="cannot read"):
        load_bvh(tmp_path / "missing.bvh")
