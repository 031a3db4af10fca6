"""Decompression bombs: a small PNG declaring a huge image is refused from its header, without decoding."""
from __future__ import annotations

import multiprocessing
import resource

import numpy as np
import pytest

from poseexplorer.io import MediaError
from poseexplorer.io.images import MAX_IMAGE_PIXELS, read_image
from tests.adversarial.generate import png_bomb


def _peak_growth_mib(path: str, queue) -> None:
    """In a fresh forked child: how much the peak resident memory grows while reading `path`."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        img = read_image(path)
        outcome = f"read {img.shape}"
    except MediaError as exc:
        outcome = f"MediaError: {exc}"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((outcome, (after - before) / 1024))


def _read_in_child(path) -> tuple[str, float]:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_growth_mib, args=(str(path), queue))
    proc.start()
    result = queue.get(timeout=120)
    proc.join(10)
    return result


def test_png_bomb_is_refused_from_its_header_within_little_memory(tmp_path):
    bomb = png_bomb(tmp_path / "bomb.png", 20_000, 20_000)   # 400 megapixels in about 400 kB
    assert bomb.stat().st_size < 2_000_000
    outcome, growth = _read_in_child(bomb)
    assert outcome.startswith("MediaError") and "20000 x 20000" in outcome and str(bomb) in outcome
    assert growth < 100, f"reading the bomb's header grew the process by {growth:.0f} MiB"   # so it never decoded


def test_large_png_is_downscaled_with_one_decode(tmp_path, monkeypatch):
    from PIL import ImageFile

    big = png_bomb(tmp_path / "big.png", 9_000, 9_000)        # 81 MP: over the limit, readable
    loads = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(1) or real_load(self))
    img = read_image(big)
    assert img.shape[0] * img.shape[1] <= MAX_IMAGE_PIXELS and img.shape[0] == img.shape[1]
    assert img.shape[0] > 9_000 // 2
    assert loads == [], "Pillow decoded the pixels: only the header should be read before OpenCV decodes once"


def test_a_bomb_in_a_folder_fails_that_image_only(tmp_path):
    import cv2

    from poseexplorer.library import Library
    from poseexplorer.library.indexer import index_paths
    from tests.io.media_factory import barcode_frame
    from tests.library.fakes import barcode_factory

    folder = tmp_path / "shots"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"img{i}.png"), barcode_frame(i, 256, 64)[:, :, ::-1])
    png_bomb(folder / "img1b.png", 20_000, 20_000)
    report = index_paths(tmp_path / "lib.sqlite", [str(folder)], workers=0, detector_factory=barcode_factory)
    (f,) = report.files
    assert "img1b.png" in f.message and "megapixels" in f.message
    with Library.open(tmp_path / "lib.sqlite") as lib:
        table = lib.frames(f.media_id)
    assert table.frame_index.tolist() == [0, 1, 2, 3] and table.has_pose.tolist() == [True, True, False, True]
