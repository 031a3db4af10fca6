"""The training dialog's right side: the loss and validation curves, a progress bar, a status line and the
trainer's output (whose last lines explain a failure)."""
from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QProgressBar, QVBoxLayout, QWidget

from .curves import TrainingCurves

_LOG_LINES = 200


class RunView(QWidget):
    """curves, bar, status and log are the dialog's to update; append_output takes the trainer's output."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.curves = TrainingCurves()
        v.addWidget(self.curves, 1)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        v.addWidget(self.bar)
        self.status = QLabel("Choose data folders and press Start.")
        self.status.setWordWrap(True)
        v.addWidget(self.status)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumHeight(110)
        self.log.setPlaceholderText("trainer output")
        v.addWidget(self.log)
        self._output: deque[str] = deque(maxlen=_LOG_LINES)

    def start_output(self) -> None:
        """A trainer command starts: its output so far is forgotten (the log keeps what it shows)."""
        self._output.clear()

    def append_output(self, text: str) -> None:
        """A chunk of the trainer's output; tqdm redraws with carriage returns, so each line's last state."""
        for line in (seg.split("\r")[-1] for seg in text.split("\n")):
            if line.strip():
                self._output.append(line)
                self.log.appendPlainText(line)

    def output_tail(self, lines: int = 6) -> str:
        """The current trainer command's last output lines."""
        return "\n".join(list(self._output)[-lines:])
