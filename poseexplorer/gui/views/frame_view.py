"""FrameView: an image with a COCO-13 skeleton on top, in a zoomable, pannable pyqtgraph ViewBox.

Takes arrays only: set_image((H, W, 3) uint8), set_pose((13, 2) image coords, (13,) scores).
Low-visibility joints are hollow grey rings and their bones thin grey dashes.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...core.skeleton import COCO13_BONES
from .skeleton_style import BONE_COLOURS, JOINT_COLOURS, LOW_VISIBILITY

pg.setConfigOptions(imageAxisOrder="row-major")


class FrameView(pg.GraphicsLayoutWidget):
    """The viewer's canvas. Mouse wheel zooms, drag pans; fit() shows the whole frame."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground((25, 25, 28))
        self.viewbox = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.image_item = pg.ImageItem()
        self.viewbox.addItem(self.image_item)
        self._bones = [pg.PlotDataItem() for _ in COCO13_BONES]
        for item in self._bones:
            item.setZValue(10)
            self.viewbox.addItem(item)
        self.joints = pg.ScatterPlotItem(pxMode=True)
        self.joints.setZValue(11)
        self.viewbox.addItem(self.joints)
        self._image_shape: tuple[int, int] | None = None
        self.pose_visible_joints = 0   # how many joints were drawn as visible (for tests)

    def set_image(self, rgb: np.ndarray | None) -> None:
        if rgb is None:
            self.image_item.clear()
            self._image_shape = None
            return
        first = self._image_shape != rgb.shape[:2]
        self.image_item.setImage(rgb, autoLevels=False, levels=(0, 255))
        self._image_shape = rgb.shape[:2]
        if first:
            self.fit()

    def fit(self) -> None:
        if self._image_shape is not None:
            h, w = self._image_shape
            self.viewbox.setRange(xRange=(0, w), yRange=(0, h), padding=0.01)

    def zoom(self, factor: float) -> None:
        """Zoom about the view centre; factor > 1 zooms in."""
        self.viewbox.scaleBy((1.0 / factor, 1.0 / factor))

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
