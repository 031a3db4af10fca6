"""The training settings form: data folders, steps, batch, embedding size, cameras, augmentation, output.

It edits a TrainConfig (trainer/config.py, the one config of a run) and gives one back; it starts nothing.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit,
    QListWidget, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

if TYPE_CHECKING:  # the GUI imports trainer only when the dialog opens (house style)
    from trainer.config import TrainConfig

#: (config key, label, maximum, tooltip) of the detector-like augmentation fractions
AUGMENTATIONS = (
    ("jitter", "Keypoint jitter", 0.5, "Largest per-pose keypoint noise, as a fraction of the torso size"),
    ("keypoint_dropout", "Keypoint dropout", 0.9, "Probability that a keypoint is hidden (masked)"),
    ("legs_out_rate", "Legs out of frame", 1.0, "Probability that the lower body leaves the picture"),
    ("outlier_rate", "Gross errors", 0.5, "Fraction of keypoints displaced far (detector mistakes)"),
    ("bone_scale", "Bone length change", 0.5, "Largest relative change of each bone (other bodies)"),
    ("limb_scale", "Limb proportion change", 0.5, "Largest relative change of arms, legs and torso"),
    ("hip_offset", "Detector-like hips", 1.0, "Probability of MediaPipe-like hip placement per view"),
)


def _spin(lo: int, hi: int, value: int, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    return box


def _dspin(lo: float, hi: float, value: float, step: float, decimals: int = 2) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    return box


class RangeEdit(QWidget):
    """A [low, high] pair of angles in degrees."""

    def __init__(self, low: float, high: float, limit: float) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.low, self.high = _dspin(-limit, limit, low, 5, 0), _dspin(-limit, limit, high, 5, 0)
        for box in (self.low, self.high):
            box.setSuffix("°")
            row.addWidget(box)

    def value(self) -> tuple[float, float]:
        return self.low.value(), self.high.value()


class TrainingSettingsForm(QWidget):
    """Widgets for a TrainConfig; `config()` builds one (ValueError with the reason when invalid)."""

    def __init__(self, base: "TrainConfig", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = base
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._data_box(base))
        layout.addWidget(self._model_box(base))
        layout.addWidget(self._camera_box(base))
        layout.addWidget(self._augment_box(base))
        layout.addWidget(self._output_box(base))
        layout.addStretch(1)

    # --- groups ---------------------------------------------------------------------------------
    def _data_box(self, base: "TrainConfig") -> QGroupBox:
        box = QGroupBox("Training data (folders of BVH, ASF/AMC or NPZ clips)")
        v = QVBoxLayout(box)
        self.data_list = QListWidget()
        self.data_list.setMaximumHeight(90)
        self.data_list.addItems(list(base.data))
        v.addWidget(self.data_list)
        row = QHBoxLayout()
        for text, slot in (("Add folder…", self._add_folder), ("Add .npz…", self._add_npz),
                           ("Remove", self._remove_data)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)
        form = QFormLayout()
        self.val_data = QLineEdit(base.val_data or "")
        self.val_data.setPlaceholderText("optional: held-out clips for validation Hit@1")
        form.addRow("Validation data", self.val_data)
        v.addLayout(form)
        return box

    def _model_box(self, base: "TrainConfig") -> QGroupBox:
        box = QGroupBox("Model and schedule")
        form = QFormLayout(box)
        from trainer.config import KINDS

        self.kind = QComboBox()
        self.kind.addItems(list(KINDS))
        self.kind.setCurrentText(base.kind)
        self.steps = _spin(1, 10_000_000, base.steps, 100)
        self.batch = _spin(2, 4096, base.batch_size, 32)
        self.embed_dim = _spin(2, 256, base.embed_dim)
        self.width = _spin(16, 4096, base.width, 64)
        from trainer.precision import PRECISIONS, requested

        self.precision = QComboBox()
        self.precision.addItems(list(PRECISIONS))
        self.precision.setCurrentText(requested(base))
        self.precision.setToolTip("auto: float32 unless this CPU computes bfloat16 natively (AVX-512-BF16 or "
                                  "AMX), then the faster of both as timed before the run. bfloat16 on other "
                                  "CPUs is emulated and many times slower.")
        form.addRow("Model type", self.kind)
        form.addRow("Steps", self.steps)
        form.addRow("Batch size (pairs)", self.batch)
        form.addRow("Embedding size", self.embed_dim)
        form.addRow("Network width", self.width)
        form.addRow("Precision", self.precision)
        return box

    def _camera_box(self, base: "TrainConfig") -> QGroupBox:
        box = QGroupBox("Cameras (random views of each 3D pose)")
        form = QFormLayout(box)
        self.azimuth = RangeEdit(*base.azimuth, 180)
        self.elevation = RangeEdit(*base.elevation, 90)
        self.roll = RangeEdit(*base.roll, 180)
        self.chest_views = QCheckBox("Only 4 chest-level views (no camera augmentation)")
        self.chest_views.setChecked(base.chest_views)
        form.addRow("Azimuth", self.azimuth)
        form.addRow("Elevation", self.elevation)
        form.addRow("Roll", self.roll)
        form.addRow(self.chest_views)
        return box

    def _augment_box(self, base: "TrainConfig") -> QGroupBox:
        box = QGroupBox("Detector-like augmentation")
        form = QFormLayout(box)
        self.augment: dict[str, QDoubleSpinBox] = {}
        for key, label, hi, tip in AUGMENTATIONS:
            spin = _dspin(0.0, hi, float(getattr(base, key)), 0.01, 3)
            spin.setToolTip(tip)
            self.augment[key] = spin
            form.addRow(label, spin)
        self.visibility_input = QCheckBox("Keypoint visibility mask as network input")
        self.visibility_input.setChecked(base.visibility_input)
        form.addRow(self.visibility_input)
        self.upright = QCheckBox("Upright inputs (the same pose under any camera roll)")
        self.upright.setToolTip("Turn each pose so its torso points up before the network sees it: a "
                                "sideways or upside-down camera then gives exactly the same embedding")
        self.upright.setChecked(base.upright)
        form.addRow(self.upright)
        return box

    def _output_box(self, base: "TrainConfig") -> QGroupBox:
        box = QGroupBox("Output")
        form = QFormLayout(box)
        self.name = QLineEdit(base.name)
        self.out_dir = QLineEdit(base.out_dir)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._pick_out_dir)
        row = QHBoxLayout()
        row.addWidget(self.out_dir, 1)
        row.addWidget(browse)
        form.addRow("Run name", self.name)
        form.addRow("Runs folder", row)
        return box

    # --- actions --------------------------------------------------------------------------------
    def _add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of motion clips")
        if path:
            self.add_data(path)

    def _add_npz(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "NPZ of 3D poses", "", "NPZ (*.npz)")
        if path:
            self.add_data(path)

    def add_data(self, path: str) -> None:
        if path not in self.data_paths():
            self.data_list.addItem(str(path))

    def _remove_data(self) -> None:
        for item in self.data_list.selectedItems():
            self.data_list.takeItem(self.data_list.row(item))

    def _pick_out_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder for training runs", self.out_dir.text())
        if path:
            self.out_dir.setText(path)

    def data_paths(self) -> list[str]:
        return [self.data_list.item(i).text() for i in range(self.data_list.count())]

    def config(self) -> "TrainConfig":
        """The edited config (the base config's other fields kept). ValueError names a bad field."""
        changes = dict(
            name=self.name.text().strip(), data=tuple(self.data_paths()),
            val_data=self.val_data.text().strip() or None, kind=self.kind.currentText(),
            steps=self.steps.value(), batch_size=self.batch.value(), embed_dim=self.embed_dim.value(),
            width=self.width.value(), precision=self.precision.currentText(), azimuth=self.azimuth.value(), elevation=self.elevation.value(),
            roll=self.roll.value(), chest_views=self.chest_views.isChecked(),
            visibility_input=self.visibility_input.isChecked(), upright=self.upright.isChecked(),
            out_dir=str(Path(self.out_dir.text().strip() or self._base.out_dir).expanduser()),
            **{k: s.value() for k, s in self.augment.items()},
        )
        return self._base.replace(**changes)

    def set_editable(self, on: bool) -> None:
        for child in self.findChildren(QGroupBox):
            child.setEnabled(on)
