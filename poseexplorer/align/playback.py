"""Synced playback, headless: one clock on the reference video's timeline, followers mapped through sync maps.

The reference (video A) owns the clock: a time in seconds picks A's frame; each follower shows the frame
its sync map gives for that A frame, shifted by a manual nudge. Videos may differ in fps, length and
size; all mapping is in frame indices of each video, and `resample_indices` lets an alignment run on
sequences brought to a common frame rate and be mapped back to each video's own frames.
Pure functions on numpy arrays; the Qt panel (poseexplorer.gui.sync_panel) only displays what they say.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_SPEED = 0.1
MAX_SPEED = 4.0
#: a time exactly on a frame boundary belongs to that frame despite float rounding (k / fps * fps < k)
_EPS = 1e-6


@dataclass(frozen=True)
class FollowerTrack:
    """How one follower video follows the reference.

    sync_map: (Ta,) int, the follower's frame for each reference frame (monotone, from DTW);
    n_frames: frames in the follower video; fps: its frame rate; nudge: a manual shift in the
    follower's frames (positive: show a later follower frame); mirrored: the alignment matched the
    left/right-flipped follower (shown for information; the picture is not flipped).
    """

    sync_map: np.ndarray
    n_frames: int
    fps: float
    nudge: int = 0
    mirrored: bool = False

    def __post_init__(self) -> None:
        sync = np.asarray(self.sync_map)
        if sync.ndim != 1 or len(sync) == 0:
            raise ValueError(f"FollowerTrack.sync_map must have shape (Ta,) with Ta > 0, got {sync.shape}")
        if self.n_frames <= 0 or not self.fps > 0:
            raise ValueError(f"FollowerTrack needs n_frames > 0 and fps > 0, got {self.n_frames}, {self.fps}")
        if sync.min() < 0 or sync.max() >= self.n_frames:
            raise ValueError(f"FollowerTrack.sync_map values must lie in [0, {self.n_frames}), "
                             f"got [{sync.min()}, {sync.max()}]")

    def frame_for(self, ref_frame: int) -> int:
        """The follower frame shown with reference frame `ref_frame`."""
        return follower_frame(ref_frame, self.sync_map, self.nudge, self.n_frames)


def clamp_speed(speed: float) -> float:
    """Playback speed limited to [0.1, 4] (x real time)."""
    return float(min(MAX_SPEED, max(MIN_SPEED, speed)))


def frame_at(time_s: float, fps: float, n_frames: int) -> int:
    """The frame shown at `time_s` seconds into a video of `n_frames` frames at `fps` (clipped to the ends)."""
    return int(min(n_frames - 1, max(0, np.floor(time_s * fps + _EPS))))


def time_of(frame: int, fps: float) -> float:
    """The time in seconds at which `frame` starts."""
    return frame / fps


def duration_of(n_frames: int, fps: float) -> float:
    """The start time of the last frame: the clock runs in [0, duration]."""
    return (n_frames - 1) / fps


def advance(time_s: float, wall_dt: float, speed: float, duration: float, loop: bool = False) -> tuple[float, bool]:
    """Move the clock by `wall_dt` seconds of wall time at `speed`; returns (new time, still playing).

    At the end it stops on the last frame, or wraps to the start when `loop` is true.
    """
    t = time_s + wall_dt * clamp_speed(speed)
    if t <= duration:
        return t, True
    if loop and duration > 0:
        return t % duration, True
    return duration, False


def advance_in_range(time_s: float, wall_dt: float, speed: float, start_s: float, end_s: float,
                     loop: bool = False) -> tuple[float, bool]:
    """`advance` within an in/out range [start_s, end_s]: a time outside it starts from start_s; at end_s
    it stops there, or wraps to start_s when `loop` is true. Returns (new time, still playing)."""
    if end_s < start_s:
        raise ValueError(f"advance_in_range needs start_s <= end_s, got {start_s} > {end_s}")
    t0 = start_s if not start_s <= time_s <= end_s else time_s
    t, playing = advance(t0 - start_s, wall_dt, speed, end_s - start_s, loop)
    return start_s + t, playing


def step_time(time_s: float, frames: int, fps: float, n_frames: int) -> float:
    """The start time of the frame `frames` frames after (or before, when negative) the current one."""
    current = frame_at(time_s, fps, n_frames)
    return time_of(int(np.clip(current + frames, 0, n_frames - 1)), fps)


def follower_frame(ref_frame: int, sync_map: np.ndarray, nudge: int, n_frames: int) -> int:
    """sync_map[ref_frame] + nudge, clipped to the follower's frames (ref_frame clipped to the map too)."""
    i = int(np.clip(ref_frame, 0, len(sync_map) - 1))
    return int(np.clip(int(sync_map[i]) + nudge, 0, n_frames - 1))


def paired_frames(n_ref: int, tracks: list[FollowerTrack]) -> np.ndarray:
    """(n_ref, 1 + F) int: row i holds reference frame i and each follower's frame shown with it."""
    ref = np.arange(n_ref)
    cols = [ref] + [np.clip(np.asarray(t.sync_map)[np.minimum(ref, len(t.sync_map) - 1)] + t.nudge,
                            0, t.n_frames - 1) for t in tracks]
    return np.stack(cols, axis=1).astype(np.int64)


def resample_indices(n_frames: int, fps_from: float, fps_to: float) -> np.ndarray:
    """(M,) int: for each frame of the same span sampled at `fps_to`, the source frame shown then.

    M = floor((n_frames - 1) * fps_to / fps_from) + 1, so the span (first to last frame) is kept.
    """
    if n_frames <= 0 or not (fps_from > 0 and fps_to > 0):
        raise ValueError(f"resample_indices needs n_frames > 0 and fps > 0, got {n_frames}, {fps_from}, {fps_to}")
    m = int(np.floor((n_frames - 1) * fps_to / fps_from + _EPS)) + 1
    times = np.arange(m) / fps_to
    return np.minimum(np.floor(times * fps_from + _EPS).astype(np.int64), n_frames - 1)


def native_sync_map(common_map: np.ndarray, fol_index: np.ndarray, n_ref: int, fps_ref: float,
                    fps_common: float) -> np.ndarray:
    """(n_ref,) int: a sync map found between sequences resampled to `fps_common`, in the videos' own frames.

    common_map: (Mr,) follower sample for each reference sample; fol_index: (Mf,) the follower's
    `resample_indices`. Reference frame k takes the sample nearest its start time k / fps_ref.
    """
    common_map = np.asarray(common_map)
    samples = np.rint(np.arange(n_ref) * (fps_common / fps_ref)).astype(np.int64)
    samples = np.clip(samples, 0, len(common_map) - 1)
    return np.asarray(fol_index)[common_map[samples]].astype(np.int64)


def nudge_from_seconds(seconds: float, fps: float) -> int:
    """A manual offset in seconds as whole frames of a video at `fps`."""
    return int(round(seconds * fps))
