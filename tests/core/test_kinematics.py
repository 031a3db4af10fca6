"""Joint angles, keypoint speeds and the kinematics CSV, against slow obvious versions."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from poseexplorer.core.kinematics import (
    ANGLE_NAMES, CONVENTION, FLEXION, JOINT_ANGLES, TRUNK_LEAN, frame_series, joint_angles, keypoint_speed,
    kinematics_table, write_kinematics_csv,
)


def _angle_slow(a, j, b) -> float:
    """The angle at j between j->a and j->b by the law of cosines, in degrees."""
    u = (a[0] - j[0], a[1] - j[1])
    v = (b[0] - j[0], b[1] - j[1])
    nu, nv = math.hypot(*u), math.hypot(*v)
    c = max(-1.0, min(1.0, (u[0] * v[0] + u[1] * v[1]) / (nu * nv)))
    return math.degrees(math.acos(c))


def _poses(rng, t=40):
    return rng.uniform(0, 400, size=(t, 13, 2))


def test_joint_angles_match_the_law_of_cosines_and_the_stated_convention():
    rng = np.random.default_rng(0)
    xy = _poses(rng)
    got = joint_angles(xy)
    assert set(got) == set(ANGLE_NAMES)
    for name, (a, j, b) in JOINT_ANGLES.items():
        for t in range(len(xy)):
            between = _angle_slow(xy[t, a], xy[t, j], xy[t, b])
            want = 180 - between if name in FLEXION else between
            assert got[name][t] == pytest.approx(want, abs=1e-6)
    for t in range(len(xy)):
        sx, sy = (xy[t, 1] + xy[t, 2]) / 2
        hx, hy = (xy[t, 7] + xy[t, 8]) / 2
        lean = math.degrees(math.atan2(sx - hx, -(sy - hy)))
        assert got[TRUNK_LEAN][t] == pytest.approx(lean, abs=1e-6)


def test_a_straight_leg_is_0_a_right_angle_90_and_no_jump_when_the_shank_crosses_over():
    xy = np.zeros((3, 13, 2))
    xy[:, 7] = (100, 100)                        # left hip
    xy[:, 9] = (100, 200)                        # left knee below it
    xy[0, 11] = (100, 300)                       # straight
    xy[1, 11] = (200, 200)                       # shank forward, level
    xy[2, 11] = (0, 200)                         # shank the other way: still 90, not 270
    knee = joint_angles(xy)["left_knee"]
    assert knee.tolist() == pytest.approx([0.0, 90.0, 90.0])
    xy[:, 1], xy[:, 2] = (100, 0), (100, 0)      # shoulders straight above the hips
    xy[:, 8] = (100, 100)
    assert joint_angles(xy)[TRUNK_LEAN].tolist() == pytest.approx([0.0, 0.0, 0.0])
    xy[:, 1], xy[:, 2] = (200, 100), (200, 100)  # trunk level, to the image's right
    assert joint_angles(xy)[TRUNK_LEAN].tolist() == pytest.approx([90.0] * 3)


def test_hidden_keypoints_give_nan_only_where_they_are_needed():
    rng = np.random.default_rng(1)
    xy = _poses(rng, 5)
    scores = np.ones((5, 13))
    scores[2, 11] = 0.1                          # left ankle hidden in frame 2
    got = joint_angles(xy, scores, min_score=0.5)
    assert np.isnan(got["left_knee"][2]) and np.isfinite(np.delete(got["left_knee"], 2)).all()
    assert all(np.isfinite(got[n]).all() for n in ANGLE_NAMES if n != "left_knee")


def _speed_slow(track: np.ndarray, fps: float) -> np.ndarray:
    """One keypoint's (T, 2) track: speed by central differences inside runs, one-sided at their ends."""
    t_len = len(track)
    out = np.full(t_len, np.nan)
    ok = [bool(np.isfinite(track[t]).all()) for t in range(t_len)]
    for t in range(t_len):
        if not ok[t]:
            continue
        before = t > 0 and ok[t - 1]
        after = t < t_len - 1 and ok[t + 1]
        if before and after:
            v = (track[t + 1] - track[t - 1]) / 2
        elif after:
            v = track[t + 1] - track[t]
        elif before:
            v = track[t] - track[t - 1]
        else:
            continue
        out[t] = math.hypot(v[0], v[1]) * fps
    return out


def test_keypoint_speed_matches_finite_differences_around_gaps():
    rng = np.random.default_rng(2)
    xy = np.cumsum(rng.normal(size=(30, 13, 2)), axis=0)
    xy[5, 3] = np.nan
    xy[17:19, 6] = np.nan
    xy[[0, 2], 0] = np.nan                       # the nose known alone in frame 1: no speed there
    got = keypoint_speed(xy, fps=25.0)
    for k in range(13):
        np.testing.assert_allclose(got[:, k], _speed_slow(xy[:, k], 25.0), rtol=1e-12, equal_nan=True)
    assert np.isnan(got[1, 0])
    with pytest.raises(ValueError, match="fps"):
        keypoint_speed(xy, fps=0.0)


def test_frame_series_lays_values_on_every_frame():
    values = np.arange(8.0).reshape(4, 2)
    out = frame_series(np.array([3, 0, 3, 9]), values, 5)  # frame 3 twice: its first value; 9 is outside
    assert out.shape == (5, 2)
    np.testing.assert_array_equal(out[0], values[1])
    np.testing.assert_array_equal(out[3], values[0])
    assert np.isnan(out[[1, 2, 4]]).all()


def test_csv_states_the_convention_and_leaves_unknown_cells_empty(tmp_path):
    rng = np.random.default_rng(3)
    xy = _poses(rng, 6)
    xy[4] = np.nan                               # a frame without a pose
    names, table = kinematics_table(xy, fps=30.0)
    path = tmp_path / "k.csv"
    write_kinematics_csv(path, names, table, source="clip.mp4 (30 fps)")
    lines = path.read_text().splitlines()
    assert lines[0] == "# clip.mp4 (30 fps)" and lines[1] == f"# {CONVENTION}"
    rows = list(csv.reader(lines[2:]))
    assert rows[0] == names and len(rows) == 1 + 6
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(6)]
    assert rows[5][1:] == [""] * (len(names) - 1)
    knee = names.index("left_knee_deg")
    assert float(rows[1][knee]) == pytest.approx(joint_angles(xy)["left_knee"][0], abs=1e-3)


def test_synced_table_takes_each_videos_row_at_its_paired_frame():
    from poseexplorer.core.kinematics import synced_table

    rng = np.random.default_rng(4)
    names, a = kinematics_table(_poses(rng, 10), fps=30.0)
    _, b = kinematics_table(_poses(rng, 14), fps=60.0)
    paired = np.stack([np.arange(10), np.minimum(np.arange(10) * 2 + 1, 13)], axis=1)
    columns, table = synced_table(names, ["a.mp4", "b.mp4"], [a, b], paired)
    assert columns[0] == "reference_frame" and columns[1] == "a.mp4:frame" and columns[1 + len(names)] == "b.mp4:frame"
    assert table.shape == (10, 1 + 2 * len(names))
    for r in range(10):
        np.testing.assert_array_equal(table[r, 1:1 + len(names)], a[r])
        np.testing.assert_array_equal(table[r, 1 + len(names):], b[paired[r, 1]])
    with pytest.raises(ValueError, match="paired"):
        synced_table(names, ["a.mp4"], [a, b], paired)
