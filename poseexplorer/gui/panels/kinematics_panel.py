"""Kinematics panel: joint angles and a keypoint's speed over time, with a cursor that follows playback.

Two sources: the viewer's media (its poses from the library; the cursor follows the current frame, a
click on a plot goes to that frame), or the synced videos of the Sync panel, whose curves are overlaid on
the reference video's timeline through their sync maps (the cursor follows the synced players). The
numbers come from poseexplorer.core.kinematics, whose convention the CSV export states in its header.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget,
)

from ...align.playback import paired_frames
from ...core.kinematics import CONVENTION, frame_series, kinematics_table, synced_table, write_kinematics_csv
from ...core.skeleton import COCO13_NAMES
from ..state import AppState

#: the angle groups offered, each drawn left (solid) and right (dashed); trunk lean is one curve
GROUPS: dict[str, tuple[str, ...]] = {
    "Knees": ("left_knee", "right_knee"), "Hips": ("left_hip", "right_hip"),
    "Elbows": ("left_elbow", "right_elbow"), "Shoulders": ("left_shoulder", "right_shoulder"),
    "Trunk lean": ("trunk_lean",),
}
GROUP_COLOURS = {"Knees": (80, 160, 255), "Hips": (255, 170, 60), "Elbows": (120, 220, 120),
                 "Shoulders": (230, 110, 200), "Trunk lean": (230, 230, 230)}
VIDEO_COLOURS = [(80, 160, 255), (255, 170, 60), (120, 220, 120), (230, 110, 200), (230, 230, 120)]
VIEWER, SYNCED = "the viewer's media", "the synced videos"
DEFAULT_KEYPOINT = "right_wrist"


@dataclass(frozen=True)
class Curves:
    """What is plotted: per video its name and kinematics table (T_i, C) on its own frames, the columns,
    and paired: (n, V) each video's frame at each timeline frame (identity for one video)."""

    videos: tuple[str, ...]
    columns: tuple[str, ...]
    tables: tuple[np.ndarray, ...]
    paired: np.ndarray


class KinematicsPanel(QWidget):
    """Listens to the AppState (media, frame, snapshot) and, once `follow_sync(players)` is called, to the
    synced players. `curves` is what the plots show; `cursor_frame()` the timeline frame under the cursor."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.players = None
        self.curves: Curves | None = None
        self._synced: Curves | None = None
        self._nudges: tuple[int, ...] = ()
        self._build()
        state.mediaSelected.connect(lambda _m: self.refresh())
        state.snapshotChanged.connect(self.refresh)
        state.optionsChanged.connect(self.refresh)
        state.frameSelected.connect(self._viewer_frame)
        self.refresh()

    def _build(self) -> None:
        self.source = QComboBox()
        self.source.addItems([VIEWER, SYNCED])
        self.source.setToolTip("Plot the viewer's media, or the synced videos on the reference's timeline")
        self.source.currentIndexChanged.connect(self.refresh)
        self.groups = {name: QCheckBox(name) for name in GROUPS}
        self.groups["Knees"].setChecked(True)
        for box in self.groups.values():
            box.toggled.connect(self.redraw)
        self.keypoint = QComboBox()
        self.keypoint.addItems(list(COCO13_NAMES))
        self.keypoint.setCurrentText(DEFAULT_KEYPOINT)
        self.keypoint.setToolTip("The keypoint whose speed (pixels per second) is plotted")
        self.keypoint.currentIndexChanged.connect(self.redraw)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Every angle and every keypoint's speed per frame, as plotted")
        self.export_button.clicked.connect(self._ask_export)
        self.info = QLabel("")
        self.info.setStyleSheet("color: #aaa")
        self.info.setToolTip(CONVENTION)
        self.angle_plot = pg.PlotWidget()
        self.angle_plot.setLabel("left", "angle (°)")
        self.speed_plot = pg.PlotWidget()
        self.speed_plot.setLabel("left", "px/s")
        self.speed_plot.setLabel("bottom", "frame")
        self.speed_plot.setXLink(self.angle_plot)
        self.cursors = []
        for plot in (self.angle_plot, self.speed_plot):
            plot.addLegend(offset=(5, 5), labelTextSize="8pt", colCount=4, brush=pg.mkBrush(20, 20, 24, 170))
            plot.showGrid(x=True, y=True, alpha=0.2)
            cursor = pg.InfiniteLine(0, angle=90, pen=pg.mkPen((255, 80, 80), width=1.5))
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors.append(cursor)
            plot.scene().sigMouseClicked.connect(lambda ev, p=plot: self._clicked(p, ev))
        top = QHBoxLayout()
        top.addWidget(QLabel("Plot"))
        top.addWidget(self.source)
        for box in self.groups.values():
            top.addWidget(box)
        top.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(QLabel("speed of"))
        second.addWidget(self.keypoint)
        second.addWidget(self.info, 1)
        second.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.angle_plot, 3)
        layout.addWidget(self.speed_plot, 2)

    # --- sources --------------------------------------------------------------------------------------
    def follow_sync(self, sync_panel) -> None:
        """Take the Sync panel's synced videos (call again after each sync) and follow their players."""
        players, result = sync_panel.players, sync_panel.result()
        if self.players is not players:
            self.players = players
            players.positionChanged.connect(self._synced_frame)
        skeletons = players.skeletons()
        if result is None or not skeletons or any(s is None for s in skeletons):
            self._synced = None
        else:
            fps = [result.reference.fps] + [f.fps for f in result.followers]
            tables = [kinematics_table(np.asarray(s, np.float64), f) for s, f in zip(skeletons, fps)]
            self._synced = Curves(tuple(players.names()), tuple(tables[0][0]), tuple(t for _, t in tables),
                                  self._paired())
            self.source.setCurrentText(SYNCED)
        self.refresh()

    def _paired(self) -> np.ndarray:
        tracks = self.players.tracks
        self._nudges = tuple(t.nudge for t in tracks)
        return paired_frames(len(self.players.skeletons()[0]), tracks)

    def _viewer_curves(self) -> Curves | None:
        snap, media_id = self.state.snapshot, self.state.media_id
        m = snap.media_by_id.get(media_id)
        if m is None:
            return None
        rows = np.flatnonzero(np.asarray(snap.media_ids) == media_id)
        n = max(int(m.n_frames), int(snap.frames[rows].max()) + 1 if len(rows) else 1)
        xy = frame_series(snap.frames[rows], snap.xy[rows], n)
        scores = np.nan_to_num(frame_series(snap.frames[rows], snap.scores[rows], n), nan=0.0)
        fps = m.fps if m.fps and m.fps > 0 else 1.0
        columns, table = kinematics_table(xy, fps, scores, self.state.min_visibility)
        return Curves((m.name,), tuple(columns), (table,), np.arange(n)[:, None])

    def refresh(self) -> None:
        synced = self.source.currentText() == SYNCED
        self.curves = self._synced if synced else self._viewer_curves()
        if synced and self._synced is None:
            self.info.setText("Sync two or more videos in the Sync panel to overlay them here")
        elif self.curves is None:
            self.info.setText("Open a media to plot its joint angles")
        else:
            n_known = int(np.isfinite(self.curves.tables[0][:, 1:]).any(1).sum())
            self.info.setText(f"{len(self.curves.paired)} frames, {n_known} with a pose"
                              + ("  ·  on the reference's timeline" if synced else ""))
        self.export_button.setEnabled(self.curves is not None)
        self.redraw()
        self._move_cursor(self.players.reference_frame() if synced and self.players else self.state.frame)

    def redraw(self) -> None:
        for plot in (self.angle_plot, self.speed_plot):
            plot.clear()   # also removes the cursor and the legend's entries
            plot.addItem(self.cursors[plot is self.speed_plot], ignoreBounds=True)
        if self.curves is None:
            return
        c = self.curves
        x = np.arange(len(c.paired), dtype=np.float64)
        several = len(c.videos) > 1
        for v, (video, table) in enumerate(zip(c.videos, c.tables)):
            rows = table[c.paired[:, v]]
            prefix = f"{video} " if several else ""
            for group, angles in GROUPS.items():
                if not self.groups[group].isChecked():
                    continue
                colour = VIDEO_COLOURS[v % len(VIDEO_COLOURS)] if several else GROUP_COLOURS[group]
                for angle in angles:
                    style = Qt.PenStyle.DashLine if angle.startswith("right") else Qt.PenStyle.SolidLine
                    self.angle_plot.plot(x, rows[:, c.columns.index(f"{angle}_deg")], connect="finite",
                                         pen=pg.mkPen(colour, width=1.5, style=style), name=prefix + angle)
            speed = rows[:, c.columns.index(f"{self.keypoint.currentText()}_speed_px_s")]
            self.speed_plot.plot(x, speed, connect="finite", name=prefix + self.keypoint.currentText(),
                                 pen=pg.mkPen(VIDEO_COLOURS[v % len(VIDEO_COLOURS)], width=1.5))

    # --- cursor and clicks ------------------------------------------------------------------------
    def cursor_frame(self) -> int:
        return int(round(self.cursors[0].value()))

    def _move_cursor(self, frame: int) -> None:
        for cursor in self.cursors:
            cursor.setValue(max(0, frame))

    def _viewer_frame(self, media_id: int, frame: int) -> None:
        if self.source.currentText() == VIEWER:
            self._move_cursor(frame)

    def _synced_frame(self, ref_frame: int, _followers: list) -> None:
        if self._synced is not None and tuple(t.nudge for t in self.players.tracks) != self._nudges:
            self._synced = Curves(self._synced.videos, self._synced.columns, self._synced.tables, self._paired())
            if self.source.currentText() == SYNCED:    # a nudge or sync point moved a follower's curves
                self.refresh()
        if self.source.currentText() == SYNCED:
            self._move_cursor(ref_frame)

    def _clicked(self, plot: pg.PlotWidget, event) -> None:
        if self.curves is None or event.button() != Qt.MouseButton.LeftButton:
            return
        box = plot.getPlotItem().vb
        if not box.sceneBoundingRect().contains(event.scenePos()):
            return
        self.go_to(int(round(box.mapSceneToView(event.scenePos()).x())))

    def go_to(self, frame: int) -> None:
        """Show a timeline frame: in the viewer, or in the synced players."""
        if self.curves is None:
            return
        frame = int(np.clip(frame, 0, len(self.curves.paired) - 1))
        if self.source.currentText() == SYNCED and self.players is not None:
            self.players.seek(frame)
        elif self.state.media_id >= 0:
            self.state.select_frame(self.state.media_id, frame)

    # --- export -----------------------------------------------------------------------------------
    def export_csv(self, path: str | Path) -> Path:
        """Write what is plotted (every angle and speed, every frame) with the convention in the header."""
        c = self.curves
        if c is None:
            raise ValueError("nothing to export: no media or synced videos")
        if len(c.videos) == 1:
            columns, table = list(c.columns), c.tables[0]
            source = f"{c.videos[0]}"
        else:
            columns, table = synced_table(list(c.columns), list(c.videos), list(c.tables), c.paired)
            source = f"{', '.join(c.videos)} synced on the timeline of {c.videos[0]}"
        write_kinematics_csv(path, columns, table, source)
        return Path(path)

    def _ask_export(self) -> None:
        stem = Path(self.curves.videos[0]).stem if self.curves else "kinematics"
        path, _ = QFileDialog.getSaveFileName(self, "Export kinematics", f"{stem}_kinematics.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)
            self.state.status(f"Kinematics written to {path}")
