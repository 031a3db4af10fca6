"""Person keypoint detection behind a small interface (MediaPipe Pose by default).

    det = MediaPipeDetector(video=True)   # tracking mode for video; video=False: still mode for images
    d = det.detect(rgb)                   # rgb: (H, W, 3) uint8 -> Detection | None (no person)
    det.reset()                           # start a new sequence (forget tracking)
    det.close()

    Detection (frozen):
        xy (13, 2) float32         COCO-13 keypoints in image pixels (x right, y down)
        scores (13,) float32       visibility in [0, 1]
        landmarks (33, 3) float32  all MediaPipe landmarks: x px, y px, visibility
        world (33, 3) float32      MediaPipe world landmarks in metres, hip-centred (NaN when unknown)

    Detector: the Protocol any other detector implements (name, version, detect, reset, close).
    make_detector(name="mediapipe", video=..., max_people=1) builds one by name (picklable recipe for
    worker processes); max_people > 1 gives MediaPipePeopleDetector (Tasks PoseLandmarker on a bundle
    built from the wheel's own models into the user's cache), whose detect_people(rgb) -> list[Detection].
Images larger than MAX_DETECT_SIDE on their long side are downscaled before detection; coordinates
are mapped back to the input's pixels.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .base import MAX_DETECT_SIDE, Detection, Detector, detector_name, make_detector

_LAZY = {"MediaPipeDetector": ".mediapipe_pose", "MediaPipePeopleDetector": ".mediapipe_people"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Detection", "Detector", "detector_name", "make_detector", "MAX_DETECT_SIDE", "MediaPipeDetector", "MediaPipePeopleDetector"]
