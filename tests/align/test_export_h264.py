"""The synced export a person can share: H.264 MP4 (browsers, phones), a width limit, view names and
skeletons when asked, normal file permissions. Decoded back with PyAV (ffmpeg), the decoder browsers use."""
from __future__ import annotations

import os

import numpy as np
import pytest

from poseexplorer.align.export import ExportError, export_synced_video
from poseexplorer.align.playback import FollowerTrack
from poseexplorer.align.sync_export import export_synced_group


class Portrait:
    """A 540 x 960 portrait video of a grey level that rises frame by frame, with a dark left margin."""

    def __init__(self, n: int = 24, fps: float = 30.0) -> None:
        self.n, self.fps, self.size = n, fps, (540, 960)

    def __len__(self) -> int:
        return self.n

    def read(self, i: int) -> np.ndarray:
        img = np.full((960, 540, 3), 60 + 4 * i, np.uint8)
        img[:, :20] = 10
        return img


def decode(path):
    import av

    with av.open(str(path)) as f:
        stream = f.streams.video[0]
        frames = [fr.to_ndarray(format="rgb24") for fr in f.decode(stream)]
        return stream.codec_context.name, stream.codec_context.pix_fmt, frames


def group(out, **options):
    tracks = [FollowerTrack(np.arange(24), 24, 30.0) for _ in range(3)]
    return export_synced_group(Portrait(), [Portrait() for _ in range(3)], tracks, out, **options)


def test_four_portrait_views_become_a_shareable_h264_mp4_within_the_width_limit(tmp_path):
    old = os.umask(0o022)
    try:
        path = group(tmp_path / "synced.mp4")
    finally:
        os.umask(old)
    codec, pix_fmt, frames = decode(path)
    assert codec == "h264" and pix_fmt == "yuv420p" and len(frames) == 24
    h, w = frames[0].shape[:2]
    assert w <= 1920 and w % 2 == 0 and h % 2 == 0 and w > 1900      # was 4 x 540 = 2160 wide
    assert abs(w / h - 4 * 540 / 960) < 0.02                             # aspect kept
    assert np.abs(frames[5][h // 2, w // 8].astype(int) - (60 + 4 * 5)).max() <= 6   # the right frame
    assert os.stat(path).st_mode & 0o777 == 0o644                        # not the temp file's 0600
    data = path.read_bytes()
    assert data[4:8] == b"ftyp" and data.find(b"moov") < data.find(b"mdat")   # streams from the start
    assert not list(tmp_path.glob(".export-*"))
    small = group(tmp_path / "small.mp4", max_width=640)
    assert decode(small)[2][0].shape[1] <= 640


def test_view_names_and_skeletons_are_drawn_when_asked(tmp_path):
    plain = decode(group(tmp_path / "plain.mp4", max_width=None))[2][3]
    xy = np.tile(np.array([[270, 100], [230, 200], [310, 200], [200, 320], [340, 320], [190, 440], [350, 440],
                           [240, 480], [300, 480], [240, 680], [300, 680], [240, 880], [300, 880]], np.float32),
                 (24, 1, 1))
    marked = decode(group(tmp_path / "marked.mp4", max_width=None, labels=["cam01", "cam02", "cam03", "cam04"],
                          skeletons=[xy, None, None, None]))[2][3]
    assert plain.shape == marked.shape == (960, 4 * 540, 3)
    diff = np.abs(marked.astype(int) - plain.astype(int)).max(axis=2)
    assert (diff[5:30, 25:120] > 60).any()                          # the reference's name, top left
    assert (diff[5:30, 540 + 25:540 + 120] > 60).any()              # the first follower's name
    assert diff[400:700, 250:290].max() > 60                         # the reference's skeleton (spine area)
    assert diff[400:700, 540 + 250:540 + 290].max() < 30             # no skeleton on that follower


def test_motion_jpeg_avi_still_works_and_bad_targets_are_refused(tmp_path):
    path = export_synced_video(Portrait(6), Portrait(6), np.arange(6), tmp_path / "synced.avi", max_width=800)
    import cv2

    cap = cv2.VideoCapture(str(path))
    ok, frame = cap.read()
    cap.release()
    assert ok and frame.shape[1] <= 800
    with pytest.raises(ExportError, match="unknown video type"):
        export_synced_video(Portrait(6), Portrait(6), np.arange(6), tmp_path / "synced.gif")
