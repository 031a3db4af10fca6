"""The window opens its model in two steps: identity, matching scale and calibration without torch (the
library's embeddings and searches at once), then the network in a worker; a model whose network is damaged
is reported and dropped, the library stays usable."""
from __future__ import annotations

import pytest

from poseexplorer.gui.main_window import MainWindow
from poseexplorer.gui.settings import AppSettings

from .explorer_media import damaged_model, tiny_model, write_track
from .test_explorer_window import drop_paths, idle

pytestmark = pytest.mark.gui


def _window(qtbot, tmp_path, model):
    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    w.show()
    messages: list[str] = []
    w.state.statusMessage.connect(messages.append)
    w.start(library=str(tmp_path / "lib.sqlite"), model=str(model))
    return w, messages


def test_the_model_opens_first_and_its_network_follows(qtbot, tmp_path):
    from poseexplorer.embed.lazy_model import LazyPoseModel

    w, _ = _window(qtbot, tmp_path, tiny_model(tmp_path / "tiny.safetensors"))
    qtbot.waitUntil(lambda: w.state.model is not None and idle(w), timeout=60000)
    assert isinstance(w.state.model, LazyPoseModel) and w.state.model.loaded   # loaded by the worker, not a search
    drop_paths(w, [write_track(tmp_path / "a.npz", 20), write_track(tmp_path / "b.npz", 20, phase=0.4)])
    qtbot.waitUntil(lambda: len(w.state.snapshot) == 40 and w.state.snapshot.has_embeddings and idle(w),
                    timeout=60000)
    assert w.state.snapshot.model_key == w.state.model.sha256


def test_a_model_with_damaged_weights_is_reported_and_the_library_still_opens(qtbot, tmp_path):
    bad = damaged_model(tiny_model(tmp_path / "tiny.safetensors"), tmp_path / "damaged.safetensors")
    w, messages = _window(qtbot, tmp_path, bad)
    qtbot.waitUntil(lambda: idle(w) and any("NaN" in m for m in messages), timeout=60000)
    assert w.state.model is None and "NaN" in w.controller.model_error
    drop_paths(w, [write_track(tmp_path / "a.npz", 20)])
    qtbot.waitUntil(lambda: len(w.state.snapshot) == 20 and idle(w), timeout=60000)   # poses, no embeddings
    assert not w.state.snapshot.has_embeddings
