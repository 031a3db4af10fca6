"""The synced-playback clock and frame mapping, against slow obvious versions."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.align.playback import (
    FollowerTrack,
    advance,
    advance_in_range,
    clamp_speed,
    duration_of,
    frame_at,
    native_sync_map,
    nudge_from_seconds,
    paired_frames,
    resample_indices,
    step_time,
    time_of,
)


def test_frame_at_is_the_frame_whose_interval_holds_the_time():
    for fps in (23.976, 25.0, 29.97, 30.0, 59.94, 60.0):
        n = 50
        for k in range(n):  # the start of every frame belongs to that frame, despite float rounding
            assert frame_at(time_of(k, fps), fps, n) == k
            assert frame_at(time_of(k, fps) + 0.5 / fps, fps, n) == k
        assert frame_at(-1.0, fps, n) == 0
        assert frame_at(1e6, fps, n) == n - 1


def test_advance_scales_wall_time_by_clamped_speed_and_stops_at_the_end():
    assert advance(1.0, 0.5, 2.0, 10.0) == (2.0, True)
    assert advance(1.0, 1.0, 100.0, 10.0) == (5.0, True)  # speed clamped to 4x
    assert advance(1.0, 1.0, 0.0, 10.0) == pytest.approx((1.1, True))  # and to 0.1x
    assert advance(9.0, 1.0, 2.0, 10.0) == (10.0, False)
    t, playing = advance(9.0, 1.0, 2.0, 10.0, loop=True)
    assert playing and t == pytest.approx(1.0)
    assert clamp_speed(0.5) == 0.5


def _range_by_small_steps(t, wall, speed, start, end, loop, dt=1e-4):
    """The in/out-range clock the obvious way: many tiny steps, wrapping or stopping at the out point."""
    t = start if not start <= t <= end else t
    for _ in range(int(round(wall / dt))):
        t += dt * clamp_speed(speed)
        if t > end:
            if not loop:
                return end, False
            t = start + (t - end)
    return t, True


def test_advance_in_range_plays_between_in_and_out_like_small_steps():
    rng = np.random.default_rng(3)
    for _ in range(200):
        start, length = rng.uniform(0, 5), rng.uniform(0.2, 3)
        end = start + length
        t = rng.uniform(0, 10)
        wall, speed, loop = rng.uniform(0, 2), rng.uniform(0.1, 4), bool(rng.integers(2))
        got, playing = advance_in_range(t, wall, speed, start, end, loop)
        want, want_playing = _range_by_small_steps(t, wall, speed, start, end, loop)
        assert playing == want_playing
        assert got == pytest.approx(want, abs=2e-3)
        assert start <= got <= end
    with pytest.raises(ValueError, match="start_s <= end_s"):
        advance_in_range(0.0, 0.1, 1.0, 2.0, 1.0)


def test_step_time_moves_whole_frames_and_stays_inside():
    fps, n = 30.0, 10
    t = 0.0
    for k in range(1, n):
        t = step_time(t, 1, fps, n)
        assert frame_at(t, fps, n) == k
    assert frame_at(step_time(t, 5, fps, n), fps, n) == n - 1
    assert frame_at(step_time(t, -100, fps, n), fps, n) == 0
    assert duration_of(n, fps) == pytest.approx(9 / 30)


def test_follower_track_applies_nudge_and_clips():
    track = FollowerTrack(sync_map=np.array([0, 0, 1, 3, 4]), n_frames=5, fps=25.0, nudge=2)
    assert [track.frame_for(i) for i in range(7)] == [2, 2, 3, 4, 4, 4, 4]
    back = FollowerTrack(sync_map=np.array([0, 0, 1, 3, 4]), n_frames=5, fps=25.0, nudge=-1)
    assert [back.frame_for(i) for i in range(5)] == [0, 0, 0, 2, 3]


def test_follower_track_rejects_bad_maps():
    with pytest.raises(ValueError, match="sync_map"):
        FollowerTrack(sync_map=np.array([0, 5]), n_frames=5, fps=30.0)
    with pytest.raises(ValueError, match="shape"):
        FollowerTrack(sync_map=np.zeros((2, 2), int), n_frames=5, fps=30.0)
    with pytest.raises(ValueError, match="fps"):
        FollowerTrack(sync_map=np.array([0]), n_frames=5, fps=0.0)


def test_paired_frames_equals_a_loop_over_tracks():
    rng = np.random.default_rng(0)
    tracks = [FollowerTrack(np.sort(rng.integers(0, n, size=m)), n, 30.0, nudge)
              for n, m, nudge in ((40, 30, 0), (12, 25, 3), (60, 35, -4))]
    table = paired_frames(33, tracks)
    for i in range(33):
        assert table[i, 0] == i
        for j, track in enumerate(tracks):
            assert table[i, j + 1] == track.frame_for(i)


def test_resample_indices_picks_the_frame_shown_at_each_sample_time():
    for n, f_from, f_to in ((100, 60.0, 30.0), (31, 20.0, 30.0), (10, 30.0, 30.0), (47, 29.97, 25.0)):
        idx = resample_indices(n, f_from, f_to)
        for s, frame in enumerate(idx):  # slow version: scan the frames for the one covering time s / f_to
            t = s / f_to
            expected = max(k for k in range(n) if k / f_from <= t + 1e-6)
            assert frame == expected
        assert idx[-1] >= n - 1 - f_from / f_to  # the span reaches the last frame
    with pytest.raises(ValueError):
        resample_indices(0, 30.0, 30.0)


def test_native_sync_map_recovers_a_known_offset_across_frame_rates():
    # reference at 30 fps, follower at 20 fps, the follower starts 0.5 s later in the action:
    # follower time = reference time - 0.5 s. Align at a common 30 fps, then map back.
    n_ref, n_fol, f_ref, f_fol, f_common = 90, 70, 30.0, 20.0, 30.0
    ref_idx = resample_indices(n_ref, f_ref, f_common)
    fol_idx = resample_indices(n_fol, f_fol, f_common)
    common = np.clip(np.arange(len(ref_idx)) - 15, 0, len(fol_idx) - 1)  # 0.5 s at 30 fps
    native = native_sync_map(common, fol_idx, n_ref, f_ref, f_common)
    assert native.shape == (n_ref,)
    for k in range(n_ref):
        want = min(n_fol - 1, max(0, int(np.floor((k / f_ref - 0.5) * f_fol + 1e-6))))
        assert native[k] == want


def test_nudge_from_seconds_rounds_to_frames():
    assert nudge_from_seconds(0.5, 30.0) == 15
    assert nudge_from_seconds(-0.1, 25.0) == -2
