"""Training-pair augmentation: cameras, bone changes, hip placement, jitter, dropout."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.core.camera import project_normalised_3d, view_rotation
from poseexplorer.core.normalize import normalize_2d, normalize_3d
from poseexplorer.core.skeleton import H36M17_BONES
from trainer.augment import (
    Augmentation, camera_rotations, make_pairs, make_view, move_hips, perturb_bones, visibility_mask, with_nose,
)
from tests.trainer.synthetic_motion import REST


def poses(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (REST[None] + rng.normal(0, 0.05, (n, 17, 3))).astype(np.float32)


def bone_lengths(xyz: np.ndarray) -> np.ndarray:
    return np.stack([np.linalg.norm(xyz[:, c] - xyz[:, p], axis=-1) for p, c in H36M17_BONES], 1)


def test_clean_view_is_the_plain_projection():
    xyz = normalize_3d(poses(20)).astype(np.float64)
    aug = Augmentation(visibility_input=False)
    inputs, rot = make_view(xyz, np.random.default_rng(1), aug)
    expected = normalize_2d(project_normalised_3d(xyz, rot)).reshape(20, 26)
    np.testing.assert_allclose(inputs, expected, atol=1e-5)


def test_pairs_are_two_independent_views_of_one_pose():
    aug = Augmentation()
    batch = make_pairs(poses(16), np.random.default_rng(0), aug)
    assert batch.anchor.shape == batch.positive.shape == (16, 39)
    assert batch.xyz.shape == (16, 17, 3)
    assert not np.allclose(batch.anchor, batch.positive)
    assert not np.allclose(batch.anchor_rot, batch.positive_rot)
    np.testing.assert_allclose(batch.xyz, normalize_3d(poses(16)), atol=1e-6)  # labels untouched


def test_perturb_bones_scales_each_bone_within_bounds():
    xyz = normalize_3d(poses(50)).astype(np.float64)
    rng = np.random.default_rng(0)
    np.testing.assert_allclose(perturb_bones(xyz, rng, 0.0, 0.0), xyz, atol=1e-12)
    ratio = bone_lengths(perturb_bones(xyz, rng, 0.1, 0.1)) / bone_lengths(xyz)
    assert ratio.min() >= 0.9 * 0.9 - 1e-9 and ratio.max() <= 1.1 * 1.1 + 1e-9
    assert ratio.std() > 0.01
    # directions are kept: every bone stays parallel to the original
    out = perturb_bones(xyz, rng, 0.1, 0.1)
    for p, c in H36M17_BONES:
        u = out[:, c] - out[:, p]
        v = xyz[:, c] - xyz[:, p]
        cos = (u * v).sum(-1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
        np.testing.assert_allclose(cos, 1.0, atol=1e-9)


def test_move_hips_widens_and_lifts_only_the_hips():
    xyz = normalize_3d(poses(30)).astype(np.float64)
    rng = np.random.default_rng(0)
    np.testing.assert_allclose(move_hips(xyz, rng, 0.0), xyz)
    moved = move_hips(xyz, rng, 1.0)
    others = [j for j in range(17) if j not in (11, 12)]
    np.testing.assert_allclose(moved[:, others], xyz[:, others])
    width = np.linalg.norm(moved[:, 11] - moved[:, 12], axis=-1) / np.linalg.norm(xyz[:, 11] - xyz[:, 12], axis=-1)
    assert np.all(width >= 1.0 - 1e-9) and width.max() > 1.1
    assert np.all(moved[:, 11:13, 1].mean(1) >= xyz[:, 11:13, 1].mean(1) - 0.05)


def test_chest_views_use_four_level_cameras():
    rots = camera_rotations(200, np.random.default_rng(0), Augmentation(chest_views=True))
    allowed = [view_rotation(np.deg2rad(az), 0.0, 0.0) for az in (0, 90, 180, 270)]
    for r in rots:
        assert min(np.abs(r - a).max() for a in allowed) < 1e-9
    seen = {int(np.argmin([np.abs(r - a).max() for a in allowed])) for r in rots}
    assert seen == {0, 1, 2, 3}


def test_visibility_mask_rates_and_legs_out():
    vis = visibility_mask(20000, np.random.default_rng(0), 0.1, 0.0)
    assert vis.mean() == pytest.approx(0.9, abs=0.01)
    legs = visibility_mask(2000, np.random.default_rng(0), 0.0, 1.0)
    assert not legs[:, 11:13].any()                     # ankles always out
    assert legs[:, :7].all()                            # the upper body stays
    assert 0.3 < (~legs[:, 9]).mean() < 0.7            # knees out about half the time


def test_with_nose_replaces_only_the_head_joint():
    xyz = poses(5)
    nose = xyz[:, 1] + np.array([0.0, -0.1, 0.1], np.float32)
    out = with_nose(xyz, nose)
    norm = normalize_3d(xyz)
    np.testing.assert_allclose(np.delete(out, 1, axis=1), np.delete(norm, 1, axis=1), atol=1e-5)
    assert not np.allclose(out[:, 1], norm[:, 1])


def test_side_and_limb_masks_and_upper_body_share():
    rng = np.random.default_rng(1)
    upper = visibility_mask(4000, rng, 0.0, 1.0, legs_out_hips=1.0)
    assert not upper[:, 7:].any() and upper[:, :7].all()          # upper-body framing: hips, knees, ankles out
    side = visibility_mask(4000, rng, 0.0, 0.0, side_out_rate=1.0)
    left_out = ~side[:, [3, 5, 9, 11]].any(1)
    right_out = ~side[:, [4, 6, 10, 12]].any(1)
    assert (left_out ^ right_out).all() and 0.4 < left_out.mean() < 0.6
    assert side[:, 0].all()                                        # the nose stays
    limb = visibility_mask(4000, rng, 0.0, 0.0, limb_out_rate=1.0)
    assert ((~limb).sum(1) == 2).all()                             # exactly one whole limb (2 points) out


def test_swap_left_right_only_on_views_from_behind():
    from trainer.augment import facing_away, swap_left_right

    xyz = poses(1).astype(np.float64)
    front = view_rotation(np.zeros(1), np.zeros(1), np.zeros(1))
    back = view_rotation(np.full(1, np.pi), np.zeros(1), np.zeros(1))
    # the test poses face +z; the canonical camera at +z sees their front
    assert not facing_away(xyz, front)[0] and facing_away(xyz, back)[0]
    xy = np.arange(26, dtype=float).reshape(1, 13, 2)
    vis = np.ones((1, 13), bool)
    vis[0, 3] = False
    out, v = swap_left_right(xy, vis, np.array([True]))
    np.testing.assert_array_equal(out[0, 4], xy[0, 3])
    np.testing.assert_array_equal(out[0, 0], xy[0, 0])
    assert not v[0, 4] and v[0, 3]
    same, _ = swap_left_right(xy, vis, np.array([False]))
    np.testing.assert_array_equal(same, xy)


def test_upright_config_reaches_the_views_and_the_network():
    from trainer.config import tiny_config
    from trainer.training_step import build_network

    cfg = tiny_config(upright=True, roll=(-180.0, 180.0), jitter=0.0, outlier_rate=0.0, keypoint_dropout=0.0,
                      legs_out_rate=0.0, bone_scale=0.0, limb_scale=0.0, hip_offset=0.0)
    aug = Augmentation.from_config(cfg)
    assert aug.upright and build_network(cfg).spec.upright and not build_network(tiny_config()).spec.upright
    rng = np.random.default_rng(0)
    pose = normalize_3d(np.random.default_rng(1).normal(size=(1, 17, 3)))
    inputs, rot = make_view(np.repeat(pose, 64, 0), rng, aug)
    inputs_x = np.asarray(inputs)
    assert inputs_x.shape == (64, 39) and np.isfinite(inputs_x).all()
    torso = inputs_x[:, 2:6].reshape(64, 2, 2).mean(1) - inputs_x[:, 14:18].reshape(64, 2, 2).mean(1)
    assert (torso[:, 1] < 0).all() and np.allclose(torso[:, 0], 0, atol=1e-5)   # shoulders above hips, always
