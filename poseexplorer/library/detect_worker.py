"""What runs inside a worker process: decode a segment of one media and detect a person in each frame.

A task is a frozen Segment; the answer a SegmentResult. The worker keeps its detectors (one per mode)
and the last video reader open between tasks, so consecutive segments of one video decode sequentially
without seeking. Workers ignore SIGINT: the main process decides how to stop.
"""
from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import Callable

from ..detect.base import Detection, Detector, make_detector

_state: dict = {}


@dataclass(frozen=True)
class Segment:
    """Frames start..stop (stop None = to the end) of a video, or the listed image files."""

    media_id: int
    kind: str                     # "video" | "images"
    path: str                     # video file (kind video)
    start: int = 0
    stop: int | None = None
    images: tuple[tuple[int, str], ...] = ()   # (frame index, file path) for kind images
    detector: str = "mediapipe"


@dataclass
class SegmentResult:
    media_id: int
    start: int
    stop: int | None
    rows: list[tuple[int, Detection | None | list[Detection]]] = field(default_factory=list)   # list: people
    end: int | None = None        # a video ended before stop: its number of decodable frames
    errors: list[str] = field(default_factory=list)   # per-frame problems (unreadable images)
    fatal: str | None = None      # the whole segment failed (e.g. the file cannot be opened)


def init_worker(detector_factory: Callable[[str, bool], Detector] | None = None, single_thread: bool = False) -> None:
    """Process initializer: ignore Ctrl-C (the parent stops us), remember the detector factory, and with
    several workers keep OpenCV to one thread each (the processes are the parallelism)."""
    from .orphans import die_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()   # an orphaned worker (the app was killed) exits instead of living on
    _state.clear()
    _state["factory"] = detector_factory or make_detector
    if single_thread:
        import cv2

        cv2.setNumThreads(1)
        _state["decode_threads"] = 1


def release() -> None:
    """Close the cached reader and detectors (for in-process use; worker processes just exit)."""
    for value in _state.values():
        close = getattr(value, "close", None)
        if callable(close):
            close()
    _state.clear()


def _detector(name: str, video: bool) -> Detector:
    key = ("det", name, video)
    if key not in _state:
        _state[key] = _state.get("factory", make_detector)(name, video)
    return _state[key]


def _video_reader(path: str):
    from ..io.video import VideoReader

    cached = _state.get("reader")
    if cached is not None and str(cached.path) == path:
        return cached
    if cached is not None:
        cached.close()
    _state["reader"] = None
    reader = VideoReader(path, decode_threads=_state.get("decode_threads"))
    _state["reader"] = reader
    return reader


def detect_in(det: Detector, rgb):
    """Every person (a list) with a multi-person detector, else Detection | None."""
    people = getattr(det, "detect_people", None)
    return people(rgb) if callable(people) else det.detect(rgb)


def run_segment(seg: Segment) -> SegmentResult:
    """Decode and detect one segment; never raises for bad media (the result says what went wrong).
    MediaPipe's routine log lines stay off the terminal wherever this runs (native_logs)."""
    from .native_logs import quiet_native_logs

    with quiet_native_logs():
        return _run_segment(seg)


def _run_segment(seg: Segment) -> SegmentResult:
    from ..io.errors import MediaError

    out = SegmentResult(seg.media_id, seg.start, seg.stop)
    try:
        det = _detector(seg.detector, seg.kind == "video")
        if seg.kind != "video" or _state.get("video_at") != (seg.path, seg.start):
            det.reset()   # tracking restarts unless this segment continues the previous one of this worker
        _state["video_at"] = None
        if seg.kind == "video":
            _video_segment(seg, det, out)
            _state["video_at"] = (seg.path, out.rows[-1][0] + 1) if out.rows and out.end is None else None
        else:
            _image_segment(seg, det, out)
    except MediaError as exc:
        out.fatal = str(exc)
    except Exception as exc:  # noqa: BLE001 - a detector failure must not stop the batch
        out.fatal = f"{type(exc).__name__}: {exc}"
    return out


def _video_segment(seg: Segment, det: Detector, out: SegmentResult) -> None:
    reader = _video_reader(seg.path)
    last = seg.start - 1
    for i, frame in reader.iter_frames(seg.start, seg.stop):
        out.rows.append((i, detect_in(det, frame)))
        last = i
    if seg.stop is None or last < seg.stop - 1:
        out.end = last + 1


def _image_segment(seg: Segment, det: Detector, out: SegmentResult) -> None:
    from ..io.errors import MediaError
    from ..io.images import read_image

    for i, path in seg.images:
        try:
            rgb = read_image(path)
        except MediaError as exc:
            out.errors.append(str(exc))
            out.rows.append((i, None))
            continue
        out.rows.append((i, detect_in(det, rgb)))   # still mode: every image is detected afresh
