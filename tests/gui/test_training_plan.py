"""Training that finishes on a laptop: quick defaults, data prepared as its own phase, precision and run
time measured on this computer before Start, a question before a run of hours, the validation curve explained."""
from __future__ import annotations

import pytest

from poseexplorer.gui.training.run_plan import LONG_RUN_S, QUICK_RUN, estimate_seconds, prepared_path
from poseexplorer.gui.training.run_text import validation_note
from poseexplorer.gui.training_dialog import TrainingDialog
from poseexplorer.testing import motion_npz

from .test_training_dialog import _dialog, data_dir  # noqa: F401 (fixture)

pytestmark = pytest.mark.gui


def test_the_dialog_defaults_are_the_quick_run_in_automatic_precision(qtbot, tmp_path):
    dialog = TrainingDialog()
    qtbot.addWidget(dialog)
    cfg = dialog.form.config()
    assert {k: getattr(cfg, k) for k in QUICK_RUN} == QUICK_RUN
    assert cfg.precision == "auto" and dialog.form.precision.currentText() == "auto"
    dialog.form.precision.setCurrentText("float32")
    assert dialog.form.config().precision == "float32"


def test_estimate_prepares_the_data_as_a_phase_then_times_the_steps(qtbot, tmp_path, data_dir):
    from trainer.precision import native_bf16

    dialog = _dialog(qtbot, tmp_path, data_dir)
    dialog.form.steps.setValue(200)
    messages = []
    show = dialog._plan_progress
    dialog._plan_progress = lambda d, t, m: messages.append(m) or show(d, t, m)
    dialog.estimate()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=60000)
    plan = dialog.plan
    assert plan is not None and plan.n_poses > 0
    prepared = prepared_path(data_dir, tmp_path / "runs")
    assert plan.config.data == (str(prepared),) and prepared.is_file()
    assert any(m.startswith("Preparing data") for m in messages)
    assert any("Measuring" in m for m in messages)
    assert plan.choice.rate > 0
    assert plan.seconds == pytest.approx(200 / plan.choice.rate)
    if not native_bf16():
        assert plan.config.precision == "float32" and "AVX-512-BF16" in plan.choice.reason
    assert "Estimated run time" in dialog.status.text() and not (tmp_path / "runs" / "tiny").exists()
    made = prepared.stat().st_mtime_ns
    dialog.estimate()                                        # the prepared data is reused
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=60000)
    assert prepared.stat().st_mtime_ns == made


def test_a_run_of_hours_asks_first_and_is_not_started_when_declined(qtbot, tmp_path, data_dir):
    dialog = _dialog(qtbot, tmp_path, data_dir)
    asked = []
    dialog.confirm_long_run = lambda text: asked.append(text) or False
    dialog.form.steps.setValue(9_000_000)
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=60000)
    assert dialog.plan.seconds > LONG_RUN_S and dialog.plan.long
    assert len(asked) == 1 and "long" in asked[0]
    assert "Not started" in dialog.status.text()
    assert not dialog.is_training() and not (tmp_path / "runs" / "tiny").exists()


def test_run_time_estimate_and_validation_note():
    from trainer.config import tiny_config

    assert estimate_seconds(1000, 4.0, 250) == pytest.approx(250.0)
    assert estimate_seconds(1000, 4.0, 250, validation_s=3.0) == pytest.approx(262.0)
    assert estimate_seconds(1000, None, 250) is None
    assert "no validation data" in validation_note(tiny_config(val_data=None))
    assert "at the end" in validation_note(tiny_config(val_data="v.npz", steps=20, val_every=100))
    assert validation_note(tiny_config(val_data="v.npz", steps=20, val_every=10)) == "first point at step 10"
