"""Viewer panel: the selected video or image with every person's 2D skeleton (one colour per person track,
the selected person emphasised; a click on a person selects it and follows its track), and a player's transport: frame steps,
play at the video's own rate times a speed, loop, an in/out range, go to frame, zoom.

Media are opened and frames decoded, converted and scaled to the view's size by a FrameLoader thread
(newest request wins); the GUI thread shows "opening…" until the first frame arrives, then only paints.
While playing, a wall clock (poseexplorer.align.playback) says which frame is due; the decoder is asked
for the frame due when its answer will arrive (its recent latency ahead), an early frame waits for its
tick, one more than LATE_S behind the clock is dropped (align.playback_schedule.LaneSchedule, as in the
Sync panel's players), so playback keeps the real rate and the
app's current frame is always the picture on screen.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QLabel, QToolButton, QVBoxLayout, QWidget

from ...align.playback import advance_in_range, frame_at, time_of
from ...align.playback_schedule import LaneSchedule
from ..frame_loader import DecodedFrame, FrameLoader
from ...session.people import frame_people, person_at
from ..state import AppState
from ..views.frame_view import FrameView
from ..views.skeleton_style import ambiguity_colour, track_colour
from .viewer_transport import ViewerTransport

#: the one frame-numbering convention of the app, its exports and the command line
FRAME_NUMBERING = "Frames are numbered from 0 (the first frame is frame 0), as in every export and the CLI"
NO_MEDIA = ("No media open.\nDrop videos or image folders on the window, or use File > Open;\n"
            "an imported file opens here when its import is done.")
TICK_MS = 10
STILLS_FPS = 10.0      # the rate image folders (and media without a known rate) play at


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
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self._wall = QElapsedTimer()
        self.shown_frame = -1            # the frame whose image is on screen
        self.play_range: tuple[int, int] | None = None   # in and out frames, None: the whole media
        self.counts = {"shown": 0, "dropped": 0}          # frames presented / dropped while playing
        self._time = 0.0
        self.schedule = LaneSchedule(fps=STILLS_FPS, latency=0.03)   # what is asked, held, shown while playing
        self._presenting: DecodedFrame | None = None             # the picture of the frame being selected
        self._build()
        self.view.set_message(NO_MEDIA)
        self.view.displaySizeChanged.connect(self._view_resized)
        state.mediaSelected.connect(self._media_changed)
        state.frameSelected.connect(self._frame_changed)
        state.snapshotChanged.connect(self._snapshot_changed)
        state.optionsChanged.connect(self._redraw_pose)
        state.tracksChanged.connect(self._redraw_pose)
        state.poseSelected.connect(self._pose_changed)
        self.view.clicked.connect(self._clicked)

    def _build(self) -> None:
        t = self.transport = ViewerTransport()
        self.play_button, self.slider, self.frame_label = t.play_button, t.slider, t.frame_label
        self.frame_label.setToolTip(FRAME_NUMBERING)
        t.play_button.clicked.connect(self.toggle_play)
        t.back_button.clicked.connect(lambda: self.step(-1))
        t.fwd_button.clicked.connect(lambda: self.step(1))
        t.slider.valueChanged.connect(self._slider_moved)
        t.go_to.valueChanged.connect(self.go_to)
        t.in_button.clicked.connect(lambda: self.set_range(self.state.frame, None))
        t.out_button.clicked.connect(lambda: self.set_range(None, self.state.frame))
        t.clear_range.clicked.connect(self.clear_range)
        for text, tip, slot in (("+", "Zoom in (or the mouse wheel)", lambda: self.view.zoom(1.25)),
                                ("−", "Zoom out", lambda: self.view.zoom(0.8)),
                                ("Fit", "Show the whole frame", self.view.fit)):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            t.zoom_row.addWidget(b)
        self.pose_label = QLabel("")
        self.pose_label.setStyleSheet("color: #aaa")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view, 1)
        layout.addWidget(t)
        layout.addWidget(self.pose_label)

    # --- navigation -------------------------------------------------------------------------------
    def _media(self):
        return self.state.snapshot.media_by_id.get(self.state.media_id)

    def n_frames(self) -> int:
        m = self._media()
        return max(1, m.n_frames) if m else 0

    def fps(self) -> float:
        m = self._media()
        return float(m.fps) if m is not None and m.kind == "video" and m.fps and m.fps > 0 else STILLS_FPS

    def step(self, delta: int) -> None:
        if self.state.media_id < 0 or self.n_frames() == 0:
            return
        self.pause()
        frame = int(np.clip(self.state.frame + delta, 0, self.n_frames() - 1))
        self.state.select_frame(self.state.media_id, frame)

    def go_to(self, frame: int) -> None:
        """Show a frame (clipped to the media); a running playback goes on from there."""
        if self.state.media_id < 0 or self.n_frames() == 0:
            return
        frame = int(np.clip(frame, 0, self.n_frames() - 1))
        self._time = time_of(frame, self.fps())
        self.state.select_frame(self.state.media_id, frame)

    def range_frames(self) -> tuple[int, int]:
        """(in, out) frames that playback runs between, inclusive; the whole media without a range."""
        last = self.n_frames() - 1
        start, end = self.play_range or (0, last)
        return int(np.clip(start, 0, last)), int(np.clip(end, 0, last))

    def set_range(self, start: int | None, end: int | None) -> None:
        """Set the in point, the out point or both (None keeps that one); an out before the in moves the in."""
        if self.n_frames() == 0:
            return
        old_start, old_end = self.range_frames()
        start = old_start if start is None else int(start)
        end = old_end if end is None else int(end)
        if end < start:
            start, end = (end, end) if start == old_start else (start, start)
        self.play_range = (start, end)
        self.transport.show_range(start, end, self.n_frames())

    def clear_range(self) -> None:
        self.play_range = None
        self.transport.show_range(0, self.n_frames() - 1, self.n_frames())

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self.state.media_id < 0 or self.n_frames() <= 1 or self.playing:
            return
        start, end = self.range_frames()
        frame = self.state.frame
        if not start <= frame < end:
            frame = start                      # outside the range, or at its end: from the in point
            self.state.select_frame(self.state.media_id, frame)
        self._time = time_of(frame, self.fps())
        self.schedule.restart(self.fps())
        self._wall.start()
        self.timer.start()
        self.transport.show_playing(True)

    def pause(self) -> None:
        """Stop the clock; the frame on screen stays the current one (a frame still decoding is shown)."""
        if not self.playing:
            return
        self.timer.stop()
        self.schedule.restart(self.fps())
        self.transport.show_playing(False)
        m = self._media()
        if m is not None and m.kind != "keypoints" and self.shown_frame != self.state.frame >= 0:
            self.loader.request(m.path, self.state.frame, self.view.display_box())

    def _tick(self) -> None:
        fps = self.fps()
        start, end = self.range_frames()
        self._time, going = advance_in_range(self._time, self._wall.restart() / 1000.0, self.transport.speed.value(),
                                             time_of(start, fps), time_of(end, fps), self.transport.loop.isChecked())
        due = frame_at(self._time, fps, self.n_frames())
        m = self._media()
        if m is None:
            self.pause()
            return
        if m.kind == "keypoints":                      # nothing to decode: the poses are in memory
            if due != self.state.frame:
                self.state.select_frame(m.media_id, due)
        else:
            self._play_frame(m.path, due)
        if not going:                                  # stopped at the out point (or the last frame): show it
            self.pause()
            self.state.select_frame(m.media_id, due)

    def _play_frame(self, path: str, due: int) -> None:
        s, speed = self.schedule, self.transport.speed.value()
        s.wanted = due
        held = s.take_due(speed)
        if held is not None:
            self._present(*held, due)
        start, end = self.range_frames()
        ahead = min(frame_at(s.lookahead_s(self._time, speed, float("inf")), self.fps(), self.n_frames()), end)
        if ahead < due:                               # the range loops before the decoder would answer
            ahead = start
        s.shown = self.shown_frame
        if s.needs_request(ahead):
            s.asked(ahead, time.perf_counter())
            self.loader.request(path, ahead, self.view.display_box())

    def _present(self, frame: int, picture: DecodedFrame, due: int) -> None:
        """Show a frame decoded while playing and make it the current one, unless it is too late."""
        self.schedule.wanted = due
        if not self.schedule.on_time(frame, self.transport.speed.value()):
            self.counts["dropped"] += 1
            return
        self.counts["shown"] += 1
        if frame == self.state.frame:               # already current (its picture was still on its way)
            self._show(frame, picture)
            return
        self._presenting = picture
        try:
            self.state.select_frame(self.state.media_id, frame)
        finally:
            self._presenting = None

    def _slider_moved(self, value: int) -> None:
        if value != self.state.frame and self.state.media_id >= 0:
            self.go_to(value)

    # --- state listeners ------------------------------------------------------------------------------
    def _media_changed(self, media_id: int) -> None:
        self.pause()
        m = self._media()
        self.transport.set_media(m.n_frames if m else 0)
        self.play_range = None
        self.transport.show_range(0, 0, 1)
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
        elif self.playing and self._media() is None:
            self.pause()
        self._redraw_pose()

    def _frame_changed(self, media_id: int, frame: int) -> None:
        m = self._media()
        if m is None:
            return
        self.transport.show_frame(frame, f"{m.name}  frame {frame} / {m.n_frames - 1}")
        if self._presenting is not None:             # played: its picture is here already
            self._show(frame, self._presenting)
        elif m.kind == "keypoints":
            self._redraw_pose()
        else:
            if self.playing:                         # chosen elsewhere while playing: play on from there
                self._time, self.schedule.pending = time_of(frame, self.fps()), None
            self.loader.request(m.path, frame, self.view.display_box())

    def _view_resized(self) -> None:
        """A zoom or resize needs another resolution: the frame on screen is decoded again at that size."""
        m = self._media()
        if m is not None and m.kind != "keypoints" and self.shown_frame == self.state.frame >= 0:
            self.loader.request(m.path, self.shown_frame, self.view.display_box())

    def _frame_ready(self, path: str, index: int, frame: DecodedFrame) -> None:
        m = self._media()
        if m is None or path != m.path:
            return
        s = self.schedule
        if self.playing and s.in_flight and index == s.requested:
            s.arrived(time.perf_counter())
            s.wanted = due = frame_at(self._time, self.fps(), self.n_frames())
            if s.should_hold(index, self.transport.speed.value()):
                s.pending = (index, frame)          # decoded ahead: shown by the tick that reaches it
            else:
                self._present(index, frame, due)
            self._play_frame(path, frame_at(self._time, self.fps(), self.n_frames()))
        elif index == self.state.frame:
            self._show(index, frame)

    def _show(self, index: int, frame: DecodedFrame) -> None:
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

    def _pose_changed(self, pose_id: int) -> None:
        """Another person chosen in the frame on screen (a frame change redraws when its picture is in)."""
        m = self._media()
        if m is not None and (m.kind == "keypoints" or self.shown_frame == self.state.frame):
            self._redraw_pose()

    def _clicked(self, x: float, y: float) -> None:
        """Select the person clicked on (and follow their track); a click beside everyone: the best person."""
        if self.state.media_id < 0 or self.state.frame < 0:
            return
        people = frame_people(self.state.snapshot, self.state.tracks, self.state.media_id, self.state.frame)
        if len(people) < 2 and not (people.track >= 0).any():
            return                                     # one untracked person: nothing to choose
        k = person_at(people.xy, people.scores, (x, y), self.state.min_visibility)
        self.state.select_person(int(people.pose_ids[k]) if k >= 0 else -1)

    def _draw_people(self) -> str:
        """Draw every person of the current frame; returns what the pose label says about them."""
        state = self.state
        people = frame_people(state.snapshot, state.tracks, state.media_id, state.frame)
        tracked = bool((people.track >= 0).any())
        if state.media_id < 0 or state.frame < 0 or (len(people) < 2 and not tracked):
            self.view.set_people(np.zeros((0, 13, 2)), np.zeros((0, 13)), [], [])   # one person: as it always was
            return ""
        selected = people.index_of(state.pose_id)
        labels = [f"track {t}" if t >= 0 else "" for t in people.track]
        self.view.set_people(people.xy, people.scores, [track_colour(int(t)) for t in people.track], labels,
                             selected if tracked else -1, state.min_visibility)
        if state.track >= 0 and selected < 0:
            return f"track {state.track} is not in this frame (click a person, or beside them for the best one)"
        who = f"track {people.track[selected]}" if selected >= 0 and people.track[selected] >= 0 else "person"
        how = "followed" if state.track >= 0 else "best in this frame"
        count = f"{len(people)} {'person' if len(people) == 1 else 'people'}"
        return f"{count}; {who} selected ({how}; click a person to select them) · "

    def _redraw_pose(self) -> None:
        snap = self.state.snapshot
        row = snap.row_of(self.state.pose_id)
        people_text = self._draw_people()
        if row < 0:
            self.view.set_pose(None)
            self.pose_label.setText(people_text or ("no person in this frame" if self.state.media_id >= 0 else ""))
            return
        colour, text = None, ""
        if snap.has_embeddings:
            amb = snap.ambiguity()
            pct = snap.ambiguity_percentile(row)
            text = f" · ambiguity {amb[row]:.3f} ({pct:.0f}th percentile)"
            if self.state.colour_by_ambiguity:
                colour = ambiguity_colour(pct)
        scores = snap.scores[row]
        self.view.set_pose(snap.xy[row], scores, self.state.min_visibility, colour)
        n_vis = int((scores >= self.state.min_visibility).sum())
        self.pose_label.setText(f"{people_text}pose {self.state.pose_id}: {n_vis}/13 joints visible "
                                f"(dashed grey: below {self.state.min_visibility:.2f}){text}")

    def closeEvent(self, event) -> None:  # noqa: N802
        self.timer.stop()
        self.loader.stop()
        super().closeEvent(event)
