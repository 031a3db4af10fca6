"""Test doubles for the library's bookkeeping tests (honest: they test the library, not detection or
the model). Module-level so worker processes can import them by name."""
from __future__ import annotations

import hashlib

import numpy as np

from poseexplorer.core.poses import Embedding
from poseexplorer.detect import Detection
from tests.io.media_factory import read_barcode

NO_PERSON_EVERY = 5   # frames whose index % 5 == 4 have "no person"


def expected_xy(index: int) -> np.ndarray:
    """The keypoints the barcode detector reports for frame `index`."""
    return (np.arange(26, dtype=np.float32).reshape(13, 2) + index).astype(np.float32)


class BarcodeDetector:
    """Reads the frame's own index from its barcode; "finds a person" unless index % 5 == 4 or the
    frame is flat (an image with nothing on it)."""

    name = "barcode-double"

    def __init__(self, video: bool = True) -> None:
        self.video = video

    def detect(self, rgb: np.ndarray):
        if rgb.shape[0] < 16 or rgb.shape[1] < 16 * 12 or rgb.std() < 1:
            return None
        index = read_barcode(rgb)
        if index % NO_PERSON_EVERY == NO_PERSON_EVERY - 1:
            return None
        lms = np.zeros((33, 3), np.float32)
        lms[:, 2] = 0.9
        det = Detection.from_landmarks(lms, world=np.full((33, 3), index / 1000.0, np.float32))
        return Detection(expected_xy(index), det.scores, det.landmarks, det.world)

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def barcode_factory(name: str, video: bool) -> BarcodeDetector:
    return BarcodeDetector(video)


class FakeModel:
    """A deterministic stand-in for PoseModel: mean = first `dim` coordinates + shift, stddev = 0.5."""

    def __init__(self, name: str = "fake", dim: int = 4, shift: float = 0.0) -> None:
        self.name, self.embed_dim, self.shift = name, dim, shift
        self.sha256 = hashlib.sha256(f"{name}/{dim}/{shift}".encode()).hexdigest()
        self.calls: list[int] = []

    def embed(self, xy: np.ndarray, scores: np.ndarray | None = None) -> Embedding:
        self.calls.append(len(xy))
        mean = xy.reshape(len(xy), -1)[:, : self.embed_dim].astype(np.float32) + self.shift
        return Embedding(mean, np.full_like(mean, 0.5))


class CrashingDetector(BarcodeDetector):
    """Kills its whole process (as a segfault in a native detector would) on frame 7 of 200 px wide video."""

    def detect(self, rgb: np.ndarray):
        import os

        if rgb.shape[1] == 200 and read_barcode(rgb) == 7:
            os._exit(3)
        return super().detect(rgb)


def crashing_factory(name: str, video: bool) -> CrashingDetector:
    return CrashingDetector(video)
