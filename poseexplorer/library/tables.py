"""Frozen result types of the pose library, with shapes checked on construction."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.poses import check_shape

MEDIA_KINDS = ("video", "images", "keypoints")
MEDIA_STATUSES = ("pending", "indexing", "done", "error", "cancelled")


@dataclass(frozen=True)
class MediaInfo:
    """One video, image folder or keypoint file in the library.

    fps is 0.0 for images; width/height are those of frame 0; frames is the number of frames (the exact
    decoded count once indexing finished, the container's estimate before); n_poses counts frames with a
    person.
    """

    id: int
    path: str
    name: str
    kind: str
    fps: float
    width: int
    height: int
    frames: int
    status: str
    error: str | None
    n_poses: int
    content_hash: str = ""

    def __post_init__(self) -> None:
        if self.kind not in MEDIA_KINDS:
            raise ValueError(f"MediaInfo.kind must be one of {MEDIA_KINDS}, got {self.kind!r}")
        if self.status not in MEDIA_STATUSES:
            raise ValueError(f"MediaInfo.status must be one of {MEDIA_STATUSES}, got {self.status!r}")


@dataclass(frozen=True)
class FrameTable:
    """Every processed frame of one media, ordered by frame_index.

    frame_index: (T,) int64; pose_id: (T,) int64, -1 where no person was found;
    xy: (T, 13, 2) float32 image pixels (NaN without a person); scores: (T, 13) float32 (0 without);
    world: (T, 33, 3) float32 metres, hip-centred, NaN when absent (no person, or keypoint-file media);
    landmarks: (T, 33, 3) float32 image x px, y px, visibility (NaN without a person).
    """

    frame_index: np.ndarray
    pose_id: np.ndarray
    xy: np.ndarray
    scores: np.ndarray
    world: np.ndarray
    landmarks: np.ndarray

    def __post_init__(self) -> None:
        t = len(self.frame_index)
        check_shape("FrameTable.frame_index", self.frame_index, (t,))
        check_shape("FrameTable.pose_id", self.pose_id, (t,))
        check_shape("FrameTable.xy", self.xy, (t, 13, 2))
        check_shape("FrameTable.scores", self.scores, (t, 13))
        check_shape("FrameTable.world", self.world, (t, 33, 3))
        check_shape("FrameTable.landmarks", self.landmarks, (t, 33, 3))

    def __len__(self) -> int:
        return len(self.frame_index)

    @property
    def has_pose(self) -> np.ndarray:
        """(T,) bool: frames with a person."""
        return self.pose_id >= 0


@dataclass(frozen=True)
class PoseTable:
    """Detected poses (frames with a person), ordered by pose_id.

    pose_id, media_id, frame_index: (N,) int64; xy: (N, 13, 2) float32 px; scores: (N, 13) float32.
    """

    pose_id: np.ndarray
    media_id: np.ndarray
    frame_index: np.ndarray
    xy: np.ndarray
    scores: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.pose_id)
        for name in ("pose_id", "media_id", "frame_index"):
            check_shape(f"PoseTable.{name}", getattr(self, name), (n,))
        check_shape("PoseTable.xy", self.xy, (n, 13, 2))
        check_shape("PoseTable.scores", self.scores, (n, 13))

    def __len__(self) -> int:
        return len(self.pose_id)


@dataclass(frozen=True)
class ModelInfo:
    """An embedding model the library holds embeddings for; key is the sha256 of its weights file."""

    key: str
    name: str
    dim: int
    n_embeddings: int


@dataclass(frozen=True)
class SyncPair:
    """A saved synchronisation of two media: path (L, 2) int64 of (frame in a, frame in b)."""

    id: int
    media_a: int
    media_b: int
    path: np.ndarray
    name: str = ""

    def __post_init__(self) -> None:
        check_shape("SyncPair.path", self.path, (None, 2))


@dataclass(frozen=True)
class FileReport:
    """The outcome of indexing one input path (ok False: skipped or failed, message says why)."""

    path: str
    ok: bool
    message: str
    n_frames: int = 0
    n_poses: int = 0
    media_id: int | None = None


@dataclass(frozen=True)
class IndexReport:
    """The outcome of one index run: one FileReport per input, in input order (a folder holding videos
    counts as its videos, in natural order, then the folder itself if it also holds images)."""

    files: list[FileReport] = field(default_factory=list)
    cancelled: bool = False
    n_embedded: int = 0

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files) and not self.cancelled
