"""Mapping to H36M-17: left/right kept (synthetic left kick), user JSON mappings, derived joints, axes."""
from __future__ import annotations

import json

import numpy as np
import pytest

from poseexplorer.core.skeleton import H36M17_MIRROR, H36M17_NAMES
from trainer.mocap import MocapError, load_clip, load_mapping
from trainer.mocap.convention import left_side_fraction
from trainer.mocap.mapping import CMU_BVH, chain_point, up_rotation

from .mocap_writers import HUMAN_BVH, HUMAN_BVH_ENDS, human_channels, write_bvh

J = {n: i for i, n in enumerate(H36M17_NAMES)}


def _kick_file(tmp_path, skeleton=HUMAN_BVH, ends=HUMAN_BVH_ENDS, name="kick.bvh", thigh="lThigh"):
    """Frames 0..9: the left thigh swings forward from hanging to horizontal (a left front kick)."""
    base = human_channels()
    channels = {row[0]: base[row[0].removeprefix("bone_")] for row in skeleton}
    cols = {row[0]: np.zeros((10, len(channels[row[0]]))) for row in skeleton}
    cols[thigh][:, 1] = np.linspace(0, -90, 10)  # ZXY: the X column; -90 about x points the thigh to +z
    motion = np.concatenate([cols[row[0]] for row in skeleton], 1)
    write_bvh(tmp_path / name, skeleton, channels, motion, frame_time=1 / 30, ends=ends)
    return tmp_path / name


def test_left_kick_raises_left_ankle_on_the_left(tmp_path):
    clip = load_clip(_kick_file(tmp_path))
    j = clip.joints
    assert j[-1, J["left_ankle"], 1] > j[-1, J["right_ankle"], 1] + 0.5
    assert j[-1, J["left_ankle"], 2] > 0.5  # kicked forward: the subject faces +z
    assert (j[:, J["left_hip"], 0] > j[:, J["right_hip"], 0]).all()  # facing +z, the left is +x
    forward = np.tile([0.0, 0.0, 1.0], (len(j), 1))
    assert left_side_fraction(j, forward) == 1.0
    assert left_side_fraction(j[:, list(H36M17_MIRROR)], forward) == 0.0  # labels swapped -> detected


def test_mirrored_file_warns(tmp_path):
    mirrored = tuple((n, p, (-o[0], o[1], o[2])) for n, p, o in HUMAN_BVH)
    ends = {k: (-v[0], v[1], v[2]) for k, v in HUMAN_BVH_ENDS.items()}
    with pytest.warns(UserWarning, match="left hip lies on the subject's right"):
        load_clip(_kick_file(tmp_path, mirrored, ends))


def test_user_mapping_for_unknown_skeleton(tmp_path):
    renamed = tuple((f"bone_{n}", None if p is None else f"bone_{p}", o) for n, p, o in HUMAN_BVH)
    ends = {f"bone_{k}": v for k, v in HUMAN_BVH_ENDS.items()}
    path = _kick_file(tmp_path, renamed, ends, "unknown.bvh", thigh="bone_lThigh")
    with pytest.raises(MocapError, match="unknown skeleton.*mapping JSON"):
        load_clip(path)
    def prefix(spec):
        if isinstance(spec, str):
            return spec if spec.startswith("@") else f"bone_{spec}"
        if isinstance(spec, dict):
            return {k: ([prefix(s) for s in v] if k in ("mean", "chain") else
                        prefix(v) if k in ("joint", "frame") else v) for k, v in spec.items()}
        return spec

    user = {**CMU_BVH, "joints": {k: prefix(v) for k, v in CMU_BVH["joints"].items()}}
    (tmp_path / "map.json").write_text(json.dumps(user))
    got = load_clip(path, mapping=load_mapping(tmp_path / "map.json"))
    ref = load_clip(_kick_file(tmp_path))
    np.testing.assert_allclose(got.joints, ref.joints, atol=1e-6)


def test_mapping_file_errors(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"joints": {"pelvis": "hip"}}))
    with pytest.raises(MocapError, match="m.json.*no entry for H36M-17 joints"):
        load_mapping(tmp_path / "m.json")
    (tmp_path / "m.json").write_text("{")
    with pytest.raises(MocapError, match="cannot read mapping"):
        load_mapping(tmp_path / "m.json")


def test_derived_joints(tmp_path):
    clip = load_clip(_kick_file(tmp_path))
    j = clip.joints[0]
    np.testing.assert_allclose(j[J["pelvis"]], (j[J["left_hip"]] + j[J["right_hip"]]) / 2, atol=1e-6)
    np.testing.assert_allclose(j[J["thorax"]], (j[J["left_shoulder"]] + j[J["right_shoulder"]]) / 2, atol=1e-6)
    # standing straight, the spine chain is a vertical line: the spine is halfway up it
    np.testing.assert_allclose(j[J["spine"]], (j[J["pelvis"]] + j[J["thorax"]]) / 2, atol=1e-6)
    assert j[J["head"], 1] > j[J["neck_nose"], 1] > j[J["thorax"], 1]
    assert clip.nose[0, 2] > j[J["neck_nose"], 2]  # the nose is in front


def _chain_point_slow(points, fraction):
    out = []
    for p in points:
        seg = [np.linalg.norm(p[i + 1] - p[i]) for i in range(len(p) - 1)]
        target, acc = fraction * sum(seg), 0.0
        for i, s in enumerate(seg):
            if acc + s >= target or i == len(seg) - 1:
                out.append(p[i] + (target - acc) / s * (p[i + 1] - p[i]) if s > 0 else p[i])
                break
            acc += s
    return np.array(out)


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.5, 1.0])
def test_chain_point_matches_slow(fraction):
    pts = np.random.default_rng(0).normal(size=(50, 5, 3))
    np.testing.assert_allclose(chain_point(pts, fraction), _chain_point_slow(pts, fraction), atol=1e-9)


@pytest.mark.parametrize("up, vec", [("y", [0, 1, 0]), ("z", [0, 0, 1]), ("-z", [0, 0, -1]), ("x", [1, 0, 0]),
                                     ("-y", [0, -1, 0])])
def test_up_rotation_is_proper_and_takes_up_to_y(up, vec):
    r = up_rotation(up)
    assert abs(np.linalg.det(r) - 1) < 1e-12
    np.testing.assert_allclose(r @ np.asarray(vec, float), [0, 1, 0], atol=1e-12)
