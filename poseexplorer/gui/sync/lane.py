"""One video of the synced players: its reader and decode thread, its view, its track and controls.

A lane carries out what its headless LaneSchedule (poseexplorer.align.playback_schedule) decides: it asks
its FrameLoader for frames and puts them in its VideoFrameView. The reference lane has no track; a
follower's frame comes from its FollowerTrack (sync map and nudge) and it has controls under its view.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QToolButton, QWidget

from ...align.playback import FollowerTrack
from ...align.playback_schedule import LaneSchedule
from ..frame_loader import DecodedFrame, FrameLoader
from .video_view import VideoFrameView


class FollowerControls(QWidget):
    """Under a follower's view: manual nudge (frames) and a left/right flip of the picture."""

    nudgeChanged = Signal(int)
    flipChanged = Signal(bool)
    syncPointRequested = Signal()

    def __init__(self, mirrored: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.nudge = QSpinBox()
        self.nudge.setRange(-9999, 9999)
        self.nudge.setPrefix("±")
        self.nudge.setToolTip("Nudge: shift this video against the reference by whole frames of this video")
        self.nudge.valueChanged.connect(self.nudgeChanged)
        row.addWidget(self.nudge)
        self.mark = QToolButton()
        self.mark.setText("⌖")
        self.mark.setToolTip("Sync point: give the frame of this video that shows the same instant as the "
                             "reference's current frame (the nudge is set from it)")
        self.mark.clicked.connect(self.syncPointRequested)
        row.addWidget(self.mark)
        self.flip = QCheckBox("⇋")
        self.flip.setToolTip("Show this video flipped left/right")
        self.flip.toggled.connect(self.flipChanged)
        row.addWidget(self.flip)
        if mirrored:  # the picture is not flipped by itself: a detector's left/right swap looks the same
            note = QLabel("mirrored")
            note.setToolTip("Its left/right-flipped poses matched the reference better: a mirror, a selfie "
                            "camera, the move done with the other side, or the detector swapping left and right")
            row.addWidget(note)
        row.addStretch(1)


class VideoLane:
    """One video under the shared clock. skeletons: (T, 13, 2) keypoints in its pixels, or None."""

    def __init__(self, name: str, reader: Any, fps: float, track: FollowerTrack | None,
                 skeletons: np.ndarray | None, loader: FrameLoader) -> None:
        self.name, self.reader, self.track, self.skeletons, self.loader = name, reader, track, skeletons, loader
        self.schedule = LaneSchedule(fps=float(fps))
        self.view = VideoFrameView()
        self.controls = FollowerControls(track.mirrored) if track is not None else None

    @property
    def n_frames(self) -> int:
        return len(self.reader)

    def frame_for(self, ref_frame: int) -> int:
        """This video's frame shown with reference frame `ref_frame`."""
        return ref_frame if self.track is None else self.track.frame_for(ref_frame)

    def skeleton(self, frame: int, enabled: bool) -> np.ndarray | None:
        if self.skeletons is None or not enabled or not 0 <= frame < len(self.skeletons):
            return None
        return self.skeletons[frame]

    def request(self, frame: int) -> None:
        """Ask the decode thread for `frame` at the view's size (answered by the loader's frameReady)."""
        self.schedule.asked(frame, time.perf_counter())
        self.loader.request_frame(frame, self.view.display_box())

    def read_now(self, frame: int) -> DecodedFrame:
        """Decode `frame` at once (paused moves: what the controls promise is on screen when they return)."""
        return self.loader.read_now(frame, self.view.display_box())

    def show(self, frame: int, picture: DecodedFrame, skeletons_on: bool) -> None:
        self.view.set_frame(picture, f"frame {frame}/{self.n_frames - 1}  ·  {frame / self.schedule.fps:.2f} s",
                            self.skeleton(frame, skeletons_on))
        self.schedule.shown = frame

    def close(self, on_frame_ready) -> None:
        """Stop the decode thread and close the reader (a reader that fails to close must not stop the panel)."""
        try:
            self.loader.frameReady.disconnect(on_frame_ready)
            self.loader.stop()
            self.loader.deleteLater()
        except Exception:
            pass
