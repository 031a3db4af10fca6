"""Synced players: the reference video owns one clock; each follower shows the frame its sync map gives.

The clock and frame mapping are headless (poseexplorer.align.playback); this widget only asks for frames
and paints them. Each video's frames are decoded by its own FrameLoader thread (newest request wins),
which also converts and scales them to their view's size, so the GUI thread only blits. While playing the
clock never waits for a decoder: each request is for the frame due when it will arrive (the decoder's
recent latency ahead of the clock); a frame that arrives early waits for the tick that reaches it, one
more than LATE_S of wall time behind the clock is dropped. Dragging the slider while paused also goes
through the decode threads (only the newest position is decoded). Explicit one-off moves while paused
(seek, step, nudge, pause) decode at once, so what the controls promise is on screen when they return.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QSpinBox, QStyle, QToolButton,
    QVBoxLayout, QWidget,
)

from ...align.playback import (
    FollowerTrack, advance, clamp_speed, duration_of, frame_at, step_time, time_of,
)
from ..frame_loader import DecodedFrame, FrameLoader
from .video_view import VideoFrameView

TICK_MS = 15
LATE_S = 0.15  # a decoded frame further behind the clock than this (wall time) is dropped


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


class SyncPlayers(QWidget):
    """Side-by-side views under one clock, with transport: play/pause, step, slider, speed.

    `set_videos(readers, names, fps_ref, tracks)`: readers are open media readers (len, read(i)); the
    first is the reference, the rest follow through `tracks` (one FollowerTrack each).
    Signals: positionChanged(reference frame, follower frames list).
    """

    positionChanged = Signal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._readers: list = []
        self._names: list[str] = []
        self._tracks: list[FollowerTrack] = []
        self._views: list[VideoFrameView] = []
        self._controls: list[FollowerControls] = []
        self._skeletons: list[np.ndarray | None] = []
        self._fps = 30.0
        self._n = 0
        self._time = 0.0
        self._shown: list[int] = []
        self._wanted: list[int] = []
        self._requested: list[int] = []
        self._in_flight: list[bool] = []  # one request at a time per decode thread
        self._pending: list[tuple[int, DecodedFrame] | None] = []  # decoded ahead, waiting for its time
        self._latency: list[float] = []  # seconds from request to arrival, smoothed, per video
        self._asked_at: list[float] = []
        self._loaders: list[FrameLoader] = []
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
        self._readers, self._names, self._tracks = list(readers), list(names), list(tracks)
        self._skeletons = list(skeletons) if skeletons is not None else [None] * len(readers)
        self._fps, self._n = float(fps_ref), len(readers[0])
        for i, name in enumerate(names):
            self._row.addWidget(self._make_column(i, name), 1)
        self.slider.setRange(0, self._n - 1)
        self._set_enabled(True)
        self._time = 0.0
        self._shown = [-1] * len(readers)
        self._requested = [-1] * len(readers)
        self._in_flight = [False] * len(readers)
        self._pending, self._latency, self._asked_at = [None] * len(readers), [0.0] * len(readers), [0.0] * len(readers)
        self._counts = {"shown": 0, "dropped": 0}
        for i, reader in enumerate(readers):
            loader = FrameLoader(self, reader=reader, key=str(i))  # stopped in clear() or with this widget
            loader.frameReady.connect(self._on_frame_ready)
            self._loaders.append(loader)
        self._render()

    def _make_column(self, i: int, name: str) -> QWidget:
        column = QWidget()
        box = QVBoxLayout(column)
        box.setContentsMargins(2, 2, 2, 2)
        title = QLabel(("Reference: " if i == 0 else f"Follower {i}: ") + name)
        title.setToolTip(name)
        title.setMinimumWidth(1)   # a long name is cut, it does not widen the panel
        title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        box.addWidget(title)
        view = VideoFrameView()
        view.sizeChanged.connect(lambda j=i: self._view_resized(j))
        self._views.append(view)
        box.addWidget(view, 1)
        if i > 0:
            track = self._tracks[i - 1]
            controls = FollowerControls(track.mirrored)
            controls.nudgeChanged.connect(lambda v, j=i - 1: self.set_nudge(j, v))
            controls.flipChanged.connect(view.set_flipped)
            controls.syncPointRequested.connect(lambda j=i - 1: self._ask_sync_point(j))
            self._controls.append(controls)
            box.addWidget(controls)
        return column

    def clear(self) -> None:
        self._stop_clock()
        for loader in self._loaders:
            try:
                loader.frameReady.disconnect(self._on_frame_ready)
                loader.stop()  # ends its thread and closes its reader
                loader.deleteLater()
            except Exception:  # a reader that fails to close must not stop the panel
                pass
        self._loaders = []
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._readers, self._names, self._tracks, self._views, self._shown = [], [], [], [], []
        self._wanted, self._requested, self._in_flight = [], [], []
        self._pending, self._latency, self._asked_at = [], [], []
        self._controls = []
        self._n = 0
        self._set_enabled(False)
        self.time_label.setText("-")

    # --- state ----------------------------------------------------------------------------------
    @property
    def tracks(self) -> list[FollowerTrack]:
        return list(self._tracks)

    def reference_frame(self) -> int:
        return frame_at(self._time, self._fps, self._n) if self._n else -1

    def shown_frames(self) -> list[int]:
        """The frame index each view shows now (reference first)."""
        return list(self._shown)

    def views(self) -> list[VideoFrameView]:
        return list(self._views)

    def names(self) -> list[str]:
        """The videos' names, reference first."""
        return list(self._names)

    def skeletons(self) -> list[np.ndarray | None]:
        """Per video its (T, 13, 2) keypoints in its pixels, or None (reference first)."""
        return list(self._skeletons)

    def follower_controls(self) -> list[FollowerControls]:
        return list(self._controls)

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
        self._tracks[follower] = replace(self._tracks[follower], nudge=int(frames))
        self._shown[follower + 1] = self._requested[follower + 1] = -1
        self._pending[follower + 1] = None
        self._render()

    def set_sync_point(self, follower: int, follower_frame: int) -> None:
        """A manual sync point: follower frame `follower_frame` shows the same instant as the reference's
        current frame. Sets the follower's nudge so (shown in its controls); the DTW map keeps the rest."""
        ref = self.reference_frame()
        if ref < 0:
            return
        base = replace(self._tracks[follower], nudge=0).frame_for(ref)
        self._controls[follower].nudge.setValue(int(follower_frame) - base)   # its signal calls set_nudge

    def _ask_sync_point(self, follower: int) -> None:
        from PySide6.QtWidgets import QInputDialog

        track = self._tracks[follower]
        shown = track.frame_for(max(0, self.reference_frame()))
        frame, ok = QInputDialog.getInt(self, "Sync point", f"Frame of {self._names[follower + 1]} that shows the "
                                        f"same instant as reference frame {self.reference_frame()}:",
                                        shown, 0, track.n_frames - 1)
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

    def _skeleton(self, video: int, frame: int) -> np.ndarray | None:
        poses = self._skeletons[video] if video < len(self._skeletons) else None
        if poses is None or not self.show_skeletons.isChecked() or not 0 <= frame < len(poses):
            return None
        return poses[frame]

    def _redraw(self) -> None:
        self._shown = [-1] * len(self._readers)
        self._requested = [-1] * len(self._readers)
        self._pending = [None] * len(self._readers)
        self._render()

    def _on_slider(self, value: int) -> None:
        """A drag (or slider keys): the decode threads serve only the newest position."""
        if self._n and value != self.reference_frame():
            self._time = time_of(value, self._fps)
            self._render(at_once=False)

    def _view_resized(self, i: int) -> None:
        """Re-request the frame on screen at the view's new size (the old image is drawn scaled meanwhile)."""
        if i < len(self._wanted) and self._shown[i] >= 0 and not self._playing:
            self._request(i, self._wanted[i])  # while playing, the next requests use the new size anyway

    def _render(self, at_once: bool = True) -> None:
        """Show (paused) or ask the decode threads for (playing, or paused with at_once False) whatever
        frame changed; update the controls."""
        if not self._n:
            return
        ref = self.reference_frame()
        self._wanted = [ref] + [t.frame_for(ref) for t in self._tracks]
        for i, frame in enumerate(self._wanted):
            if self._playing:
                self._play_frame(i, frame)
                continue
            self._pending[i] = None
            if frame != self._shown[i] and at_once:
                self._show(i, frame, self._loaders[i].read_now(frame, self._views[i].display_box()))
            elif frame != self._shown[i] and self._requested[i] != frame:
                self._request(i, frame)
        self.slider.blockSignals(True)
        self.slider.setValue(ref)
        self.slider.blockSignals(False)
        self.time_label.setText(f"{self._time:6.2f} / {duration_of(self._n, self._fps):.2f} s  ·  "
                                f"frame {ref}/{self._n - 1}")
        self.positionChanged.emit(ref, self._wanted[1:])

    def _show(self, i: int, frame: int, picture: DecodedFrame) -> None:
        fps = self._fps if i == 0 else self._tracks[i - 1].fps
        self._views[i].set_frame(picture, f"frame {frame}/{len(self._readers[i]) - 1}  ·  {frame / fps:.2f} s",
                                 self._skeleton(i, frame))
        self._shown[i] = frame

    def _play_frame(self, i: int, frame: int) -> None:
        """While playing: show a frame decoded ahead once its time has come; keep the decoder one frame ahead."""
        pending = self._pending[i]
        if pending is not None and (pending[0] <= frame or self._seconds_off(i, pending[0]) < -self._horizon(i)):
            self._pending[i] = None  # its time has come, or the clock jumped back past it (a seek, a loop)
            self._present(i, *pending)
        if not self._in_flight[i] and self._pending[i] is None:
            ahead = self._frame_ahead(i)
            if ahead != self._shown[i]:
                self._request(i, ahead)

    def _frame_ahead(self, i: int) -> int:
        """The frame this view should show when a request made now arrives (the decoder's recent latency)."""
        t = min(self._time + self.speed.value() * self._latency[i], duration_of(self._n, self._fps))
        ref = frame_at(t, self._fps, self._n)
        return ref if i == 0 else self._tracks[i - 1].frame_for(ref)

    def _seconds_off(self, i: int, frame: int) -> float:
        """Wall seconds `frame` is behind (+) or ahead of (-) the clock in view i at the current speed."""
        fps = self._fps if i == 0 else self._tracks[i - 1].fps
        return (self._wanted[i] - frame) / fps / max(self.speed.value(), 1e-6)

    def _horizon(self, i: int) -> float:
        return max(LATE_S, 2.0 * self._latency[i])

    def _present(self, i: int, frame: int, picture: DecodedFrame) -> None:
        if not 0.0 <= self._seconds_off(i, frame) <= LATE_S:
            self._counts["dropped"] += 1  # too late (or left behind by a jump)
            return
        self._counts["shown"] += 1
        self._show(i, frame, picture)

    def _request(self, i: int, frame: int) -> None:
        self._requested[i], self._in_flight[i] = frame, True
        self._asked_at[i] = time.perf_counter()
        self._loaders[i].request_frame(frame, self._views[i].display_box())

    def _on_frame_ready(self, key: str, frame: int, picture: object) -> None:
        """A decode thread's frame (GUI thread, queued): shown now, held until its time, or dropped."""
        i = int(key)
        if i >= len(self._in_flight) or self.sender() is not self._loaders[i]:
            return  # from videos shown before
        self._in_flight[i] = False
        self._latency[i] = 0.7 * self._latency[i] + 0.3 * (time.perf_counter() - self._asked_at[i])
        if not self._playing:  # a slider position or a resize: shown if it is still the one wanted
            if frame == self._wanted[i]:
                self._show(i, frame, picture)
            elif self._requested[i] != self._wanted[i] and self._wanted[i] != self._shown[i]:
                self._request(i, self._wanted[i])  # superseded by a synchronous move meanwhile
            return
        if self._requested[i] != frame:
            return  # nudged / redrawn meanwhile
        if frame > self._wanted[i] and -self._seconds_off(i, frame) <= self._horizon(i):
            self._pending[i] = (frame, picture)  # decoded ahead: shown by the tick that reaches it
        else:
            self._present(i, frame, picture)
        self._play_frame(i, self._wanted[i])


def display_name(path: str) -> str:
    return Path(path).name
