"""FrameLoader: opens media, decodes the frame a view asks for and makes it paintable, in a background thread.

Frame decoding is not a one-off job but a stream (scrubbing, playback), so instead of a JobWorker per
frame this keeps one reader open in one thread and drops stale requests: when the user drags the slider
across 300 frames only the last one is decoded. The thread also turns the RGB array into a QImage in the
painter's native format, scaled to the size the view will paint it at (`box`), so the GUI thread only
blits a ready image (a 1080p frame converted and smooth-scaled in paintEvent cost 50-140 ms under load).
Opening a path (cv2 open, probing) also happens in the thread. It never touches widgets; it emits frameReady.

Given a `reader` (any object with read(i) -> RGB), the loader owns it instead of opening paths: one loader
per video is the decode-ahead thread of the synced players; `read_now` serves a frame synchronously
(under the same lock) when the caller must show it at once, and `stop` closes the reader.

The thread ends and closes its readers when `stop()` is called or when the loader is destroyed (with its
parent widget, or garbage-collected): a forgotten loader leaves no idle thread holding a file open. An idle
thread checks every OWNER_CHECK_S whether its loader still exists (a Python slot on `destroyed` would run
while the wrapper is being torn down, which crashed PySide); a garbage-collected loader stops it at once.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QImage

OWNER_CHECK_S = 0.25  # how often an idle decode thread checks that its loader was not destroyed
Box = tuple[int, int]  # (width, height) in device pixels that a frame is fitted into; never enlarged


@dataclass(frozen=True)
class DecodedFrame:
    """rgb: (H, W, 3) uint8 as decoded (kept for read-back, not painted); image: QImage, Format_RGB32, of it
    scaled to fit the requested box (or full size)."""

    rgb: np.ndarray
    image: QImage

    def __post_init__(self) -> None:
        if self.rgb.ndim != 3 or self.rgb.shape[2] != 3:
            raise ValueError(f"DecodedFrame.rgb must be (H, W, 3), got {self.rgb.shape}")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the decoded frame (the coordinates skeletons are drawn in)."""
        return int(self.rgb.shape[1]), int(self.rgb.shape[0])


def fitted_size(w: int, h: int, box: Box | None) -> tuple[int, int]:
    """The size of a w x h picture fitted into box keeping its aspect, never enlarged (box None: as is)."""
    if box is None:
        return w, h
    scale = min(1.0, box[0] / max(w, 1), box[1] / max(h, 1))
    return max(1, round(w * scale)), max(1, round(h * scale))


def display_image(rgb: np.ndarray, box: Box | None = None) -> QImage:
    """An (H, W, 3) uint8 RGB array as a QImage (RGB32, owning its pixels) fitted into box.

    Qt's scaling and conversion release the GIL, so a decode thread running this does not stall the GUI.
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB frame, got {rgb.shape}")
    h, w, _ = rgb.shape
    source = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)  # a view of rgb, used only here
    tw, th = fitted_size(w, h, box)
    if (tw, th) != (w, h):
        source = source.scaled(tw, th, Qt.AspectRatioMode.IgnoreAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
    return source.convertToFormat(QImage.Format.Format_RGB32)  # a new image: owns its pixels


def decoded_frame(rgb: np.ndarray, box: Box | None = None) -> DecodedFrame:
    return DecodedFrame(np.asarray(rgb), display_image(rgb, box))


class _Relay(QObject):
    """What the thread emits on. It lives as long as the thread, so emitting from the thread is always safe;
    the loader's signals are connected to it and Qt drops those connections when the loader is destroyed
    (emitting on the loader itself from the thread could race with its destruction in the GUI thread).
    It is a child of the application, so Qt (not the thread dropping the last Python reference) deletes
    it, in the GUI thread, after the thread's deleteLater."""

    ready = Signal(str, int, object)
    failed = Signal(str, int, str)


class _DecodeThread:
    """The thread and what it shares with the GUI thread. A plain object, so it outlives its loader (whose
    destruction only tells it to stop) and never keeps the loader alive."""

    def __init__(self, loader: FrameLoader, reader: Any) -> None:
        self.loader = weakref.ref(loader)
        self.relay = _Relay(QCoreApplication.instance())
        self.owned = reader
        self.read_lock = threading.Lock()
        self.cv = threading.Condition()
        self.request: tuple[str, int, Box | None] | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self.run, name="FrameLoader", daemon=True)

    def stop_soon(self, *args) -> None:
        """Ask the thread to end (it closes its readers); safe from any thread and during destruction."""
        if "cv" not in self.__dict__:
            return  # cleared by the garbage collector: nothing referenced it, so its thread had ended
        with self.cv:
            self.stopping = True
            self.cv.notify()

    def loader_gone(self) -> bool:
        loader = self.loader()
        return loader is None or not shiboken6.isValid(loader)

    def next_request(self) -> tuple[str, int, Box | None] | None:
        with self.cv:
            while self.request is None and not self.stopping:
                if not self.cv.wait(OWNER_CHECK_S) and self.loader_gone():
                    self.stopping = True
            if self.stopping:
                return None
            request, self.request = self.request, None
            return request

    def run(self) -> None:
        opened: dict[str, Any] = {}  # the one reader opened from a path (none when a reader is owned)
        try:
            while (request := self.next_request()) is not None:
                path, index, box = request
                try:
                    if self.owned is not None:
                        with self.read_lock:
                            rgb = self.owned.read(index)
                    else:
                        rgb = _read_path(opened, path, index)
                    result: DecodedFrame | str = decoded_frame(rgb, box)
                except Exception as exc:  # reported to the view, never raised into Qt
                    result = f"{type(exc).__name__}: {exc}"
                self.emit(path, index, result)
        finally:
            for reader in opened.values():
                reader.close()
            if self.owned is not None and self.stopping:
                with self.read_lock:
                    self.owned.close()
            self.relay.deleteLater()  # thread-safe: posted to the GUI thread

    def emit(self, path: str, index: int, result: DecodedFrame | str) -> None:
        if self.stopping:
            return
        if isinstance(result, str):
            self.relay.failed.emit(path, index, result)
        else:
            self.relay.ready.emit(path, index, result)


def _read_path(opened: dict[str, Any], path: str, index: int) -> np.ndarray:
    if path not in opened:
        for reader in opened.values():
            reader.close()
        opened.clear()
        from ..io import open_media

        opened[path] = open_media(path)
    return opened[path].read(index)


class FrameLoader(QObject):
    """Signals: frameReady(path, index, DecodedFrame), frameFailed(path, index, message)."""

    frameReady = Signal(str, int, object)
    frameFailed = Signal(str, int, str)

    def __init__(self, parent: QObject | None = None, reader: Any = None, key: str = "") -> None:
        super().__init__(parent)
        self._key = str(key)
        self._worker = _DecodeThread(self, reader)
        self._worker.relay.ready.connect(self.frameReady)     # queued into this object's (the GUI) thread
        self._worker.relay.failed.connect(self.frameFailed)
        # The thread holds only a weak reference to this object: it ends when Python collects it, or (within
        # OWNER_CHECK_S) when Qt destroys it with its parent or by deleteLater.
        weakref.finalize(self, self._worker.stop_soon)
        self._worker.thread.start()

    def request(self, path: str, index: int, box: Box | None = None) -> None:
        """Ask for a frame fitted into box (device pixels; None: full size); an unserved older request is
        replaced. A path other than the last one is opened in the thread."""
        with self._worker.cv:
            self._worker.request = (str(path), int(index), None if box is None else (int(box[0]), int(box[1])))
            self._worker.cv.notify()

    def request_frame(self, index: int, box: Box | None = None) -> None:
        """Ask the owned reader for a frame; frameReady carries this loader's key as its path."""
        self.request(self._key, index, box)

    def read_now(self, index: int, box: Box | None = None) -> DecodedFrame:
        """Decode a frame of the owned reader in the calling thread (waits for a decode in progress)."""
        with self._worker.read_lock:
            rgb = self._worker.owned.read(int(index))
        return decoded_frame(rgb, box)

    def is_running(self) -> bool:
        return self._worker.thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread and close the readers (waits up to timeout seconds for a decode in progress)."""
        self._worker.stop_soon()
        self._worker.thread.join(timeout=timeout)
