"""An immutable in-memory copy of the library: plain arrays, numpy only.

Built by a job (session.library_jobs.snapshot_job) after every import or model switch, then handed to the
Session whole, so readers (the GUI's panels among them) see consistent arrays without touching SQLite.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class MediaRow:
    """What the application shows for one media file."""

    media_id: int
    name: str
    path: str
    kind: str = "video"          # "video" | "images" | "keypoints"
    n_frames: int = 0
    fps: float = 0.0
    size: tuple[int, int] = (0, 0)
    status: str = ""             # "pending" | "indexing" | "done" | "error" | "cancelled"
    error: str = ""
    n_poses: int = -1            # from the library; -1 when unknown


def ambiguity_scores(stddev: np.ndarray) -> np.ndarray:
    """One ambiguity score per pose: the mean of the embedding's per-dimension sigma. (N, D) -> (N,)."""
    stddev = np.asarray(stddev, dtype=np.float64)
    if stddev.ndim != 2:
        raise ValueError(f"stddev must have shape (N, D), got {stddev.shape}")
    if stddev.shape[1] == 0:
        return np.zeros(len(stddev))
    return stddev.mean(axis=1)


def percentile_of(scores: np.ndarray, value: float) -> float:
    """Percentage of `scores` that are <= value (0..100); 0 for an empty library."""
    scores = np.asarray(scores)
    if scores.size == 0:
        return 0.0
    return float(100.0 * np.count_nonzero(scores <= value) / scores.size)


@dataclass(frozen=True)
class LibrarySnapshot:
    """All poses of the library as arrays, row-aligned.

    pose_ids, media_ids, frames: (N,) int64; xy: (N, 13, 2) float32 image coords; scores: (N, 13);
    world: (N, 33, 3) float32 MediaPipe world landmarks (NaN where unknown) or None;
    mean, stddev: (N, D) float32 embeddings of the current model, or None before embedding.
    """

    media: tuple[MediaRow, ...]
    pose_ids: np.ndarray
    media_ids: np.ndarray
    frames: np.ndarray
    xy: np.ndarray
    scores: np.ndarray
    world: np.ndarray | None = None
    mean: np.ndarray | None = None
    stddev: np.ndarray | None = None
    model_key: str = ""
    _rows: dict = field(default_factory=dict, repr=False, compare=False)
    _by_frame: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.pose_ids)
        for name in ("media_ids", "frames", "xy", "scores"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"LibrarySnapshot.{name} has {len(getattr(self, name))} rows, expected {n}")
        if np.shape(self.xy)[1:] != (13, 2):
            raise ValueError(f"LibrarySnapshot.xy must be (N, 13, 2), got {np.shape(self.xy)}")
        for name in ("world", "mean", "stddev"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != n:
                raise ValueError(f"LibrarySnapshot.{name} has {len(arr)} rows, expected {n}")
        self._rows.update({int(p): i for i, p in enumerate(self.pose_ids)})
        for i, key in enumerate(zip(self.media_ids.tolist(), self.frames.tolist())):
            self._by_frame.setdefault(key, int(self.pose_ids[i]))

    @staticmethod
    def empty() -> "LibrarySnapshot":
        z = np.zeros(0, dtype=np.int64)
        return LibrarySnapshot((), z, z, z, np.zeros((0, 13, 2), np.float32), np.zeros((0, 13), np.float32))

    def __len__(self) -> int:
        return len(self.pose_ids)

    @property
    def media_by_id(self) -> dict[int, MediaRow]:
        return {m.media_id: m for m in self.media}

    @property
    def has_embeddings(self) -> bool:
        return self.mean is not None and len(self.mean) == len(self)

    def row_of(self, pose_id: int) -> int:
        """Row index of a pose id, -1 when absent."""
        return self._rows.get(int(pose_id), -1)

    def rows_of(self, pose_ids: np.ndarray) -> np.ndarray:
        return np.array([self._rows.get(int(p), -1) for p in pose_ids], dtype=np.int64)

    def pose_at(self, media_id: int, frame: int) -> int:
        """The pose id detected in that frame, -1 when none."""
        return self._by_frame.get((int(media_id), int(frame)), -1)

    def frames_of(self, media_id: int) -> np.ndarray:
        """Frame indices with a pose in the given media, sorted."""
        return np.sort(self.frames[self.media_ids == media_id])

    def ambiguity(self) -> np.ndarray:
        """(N,) ambiguity score per pose; empty when there are no embeddings."""
        if not self.has_embeddings:
            return np.zeros(0)
        return ambiguity_scores(self.stddev)

    def media_name(self, media_id: int) -> str:
        row = self.media_by_id.get(int(media_id))
        return row.name if row else f"media {media_id}"
