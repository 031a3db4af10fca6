"""Sync several videos to one reference, headless: per-frame embeddings in, sync maps in each video's frames out.

Followers are resampled to the reference's frame rate before alignment (so the atrous window spans the
same time in both), aligned with `align_sequences` (mirror search when mirrored embeddings are given),
and the resulting maps are expressed in each follower's own frames. The job that gets the embeddings
(from the library, or by detecting) lives in `poseexplorer.session.sync_jobs`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.model_protocol import ProbabilityParams
from ..core.poses import Embedding
from ..jobs import CancelCheck, Cancelled, Progress, never_cancel, no_progress
from .playback import FollowerTrack, native_sync_map, paired_frames, resample_indices
from .sequences import align_sequences

#: the sync window: SYNC_WINDOW_TAPS taps SYNC_WINDOW_RATE frames apart (+-20 frames at the reference's
#: fps; the method's 7 x 3 is +-9), along slopes 1/2..2 (cost.WINDOW_SLOPES), after the hub correction;
#: chosen on held-out mocap with benchmarks/sync_accuracy.py (a longer window copes better with noisy
#: cross-view costs once it follows the local slope; along the diagonal only, it got worse)
SYNC_WINDOW_TAPS = 11
SYNC_WINDOW_RATE = 4


@dataclass(frozen=True)
class PoseSequence:
    """One video's poses, one row per frame 0..T-1.

    embedding: (T, D) per-frame embedding (rows where `valid` is False are ignored);
    valid: (T,) bool, frames with a person; mirrored: (T, D) embedding of the left/right-flipped poses,
    or None (no mirror search); fps > 0; media_id: the library's id when it came from there;
    xy: (T, 13, 2) the detected keypoints in image pixels (NaN without a person), or None, for drawing.
    """

    name: str
    path: str
    fps: float
    embedding: Embedding
    valid: np.ndarray
    mirrored: Embedding | None = None
    media_id: int | None = None
    xy: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.embedding)
        if n == 0:
            raise ValueError(f"{self.name}: the sequence has no frames")
        if np.shape(self.valid) != (n,):
            raise ValueError(f"PoseSequence.valid must have shape ({n},), got {np.shape(self.valid)}")
        if self.mirrored is not None and len(self.mirrored) != n:
            raise ValueError(f"PoseSequence.mirrored has {len(self.mirrored)} rows, expected {n}")
        if not self.fps > 0:
            raise ValueError(f"{self.name}: fps must be > 0, got {self.fps}")
        if self.xy is not None and np.shape(self.xy) != (n, 13, 2):
            raise ValueError(f"PoseSequence.xy must have shape ({n}, 13, 2), got {np.shape(self.xy)}")
        if not np.any(self.valid):
            raise ValueError(f"{self.name}: no person was detected in any frame, so it cannot be synced")

    @property
    def n_frames(self) -> int:
        return len(self.embedding)


@dataclass(frozen=True)
class FollowerSync:
    """One follower aligned to the reference.

    sync_map: (Ta,) follower frame for each reference frame; cost: (Ta, Mf) frame cost against the
    follower resampled to the reference fps; path: (L, 2) DTW path in (reference frame, follower
    sample); samples: (Mf,) follower frame of each sample; distance: mean path cost.
    """

    name: str
    path_to_video: str
    fps: float
    n_frames: int
    sync_map: np.ndarray
    cost: np.ndarray
    path: np.ndarray
    samples: np.ndarray
    distance: float
    mirrored: bool
    media_id: int | None = None
    xy: np.ndarray | None = None

    def track(self, nudge: int = 0) -> FollowerTrack:
        return FollowerTrack(self.sync_map, self.n_frames, self.fps, nudge, self.mirrored)


@dataclass(frozen=True)
class SyncResult:
    """The reference video and its followers, each with a sync map on the reference's frames."""

    reference: PoseSequence
    followers: tuple[FollowerSync, ...]

    def tracks(self) -> list[FollowerTrack]:
        return [f.track() for f in self.followers]

    def paired_frames(self) -> np.ndarray:
        """(Ta, 1 + F) int: reference frame and each follower's frame shown with it."""
        return paired_frames(self.reference.n_frames, self.tracks())


def resampled(seq: PoseSequence, fps_to: float) -> tuple[PoseSequence, np.ndarray]:
    """The sequence sampled at `fps_to` (nearest earlier frame) and the source frame of each sample."""
    idx = resample_indices(seq.n_frames, seq.fps, fps_to)
    mirrored = None if seq.mirrored is None else seq.mirrored[idx]
    return PoseSequence(seq.name, seq.path, fps_to, seq.embedding[idx], np.asarray(seq.valid)[idx],
                        mirrored, seq.media_id), idx  # xy stays with the original frames


def align_follower(reference: PoseSequence, follower: PoseSequence, model: ProbabilityParams,
                   max_drift_s: float | None = None, **options) -> FollowerSync:
    """Align one follower to the reference; `model` has the matching scale `a`, `b`.

    max_drift_s: keep the path within this many seconds of the straight line from start to end (a DTW
    band), None = unconstrained. options: passed to align_sequences; the window defaults to
    SYNC_WINDOW_TAPS taps SYNC_WINDOW_RATE frames apart, and with the follower's mirrored embeddings
    ("Left/right free") the left/right choice is made frame by frame (lr_invariant: a detector may swap
    left and right on some frames only; chosen on held-out mocap with and without simulated swaps).
    """
    common, samples = resampled(follower, reference.fps)
    band = None if max_drift_s is None else max_drift_s * reference.fps
    options = {"kernel": SYNC_WINDOW_TAPS, "rate": SYNC_WINDOW_RATE, "lr_invariant": common.mirrored is not None,
               **options}
    al = align_sequences(reference.embedding, common.embedding, model, mirrored_b=common.mirrored,
                         valid_a=np.asarray(reference.valid), valid_b=np.asarray(common.valid), band=band,
                         **options)
    sync = native_sync_map(al.sync_map, samples, reference.n_frames, reference.fps, reference.fps)
    return FollowerSync(follower.name, follower.path, follower.fps, follower.n_frames, sync,
                        np.asarray(al.cost), np.asarray(al.path), samples, float(al.distance),
                        bool(al.mirrored), follower.media_id, follower.xy)


def sync_to_reference(reference: PoseSequence, followers: list[PoseSequence], model: ProbabilityParams,
                      max_drift_s: float | None = None,
                      progress: Progress = no_progress, cancel: CancelCheck = never_cancel) -> SyncResult:
    """Align every follower to the reference (a job step: reports progress, honours cancel)."""
    out = []
    for i, follower in enumerate(followers):
        if cancel():
            raise Cancelled()
        progress(i, len(followers), f"aligning {follower.name}")
        out.append(align_follower(reference, follower, model, max_drift_s))
    progress(len(followers), len(followers), "aligned")
    return SyncResult(reference, tuple(out))
