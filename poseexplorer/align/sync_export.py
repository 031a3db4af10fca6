"""Export a synced group (a reference and any number of followers) as one side-by-side video.

The followers are composed into one virtual reader indexed by the reference's frames (each showing its
own synced, nudged and optionally flipped frame), which `export_synced_video` then writes next to the
reference with an identity sync map. cv2 is used only through align.export, imported when exporting.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .export import export_synced_video
from .playback import FollowerTrack


class FlippedReader:
    """A reader whose frames are flipped left/right (or passed through when flip is False)."""

    def __init__(self, reader, flip: bool) -> None:
        self._reader, self._flip = reader, flip
        self.fps, self.size = reader.fps, tuple(reader.size)

    def __len__(self) -> int:
        return len(self._reader)

    def read(self, index: int) -> np.ndarray:
        rgb = self._reader.read(index)
        return np.ascontiguousarray(rgb[:, ::-1]) if self._flip else rgb


class FollowersReader:
    """The followers side by side, one frame per reference frame i: follower k shows tracks[k].frame_for(i).

    Every follower is scaled to the height of the first one. size = (total width, height); fps = the
    reference's (given).
    """

    def __init__(self, readers: list, tracks: list[FollowerTrack], n_ref: int, fps: float) -> None:
        if not readers or len(readers) != len(tracks):
            raise ValueError(f"need one track per follower reader, got {len(readers)} readers, {len(tracks)} tracks")
        self._readers, self._tracks, self._n, self.fps = readers, tracks, int(n_ref), float(fps)
        self._height = int(readers[0].size[1])
        self._widths = [max(1, round(r.size[0] * self._height / r.size[1])) for r in readers]
        self.size = (int(sum(self._widths)), self._height)

    def __len__(self) -> int:
        return self._n

    def read(self, index: int) -> np.ndarray:
        from .export import _fit_height

        out = np.zeros((self._height, self.size[0], 3), np.uint8)
        x = 0
        for reader, track, width in zip(self._readers, self._tracks, self._widths):
            rgb = _fit_height(reader.read(track.frame_for(index)), self._height)
            w = min(width, rgb.shape[1])
            out[:, x:x + w] = rgb[:, :w]
            x += width
        return out


def export_synced_group(ref_reader, follower_readers: list, tracks: list[FollowerTrack], out_path: str | os.PathLike,
                        flips: list[bool] | None = None, progress=None, cancel=None) -> Path:
    """Write the reference and its followers side by side on the reference's timeline (one output frame each)."""
    flips = flips or [False] * (1 + len(follower_readers))
    ref = FlippedReader(ref_reader, flips[0])
    fols = [FlippedReader(r, f) for r, f in zip(follower_readers, flips[1:])]
    group = FollowersReader(fols, tracks, len(ref), ref.fps)
    kwargs = {k: v for k, v in (("progress", progress), ("cancel", cancel)) if v is not None}
    return export_synced_video(ref, group, np.arange(len(ref)), out_path, **kwargs)
