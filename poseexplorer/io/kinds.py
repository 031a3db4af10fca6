"""Which kind of media a path holds, decided from names only (no decoding, no cv2)."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import MediaError

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv",
                              ".3gp", ".ts", ".mts"})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
KEYPOINT_EXTENSIONS = frozenset({".json", ".csv", ".npz"})


def media_kind(path: str | os.PathLike) -> str:
    """"video", "images" (an image file or a folder of images) or "keypoints" (a keypoint file, or a
    folder of OpenPose JSON files). MediaError when the path is missing or of no known kind."""
    p = Path(path)
    if p.is_dir():
        return _folder_kind(p)
    if not p.exists():
        raise MediaError(f"{p}: no such file or folder")
    ext = p.suffix.lower()
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in IMAGE_EXTENSIONS:
        return "images"
    if ext in KEYPOINT_EXTENSIONS:
        return "keypoints"
    raise MediaError(f"{p}: unsupported file type {ext or '(no extension)'!r}; expected a video "
                     f"({', '.join(sorted(VIDEO_EXTENSIONS))}), an image, an image folder or a keypoint file")


def _folder_kind(folder: Path) -> str:
    """A folder is "images" if it holds an image, else "keypoints" if it holds JSON files."""
    has_json = False
    with os.scandir(folder) as it:
        for entry in it:
            ext = os.path.splitext(entry.name)[1].lower()
            if ext in IMAGE_EXTENSIONS:
                return "images"
            has_json = has_json or ext == ".json"
    if has_json:
        return "keypoints"
    raise MediaError(f"{folder}: the folder holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))}) "
                     "and no OpenPose JSON files")
