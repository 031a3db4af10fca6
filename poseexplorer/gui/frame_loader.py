"""FrameLoader: decodes the frame the viewer asks for in a background thread, newest request first.

Frame decoding is not a one-off job but a stream (scrubbing, playback), so instead of a JobWorker per
frame this keeps one reader open in one thread and drops stale requests: when the user drags the slider
across 300 frames only the last one is decoded. It never touches widgets; it emits frameReady.
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

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
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

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        reader: Any = None
        reader_path = ""
        while True:
            with self._cv:
                while self._request is None and not self._stop:
                    self._cv.wait()
                if self._stop:
                    break
                path, index = self._request
                self._request = None
            try:
                if path != reader_path:
                    if reader is not None:
                        reader.close()
                    reader, reader_path = None, ""
                    from ..io import open_media

                    reader, reader_path = open_media(path), path
                rgb: np.ndarray = reader.read(index)
            except Exception as exc:  # reported to the viewer, never raised into Qt
                self.frameFailed.emit(path, index, f"{type(exc).__name__}: {exc}")
                continue
            self.frameReady.emit(path, index, rgb)
        if reader is not None:
            reader.close()
