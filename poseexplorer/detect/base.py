"""The detector interface: one frame in, one person's keypoints (or None) out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..core.skeleton import MEDIAPIPE_TO_COCO13

#: Frames whose long side exceeds this are downscaled before detection (MediaPipe works at 256 px
#: internally; a 30000 px image would only cost memory and time).
MAX_DETECT_SIDE = 1920


def _check(name: str, arr: np.ndarray, shape: tuple[int, ...]) -> None:
    if np.shape(arr) != shape:
        raise ValueError(f"Detection.{name} must have shape {shape}, got {np.shape(arr)}")


@dataclass(frozen=True)
class Detection:
    """One person in one frame.

    xy: (13, 2) float32 COCO-13 keypoints in image pixels; scores: (13,) float32 visibility in [0, 1];
    landmarks: (33, 3) float32 all MediaPipe landmarks (x px, y px, visibility), NaN for a detector
    without them; world: (33, 3) float32 metres, hip-centred, NaN when the detector gives no 3D.
    """

    xy: np.ndarray
    scores: np.ndarray
    landmarks: np.ndarray
    world: np.ndarray

    def __post_init__(self) -> None:
        _check("xy", self.xy, (13, 2))
        _check("scores", self.scores, (13,))
        _check("landmarks", self.landmarks, (33, 3))
        _check("world", self.world, (33, 3))

    @staticmethod
    def from_landmarks(landmarks: np.ndarray, world: np.ndarray | None = None) -> "Detection":
        """Build from MediaPipe-33 landmarks (33, 3) = (x px, y px, visibility)."""
        lms = np.asarray(landmarks, dtype=np.float32)
        idx = list(MEDIAPIPE_TO_COCO13)
        w = np.full((33, 3), np.nan, np.float32) if world is None else np.asarray(world, np.float32)
        return Detection(xy=lms[idx, :2].copy(), scores=np.clip(lms[idx, 2], 0, 1).astype(np.float32),
                         landmarks=lms, world=w)

    @staticmethod
    def from_coco13(xy: np.ndarray, scores: np.ndarray) -> "Detection":
        """Build from COCO-13 points only (keypoint files): landmarks hold the 13 points, world is NaN."""
        xy = np.asarray(xy, np.float32)
        scores = np.asarray(scores, np.float32)
        lms = np.full((33, 3), np.nan, np.float32)
        lms[list(MEDIAPIPE_TO_COCO13), :2] = xy
        lms[list(MEDIAPIPE_TO_COCO13), 2] = scores
        return Detection(xy=xy, scores=scores, landmarks=lms, world=np.full((33, 3), np.nan, np.float32))

    def scaled(self, factor: float) -> "Detection":
        """The same detection in an image `factor` times larger (pixel coordinates only)."""
        lms = self.landmarks.copy()
        lms[:, :2] *= factor
        return Detection(self.xy * np.float32(factor), self.scores, lms, self.world)


@runtime_checkable
class Detector(Protocol):
    """What the indexer needs from a detector. `video` detectors may track between consecutive frames."""

    name: str      # e.g. "mediapipe-pose-0.10.21-c1"; stored with each media

    def detect(self, rgb: np.ndarray) -> Detection | None:
        """rgb: (H, W, 3) uint8 -> the most prominent person, or None."""

    def reset(self) -> None:
        """Forget tracking state (the next frame starts a new sequence)."""

    def close(self) -> None:
        """Release resources."""


PEOPLE_PREFIX = "mediapipe-people-"


def detector_name(max_people: int = 1) -> str:
    """The recipe name make_detector understands: "mediapipe" (one person), else "mediapipe-people-N"."""
    if max_people < 1:
        raise ValueError(f"max_people must be >= 1, got {max_people}")
    return "mediapipe" if max_people == 1 else f"{PEOPLE_PREFIX}{max_people}"


def make_detector(name: str = "mediapipe", video: bool = True, max_people: int = 1) -> Detector:
    """A detector by name; `video` selects tracking mode (True) or still-image mode (False).

    max_people 1 is the legacy single-person MediaPipe Pose; more is the multi-person PoseLandmarker
    (its detectors also have detect_people(rgb) -> list[Detection]); the name "mediapipe-people-N" is
    the same as max_people=N."""
    if name.startswith(PEOPLE_PREFIX):
        name, max_people = "mediapipe", int(name[len(PEOPLE_PREFIX):])
    if name == "mediapipe" and max_people > 1:
        from .mediapipe_people import MediaPipePeopleDetector

        return MediaPipePeopleDetector(video=video, max_people=max_people)
    if name == "mediapipe":
        from .mediapipe_pose import MediaPipeDetector

        return MediaPipeDetector(video=video)
    raise ValueError(f"unknown detector {name!r} (known: 'mediapipe')")
