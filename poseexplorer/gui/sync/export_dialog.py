"""Before a synced export: what to draw and how large; after it: where the file is, with "Open folder"."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QMessageBox,
                               QWidget)

#: (label, largest width in pixels or None for the sources' size)
WIDTHS = (("1280 px (HD)", 1280), ("1920 px (Full HD)", 1920), ("3840 px (4K)", 3840), ("original size", None))


@dataclass(frozen=True)
class ExportOptions:
    """skeletons: draw the detected poses; labels: write each video's name; max_width: None = no limit."""

    skeletons: bool = True
    labels: bool = True
    max_width: int | None = 1920


class ExportOptionsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, options: ExportOptions = ExportOptions()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export synced video")
        self.skeletons = QCheckBox("Draw the skeletons")
        self.skeletons.setChecked(options.skeletons)
        self.labels = QCheckBox("Write each video's name")
        self.labels.setChecked(options.labels)
        self.width = QComboBox()
        for text, value in WIDTHS:
            self.width.addItem(text, value)
        self.width.setCurrentIndex([v for _, v in WIDTHS].index(options.max_width))
        self.width.setToolTip("The exported picture is scaled down to at most this width (H.264 MP4 plays in "
                              "browsers and on phones; very wide videos do not)")
        form = QFormLayout(self)
        form.addRow(self.skeletons)
        form.addRow(self.labels)
        form.addRow("Largest width", self.width)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def options(self) -> ExportOptions:
        return ExportOptions(self.skeletons.isChecked(), self.labels.isChecked(), self.width.currentData())


def export_finished_box(parent: QWidget, path: str) -> QMessageBox:
    """The "export done" message with an Open folder button (shown by the caller)."""
    box = QMessageBox(parent)
    box.setWindowTitle("Export synced video")
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(f"Saved {Path(path).name}")
    box.setInformativeText(str(Path(path).parent))
    open_folder = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent))))
    box.open_folder_button = open_folder
    return box
