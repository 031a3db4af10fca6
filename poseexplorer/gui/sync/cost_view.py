"""A small view of an alignment's cost matrix with the DTW path and the current position; click to jump."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal


def display_cost(cost: np.ndarray, max_side: int = 400) -> tuple[np.ndarray, float, float]:
    """A (<= max_side)^2 block-mean of a (Ta, Tb) cost matrix for display, with the x and y scale factors.

    Non-finite entries are ignored in the mean (NaN where a whole block is non-finite).
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2 or cost.size == 0:
        raise ValueError(f"cost must be a non-empty (Ta, Tb) matrix, got {cost.shape}")
    sx = max(1, int(np.ceil(cost.shape[0] / max_side)))
    sy = max(1, int(np.ceil(cost.shape[1] / max_side)))
    pad = np.full((-(-cost.shape[0] // sx) * sx, -(-cost.shape[1] // sy) * sy), np.nan)
    pad[: cost.shape[0], : cost.shape[1]] = np.where(np.isfinite(cost), cost, np.nan)
    blocks = pad.reshape(pad.shape[0] // sx, sx, pad.shape[1] // sy, sy)
    with np.errstate(all="ignore"):
        small = np.nanmean(blocks, axis=(1, 3))
    return small, float(sx), float(sy)


class CostMatrixView(pg.PlotWidget):
    """Cost (x: reference frame, y: follower frame), the DTW path in white, the current pair as a dot.

    Emits `frameClicked(reference_frame)` when the user clicks inside the matrix.
    """

    frameClicked = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground((24, 24, 24))
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        plot = self.getPlotItem()
        plot.setLabel("bottom", "reference frame")
        plot.setLabel("left", "follower frame")
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setColorMap(pg.colormap.get("viridis"))
        self._path = pg.PlotCurveItem(pen=pg.mkPen((255, 255, 255), width=1.5))
        self._cursor = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(255, 60, 60), pen=pg.mkPen("w"))
        for item in (self._image, self._path, self._cursor):
            plot.addItem(item)
        self._shape = (0, 0)
        self.setMinimumSize(180, 160)
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_alignment(self, cost: np.ndarray, path: np.ndarray, y_scale: float = 1.0) -> None:
        """cost: (Ta, Tb); path: (L, 2) pairs (reference frame, follower frame).

        y_scale: follower frames per cost column (the cost may be on the follower resampled to the
        reference's fps); the path is given in follower frames already.
        """
        small, sx, sy = display_cost(cost)
        finite = small[np.isfinite(small)]
        levels = (float(np.percentile(finite, 2)), float(np.percentile(finite, 98))) if finite.size else (0, 1)
        # row-major image: rows are y (follower), columns x (reference)
        self._image.setImage(np.nan_to_num(small.T, nan=levels[1]), levels=levels)
        self._image.setRect(0, 0, small.shape[0] * sx, small.shape[1] * sy * y_scale)
        path = np.asarray(path, dtype=np.float64)
        self._path.setData(path[:, 0] + 0.5, path[:, 1] + 0.5)
        self._shape = (cost.shape[0], cost.shape[1] * y_scale)
        self.getPlotItem().setRange(xRange=(0, self._shape[0]), yRange=(0, self._shape[1]), padding=0)

    def clear_alignment(self) -> None:
        self._image.clear()
        self._path.setData([], [])
        self._cursor.setData([], [])
        self._shape = (0, 0)

    def set_cursor(self, ref_frame: int, follower_frame: int) -> None:
        self._cursor.setData([ref_frame + 0.5], [follower_frame + 0.5])

    def _on_click(self, event) -> None:
        if self._shape == (0, 0) or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.getPlotItem().vb.mapSceneToView(event.scenePos())
        x = int(np.floor(point.x()))
        if 0 <= x < self._shape[0] and 0 <= point.y() < self._shape[1]:
            self.frameClicked.emit(x)
