"""Coming back: the open media and frame, the Sync panel's videos (synced again, nudges kept), the panels'
toggles and the scatter's orientation are restored when the window is opened again on the same library."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox

from poseexplorer.gui.main_window import MainWindow
from poseexplorer.gui.settings import AppSettings
from poseexplorer.gui.window_memory import Remembered, set_widget_value

from .explorer_media import tiny_model, write_track

pytestmark = pytest.mark.gui
N_FRAMES = 40


def test_remembered_state_survives_json_and_damage_gives_nothing():
    r = Remembered("/l.sqlite", "/v/a.mp4", 17, ("/v/a.mp4", "/v/b.mp4"), (2,), True, {"viewer/loop": True})
    assert Remembered.from_json(r.to_json()) == r
    assert Remembered.from_json("{not json") == Remembered() == Remembered.from_json(None)
    assert Remembered.from_json('{"frame": "x"}') == Remembered()


def test_a_remembered_value_of_the_wrong_kind_or_a_gone_choice_is_ignored(qtbot):
    box, combo, spin = QCheckBox(), QComboBox(), QDoubleSpinBox()
    combo.addItems(["a", "b"])
    set_widget_value(box, "yes")
    set_widget_value(combo, "c")
    set_widget_value(spin, True)
    assert (box.isChecked(), combo.currentText(), spin.value()) == (False, "a", 0.0)
    set_widget_value(box, True)
    set_widget_value(combo, "b")
    set_widget_value(spin, 2.5)
    assert (box.isChecked(), combo.currentText(), spin.value()) == (True, "b", 2.5)


def _open(qtbot, library, model):
    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    w.show()
    w.start(library=str(library), model=str(model))
    qtbot.waitUntil(lambda: w.state.model is not None and w.runner.running_count == 0, timeout=60000)
    return w


def test_relaunch_restores_media_frame_sync_set_toggles_and_scatter_orientation(qtbot, tmp_path):
    model, library = tiny_model(tmp_path / "tiny.safetensors"), tmp_path / "lib.sqlite"
    a = write_track(tmp_path / "a.npz", N_FRAMES)
    b = write_track(tmp_path / "b.npz", N_FRAMES, phase=0.7, shift=(30, 10), scale=1.2)
    w = _open(qtbot, library, model)
    w.import_paths([str(a), str(b)])
    qtbot.waitUntil(lambda: len(w.state.snapshot) == 2 * N_FRAMES and w.state.snapshot.has_embeddings
                    and w.runner.running_count == 0, timeout=60000)
    qtbot.waitUntil(lambda: w.scatter.view.point_count == 2 * N_FRAMES, timeout=20000)
    media_b = next(m.media_id for m in w.state.snapshot.media if m.name == "b.npz")
    w.state.select_media(media_b, 17)
    w.viewer.transport.speed.setValue(2.0)
    w.viewer.transport.loop.setChecked(True)
    w.scatter.colour_by.setCurrentIndex(1)
    w.kinematics.groups["Elbows"].setChecked(True)
    w.retrieval.mirror.setChecked(not w.retrieval.mirror.isChecked())
    mirror = w.retrieval.mirror.isChecked()
    w.sync_panel.add_video(str(a))
    w.sync_panel.add_video(str(b))
    with qtbot.waitSignal(w.sync_panel.synced, timeout=30000):
        w.sync_panel.start_sync()
    w.sync_panel.players.set_nudge(0, 2)
    key, axes = w.scatter.pca_orientation()
    assert key and axes.shape[0] == 2
    w.close()

    w2 = _open(qtbot, library, model)
    qtbot.waitUntil(lambda: w2.state.media_id == media_b and w2.state.frame == 17, timeout=30000)
    qtbot.waitUntil(lambda: w2.sync_panel.result() is not None and not w2.sync_panel.is_busy(), timeout=30000)
    assert [s.path for s in w2.sync_panel.sources()] == [str(a), str(b)]
    qtbot.waitUntil(lambda: w2.sync_panel.players.tracks[0].nudge == 2, timeout=5000)
    assert w2.viewer.transport.speed.value() == 2.0 and w2.viewer.transport.loop.isChecked()
    assert w2.scatter.colour_by.currentIndex() == 1 and w2.kinematics.groups["Elbows"].isChecked()
    assert w2.retrieval.mirror.isChecked() == mirror
    qtbot.waitUntil(lambda: w2.scatter.pca_orientation()[1] is not None, timeout=20000)
    np.testing.assert_allclose(w2.scatter.pca_orientation()[1], axes, atol=1e-9)
    w2.close()


def test_the_scatter_turns_its_first_fit_to_a_remembered_orientation(qtbot, tmp_path):
    model, library = tiny_model(tmp_path / "tiny.safetensors"), tmp_path / "lib.sqlite"
    w = _open(qtbot, library, model)
    w.import_paths([str(write_track(tmp_path / "a.npz", N_FRAMES)),
                    str(write_track(tmp_path / "b.npz", N_FRAMES, phase=0.7, scale=1.2))])
    qtbot.waitUntil(lambda: w.scatter.pca_orientation()[1] is not None and w.runner.running_count == 0,
                    timeout=60000)
    key, natural = w.scatter.pca_orientation()
    coords = w.scatter.coords.copy()
    turned = natural[::-1] * np.array([[-1.0], [1.0]])        # axes swapped, one flipped
    w.scatter.pca = None                                        # a new session's first fit
    w.scatter.set_saved_orientations({key: turned})
    w.scatter.recompute()
    qtbot.waitUntil(lambda: w.runner.running_count == 0 and w.scatter.coords is not None
                    and not np.allclose(w.scatter.coords, coords), timeout=20000)
    np.testing.assert_allclose(w.scatter.pca_orientation()[1], turned, atol=1e-9)
    np.testing.assert_allclose(w.scatter.coords, coords[:, ::-1] * np.array([-1.0, 1.0]), atol=1e-4)
    w.close()
