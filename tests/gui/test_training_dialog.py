"""The training dialog runs the real trainer as a separate process on generated 3D poses: bad settings are
refused up front; a run can be cancelled (checkpoint saved) and resumed; the exported model becomes the
app's model and is remembered as selectable; in the app, the run is a job of the window's JobRunner."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from poseexplorer.gui.state import AppState
from poseexplorer.gui.training.model_registry import trained_models
from poseexplorer.gui.training_dialog import TrainingDialog
from poseexplorer.testing import motion_npz

pytestmark = pytest.mark.gui

@pytest.fixture()
def data_dir(tmp_path) -> Path:
    folder = tmp_path / "mocap"
    folder.mkdir()
    motion_npz(folder / "subject1.npz", seed=0)
    motion_npz(folder / "subject2.npz", seed=1)
    return folder


def _dialog(qtbot, tmp_path, data: Path, state=None, parent=None, **changes) -> TrainingDialog:
    from trainer.config import tiny_config

    base = tiny_config(name="tiny", data=(str(data),), val_data=str(data), out_dir=str(tmp_path / "runs"),
                       steps=40, log_every=5, val_every=1000, checkpoint_every=1000, val_size=30, **changes)
    dialog = TrainingDialog(parent, state=state, base=base)
    qtbot.addWidget(dialog)
    return dialog


def test_bad_settings_are_refused_before_starting(qtbot, tmp_path, data_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    dialog = _dialog(qtbot, tmp_path, empty)
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10000)
    assert "holds no motion clips" in dialog.status.text()
    assert not (tmp_path / "runs" / "tiny").exists()  # nothing was started
    dialog.form.data_list.clear()
    dialog.form.add_data(str(data_dir))
    dialog.form.out_dir.setText("/sys/poseexplorer-runs")  # cannot be written, even by root
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10000)
    assert "not writable" in dialog.status.text()
    dialog.form.name.setText("bad/name")
    dialog.start()
    assert "cannot be used" in dialog.status.text() and not dialog.is_busy()


@pytest.mark.slow
def test_train_cancel_resume_export_and_use(qtbot, tmp_path, data_dir):
    state = AppState()
    dialog = _dialog(qtbot, tmp_path, data_dir, state=state)
    dialog.form.steps.setValue(100000)  # long enough to be cancelled part-way
    dialog.confirm_long_run = lambda text: True   # a run of hours on a busy machine: start it without asking
    with qtbot.waitSignal(dialog.runEnded, timeout=60000) as ended:
        dialog.start()
        qtbot.waitUntil(lambda: dialog.progress().step >= 5, timeout=50000)
        dialog.cancel_training()
    assert ended.args == ["cancelled"]
    stopped_at = dialog.progress().step
    run = tmp_path / "runs" / "tiny"
    assert (run / "checkpoint.pt").is_file() and stopped_at < 100000
    assert "Resume continues it" in dialog.status.text()

    target = (stopped_at // 5 + 3) * 5  # 10 to 15 more steps, ending on a logged step
    dialog.form.steps.setValue(target)
    with qtbot.waitSignal(dialog.runEnded, timeout=60000) as ended:
        dialog.resume()
    assert ended.args == ["done"]
    p = dialog.progress()
    assert p.step == target
    assert p.loss_steps[-1] == target and all(np.isfinite(p.loss))
    assert np.all(np.diff(p.loss_steps) > 0)  # one history: the resumed run went on, it did not restart
    assert p.val_steps and 0.0 <= p.val_hit1[-1] <= 1.0
    assert dialog.curves.point_counts()[0] == len(p.loss) > 0
    log = dialog.log.toPlainText()  # the trainer runs with --no-progress: readable lines, no tqdm bars
    assert f"step {target}  ·  loss" in log and "done" in log
    assert not any(ch in log for ch in "\u2588\u258f\u258e\u258d\u258c\u258b\u258a\u2589\r")

    dialog.export_model()
    qtbot.waitUntil(lambda: dialog.exported_model() is not None, timeout=60000)
    exported = dialog.exported_model()
    assert str(exported.absolute()) in trained_models()  # selectable from now on
    with qtbot.waitSignal(state.modelChanged, timeout=60000):
        dialog.use_button.click()
    assert state.model_path == str(exported)
    emb = state.model.embed(np.random.default_rng(0).normal(size=(3, 13, 2)).astype(np.float32) * 50 + 200)
    assert emb.mean.shape == (3, 8)

    # inside the app: the main window's settings switch the model (and re-embed its library)
    from poseexplorer.gui.main_window import MainWindow
    from poseexplorer.gui.settings import AppSettings

    window = MainWindow(AppSettings(), with_3d=False)
    qtbot.addWidget(window)
    in_app = TrainingDialog(window)
    qtbot.addWidget(in_app)
    with qtbot.waitSignal(window.state.modelChanged, timeout=60000):
        in_app.use_model(str(exported))
    assert window.settings.model_path == str(exported) and window.state.model.embed_dim == 8
    assert AppSettings.load().model_path == str(exported)  # remembered for the next start


@pytest.mark.slow
def test_a_run_from_the_dialog_is_a_window_job_and_closing_the_window_cancels_it(qtbot, tmp_path, data_dir):
    from poseexplorer.gui.main_window import MainWindow
    from poseexplorer.gui.settings import AppSettings
    from poseexplorer.gui.worker import live_workers, wait_for_workers

    window = MainWindow(AppSettings(), with_3d=False)
    qtbot.addWidget(window)
    window.show()
    dialog = _dialog(qtbot, tmp_path, data_dir, parent=window)
    assert dialog.runner is window.runner
    dialog.form.steps.setValue(100000)   # runs until cancelled
    dialog.confirm_long_run = lambda text: True
    dialog.start()
    qtbot.waitUntil(lambda: "check training settings" in window.jobs_label.text()
                    or "prepare training" in window.jobs_label.text() or dialog.is_training(), timeout=30000)
    qtbot.waitUntil(lambda: dialog.progress().step >= 5, timeout=90000)
    assert window.runner.running_names() == ["train 'tiny'"]
    assert window.jobs_label.text() == "working: train 'tiny'"

    window.close()                       # cancels the run: the trainer saves a checkpoint and ends
    assert window.runner.running_count == 0 and not dialog.is_training()
    assert wait_for_workers(60000) and not live_workers()
    run = tmp_path / "runs" / "tiny"
    events = [json.loads(line).get("event") for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert "cancelled" in events and (run / "checkpoint.pt").is_file()
    qtbot.wait(50)                       # queued callbacks of the cancelled jobs are dropped, not run
    assert dialog.progress().event is None or dialog.progress().event == "cancelled"
