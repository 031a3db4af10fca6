"""Hostile inputs generated on the fly: variable-frame-rate videos, decompression bombs, broken keypoint files."""
from __future__ import annotations

import struct
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np

from tests.io.media_factory import barcode_frame


def write_vfr_video(path: Path, rates: list[tuple[int, float]], codec: str = "libx264",
                    size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """A video of barcode frames (frame i shows i) whose frame rate changes: rates = [(frames, fps), ...].

    Written with PyAV, timestamps in milliseconds. Returns the presentation times in seconds, (n,)."""
    import av

    times, t = [], 0.0
    for n, fps in rates:
        times.extend(t + k / fps for k in range(n))
        t += n / fps
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=int(max(f for _, f in rates)))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "g": "30"}
        for i, sec in enumerate(times):
            frame = av.VideoFrame.from_ndarray(barcode_frame(i, *size), format="rgb24")
            frame.pts = int(round(sec * 1000))
            frame.time_base = Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return np.asarray(times)


def png_bomb(path: Path, width: int, height: int) -> Path:
    """A small PNG that declares width x height 8-bit grey pixels (all zero, compressed to almost nothing)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    body = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path
