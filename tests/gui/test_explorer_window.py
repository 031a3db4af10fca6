"""The explorer window end to end on generated inputs: drop, import, browse, search, scatter, keyboard,
settings and layout. Keypoint files go through the real importer without MediaPipe, so this stays fast."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from poseexplorer.gui.main_window import MainWindow
from poseexplorer.gui.settings import AppSettings

from .explorer_media import tiny_model, write_track

pytestmark = pytest.mark.gui
N_FRAMES = 30


def drop_paths(window, paths) -> None:
    """What Qt delivers when files are dropped on the window."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def idle(window) -> bool:
    return window.runner.running_count == 0


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("model") / "tiny.safetensors")


@pytest.fixture
def window(qtbot, tmp_path, model_path):
    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    w.show()
    w.start(library=str(tmp_path / "lib.sqlite"), model=str(model_path))
    qtbot.waitUntil(lambda: w.state.model is not None and idle(w), timeout=60000)
    yield w
    w.close()


@pytest.fixture
def loaded(window, qtbot, tmp_path):
    """The window after dropping two keypoint tracks (two 'views' of a waving figure)."""
    a = write_track(tmp_path / "view a.npz", N_FRAMES)
    b = write_track(tmp_path / "view_b.npz", N_FRAMES, phase=0.3, shift=(30, 10), scale=1.3)
    drop_paths(window, [a, b])
    qtbot.waitUntil(lambda: len(window.state.snapshot) == 2 * N_FRAMES and window.state.snapshot.has_embeddings
                    and idle(window), timeout=60000)
    qtbot.waitUntil(lambda: window.scatter.view.point_count == 2 * N_FRAMES, timeout=20000)
    return window


def test_drop_import_search_and_scatter(loaded, qtbot, tmp_path):
    w = loaded
    snap = w.state.snapshot
    assert w.library_panel.list.count() == 2
    assert "30 poses" in w.library_panel.list.item(0).text()
    media_a, media_b = (m.media_id for m in snap.media)
    w.state.select_media(media_a, 5)
    qtbot.waitUntil(lambda: len(w.state.results) == 12 and idle(w) and w.state.query_pose_id == w.state.pose_id
                    and not w.retrieval._debounce.isActive(), timeout=20000)   # this pose's results
    results = w.state.results
    probs = [r.probability for r in results]
    assert all(r.media_id == media_b for r in results)              # other media only
    assert all(0.05 <= p <= 0.95 for p in probs) and probs == sorted(probs, reverse=True)
    assert w.retrieval.grid.count() == 12
    assert f"{100 * probs[0]:.0f}%" in w.retrieval.grid.item(0).text()
    assert w.scatter.view.point_count == len(snap) == 60          # every pose in the scatter
    assert np.isfinite(w.ambiguity.percentile()) and w.ambiguity.list.count() > 0

    # clicking a result opens it in the viewer and keeps the list
    w.retrieval._clicked(w.retrieval.grid.item(2))
    assert w.state.pose_id == results[2].pose_id and w.state.media_id == media_b
    assert w.state.frame == results[2].frame
    qtbot.wait(400)
    assert [r.pose_id for r in w.state.results] == [r.pose_id for r in results]
    assert w.state.reference_pose_id() == w.state.query_pose_id != w.state.pose_id

    # mirror search keeps, per pose, the better of the pose and its mirror image: never a worse top hit
    with qtbot.waitSignal(w.state.resultsChanged, timeout=20000):
        w.state.select_media(media_a, 5)
    plain = w.state.results
    with qtbot.waitSignal(w.state.resultsChanged, timeout=20000):
        w.retrieval.mirror.setChecked(True)
    assert w.state.results[0].probability >= plain[0].probability - 1e-9
    with qtbot.waitSignal(w.state.resultsChanged, timeout=20000):
        w.retrieval.mirror.setChecked(False)
    assert [r.pose_id for r in w.state.results] == [r.pose_id for r in plain]
    w.retrieval._clicked(w.retrieval.grid.item(2))
    results = w.state.results

    out = tmp_path / "matches.csv"
    assert w.retrieval.export_csv(out) == 12
    rows = list(csv.DictReader(out.open()))
    assert [float(r["confidence"]) for r in rows] == pytest.approx(probs, abs=1e-6)
    assert rows[0]["media"] == "view_b.npz" and int(rows[0]["frame_index"]) == results[0].frame


def test_the_viewer_opens_the_imported_media_and_a_restart_reopens_one(loaded, qtbot, model_path):
    w = loaded                       # nothing was clicked: the first dropped file is on screen
    first = next(m for m in w.state.snapshot.media if m.name == "view a.npz")
    assert (w.state.media_id, w.state.frame) == (first.media_id, int(w.state.snapshot.frames_of(first.media_id)[0]))
    qtbot.waitUntil(lambda: w.viewer.view.pose_visible_joints > 0, timeout=5000)
    assert "view a.npz" in w.viewer.frame_label.text()
    items = [w.ambiguity.list.item(i) for i in range(w.ambiguity.list.count())]
    assert items and all(i.data(Qt.ItemDataRole.ForegroundRole) is None for i in items)   # neutral, not red
    assert all("σ" in i.text() and not i.icon().isNull() for i in items)               # sigma and a rank bar

    again = MainWindow(settings=AppSettings(), with_3d=False)   # started on the same, non-empty library
    qtbot.addWidget(again)
    again.show()
    again.start(library=w.state.library_path, model=str(model_path))
    qtbot.waitUntil(lambda: again.state.media_id >= 0 and again.viewer.view.pose_visible_joints > 0, timeout=30000)
    qtbot.waitUntil(lambda: idle(again), timeout=30000)
    again.close()


def test_scatter_selection_restricts_results(loaded, qtbot):
    w = loaded
    snap = w.state.snapshot
    media_a, media_b = (m.media_id for m in snap.media)
    chosen = snap.pose_ids[(snap.media_ids == media_b) & (snap.frames < 10)]
    w.state.set_selection(chosen)
    w.state.select_media(media_a, 3)
    qtbot.waitUntil(lambda: bool(w.state.results) and idle(w) and not w.retrieval.searching, timeout=20000)
    qtbot.waitUntil(lambda: {r.pose_id for r in w.state.results} <= set(chosen.tolist()), timeout=5000)
    assert len(w.state.results) == 10
    # a lasso drawn around some points selects exactly the points inside it
    xy = w.scatter.view.xy
    centre = xy.mean(0)
    radius = np.median(np.linalg.norm(xy - centre, axis=1))
    circle = centre + radius * np.c_[np.cos(np.linspace(0, 2 * np.pi, 40)), np.sin(np.linspace(0, 2 * np.pi, 40))]
    with qtbot.waitSignal(w.state.selectionChanged):
        w.scatter.view._finish_selection(circle)
    inside = np.linalg.norm(xy - centre, axis=1) < radius * 0.999
    assert set(w.state.selection.tolist()) >= set(w.scatter.view.pose_ids[inside].tolist())


def test_keyboard_steps_and_plays(loaded, qtbot):
    w = loaded
    media_a = w.state.snapshot.media[0].media_id
    w.state.select_media(media_a, 0)
    w.activateWindow()
    w.raise_()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=5000)   # shortcuts need the active window
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert w.state.frame == 1
    qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert w.state.frame == 11
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert w.state.frame == 10
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert w.viewer.playing
    qtbot.waitUntil(lambda: w.state.frame > 12, timeout=5000)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not w.viewer.playing
    from poseexplorer.gui.shortcuts import SHORTCUTS, ShortcutsDialog

    dialog = ShortcutsDialog(w)
    assert dialog.table.rowCount() == len(SHORTCUTS)
    texts = {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())}
    assert {"Space", "Left", "Right", "Shift+Left", "Shift+Right"} <= texts


def test_viewer_draws_low_visibility_joints_differently(loaded, qtbot):
    w = loaded
    w.state.select_media(w.state.snapshot.media[0].media_id, 4)
    qtbot.waitUntil(lambda: w.viewer.view.pose_visible_joints == 12, timeout=5000)   # right ankle at 0.2
    spots = w.viewer.view.joints.points()
    brushes = [s.brush().color().alpha() for s in spots]
    assert brushes[12] == 0 and all(a > 0 for a in brushes[:12])   # hollow ring for the hidden joint
    pens = [item.opts["pen"].style() for item in w.viewer.view._bones]
    assert Qt.PenStyle.DashLine in pens and Qt.PenStyle.SolidLine in pens
    w.ambiguity.colour.setChecked(True)
    assert w.state.colour_by_ambiguity
    (x0, x1), _ = w.viewer.view.viewbox.viewRange()
    w.viewer.view.zoom(2.0)
    (z0, z1), _ = w.viewer.view.viewbox.viewRange()
    assert (z1 - z0) == pytest.approx((x1 - x0) / 2, rel=0.05)


def test_remove_media_and_settings_dialog(loaded, qtbot):
    w = loaded
    first = w.library_panel.list.item(0)
    first.setSelected(True)
    removed = int(first.data(Qt.ItemDataRole.UserRole))
    w.library_panel._remove()
    qtbot.waitUntil(lambda: len(w.state.snapshot.media) == 1 and idle(w), timeout=20000)
    assert removed not in w.state.snapshot.media_ids and len(w.state.snapshot) == N_FRAMES
    assert w.state.media_id in w.state.snapshot.media_by_id      # the viewer moved on to the other media
    assert w.viewer.frame_label.text().startswith(w.state.snapshot.media[0].name)
    assert w.scatter.view.point_count in (0, N_FRAMES)      # PCA of the rest (or not yet redrawn)
    from poseexplorer.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(AppSettings(library_path="/x/lib.sqlite", workers=3, min_visibility=0.3), w)
    dialog.workers.setValue(2)
    dialog.model.setText(" /models/m.safetensors ")
    got = dialog.settings()
    assert (got.library_path, got.model_path, got.workers, got.min_visibility) == \
        ("/x/lib.sqlite", "/models/m.safetensors", 2, pytest.approx(0.3))


def test_bad_file_is_reported_and_cleared(window, qtbot, tmp_path):
    bad = tmp_path / "not a video.mp4"
    bad.write_text("this is text, not a video")
    drop_paths(window, [bad])
    qtbot.waitUntil(lambda: window.library_panel.errors.count() == 1 and idle(window), timeout=30000)
    assert "not a video.mp4" in window.library_panel.errors.item(0).text()
    assert window.library_panel.clear_errors_button.isVisible()
    window.library_panel.clear_errors_button.click()
    qtbot.waitUntil(lambda: window.library_panel.errors.count() == 0 and idle(window), timeout=10000)
    assert not any(m.status == "error" for m in window.state.snapshot.media)


def test_settings_layout_and_last_library_are_remembered(qtbot, tmp_path, model_path):
    lib = tmp_path / "mine.sqlite"
    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    w.show()
    w.start(library=str(lib), model=str(model_path))
    qtbot.waitUntil(lambda: idle(w) and w.state.model is not None, timeout=60000)
    w.docks["Ambiguity"].hide()
    w.apply_settings(AppSettings(library_path=str(lib), model_path=str(model_path), workers=2, min_visibility=0.4))
    w.close()
    loaded = AppSettings.load()
    assert (loaded.workers, loaded.min_visibility, loaded.library_path) == (2, pytest.approx(0.4), str(lib))
    w2 = MainWindow(with_3d=False)
    qtbot.addWidget(w2)
    w2.show()
    w2.start()                                           # no library given: reopens the last one
    assert w2.state.library_path == str(lib.absolute())
    assert not w2.docks["Ambiguity"].isVisible()          # the saved layout came back
    assert w2.state.min_visibility == pytest.approx(0.4)
    qtbot.waitUntil(lambda: idle(w2), timeout=60000)
    w2.close()


def test_window_fits_the_screen_even_with_a_geometry_saved_on_a_larger_display(qtbot):
    """A window size saved on a big monitor (or the 1600 x 1000 default) must not spill off a smaller screen."""
    from PySide6.QtCore import QSettings

    big = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(big)
    free = big.screen().availableGeometry()
    big.resize(free.width() + 900, free.height() + 700)
    QSettings().setValue("window/geometry", big.saveGeometry())
    big.close()
    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    w.show()
    least = w.minimumSizeHint()
    assert least.width() <= 1280 and least.height() <= 720, least   # fits a small laptop screen
    assert w.width() <= max(free.width(), least.width()) and w.height() <= max(free.height(), least.height())
    assert free.contains(w.geometry().center())
    w.close()
