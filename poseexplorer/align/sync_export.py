"""Export a synced group (a reference and any number of followers) as one side-by-side video.

The followers are composed into one virtual reader indexed by the reference's frames (each showing its
own synced, nudged and optionally flipped frame), which `export_synced_video` then writes next to the
reference with an identity sync map. cv2 is used only through align.export, imported when exporting.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .export import MAX_WIDTH, export_synced_video
from .playback import FollowerTrack


class FlippedReader:
    """A reader whose frames are flipped left/right (or passed through when flip is False), optionally with
    its skeleton drawn first (skeleton: (T, 13, 2) keypoints in its pixels, NaN = none) and its name
    written on top after the flip (label: "" = none)."""

    def __init__(self, reader, flip: bool, label: str = "", skeleton: np.ndarray | None = None) -> None:
        self._reader, self._flip, self._label = reader, flip, label
        self._skeleton = None if skeleton is None else np.asarray(skeleton)
        self.fps, self.size = reader.fps, tuple(reader.size)

    def __len__(self) -> int:
        return len(self._reader)

    def read(self, index: int) -> np.ndarray:
        from .export import SKELETON_COLOUR, draw_label, draw_skeleton

        rgb = self._reader.read(index)
        if self._skeleton is not None and 0 <= index < len(self._skeleton):
            rgb = draw_skeleton(rgb, self._skeleton[index], SKELETON_COLOUR)
        rgb = np.ascontiguousarray(rgb[:, ::-1]) if self._flip else rgb
        return draw_label(rgb, self._label) if self._label else rgb


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
                        flips: list[bool] | None = None, progress=None, cancel=None, *,
                        labels: list[str] | None = None, skeletons: list | None = None,
                        max_width: int | None = MAX_WIDTH) -> Path:
    """Write the reference and its followers side by side on the reference's timeline (one output frame each).

    labels: a name per video (reference first) written on its picture; skeletons: per video None or its
    (T, 13, 2) keypoints drawn over it; max_width: the picture's largest width (None: the sources' size).
    """
    n = 1 + len(follower_readers)
    flips = flips or [False] * n
    labels = labels or [""] * n
    skeletons = skeletons or [None] * n
    if not len(flips) == len(labels) == len(skeletons) == n:
        raise ValueError(f"need one flip, label and skeleton entry per video ({n})")
    ref = FlippedReader(ref_reader, flips[0], labels[0], skeletons[0])
    fols = [FlippedReader(*args) for args in zip(follower_readers, flips[1:], labels[1:], skeletons[1:])]
    group = FollowersReader(fols, tracks, len(ref), ref.fps)
    kwargs = {k: v for k, v in (("progress", progress), ("cancel", cancel)) if v is not None}
    return export_synced_video(ref, group, np.arange(len(ref)), out_path, max_width=max_width, **kwargs)
