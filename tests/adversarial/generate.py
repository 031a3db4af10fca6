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


def hostile_keypoint_files(folder: Path) -> dict[str, str]:
    """Keypoint files that once raised tracebacks: {file name: words its per-file message must contain}."""
    import json
    import os

    from poseexplorer.core.skeleton import COCO13_NAMES

    folder.mkdir(parents=True, exist_ok=True)
    cols = ["frame"] + [f"{j}_{c}" for j in COCO13_NAMES for c in ("x", "y", "score")]
    expect = {}
    for name, frame in (("abc", "abc"), ("nan", "nan"), ("huge", "1e30"), ("negative", "-5")):
        (folder / f"frame_{name}.csv").write_text(",".join(cols) + "\n" + ",".join([frame] + ["1"] * 39) + "\n")
        expect[f"frame_{name}.csv"] = "frame number"
    kp = [1.0] * 51
    (folder / "coco_no_image_id.json").write_text(json.dumps([{"keypoints": kp, "score": 1}]))
    expect["coco_no_image_id.json"] = "no 'image_id'"
    (folder / "coco_string_keypoints.json").write_text(json.dumps(
        {"images": [{"id": 1, "file_name": "a"}], "annotations": [{"image_id": 1, "keypoints": ["a"] * 51}]}))
    expect["coco_string_keypoints.json"] = "not numbers"
    (folder / "coco_wide.json").write_text(json.dumps(
        {"images": [{"id": 1, "file_name": "a", "width": 1e300, "height": 10}],
         "annotations": [{"image_id": 1, "keypoints": kp}]}))
    expect["coco_wide.json"] = "not a valid size"
    (folder / "openpose_people_5.json").write_text(json.dumps({"people": 5}))
    expect["openpose_people_5.json"] = "'people' must be a list"
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    expect["deep.json"] = "nested too deeply"
    xy, sc = np.zeros((3, 13, 2)), np.ones((3, 13))
    np.savez(folder / "fps_array.npz", xy=xy, scores=sc, fps=np.array([1.0, 2.0]))
    expect["fps_array.npz"] = "'fps' must be one number"
    np.savez(folder / "short_index.npz", xy=xy, scores=sc, frame_index=np.arange(2))
    expect["short_index.npz"] = "2 frame numbers for 3 poses"
    np.savez(folder / "repeated_frames.npz", xy=xy, scores=sc, frame_index=np.array([0, 0, 1]))
    expect["repeated_frames.npz"] = "appears 2 times"
    np.savez(folder / "frame_1e12.npz", xy=xy[:1], scores=sc[:1], frame_index=np.array([10**12]))
    expect["frame_1e12.npz"] = "not a whole number"
    whole = (folder / "fps_array.npz").read_bytes()
    (folder / "truncated.npz").write_bytes(whole[: len(whole) // 2])
    expect["truncated.npz"] = "not a readable NPZ"
    os.symlink(folder / "loop_b.mp4", folder / "loop_a.mp4")
    os.symlink(folder / "loop_a.mp4", folder / "loop_b.mp4")
    expect["loop_a.mp4"] = "symlink loop"
    return expect
