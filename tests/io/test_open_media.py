"""open_media / media_kind: one entry point, clear errors, and no cv2 until a reader is needed."""
from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from poseexplorer.io import MediaError, media_kind, open_media
from tests.io.media_factory import write_barcode_video


def test_kinds(tmp_path):
    video = write_barcode_video(tmp_path / "clip.MP4", 3)
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((4, 4, 3), np.uint8))
    (tmp_path / "k.csv").write_text("x")
    (tmp_path / "doc.pdf").write_text("x")
    assert media_kind(video) == "video"
    assert media_kind(tmp_path / "a.png") == "images"
    assert media_kind(tmp_path) == "images"
    assert media_kind(tmp_path / "k.csv") == "keypoints"
    with pytest.raises(MediaError, match="unsupported file type '.pdf'"):
        media_kind(tmp_path / "doc.pdf")
    with pytest.raises(MediaError, match="no such"):
        media_kind(tmp_path / "nope.mp4")


def test_readers_share_one_shape(tmp_path):
    video = write_barcode_video(tmp_path / "v.avi", 5, fourcc="MJPG", size=(64, 48))
    cv2.imwrite(str(tmp_path / "one.png"), np.zeros((48, 64, 3), np.uint8))
    for path, kind, fps in [(video, "video", 25.0), (tmp_path / "one.png", "images", 0.0)]:
        with open_media(path) as r:
            assert (r.kind, r.fps, r.size) == (kind, fps, (64, 48))
            frame = r.read(len(r) - 1)
            assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
            assert [i for i, _ in r.iter_frames()] == list(range(len(r)))


def test_import_does_not_load_cv2():
    code = ("import sys, poseexplorer.io, poseexplorer.detect, poseexplorer.library; "
            "bad = [m for m in ('cv2', 'mediapipe', 'torch', 'PySide6') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
