"""The main window. Panels are added as dock widgets by later work."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Pose Explorer")
        self.resize(1400, 900)
        placeholder = QLabel("Drop videos or image folders here")
        self.setCentralWidget(placeholder)
