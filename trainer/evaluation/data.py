"""Held-out motion capture for the evaluation, as flat frame arrays with clip labels.

`load_frames` reads the cached training datasets (trainer.dataset, written by `poseexplorer-train
prepare`); `from_clips` builds the same from in-memory trainer.mocap Clip objects (tests).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

@dataclass(frozen=True)
class MocapFrames:
    """Frames of many clips. joints: (N, 17, 3) metres y-up; clip: (N,) int, contiguous per clip in time
    order; subject, action: (N,) str; fps: frames per second; frame: (N,) frame number within the clip
    at `fps` (gaps where the cache dropped near-duplicate consecutive poses)."""

    joints: np.ndarray
    clip: np.ndarray
    subject: np.ndarray
    action: np.ndarray
    fps: float
    frame: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.joints)
        if np.shape(self.joints)[1:] != (17, 3):
            raise ValueError(f"MocapFrames.joints must be (N, 17, 3), got {np.shape(self.joints)}")
        for name in ("clip", "subject", "action", "frame"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"MocapFrames.{name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.joints)

    def select(self, mask_or_index: np.ndarray) -> "MocapFrames":
        i = np.asarray(mask_or_index)
        return MocapFrames(self.joints[i], self.clip[i], self.subject[i], self.action[i], self.fps, self.frame[i])

    def clips(self) -> list[np.ndarray]:
        """Frame indices of each clip, in order of first appearance."""
        starts = np.r_[0, np.flatnonzero(self.clip[1:] != self.clip[:-1]) + 1]
        ends = np.r_[starts[1:], len(self.clip)]
        return [np.arange(s, e) for s, e in zip(starts, ends)]


def load_frames(path: Path | str) -> MocapFrames:
    """Read a cached dataset (trainer.dataset format). Raises trainer.dataset.DatasetError on a bad file."""
    from trainer.dataset import load_dataset

    ds = load_dataset(path)
    return MocapFrames(ds.poses, ds.clip, ds.subject, ds.clip_action[ds.clip], ds.fps, ds.frame)


def from_clips(clips: list, fps: float | None = None) -> MocapFrames:
    """Flatten trainer.mocap Clip objects (all at one frame rate) into MocapFrames."""
    if not clips:
        raise ValueError("no clips")
    rate = fps or clips[0].fps
    joints = np.concatenate([c.joints for c in clips])
    clip = np.concatenate([np.full(len(c), i) for i, c in enumerate(clips)])
    subject = np.concatenate([np.full(len(c), c.subject) for c in clips])
    action = np.concatenate([np.full(len(c), c.action) for c in clips])
    frame = np.concatenate([np.arange(len(c)) for c in clips])
    return MocapFrames(joints, clip, subject, action, float(rate), frame)
