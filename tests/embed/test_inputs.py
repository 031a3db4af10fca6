"""Masked 2D normalisation: equals core.normalize_2d when all is visible, matches a slow loop otherwise."""
from __future__ import annotations

import math

import numpy as np

from poseexplorer.core.normalize import normalize_2d
from poseexplorer.embed.inputs import (
    BODY_SHARE, LIMIT, UP_PAIRS, network_input, normalize_masked, snap_quarter_turn, up_direction, visibility,
)


def random_xy(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.array([[0, -60], [-20, -45], [20, -45], [-25, -20], [25, -20], [-28, 0], [28, 0],
                     [-12, 0], [12, 0], [-13, 30], [13, 30], [-13, 60], [13, 60]], float)
    return base[None] * rng.uniform(0.5, 3, (n, 1, 1)) + rng.normal(0, 6, (n, 13, 2)) + rng.uniform(0, 500, (n, 1, 2))


def slow_normalize(xy: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """The rules of embed/inputs.py, one pose at a time with plain Python."""
    out = np.zeros_like(xy)
    for n in range(len(xy)):
        v = [j for j in range(13) if vis[n, j]]
        pts = {j: xy[n, j] for j in v}
        hips = [pts[j] for j in (7, 8) if j in pts]
        shoulders = [pts[j] for j in (1, 2) if j in pts]
        if hips:
            centre = sum(hips) / len(hips)
        elif shoulders:
            centre = sum(shoulders) / len(shoulders)
        elif v:
            centre = sum(pts.values()) / len(v)
        else:
            centre = np.zeros(2)
        dist = lambda js: max([math.dist(pts[i], pts[j]) for i in js for j in js] or [0.0])  # noqa: E731
        torso = [j for j in (1, 2, 7, 8) if j in pts]
        scale = dist(torso)
        if len(torso) < 4:
            scale = max(scale, BODY_SHARE * dist(v))
        scale = scale if scale > 1e-6 else 1.0
        for j in v:
            out[n, j] = np.clip((pts[j] - centre) / scale * 0.5, -LIMIT, LIMIT)
    return out


def test_all_visible_is_core_normalisation():
    xy = random_xy(50)
    np.testing.assert_allclose(normalize_masked(xy, np.ones((50, 13), bool)), normalize_2d(xy), atol=1e-5)


def test_masked_matches_slow_rules():
    xy = random_xy(300, seed=1)
    rng = np.random.default_rng(2)
    vis = rng.random((300, 13)) > rng.uniform(0, 0.8, (300, 1))   # from nearly all to nearly nothing visible
    vis[:5] = False
    np.testing.assert_allclose(normalize_masked(xy, vis), slow_normalize(xy, vis), atol=1e-5)


def test_overlapping_hips_without_shoulders_stay_bounded():
    xy = random_xy(1)
    xy[0, 8] = xy[0, 7] + 1e-4        # side-on view: hips coincide
    vis = np.ones((1, 13), bool)
    vis[0, 1:3] = False               # shoulders missing
    out = normalize_masked(xy, vis)
    assert np.abs(out).max() <= LIMIT and np.abs(out).max() < 2.0


def test_network_input_layout_and_invariance():
    xy = random_xy(10)
    scores = np.full((10, 13), 0.9)
    scores[:, 11] = 0.1
    vis = visibility(xy, scores, 0.3)
    assert not vis[:, 11].any() and vis[:, :11].all()
    x = network_input(xy, vis, True)
    assert x.shape == (10, 39)
    np.testing.assert_array_equal(x[:, 26:], vis.astype(np.float32))
    assert np.all(x[:, 22:24] == 0)   # the masked left ankle is zeroed
    moved = network_input(xy * 3.7 + 100.0, vis, True)
    np.testing.assert_allclose(moved, x, atol=1e-5)
    assert network_input(xy, None, False).shape == (10, 26)


def test_nan_keypoints_count_as_missing():
    xy = random_xy(3)
    xy[1, 4] = np.nan
    vis = visibility(xy, None, 0.3)
    assert not vis[1, 4] and vis.sum() == 38
    assert np.isfinite(network_input(xy, vis, True)).all()


def _rotate(xy: np.ndarray, degrees: np.ndarray, about: np.ndarray) -> np.ndarray:
    t = np.deg2rad(degrees)[:, None]
    x, y = xy[..., 0] - about[0], xy[..., 1] - about[1]
    return np.stack([x * np.cos(t) - y * np.sin(t), x * np.sin(t) + y * np.cos(t)], -1) + about


def slow_up(xy: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """The up-direction rule one pose at a time: the first UP_PAIRS pair seen at both ends."""
    out = []
    for n in range(len(xy)):
        up = np.array([0.0, -1.0])
        for lower, upper in UP_PAIRS:
            lo = [xy[n, j] for j in lower if vis[n, j]]
            hi = [xy[n, j] for j in upper if vis[n, j]]
            if lo and hi:
                vec = np.mean(hi, 0) - np.mean(lo, 0)
                if np.linalg.norm(vec) > 1e-6:
                    up = vec / np.linalg.norm(vec)
                    break
        out.append(up)
    return np.array(out)


def test_up_direction_matches_slow_rules():
    rng = np.random.default_rng(3)
    xy = random_xy(400, seed=3)
    vis = rng.random((400, 13)) > 0.4
    assert np.allclose(up_direction(xy, vis), slow_up(xy, vis))
    assert np.allclose(up_direction(random_xy(5), np.ones((5, 13), bool))[:, 1] < 0, True)   # standing: up is -y


def test_upright_inputs_ignore_camera_roll_exactly():
    rng = np.random.default_rng(4)
    xy = random_xy(300, seed=4)
    vis = rng.random((300, 13)) > 0.15
    vis[:, [1, 7]] = True                                  # a shoulder and a hip: the torso gives the direction
    rolled = _rotate(xy, rng.uniform(-180, 180, 300), np.array([320.0, 240.0]))
    up = network_input(xy, vis, True, upright=True)
    assert np.allclose(network_input(rolled, vis, True, upright=True), up, atol=1e-5)
    assert not np.allclose(network_input(rolled, vis, True), network_input(xy, vis, True), atol=1e-2)
    upside_down = _rotate(xy, np.full(300, 180.0), np.zeros(2))
    assert np.allclose(network_input(upside_down, vis, True, upright=True), up, atol=1e-5)


def test_upright_turns_the_torso_up_and_keeps_handedness():
    xy = random_xy(50, seed=5)
    vis = np.ones((50, 13), bool)
    lying = _rotate(xy, np.full(50, 90.0), np.zeros(2))
    out = normalize_masked(lying, vis, upright=True)
    torso = out[:, [1, 2]].mean(1) - out[:, [7, 8]].mean(1)
    assert np.allclose(torso[:, 0], 0, atol=1e-6) and (torso[:, 1] < 0).all()
    plain = normalize_masked(xy, vis)
    # a rotation, never a mirror: the signed area of the torso keeps its sign
    def area(p):
        a, b, c = p[:, 1] - p[:, 7], p[:, 2] - p[:, 7], p[:, 8] - p[:, 7]
        return (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]) + (b[:, 0] * c[:, 1] - b[:, 1] * c[:, 0])
    assert (np.sign(area(out)) == np.sign(area(plain))).all()
    assert np.array_equal(network_input(xy, vis, True), network_input(xy, vis, True, upright=False))


def test_snap_quarter_turn_matches_the_nearest_axis_by_angle():
    rng = np.random.default_rng(7)
    angle = rng.uniform(-np.pi, np.pi, 500)
    up = np.stack([np.cos(angle), np.sin(angle)], -1)
    axes = np.array([[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    slow = axes[np.argmax(up @ axes.T, axis=1)]             # the axis at the smallest angle
    assert np.array_equal(snap_quarter_turn(up), slow)


def test_hipless_poses_turn_only_by_quarter_turns_when_snapping():
    rng = np.random.default_rng(8)
    xy = random_xy(200, seed=8)
    vis = np.ones((200, 13), bool)
    vis[:, 7:] = False                                      # upper-body framing: no hips, knees, ankles
    tilt = rng.uniform(-30, 30, 200)                        # the head and the camera a little off vertical
    tilted = _rotate(xy, tilt, np.array([320.0, 240.0]))
    head = tilted[:, 0] - tilted[:, [1, 2]].mean(1)
    near_vertical = np.abs(np.degrees(np.arctan2(head[:, 0], -head[:, 1]))) < 44   # the nose within 44 deg of up
    assert near_vertical.sum() > 150
    tilted, vis = tilted[near_vertical], vis[near_vertical]
    plain = network_input(tilted, vis, True)
    # snapping keeps a slightly tilted upright view as the image shows it (no turn, like a non-upright model)
    assert np.allclose(network_input(tilted, vis, True, upright=True, snap_hipless=True), plain, atol=1e-5)
    # a camera mounted sideways or upside down gives the same input as the upright camera
    for quarter in (90.0, 180.0, -90.0):
        turned = _rotate(tilted, np.full(len(tilted), quarter), np.zeros(2))
        assert np.allclose(network_input(turned, vis, True, upright=True, snap_hipless=True), plain, atol=1e-4)
    # without snapping the head's tilt turns the pose; with the hips seen, snapping changes nothing
    assert not np.allclose(network_input(tilted, vis, True, upright=True), plain, atol=1e-2)
    full = np.ones_like(vis)
    assert np.array_equal(network_input(tilted, full, True, upright=True, snap_hipless=True),
                          network_input(tilted, full, True, upright=True))
