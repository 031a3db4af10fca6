"""Frame display: decode threads open media, decode, convert and scale frames (the GUI thread only
paints), newest request wins, scrubbing a paused synced player never decodes in the GUI thread, views
re-request frames at their new size, and loaders end with their owner widget."""
from __future__ import annotations

import gc
import threading
import time

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from poseexplorer.gui.frame_loader import FrameLoader, display_image, fitted_size
from poseexplorer.session.snapshot import LibrarySnapshot, MediaRow

from .reader_probes import ThreadRecordingReader
from .sync_media import draw_code, read_code, write_coded_video

pytestmark = pytest.mark.gui


class CodedReader:
    """Frames that carry their index as a bit code, decoded slowly (like a 1080p video on a busy machine)."""

    def __init__(self, n: int = 40, size=(1280, 720), delay: float = 0.01) -> None:
        self.n, self.size, self.delay, self.fps = n, size, delay, 30.0

    def __len__(self) -> int:
        return self.n

    def read(self, i: int) -> np.ndarray:
        time.sleep(self.delay)
        return draw_code(i, self.size)

    def close(self) -> None:
        pass


def rgb_of(image: QImage) -> np.ndarray:
    """(H, W, 3) RGB of an RGB32 QImage (bytes B, G, R, X on little-endian machines)."""
    assert image.format() == QImage.Format.Format_RGB32
    h, w = image.height(), image.width()
    raw = np.frombuffer(image.constBits(), np.uint8, count=h * image.bytesPerLine())
    return raw.reshape(h, image.bytesPerLine() // 4, 4)[:, :w, 2::-1].copy()


def wait_thread_end(thread: threading.Thread, seconds: float = 3.0) -> bool:
    end = time.monotonic() + seconds
    while thread.is_alive() and time.monotonic() < end:
        time.sleep(0.01)
    return not thread.is_alive()


def test_fitted_size_against_a_search():
    for w, h in ((1920, 1080), (1080, 1920), (640, 480), (7, 3)):
        for box in ((900, 500), (300, 900), (4000, 4000), (1, 1)):
            # slow: the largest integer width whose aspect-kept height fits, capped at the original size
            best = max((tw for tw in range(1, w + 1) if tw <= box[0] and tw * h / w <= box[1] + 0.5), default=1)
            tw, th = fitted_size(w, h, box)
            assert abs(tw - best) <= 1 and tw <= w and th <= h and abs(th - tw * h / w) <= 1
    assert fitted_size(640, 480, None) == (640, 480)


def test_display_image_keeps_the_picture():
    rgb = draw_code(301, (1280, 720))
    rgb[400:, :, :] = (200, 30, 90)
    image = display_image(rgb, (320, 320))
    assert (image.width(), image.height()) == (320, 180)
    small = rgb_of(image)
    assert read_code(small) == 301
    assert np.abs(small[150].astype(int) - (200, 30, 90)).max() <= 2   # colours kept, channels in order
    full = rgb_of(display_image(rgb))
    assert np.array_equal(full, rgb)


def test_loader_decodes_scales_and_drops_stale_requests_in_its_thread(qtbot):
    reader = ThreadRecordingReader(CodedReader(delay=0.02))
    loader = FrameLoader(reader=reader, key="v")
    got = []
    loader.frameReady.connect(lambda key, i, frame: got.append((key, i, frame)))
    for i in range(1, 31):          # a slider dragged across 30 frames
        loader.request_frame(i, (400, 400))
    qtbot.waitUntil(lambda: bool(got) and got[-1][1] == 30, timeout=5000)
    qtbot.wait(100)
    key, i, frame = got[-1]
    assert key == "v" and read_code(frame.rgb) == 30 and read_code(rgb_of(frame.image)) == 30
    assert (frame.image.width(), frame.image.height()) == (400, 225) and frame.size == (1280, 720)
    assert len(reader.threads) < 10     # only the newest request (and the one in progress) was decoded
    assert reader.reads_in(threading.get_ident()) == 0
    loader.stop()
    assert reader.closed and not loader.is_running()


def test_loader_threads_end_with_their_owner(qtbot):
    owner = QWidget()
    reader = ThreadRecordingReader(CodedReader())
    loader = FrameLoader(owner, reader=reader)
    got = []
    loader.frameReady.connect(lambda *a: got.append(a))
    loader.request_frame(3)
    qtbot.waitUntil(lambda: len(got) == 1, timeout=5000)
    thread = loader._worker.thread
    owner.deleteLater()            # destroyed without stop(): the loader goes with it
    qtbot.wait(10)
    del owner, loader
    assert wait_thread_end(thread) and reader.closed

    reader = ThreadRecordingReader(CodedReader())
    loader = FrameLoader(reader=reader)      # parentless and forgotten
    thread = loader._worker.thread
    del loader
    gc.collect()
    assert wait_thread_end(thread) and reader.closed


def _video_state(path, n: int, size):
    from poseexplorer.gui.state import AppState

    state = AppState()
    media = (MediaRow(7, path.name, str(path), "video", n, 30.0, size, "done", "", 0),)
    empty = np.zeros(0, np.int64)
    state.set_snapshot(LibrarySnapshot(media, empty, empty, empty, np.zeros((0, 13, 2), np.float32),
                                       np.zeros((0, 13), np.float32)))
    return state


def test_viewer_opens_media_in_its_thread_and_ends_with_the_panel(qtbot, tmp_path, monkeypatch):
    import poseexplorer.io as pio
    from poseexplorer.gui.panels.viewer_panel import ViewerPanel

    opened: list[ThreadRecordingReader] = []
    open_threads: list[int] = []
    real_open = pio.open_media

    def recording_open(path):
        open_threads.append(threading.get_ident())
        opened.append(ThreadRecordingReader(real_open(path)))
        return opened[-1]

    monkeypatch.setattr(pio, "open_media", recording_open)
    path = write_coded_video(tmp_path / "coded.avi", 12, 30.0, (1280, 720))
    state = _video_state(path, 12, (1280, 720))
    panel = ViewerPanel(state)
    panel.resize(500, 400)
    panel.show()
    qtbot.waitExposed(panel)
    state.select_media(7, 5)
    assert panel.view.message().startswith("opening") and panel.shown_frame == -1   # nothing blocked
    qtbot.waitUntil(lambda: panel.shown_frame == 5, timeout=10000)
    assert read_code(panel.view.frame()) == 5 and panel.view.message() == ""
    gui = threading.get_ident()
    assert open_threads and gui not in open_threads and opened[0].reads_in(gui) == 0
    image = panel.view.picture.image
    assert image.width() <= 500 * panel.devicePixelRatioF()   # scaled to the view, not 1:1 with the frame

    panel.view.zoom(3.0)                  # zoomed in: the frame is decoded again at a finer resolution
    qtbot.waitUntil(lambda: panel.view.picture.image.width() > image.width() * 1.5, timeout=5000)

    thread = panel.loader._worker.thread
    panel.deleteLater()                   # destroyed without close(): the loader's thread ends
    qtbot.wait(10)
    del panel
    assert wait_thread_end(thread) and opened[0].closed


def test_scrubbing_paused_players_decodes_only_in_the_decode_threads(qtbot, tmp_path):
    from poseexplorer.align.playback import FollowerTrack
    from poseexplorer.gui.sync.players import SyncPlayers
    from poseexplorer.io import open_media

    n = 30
    paths = [write_coded_video(tmp_path / f"{c}.avi", n, 30.0, (640, 360)) for c in "ab"]
    players = SyncPlayers()
    qtbot.addWidget(players)
    players.resize(900, 400)
    players.show()
    qtbot.waitExposed(players)
    track = FollowerTrack(np.minimum(np.arange(n) + 2, n - 1), n, 30.0)
    readers = [ThreadRecordingReader(open_media(str(p))) for p in paths]
    players.set_videos(readers, ["a", "b"], 30.0, [track])
    gui = threading.get_ident()
    for r in readers:
        r.threads.clear()
    for value in range(1, 21):            # a drag over 20 positions
        players.slider.setValue(value)
    assert all(r.reads_in(gui) == 0 for r in readers)
    qtbot.waitUntil(lambda: players.shown_frames() == [20, 22], timeout=5000)
    views = players.views()
    assert [read_code(v.frame()) for v in views] == [20, 22]
    assert all(r.reads_in(gui) == 0 for r in readers)

    width = views[0].image().width()      # resized: the frames on screen are decoded again at the new size
    players.resize(500, 260)
    qtbot.waitUntil(lambda: views[0].image().width() == fitted_size(640, 360, views[0].display_box())[0],
                    timeout=5000)
    assert views[0].image().width() < width / 2
    assert all(r.reads_in(gui) == 0 for r in readers) and read_code(views[0].frame()) == 20

    thread = players.lanes()[0].loader._worker.thread
    players.clear()                       # clear() stops the threads and closes the readers at once
    assert not thread.is_alive() and all(r.closed for r in readers)
