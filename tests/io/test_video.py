"""VideoReader: frame-accurate random access (checked with frames that carry their own index)."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.io import MediaError, open_media
from poseexplorer.io.video import FORWARD_GRAB, VideoReader, rotate_frame
from tests.io.media_factory import read_barcode, write_barcode_video


@pytest.fixture(scope="module")
def barcode_mp4(tmp_path_factory):
    return write_barcode_video(tmp_path_factory.mktemp("v") / "bars.mp4", 240, fps=30)


@pytest.mark.parametrize("fourcc,ext", [("mp4v", "mp4"), ("MJPG", "avi")])
def test_random_access_returns_the_requested_frame(tmp_path, fourcc, ext):
    path = write_barcode_video(tmp_path / f"v.{ext}", 200, fourcc=fourcc)
    order = np.random.default_rng(1).permutation(200)[:60].tolist() + [0, 199, 5, 4, 3, 100, 101, 99]
    with VideoReader(path) as r:
        assert (len(r), r.fps, r.size) == (200, 25.0, (320, 240))
        got = [read_barcode(r.read(i)) for i in order]
        frame = r.read(7)
    assert got == order
    assert frame.dtype == np.uint8 and frame.shape == (240, 320, 3)


def test_sequential_iteration_and_end(barcode_mp4):
    with VideoReader(barcode_mp4) as r:
        assert [read_barcode(f) for _, f in r.iter_frames()] == list(range(240))
        assert [i for i, _ in r.iter_frames(230, 300)] == list(range(230, 240))
        with pytest.raises(IndexError):
            r.read(240)
        with pytest.raises(IndexError):
            r.read(-1)
        assert r.count_frames() == 240
        assert read_barcode(r.read(120)) == 120


def test_short_forward_hops_do_not_seek(barcode_mp4, monkeypatch):
    with VideoReader(barcode_mp4) as r:
        r.read(10)
        monkeypatch.setattr(r, "_jump", lambda i: pytest.fail("a short hop must decode forward, not seek"))
        assert read_barcode(r.read(10 + FORWARD_GRAB)) == 10 + FORWARD_GRAB
        assert read_barcode(r.read(10 + FORWARD_GRAB)) == 10 + FORWARD_GRAB   # from the cache
        assert read_barcode(r.read(11 + FORWARD_GRAB)) == 11 + FORWARD_GRAB   # the next frame
        assert read_barcode(r.read(10)) == 10                                 # still cached


def test_inexact_seek_falls_back_to_decoding_from_the_start(barcode_mp4, monkeypatch):
    """When no decoded frame carries the target's timestamp, the reader stops trusting seeks."""
    with VideoReader(barcode_mp4) as r:
        real = r._timestamps
        monkeypatch.setattr(r, "_timestamps", lambda: real() - 1)  # timestamps no frame carries
        assert read_barcode(r.read(200)) == 200
        assert r._seek_trusted is False
        assert read_barcode(r.read(90)) == 90
        assert read_barcode(r.read(150)) == 150


def test_rotate_frame_is_clockwise():
    img = np.arange(6).reshape(2, 3)
    assert np.array_equal(rotate_frame(img, 90), np.rot90(img, -1))
    assert rotate_frame(img, 90)[0, -1] == img[0, 0]      # top-left goes to top-right
    assert np.array_equal(rotate_frame(img, 180), img[::-1, ::-1])
    assert np.array_equal(rotate_frame(img, 270), np.rot90(img, 1))
    assert rotate_frame(img, 0) is img


def test_bad_video_files_give_clear_errors(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    junk = tmp_path / "notes.mp4"
    junk.write_text("this is not a video\n" * 100)
    noise = tmp_path / "noise.avi"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    with pytest.raises(MediaError, match="empty"):
        VideoReader(empty)
    for path in (junk, noise):
        with pytest.raises(MediaError, match="not a readable video"):
            open_media(path)
    with pytest.raises(MediaError, match="no such"):
        open_media(tmp_path / "missing.mp4")


def test_truncated_video_reads_what_is_there(tmp_path):
    path = write_barcode_video(tmp_path / "t.avi", 100, fourcc="MJPG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with VideoReader(path) as r:
        frames = [read_barcode(f) for _, f in r.iter_frames()]
    assert 10 < len(frames) < 100
    assert frames == list(range(len(frames)))


@pytest.mark.slow
def test_real_footage_random_access_matches_sequential(shared_data):
    path = shared_data / "media" / "sports2d" / "demo.mp4"
    with VideoReader(path) as r:
        seq = [f.copy() for _, f in r.iter_frames(0, 60)]
        assert r.size == (seq[0].shape[1], seq[0].shape[0])
    with VideoReader(path) as r:
        for i in (45, 3, 59, 30, 0, 52):
            assert np.array_equal(r.read(i), seq[i]), f"frame {i} differs from sequential decoding"


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotation_metadata_is_applied_like_opencv_does(tmp_path, degrees):
    import cv2

    from tests.io.media_factory import set_mp4_rotation

    path = set_mp4_rotation(write_barcode_video(tmp_path / "phone.mp4", 20), degrees)
    ref = cv2.VideoCapture(str(path))
    ref.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)   # OpenCV's own rotation as the independent reference
    frames = []
    for _ in range(20):
        ok, bgr = ref.read()
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    ref.release()
    with VideoReader(path) as r:
        assert r.rotation == degrees
        assert r.size == ((240, 320) if degrees in (90, 270) else (320, 240))
        for i in (0, 13, 5, 19):
            got = r.read(i)
            assert np.array_equal(got, frames[i])
            assert read_barcode(rotate_frame(got, 360 - degrees)) == i
