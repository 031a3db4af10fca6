"""The CMU joints archive: the 21-joint -> H36M-17 mapping, glitch filtering, and prepare reading the archive."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from poseexplorer.core.camera import rotation_x, rotation_y
from poseexplorer.core.skeleton import H36M17_NAMES
from trainer.cli import main
from trainer.dataset import load_dataset
from trainer.mocap.cmu_joints import (CMU_JOINT_NAMES, cmu_to_h36m, glitch_free, head_top, is_cmu_joints_file,
                                      load_cmu_joints)

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mocap" / "cmu_joints" / "cmu_joints24.npz"

#: A standing CMU skeleton relative to its hip (metres, y up, facing +z, left at +x): frame 1 of trial 01_01.
REST_LOCAL = np.array([
    [0.0, 0.0, 0.0], [0.012, 0.206, -0.015], [0.016, 0.323, -0.019], [0.019, 0.544, -0.045],
    [0.021, 0.613, -0.025], [0.038, 0.670, 0.081], [-0.034, 0.683, 0.055], [0.050, 0.515, -0.067],
    [0.134, 0.496, -0.039], [0.195, 0.349, 0.194], [0.157, 0.224, -0.003], [-0.004, 0.515, -0.075],
    [-0.092, 0.495, -0.073], [-0.099, 0.214, -0.052], [-0.148, 0.042, 0.103], [0.090, 0.022, 0.001],
    [0.103, -0.344, 0.039], [0.134, -0.747, -0.169], [-0.084, 0.030, -0.022], [-0.105, -0.334, 0.023],
    [-0.114, -0.741, -0.178]])
J = {n: i for i, n in enumerate(CMU_JOINT_NAMES)}
H = {n: i for i, n in enumerate(H36M17_NAMES)}


def write_archive(path: Path, trials: dict[str, np.ndarray], roots: dict[str, np.ndarray]) -> None:
    names = list(trials)
    lengths = [len(trials[n]) for n in names]
    np.savez(path, joint_names=np.array(CMU_JOINT_NAMES), parents=np.zeros(21, np.int64), fps=np.int32(24),
             root=np.concatenate([roots[n] for n in names]).astype(np.float32),
             local=np.concatenate([trials[n] for n in names]).astype(np.float16),
             clip_name=np.array(names), clip_subject=np.array([int(n.split("_")[0]) for n in names], np.int32),
             clip_start=np.cumsum([0] + lengths[:-1]).astype(np.int64), clip_length=np.array(lengths, np.int32))


def walking(t: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    local = REST_LOCAL[None] + 0.02 * np.sin(np.arange(t)[:, None, None] / 5 + rng.uniform(0, 6, (1, 21, 3)))
    root = np.stack([np.arange(t) * 0.04, np.full(t, 0.9), np.zeros(t)], 1)
    return local, root


def test_mapping_copies_joints_and_builds_the_derived_ones():
    xyz, nose = cmu_to_h36m(REST_LOCAL[None] + np.array([1.0, 0.9, -2.0]))
    g = REST_LOCAL + np.array([1.0, 0.9, -2.0])
    for h36m, cmu in (("left_wrist", "lHand"), ("right_knee", "rShin"), ("left_hip", "lThigh"),
                      ("neck_nose", "head"), ("right_shoulder", "rShldr")):
        np.testing.assert_allclose(xyz[0, H[h36m]], g[J[cmu]], atol=1e-6)
    np.testing.assert_allclose(xyz[0, H["pelvis"]], (g[J["lThigh"]] + g[J["rThigh"]]) / 2, atol=1e-6)
    np.testing.assert_allclose(nose[0], (g[J["leftEye"]] + g[J["rightEye"]]) / 2, atol=1e-6)
    top = xyz[0, H["head"]] - g[J["head"]]
    assert 0.10 < np.linalg.norm(top) < 0.13 and top[1] > 0.08    # about 11.5 cm, mostly upwards
    spine = xyz[0, H["spine"]]
    assert xyz[0, H["pelvis"], 1] < spine[1] < xyz[0, H["thorax"], 1]
    # in the middle of the arc pelvis -> abdomen -> chest -> thorax
    chain = [xyz[0, H["pelvis"]], g[J["abdomen"]], g[J["chest"]], xyz[0, H["thorax"]]]
    lengths = [np.linalg.norm(b - a) for a, b in zip(chain[:-1], chain[1:])]
    from_start = np.linalg.norm(spine - chain[0]) if np.linalg.norm(spine - chain[0]) <= lengths[0] else None
    if from_start is not None:
        assert from_start == pytest.approx(sum(lengths) / 2, abs=1e-5)


def test_head_top_turns_with_the_body():
    rot = rotation_y(np.array(0.7)) @ rotation_x(np.array(-0.4))
    g = REST_LOCAL
    top = head_top(g[J["head"]], g[J["leftEye"]], g[J["rightEye"]])
    turned = head_top(g[J["head"]] @ rot.T, g[J["leftEye"]] @ rot.T, g[J["rightEye"]] @ rot.T)
    np.testing.assert_allclose(turned, top @ rot.T, atol=1e-9)


def test_glitch_filter_drops_tpose_jumps_and_underground_hips():
    local, root = walking(40, 0)
    root[10] += [0.0, 0.0, 2.0]          # a one-frame teleport: in and out
    root[25, 1] = -0.5                    # hip far below the floor
    local[30, J["lHand"]] += 1.0          # a joint jumping 1 m for one frame
    keep = glitch_free(root, local)
    assert not keep[0]
    assert not keep[10] and not keep[25] and not keep[30]
    assert keep[[1, 5, 20, 35]].all()
    # each glitch also flags the step back (the frame after it): 0, 10-11, 25-26, 30-31 dropped
    assert keep.sum() == 40 - 7


def test_prepare_reads_the_archive_with_subject_filters(tmp_path):
    trials, roots = {}, {}
    for name, seed in (("1_01", 0), ("1_02", 1), ("7_01", 2), ("60_01", 3)):
        trials[name], roots[name] = walking(60, seed)
    archive = tmp_path / "cmu_joints24.npz"
    write_archive(archive, trials, roots)
    assert is_cmu_joints_file(archive)
    clips = load_cmu_joints(archive, exclude_subjects={"cmu_60"})
    assert [c.name for c in clips] == ["1_01", "1_02", "7_01"] and clips[0].subject == "cmu_1"
    assert all(len(c) == 59 and c.nose is not None for c in clips)     # the T-pose frame 0 dropped
    out = tmp_path / "train.npz"
    assert main(["prepare", str(archive), "--exclude-subjects", "cmu_7,cmu_60", "--dedup", "0",
                 "--out", str(out)]) == 0
    ds = load_dataset(out)
    assert set(ds.subject) == {"cmu_1"} and ds.fps == 30.0 and ds.nose is not None
    assert len(ds) == pytest.approx(2 * 59 * 30 / 24, abs=3)             # resampled from 24 to 30 fps


@pytest.mark.shared
@pytest.mark.skipif(not REAL.is_file(), reason="../shared/data/mocap/cmu_joints not present")
def test_real_archive_maps_to_plausible_bodies():
    clips = load_cmu_joints(REAL, subjects={"cmu_5", "cmu_35"})
    assert {c.subject for c in clips} == {"cmu_5", "cmu_35"}
    xyz = np.concatenate([c.joints for c in clips])
    bones = {b: np.median(np.linalg.norm(xyz[:, H[b[0]]] - xyz[:, H[b[1]]], axis=-1))
             for b in (("left_hip", "left_knee"), ("left_shoulder", "left_elbow"), ("neck_nose", "head"))}
    assert 0.3 < bones[("left_hip", "left_knee")] < 0.55
    assert 0.2 < bones[("left_shoulder", "left_elbow")] < 0.4
    assert 0.08 < bones[("neck_nose", "head")] < 0.15
    # right-handed, y up: the body's forward (left - right) x up points where the nose is
    across = xyz[:, H["left_shoulder"]] - xyz[:, H["right_shoulder"]]
    forward = np.cross(across, xyz[:, H["thorax"]] - xyz[:, H["pelvis"]])
    nose = np.concatenate([c.nose for c in clips]) - xyz[:, H["thorax"]]
    assert (np.einsum("nj,nj->n", forward, nose) > 0).mean() > 0.95
