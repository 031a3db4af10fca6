"""LaneSchedule: the decisions of synced playback for one video, driven by a simulated clock and decoder."""
from __future__ import annotations

import math

import pytest

from poseexplorer.align.playback import frame_at
from poseexplorer.align.playback_schedule import LATE_S, LaneSchedule


def simulate(fps: float, decode_s: float, seconds: float, speed: float = 1.0, tick_s: float = 0.015):
    """Play one video for `seconds` of wall time with a decoder that answers `decode_s` after each request,
    doing what the players do on each tick and arrival. -> (shown frames, dropped count, schedule, lateness)."""
    s = LaneSchedule(fps=fps)
    n = int(fps * seconds * speed) + 10
    wall, clock, answer = 0.0, 0.0, None          # answer: (arrival wall time, frame)
    shown, dropped, lateness = [], 0, []

    def present(frame: int) -> None:
        nonlocal dropped
        if s.on_time(frame, speed):
            lateness.append(s.seconds_off(frame, speed))
            shown.append(frame)
            s.shown = frame
        else:
            dropped += 1

    def play_frame() -> None:
        nonlocal answer
        due = s.take_due(speed)
        if due is not None:
            present(due[0])
        ahead = frame_at(s.lookahead_s(clock, speed, n / fps), fps, n)
        if s.needs_request(ahead):
            s.asked(ahead, wall)
            answer = (wall + decode_s, ahead)

    while wall < seconds:
        wall += tick_s
        clock += tick_s * speed
        s.wanted = frame_at(clock, fps, n)
        play_frame()
        if answer is not None and answer[0] <= wall:   # the decode thread's frame reaches the GUI thread
            frame, answer = answer[1], None
            s.arrived(wall)
            if s.requested == frame:
                if s.should_hold(frame, speed):
                    s.pending = (frame, None)
                else:
                    present(frame)
                play_frame()
    return shown, dropped, s, lateness


def observed_latency(decode_s: float, tick_s: float = 0.015) -> float:
    """An answer is seen on the first tick after it arrives."""
    return math.ceil(decode_s / tick_s - 1e-9) * tick_s


@pytest.mark.parametrize("fps, decode_s, speed", [(30.0, 0.005, 1.0), (25.0, 0.02, 1.0), (30.0, 0.01, 2.0)])
def test_a_fast_decoder_shows_frames_in_order_and_never_late(fps, decode_s, speed):
    shown, dropped, s, lateness = simulate(fps, decode_s, 2.0, speed)
    assert shown == sorted(shown) and len(set(shown)) == len(shown)
    assert all(0.0 <= late <= LATE_S for late in lateness)
    passed = 2.0 * fps * speed                        # frames the clock went through
    assert len(shown) >= 0.8 * min(passed, passed / (observed_latency(decode_s) * fps * speed))
    assert s.latency == pytest.approx(observed_latency(decode_s), rel=0.05)


def test_a_slow_decoder_asks_ahead_by_its_latency_and_still_shows_on_time():
    fps, decode_s = 30.0, 0.1                       # three frame intervals per decode
    shown, dropped, s, lateness = simulate(fps, decode_s, 3.0)
    assert len(shown) > 0.8 * 3.0 / observed_latency(decode_s)  # about one frame per decode reaches the screen
    assert all(0.0 <= late <= LATE_S for late in lateness)
    assert s.latency == pytest.approx(observed_latency(decode_s), rel=0.05)


def test_held_frames_wait_for_their_tick_and_late_frames_are_dropped():
    s = LaneSchedule(fps=30.0, latency=0.05)
    s.wanted = 10
    assert s.should_hold(11, 1.0) and not s.should_hold(10, 1.0) and not s.should_hold(40, 1.0)
    s.pending = (12, "picture")
    assert s.take_due(1.0) is None and s.pending is not None      # two frames early: it waits
    s.wanted = 12
    assert s.take_due(1.0) == (12, "picture") and s.pending is None
    assert s.on_time(12, 1.0) and s.on_time(12 - int(LATE_S * 30), 1.0)
    assert not s.on_time(12 - int(LATE_S * 30) - 1, 1.0) and not s.on_time(13, 1.0)
    s.pending = (30, "picture")                      # the clock jumped back (a seek, a loop): released
    s.wanted = 0
    assert s.take_due(1.0) == (30, "picture")


def test_bookkeeping_of_requests_and_redraws():
    s = LaneSchedule(fps=25.0)
    s.asked(7, now=1.0)
    assert s.in_flight and s.requested == 7 and not s.needs_request(8)
    s.arrived(now=1.2)
    assert not s.in_flight and s.latency == pytest.approx(0.3 * 0.2)
    s.shown = 7
    assert not s.needs_request(7) and s.needs_request(8)
    s.pending = (8, None)
    assert not s.needs_request(9)
    s.forget_shown()
    assert (s.shown, s.requested, s.pending) == (-1, -1, None)
    assert s.lookahead_s(9.9, 2.0, duration_s=10.0) == 10.0


def test_restart_forgets_requests_and_held_frames_but_keeps_the_latency():
    s = LaneSchedule(fps=30.0, latency=0.05)
    s.asked(10, 1.0)
    s.pending = (12, "picture")
    s.restart(25.0)
    assert (s.fps, s.requested, s.in_flight, s.pending, s.latency) == (25.0, -1, False, None, 0.05)
    assert s.needs_request(3)
