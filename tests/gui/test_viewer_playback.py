"""The main viewer plays like a video analysis player: at the video's own rate times the speed, decoding
ahead off the GUI thread, with loop, an in/out range, go to frame and one-frame steps."""
from __future__ import annotations

import time

import numpy as np
import pytest

from poseexplorer.gui.panels.viewer_panel import ViewerPanel
from poseexplorer.gui.state import AppState
from poseexplorer.io import open_media
from poseexplorer.session.snapshot import LibrarySnapshot, MediaRow

from .explorer_media import BASE_POSE, write_video

pytestmark = pytest.mark.gui
N, FPS = 50, 25.0


@pytest.fixture
def player(qtbot, tmp_path):
    """A viewer on a generated 50-frame 25 fps video with a pose at every frame, and its decoded frames."""
    path = write_video(tmp_path / "clip.mp4", N, size=(160, 120))
    reader = open_media(str(path))
    frames = [np.asarray(reader.read(i)) for i in range(N)]
    reader.close()
    media = (MediaRow(1, "clip.mp4", str(path), "video", N, FPS, (160, 120), "done"),)
    xy = np.repeat(BASE_POSE[None] * 0.4, N, axis=0)
    state = AppState()
    state.set_snapshot(LibrarySnapshot(media, np.arange(N, dtype=np.int64), np.ones(N, np.int64),
                                       np.arange(N, dtype=np.int64), xy, np.ones((N, 13), np.float32)))
    viewer = ViewerPanel(state)
    qtbot.addWidget(viewer)
    viewer.resize(500, 400)
    viewer.show()
    state.select_frame(1, 0)
    qtbot.waitUntil(lambda: viewer.shown_frame == 0, timeout=10000)
    yield viewer, state, frames
    viewer.pause()
    viewer.loader.stop()


def _play_through(viewer, state, qtbot, frames) -> tuple[float, list[int]]:
    """Play to the end; returns the wall seconds it took and the frames made current, each checked to be
    the picture on screen when it became current."""
    seen: list[int] = []

    def check(media_id: int, frame: int) -> None:
        seen.append(frame)
        if viewer.playing:
            assert viewer.shown_frame == frame and np.array_equal(viewer.view.frame(), frames[frame])

    state.frameSelected.connect(check)
    start = time.perf_counter()
    viewer.play()
    qtbot.waitUntil(lambda: not viewer.playing, timeout=15000)
    took = time.perf_counter() - start
    state.frameSelected.disconnect(check)
    return took, seen


def test_playback_keeps_the_video_rate_times_the_speed_and_shows_the_current_frame(player, qtbot):
    viewer, state, frames = player
    duration = (N - 1) / FPS
    took, seen = _play_through(viewer, state, qtbot, frames)
    assert duration * 0.95 <= took <= duration + 0.6        # the wall clock, not the decoder, sets the pace
    assert seen == sorted(seen) and seen[-1] == N - 1 and state.frame == N - 1
    assert viewer.counts["shown"] >= N // 4                 # frames decoded ahead actually reach the screen
    qtbot.waitUntil(lambda: viewer.shown_frame == N - 1, timeout=5000)
    viewer.transport.speed.setValue(2.0)
    viewer.go_to(0)
    took2, _ = _play_through(viewer, state, qtbot, frames)
    assert duration / 2 * 0.95 <= took2 <= duration / 2 + 0.6
    assert 1.4 <= took / took2 <= 2.3


def test_loop_plays_the_in_out_range_again_and_again(player, qtbot):
    viewer, state, frames = player
    viewer.go_to(10)
    viewer.transport.in_button.click()
    viewer.go_to(20)
    viewer.transport.out_button.click()
    assert viewer.range_frames() == (10, 20) and "10–20" in viewer.transport.range_label.text()
    viewer.transport.loop.setChecked(True)
    seen: list[int] = []
    state.frameSelected.connect(lambda m, f: seen.append(f))
    viewer.play()                                             # at the out point: starts from the in point
    qtbot.wait(int(3 * 11 / FPS * 1000))                      # three times the range's length
    assert viewer.playing
    viewer.pause()
    assert seen and min(seen) >= 10 and max(seen) <= 20
    wraps = sum(1 for a, b in zip(seen, seen[1:]) if b < a)
    assert wraps >= 2
    viewer.transport.clear_range.click()
    assert viewer.range_frames() == (0, N - 1) and viewer.transport.range_label.text() == ""


def test_go_to_frame_and_one_frame_steps(player, qtbot):
    viewer, state, frames = player
    viewer.transport.go_to.setValue(33)                       # what Enter in the box does
    assert state.frame == 33
    qtbot.waitUntil(lambda: viewer.shown_frame == 33, timeout=5000)
    assert np.array_equal(viewer.view.frame(), frames[33])
    viewer.transport.fwd_button.click()
    assert state.frame == 34 and viewer.transport.go_to.value() == 34 and viewer.slider.value() == 34
    viewer.transport.back_button.click()
    viewer.transport.back_button.click()
    assert state.frame == 32
    viewer.transport.go_to.setValue(10_000)                   # past the end: the last frame
    assert state.frame == N - 1
    viewer.play()
    viewer.transport.back_button.click()                      # a step pauses, like a player
    assert not viewer.playing
    # the step icons are a bar and a triangle pointing away from it, not skip-to-end (triangle into a bar)
    fwd = viewer.transport.fwd_button.icon().pixmap(16, 16).toImage()
    assert fwd.pixelColor(4, 8).alpha() > 0 and fwd.pixelColor(13, 8).alpha() > 0
    assert fwd.pixelColor(7, 2).alpha() == 0
