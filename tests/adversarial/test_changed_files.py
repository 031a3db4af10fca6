"""A file that changed keeps the user's data; a folder re-detects only the images that changed."""
from __future__ import annotations

import os

import cv2
import numpy as np

from poseexplorer.library import Library
from poseexplorer.library.indexer import index_paths
from tests.io.media_factory import barcode_frame, write_barcode_video
from tests.library.fakes import FakeModel, barcode_factory, expected_xy


def _index(lib_path, paths, model=None):
    return index_paths(lib_path, [str(p) for p in paths], workers=0, detector_factory=barcode_factory, model=model)


def test_a_changed_video_keeps_its_tags_and_sync_pairs(tmp_path):
    a = write_barcode_video(tmp_path / "a.avi", 40, fourcc="MJPG", size=(256, 64))
    b = write_barcode_video(tmp_path / "b.avi", 30, fourcc="MJPG", size=(256, 64))
    lib_path = tmp_path / "lib.sqlite"
    ra, rb = _index(lib_path, [a, b]).files
    with Library.open(lib_path) as lib:
        lib.set_tags(ra.media_id, ["take 1", "left camera"])
        pair = lib.save_sync_pair(ra.media_id, rb.media_id, np.stack([np.arange(30), np.arange(30)], 1), "ab")
    write_barcode_video(a, 55, fourcc="MJPG", size=(256, 64))      # re-recorded: new content, same path
    (again,) = _index(lib_path, [a]).files
    assert again.ok and again.media_id == ra.media_id and again.n_frames == 55
    assert "changed" in again.message and "kept" in again.message
    with Library.open(lib_path) as lib:
        assert lib.tags(ra.media_id) == ["left camera", "take 1"]
        assert [p.id for p in lib.sync_pairs()] == [pair]
        table = lib.frames(ra.media_id)
        assert table.frame_index.tolist() == list(range(55))


def _write_images(folder, indices, size=(256, 64)):
    """BMP images (a fixed byte size per pixel size) showing barcodes `indices`, named img<k>.bmp."""
    for k, value in indices.items():
        cv2.imwrite(str(folder / f"img{k}.bmp"), barcode_frame(value, *size)[:, :, ::-1])


def _detection_ids(lib, media_id) -> dict[int, int]:
    table = lib.frames(media_id)
    return dict(zip(table.frame_index.tolist(), table.pose_id.tolist()))


def test_a_folder_re_detects_only_new_and_replaced_images(tmp_path):
    folder = tmp_path / "shots"
    folder.mkdir()
    _write_images(folder, {k: k for k in range(0, 20, 2)})          # img0, img2, ..., img18
    lib_path = tmp_path / "lib.sqlite"
    model = FakeModel()
    (first,) = _index(lib_path, [folder], model).files
    with Library.open(lib_path) as lib:
        lib.set_tags(first.media_id, ["session 3"])
        before = _detection_ids(lib, first.media_id)
    _write_images(folder, {5: 5})                                   # one new image, sorted into the middle
    size = os.path.getsize(folder / "img8.bmp")
    _write_images(folder, {8: 9})                                   # same name, same size, other picture
    st = os.stat(folder / "img8.bmp")
    os.utime(folder / "img8.bmp", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert os.path.getsize(folder / "img8.bmp") == size
    report = _index(lib_path, [folder], model)
    (second,) = report.files
    assert second.ok and second.media_id == first.media_id and second.n_frames == 11
    assert "2 of 11 images" in second.message
    order = [0, 2, 4, 5, 6, 8, 10, 12, 14, 16, 18]                   # file names in natural order
    with Library.open(lib_path) as lib:
        assert lib.tags(first.media_id) == ["session 3"]
        after = _detection_ids(lib, first.media_id)
        table = lib.frames(first.media_id)
    shown = [9 if k == 8 else k for k in order]
    for pos, value in enumerate(shown):
        if table.has_pose[pos]:
            assert np.array_equal(table.xy[pos], expected_xy(value)), f"image {pos} holds another image's pose"
    kept_old = {before[i]: after[order.index(k)] for i, k in enumerate(range(0, 20, 2)) if k != 8 and i in before}
    assert all(old == new for old, new in kept_old.items()), "unchanged images were detected again"
    assert report.n_embedded == int(table.has_pose[[3, 5]].sum())    # only the two re-detected poses
