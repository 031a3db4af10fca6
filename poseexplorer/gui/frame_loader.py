"""FrameLoader: decodes the frame the viewer asks for in a background thread, newest request first.

Frame decoding is not a one-off job but a stream (scrubbing, playback), so instead of a JobWorker per
frame this keeps one reader open in one thread and drops stale requests: when the user drags the slider
across 300 frames only the last one is decoded. It never touches widgets; it emits frameReady.

Given a `reader` (any object with read(i) -> RGB), the loader owns it instead of opening paths: one loader
per video is the decode-ahead thread of the synced players; `read_now` serves a frame synchronously
(under the same lock) when the caller must show it at once, and `stop` closes the reader.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal


class FrameLoader(QObject):
    """Signals: frameReady(path, index, rgb (H, W, 3) uint8), frameFailed(path, index, message)."""

    frameReady = Signal(str, int, object)
    frameFailed = Signal(str, int, str)

    def __init__(self, parent: QObject | None = None, reader: Any = None, key: str = "") -> None:
        super().__init__(parent)
        self._owned, self._key = reader, str(key)
        self._read_lock = threading.Lock()
        self._cv = threading.Condition()
        self._request: tuple[str, int] | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="FrameLoader", daemon=True)
        self._thread.start()

    def request(self, path: str, index: int) -> None:
        """Ask for a frame; an unserved older request is replaced."""
        with self._cv:
            self._request = (str(path), int(index))
            self._cv.notify()

    def request_frame(self, index: int) -> None:
        """Ask the owned reader for a frame; frameReady carries this loader's key as its path."""
        self.request(self._key, index)

    def read_now(self, index: int) -> np.ndarray:
        """Decode a frame of the owned reader in the calling thread (waits for a decode in progress)."""
        with self._read_lock:
            return self._owned.read(int(index))

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout=5)
        if self._owned is not None:
            with self._read_lock:
                self._owned.close()

    def _loop(self) -> None:
        opened: dict[str, Any] = {}  # the one reader opened from a path (none when a reader is owned)
        while True:
            with self._cv:
                while self._request is None and not self._stop:
                    self._cv.wait()
                if self._stop:
                    break
                path, index = self._request
                self._request = None
            try:
                rgb: np.ndarray = self.read_now(index) if self._owned is not None else \
                    self._read_path(opened, path, index)
            except Exception as exc:  # reported to the viewer, never raised into Qt
                self.frameFailed.emit(path, index, f"{type(exc).__name__}: {exc}")
                continue
            self.frameReady.emit(path, index, rgb)
        for reader in opened.values():
            reader.close()

    @staticmethod
    def _read_path(opened: dict[str, Any], path: str, index: int) -> np.ndarray:
        if path not in opened:
            for reader in opened.values():
                reader.close()
            opened.clear()
            from ..io import open_media

            opened[path] = open_media(path)
        return opened[path].read(index)
