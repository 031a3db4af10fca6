"""The viewer's transport controls, like a video analysis player's: frame steps, play, slider, go to frame,
speed, loop and an in/out range. Widgets only: the ViewerPanel connects them and runs the clock."""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QSlider, QSpinBox, QStyle, QToolButton, QVBoxLayout, QWidget,
)

from ...align.playback import MAX_SPEED, MIN_SPEED


def step_icon(forward: bool, colour: QColor, size: int = 16) -> QIcon:
    """One-frame step: a bar and a small triangle pointing away from it ('❙▶' forward, '◀❙' back), unlike
    the skip-to-end icons (a triangle against a bar)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    s = size / 16.0
    bar_x, tri = (3 * s, [(7, 3), (14, 8), (7, 13)]) if forward else (11 * s, [(9, 3), (2, 8), (9, 13)])
    p.drawRect(int(bar_x), int(3 * s), max(1, int(2 * s)), int(10 * s))
    p.drawPolygon(QPolygonF([QPointF(x * s, y * s) for x, y in tri]))
    p.end()
    return QIcon(pixmap)


class ViewerTransport(QWidget):
    """Two rows: step back, play, step forward, slider, frame label; then go to, speed, loop, in/out.

    The in/out range is shown as `range_label`; `set_media(n_frames)` sets the ranges of the slider and
    the go-to box, `show_frame(frame, text)` moves them without emitting."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        colour = self.palette().color(QPalette.ColorRole.ButtonText)
        self.back_button = self._button("One frame back (Left; Shift+Left: 10 back)", step_icon(False, colour))
        self.play_button = self._button("Play / pause (Space) at the video's own rate times the speed",
                                        self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.fwd_button = self._button("One frame forward (Right; Shift+Right: 10 on)", step_icon(True, colour))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.frame_label = QLabel("no media")
        self.go_to = QSpinBox()
        self.go_to.setPrefix("go to ")
        self.go_to.setKeyboardTracking(False)     # typed digits go there on Enter, not digit by digit
        self.go_to.setToolTip("Type a frame number and press Enter (frames are numbered from 0)")
        self.speed = QDoubleSpinBox()
        self.speed.setRange(MIN_SPEED, MAX_SPEED)
        self.speed.setSingleStep(0.25)
        self.speed.setValue(1.0)
        self.speed.setPrefix("speed ")
        self.speed.setSuffix(" x")
        self.speed.setToolTip(f"Playback speed, {MIN_SPEED}x to {MAX_SPEED:g}x the video's own frame rate")
        self.loop = QCheckBox("Loop")
        self.loop.setToolTip("Start again from the in point (or the first frame) at the end")
        self.in_button = self._button("In point: playback starts here (the current frame)", text="[")
        self.out_button = self._button("Out point: playback stops or loops here (the current frame)", text="]")
        self.clear_range = self._button("Play the whole video again (clear the in and out points)", text="×")
        self.range_label = QLabel("")
        self.range_label.setStyleSheet("color: #aaa")
        first, second = QHBoxLayout(), QHBoxLayout()
        for w in (self.back_button, self.play_button, self.fwd_button):
            first.addWidget(w)
        first.addWidget(self.slider, 1)
        first.addWidget(self.frame_label)
        for w in (self.go_to, self.speed, self.loop, self.in_button, self.out_button, self.clear_range,
                  self.range_label):
            second.addWidget(w)
        second.addStretch(1)
        self.zoom_row = second                    # the panel adds its zoom buttons at the end
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(2)
        rows.addLayout(first)
        rows.addLayout(second)

    @staticmethod
    def _button(tip: str, icon: QIcon | None = None, text: str = "") -> QToolButton:
        b = QToolButton()
        if icon is not None:
            b.setIcon(icon)
        else:
            b.setText(text)
        b.setToolTip(tip)
        return b

    def set_media(self, n_frames: int) -> None:
        """A media with n_frames frames (0: none) is open."""
        for w in (self.slider, self.go_to):
            w.blockSignals(True)
            w.setRange(0, max(0, n_frames - 1))
            w.blockSignals(False)
        self.slider.setEnabled(n_frames > 0)

    def show_frame(self, frame: int, text: str) -> None:
        for w in (self.slider, self.go_to):
            w.blockSignals(True)
            w.setValue(frame)
            w.blockSignals(False)
        self.frame_label.setText(text)

    def show_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def show_range(self, start: int, end: int, n_frames: int) -> None:
        whole = start <= 0 and end >= n_frames - 1
        self.range_label.setText("" if whole else f"plays {start}–{end}")
        self.clear_range.setEnabled(not whole)
