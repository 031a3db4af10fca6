"""The index job with a cheap deterministic detector double: bookkeeping, resume, reuse, bad input."""
from __future__ import annotations

import os
import shutil

import cv2
import numpy as np
import pytest

from poseexplorer.library import Library
from poseexplorer.library.indexer import IndexCancelled, index_paths
from tests.io.media_factory import barcode_frame, write_barcode_video
from tests.library.fakes import NO_PERSON_EVERY, FakeModel, barcode_factory, expected_xy


def _index(lib, paths, workers=0, **kw):
    return index_paths(lib, [str(p) for p in paths], workers=workers, detector_factory=barcode_factory, **kw)


def _check_media(lib_path, media_id, n):
    """Every frame exactly once, each with the detection of *its own* frame (frame-accurate pipeline)."""
    with Library.open(lib_path) as lib:
        ft = lib.frames(media_id)
        info = lib.media_info(media_id)
    assert ft.frame_index.tolist() == list(range(n)) and info.frames == n and info.status == "done"
    person = np.arange(n) % NO_PERSON_EVERY != NO_PERSON_EVERY - 1
    assert np.array_equal(ft.has_pose, person)
    for i in np.flatnonzero(person):
        assert np.array_equal(ft.xy[i], expected_xy(i)), f"frame {i} holds another frame's detection"
    assert info.n_poses == person.sum()


@pytest.fixture
def video(tmp_path):
    return write_barcode_video(tmp_path / "clip.avi", 150, fourcc="MJPG", size=(256, 64))


@pytest.mark.parametrize("workers", [0, 2])
def test_index_a_video_and_embed(tmp_path, video, workers):
    lib_path = tmp_path / "lib.sqlite"
    model = FakeModel()
    report = _index(lib_path, [video], workers=workers, model=model)
    (f,) = report.files
    assert f.ok and f.n_frames == 150 and report.n_embedded == f.n_poses == 120
    _check_media(lib_path, f.media_id, 150)
    again = _index(lib_path, [video], workers=workers, model=model)
    assert again.files[0].ok and "already indexed" in again.files[0].message and again.n_embedded == 0
    _check_media(lib_path, f.media_id, 150)


def test_moved_file_reuses_detections_and_switching_model_only_embeds(tmp_path, video):
    lib_path = tmp_path / "lib.sqlite"
    first = _index(lib_path, [video], model=FakeModel("a")).files[0]
    moved = tmp_path / "elsewhere" / "renamed clip.avi"
    moved.parent.mkdir()
    shutil.move(video, moved)
    b = FakeModel("b")
    report = index_paths(lib_path, [str(moved)], model=b, workers=0, detector_factory=_explode_factory)
    (f,) = report.files
    assert f.ok and f.media_id == first.media_id and "moved from" in f.message
    assert report.n_embedded == 120 and sum(b.calls) == 120
    with Library.open(lib_path) as lib:
        assert lib.media()[0].path == str(moved) and len(lib.models()) == 2


def _explode_factory(name, video):
    raise AssertionError("a known file must not be detected again")


def test_interrupted_run_resumes_without_loss_or_duplicates(tmp_path, video, monkeypatch):
    monkeypatch.setattr("poseexplorer.library.planning.VIDEO_SEGMENT", 20)
    lib_path = tmp_path / "lib.sqlite"
    seen = []

    def cancel():
        return len(seen) >= 2

    with pytest.raises(IndexCancelled) as exc:
        _index(lib_path, [video], progress=lambda d, t, m="": seen.append(d) if d else None, cancel=cancel)
    assert exc.value.report.cancelled and not exc.value.report.files[0].ok
    with Library.open(lib_path) as lib:
        (m,) = lib.media()
        partial = len(lib.frames(m.id))
        assert m.status == "cancelled" and 0 < partial < 150
    report = _index(lib_path, [video])
    assert report.files[0].ok
    _check_media(lib_path, m.id, 150)


def test_two_workers_share_one_video_and_resume_its_gaps(tmp_path, monkeypatch):
    """One video split into segments in 2 lanes (both workers on it); a cancel leaves gaps in both
    lanes; the next run fills exactly those, every frame once and frame-accurate."""
    monkeypatch.setattr("poseexplorer.library.planning.VIDEO_SEGMENT", 20)
    video = write_barcode_video(tmp_path / "long.avi", 300, fourcc="MJPG", size=(256, 64))
    lib_path = tmp_path / "lib.sqlite"
    seen = []
    with pytest.raises(IndexCancelled):
        _index(lib_path, [video], workers=2, progress=lambda d, t, m="": seen.append(d) if d else None,
               cancel=lambda: len(seen) >= 2)
    with Library.open(lib_path) as lib:
        (m,) = lib.media()
        stored = lib.frames(m.id).frame_index
        assert 0 < len(stored) < 300 and stored.max() >= 160   # the second lane (from frame 160) ran too
    report = _index(lib_path, [video], workers=2)
    assert report.files[0].ok
    _check_media(lib_path, m.id, 300)


def test_bad_inputs_get_messages_and_the_batch_goes_on(tmp_path, video):
    d = tmp_path / "in put ü"
    d.mkdir()
    (d / "empty.mp4").write_bytes(b"")
    (d / "notes.mp4").write_text("not a video " * 50)
    trunc = write_barcode_video(d / "trunc.avi", 60, fourcc="MJPG", size=(256, 64))
    trunc.write_bytes(trunc.read_bytes()[: trunc.stat().st_size // 2])
    cv2.imwrite(str(d / "blank.png"), np.zeros((64, 256, 3), np.uint8))          # no person
    cv2.imwrite(str(d / "tiny.png"), np.full((4, 3, 3), 50, np.uint8))
    huge = np.zeros((1400, 30000, 3), np.uint8)
    huge[:64, :256] = barcode_frame(3, 256, 64)
    cv2.imwrite(str(d / "huge.jpg"), huge)
    named = d / "clip ünïcødé.avi"
    shutil.copy(video, named)
    inputs = [d / "empty.mp4", d / "notes.mp4", trunc, d / "blank.png", d / "tiny.png", d / "huge.jpg",
              named, named, video, d / "missing.mp4", d / "readme.txt"]
    (d / "readme.txt").write_text("x")
    report = _index(tmp_path / "lib.sqlite", inputs)
    by = {os.path.basename(f.path) + f"#{k}": f for k, f in enumerate(report.files)}
    files = report.files
    assert len(files) == len(inputs)
    assert not files[0].ok and "empty" in files[0].message
    assert not files[1].ok and "not a readable video" in files[1].message
    assert files[2].ok and 0 < files[2].n_frames < 60 and "truncated" in files[2].message
    assert files[3].ok and files[3].n_frames == 1 and files[3].n_poses == 0
    assert files[4].ok and files[4].n_poses == 0
    assert files[5].ok and files[5].n_frames == 1
    assert files[6].ok and files[6].n_frames == 150
    assert files[7].ok and "listed twice" in files[7].message
    assert files[8].ok and "same content" in files[8].message and files[8].media_id == files[6].media_id
    assert not files[9].ok and "no such" in files[9].message
    assert not files[10].ok and "unsupported" in files[10].message
    assert by  # every input has a report
    with Library.open(tmp_path / "lib.sqlite") as lib:
        assert sorted(m.name for m in lib.media()) == sorted(["trunc.avi", "blank.png", "tiny.png", "huge.jpg",
                                                               "clip ünïcødé.avi"])


def test_unreadable_file_message(tmp_path, monkeypatch):
    path = tmp_path / "locked.mp4"
    write_barcode_video(path, 3)
    if os.geteuid() != 0:
        path.chmod(0)
    else:   # root reads anything: simulate the OS refusing the read
        real_open = open

        def refusing_open(p, *a, **k):
            if str(p) == str(path):
                raise PermissionError(13, "Permission denied", str(p))
            return real_open(p, *a, **k)

        monkeypatch.setattr("builtins.open", refusing_open)
    report = _index(tmp_path / "lib.sqlite", [path])
    assert not report.files[0].ok and "permission denied" in report.files[0].message


def test_image_folder_progress_starts_at_once_and_every_image_lands_in_order(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    n = 400
    for i in range(n):
        ok, buf = cv2.imencode(".png", barcode_frame(i, 256, 48)[:, :, ::-1])
        (folder / f"img_{i}.png").write_bytes(buf.tobytes())
    events = []
    report = _index(tmp_path / "lib.sqlite", [folder], workers=1,
                    progress=lambda d, t, m="": events.append((d, t, m)))
    assert events[0][:2] == (0, 0)                  # reported before any listing or hashing
    assert events[-1][:2] == (n, n)
    (f,) = report.files
    assert f.ok and f.n_frames == n
    _check_media(tmp_path / "lib.sqlite", f.media_id, n)


def test_a_detector_crash_fails_only_that_file(tmp_path, video):
    from tests.library.fakes import crashing_factory

    poison = write_barcode_video(tmp_path / "poison.avi", 30, fourcc="MJPG", size=(200, 64))
    report = index_paths(tmp_path / "lib.sqlite", [str(poison), str(video)], workers=1,
                         detector_factory=crashing_factory)
    bad, good = report.files
    assert not bad.ok and "crashed" in bad.message
    assert good.ok
    _check_media(tmp_path / "lib.sqlite", good.media_id, 150)


def test_a_folder_of_videos_and_images_expands(tmp_path):
    folder = tmp_path / "shoot"
    folder.mkdir()
    write_barcode_video(folder / "take10.avi", 10, fourcc="MJPG", size=(256, 64))
    write_barcode_video(folder / "take2.avi", 12, fourcc="MJPG", size=(256, 64))
    cv2.imwrite(str(folder / "still.png"), barcode_frame(1, 256, 64)[:, :, ::-1])
    report = _index(tmp_path / "lib.sqlite", [folder])
    assert [os.path.basename(f.path) for f in report.files] == ["take2.avi", "take10.avi", "shoot"]
    assert [f.n_frames for f in report.files] == [12, 10, 1] and report.ok
