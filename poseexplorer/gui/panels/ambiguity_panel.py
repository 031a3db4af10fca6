"""Ambiguity panel: the embedding's per-dimension sigma, one ambiguity score with its percentile in the
library, the most ambiguous poses, and the option to colour the 2D skeleton by ambiguity.

Pr-VIPE's sigma grows where a 2D pose is ambiguous in 3D (side views, occlusions); the score is the mean
sigma over the dimensions.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..state import AppState
from ..views.skeleton_style import ambiguity_colour

LIST_LENGTH = 50
BAR_SIZE = QSize(44, 10)
BAR_COLOUR = QColor(150, 165, 190)   # neutral: a high ambiguity is information, not an error


def percentile_bar(pct: float) -> QIcon:
    """A small neutral bar filled to pct (0..100) of its width: the pose's rank by ambiguity."""
    pix = QPixmap(BAR_SIZE)
    pix.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pix)
    painter.fillRect(0, 2, BAR_SIZE.width(), BAR_SIZE.height() - 4, QColor(70, 70, 78))
    painter.fillRect(0, 2, round(BAR_SIZE.width() * min(max(pct, 0.0), 100.0) / 100.0), BAR_SIZE.height() - 4,
                     BAR_COLOUR)
    painter.end()
    return QIcon(pix)


class AmbiguityPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._amb = np.zeros(0)
        self.plot = pg.PlotWidget()
        self.plot.setBackground((25, 25, 28))
        self.plot.setMinimumHeight(110)
        self.plot.setLabel("bottom", "embedding dimension")
        self.plot.setLabel("left", "σ")
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=(90, 170, 255))
        self.median = pg.PlotDataItem(pen=pg.mkPen((200, 200, 200), width=1.5, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.bars)
        self.plot.addItem(self.median)
        self.score = QLabel("No pose selected.")
        self.score.setWordWrap(True)
        self.colour = QCheckBox("colour the 2D skeleton by ambiguity")
        self.colour.toggled.connect(state.set_colour_by_ambiguity)
        self.order = QComboBox()
        self.order.addItems(["most ambiguous", "least ambiguous"])
        self.order.currentIndexChanged.connect(self._fill_list)
        self.list = QListWidget()
        self.list.setIconSize(BAR_SIZE)
        self.list.setToolTip("Mean σ of the embedding; the bar shows the pose's rank (percentile) in the library")
        self.list.itemClicked.connect(lambda item: state.select_pose(int(item.data(Qt.ItemDataRole.UserRole))))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot, 2)
        layout.addWidget(self.score)
        layout.addWidget(self.colour)
        layout.addWidget(self.order)
        layout.addWidget(self.list, 3)
        state.snapshotChanged.connect(self._snapshot_changed)
        state.poseSelected.connect(self._show_pose)

    def _snapshot_changed(self) -> None:
        snap = self.state.snapshot
        self._amb = snap.ambiguity()
        if snap.has_embeddings and len(snap):
            med = snap.median_stddev()   # over a sample when large (computed by the snapshot's job)
            x = np.arange(len(med))
            self.median.setData(np.repeat(x, 2) + np.tile([-0.4, 0.4], len(x)), np.repeat(med, 2), connect="pairs")
        else:
            self.median.setData([], [])
        self._fill_list()
        self._show_pose(self.state.pose_id)

    def _fill_list(self, *args) -> None:
        snap = self.state.snapshot
        self.list.clear()
        if self._amb.size == 0:
            return
        rows = snap.ambiguity_extremes(LIST_LENGTH, most=self.order.currentIndex() == 0)
        for r in rows.tolist():
            pct = snap.ambiguity_percentile(r)
            item = QListWidgetItem(percentile_bar(pct), f"σ {self._amb[r]:.3f}  ·  "
                                   f"{snap.media_name(int(snap.media_ids[r]))}  frame {int(snap.frames[r])}")
            item.setData(Qt.ItemDataRole.UserRole, int(snap.pose_ids[r]))
            item.setToolTip(f"mean σ {self._amb[r]:.3f}, more ambiguous than {pct:.0f}% of the library's poses")
            self.list.addItem(item)

    def _show_pose(self, pose_id: int) -> None:
        snap = self.state.snapshot
        row = snap.row_of(pose_id)
        if row < 0 or not snap.has_embeddings:
            self.bars.setOpts(x=[], height=[])
            self.score.setText("No pose selected." if row < 0 else "No embeddings yet (model loading).")
            return
        sigma = np.asarray(snap.stddev[row], dtype=np.float64)
        pct = snap.ambiguity_percentile(row)
        colour = ambiguity_colour(pct)
        self.bars.setOpts(x=np.arange(len(sigma)), height=sigma, width=0.7, brush=pg.mkBrush(*colour))
        self.score.setText(f"ambiguity {self._amb[row]:.3f} (mean σ): more ambiguous than {pct:.0f}% of the "
                           f"{len(snap):,} poses in the library. Dashed: the library's median σ.")

    def percentile(self) -> float:
        """Percentile of the current pose (for tests); nan when there is none."""
        row = self.state.snapshot.row_of(self.state.pose_id)
        return self.state.snapshot.ambiguity_percentile(row) if row >= 0 and self._amb.size else float("nan")
