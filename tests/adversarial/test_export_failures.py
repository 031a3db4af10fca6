"""Export to a bad destination: a clear message, exit 2, and never a truncated file under a real name."""
from __future__ import annotations

import json
import multiprocessing
import resource
import signal

import pytest

from poseexplorer.cli import main
from poseexplorer.library import Library
from poseexplorer.library.export import export_media
from poseexplorer.library.indexer import index_paths
from tests.io.media_factory import write_barcode_video
from tests.library.fakes import barcode_factory


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("lib")
    video = write_barcode_video(root / "v.avi", 60, fourcc="MJPG", size=(256, 64))
    lib_path = root / "lib.sqlite"
    index_paths(lib_path, [str(video)], workers=0, detector_factory=barcode_factory)
    return lib_path


def test_destination_that_is_a_file_gets_a_message(library, tmp_path, capsys):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    code = main(["export", "all", "--library", str(library), "--to", str(blocker / "out"), "--format", "csv"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write into" in err and "no partial file" in err


def _export_with_tiny_file_limit(lib_path: str, folder: str, fmt: str, queue) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # writes past the limit fail with EFBIG, like a full disk
    with Library.open(lib_path, read_only=True) as lib:
        (media,) = lib.media()
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
        try:
            export_media(lib, media, __import__("pathlib").Path(folder), fmt)
            queue.put("written")
        except OSError as exc:
            queue.put(f"OSError {exc.errno}")


@pytest.mark.parametrize("fmt", ["csv", "json", "npz"])
def test_a_full_disk_leaves_the_previous_export_intact(library, tmp_path, fmt):
    folder = tmp_path / "out"
    with Library.open(library) as lib:
        (media,) = lib.media()
        good = export_media(lib, media, folder, fmt)
    before = good.read_bytes()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_export_with_tiny_file_limit, args=(str(library), str(folder), fmt, queue))
    proc.start()
    try:
        outcome = queue.get(timeout=60)
    finally:
        proc.join(10)
        if proc.is_alive():   # a hung child fails this test instead of blocking the run at exit
            proc.kill()
            proc.join()
    assert outcome.startswith("OSError"), f"{outcome}: the export fits in the file size limit"
    assert good.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [good.name]


def test_an_infinite_fps_still_exports_valid_json(library, tmp_path):
    copy = tmp_path / "lib.sqlite"
    copy.write_bytes(library.read_bytes())
    with Library.open(copy) as lib:
        (media,) = lib.media()
        lib._conn.execute("UPDATE media SET fps = ? WHERE id = ?", (float("inf"), media.id))  # an older library
        out = export_media(lib, lib.media_info(media.id), tmp_path / "out", "json")
    doc = json.loads(out.read_text())
    assert doc["media"]["fps"] is None and len(doc["frames"]) == 60
