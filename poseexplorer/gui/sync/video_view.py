"""A plain video frame view: paints one decoded frame, letterboxed, with a caption. Takes arrays, not media.

Frames arrive as DecodedFrame (frame_loader): a QImage already converted and scaled in a decode thread to
`display_box()`, so paintEvent blits it unscaled. After a resize the old image is drawn scaled until the
owner has re-requested the frame at the new size (sizeChanged tells it to).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..frame_loader import Box, DecodedFrame
from ..views.skeleton_painter import draw_skeleton

SKELETON_COLOUR = (255, 140, 0)
CAPTION_H = 18


class VideoFrameView(QWidget):
    """Shows the current frame letterboxed in the widget, optionally flipped left/right, with a caption.

    Signal sizeChanged(): the widget settled at a new size (debounced); frames should be re-requested at
    display_box().
    """

    sizeChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: DecodedFrame | None = None
        self._image: QImage | None = None   # what is painted: the frame's image, flipped when asked
        self._caption = ""
        self._flipped = False
        self._xy: np.ndarray | None = None
        self._resized = QTimer(self)
        self._resized.setSingleShot(True)
        self._resized.setInterval(80)
        self._resized.timeout.connect(self.sizeChanged)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(96, 72)   # four views side by side fit a 1366 px screen

    def sizeHint(self) -> QSize:
        return QSize(420, 480)

    def display_box(self) -> tuple[int, int]:
        """The picture area in device pixels: what decode threads fit frames into."""
        dpr = self.devicePixelRatioF()
        return max(1, round(self.width() * dpr)), max(1, round((self.height() - CAPTION_H) * dpr))

    def set_frame(self, frame: DecodedFrame | None, caption: str = "", xy: np.ndarray | None = None) -> None:
        """Show a decoded frame; xy: optional (13, 2) COCO-13 keypoints in its pixels (NaN: absent)."""
        self._xy = None if xy is None else np.asarray(xy, np.float64)
        self._frame = frame
        self._image = None if frame is None else frame.image
        if self._image is not None:
            self._image.setDevicePixelRatio(self.devicePixelRatioF())
            if self._flipped:
                self._image = _flipped(self._image)  # of the small display image: cheap
        self._caption = caption
        self.update()

    def set_flipped(self, flipped: bool) -> None:
        if flipped != self._flipped:
            self._flipped = flipped
            self.set_frame(self._frame, self._caption, self._xy)

    def is_flipped(self) -> bool:
        return self._flipped

    def frame(self) -> np.ndarray | None:
        """The RGB array last shown (as decoded, not flipped): what a test reads back."""
        return None if self._frame is None else self._frame.rgb

    def image(self) -> QImage | None:
        """The QImage painted (scaled to the display box, flipped when asked)."""
        return self._image

    def caption(self) -> str:
        return self._caption

    def skeleton(self) -> np.ndarray | None:
        return self._xy

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._resized.start()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 24))
        if self._frame is not None:
            w, h = self._frame.size
            target = _fit(w, h, self.width(), self.height() - CAPTION_H)
            _draw_image(painter, target, self._image)
            if self._xy is not None:
                self._draw_skeleton(painter, target)
        painter.setPen(QColor(230, 230, 230))
        painter.drawText(QRectF(4, self.height() - CAPTION_H, self.width() - 8, CAPTION_H),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._caption)
        painter.end()

    def _draw_skeleton(self, painter: QPainter, target: QRectF) -> None:
        """The COCO-13 bones over the picture (mirrored with it when flipped)."""
        w = self._frame.size[0]
        scale = target.width() / max(w, 1)  # frame pixels -> widget pixels
        xs = self._xy[:, 0] if not self._flipped else w - self._xy[:, 0]
        pts = np.stack([target.x() + xs * scale, target.y() + self._xy[:, 1] * scale], axis=1)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        draw_skeleton(painter, pts, None, 0.0, 2.0, SKELETON_COLOUR, joints=False)


def _draw_image(painter: QPainter, target: QRectF, image: QImage) -> None:
    """Blit the image unscaled when it already has the target's size (the usual case), else scale it
    smoothly (just after a resize, until the re-requested frame arrives)."""
    dpr = image.devicePixelRatio()
    if abs(image.width() / dpr - target.width()) <= 1.0 and abs(image.height() / dpr - target.height()) <= 1.0:
        painter.drawImage(QPointF(round(target.x()), round(target.y())), image)
    else:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, image)


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
