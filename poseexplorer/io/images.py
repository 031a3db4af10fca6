"""Still images and image folders as media: natural sort, EXIF orientation, any depth or channel count.

Every image becomes RGB uint8 (H, W, 3): grayscale is replicated, RGBA is composited over white,
16-bit is scaled by 255/65535 and float by 255. EXIF orientation is applied (OpenCV ignores it when
reading unchanged depth/alpha, so it is read from the header with Pillow and applied here). Images over
MAX_IMAGE_PIXELS are downscaled while reading (JPEG: by the decoder itself), so a 30000 px wide scan
costs tens of MB, not gigabytes; keypoints are then in the pixels of the image read() returns.
"""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .errors import MediaError
from .kinds import IMAGE_EXTENSIONS
from .video import check_readable_file

MAX_IMAGE_PIXELS = 40_000_000   # larger images are downscaled to this while reading
HARD_MAX_PIXELS = 200_000_000   # images that would decode to more than this are refused (bombs)
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key that orders "img2" before "img10" (digit runs compare as numbers)."""
    return tuple((0, int(part), part) if part.isdigit() else (1, 0, part.lower())
                 for part in _DIGITS.split(name) if part)


def list_images(folder: str | os.PathLike) -> list[str]:
    """Names of the image files in a folder (not recursive, hidden files skipped), naturally sorted."""
    names = []
    with os.scandir(folder) as it:
        for entry in it:
            if entry.name.startswith(".") or os.path.splitext(entry.name)[1].lower() not in IMAGE_EXTENSIONS:
                continue
            try:
                regular = entry.is_file()
            except OSError:   # a symlink loop: kept, so that reading it reports this entry by name
                regular = True
            if regular:
                names.append(entry.name)
    names.sort(key=natural_key)
    return names


def _header(path: Path) -> tuple[tuple[int, int] | None, int]:
    """((width, height) or None, EXIF orientation 1..8) from the file header, without decoding pixels.

    Pillow's open() reads only the header; its EXIF is read from header chunks only (PNG's getexif()
    would decode the whole image to look for a late eXIf chunk)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return None, 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            old, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None   # the size check is ours, below
            try:
                with Image.open(path) as im:
                    return im.size, _orientation(im)
            finally:
                Image.MAX_IMAGE_PIXELS = old
    except Exception:  # noqa: BLE001 - an unknown header is decided by the decoder below
        return None, 1


def _orientation(im) -> int:
    """EXIF orientation from what Pillow has read so far (never triggers a decode)."""
    from PIL import Image

    if im.format == "PNG":
        raw = im.info.get("exif")
        if not raw:
            return 1
        exif = Image.Exif()
        exif.load(raw)
    else:
        exif = im.getexif()
    value = exif.get(0x0112, 1)
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else 1


def check_pixels(path: Path, size: tuple[int, int] | None) -> None:
    """MediaError for an image whose header declares more pixels than can be read within memory (a
    decompression bomb): JPEG is downscaled by its decoder (up to 8x per side), others decode whole."""
    if size is None:
        return
    pixels = int(size[0]) * int(size[1])
    jpeg = path.suffix.lower() in (".jpg", ".jpeg")
    limit = HARD_MAX_PIXELS * (64 if jpeg else 1)
    if pixels > limit:
        raise MediaError(f"{path}: the image declares {size[0]} x {size[1]} pixels ({pixels / 1e6:.0f} megapixels), "
                         f"more than this program reads ({limit / 1e6:.0f} megapixels); scale it down first")


def apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    """Turn a stored image upright according to its EXIF orientation tag (1..8)."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
        8: lambda a: np.rot90(a, 1),
    }
    op = ops.get(int(orientation))
    return img if op is None else np.ascontiguousarray(op(img))


def to_rgb8(img: np.ndarray) -> np.ndarray:
    """Any OpenCV-decoded image (gray, BGR, BGRA; uint8/uint16/float) -> RGB uint8 (H, W, 3)."""
    if img.dtype == np.uint16:
        img = (img.astype(np.float32) * (255.0 / 65535.0) + 0.5).astype(np.uint8)
    elif img.dtype.kind == "f":
        img = (np.clip(np.nan_to_num(img), 0, 1) * 255 + 0.5).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    if img.shape[2] == 4:
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0
        rgb = img[:, :, 2::-1].astype(np.float32)
        return (rgb * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
    if img.shape[2] == 1:
        return cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2RGB)
    return np.ascontiguousarray(img[:, :, 2::-1])


def read_image(path: str | os.PathLike, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """One image file -> upright RGB uint8 (H, W, 3), downscaled to at most max_pixels. MediaError if unreadable."""
    path = Path(path)
    check_readable_file(path)
    size, orientation = _header(path)
    check_pixels(path, size)
    data = np.fromfile(str(path), dtype=np.uint8)  # not cv2.imread: it cannot report why it failed
    flags = cv2.IMREAD_UNCHANGED
    if size is not None and size[0] * size[1] > max_pixels and path.suffix.lower() in (".jpg", ".jpeg"):
        factor = size[0] * size[1] / max_pixels
        flags = (cv2.IMREAD_REDUCED_COLOR_8 if factor > 16 else cv2.IMREAD_REDUCED_COLOR_4 if factor > 4
                 else cv2.IMREAD_REDUCED_COLOR_2) | cv2.IMREAD_IGNORE_ORIENTATION
    img = cv2.imdecode(data, flags)
    del data
    if img is None:
        raise MediaError(f"{path}: not a readable image (corrupt, truncated or of an unsupported format)")
    img = to_rgb8(img)
    pixels = img.shape[0] * img.shape[1]
    if pixels > max_pixels:
        scale = (max_pixels / pixels) ** 0.5
        img = cv2.resize(img, (max(1, int(img.shape[1] * scale)), max(1, int(img.shape[0] * scale))),
                         interpolation=cv2.INTER_AREA)
    return apply_orientation(img, orientation)


class ImageFolderReader:
    """A folder of images (or one image file) as a sequence of frames, in natural name order."""

    kind = "images"
    fps = 0.0

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self.folder = self.path
            try:
                self.names = list_images(self.path)
            except OSError as exc:
                raise MediaError(f"{self.path}: cannot list the folder ({exc.strerror or exc})") from exc
            if not self.names:
                raise MediaError(f"{self.path}: the folder holds no images "
                                 f"({', '.join(sorted(IMAGE_EXTENSIONS))})")
        else:
            check_readable_file(self.path)
            self.folder, self.names = self.path.parent, [self.path.name]
        self._size: tuple[int, int] | None = None

    @property
    def paths(self) -> list[Path]:
        return [self.folder / n for n in self.names]

    def path_of(self, index: int) -> Path:
        return self.folder / self.names[index]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the first image as read() returns it ((0, 0) if it is unreadable)."""
        if self._size is None:
            try:
                img = self.read(0)
                self._size = (int(img.shape[1]), int(img.shape[0]))
            except MediaError:
                self._size = (0, 0)
        return self._size

    def __len__(self) -> int:
        return len(self.names)

    def read(self, index: int) -> np.ndarray:
        """Image `index` as RGB uint8 (H, W, 3); MediaError when that file cannot be read."""
        if not 0 <= int(index) < len(self.names):
            raise IndexError(f"image index {index} out of range (0..{len(self.names) - 1})")
        return read_image(self.path_of(int(index)))

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        stop = len(self.names) if stop is None else min(stop, len(self.names))
        for i in range(start, stop):
            yield i, self.read(i)

    def close(self) -> None:
        pass

    def __enter__(self) -> "ImageFolderReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
