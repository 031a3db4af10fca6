"""Keyboard shortcuts (one table, shown by the help dialog) and the shortcuts help dialog."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

#: key -> (key sequence, what it does). Menu shortcuts are listed too, so the dialog is complete.
SHORTCUTS: dict[str, tuple[str, str]] = {
    "play": ("Space", "Play / pause"),
    "prev": ("Left", "Previous frame"),
    "next": ("Right", "Next frame"),
    "prev10": ("Shift+Left", "10 frames back"),
    "next10": ("Shift+Right", "10 frames on"),
    "fit": ("F", "Fit the frame in the viewer"),
    "open": ("Ctrl+O", "Add videos, images or keypoint files"),
    "open_folder": ("Ctrl+Shift+O", "Add an image folder"),
    "export": ("Ctrl+E", "Export the retrieval results to CSV"),
    "settings": ("Ctrl+,", "Settings"),
    "help": ("F1", "This list"),
    "quit": ("Ctrl+Q", "Quit"),
}
#: Handled by menu actions, not by QShortcut objects (the help entry is the F1 menu action).
MENU_KEYS = ("open", "open_folder", "export", "settings", "quit", "help")


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        table = QTableWidget(len(SHORTCUTS), 2)
        table.setHorizontalHeaderLabels(["Key", "Action"])
        table.verticalHeader().hide()
        for row, (sequence, text) in enumerate(SHORTCUTS.values()):
            table.setItem(row, 0, QTableWidgetItem(sequence))
            table.setItem(row, 1, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(420, 420)
