"""The one QPainter COCO-13 skeleton renderer: pose crops and the sync players' views draw through it.

Uses only QPainter (no widgets), so it is safe on a QImage inside a worker thread.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from ...core.skeleton import COCO13_BONES
from .skeleton_style import BONE_COLOURS, LOW_VISIBILITY


def draw_skeleton(painter: QPainter, xy: np.ndarray, scores: np.ndarray | None, min_visibility: float,
                  width: float, colour: tuple[int, int, int] | None = None, joints: bool = True) -> None:
    """xy: (13, 2) in the painter's coordinates (non-finite joints are skipped); scores: (13,) or None.

    Bones solid when both ends are visible (in `colour`, or by side), thin grey dashes otherwise; joints as
    dots, or rings when not visible (none when `joints` is False)."""
    xy = np.asarray(xy, dtype=np.float64)
    vis = np.ones(13, bool) if scores is None else np.asarray(scores) >= min_visibility
    for (a, b), col in zip(COCO13_BONES, BONE_COLOURS):
        if not np.all(np.isfinite(xy[[a, b]])):
            continue
        good = vis[a] and vis[b]
        pen = QPen(QColor(*(colour or col)) if good else QColor(*LOW_VISIBILITY), width if good else width * 0.6)
        pen.setStyle(Qt.PenStyle.SolidLine if good else Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(*xy[a]), QPointF(*xy[b]))
    for j in range(13 if joints else 0):
        if not np.all(np.isfinite(xy[j])):
            continue
        r = width * (1.1 if vis[j] else 0.9)
        painter.setPen(QPen(QColor(*LOW_VISIBILITY) if not vis[j] else QColor(20, 20, 20), 1))
        painter.setBrush(QColor(255, 255, 255) if vis[j] else Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(*xy[j]), r, r)
