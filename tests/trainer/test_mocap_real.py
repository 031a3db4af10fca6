"""The real HDM05 and CMU dance files in ../shared: left kicks, constant bones, human heights, handedness."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.core.skeleton import H36M17_BONES, H36M17_NAMES
from trainer.mocap import load_clip
from trainer.mocap.asf_amc import load_asf_amc
from trainer.mocap.bvh import load_bvh
from trainer.mocap.convention import forward_from_toes, left_side_fraction, stature
from trainer.mocap.mapping import apply_mapping, h36m_joints, mapping_for

pytestmark = pytest.mark.shared
LANK, RANK = H36M17_NAMES.index("left_ankle"), H36M17_NAMES.index("right_ankle")
LIMBS = H36M17_BONES[4:]  # arms and legs: rigid bones in every family


def _first(folder, pattern):
    files = sorted(folder.glob(pattern))
    if not files:
        pytest.skip(f"no {pattern} in {folder}")
    return files[0]


@pytest.fixture(scope="module")
def kicks(shared_data):
    amc = shared_data / "mocap" / "hdm05" / "amc" / "kickLFront1Reps"
    return {actor: load_clip(_first(amc, f"HDM_{actor}_*.amc")) for actor in ("bd", "bk", "dg", "mm")}


@pytest.fixture(scope="module")
def dances(shared_data):
    root = shared_data / "mocap" / "cmu_dance"
    return {style: load_clip(_first(root / style, "*.bvh")) for style in ("salsa", "indian", "martial")}


def test_left_kick_raises_the_left_ankle(kicks):
    for actor, clip in kicks.items():
        left, right = clip.joints[:, LANK, 1].max(), clip.joints[:, RANK, 1].max()
        assert left > right + 0.3, f"{actor}: left ankle peak {left:.2f} m, right {right:.2f} m"


def test_bones_constant_and_height_plausible(kicks, dances):
    for clip in [*kicks.values(), *dances.values()]:
        lengths = np.stack([np.linalg.norm(clip.joints[:, a] - clip.joints[:, b], axis=-1) for a, b in LIMBS], 1)
        assert (lengths.std(0) / lengths.mean(0)).max() < 1e-4, clip.name
        assert 1.4 < stature(clip.joints) < 2.1, (clip.name, stature(clip.joints))
        assert np.isfinite(clip.nose).all()


def test_left_is_on_the_left(shared_data):
    """With the facing direction taken from the feet (no labels involved), the left hip is on the left."""
    hdm = _first(shared_data / "mocap" / "hdm05" / "amc" / "jogLeftCircle4StepsRstart", "HDM_mm_*.amc")
    bvh = _first(shared_data / "mocap" / "cmu_dance" / "salsa", "*.bvh")
    for motion in (load_asf_amc(hdm), load_bvh(bvh)):
        pts = apply_mapping(motion, mapping_for(motion))
        joints = h36m_joints(pts)
        assert left_side_fraction(joints, forward_from_toes(joints, pts["left_toe"], pts["right_toe"])) > 0.95
