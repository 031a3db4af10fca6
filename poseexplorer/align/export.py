"""Synced side-by-side export: A's timeline on the left, B's frame from the sync map on the right.

Readers follow poseexplorer.io.open_media's interface: len(reader), reader.fps, reader.size (w, h) and
reader.read(i) -> RGB uint8 (H, W, 3). cv2 and PyAV are imported only when exporting (the package stays light).
.mp4/.m4v/.mov are H.264 (yuv420p, +faststart) through PyAV, whose wheels bundle ffmpeg with libx264: the
file plays in browsers and on phones; .avi/.mkv are Motion-JPEG through OpenCV. The picture is scaled down
to at most `max_width` pixels wide (four portrait views side by side were 4,336 px). The video is written
to a temporary file next to the target and renamed at the end: a cancelled or failed export leaves no
half-written file and never clobbers an existing one before it is complete; the file then gets the usual
permissions (0666 less the umask, not the temporary file's 0600).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from ..core.skeleton import COCO13_BONES
from ..jobs import CancelCheck, Cancelled, Progress, never_cancel, no_progress

#: overlay(side, frame_index, rgb) -> rgb, side is "a" or "b"
OverlayFn = Callable[[str, int, np.ndarray], np.ndarray]
_CODECS = {".mp4": "h264", ".m4v": "h264", ".avi": "MJPG", ".mkv": "MJPG", ".mov": "h264"}
#: the widest exported picture by default (a full-HD screen); None = keep the sources' size
MAX_WIDTH = 1920
_COLOURS = {"a": (255, 140, 0), "b": (0, 170, 255)}
SKELETON_COLOUR = (255, 140, 0)


class ExportError(Exception):
    """The synced video could not be written (bad target, codec, or reader)."""


class FrameReader(Protocol):
    fps: float
    size: tuple[int, int]

    def __len__(self) -> int: ...

    def read(self, index: int) -> np.ndarray: ...


def _check_target(out_path: Path) -> str:
    suffix = out_path.suffix.lower()
    if suffix not in _CODECS:
        raise ExportError(f"cannot write {out_path}: unknown video type {suffix or '(none)'}; "
                          f"use one of {', '.join(sorted(_CODECS))}")
    folder = out_path.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {out_path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"cannot write {out_path}: the folder {folder} is not writable")
    if out_path.is_dir():
        raise ExportError(f"cannot write {out_path}: it is a folder")
    return _CODECS[suffix]


def draw_skeleton(rgb: np.ndarray, xy: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Draw a COCO-13 skeleton (13, 2) in image pixels onto a copy of rgb; NaN joints are skipped."""
    import cv2

    out = np.ascontiguousarray(rgb).copy()
    pts = np.asarray(xy, np.float64)
    thick = max(1, round(min(out.shape[:2]) / 160))
    for i, j in COCO13_BONES:
        if np.isfinite(pts[[i, j]]).all():
            cv2.line(out, tuple(int(v) for v in pts[i]), tuple(int(v) for v in pts[j]), colour, thick, cv2.LINE_AA)
    for p in pts[np.isfinite(pts).all(1)]:
        cv2.circle(out, (int(p[0]), int(p[1])), thick + 1, colour, -1, cv2.LINE_AA)
    return out


def _overlay_fn(overlay) -> OverlayFn | None:
    """None, a callable, or a pair of skeleton arrays (xy_a (Ta, 13, 2), xy_b (Tb, 13, 2)) in pixels."""
    if overlay is None or callable(overlay):
        return overlay
    if isinstance(overlay, Sequence) and len(overlay) == 2:
        xy = {"a": np.asarray(overlay[0]), "b": np.asarray(overlay[1])}
        for side, arr in xy.items():
            if arr.ndim != 3 or arr.shape[1:] != (13, 2):
                raise ValueError(f"overlay skeletons for {side.upper()} must have shape (T, 13, 2), got {arr.shape}")
        return lambda side, i, rgb: draw_skeleton(rgb, xy[side][i], _COLOURS[side])
    raise ValueError("overlay must be None, a callable(side, frame, rgb) or a pair of (T, 13, 2) skeleton arrays")


def fit_height(rgb: np.ndarray, height: int) -> np.ndarray:
    """rgb scaled to `height` rows, aspect kept (area filter when shrinking)."""
    import cv2

    h, w = rgb.shape[:2]
    if h == height:
        return rgb
    width = max(1, round(w * height / h))
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA if h > height else cv2.INTER_LINEAR)


_fit_height = fit_height  # the name poseexplorer.align.sync_export imports


def draw_label(rgb: np.ndarray, text: str) -> np.ndarray:
    """The text in white on a dark band at the top left of a copy of rgb (a view's name in an export)."""
    import cv2

    out = np.ascontiguousarray(rgb).copy()
    scale = max(0.4, min(out.shape[:2]) / 600)
    thick = max(1, round(scale * 1.5))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    pad = max(2, th // 3)
    out[:th + base + 2 * pad, :tw + 2 * pad] //= 3
    cv2.putText(out, text, (pad, th + pad), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return out


def _layout(reader_a: FrameReader, reader_b: FrameReader, height: int | None,
            max_width: int | None = None) -> tuple[int, int, int]:
    """(height, width of A's panel, width of B's panel), even sizes for the codecs, at most max_width wide."""
    (wa, ha), (wb, hb) = reader_a.size, reader_b.size
    h = int(height or ha)
    if max_width:
        total = wa * h / ha + wb * h / hb
        if total > max_width:
            h = int(h * max_width / total)
    h = max(2, h - h % 2)
    w_a, w_b = max(1, round(wa * h / ha)), max(1, round(wb * h / hb))
    w_b += (w_a + w_b) % 2
    if max_width and w_a + w_b > max_width:   # rounding up by a pixel or two
        w_b -= w_a + w_b - max_width + (max_width % 2)
    return h, w_a, w_b


def _compose(left: np.ndarray, right: np.ndarray, h: int, w_a: int, w_b: int) -> np.ndarray:
    frame = np.zeros((h, w_a + w_b, 3), np.uint8)
    left, right = fit_height(left, h), fit_height(right, h)
    frame[:, :min(w_a, left.shape[1])] = left[:, :w_a]
    frame[:, w_a:w_a + min(w_b, right.shape[1])] = right[:, :w_b]
    return frame


def export_synced_video(reader_a: FrameReader, reader_b: FrameReader, sync_map: np.ndarray,
                        out_path: str | os.PathLike, *, overlay=None, fps: float | None = None,
                        height: int | None = None, max_width: int | None = MAX_WIDTH,
                        progress: Progress = no_progress, cancel: CancelCheck = never_cancel) -> Path:
    """Write the side-by-side video; one output frame per A frame, B's frame = sync_map[i].

    overlay: None, overlay(side, frame_index, rgb) -> rgb, or (xy_a (Ta, 13, 2), xy_b (Tb, 13, 2)) skeletons
    in pixels. fps: output rate (default A's). height: output height (default A's); B is scaled to it.
    max_width: the picture is scaled down to at most this width (None: no limit).
    Raises ExportError for an unwritable target, jobs.Cancelled when cancel() turns true.
    """
    out_path = Path(out_path)
    sync_map = np.asarray(sync_map)
    ta, tb = len(reader_a), len(reader_b)
    if sync_map.shape != (ta,):
        raise ValueError(f"sync_map must have one B frame per A frame: shape ({ta},), got {sync_map.shape}")
    if ta and (sync_map.min() < 0 or sync_map.max() >= tb):
        raise ValueError(f"sync_map refers to B frames outside 0..{tb - 1}")
    codec = _check_target(out_path)
    draw = _overlay_fn(overlay)
    h, w_a, w_b = _layout(reader_a, reader_b, height, max_width)
    fd, tmp = tempfile.mkstemp(suffix=out_path.suffix, prefix=".export-", dir=out_path.parent)
    os.close(fd)
    rate = float(fps or reader_a.fps or 25.0)
    writer = None
    try:
        writer = (_H264Writer if codec == "h264" else _Cv2Writer)(tmp, codec, rate, (w_a + w_b, h))
        _write_frames(writer, reader_a, reader_b, sync_map, draw, (h, w_a, w_b), progress, cancel)
        writer.close()
        os.replace(tmp, out_path)
        os.chmod(out_path, 0o666 & ~_umask())
    except BaseException:
        if writer is not None:
            writer.close()
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _H264Writer:
    """H.264 in MP4 through PyAV (libx264, yuv420p, crf 23, moov atom first for streaming)."""

    def __init__(self, path: str, codec: str, fps: float, size: tuple[int, int]) -> None:
        import av
        from fractions import Fraction

        try:
            self._out = av.open(path, "w", options={"movflags": "+faststart"})
            rate = Fraction(fps).limit_denominator(1001)
            self._stream = self._out.add_stream("libx264", rate=rate)
        except (av.FFmpegError, ValueError) as exc:
            raise ExportError(f"cannot write {path}: PyAV could not open an H.264 writer ({exc})") from exc
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": "23", "preset": "veryfast"}
        self._closed = False

    def write(self, rgb: np.ndarray) -> None:
        import av

        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        for packet in self._stream.encode(frame):
            self._out.mux(packet)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            for packet in self._stream.encode():
                self._out.mux(packet)
        finally:
            self._out.close()


class _Cv2Writer:
    """Motion-JPEG (.avi, .mkv) through OpenCV."""

    def __init__(self, path: str, fourcc: str, fps: float, size: tuple[int, int]) -> None:
        import cv2

        self._writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps, size)
        if not self._writer.isOpened():
            self._writer.release()
            raise ExportError(f"cannot write {path}: OpenCV could not open a {fourcc} video writer")

    def write(self, rgb: np.ndarray) -> None:
        import cv2

        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))

    def close(self) -> None:
        self._writer.release()


def _write_frames(writer, reader_a, reader_b, sync_map, draw, layout, progress, cancel) -> None:
    ta, cached = len(sync_map), (-1, None)
    for i in range(ta):
        if cancel():
            raise Cancelled(f"synced export cancelled after {i} of {ta} frames")
        left = reader_a.read(i)
        j = int(sync_map[i])
        if cached[0] != j:  # B repeats frames where A is slower: read each once
            cached = (j, reader_b.read(j))
        right = cached[1]
        if draw is not None:
            left, right = draw("a", i, left), draw("b", j, right)
        writer.write(_compose(left, right, *layout))
        if i % 10 == 0 or i == ta - 1:
            progress(i + 1, ta, f"frame {i + 1} of {ta}")
