"""ScatterView: a 2D point cloud (PCA of embeddings) that stays smooth with 100,000 points.

Speed: one ScatterPlotItem per colour group with a single brush (pxMode, no per-point brush lists),
rebuilt only when the data or the colouring changes; hover is rate-limited to 30 Hz and answered by a
KD-tree. Rectangle and lasso selection emit the chosen pose ids.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from matplotlib.path import Path as PolygonPath
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem
from scipy.spatial import cKDTree

HOVER_RADIUS_PX = 10.0


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Boolean mask of the (N, 2) points inside the closed (M, 2) polygon (M >= 3)."""
    if len(polygon) < 3 or len(points) == 0:
        return np.zeros(len(points), bool)
    return PolygonPath(np.asarray(polygon, dtype=np.float64)).contains_points(np.asarray(points, np.float64))


class _SelectViewBox(pg.ViewBox):
    """A ViewBox whose drags pan in "pan" mode and draw a rectangle or lasso in the other modes."""

    def __init__(self, owner: "ScatterView") -> None:
        super().__init__(lockAspect=True, enableMenu=False)
        self.owner = owner
        self.mode = "pan"
        self._path: list[QPointF] = []
        self.outline = pg.PlotCurveItem(pen=pg.mkPen((255, 255, 255), width=1.5, style=Qt.PenStyle.DashLine))
        self.outline.setZValue(100)
        self.addItem(self.outline, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 (Qt naming)
        if self.mode == "pan" or ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        pos = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            self._path = [self.mapSceneToView(ev.buttonDownScenePos())]
        self._path.append(pos)
        poly = self._polygon()
        closed = np.vstack([poly, poly[:1]])
        self.outline.setData(closed[:, 0], closed[:, 1])
        if ev.isFinish():
            self.owner._finish_selection(poly)
            self.outline.setData([], [])

    def _polygon(self) -> np.ndarray:
        pts = np.array([[p.x(), p.y()] for p in self._path])
        if self.mode == "rect":
            (x0, y0), (x1, y1) = pts[0], pts[-1]
            return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        return pts

    def mouseClickEvent(self, ev) -> None:  # noqa: N802
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.owner._click(self.mapSceneToView(ev.scenePos()))
        else:
            super().mouseClickEvent(ev)


class ScatterView(pg.PlotWidget):
    """Signals: hovered(pose_id, scene x, scene y) (-1 when nothing is near), clicked(pose_id),
    selected(object: np.ndarray of pose ids, or None for cleared)."""

    hovered = Signal(int, float, float)
    clicked = Signal(int)
    selected = Signal(object)

    def __init__(self, parent=None) -> None:
        self.vb = _SelectViewBox(self)
        super().__init__(parent, viewBox=self.vb)
        self.setBackground((25, 25, 28))
        self.showGrid(x=True, y=True, alpha=0.15)
        self.setLabel("bottom", "PC 1")
        self.setLabel("left", "PC 2")
        self._items: list[pg.ScatterPlotItem] = []
        self.device_cache = True
        self.xy = np.zeros((0, 2))
        self.pose_ids = np.zeros(0, np.int64)
        self._tree: cKDTree | None = None
        self._marks = {name: self._mark_item(*style) for name, style in
                       {"selection": (6, (255, 255, 255, 160), None, 50),
                        "results": (11, None, (255, 60, 200), 60),
                        "current": (16, None, (255, 255, 0), 70)}.items()}
        self.legend = self.addLegend(offset=(10, 10), labelTextSize="8pt")
        self._proxy = pg.SignalProxy(self.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)

    def _mark_item(self, size, brush, pen, z) -> pg.ScatterPlotItem:
        item = pg.ScatterPlotItem(pxMode=True, size=size, brush=pg.mkBrush(brush) if brush else None,
                                  pen=pg.mkPen(pen, width=2) if pen else None)
        item.setZValue(z)
        self.addItem(item)
        return item

    def set_mode(self, mode: str) -> None:
        if mode not in ("pan", "rect", "lasso"):
            raise ValueError(f"unknown scatter mode {mode!r}")
        self.vb.mode = mode

    def set_points(self, xy: np.ndarray, pose_ids: np.ndarray, groups: np.ndarray,
                   colours: list[tuple[int, int, int]], names: list[str] | None = None,
                   size: float = 5.0) -> None:
        """Replace all points. xy: (N, 2); groups: (N,) index into colours; names label the legend."""
        for item in self._items:
            self.removeItem(item)
        self._items = []
        self.legend.clear()
        self.xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        self.pose_ids = np.asarray(pose_ids, dtype=np.int64)
        self._tree = cKDTree(self.xy) if len(self.xy) else None
        groups = np.asarray(groups)
        for g, colour in enumerate(colours):
            mask = groups == g
            if not mask.any():
                continue
            item = pg.ScatterPlotItem(self.xy[mask, 0], self.xy[mask, 1], pxMode=True, size=size,
                                      pen=None, brush=pg.mkBrush(*colour, 200))
            if self.device_cache:   # panning blits the cached layer instead of redrawing every point
                item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.addItem(item)
            self._items.append(item)
            if names is not None and g < len(names) and names[g]:
                self.legend.addItem(item, names[g])
        self.autoRange()

    @property
    def point_count(self) -> int:
        return int(sum(len(item.data) for item in self._items))

    def _xy_of(self, pose_ids) -> np.ndarray:
        if pose_ids is None or len(self.pose_ids) == 0:
            return np.zeros((0, 2))
        return self.xy[np.isin(self.pose_ids, np.asarray(pose_ids))]

    def mark(self, name: str, pose_ids) -> None:
        """Overlay marks: "current" (one pose), "results", "selection"."""
        pts = self._xy_of(pose_ids)
        self._marks[name].setData(pts[:, 0], pts[:, 1]) if len(pts) else self._marks[name].setData([])

    def nearest(self, view_pos: QPointF, radius_px: float = HOVER_RADIUS_PX) -> int:
        """Pose id of the point nearest a view position within radius_px screen pixels, else -1."""
        if self._tree is None:
            return -1
        px = self.vb.viewPixelSize()
        dist, idx = self._tree.query([view_pos.x(), view_pos.y()])
        return int(self.pose_ids[idx]) if dist <= radius_px * max(px) else -1

    def _mouse_moved(self, args) -> None:
        scene_pos = args[0]
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            self.hovered.emit(-1, 0.0, 0.0)
            return
        pose_id = self.nearest(self.vb.mapSceneToView(scene_pos))
        self.hovered.emit(pose_id, scene_pos.x(), scene_pos.y())

    def _click(self, view_pos: QPointF) -> None:
        pose_id = self.nearest(view_pos)
        if pose_id >= 0:
            self.clicked.emit(pose_id)

    def _finish_selection(self, polygon: np.ndarray) -> None:
        inside = points_in_polygon(self.xy, polygon)
        self.selected.emit(self.pose_ids[inside] if inside.any() else None)
