"""Viewer panel: the selected video or image with its 2D skeleton, play/pause, scrub slider, stepping, zoom.

Media are opened and frames decoded, converted and scaled to the view's size by a FrameLoader thread
(newest request wins); the GUI thread shows "opening…" until the first frame arrives, then only paints.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QVBoxLayout, QWidget

from ..frame_loader import DecodedFrame, FrameLoader
from ...session.snapshot import percentile_of
from ..state import AppState
from ..views.frame_view import FrameView
from ..views.skeleton_style import ambiguity_colour

#: the one frame-numbering convention of the app, its exports and the command line
FRAME_NUMBERING = "Frames are numbered from 0 (the first frame is frame 0), as in every export and the CLI"
NO_MEDIA = ("No media open.\nDrop videos or image folders on the window, or use File > Open;\n"
            "an imported file opens here when its import is done.")


class ViewerPanel(QWidget):
    """Listens to AppState media/frame changes; writes the frame back when the user scrubs or plays."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.view = FrameView()
        self.loader = FrameLoader(self)   # a child: its thread ends when this panel is destroyed
        self.loader.frameReady.connect(self._frame_ready)
        self.loader.frameFailed.connect(self._frame_failed)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.shown_frame = -1            # the frame whose image is on screen
        self._build()
        self.view.set_message(NO_MEDIA)
        self.view.displaySizeChanged.connect(self._view_resized)
        state.mediaSelected.connect(self._media_changed)
        state.frameSelected.connect(self._frame_changed)
        state.snapshotChanged.connect(self._snapshot_changed)
        state.optionsChanged.connect(self._redraw_pose)

    def _button(self, text: str, tip: str, slot, icon: QStyle.StandardPixmap | None = None) -> QToolButton:
        b = QToolButton()
        if icon is not None:
            b.setIcon(self.style().standardIcon(icon))
        else:
            b.setText(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _build(self) -> None:
        sp = QStyle.StandardPixmap
        self.play_button = self._button("Play", "Play / pause (Space)", self.toggle_play, sp.SP_MediaPlay)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._slider_moved)
        self.frame_label = QLabel("no media")
        self.frame_label.setToolTip(FRAME_NUMBERING)
        self.pose_label = QLabel("")
        self.pose_label.setStyleSheet("color: #aaa")
        row = QHBoxLayout()
        row.addWidget(self._button("<", "Previous frame (Left; Shift+Left: 10 back)", lambda: self.step(-1),
                                   sp.SP_MediaSkipBackward))
        row.addWidget(self.play_button)
        row.addWidget(self._button(">", "Next frame (Right; Shift+Right: 10 on)", lambda: self.step(1),
                                   sp.SP_MediaSkipForward))
        row.addWidget(self.slider, 1)
        row.addWidget(self.frame_label)
        row.addWidget(self._button("+", "Zoom in (or the mouse wheel)", lambda: self.view.zoom(1.25)))
        row.addWidget(self._button("−", "Zoom out", lambda: self.view.zoom(0.8)))
        row.addWidget(self._button("Fit", "Show the whole frame", self.view.fit))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(self.pose_label)

    # --- navigation -------------------------------------------------------------------------------
    def _media(self):
        return self.state.snapshot.media_by_id.get(self.state.media_id)

    def n_frames(self) -> int:
        m = self._media()
        return max(1, m.n_frames) if m else 0

    def step(self, delta: int) -> None:
        if self.state.media_id < 0 or self.n_frames() == 0:
            return
        frame = int(np.clip(self.state.frame + delta, 0, self.n_frames() - 1))
        self.state.select_frame(self.state.media_id, frame)

    def toggle_play(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
        elif self.state.media_id >= 0 and self.n_frames() > 1:
            m = self._media()
            self.timer.start(int(1000 / min(60.0, m.fps if m and m.fps > 0 else 10.0)))
        sp = QStyle.StandardPixmap
        self.play_button.setIcon(self.style().standardIcon(sp.SP_MediaPause if self.timer.isActive() else sp.SP_MediaPlay))

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def _tick(self) -> None:
        if self.state.frame >= self.n_frames() - 1:
            self.toggle_play()
            return
        self.step(1)

    def _slider_moved(self, value: int) -> None:
        if value != self.state.frame and self.state.media_id >= 0:
            self.state.select_frame(self.state.media_id, value)

    # --- state listeners ------------------------------------------------------------------------------
    def _media_changed(self, media_id: int) -> None:
        if self.timer.isActive():
            self.toggle_play()
        m = self._media()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, (m.n_frames if m else 1) - 1))
        self.slider.blockSignals(False)
        self.slider.setEnabled(m is not None)
        self.view.set_frame(None)
        self.shown_frame = -1
        if m is not None and m.kind != "keypoints":
            self.view.set_message(f"opening {m.name}…")   # opened in the loader's thread
        else:
            self.view.set_message("" if m is not None else NO_MEDIA)

    def _snapshot_changed(self) -> None:
        if self.state.media_id < 0 and self.slider.isEnabled():   # its media was removed
            self._media_changed(-1)
            self.frame_label.setText("no media")
        self._redraw_pose()

    def _frame_changed(self, media_id: int, frame: int) -> None:
        m = self._media()
        if m is None:
            return
        self.slider.blockSignals(True)
        self.slider.setValue(frame)
        self.slider.blockSignals(False)
        self.frame_label.setText(f"{m.name}  frame {frame} / {m.n_frames - 1}")
        if m.kind == "keypoints":
            self._redraw_pose()
        else:
            self.loader.request(m.path, frame, self.view.display_box())

    def _view_resized(self) -> None:
        """A zoom or resize needs another resolution: the frame on screen is decoded again at that size."""
        m = self._media()
        if m is not None and m.kind != "keypoints" and self.shown_frame == self.state.frame >= 0:
            self.loader.request(m.path, self.shown_frame, self.view.display_box())

    def _frame_ready(self, path: str, index: int, frame: DecodedFrame) -> None:
        m = self._media()
        if m is None or path != m.path or index != self.state.frame:
            return
        self.view.set_message("")
        self.view.set_frame(frame)
        self.shown_frame = index
        self._redraw_pose()

    def _frame_failed(self, path: str, index: int, message: str) -> None:
        m = self._media()
        if m is None or path != m.path:
            return
        self.view.set_message(f"cannot read frame {index}: {message}")
        self._redraw_pose()

    def _redraw_pose(self) -> None:
        snap = self.state.snapshot
        row = snap.row_of(self.state.pose_id)
        if row < 0:
            self.view.set_pose(None)
            self.pose_label.setText("no person in this frame" if self.state.media_id >= 0 else "")
            return
        colour, text = None, ""
        if snap.has_embeddings:
            amb = snap.ambiguity()
            pct = percentile_of(amb, amb[row])
            text = f" · ambiguity {amb[row]:.3f} ({pct:.0f}th percentile)"
            if self.state.colour_by_ambiguity:
                colour = ambiguity_colour(pct)
        scores = snap.scores[row]
        self.view.set_pose(snap.xy[row], scores, self.state.min_visibility, colour)
        n_vis = int((scores >= self.state.min_visibility).sum())
        self.pose_label.setText(f"pose {self.state.pose_id}: {n_vis}/13 joints visible "
                                f"(dashed grey: below {self.state.min_visibility:.2f}){text}")

    def closeEvent(self, event) -> None:  # noqa: N802
        self.loader.stop()
        super().closeEvent(event)
