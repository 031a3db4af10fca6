"""Pose crops: the region of a frame around a pose, with its skeleton drawn, as a QImage.

Uses only QImage/QPainter (no widgets), so it is safe inside a worker thread.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from .skeleton_painter import draw_skeleton


def pose_box(xy: np.ndarray, scores: np.ndarray | None, image_size: tuple[int, int] | None,
             margin: float = 0.25, min_visibility: float = 0.2) -> tuple[float, float, float, float]:
    """Square box (x0, y0, side, side) around the visible joints, widened by `margin`. xy: (13, 2)."""
    pts = np.asarray(xy, dtype=np.float64)
    if scores is not None:
        good = np.asarray(scores) >= min_visibility
        if good.sum() >= 2:
            pts = pts[good]
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) == 0:
        w, h = image_size or (1, 1)
        return 0.0, 0.0, float(max(w, h)), float(max(w, h))
    lo, hi = pts.min(0), pts.max(0)
    side = max(hi - lo) * (1 + 2 * margin)
    side = max(side, 16.0)
    cx, cy = (lo + hi) / 2
    return float(cx - side / 2), float(cy - side / 2), float(side), float(side)


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A deep-copied QImage of an (H, W, 3) uint8 array."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _draw_region(painter: QPainter, frame_rgb: np.ndarray, x0: float, y0: float, side: float,
                 scale: float) -> None:
    """Draw only the part of the frame inside the box (no copy of the whole frame)."""
    h, w = frame_rgb.shape[:2]
    xa, ya = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    xb, yb = min(w, int(np.ceil(x0 + side))), min(h, int(np.ceil(y0 + side)))
    if xb <= xa or yb <= ya:
        return
    target = QRectF((xa - x0) * scale, (ya - y0) * scale, (xb - xa) * scale, (yb - ya) * scale)
    painter.drawImage(target, rgb_to_qimage(frame_rgb[ya:yb, xa:xb]))


def render_crop(frame_rgb: np.ndarray | None, xy: np.ndarray, scores: np.ndarray | None, size: int = 128,
                min_visibility: float = 0.5, colour: tuple[int, int, int] | None = None) -> QImage:
    """A size x size crop around the pose; a skeleton on dark grey when no frame is given."""
    h, w = (frame_rgb.shape[:2] if frame_rgb is not None else (0, 0))
    x0, y0, side, _ = pose_box(xy, scores, (w, h) if frame_rgb is not None else None)
    out = QImage(size, size, QImage.Format.Format_RGB888)
    out.fill(QColor(40, 40, 44))
    scale = size / side
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    if frame_rgb is not None:
        _draw_region(painter, frame_rgb, x0, y0, side, scale)
    local = (np.asarray(xy, dtype=np.float64) - [x0, y0]) * scale
    draw_skeleton(painter, local, scores, min_visibility, max(1.5, size / 64), colour)
    painter.end()
    return out


def qimage_to_array(image: QImage) -> np.ndarray:
    """(H, W, 3) uint8 copy of a QImage (for tests and screenshots)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = image.width(), image.height(), image.bytesPerLine()
    buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    return buf[:, : 3 * w].reshape(h, w, 3).copy()


def with_badge(image: QImage, colour: tuple[int, int, int]) -> QImage:
    """A copy of the image with a dot of `colour` in its top-left corner (a result's person track)."""
    out = image.copy()
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QColor(20, 20, 20))
    painter.setBrush(QColor(*colour))
    r = max(4.0, out.width() / 16)
    painter.drawEllipse(QRectF(3, 3, 2 * r, 2 * r))
    painter.end()
    return out
