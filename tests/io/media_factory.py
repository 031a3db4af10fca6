"""Generated test media: videos whose frames carry their own index as a barcode, images of all kinds."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

BITS = 12
BLOCK = 16


def barcode_frame(index: int, width: int = 320, height: int = 240) -> np.ndarray:
    """An RGB frame whose top row of 16 px blocks spells `index` in binary (plus a moving gradient)."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame[BLOCK * 2:] = (np.arange(width)[None, :, None] + index * 3) % 256 // 2
    for b in range(BITS):
        if (index >> b) & 1:
            frame[:BLOCK, b * BLOCK:(b + 1) * BLOCK] = 255
    return frame


def read_barcode(frame: np.ndarray) -> int:
    """The index written by barcode_frame (robust to compression)."""
    value = 0
    for b in range(BITS):
        block = frame[4:BLOCK - 4, b * BLOCK + 4:(b + 1) * BLOCK - 4]
        if block.mean() > 127:
            value |= 1 << b
    return value


def write_barcode_video(path: Path, n: int, fps: float = 25.0, size: tuple[int, int] = (320, 240),
                        fourcc: str = "mp4v") -> Path:
    """A video of n barcode frames (mp4v in .mp4, MJPG in .avi)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"cannot write {path}"
    for i in range(n):
        writer.write(cv2.cvtColor(barcode_frame(i, *size), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def set_mp4_rotation(path: Path, degrees: int) -> Path:
    """Write rotation metadata into an MP4 (the video track's tkhd display matrix), as phones do."""
    import struct

    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    assert at > 0, "no tkhd box"
    version = data[at + 4]
    offset = at + 8 + (32 if version == 1 else 20) + 16
    cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[degrees % 360]
    fixed = [v * 65536 & 0xFFFFFFFF for v in (cos, sin, 0, -sin, cos, 0, 0, 0)]
    fixed[2] = fixed[5] = 0
    data[offset:offset + 36] = struct.pack(">9I", fixed[0], fixed[1], 0, fixed[3], fixed[4], 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    return path
