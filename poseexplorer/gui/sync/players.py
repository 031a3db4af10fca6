"""Synced players: the reference video owns one clock; each follower shows the frame its sync map gives.

The clock and frame mapping are headless (poseexplorer.align.playback), and so are the decisions of when
a frame is asked of a decoder, held or dropped (poseexplorer.align.playback_schedule.LaneSchedule); each
video is a VideoLane (its reader, FrameLoader thread, view, track and controls), and this widget holds
the transport and the clock and carries the decisions out. Each video's frames are decoded by its own
FrameLoader thread (newest request wins), which also converts and scales them to their view's size, so
the GUI thread only blits. Dragging the slider while paused also goes through the decode threads (only
the newest position is decoded). Explicit one-off moves while paused (seek, step, nudge, pause) decode at
once, so what the controls promise is on screen when they return.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QStyle, QVBoxLayout, QWidget,
)

from ...align.playback import FollowerTrack, advance, clamp_speed, duration_of, frame_at, step_time, time_of
from ..frame_loader import DecodedFrame, FrameLoader
from .lane import FollowerControls, VideoLane
from .video_view import VideoFrameView

TICK_MS = 15


class SyncPlayers(QWidget):
    """Side-by-side views under one clock, with transport: play/pause, step, slider, speed.

    `set_videos(readers, names, fps_ref, tracks)`: readers are open media readers (len, read(i)); the
    first is the reference, the rest follow through `tracks` (one FollowerTrack each).
    Signals: positionChanged(reference frame, follower frames list).
    """

    positionChanged = Signal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lanes: list[VideoLane] = []
        self._fps = 30.0
        self._n = 0
        self._time = 0.0
        self._counts = {"shown": 0, "dropped": 0}
        self._playing = False
        self._wall = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._row = QHBoxLayout()
        layout.addLayout(self._row, 1)
        layout.addLayout(self._build_transport())
        self._set_enabled(False)

    # --- building -------------------------------------------------------------------------------
    def _build_transport(self) -> QVBoxLayout:
        """Buttons and slider on one row, time and options on a second (narrow docks keep the slider)."""
        rows = QVBoxLayout()
        row, second = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(row)
        rows.addLayout(second)
        style = self.style()
        self.play_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "")
        self.play_button.setToolTip("Play / pause (space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.back_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekBackward), "")
        self.back_button.setToolTip("One reference frame back")
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.fwd_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward), "")
        self.fwd_button.setToolTip("One reference frame forward")
        self.fwd_button.clicked.connect(lambda: self.step(1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.valueChanged.connect(self._on_slider)
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.1, 4.0)
        self.speed.setSingleStep(0.1)
        self.speed.setValue(1.0)
        self.speed.setSuffix(" x")
        self.speed.setPrefix("speed ")
        self.speed.setToolTip("Playback speed, 0.1x to 4x real time")
        self.loop = QCheckBox("Loop")
        self.show_skeletons = QCheckBox("Skeletons")
        self.show_skeletons.setChecked(True)
        self.show_skeletons.setToolTip("Draw the detected 2D poses over the videos")
        self.show_skeletons.toggled.connect(self._redraw)
        self.time_label = QLabel("-")
        for w in (self.play_button, self.back_button, self.fwd_button):
            row.addWidget(w)
        row.addWidget(self.slider, 1)
        second.addWidget(self.time_label, 1)
        second.addWidget(self.speed)
        second.addWidget(self.loop)
        second.addWidget(self.show_skeletons)
        return rows

    def _set_enabled(self, on: bool) -> None:
        for w in (self.play_button, self.back_button, self.fwd_button, self.slider, self.speed, self.loop,
                  self.show_skeletons):
            w.setEnabled(on)

    def set_videos(self, readers: list, names: list[str], fps_ref: float, tracks: list[FollowerTrack],
                   skeletons: list[np.ndarray | None] | None = None) -> None:
        """Show new videos (reference first); the previous readers are closed.

        skeletons: per video an optional (T, 13, 2) array of keypoints in its pixels, drawn over the frames.
        """
        if len(readers) != len(tracks) + 1 or len(names) != len(readers):
            raise ValueError(f"{len(readers)} readers, {len(names)} names and {len(tracks)} tracks do not match")
        self.clear()
        skeletons = list(skeletons) if skeletons is not None else [None] * len(readers)
        self._fps, self._n = float(fps_ref), len(readers[0])
        for i, (reader, name) in enumerate(zip(readers, names)):
            track = tracks[i - 1] if i else None
            loader = FrameLoader(self, reader=reader, key=str(i))  # stopped in clear() or with this widget
            loader.frameReady.connect(self._on_frame_ready)
            lane = VideoLane(name, reader, track.fps if track else self._fps, track,
                             skeletons[i] if i < len(skeletons) else None, loader)
            self._lanes.append(lane)
            self._row.addWidget(self._make_column(i, lane), 1)
        self.slider.setRange(0, self._n - 1)
        self._set_enabled(True)
        self._time = 0.0
        self._counts = {"shown": 0, "dropped": 0}
        self._render()

    def _make_column(self, i: int, lane: VideoLane) -> QWidget:
        column = QWidget()
        box = QVBoxLayout(column)
        box.setContentsMargins(2, 2, 2, 2)
        title = QLabel(("Reference: " if i == 0 else f"Follower {i}: ") + lane.name)
        title.setToolTip(lane.name)
        title.setMinimumWidth(1)   # a long name is cut, it does not widen the panel
        title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        box.addWidget(title)
        lane.view.sizeChanged.connect(lambda j=i: self._view_resized(j))
        box.addWidget(lane.view, 1)
        if lane.controls is not None:
            lane.controls.nudgeChanged.connect(lambda v, j=i - 1: self.set_nudge(j, v))
            lane.controls.flipChanged.connect(lane.view.set_flipped)
            lane.controls.syncPointRequested.connect(lambda j=i - 1: self._ask_sync_point(j))
            box.addWidget(lane.controls)
        return column

    def clear(self) -> None:
        self._stop_clock()
        for lane in self._lanes:
            lane.close(self._on_frame_ready)  # ends its thread and closes its reader
        self._lanes = []
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._n = 0
        self._set_enabled(False)
        self.time_label.setText("-")

    # --- state ----------------------------------------------------------------------------------
    @property
    def tracks(self) -> list[FollowerTrack]:
        return [lane.track for lane in self._lanes[1:]]

    def lanes(self) -> list[VideoLane]:
        """The videos, reference first."""
        return list(self._lanes)

    def reference_frame(self) -> int:
        return frame_at(self._time, self._fps, self._n) if self._n else -1

    def shown_frames(self) -> list[int]:
        """The frame index each view shows now (reference first)."""
        return [lane.schedule.shown for lane in self._lanes]

    def views(self) -> list[VideoFrameView]:
        return [lane.view for lane in self._lanes]

    def names(self) -> list[str]:
        """The videos' names, reference first."""
        return [lane.name for lane in self._lanes]

    def skeletons(self) -> list[np.ndarray | None]:
        """Per video its (T, 13, 2) keypoints in its pixels, or None (reference first)."""
        return [lane.skeletons for lane in self._lanes]

    def follower_controls(self) -> list[FollowerControls]:
        return [lane.controls for lane in self._lanes[1:]]

    def is_playing(self) -> bool:
        return self._playing

    def playback_counts(self) -> dict[str, int]:
        """Frames shown and dropped (arrived too late) by the decode threads since the videos were set."""
        return dict(self._counts)

    # --- control --------------------------------------------------------------------------------
    def seek(self, ref_frame: int) -> None:
        if self._n:
            self._time = time_of(int(np.clip(ref_frame, 0, self._n - 1)), self._fps)
            self._render()

    def step(self, frames: int) -> None:
        if self._n:
            self._stop_clock()
            self._time = step_time(self._time, frames, self._fps, self._n)
            self._render()

    def set_nudge(self, follower: int, frames: int) -> None:
        lane = self._lanes[follower + 1]
        lane.track = replace(lane.track, nudge=int(frames))
        lane.schedule.forget_shown()
        self._render()

    def set_sync_point(self, follower: int, follower_frame: int) -> None:
        """A manual sync point: follower frame `follower_frame` shows the same instant as the reference's
        current frame. Sets the follower's nudge so (shown in its controls); the DTW map keeps the rest."""
        ref = self.reference_frame()
        if ref < 0:
            return
        lane = self._lanes[follower + 1]
        base = replace(lane.track, nudge=0).frame_for(ref)
        lane.controls.nudge.setValue(int(follower_frame) - base)   # its signal calls set_nudge

    def _ask_sync_point(self, follower: int) -> None:
        from PySide6.QtWidgets import QInputDialog

        lane = self._lanes[follower + 1]
        shown = lane.track.frame_for(max(0, self.reference_frame()))
        frame, ok = QInputDialog.getInt(self, "Sync point", f"Frame of {lane.name} that shows the "
                                        f"same instant as reference frame {self.reference_frame()}:",
                                        shown, 0, lane.track.n_frames - 1)
        if ok:
            self.set_sync_point(follower, frame)

    def set_speed(self, speed: float) -> None:
        self.speed.setValue(clamp_speed(speed))

    def toggle_play(self) -> None:
        self.pause() if self._playing else self.play()

    def play(self) -> None:
        if not self._n:
            return
        if frame_at(self._time, self._fps, self._n) >= self._n - 1:
            self._time = 0.0
        self._playing = True
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        self._wall.start()
        self._timer.start()

    def pause(self) -> None:
        """Stop the clock and show its frames exactly (decode threads may have been a frame behind)."""
        self._stop_clock()
        self._render()

    def _stop_clock(self) -> None:
        self._playing = False
        self._timer.stop()
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    def _tick(self) -> None:
        dt = self._wall.restart() / 1000.0
        self._time, playing = advance(self._time, dt, self.speed.value(), duration_of(self._n, self._fps),
                                      self.loop.isChecked())
        self._render()
        if not playing:
            self.pause()

    def _redraw(self) -> None:
        for lane in self._lanes:
            lane.schedule.forget_shown()
        self._render()

    def _on_slider(self, value: int) -> None:
        """A drag (or slider keys): the decode threads serve only the newest position."""
        if self._n and value != self.reference_frame():
            self._time = time_of(value, self._fps)
            self._render(at_once=False)

    def _view_resized(self, i: int) -> None:
        """Re-request the frame on screen at the view's new size (the old image is drawn scaled meanwhile)."""
        if i < len(self._lanes) and self._lanes[i].schedule.shown >= 0 and not self._playing:
            self._lanes[i].request(self._lanes[i].schedule.wanted)  # while playing, the next requests do anyway

    def _render(self, at_once: bool = True) -> None:
        """Show (paused) or ask the decode threads for (playing, or paused with at_once False) whatever
        frame changed; update the controls."""
        if not self._n:
            return
        ref = self.reference_frame()
        for i, lane in enumerate(self._lanes):
            s = lane.schedule
            s.wanted = lane.frame_for(ref)
            if self._playing:
                self._play_frame(i)
                continue
            s.pending = None
            if s.wanted != s.shown and at_once:
                self._show(i, s.wanted, lane.read_now(s.wanted))
            elif s.wanted != s.shown and s.requested != s.wanted:
                lane.request(s.wanted)
        self.slider.blockSignals(True)
        self.slider.setValue(ref)
        self.slider.blockSignals(False)
        self.time_label.setText(f"{self._time:6.2f} / {duration_of(self._n, self._fps):.2f} s  ·  "
                                f"frame {ref}/{self._n - 1}")
        self.positionChanged.emit(ref, [lane.schedule.wanted for lane in self._lanes[1:]])

    def _show(self, i: int, frame: int, picture: DecodedFrame) -> None:
        self._lanes[i].show(frame, picture, self.show_skeletons.isChecked())

    def _play_frame(self, i: int) -> None:
        """While playing: show a frame decoded ahead once its time has come; keep the decoder one frame ahead."""
        lane, speed = self._lanes[i], self.speed.value()
        due = lane.schedule.take_due(speed)
        if due is not None:
            self._present(i, *due)
        ahead_s = lane.schedule.lookahead_s(self._time, speed, duration_of(self._n, self._fps))
        ahead = lane.frame_for(frame_at(ahead_s, self._fps, self._n))
        if lane.schedule.needs_request(ahead):
            lane.request(ahead)

    def _present(self, i: int, frame: int, picture: DecodedFrame) -> None:
        if not self._lanes[i].schedule.on_time(frame, self.speed.value()):
            self._counts["dropped"] += 1  # too late (or left behind by a jump)
            return
        self._counts["shown"] += 1
        self._show(i, frame, picture)

    def _on_frame_ready(self, key: str, frame: int, picture: object) -> None:
        """A decode thread's frame (GUI thread, queued): shown now, held until its time, or dropped."""
        i = int(key)
        if i >= len(self._lanes) or self.sender() is not self._lanes[i].loader:
            return  # from videos shown before
        s = self._lanes[i].schedule
        s.arrived(time.perf_counter())
        if not self._playing:  # a slider position or a resize: shown if it is still the one wanted
            if frame == s.wanted:
                self._show(i, frame, picture)
            elif s.requested != s.wanted and s.wanted != s.shown:
                self._lanes[i].request(s.wanted)  # superseded by a synchronous move meanwhile
            return
        if s.requested != frame:
            return  # nudged / redrawn meanwhile
        if s.should_hold(frame, self.speed.value()):
            s.pending = (frame, picture)  # decoded ahead: shown by the tick that reaches it
        else:
            self._present(i, frame, picture)
        self._play_frame(i)
