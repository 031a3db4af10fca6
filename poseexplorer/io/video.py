"""Frame-accurate video reading through PyAV (FFmpeg), exact on variable-frame-rate files.

Frame i is the i-th frame in presentation order, the same frame sequential decoding yields i-th. How
read(i) finds it:
- the next frame and short forward hops (<= FORWARD_GRAB frames) decode sequentially (exact by counting);
- a longer jump uses the file's table of presentation timestamps (one pass over the packets, no decoding,
  built on the first jump): it seeks to the keyframe at or before frame i's timestamp and decodes forward
  until a frame carries exactly that timestamp. Nothing assumes a constant frame rate, so phone videos
  (variable frame rate) read right;
- where timestamps are missing, duplicated, or a seek lands after the target, the reader stops trusting
  seeks for this file and decodes forward from the start (slow but exact).
IndexError means only "past the last decodable frame" (the real end); a decoding failure inside the file
raises MediaError, so callers never take a failed seek for the end of the video.
len() is the container's frame count (or duration x rate), an estimate until the timestamp table exists;
count_frames() decodes everything. Rotation metadata (phone videos) is applied, so .size and read() agree.
"""
from __future__ import annotations

import os
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterator

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
        if path.is_symlink():
            raise MediaError(f"{path}: a broken symlink or a symlink loop")
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


def presentation_order(pts: list[int]) -> np.ndarray | None:
    """Sorted packet timestamps (int64), or None when they cannot index frames (missing or repeated)."""
    if not pts or any(p is None for p in pts):
        return None
    table = np.sort(np.asarray(pts, np.int64))
    if len(table) > 1 and not np.all(np.diff(table) > 0):
        return None
    return table


def decoded_frames(container, stream, on_damage: Callable[[], None]) -> Iterator:
    """av.VideoFrames in presentation order from the container's current position. A packet that does
    not decode is skipped and reported through on_damage(); a container that cannot be read further ends
    the video there (truncated files)."""
    import av

    packets = container.demux(stream)
    flushed = False
    while not flushed:
        try:
            packet = next(packets, None)
        except av.FFmpegError:
            packet = None
        flushed = packet is None or packet.size == 0   # the demuxer ends with an empty (flush) packet
        try:
            yield from stream.codec_context.decode(packet)
        except av.EOFError:
            return
        except av.FFmpegError:
            on_damage()


class VideoReader:
    """One video file. read(i) -> RGB uint8 (H, W, 3); see the module docstring for accuracy."""

    kind = "video"

    def __init__(self, path: str | os.PathLike, decode_threads: int | None = None) -> None:
        """decode_threads: FFmpeg decoding threads (None = FFmpeg's choice, about one per core); worker
        processes that already run in parallel use 1 to avoid oversubscribing the cores."""
        self.path = Path(path)
        self._threads = decode_threads
        check_readable_file(self.path)
        self._container = None
        self._first_pts: int | None = None     # timestamp of frame 0 as decoded
        self._first_rotation = 0
        self._open()
        stream = self._stream
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        self.fps = float(rate) if rate else 0.0
        self._estimate = int(stream.frames or 0)
        if self._estimate <= 0 and stream.duration and stream.time_base and self.fps > 0:
            self._estimate = int(round(float(stream.duration * stream.time_base) * self.fps))
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._table: np.ndarray | None = None   # presentation timestamps of frames 0..n-1, once built
        self._seek_trusted = True
        self._end: int | None = None            # number of decodable frames, once decoding reached the end
        self.rotation = 0
        first = self._decode_next()
        if first is None:
            self.close()
            raise MediaError(f"{self.path}: not a readable video (no frame could be decoded; "
                             "the file may be corrupt, truncated or not a video)")
        self.rotation = self._first_rotation
        first = rotate_frame(first, self.rotation)
        self._cache[0] = first
        self.size = (int(first.shape[1]), int(first.shape[0]))
        if self.fps <= 0 or not np.isfinite(self.fps):
            self.fps = 25.0  # unknown rate: a common default so that timestamps stay defined

    def _open(self) -> None:
        import av

        self._set_frames(None)
        if self._container is not None:
            self._container.close()
        try:
            self._container = av.open(str(self.path), metadata_errors="ignore")
        except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            raise MediaError(f"{self.path}: not a readable video (FFmpeg could not open it: {exc}; "
                             "the file may be corrupt or not a video)") from None
        if not self._container.streams.video:
            self._container.close()
            self._container = None
            raise MediaError(f"{self.path}: not a readable video (the file has no video stream)")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._stream.codec_context.thread_count = int(self._threads or 0)
        self._set_frames(self._new_frames())
        self._next = 0                      # index of the frame self._frames yields next

    def __len__(self) -> int:
        if self._end is not None:
            return self._end
        if self._table is not None:
            return len(self._table)
        return max(self._estimate, 1)

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._set_frames(None)
        if getattr(self, "_container", None) is not None:
            self._container.close()
            self._container = None
        self._cache.clear()

    # ---- decoding ------------------------------------------------------------------------------
    def _damaged(self) -> None:
        """A packet did not decode: frame indices now follow decoding order, so seeks stop being trusted."""
        self._seek_trusted = False
        self._table = None

    def _set_frames(self, frames: Iterator | None) -> None:
        """Replace the frame generator, closing the old one now: its decoded av.VideoFrames (which own
        FFmpeg threads) are freed here, never later by the garbage collector, which in a forked child
        would wait forever on threads that only exist in the parent."""
        old = getattr(self, "_frames", None)
        self._frames = frames
        if old is not None:
            old.close()

    def _new_frames(self) -> Iterator:
        """A frame generator from the current position; it holds the reader only weakly (no reference
        cycle), so a reader nobody holds is freed at once, frames and FFmpeg threads with it."""
        damaged = weakref.WeakMethod(self._damaged)

        def on_damage() -> None:
            method = damaged()
            if method is not None:
                method()
        return decoded_frames(self._container, self._stream, on_damage)

    def _next_av_frame(self):
        """The next decoded av.VideoFrame, None at the end."""
        frame = next(self._frames, None)
        if frame is None:
            return None
        if self._first_pts is None:
            self._first_pts = frame.pts
            self._first_rotation = int(round(-(getattr(frame, "rotation", 0) or 0))) % 360
        return frame

    def _decode_next(self) -> np.ndarray | None:
        """Decode the frame at self._next as RGB (rotated, cached); None at the end."""
        frame = self._next_av_frame()
        if frame is None:
            self._end = self._next if self._end is None else self._end
            return None
        rgb = rotate_frame(frame.to_ndarray(format="rgb24"), self.rotation)
        self._remember(self._next, rgb)
        self._next += 1
        return rgb

    def _remember(self, index: int, frame: np.ndarray) -> None:
        self._cache[index] = frame
        self._cache.move_to_end(index)
        while len(self._cache) > CACHE_FRAMES:
            self._cache.popitem(last=False)

    def _skip_to(self, index: int) -> bool:
        """Decode forward (without converting) until the next frame is `index`; False at the end."""
        while self._next < index:
            if self._next_av_frame() is None:
                self._end = self._next if self._end is None else self._end
                return False
            self._next += 1
        return True

    def _restart(self) -> None:
        self._open()

    # ---- seeking by presentation timestamp -----------------------------------------------------
    def _timestamps(self) -> np.ndarray | None:
        """The presentation timestamps of all frames (one demuxing pass, no decoding), or None."""
        if self._table is None and self._seek_trusted:
            import av

            try:
                with av.open(str(self.path), metadata_errors="ignore") as probe:
                    pts = [p.pts for p in probe.demux(probe.streams.video[0]) if p.size]
            except av.FFmpegError:
                pts = []
            table = presentation_order(pts)
            if table is not None and self._first_pts is not None:
                table = table[table >= self._first_pts]   # packets before the first shown frame (edit lists)
            if table is None or not len(table) or (self._first_pts is not None and table[0] != self._first_pts):
                self._seek_trusted = False
                return None
            self._table = table
        return self._table

    def _jump(self, index: int) -> np.ndarray | None:
        """A long jump to `index`: the frame when a seek found it, else None with the decoder left at or
        before `index` (restarted at 0 when seeking cannot be trusted)."""
        table = self._timestamps() if self._seek_trusted else None
        if table is None:
            self._restart()
            return None
        if index >= len(table):
            raise IndexError(f"{self.path}: frame {index} is past the last frame ({len(table) - 1})")
        target = int(table[index])
        self._container.seek(target, stream=self._stream, backward=True, any_frame=False)
        self._set_frames(self._new_frames())
        while True:
            frame = self._next_av_frame()
            if frame is None or frame.pts is None or frame.pts > target:
                break
            if frame.pts == target:
                self._next = index + 1
                rgb = rotate_frame(frame.to_ndarray(format="rgb24"), self.rotation)
                self._remember(index, rgb)
                return rgb
        self._seek_trusted = False   # the seek landed after the target or lost the timestamps
        self._table = None
        self._restart()
        return None

    def read(self, index: int) -> np.ndarray:
        """Frame `index` as RGB uint8 (H, W, 3); IndexError beyond the last decodable frame, MediaError
        when the file cannot be decoded there."""
        index = int(index)
        if index < 0:
            raise IndexError(f"frame index {index} < 0")
        if self._container is None:
            raise MediaError(f"{self.path}: reader is closed")
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        if self._end is not None and index >= self._end:
            raise IndexError(f"{self.path}: frame {index} is past the last decodable frame ({self._end - 1})")
        if not (self._next <= index <= self._next + FORWARD_GRAB):
            frame = self._jump(index)
            if frame is not None:
                return frame
        frame = self._decode_next() if self._skip_to(index) else None
        if frame is None:
            raise IndexError(f"{self.path}: frame {index} is past the last decodable frame ({self._next - 1})")
        return frame

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
        if self._end is None:
            self._restart()
            self._skip_to(1 << 62)
            self._restart()
        self._cache.clear()
        return int(self._end)
