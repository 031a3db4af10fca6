"""When one video's decoded frames are asked for, held and shown during synced playback, headless.

Each video of the synced players has its own decode thread, one request at a time. While playing, the
clock never waits for a decoder: the request is for the frame due when the answer will arrive (the
decoder's recent latency ahead of the clock); a frame that arrives early waits for the tick that reaches
it; one more than LATE_S of wall time behind the clock is dropped. `LaneSchedule` keeps that bookkeeping
and makes those decisions for one video; the times it needs are passed in (no clock, no threads, no Qt),
so it is tested with plain numbers. The Qt players (poseexplorer.gui.sync.players) and the main viewer
(poseexplorer.gui.panels.viewer_panel) only carry them out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LATE_S = 0.15       # a decoded frame further behind the clock than this (wall time) is dropped
LATENCY_KEEP = 0.7  # smoothing of the decoder's latency: new = KEEP * old + (1 - KEEP) * measured


@dataclass
class LaneSchedule:
    """One video's decode bookkeeping. Frames are this video's indices; -1 means none.

    fps: this video's frame rate; shown: the frame on screen; wanted: the frame the clock gives now;
    requested: the last frame asked of the decoder; in_flight: an answer is awaited; pending: a frame
    decoded ahead of the clock, (frame, picture), waiting for its tick; latency: seconds from request to
    arrival, smoothed; asked_at: when the last request was made (the caller's clock, seconds).
    """

    fps: float
    shown: int = -1
    wanted: int = -1
    requested: int = -1
    in_flight: bool = False
    pending: tuple[int, Any] | None = None
    latency: float = 0.0
    asked_at: float = 0.0

    def restart(self, fps: float) -> None:
        """Playback starts or stops (at `fps`): nothing is held or awaited; the decoder's latency is kept."""
        self.fps, self.requested, self.in_flight, self.pending = float(fps), -1, False, None

    def forget_shown(self) -> None:
        """The picture must be made again (a nudge, skeletons toggled): nothing counts as shown or asked."""
        self.shown = self.requested = -1
        self.pending = None

    def asked(self, frame: int, now: float) -> None:
        """A request for `frame` was sent to the decoder at time `now`."""
        self.requested, self.in_flight, self.asked_at = frame, True, now

    def arrived(self, now: float) -> None:
        """The decoder answered at time `now`: free for the next request; its latency is updated."""
        self.in_flight = False
        self.latency = LATENCY_KEEP * self.latency + (1.0 - LATENCY_KEEP) * (now - self.asked_at)

    def seconds_off(self, frame: int, speed: float) -> float:
        """Wall seconds `frame` is behind (+) or ahead of (-) the wanted frame at playback speed `speed`."""
        return (self.wanted - frame) / self.fps / max(speed, 1e-6)

    def horizon(self) -> float:
        """How far (wall seconds) a frame may be ahead of the clock and still be held for its tick."""
        return max(LATE_S, 2.0 * self.latency)

    def on_time(self, frame: int, speed: float) -> bool:
        """A frame decoded while playing is shown when it is at most LATE_S behind the clock, not ahead."""
        return 0.0 <= self.seconds_off(frame, speed) <= LATE_S

    def take_due(self, speed: float) -> tuple[int, Any] | None:
        """The held frame, removed, once its time has come (or the clock jumped back past it: a seek, a loop)."""
        held = self.pending
        if held is None or not (held[0] <= self.wanted or self.seconds_off(held[0], speed) < -self.horizon()):
            return None
        self.pending = None
        return held

    def should_hold(self, frame: int, speed: float) -> bool:
        """A frame that arrived while playing is ahead of the clock, but not so far that it is left behind."""
        return frame > self.wanted and -self.seconds_off(frame, speed) <= self.horizon()

    def needs_request(self, ahead: int) -> bool:
        """While playing: ask for `ahead` (the frame due when an answer arrives) if the decoder is free,
        nothing is held and it is not already on screen."""
        return not self.in_flight and self.pending is None and ahead != self.shown

    def lookahead_s(self, time_s: float, speed: float, duration_s: float) -> float:
        """The clock time when a request made at clock time `time_s` will arrive (at most the end)."""
        return min(time_s + speed * self.latency, duration_s)
