"""Settings dialog: library location, model choice, detection options."""
from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QWidget)

from .settings import AppSettings
from .views.wheel_guard import install_wheel_guard


#: the widest a path field asks for (longer paths scroll inside it); fits a 1366 px screen
MAX_PATH_FIELD = 720


def _path_row(edit: QLineEdit, pick) -> QWidget:
    """A path field wide enough for its placeholder and current path (up to MAX_PATH_FIELD) and Browse."""
    metrics = edit.fontMetrics()
    wanted = max(metrics.horizontalAdvance(edit.placeholderText()), metrics.horizontalAdvance(edit.text()))
    edit.setMinimumWidth(min(MAX_PATH_FIELD, wanted + 24))
    edit.setToolTip(edit.placeholderText())
    w = QWidget()
    row = QHBoxLayout(w)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    b = QPushButton("Browse…")
    b.clicked.connect(pick)
    row.addWidget(b)
    return w


class SettingsDialog(QDialog):
    """Edits a copy of AppSettings; result() gives the edited copy when accepted."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.library = QLineEdit(settings.library_path)
        self.library.setPlaceholderText("poses.sqlite in your data folder")
        self.model = QLineEdit(settings.model_path)
        self.model.setPlaceholderText("bundled Pr-VIPE model")
        self.lifter = QLineEdit(settings.lift_model_path)
        self.lifter.setPlaceholderText("optional: a 3D-lifting model, for poses from keypoint files")
        self.workers = QSpinBox()
        self.workers.setRange(1, 16)
        self.workers.setValue(settings.workers)
        self.workers.setToolTip("Processes that decode and detect in parallel during an import")
        self.min_vis = QDoubleSpinBox()
        self.min_vis.setRange(0.0, 1.0)
        self.min_vis.setSingleStep(0.05)
        self.min_vis.setValue(settings.min_visibility)
        self.min_vis.setToolTip("Joints below this visibility are drawn dashed and grey")
        self.reopen = QCheckBox("Reopen the last library on start")
        self.reopen.setChecked(settings.reopen_last_library)
        install_wheel_guard()
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Library file", _path_row(self.library, self._pick_library))
        form.addRow("Model weights", _path_row(self.model, self._pick_model))
        form.addRow("3D lifting model", _path_row(self.lifter, lambda: self._pick_into(self.lifter)))
        form.addRow("Detection workers", self.workers)
        form.addRow("Visibility threshold", self.min_vis)
        form.addRow(self.reopen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _pick_library(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Library file", self.library.text(),
                                              "Pose library (*.sqlite);;All files (*)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.library.setText(path)

    def _pick_model(self) -> None:
        self._pick_into(self.model)

    def _pick_into(self, edit: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Model weights", edit.text(),
                                              "Model (*.safetensors *.pt);;All files (*)")
        if path:
            edit.setText(path)

    def settings(self) -> AppSettings:
        return AppSettings(library_path=self.library.text().strip(), model_path=self.model.text().strip(),
                           lift_model_path=self.lifter.text().strip(),
                           workers=self.workers.value(), min_visibility=self.min_vis.value(),
                           reopen_last_library=self.reopen.isChecked())
