"""SourceTable: the sync panel's list of videos, each with a person picker (whose motion drives its alignment).

A video with person tracks offers "best person per frame" (the default) and each of its tracks, longest
first; other sources show no picker. Signal trackChosen(row, track): track is an int, or None for the best
person per frame.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem

from ..views.skeleton_style import track_colour

BEST = "best person per frame"


class SourceTable(QTableWidget):
    trackChosen = Signal(int, object)

    def __init__(self, parent=None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Video", "Person"])
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setMaximumHeight(130)

    def add_source(self, text: str, tracks: list[tuple[int, int]]) -> None:
        """Append a row; tracks: (track, frames with that person) of the video, [] for no picker."""
        row = self.rowCount()
        self.insertRow(row)
        self.setItem(row, 0, QTableWidgetItem(text))
        if not tracks:
            self.setItem(row, 1, QTableWidgetItem("—"))
            return
        combo = QComboBox()
        combo.setToolTip("Whose motion drives this video's alignment: the best person of each frame, or one "
                         "person track (its colour in the viewer)")
        combo.addItem(BEST, None)
        for track, frames in tracks:
            combo.addItem(f"track {track} ({frames} frames)", track)
            combo.setItemData(combo.count() - 1, _swatch(track), Qt.ItemDataRole.DecorationRole)
        combo.currentIndexChanged.connect(lambda _i, c=combo: self._chosen(c))
        self.setCellWidget(row, 1, combo)

    def picker(self, row: int) -> QComboBox | None:
        widget = self.cellWidget(row, 1)
        return widget if isinstance(widget, QComboBox) else None

    def choose(self, row: int, track: int | None) -> None:
        """Pick a person for a row (None: the best person per frame), as the user would."""
        combo = self.picker(row)
        if combo is None:
            raise ValueError(f"source {row} has no person to pick")
        index = combo.findData(track)
        if index < 0:
            raise ValueError(f"source {row} has no track {track}")
        combo.setCurrentIndex(index)

    def _chosen(self, combo: QComboBox) -> None:
        for row in range(self.rowCount()):
            if self.cellWidget(row, 1) is combo:
                self.trackChosen.emit(row, combo.currentData())
                return

    def clear(self) -> None:  # the rows too, not only their contents
        self.setRowCount(0)

    def count(self) -> int:
        return self.rowCount()


def _swatch(track: int) -> QPixmap:
    pixmap = QPixmap(10, 10)
    pixmap.fill(QColor(*track_colour(track)))
    return pixmap
