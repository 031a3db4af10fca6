"""What a first session ran into: a result with the same frame number in another media, the mouse wheel on
unfocused spin boxes, the scroll position of a new search, the window and Settings dialog on small screens."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QFormLayout, QScrollArea, QSpinBox, QWidget

from poseexplorer.gui.panels.viewer_panel import ViewerPanel
from poseexplorer.gui.state import AppState
from poseexplorer.session.snapshot import LibrarySnapshot, MediaRow

from .explorer_media import BASE_POSE, write_video

pytestmark = pytest.mark.gui


def two_video_snapshot(tmp_path) -> LibrarySnapshot:
    """Two generated videos of different sizes, each with a pose at every frame."""
    a = write_video(tmp_path / "cam01.mp4", 12, size=(160, 120))
    b = write_video(tmp_path / "cam02.mp4", 12, size=(96, 128))
    media = (MediaRow(1, "cam01.mp4", str(a), "video", 12, 25.0, (160, 120), "done"),
             MediaRow(2, "cam02.mp4", str(b), "video", 12, 25.0, (96, 128), "done"))
    n = 24
    media_ids = np.repeat([1, 2], 12).astype(np.int64)
    frames = np.tile(np.arange(12), 2).astype(np.int64)
    xy = np.repeat(BASE_POSE[None] * 0.4, n, axis=0)
    return LibrarySnapshot(media, np.arange(n, dtype=np.int64) + 100, media_ids, frames, xy,
                           np.ones((n, 13), np.float32))


def test_a_pose_with_the_same_frame_number_in_another_media_opens_that_media(qtbot, tmp_path):
    state = AppState()
    state.set_snapshot(two_video_snapshot(tmp_path))
    viewer = ViewerPanel(state)
    qtbot.addWidget(viewer)
    viewer.resize(400, 300)
    viewer.show()
    state.select_frame(1, 5)
    qtbot.waitUntil(lambda: viewer.shown_frame == 5 and viewer.view.frame() is not None, timeout=10000)
    assert viewer.view.frame().shape[:2] == (120, 160)
    frames = []
    state.frameSelected.connect(lambda m, f: frames.append((m, f)))
    state.select_pose(int(state.snapshot.pose_at(2, 5)))      # what clicking the result "cam02 frame 5" does
    assert frames == [(2, 5)]
    qtbot.waitUntil(lambda: viewer.view.frame() is not None and viewer.view.frame().shape[:2] == (128, 96),
                    timeout=10000)
    assert viewer.view.message() == "" and viewer.shown_frame == 5
    assert "cam02.mp4  frame 5 / 11" in viewer.frame_label.text()   # 0-based, as the exports
    viewer.loader.stop()


def wheel(widget: QWidget, steps: int = -1) -> None:
    """A mouse-wheel turn over the widget's centre (negative: towards the user, i.e. scroll down)."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def test_spin_boxes_take_the_wheel_only_when_focused_and_the_form_scrolls_instead(qtbot):
    from poseexplorer.gui.views.wheel_guard import install_wheel_guard

    install_wheel_guard()
    form_widget = QWidget()
    form = QFormLayout(form_widget)
    boxes = []
    for i in range(30):
        box = QSpinBox()
        box.setRange(0, 100)
        box.setValue(50)
        form.addRow(f"value {i}", box)
        boxes.append(box)
    area = QScrollArea()
    area.setWidget(form_widget)
    area.setWidgetResizable(True)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    target = boxes[2]
    assert not target.hasFocus()
    wheel(target)
    assert target.value() == 50                               # unfocused: unchanged
    assert area.verticalScrollBar().value() > 0               # the form scrolled instead
    area.activateWindow()                     # under Xvfb without a window manager nothing is active yet
    qtbot.waitUntil(area.isActiveWindow, timeout=2000)
    target.setFocus()
    qtbot.waitUntil(target.hasFocus, timeout=2000)
    wheel(target)
    assert target.value() == 49                               # focused: the wheel edits it
    assert target.focusPolicy() != Qt.FocusPolicy.WheelFocus  # a wheel turn does not grab the focus


def test_a_new_search_shows_the_top_of_the_list(qtbot, tmp_path):
    from poseexplorer.gui.job_runner import JobRunner
    from poseexplorer.gui.panels.retrieval_panel import RetrievalPanel
    from poseexplorer.session.search_jobs import ResultRow

    state = AppState()
    snap = two_video_snapshot(tmp_path)
    state.set_snapshot(snap)
    runner = JobRunner()
    panel = RetrievalPanel(state, runner)
    qtbot.addWidget(panel)
    panel.resize(320, 300)
    panel.show()

    def rows(offset: float) -> list:
        return [ResultRow(int(p), int(m), int(f), 1.0 - offset - i / 100)
                for i, (p, m, f) in enumerate(zip(snap.pose_ids, snap.media_ids, snap.frames))]

    state.set_results(rows(0.0), int(snap.pose_ids[0]))
    bar = panel.grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)
    bar.setValue(bar.maximum())
    state.set_results(rows(0.1), int(snap.pose_ids[1]))
    assert bar.value() == 0
    first = state.results[0]
    assert f"frame {first.frame} ·" in panel.grid.item(0).text()       # the index the CSV export writes
    assert panel.grid.visualItemRect(panel.grid.item(0)).top() >= 0    # the best hit is in view
    qtbot.waitUntil(lambda: runner.running_count == 0, timeout=20000)


def test_settings_dialog_shows_its_fields_whole_and_fits_a_small_screen(qtbot):
    from PySide6.QtWidgets import QLineEdit

    from poseexplorer.gui.settings import AppSettings
    from poseexplorer.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    dialog.show()
    for edit in dialog.findChildren(QLineEdit):
        if edit.placeholderText():
            needed = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
            assert edit.width() >= needed, (edit.placeholderText(), edit.width(), needed)
    assert dialog.width() <= 1366 and dialog.height() <= 768


def test_the_window_leaves_room_for_its_title_bar_on_the_screen(qtbot):
    from poseexplorer.gui.main_window import FRAME_ALLOWANCE, MainWindow
    from poseexplorer.gui.settings import AppSettings

    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    free = w.screen().availableGeometry()
    w.resize(free.width() + 400, free.height() + 400)   # e.g. the 1600 x 1000 default on a 900 px screen
    w._fit_to_screen()
    least = w.minimumSizeHint()
    frame = w.frameGeometry()
    extra_h = frame.height() - w.height() if frame.height() > w.height() else FRAME_ALLOWANCE[1]
    assert w.height() + extra_h <= max(free.height(), least.height() + extra_h)
    assert w.height() < free.height() or least.height() + extra_h > free.height()
    w.close()


def test_cancelling_the_import_of_one_file_stops_it_and_says_so_at_once(qtbot, tmp_path):
    """A single 230-frame video (MediaPipe in a worker process): Cancel shows 'Cancelling…' at once, the
    import ends as cancelled (not finished), and the library marks the file cancelled for a later resume."""
    from poseexplorer.gui.main_window import MainWindow
    from poseexplorer.gui.settings import AppSettings
    from poseexplorer.library import Library

    video = write_video(tmp_path / "clip.mp4", 230, size=(640, 480))
    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    w.show()
    w.start(library=str(tmp_path / "lib.sqlite"))
    finished = []
    w.controller.importFinished.connect(finished.append)
    w.import_paths([str(video)])
    qtbot.waitUntil(lambda: len(w.library_panel.import_rows()) == 1, timeout=10000)
    row = w.library_panel.import_rows()[0]
    qtbot.wait(1000)
    assert w.library_panel.import_rows() == [row]            # still running: the test cancels a live import
    row.cancel_button.click()
    assert row.cancelling and not row.cancel_button.isEnabled() and "Cancelling" in row.cancel_button.text()
    qtbot.waitUntil(lambda: not w.library_panel.import_rows(), timeout=60000)   # liveness, not a timing
    assert finished == []
    with Library.open(str(tmp_path / "lib.sqlite")) as lib:
        assert [m.status for m in lib.media()] == ["cancelled"]
    qtbot.waitUntil(lambda: w.runner.running_count == 0, timeout=60000)
    w.close()


class _Reader:
    """A media reader of generated portrait frames (what the players need: len, read, close)."""

    def __init__(self, n: int = 100) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def read(self, i: int) -> np.ndarray:
        frame = np.zeros((960, 540, 3), np.uint8)
        frame[:, :, 1] = (7 * i) % 255
        return frame

    def close(self) -> None:
        pass


def test_four_synced_videos_and_their_play_controls_fit_a_1366_x_768_window(qtbot):
    from PySide6.QtWidgets import QScrollArea

    from poseexplorer.align.playback import FollowerTrack
    from poseexplorer.gui.main_window import MainWindow
    from poseexplorer.gui.settings import AppSettings

    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    free = w.screen().availableGeometry()
    if free.width() < 1366 or free.height() < 768:
        pytest.skip("needs a screen of at least 1366 x 768 (scripts/run-tests.sh runs Xvfb at 1920 x 1080)")
    w.show()
    w.resize(1350, 728)                       # a 1366 x 768 screen less the window frame
    w._default_sizes()
    qtbot.wait(200)                           # laid out, as before a user clicks the Sync tab
    tracks = [FollowerTrack(np.arange(100), 100, 60.0) for _ in range(3)]
    w.sync_panel.players.set_videos([_Reader() for _ in range(4)], [f"cam0{i}.mp4" for i in range(1, 5)],
                                    60.0, tracks)
    w.docks["Sync"].raise_()
    qtbot.waitUntil(lambda: w.docks["Sync"].isVisible() and w.docks["Sync"].height() >= 380, timeout=5000)
    qtbot.wait(100)
    area = w.docks["Sync"].widget()
    assert isinstance(area, QScrollArea)
    assert area.verticalScrollBar().maximum() == 0                 # nothing hidden below
    assert area.horizontalScrollBar().maximum() <= 40              # at most a sliver to the side
    viewport = area.viewport().rect()
    for button in (w.sync_panel.players.play_button, w.sync_panel.players.speed, w.sync_panel.players.fwd_button):
        corner = button.mapTo(area.viewport(), button.rect().bottomRight())
        assert viewport.contains(corner), (button, corner, viewport)
    w.sync_panel.players.clear()
    w.close()


def test_a_manual_sync_point_makes_the_follower_show_that_frame_at_this_instant(qtbot):
    from poseexplorer.align.playback import FollowerTrack
    from poseexplorer.gui.sync.players import SyncPlayers

    players = SyncPlayers()
    qtbot.addWidget(players)
    sync_map = np.clip(np.arange(100) * 2 // 3 + 5, 0, 79)          # a follower at 2/3 speed, 5 frames late
    players.set_videos([_Reader(100), _Reader(80)], ["ref.mp4", "fol.mp4"], 30.0,
                       [FollowerTrack(sync_map, 80, 20.0)])
    players.seek(40)
    assert players.tracks[0].frame_for(40) == sync_map[40]
    players.set_sync_point(0, 20)                 # the user marks follower frame 20 as this instant
    assert players.tracks[0].frame_for(40) == 20
    assert players.follower_controls()[0].nudge.value() == 20 - sync_map[40]
    assert players.tracks[0].frame_for(70) == sync_map[70] + 20 - sync_map[40]   # the rest shifts along
    players.clear()


def test_help_menu_has_a_getting_started_guide_and_about(qtbot, tmp_path):
    from poseexplorer.gui.help import SCREENSHOTS, about_html, guide_html, package_versions
    from poseexplorer.gui.main_window import MainWindow
    from poseexplorer.gui.settings import AppSettings

    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    texts = [a.text() for m in w.menuBar().actions() if m.text() == "&Help" for a in m.menu().actions()]
    assert texts == ["Getting started", "Keyboard shortcuts", "About Pose Explorer"]
    w.show_guide()
    assert "Getting started" in w.help_dialog.text.toPlainText() and "Sync" in w.help_dialog.text.toPlainText()
    w.help_dialog.close()
    html = guide_html()
    if (SCREENSHOTS / "sync_panel.png").is_file():
        assert (SCREENSHOTS / "sync_panel.png").as_uri() in html
    assert "<img" not in guide_html(tmp_path)                  # no screenshots: text only
    w.show_about()
    about = w.help_dialog.text.toPlainText()
    assert package_versions()["numpy"] == np.__version__ and np.__version__ in about
    assert "no model loaded" in about and "LGPL" in about and "Apache-2.0" in about

    from poseexplorer.embed.model import load_model

    from .explorer_media import tiny_model

    model = load_model(tiny_model(tmp_path / "tiny.safetensors"))
    text = about_html(model, str(tmp_path / "tiny.safetensors"))
    assert f"{model.name} ({model.kind}, {model.embed_dim}-D)" in text and model.sha256[:12] in text
    w.help_dialog.close()
    w.close()
