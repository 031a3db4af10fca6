"""3D panel: the selected pose's 3D skeleton (MediaPipe world landmarks, or a lifting model's output for
keypoint-file poses) and, optionally, the highlighted result's skeleton similarity-aligned over or beside it.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...core.npmpjpe import similarity_align_finite
from ...core.skeleton import H36M17_BONES, MEDIAPIPE33_BONES
from ..state import AppState


def lifting_model(state: AppState):
    """The model that lifts 2D to 3D: the main model when it is a lift3d model, else the optional lifter."""
    for model in (state.model, state.lifter):
        if model is not None and getattr(model, "kind", "") == "lift3d":
            return model
    return None


class Skeleton3DPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ..views.skeleton3d_view import SkeletonView3D

        self.state = state
        self.view = SkeletonView3D()
        self.show_result = QCheckBox("show selected result")
        self.show_result.setChecked(True)
        self.placement = QComboBox()
        self.placement.addItems(["over", "beside"])
        reset = QPushButton("Reset view")
        reset.clicked.connect(self.view.reset_view)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.show_result)
        row.addWidget(self.placement)
        row.addStretch(1)
        row.addWidget(reset)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(self.info)
        self.show_result.toggled.connect(self.refresh)
        self.placement.currentIndexChanged.connect(self.refresh)
        for signal in (state.poseSelected, state.resultSelected, state.resultsChanged, state.snapshotChanged,
                       state.modelChanged):
            signal.connect(self.refresh)

    def skeleton_of(self, pose_id: int) -> tuple[np.ndarray | None, tuple, str]:
        """(xyz (J, 3) in the world convention, bones, source) for a pose, or (None, (), why)."""
        snap = self.state.snapshot
        row = snap.row_of(pose_id)
        if row < 0:
            return None, (), "no pose"
        if snap.world is not None and np.isfinite(snap.world[row]).any():
            return snap.world[row], MEDIAPIPE33_BONES, "MediaPipe world landmarks"
        lifter = lifting_model(self.state)
        if lifter is not None:   # camera frame, y down: the same convention as MediaPipe world landmarks
            xyz = np.asarray(lifter.lift(snap.xy[row:row + 1], snap.scores[row:row + 1]))[0]
            return xyz, H36M17_BONES, f"lifted by {lifter.name}"
        return None, (), "no 3D for this pose (keypoint file; choose a 3D-lifting model in Settings)"

    def refresh(self, *args) -> None:
        ref = self.state.reference_pose_id()
        xyz, bones, source = self.skeleton_of(ref)
        self.view.set_skeleton(0, xyz, bones)
        text = f"blue: pose {ref} ({source})" if xyz is not None else source if ref >= 0 else ""
        res = self.state.result_pose_id
        other = None
        if self.show_result.isChecked() and res >= 0 and res != ref and xyz is not None:
            other, obones, osource = self.skeleton_of(res)
            if other is not None and len(other) == len(xyz):
                other = similarity_align_finite(xyz, other)
                offset = (0.9, 0.0, 0.0) if self.placement.currentText() == "beside" else (0.0, 0.0, 0.0)
                self.view.set_skeleton(1, other, obones, offset)
                text += f"\norange: result {res}, similarity-aligned ({osource})"
            else:
                other = None
        if other is None:
            self.view.set_skeleton(1, None)
        self.info.setText(text)
