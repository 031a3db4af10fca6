"""Image folders: natural order, formats, depth/channels, EXIF orientation, huge and tiny images."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from poseexplorer.io import ImageFolderReader, MediaError, open_media, read_image
from poseexplorer.io.images import MAX_IMAGE_PIXELS, apply_orientation, natural_key, to_rgb8


def _rgb(h=40, w=60, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_natural_sort_matches_a_slow_reference():
    names = ["img10.jpg", "img2.jpg", "Img1.jpg", "img1b.jpg", "a.png", "img02.jpg", "z100.png", "z20.png"]

    def slow(name):
        import re
        return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name) if p]

    ours = sorted(names, key=natural_key)
    assert [n for n in ours if n.startswith(("z", "a"))] == ["a.png", "z20.png", "z100.png"]
    assert ours.index("img2.jpg") < ours.index("img10.jpg")
    assert [slow(n) for n in ours] == sorted(slow(n) for n in names)


def _smooth(h=40, w=60):
    """Distinct smooth channels (R ramps in x, G in y, B flat): survives JPEG, shows channel order."""
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x * 255 // w, y * 255 // h, np.full_like(x, 30)]).astype(np.uint8)


@pytest.mark.parametrize("ext", ["jpg", "png", "bmp", "webp", "tiff", "tif"])
def test_formats_read_as_rgb(tmp_path, ext):
    img = _smooth()
    path = tmp_path / f"x.{ext}"
    assert cv2.imwrite(str(path), img[:, :, ::-1])
    got = read_image(path)
    assert got.dtype == np.uint8 and got.shape == img.shape
    tol = 4 if ext in ("jpg", "webp") else 0
    assert np.abs(got.astype(int) - img).mean() <= tol


def test_gray_rgba_16bit_and_float_become_rgb8():
    gray = np.array([[0, 128], [255, 7]], np.uint8)
    assert np.array_equal(to_rgb8(gray), np.repeat(gray[:, :, None], 3, axis=2))
    bgra = np.zeros((1, 2, 4), np.uint8)
    bgra[0, 0] = (255, 0, 0, 255)      # opaque blue
    bgra[0, 1] = (0, 0, 0, 0)          # fully transparent -> white
    assert to_rgb8(bgra).tolist() == [[[0, 0, 255], [255, 255, 255]]]
    deep = np.array([[0, 65535, 32768]], np.uint16)
    assert to_rgb8(deep)[0, :, 0].tolist() == [0, 255, 128]
    assert to_rgb8(np.array([[0.0, 1.0, 2.0]], np.float32))[0, :, 1].tolist() == [0, 255, 255]


def test_16bit_and_rgba_files(tmp_path):
    deep = (np.linspace(0, 65535, 30 * 20).reshape(20, 30)).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "deep.png"), deep)
    cv2.imwrite(str(tmp_path / "deep.tiff"), np.dstack([deep] * 3))
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 1] = 200
    rgba[:5, :, 3] = 255
    cv2.imwrite(str(tmp_path / "alpha.png"), rgba)
    for name in ("deep.png", "deep.tiff"):
        got = read_image(tmp_path / name)
        assert got.shape == (20, 30, 3) and got[-1, -1, 0] == 255 and got[0, 0, 0] == 0
    got = read_image(tmp_path / "alpha.png")
    assert got[0, 0].tolist() == [0, 200, 0] and got[9, 9].tolist() == [255, 255, 255]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow(tmp_path, orientation):
    img = _rgb(30, 50, seed=orientation)
    img[:8, :8] = 255  # a marker in a corner makes flips visible
    pil = Image.fromarray(img)
    exif = pil.getexif()
    exif[0x0112] = orientation
    path = tmp_path / "o.png"
    pil.save(path, exif=exif.tobytes())
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    got = read_image(path)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)
    assert np.array_equal(apply_orientation(img, orientation), expected)


def test_folder_order_sizes_and_odd_names(tmp_path):
    folder = tmp_path / "my photos ünïcødé"
    folder.mkdir()
    for i in (10, 2, 1):
        cv2.imwrite(str(folder / f"frame {i}.png"), np.full((20 + i, 30, 3), i, np.uint8))
    (folder / "notes.txt").write_text("ignored")
    (folder / ".hidden.png").write_bytes(b"")
    with open_media(folder) as r:
        assert isinstance(r, ImageFolderReader)
        assert [p.name for p in r.paths] == ["frame 1.png", "frame 2.png", "frame 10.png"]
        assert len(r) == 3 and r.fps == 0.0 and r.size == (30, 21)
        assert r.read(2).shape == (30, 30, 3) and r.read(2)[0, 0, 0] == 10
        with pytest.raises(IndexError):
            r.read(3)


def test_huge_image_is_downscaled_and_tiny_is_kept(tmp_path):
    wide = np.zeros((1400, 30000, 3), np.uint8)
    wide[:, ::100] = 255
    cv2.imwrite(str(tmp_path / "huge.jpg"), wide)          # decoded at reduced size by libjpeg
    got = read_image(tmp_path / "huge.jpg")
    assert got.shape[0] * got.shape[1] <= MAX_IMAGE_PIXELS
    assert abs(got.shape[1] / got.shape[0] - 30000 / 1400) < 0.2
    cv2.imwrite(str(tmp_path / "wide.png"), wide[:100, :3000])   # other formats: decoded, then resized
    got = read_image(tmp_path / "wide.png", max_pixels=30_000)
    assert got.shape[0] * got.shape[1] <= 30_000 and abs(got.shape[1] / got.shape[0] - 30) < 1
    cv2.imwrite(str(tmp_path / "tiny.png"), np.full((3, 2, 3), 9, np.uint8))
    assert read_image(tmp_path / "tiny.png").shape == (3, 2, 3)


def test_bad_images(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(MediaError, match="empty"):
        read_image(tmp_path / "empty.jpg")
    with pytest.raises(MediaError, match="not a readable image"):
        read_image(tmp_path / "text.png")
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    (empty_dir / "a.txt").write_text("x")
    with pytest.raises(MediaError, match="no images"):
        open_media(empty_dir)
