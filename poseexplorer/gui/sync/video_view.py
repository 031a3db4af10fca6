"""A plain video frame view: paints one RGB frame, scaled to fit, with a caption. Takes arrays, not media."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from ...core.skeleton import COCO13_BONES

SKELETON_COLOUR = QColor(255, 140, 0)
from PySide6.QtWidgets import QSizePolicy, QWidget


def qimage_from_rgb(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of an (H, W, 3) uint8 RGB array."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB frame, got {rgb.shape}")
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class VideoFrameView(QWidget):
    """Shows the current frame letterboxed in the widget, optionally flipped left/right, with a caption."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._rgb: np.ndarray | None = None
        self._caption = ""
        self._flipped = False
        self._xy: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)

    def sizeHint(self) -> QSize:
        return QSize(420, 480)

    def set_frame(self, rgb: np.ndarray | None, caption: str = "", xy: np.ndarray | None = None) -> None:
        """Show an (H, W, 3) RGB frame; xy: optional (13, 2) COCO-13 keypoints in its pixels (NaN: absent)."""
        self._xy = None if xy is None else np.asarray(xy, np.float64)
        self._rgb = None if rgb is None else np.asarray(rgb)
        self._image = None if rgb is None else qimage_from_rgb(self._rgb)
        if self._image is not None and self._flipped:
            self._image = _flipped(self._image)
        self._caption = caption
        self.update()

    def set_flipped(self, flipped: bool) -> None:
        if flipped != self._flipped:
            self._flipped = flipped
            self.set_frame(self._rgb, self._caption, self._xy)

    def is_flipped(self) -> bool:
        return self._flipped

    def frame(self) -> np.ndarray | None:
        """The RGB array last shown (not flipped): what a test reads back."""
        return self._rgb

    def caption(self) -> str:
        return self._caption

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 24))
        if self._image is not None:
            target = _fit(self._image.width(), self._image.height(), self.width(), self.height() - 18)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, self._image)
            if self._xy is not None:
                self._draw_skeleton(painter, target)
        painter.setPen(QColor(230, 230, 230))
        painter.drawText(QRectF(4, self.height() - 18, self.width() - 8, 18),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._caption)
        painter.end()


    def skeleton(self) -> np.ndarray | None:
        return self._xy

    def _draw_skeleton(self, painter: QPainter, target: QRectF) -> None:
        """The COCO-13 bones over the picture (mirrored with it when flipped)."""
        scale = target.width() / max(self._image.width(), 1)  # frame pixels -> widget pixels
        xs = self._xy[:, 0] if not self._flipped else self._image.width() - self._xy[:, 0]
        pts = [QPointF(target.x() + x * scale, target.y() + y * scale) for x, y in zip(xs, self._xy[:, 1])]
        ok = np.isfinite(self._xy).all(axis=1)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(SKELETON_COLOUR, 2.0))
        painter.drawLines([QLineF(pts[i], pts[j]) for i, j in COCO13_BONES if ok[i] and ok[j]])


def _flipped(image: QImage) -> QImage:
    """The image flipped left/right (QImage.flipped from Qt 6.9, mirrored before)."""
    if hasattr(image, "flipped"):
        return image.flipped(Qt.Orientation.Horizontal)
    return image.mirrored(True, False)


def _fit(w: int, h: int, box_w: int, box_h: int) -> QRectF:
    """The largest rectangle of aspect w:h centred in a box_w x box_h box."""
    scale = min(box_w / max(w, 1), max(box_h, 1) / max(h, 1))
    dw, dh = w * scale, h * scale
    return QRectF((box_w - dw) / 2, (box_h - dh) / 2, dw, dh)
