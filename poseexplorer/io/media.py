"""open_media: one entry point for every kind of media, returning a reader with a common shape."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Protocol, runtime_checkable

import numpy as np

from .errors import MediaError
from .kinds import media_kind


@runtime_checkable
class MediaReader(Protocol):
    """What every reader offers. fps is 0.0 for images; size is (width, height) of frame 0."""

    path: Path
    kind: str
    fps: float
    size: tuple[int, int]

    def __len__(self) -> int: ...

    def read(self, index: int) -> np.ndarray:
        """RGB uint8 (H, W, 3), frame-accurate."""

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]: ...

    def close(self) -> None: ...


class KeypointMediaReader:
    """Keypoint-only media have no pixels: frames are blank (dark grey) canvases of the file's size, so
    overlays still have something to draw on."""

    kind = "keypoints"

    def __init__(self, path: str | os.PathLike) -> None:
        from .keypoint_files import read_keypoint_file

        self.path = Path(path)
        self.track = read_keypoint_file(self.path)
        self.fps = float(self.track.fps)
        if self.track.size is not None:
            self.size = self.track.size
        else:  # no size in the file: a canvas that holds every point
            finite = self.track.xy[np.isfinite(self.track.xy).all(axis=2)]
            hi = finite.max(axis=0) if len(finite) else np.array([640.0, 480.0])
            self.size = (int(max(hi[0] * 1.05, 16)), int(max(hi[1] * 1.05, 16)))

    def __len__(self) -> int:
        return int(self.track.frame_index.max()) + 1 if len(self.track) else 0

    def read(self, index: int) -> np.ndarray:
        if not 0 <= index < len(self):
            raise IndexError(f"frame index {index} out of range")
        return np.full((self.size[1], self.size[0], 3), 40, np.uint8)

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        for i in range(start, len(self) if stop is None else min(stop, len(self))):
            yield i, self.read(i)

    def close(self) -> None:
        pass

    def __enter__(self) -> "KeypointMediaReader":
        return self

    def __exit__(self, *exc) -> None:
        pass


def open_media(path: str | os.PathLike) -> MediaReader:
    """A reader for a video file, an image file or folder, or a keypoint file; MediaError if unreadable."""
    kind = media_kind(path)
    if kind == "video":
        from .video import VideoReader

        return VideoReader(path)
    if kind == "images":
        from .images import ImageFolderReader

        return ImageFolderReader(path)
    if kind == "keypoints":
        return KeypointMediaReader(path)
    raise MediaError(f"{path}: unknown media kind {kind!r}")  # pragma: no cover
