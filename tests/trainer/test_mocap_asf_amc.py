"""ASF/AMC forward kinematics against a slow scipy reference on generated skeletons, units, errors."""
from __future__ import annotations

import numpy as np
import pytest

from trainer.mocap import MocapError, load_clip
from trainer.mocap.asf_amc import find_asf, load_asf, load_asf_amc, parse_amc, parse_asf

from .mocap_writers import (
    ACCLAIM_BONES, random_acclaim_frames, reference_acclaim_fk, write_amc, write_asf,
)


def _pair(tmp_path, frames, **asf_kw):
    asf, amc = tmp_path / "test.asf", tmp_path / "test_01.amc"
    write_asf(asf, **asf_kw)
    write_amc(amc, frames)
    load_asf.cache_clear()
    return asf, amc


@pytest.mark.parametrize("root_order, axis_order", [("TX TY TZ RX RY RZ", "XYZ"), ("TX TY TZ RZ RY RX", "ZYX")])
def test_fk_matches_reference(tmp_path, root_order, axis_order):
    frames = random_acclaim_frames(6, seed=1)
    asf, amc = _pair(tmp_path, frames, root_order=root_order, root_axis=axis_order, axis_order=axis_order)
    motion = load_asf_amc(amc, asf, fps=120)
    ref = reference_acclaim_fk(frames, root_order=root_order, axis_order=axis_order)
    for name, expected in ref.items():
        np.testing.assert_allclose(motion.positions[:, motion.index(name)], expected, atol=1e-9, err_msg=name)


def test_single_bone_by_hand(tmp_path):
    """A bone along +x rotated 90 deg about z ends on +y; length 0.45 units = 1 inch."""
    bones = (("lfemur", "root", (1.0, 0.0, 0.0), 0.45, (0, 0, 0), ("rz",)),)
    asf, amc = _pair(tmp_path, [{"root": [0, 0, 0, 0, 0, 0], "lfemur": [90.0]}], bones=bones)
    motion = load_asf_amc(amc, asf, fps=120)
    np.testing.assert_allclose(motion.positions[0, motion.index("lfemur")], [0.0, 0.0254, 0.0], atol=1e-12)


def test_dof_order_is_respected(tmp_path):
    """'rz rx' and 'rx rz' with the same values give different, reference-matching results."""
    results = []
    for dof in (("rz", "rx"), ("rx", "rz")):
        bones = (("lfemur", "root", (0.0, -1.0, 0.0), 1.0, (0, 0, 0), dof),
                 ("ltibia", "lfemur", (0.0, -1.0, 0.0), 1.0, (0, 0, 0), ()))
        frames = [{"root": [0, 0, 0, 0, 0, 0], "lfemur": [70.0, 40.0]}]
        asf, amc = _pair(tmp_path, frames, bones=bones)
        got = load_asf_amc(amc, asf, fps=120).positions[0, 2]
        np.testing.assert_allclose(got, reference_acclaim_fk(frames, bones=bones)["ltibia"][0], atol=1e-12)
        results.append(got)
    assert np.linalg.norm(results[0] - results[1]) > 1e-3


def test_units_length_scale(tmp_path):
    """Halving :units length doubles every position (file unit = 1/length inches)."""
    frames = random_acclaim_frames(2, seed=2)
    a = load_asf_amc(_pair(tmp_path, frames, length_unit=0.45)[1], tmp_path / "test.asf").positions
    b = load_asf_amc(_pair(tmp_path, frames, length_unit=0.225)[1], tmp_path / "test.asf").positions
    np.testing.assert_allclose(b, 2 * a, atol=1e-12)
    assert abs(load_asf(tmp_path / "test.asf").metres_per_unit - 0.0254 / 0.225) < 1e-12


def test_bone_lengths_constant_and_clip_mapped(tmp_path):
    frames = random_acclaim_frames(20, seed=3)
    asf, amc = _pair(tmp_path, frames)
    motion = load_asf_amc(amc, asf)
    for name, parent, *_ in ACCLAIM_BONES:
        d = np.linalg.norm(motion.positions[:, motion.index(name)] - motion.positions[:, motion.index(parent)], axis=-1)
        assert d.std() < 1e-9
    clip = load_clip(amc)  # finds the lone .asf beside it; acclaim mapping by joint names
    assert clip.joints.shape == (20, 17, 3) and clip.fps == 120.0 and clip.nose is not None


def test_latin1_header_and_fps_from_name(tmp_path):
    (tmp_path / "asf").mkdir()
    (tmp_path / "amc" / "kick").mkdir(parents=True)
    write_asf(tmp_path / "asf" / "HDM_xx.asf")
    amc = tmp_path / "amc" / "kick" / "HDM_xx_kick_001_60.amc"
    write_amc(amc, random_acclaim_frames(3))
    assert find_asf(amc) == tmp_path / "asf" / "HDM_xx.asf"
    clip = load_clip(amc)
    assert (clip.subject, clip.action, clip.fps) == ("xx", "kick", 60.0)


def test_errors_name_the_file(tmp_path):
    with pytest.raises(MocapError, match="not an ASF"):
        parse_asf("hello", tmp_path / "x.asf")
    with pytest.raises(MocapError, match="no frames"):
        parse_amc(":FULLY-SPECIFIED\n", "x.amc")
    frames = random_acclaim_frames(2)
    del frames[1]["lfemur"]
    asf, amc = _pair(tmp_path, frames)
    with pytest.raises(MocapError, match=r"test_01\.amc.*lfemur.*1 of 2"):
        load_asf_amc(amc, asf)
    lonely = tmp_path / "sub" / "y.amc"
    lonely.parent.mkdir()
    write_amc(lonely, random_acclaim_frames(1))
    with pytest.raises(MocapError, match="no matching .asf"):
        load_asf_amc(lonely)
