"""MediaPipe Pose (legacy solutions API, mediapipe 0.10.21, model_complexity=1) as a Detector.

Only model_complexity=1 ships inside the 0.10.21 wheel (0 and 2 would download at run time). Video
uses tracking mode (static_image_mode=False: the detector runs once, then landmarks are tracked);
still images use static mode (a fresh detection for each image).
"""
from __future__ import annotations

import numpy as np

from .base import MAX_DETECT_SIDE, Detection


def _downscale(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """(image with long side <= max_side, factor to map its pixel coordinates back to rgb's)."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb, 1.0
    import cv2  # only the detect/io layers use cv2, and only when needed

    scale = max_side / max(h, w)
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return small, w / small.shape[1]


class MediaPipeDetector:
    """MediaPipe Pose; detect(rgb) -> Detection | None. `video=True` tracks between frames."""

    def __init__(self, video: bool = True, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, max_side: int = MAX_DETECT_SIDE) -> None:
        import mediapipe as mp

        self.video = bool(video)
        self.max_side = int(max_side)
        self.name = f"mediapipe-pose-{mp.__version__}-c1-{'video' if video else 'still'}"
        self._pose = mp.solutions.pose.Pose(static_image_mode=not self.video, model_complexity=1,
                                            smooth_landmarks=True, enable_segmentation=False,
                                            min_detection_confidence=min_detection_confidence,
                                            min_tracking_confidence=min_tracking_confidence)

    def detect(self, rgb: np.ndarray) -> Detection | None:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"detect needs an RGB uint8 (H, W, 3) image, got {rgb.dtype} {rgb.shape}")
        if min(rgb.shape[:2]) < 2:
            return None
        small, factor = _downscale(rgb, self.max_side)
        result = self._pose.process(np.ascontiguousarray(small))
        if result.pose_landmarks is None:
            return None
        h, w = small.shape[:2]
        lms = np.array([(p.x * w * factor, p.y * h * factor, p.visibility)
                        for p in result.pose_landmarks.landmark], np.float32)
        world = None
        if result.pose_world_landmarks is not None:
            world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark], np.float32)
        return Detection.from_landmarks(lms, world)

    def reset(self) -> None:
        self._pose.reset()

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def __enter__(self) -> "MediaPipeDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
