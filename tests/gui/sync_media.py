"""Generated media for the sync panel tests: videos whose frames carry their own index as a bit code,
and per-frame embeddings of one smooth motion seen through a known time warp."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from poseexplorer.align.video_sync import PoseSequence
from poseexplorer.core.poses import Embedding
from poseexplorer.testing import warp  # noqa: F401 (re-exported for the sync tests)

BITS = 9


def draw_code(index: int, size: tuple[int, int], shade: int = 70) -> np.ndarray:
    """An (h, w, 3) RGB frame whose top band shows `index` in binary (white = 1), big enough for JPEG."""
    w, h = size
    img = np.full((h, w, 3), shade, np.uint8)
    block = w // BITS
    for bit in range(BITS):
        if index >> bit & 1:
            img[: h // 3, bit * block:(bit + 1) * block] = 255
        else:
            img[: h // 3, bit * block:(bit + 1) * block] = 0
    return img


def read_code(rgb: np.ndarray) -> int:
    """The index drawn by draw_code (read from the middle of each block)."""
    h, w = rgb.shape[:2]
    block = w // BITS
    value = 0
    for bit in range(BITS):
        patch = rgb[h // 12: h // 4, bit * block + block // 4: (bit + 1) * block - block // 4]
        if patch.mean() > 127:
            value |= 1 << bit
    return value


def write_coded_video(path: Path, n_frames: int, fps: float, size: tuple[int, int]) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for k in range(n_frames):
        writer.write(cv2.cvtColor(draw_code(k, size), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def motion(times: np.ndarray, dim: int = 8, seed: int = 3) -> np.ndarray:
    """(T, dim) a smooth, non-repeating trajectory over action time (seconds): the 'pose' at each time."""
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.4, 2.5, size=(4, dim))
    phase = rng.uniform(0, 2 * np.pi, size=(4, dim))
    t = np.asarray(times, np.float64)[:, None, None]
    return np.sin(2 * np.pi * freq * t + phase).sum(axis=1).astype(np.float32)


def coded_sequence(path: Path, name: str, action_times: np.ndarray, fps: float) -> PoseSequence:
    """A PoseSequence whose frame k shows the motion at action_times[k] (a person in every frame but one)."""
    mean = motion(action_times)
    valid = np.ones(len(mean), bool)
    valid[len(mean) // 2] = False  # one frame without a person: bridged, not crashed on
    return PoseSequence(name, str(path), fps, Embedding(mean, np.full_like(mean, 0.05)), valid)
