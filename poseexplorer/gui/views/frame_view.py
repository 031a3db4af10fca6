"""FrameView: a video frame with a COCO-13 skeleton on top, in a zoomable, pannable pyqtgraph ViewBox.

Takes a DecodedFrame (frame_loader: the RGB array and a QImage already scaled in the decode thread to
`display_box()`), so painting is a blit, not a 1080p conversion and scale in the GUI thread; and
set_pose((13, 2) image coords, (13,) scores). Low-visibility joints are hollow grey rings and their bones
thin grey dashes. When a zoom or resize needs another resolution, displaySizeChanged asks the owner to
re-request the frame; the old image is drawn scaled until it arrives.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter

from ...core.skeleton import COCO13_BONES
from ..frame_loader import Box, DecodedFrame, fitted_size
from .people_overlay import PeopleOverlay
from .skeleton_style import BONE_COLOURS, JOINT_COLOURS, LOW_VISIBILITY

pg.setConfigOptions(imageAxisOrder="row-major")
RESOLUTION_SLACK = 1.15  # re-request when the view needs this much more (or less) resolution than it has


class PictureItem(pg.GraphicsObject):
    """A QImage covering (0, 0)-(w, h) in frame pixels, whatever its own resolution."""

    def __init__(self) -> None:
        super().__init__()
        self.image: QImage | None = None
        self._rect = QRectF()

    def set_image(self, image: QImage | None, size: tuple[int, int] = (0, 0)) -> None:
        self.prepareGeometryChange()
        self.image, self._rect = image, QRectF(0, 0, size[0], size[1])
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        return QRectF(self._rect)

    def device_size(self) -> tuple[float, float]:
        """The frame's size on screen in device pixels (0, 0 when not shown)."""
        if self.image is None or self.scene() is None or not self.scene().views():
            return 0.0, 0.0
        rect = self.mapRectToDevice(self._rect)
        dpr = self.scene().views()[0].devicePixelRatioF()
        return (rect.width() * dpr, rect.height() * dpr) if rect is not None else (0.0, 0.0)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.image is None:
            return
        t = painter.transform()
        device = t.mapRect(self._rect)
        dpr = self.image.devicePixelRatio()
        if not t.isRotating() and abs(device.width() - self.image.width() / dpr) <= 1.0 \
                and abs(device.height() - self.image.height() / dpr) <= 1.0:
            painter.save()  # the image has the on-screen size already: a blit at device pixels
            painter.resetTransform()
            painter.drawImage(QPointF(round(device.x()), round(device.y())), self.image)
            painter.restore()
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(self._rect, self.image)


class FrameView(pg.GraphicsLayoutWidget):
    """The viewer's canvas. Mouse wheel zooms, drag pans; fit() shows the whole frame.

    Signal displaySizeChanged(): a zoom or resize (settled) needs the frame at another resolution;
    clicked(x, y): a left click (not a drag) at that point, in frame pixels.
    """

    displaySizeChanged = Signal()
    clicked = Signal(float, float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground((25, 25, 28))
        self.viewbox = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.picture = PictureItem()
        self.viewbox.addItem(self.picture)
        self._frame: DecodedFrame | None = None
        self._message = ""
        self._settled = QTimer(self)
        self._settled.setSingleShot(True)
        self._settled.setInterval(80)
        self._settled.timeout.connect(self._check_resolution)
        self.viewbox.sigTransformChanged.connect(lambda *_: self._settled.start())
        self._bones = [pg.PlotDataItem() for _ in COCO13_BONES]
        for item in self._bones:
            item.setZValue(10)
            self.viewbox.addItem(item)
        self.joints = pg.ScatterPlotItem(pxMode=True)
        self.joints.setZValue(11)
        self.viewbox.addItem(self.joints)
        self.people = PeopleOverlay(self.viewbox)
        self.scene().sigMouseClicked.connect(self._scene_clicked)
        self._image_shape: tuple[int, int] | None = None
        self.pose_visible_joints = 0   # how many joints were drawn as visible (for tests)

    def set_frame(self, frame: DecodedFrame | None) -> None:
        """Show a decoded frame (None: nothing); a frame of a new size is fitted to the view."""
        self._frame = frame
        if frame is None:
            self.picture.set_image(None)
            self._image_shape = None
            return
        w, h = frame.size
        first = self._image_shape != (h, w)
        frame.image.setDevicePixelRatio(self.devicePixelRatioF())
        self.picture.set_image(frame.image, (w, h))
        self._image_shape = (h, w)
        if first:
            self.fit()

    def set_message(self, text: str) -> None:
        """A line of text centred over the view ("opening…", a read error); "" for none."""
        self._message = text
        self.viewport().update()

    def message(self) -> str:
        return self._message

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 (Qt name)
        super().drawForeground(painter, rect)
        if self._message:
            painter.save()
            painter.resetTransform()
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._message)
            painter.restore()

    def frame(self) -> np.ndarray | None:
        """The RGB array of the frame shown (as decoded): what tests read back."""
        return None if self._frame is None else self._frame.rgb

    def display_box(self) -> Box:
        """The device-pixel box to decode the shown (or next) frame into: its size on screen at the current
        zoom, or the whole view before a frame of that size was fitted."""
        dpr = self.devicePixelRatioF()
        view = (max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
        w, h = self.picture.device_size()
        return (max(1, round(w)), max(1, round(h))) if w >= 1 and h >= 1 else view

    def needs_new_resolution(self) -> bool:
        """True when the shown image is much coarser or finer than its size on screen (after a zoom or
        a resize), and a frame decoded at display_box() would look different."""
        if self._frame is None:
            return False
        want = fitted_size(*self._frame.size, self.display_box())
        have = (self._frame.image.width(), self._frame.image.height())
        ratio = max(want[0] / max(have[0], 1), have[0] / max(want[0], 1))
        return ratio > RESOLUTION_SLACK

    def _check_resolution(self) -> None:
        if self.needs_new_resolution():
            self.displaySizeChanged.emit()

    def fit(self) -> None:
        if self._image_shape is not None:
            h, w = self._image_shape
            self.viewbox.setRange(xRange=(0, w), yRange=(0, h), padding=0.01)

    def zoom(self, factor: float) -> None:
        """Zoom about the view centre; factor > 1 zooms in."""
        self.viewbox.scaleBy((1.0 / factor, 1.0 / factor))

    def _scene_clicked(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not event.double():
            point = self.viewbox.mapSceneToView(event.scenePos())
            self.clicked.emit(float(point.x()), float(point.y()))

    def set_people(self, xy: np.ndarray, scores: np.ndarray, colours: list[tuple[int, int, int]],
                   labels: list[str], selected: int = -1, min_visibility: float = 0.5) -> None:
        """Every person of the frame in its track colour (see PeopleOverlay); set_pose draws the selected one."""
        self.people.set_people(xy, scores, colours, labels, selected, min_visibility)

    def set_pose(self, xy: np.ndarray | None, scores: np.ndarray | None = None, min_visibility: float = 0.5,
                 colour: tuple[int, int, int] | None = None) -> None:
        """Draw one pose (or none). colour overrides the left/right colours (e.g. by ambiguity)."""
        if xy is None:
            for item in self._bones:
                item.setData([], [])
            self.joints.setData([])
            self.pose_visible_joints = 0
            return
        xy = np.asarray(xy, dtype=np.float64)
        vis = np.ones(13, bool) if scores is None else np.asarray(scores) >= min_visibility
        for item, (a, b), col in zip(self._bones, COCO13_BONES, BONE_COLOURS):
            good = bool(vis[a] and vis[b])
            pen = pg.mkPen(colour or col, width=3) if good else pg.mkPen(LOW_VISIBILITY, width=1.5,
                                                                         style=Qt.PenStyle.DashLine)
            item.setData(xy[[a, b], 0], xy[[a, b], 1], pen=pen)
        spots = [{"pos": xy[j], "size": 9 if vis[j] else 8,
                  "brush": pg.mkBrush(colour or JOINT_COLOURS[j]) if vis[j] else pg.mkBrush(0, 0, 0, 0),
                  "pen": pg.mkPen(20, 20, 20) if vis[j] else pg.mkPen(LOW_VISIBILITY, width=1.5),
                  "symbol": "o"} for j in range(13)]
        self.joints.setData(spots)
        self.pose_visible_joints = int(vis.sum())
