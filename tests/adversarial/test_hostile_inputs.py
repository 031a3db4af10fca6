"""Hostile inputs get one message each and the batch goes on; nothing is left `pending`."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from poseexplorer.io import MediaError
from poseexplorer.io.keypoint_files import KeypointTrack, read_keypoint_file, write_keypoint_npz
from poseexplorer.library import Library
from poseexplorer.library.indexer import index_paths
from poseexplorer.library.schema import LibraryError
from tests.adversarial.generate import hostile_keypoint_files


def _good(folder, name="good.npz", frames=3):
    track = KeypointTrack(np.arange(frames), np.ones((frames, 13, 2), np.float32), np.ones((frames, 13), np.float32),
                          fps=float("nan"))
    write_keypoint_npz(folder / name, track)
    return folder / name


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, hostile_keypoint_files(folder)


def test_each_hostile_keypoint_file_raises_a_media_error_naming_it(hostile):
    folder, expect = hostile
    for name, words in expect.items():
        if name.startswith("loop"):
            continue
        with pytest.raises(MediaError) as err:
            read_keypoint_file(folder / name)
        assert str(folder / name) in str(err.value) and words in str(err.value), (name, str(err.value))


def test_the_batch_goes_on_past_every_hostile_input(hostile, tmp_path):
    folder, expect = hostile
    good = _good(tmp_path)
    names = sorted(expect)
    inputs = [str(folder / n) for n in names] + [str(good)]
    lib_path = tmp_path / "lib.sqlite"
    report = index_paths(lib_path, inputs, workers=0)
    assert len(report.files) == len(inputs)
    for name, f in zip(names, report.files):
        assert not f.ok and expect[name] in f.message, (name, f.message)
    assert report.files[-1].ok and report.files[-1].n_frames == 3
    with Library.open(lib_path) as lib:
        media = lib.media()
    assert [m.path for m in media] == [str(good)] and media[0].status == "done" and media[0].fps == 0.0


def test_cli_prints_one_line_per_file_and_exits_1(hostile, tmp_path):
    folder, expect = hostile
    good = _good(tmp_path)
    bad_name = os.fsencode(str(tmp_path)) + b"/bad\xff.npz"
    with open(bad_name, "wb") as fh:
        fh.write(good.read_bytes())
    inputs = [os.fsencode(str(folder / n)) for n in sorted(expect)] + [bad_name, os.fsencode(str(good))]
    cmd = [os.fsencode(sys.executable), b"-m", b"poseexplorer.cli", b"index", b"--no-embed", b"--workers", b"0",
           b"--library", os.fsencode(str(tmp_path / "lib.sqlite")), *inputs]
    done = subprocess.run(cmd, capture_output=True, timeout=120)
    out = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")[-2000:]
    assert "Traceback" not in done.stderr.decode("utf-8", "replace")
    lines = [line for line in out.splitlines() if line.startswith(("ok", "FAIL"))]
    assert len(lines) == len(inputs) and sum(line.startswith("FAIL") for line in lines) == len(inputs) - 1
    assert "not valid UTF-8" in out and lines[-1].startswith("ok")


def test_a_full_disk_is_reported_as_such_and_the_library_stays_usable(tmp_path):
    lib_path = tmp_path / "lib.sqlite"
    with Library.open(lib_path) as lib:
        media = lib.add_media("/v.mp4", "video", "h")
        pages = lib._conn.execute("PRAGMA page_count").fetchone()[0]
        lib._conn.execute(f"PRAGMA max_page_count = {pages + 2}")   # SQLite's own "disk full" (SQLITE_FULL)
        rows = [(i, None) for i in range(20_000)]
        with pytest.raises(LibraryError) as err:
            lib.add_detections(media, rows)
        assert "full" in str(err.value) and "damaged" not in str(err.value)
    with Library.open(lib_path) as lib:
        assert lib.check() == [] and lib.done_frames(media).size == 0


def test_garbage_images_fail_and_a_symlink_loop_is_named(tmp_path):
    import cv2

    from tests.io.media_factory import barcode_frame
    from tests.library.fakes import barcode_factory

    garbage = tmp_path / "garbage"
    garbage.mkdir()
    for k in range(3):
        (garbage / f"g{k}.jpg").write_bytes(os.urandom(2000))
    single = tmp_path / "broken.png"
    single.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    cv2.imwrite(str(mixed / "a.png"), barcode_frame(0, 256, 64)[:, :, ::-1])
    os.symlink(mixed / "y.png", mixed / "x.png")
    os.symlink(mixed / "x.png", mixed / "y.png")
    report = index_paths(tmp_path / "lib.sqlite", [str(garbage), str(single), str(mixed)], workers=0,
                         detector_factory=barcode_factory)
    g, s, m = report.files
    assert not g.ok and "none of the 3" in g.message
    assert not s.ok
    assert m.ok and "x.png" in m.message and "symlink" in m.message


def test_cli_caps_workers_and_says_it_creates_the_library_folder(tmp_path):
    good = _good(tmp_path)
    lib = tmp_path / "new" / "folder" / "lib.sqlite"
    done = subprocess.run([sys.executable, "-m", "poseexplorer.cli", "index", "--no-embed", "--workers", "64",
                           "--library", str(lib), str(good)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "capped to" in done.stderr and "creating the folder" in done.stderr and lib.is_file()
