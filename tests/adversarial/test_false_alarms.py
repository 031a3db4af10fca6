"""Errors that are not damage must not be reported as damage: constraint errors, read-only files, races."""
from __future__ import annotations

import hashlib
import multiprocessing
import shutil

import numpy as np
import pytest

from poseexplorer.library import Library
from poseexplorer.library.export import export_media
from poseexplorer.library.indexer import index_paths
from poseexplorer.library.schema import LibraryError
from tests.adversarial.unprivileged import run_unprivileged, shared_folder
from tests.io.media_factory import write_barcode_video
from tests.library.fakes import barcode_factory


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_libraries_adding_the_same_path_share_one_row(tmp_path):
    """The race of two processes indexing the same media: both looked, found nothing, both insert."""
    lib_path = tmp_path / "lib.sqlite"
    with Library.open(lib_path) as first, Library.open(lib_path) as second:
        assert first.find_media(path="/videos/a.mp4") == [] and second.find_media(path="/videos/a.mp4") == []
        a = first.add_media("/videos/a.mp4", "video", "h1", frames=10)
        b = second.add_media("/videos/a.mp4", "video", "h1", frames=10)
        assert a == b and len(second.media()) == 1
        assert second.check() == []


def _index_one(lib_path: str, video: str, queue) -> None:
    report = index_paths(lib_path, [video], workers=0, detector_factory=barcode_factory)
    queue.put([(f.ok, f.message) for f in report.files])


def test_two_processes_indexing_the_same_video_both_succeed(tmp_path):
    video = write_barcode_video(tmp_path / "v.avi", 150, fourcc="MJPG", size=(256, 64))
    lib_path = tmp_path / "lib.sqlite"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_index_one, args=(str(lib_path), str(video), queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(10)
    for (ok, message), in results:
        assert ok, message
        assert "damaged" not in message
    with Library.open(lib_path) as lib:
        (m,) = lib.media()
        assert m.status == "done" and lib.frames(m.id).frame_index.tolist() == list(range(150))
        assert lib.check() == []


def test_a_refused_value_is_not_called_damage(tmp_path):
    with Library.open(tmp_path / "lib.sqlite") as lib:
        with pytest.raises(LibraryError) as err:
            lib.save_sync_pair(1234, 5678, np.zeros((3, 2), np.int64))
        assert "not damaged" in str(err.value) and "backup" not in str(err.value)
        media = lib.add_media("/x.npz", "keypoints", "h", fps=float("nan"))
        lib.update_media(media, fps=float("inf"))
        assert lib.media_info(media).fps == 0.0


@pytest.fixture
def read_only_library(tmp_path):
    """A library with one indexed video, its file and folder made read-only (as on a shared drive)."""
    folder = shared_folder()
    video = write_barcode_video(tmp_path / "v.avi", 30, fourcc="MJPG", size=(256, 64))
    lib_path = folder / "lib.sqlite"
    index_paths(lib_path, [str(video)], workers=0, detector_factory=barcode_factory)
    out = folder / "out"
    out.mkdir()
    out.chmod(0o777)
    lib_path.chmod(0o444)
    folder.chmod(0o555)
    yield lib_path, out
    folder.chmod(0o755)
    shutil.rmtree(folder)


def test_a_read_only_library_opens_read_only_and_exports(read_only_library):
    lib_path, out = read_only_library
    before = _digest(lib_path)

    def check():
        with Library.open(lib_path, create=False) as lib:
            (m,) = lib.media()
            written = export_media(lib, m, out, "csv")
            try:
                lib.set_tags(m.id, ["x"])
                refusal = ""
            except LibraryError as exc:
                refusal = str(exc)
            return lib.read_only, written.stat().st_size, refusal

    read_only, size, refusal = run_unprivileged(check)
    assert read_only and size > 0
    assert "read-only" in refusal and "damaged" not in refusal and "corrupt" not in refusal
    assert _digest(lib_path) == before


def test_library_whose_parent_is_a_file_gets_a_message(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(LibraryError, match="is a file, not a folder"):
        Library.open(blocker / "sub" / "lib.sqlite")
    created = Library.open(tmp_path / "new" / "lib.sqlite")
    assert created.created_folder
    created.close()
