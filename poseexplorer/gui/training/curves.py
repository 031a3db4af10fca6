"""Live training curves: loss and validation Hit@1 against steps (pyqtgraph). Takes plain lists."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget


VAL_TITLE = "Validation Hit@1 (cross-view)"


class TrainingCurves(QWidget):
    """Two stacked plots sharing the step axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.3)
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen((80, 160, 255), width=1.5))
        self.val_plot = pg.PlotWidget(title=VAL_TITLE)
        self.val_plot.setLabel("bottom", "step")
        self.val_plot.showGrid(x=True, y=True, alpha=0.3)
        self.val_curve = self.val_plot.plot([], [], pen=pg.mkPen((255, 170, 60), width=2), symbol="o",
                                            symbolSize=6, symbolBrush=(255, 170, 60))
        self.val_plot.setXLink(self.loss_plot)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.val_plot, 2)

    def set_data(self, loss_steps: list[int], loss: list[float], val_steps: list[int], val: list[float]) -> None:
        self.loss_curve.setData(loss_steps, loss)
        self.val_curve.setData(val_steps, val)

    def set_validation_note(self, note: str) -> None:
        """A note under the validation plot's title: why it is empty or when its first point comes."""
        self.validation_note = note
        self.val_plot.setTitle(VAL_TITLE + (f"<br><small>{note}</small>" if note else ""))

    def point_counts(self) -> tuple[int, int]:
        """(loss points, validation points) drawn now."""
        x1, _ = self.loss_curve.getData()
        x2, _ = self.val_curve.getData()
        return (0 if x1 is None else len(x1)), (0 if x2 is None else len(x2))
