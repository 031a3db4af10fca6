"""Image jobs the GUI runs on JobWorkers: media thumbnails and pose crops as QImages.

None touches a widget: QImage is not a widget and may be built in any thread. The library's own jobs
(import, snapshot, removal) are headless and live in poseexplorer.session.library_jobs.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..jobs import Cancelled, CancelCheck, Job, Progress
from ..session.snapshot import MediaRow


def thumbnail_job(media: list[MediaRow], size: int = 72) -> Job:
    """First frame of each media, scaled to `size`; returns {media_id: QImage} (failures are skipped)."""
    def job(progress: Progress, cancel: CancelCheck) -> dict:
        from PySide6.QtCore import Qt

        from ..io import open_media
        from .views.pose_crop import rgb_to_qimage

        out = {}
        for i, m in enumerate(media):
            if cancel():
                raise Cancelled()
            progress(i, len(media), m.name)
            try:
                with open_media(m.path) as reader:
                    rgb = reader.read(0)
            except Exception:  # a missing or broken file keeps its placeholder icon
                continue
            step = max(1, min(rgb.shape[:2]) // (2 * size))   # cheap numpy decimation first: QImage
            small = rgb_to_qimage(rgb[::step, ::step])          # scaling holds the GIL
            out[m.media_id] = small.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation)
        return out
    return job


def crop_job(requests: list[tuple[int, str, int, np.ndarray, np.ndarray]], size: int = 128,
             min_visibility: float = 0.5) -> Job:
    """Pose crops for (pose_id, media path, frame, xy (13, 2), scores (13,)) -> {pose_id: QImage}.

    Frames of the same media are read in frame order through one reader."""
    def job(progress: Progress, cancel: CancelCheck) -> dict:
        from ..io import open_media
        from .views.pose_crop import render_crop

        out: dict[int, Any] = {}
        by_path: dict[str, list] = {}
        for req in requests:
            by_path.setdefault(req[1], []).append(req)
        done = 0
        for path, reqs in by_path.items():
            try:
                reader = open_media(path)
            except Exception:
                reader = None
            try:
                for pose_id, _, frame, xy, scores in sorted(reqs, key=lambda r: r[2]):
                    if cancel():
                        raise Cancelled()
                    rgb = _read_or_none(reader, frame)
                    out[pose_id] = render_crop(rgb, xy, scores, size, min_visibility)
                    done += 1
                    progress(done, len(requests), "crops")
            finally:
                if reader is not None:
                    reader.close()
        return out
    return job


def _read_or_none(reader: Any, frame: int) -> np.ndarray | None:
    if reader is None:
        return None
    try:
        return reader.read(int(frame))
    except Exception:
        return None
