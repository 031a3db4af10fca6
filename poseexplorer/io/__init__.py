"""Media reading: videos, image folders and keypoint files from other detectors.

Videos decode through PyAV (exact seeks by presentation timestamp, variable frame rates included), images
through Pillow/cv2; all imported lazily, so `import poseexplorer.io` stays light. Public API:

    reader = open_media(path)      # video file, image file, image folder (or keypoint file: blank frames)
    len(reader)                    # number of frames (images in a folder)
    reader.fps                     # float; 0.0 for image folders
    reader.size                    # (width, height) of frame 0, after rotation metadata / EXIF
    reader.read(i)                 # RGB uint8 (H, W, 3), frame-accurate (see video.py for how)
    reader.iter_frames(start, stop)  # fast sequential (index, frame) pairs
    reader.close()                 # also a context manager

    VideoReader(path)              # .rotation (degrees from metadata, already applied), .count_frames()
    ImageFolderReader(path)        # natural sort; jpg/jpeg/png/bmp/webp/tif/tiff; EXIF orientation;
                                   # grayscale, RGBA (over white) and 16-bit inputs become RGB uint8;
                                   # .paths (list[Path]); images larger than MAX_IMAGE_PIXELS are downscaled
    read_keypoint_file(path) -> KeypointTrack   # COCO keypoint JSON, OpenPose JSON (file or folder),
                                                # CSV / NPZ of COCO-13 points with scores (keypoint_files.py)
    KeypointTrack: frozen; frame_index (T,) int64, xy (T, 13, 2) float32 px (NaN = no person),
                   scores (T, 13) float32, fps float, size (w, h) | None, source str,
                   person, track (T,) int64 | None (several people per frame)
    media_kind(path) -> "video" | "images" | "keypoints"    # MediaError if none
    MediaError: every unreadable input (clear message naming the file and the reason)
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import MediaError
from .kinds import IMAGE_EXTENSIONS, KEYPOINT_EXTENSIONS, VIDEO_EXTENSIONS, media_kind

_LAZY = {
    "open_media": ".media",
    "MediaReader": ".media",
    "VideoReader": ".video",
    "ImageFolderReader": ".images",
    "read_image": ".images",
    "MAX_IMAGE_PIXELS": ".images",
    "KeypointTrack": ".keypoint_files",
    "read_keypoint_file": ".keypoint_files",
    "write_keypoint_csv": ".keypoint_files",
    "write_keypoint_npz": ".keypoint_files",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MediaError", "media_kind", "IMAGE_EXTENSIONS", "VIDEO_EXTENSIONS", "KEYPOINT_EXTENSIONS",
           *_LAZY]
