"""Frame-accurate video reading through OpenCV (FFmpeg backend).

Where OpenCV is inexact, and what this reader does about it:
- CAP_PROP_FRAME_COUNT is the container's estimate (duration x fps for some files), not a count of
  decodable frames. len() returns it; iter_frames() simply stops at the real end, and the indexer stores
  the number of frames it actually decoded. `count_frames()` counts exactly (decodes everything).
- Seeking with CAP_PROP_POS_FRAMES jumps to the keyframe before the target and decodes forward, using
  packet timestamps; with edit lists, B-frame delays or variable frame rates it can land a frame or more
  off, and CAP_PROP_POS_FRAMES then just echoes the request. So read(i) (1) serves the next frame and
  short forward hops (<= FORWARD_GRAB frames) by sequential decoding, which is exact; (2) for longer
  jumps seeks, then checks the decoded frame's own timestamp (CAP_PROP_POS_MSEC) against i / fps, grabbing
  forward when it landed early; (3) when it landed late or the timestamp is missing, it reopens the file
  and decodes forward from the start, and stops trusting seeks for this file. Recently read frames are
  kept in a small cache so stepping back a frame is free.
- Rotation metadata (phone videos): auto-rotation is switched off and the rotation read from
  CAP_PROP_ORIENTATION_META is applied here, so .size and read() agree on every OpenCV build.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .errors import MediaError

FORWARD_GRAB = 48   # forward hops up to this many frames decode sequentially instead of seeking
CACHE_FRAMES = 6    # recently decoded frames kept for stepping back


def rotate_frame(frame: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate an image clockwise by a multiple of 90 degrees (the meaning of video rotation metadata)."""
    k = (int(degrees) // 90) % 4
    return frame if k == 0 else np.ascontiguousarray(np.rot90(frame, -k))


def check_readable_file(path: Path) -> None:
    """MediaError for a missing, empty, or unreadable file, before any decoder sees it."""
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{path}: the file is empty (0 bytes)")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except PermissionError as exc:
        raise MediaError(f"{path}: permission denied (cannot read the file)") from exc
    except OSError as exc:
        raise MediaError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc


class VideoReader:
    """One video file. read(i) -> RGB uint8 (H, W, 3); see the module docstring for accuracy."""

    kind = "video"

    def __init__(self, path: str | os.PathLike, decode_threads: int | None = None) -> None:
        """decode_threads: FFmpeg decoding threads (None = OpenCV's default, one per core); worker
        processes that already run in parallel use 1 to avoid oversubscribing the cores."""
        self.path = Path(path)
        self._threads = decode_threads
        check_readable_file(self.path)
        self._cap = self._open()
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.rotation = int(self._cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360
        self._estimate = max(0, int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
        self._next = 0                      # index of the frame the capture decodes next
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._seek_trusted = True
        first = self._decode_next()
        if first is None:
            self.close()
            raise MediaError(f"{self.path}: not a readable video (no frame could be decoded; "
                             "the file may be corrupt, truncated or not a video)")
        self.size = (int(first.shape[1]), int(first.shape[0]))
        if self.fps <= 0 or not np.isfinite(self.fps):
            self.fps = 25.0  # unknown rate: a common default so that timestamps stay defined

    def _open(self) -> "cv2.VideoCapture":
        params = [] if self._threads is None else [cv2.CAP_PROP_N_THREADS, int(self._threads)]
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            raise MediaError(f"{self.path}: not a readable video (OpenCV/FFmpeg could not open it; "
                             "the file may be corrupt or not a video)")
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        return cap

    def __len__(self) -> int:
        return max(self._estimate, 1)

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_cap", None) is not None:
            self._cap.release()
            self._cap = None
        self._cache.clear()

    # ---- decoding ------------------------------------------------------------------------------
    def _decode_next(self) -> np.ndarray | None:
        """Decode the frame at self._next (RGB, rotated) and cache it; None at the end."""
        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            return None
        rgb = rotate_frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self.rotation)
        self._remember(self._next, rgb)
        self._next += 1
        return rgb

    def _remember(self, index: int, frame: np.ndarray) -> None:
        self._cache[index] = frame
        self._cache.move_to_end(index)
        while len(self._cache) > CACHE_FRAMES:
            self._cache.popitem(last=False)

    def _grab_to(self, index: int) -> bool:
        """Skip forward (decoding, not converting) until the next frame is `index`."""
        while self._next < index:
            if not self._cap.grab():
                return False
            self._next += 1
        return True

    def _restart(self) -> None:
        self._cap.release()
        self._cap = self._open()
        self._next = 0

    def _jump(self, index: int) -> np.ndarray | None:
        """Prepare a long jump to `index`; returns the frame when the seek landed on it exactly.

        Otherwise the capture is left before `index` (landed early, or restarted at 0) and the caller
        decodes forward."""
        if self._seek_trusted:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            if not self._cap.grab():  # nothing decodable at or after the target: past the (real) end
                self._restart()
                raise IndexError(f"{self.path}: frame {index} is past the last decodable frame")
            landed = self._timestamp_index()
            if landed is not None and landed <= index:
                self._next = landed + 1
                return self._retrieve(index) if landed == index else None
            self._seek_trusted = False  # landed late or no timestamps: decode from the start from now on
        self._restart()
        return None

    def _timestamp_index(self) -> int | None:
        """The index of the frame just grabbed, from its presentation timestamp."""
        msec = self._cap.get(cv2.CAP_PROP_POS_MSEC)
        if msec is None or not np.isfinite(msec) or msec < 0:
            return None
        return int(round(msec * self.fps / 1000.0))

    def read(self, index: int) -> np.ndarray:
        """Frame `index` as RGB uint8 (H, W, 3); IndexError beyond the last decodable frame."""
        index = int(index)
        if index < 0:
            raise IndexError(f"frame index {index} < 0")
        if self._cap is None:
            raise MediaError(f"{self.path}: reader is closed")
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        if not (self._next <= index <= self._next + FORWARD_GRAB):
            frame = self._jump(index)
            if frame is not None:
                return frame
        frame = self._decode_next() if self._grab_to(index) else None
        if frame is None:
            raise IndexError(f"{self.path}: frame {index} is past the last decodable frame ({self._next - 1})")
        return frame

    def _retrieve(self, index: int) -> np.ndarray:
        """Convert the frame just grabbed (it is `index`)."""
        ok, bgr = self._cap.retrieve()
        if not ok or bgr is None:
            raise IndexError(f"{self.path}: frame {index} could not be decoded")
        rgb = rotate_frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self.rotation)
        self._remember(index, rgb)
        return rgb

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """(index, RGB frame) for start <= index < stop (to the real end when stop is None), sequentially."""
        i = start
        while stop is None or i < stop:
            try:
                frame = self.read(i)
            except IndexError:
                return
            yield i, frame
            i += 1

    def count_frames(self) -> int:
        """The exact number of decodable frames (decodes the whole file; the estimate is len())."""
        self._restart()
        while self._cap.grab():
            self._next += 1
        n = self._next
        self._restart()
        self._cache.clear()
        return n
