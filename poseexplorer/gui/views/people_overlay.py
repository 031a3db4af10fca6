"""PeopleOverlay: every person of a frame drawn on a pyqtgraph ViewBox, one colour per person track.

The selected person gets a wide halo in its colour (the FrameView draws its skeleton on top, by side);
the others are drawn thinner in their colours, low-visibility bones dashed. Each tracked person is
labelled above the head. Takes arrays only.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...core.skeleton import COCO13_BONES

_BONES = np.asarray(COCO13_BONES, np.int64)
HALO_WIDTH = 9.0
OTHER_WIDTH = 2.5


class PeopleOverlay:
    """Graphics items on a ViewBox; set_people replaces what is drawn (items are reused)."""

    def __init__(self, viewbox: pg.ViewBox, z: float = 9.0) -> None:
        self.viewbox, self.z = viewbox, z
        self._curves: list[tuple[pg.PlotCurveItem, pg.PlotCurveItem]] = []
        self._labels: list[pg.TextItem] = []
        self.joints = pg.ScatterPlotItem(pxMode=True)
        self.joints.setZValue(z + 0.5)
        viewbox.addItem(self.joints)
        self.count = 0            # people drawn (for tests)
        self.selected = -1        # index of the person drawn with a halo, -1 for none

    def _ensure(self, n: int) -> None:
        while len(self._curves) < n:
            solid, dashed = pg.PlotCurveItem(connect="pairs"), pg.PlotCurveItem(connect="pairs")
            label = pg.TextItem(anchor=(0.5, 1.0), fill=(0, 0, 0, 140))
            for item in (solid, dashed, label):
                item.setZValue(self.z)
                self.viewbox.addItem(item)
            self._curves.append((solid, dashed))
            self._labels.append(label)

    def set_people(self, xy: np.ndarray, scores: np.ndarray, colours: list[tuple[int, int, int]],
                   labels: list[str], selected: int = -1, min_visibility: float = 0.5) -> None:
        """xy: (P, 13, 2) frame pixels; scores: (P, 13); one colour and label ("" for none) per person;
        selected: the person given a halo (-1: none)."""
        xy = np.asarray(xy, np.float64).reshape(-1, 13, 2)
        scores = np.asarray(scores, np.float64).reshape(-1, 13)
        self._ensure(len(xy))
        spots = []
        for k, ((solid, dashed), label) in enumerate(zip(self._curves, self._labels)):
            if k >= len(xy):
                solid.setData([], []), dashed.setData([], []), label.setText("")
                continue
            vis = np.isfinite(xy[k]).all(axis=1) & (scores[k] >= min_visibility)
            good = vis[_BONES[:, 0]] & vis[_BONES[:, 1]]
            colour = colours[k]
            halo = k == selected
            for item, bones, pen in ((solid, _BONES[good], pg.mkPen(*colour, 110 if halo else 230,
                                                                    width=HALO_WIDTH if halo else OTHER_WIDTH)),
                                     (dashed, _BONES[~good], pg.mkPen(*colour, 90, width=1.2,
                                                                      style=Qt.PenStyle.DashLine))):
                pts = xy[k][bones.reshape(-1)]
                keep = np.isfinite(pts).all(axis=1).reshape(-1, 2).all(axis=1).repeat(2)
                item.setPen(pen)
                item.setData(pts[keep, 0], pts[keep, 1])
            if not halo:
                spots += [{"pos": xy[k][j], "size": 6, "brush": pg.mkBrush(*colour), "pen": pg.mkPen(20, 20, 20)}
                          for j in np.flatnonzero(vis)]
            finite = xy[k][np.isfinite(xy[k]).all(axis=1)]
            label.setText(labels[k], color=colour)
            if labels[k] and len(finite):
                label.setPos(float(finite[:, 0].mean()), float(finite[:, 1].min()) - 6)
        self.joints.setData(spots)
        self.count, self.selected = len(xy), int(selected)
