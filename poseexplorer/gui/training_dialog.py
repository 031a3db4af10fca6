"""Settings > Train a model: edit a training config, run the trainer as a separate process, watch it, use it.

Every step (checking, preparing, the trainer process itself, export) is a job on the app's JobRunner (the
main window's when the dialog belongs to one): the status bar lists it and closing the window cancels it.
Start checks the settings first (empty folders, unreadable clips, unwritable output), then prepares the
data and times a few steps on this computer (training/run_plan.py: each phase with its own progress; the
precision is chosen there and the run time estimated, with a question before a run of hours), then runs
`python -m trainer train CONFIG`; the curves, elapsed time and estimate come from the run's metrics.jsonl.
"Estimate time" does the preparation and timing alone. The defaults (run_plan.QUICK_RUN) finish in minutes
on a 2-core laptop.
Cancel asks the trainer to save a checkpoint and stop; Resume continues from it. When the run is done,
Export writes the model for the app and "Use this model" switches the app to it: through the main
window's settings when the dialog belongs to one (that re-embeds the library in the background, reusing
the detections), otherwise by loading it into the given AppState. The trainer is imported only here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QMessageBox, QPushButton, QScrollArea, QSplitter, QVBoxLayout, QWidget,
)

from .job_runner import JobHandle, JobRunner
from .training.model_registry import remember_model
from .training.process import trainer_job
from .training.run_plan import QUICK_RUN, RunPlan, default_runs_dir, plan_job
from .training.run_text import metrics_log_line, validation_note
from .training.run_view import RunView
from .training.settings_form import TrainingSettingsForm
from .views.wheel_guard import install_wheel_guard

POLL_MS = 500
CLOSE_WAIT_MS = 30_000


class TrainingDialog(QDialog):
    """Signals: modelChosen(path) when the user picks the exported model; runEnded(event) after a run."""

    modelChosen = Signal(str)
    runEnded = Signal(str)

    def __init__(self, parent: QWidget | None = None, state: Any = None, base: Any = None,
                 runner: JobRunner | None = None) -> None:
        super().__init__(parent)
        from trainer.config import TrainConfig
        from trainer.run_monitor import MetricsTail, RunProgress

        self.setWindowTitle("Train a model")
        self.resize(1150, 760)
        install_wheel_guard()
        self._state = state if state is not None else getattr(parent, "state", None)
        self._MetricsTail, self._RunProgress = MetricsTail, RunProgress
        base = base or TrainConfig(name="my-model", out_dir=str(default_runs_dir()), **QUICK_RUN)
        self._config = base
        self._progress = RunProgress()
        self._tail = None
        self._exported: Path | None = None
        self.plan: RunPlan | None = None
        #: asks before a run estimated to take hours; returns True to start it (tests replace it)
        self.confirm_long_run = self._ask_long_run
        self._mode = ""
        window_runner = getattr(parent, "runner", None)
        self.runner: JobRunner = runner or (window_runner if isinstance(window_runner, JobRunner) else JobRunner(self))
        #: running jobs by kind: "check", "plan", "train", "export", "load"
        self._jobs: dict[str, JobHandle] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._build(base)
        self._update_buttons()

    # --- layout ---------------------------------------------------------------------------------
    def _build(self, base) -> None:
        self.form = TrainingSettingsForm(base)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(430)
        self.run_view = RunView()
        self.curves, self.bar = self.run_view.curves, self.run_view.bar
        self.status, self.log = self.run_view.status, self.run_view.log
        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(self.run_view)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(self._build_buttons())

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.estimate_button = QPushButton("Estimate time")
        self.estimate_button.setToolTip("Prepare the data and time a few training steps on this computer: "
                                        "shows how long the run would take and which precision it uses")
        self.cancel_button = QPushButton("Cancel training")
        self.cancel_button.setToolTip("Stop the run; the trainer saves a checkpoint that Resume continues")
        self.resume_button = QPushButton("Resume")
        self.export_button = QPushButton("Export model")
        self.use_button = QPushButton("Use this model")
        self.close_button = QPushButton("Close")
        for b, slot in ((self.estimate_button, self.estimate), (self.start_button, self.start),
                        (self.cancel_button, self.cancel_training),
                        (self.resume_button, self.resume), (self.export_button, self.export_model),
                        (self.use_button, lambda: self.use_model()), (self.close_button, self.close)):
            b.clicked.connect(slot)
            row.addWidget(b)
            if b is self.resume_button:
                row.addStretch(1)
        return row

    # --- start / resume -------------------------------------------------------------------------
    def start(self) -> None:
        self._begin(resume=False)

    def resume(self) -> None:
        self._begin(resume=True)

    def _begin(self, resume: bool) -> None:
        cfg = None if self.is_busy() else self._form_config()
        if cfg is None:
            return
        from trainer.preflight import check_settings, has_checkpoint

        if resume and not has_checkpoint(cfg):
            self._problem(f"There is no saved run named '{cfg.name}' in {cfg.out_dir} to resume.")
            return
        if not resume and has_checkpoint(cfg):
            self._problem(f"A run named '{cfg.name}' already exists in {cfg.out_dir}. Press Resume to "
                          "continue it, or choose another run name.")
            return
        self.status.setText("Checking the settings…")
        self._run("check", lambda progress, cancel: check_settings(cfg), "check training settings",
                  lambda problems: self._checked(cfg, resume, problems),
                  lambda msg: self._problem(f"Checking the settings failed: {msg}"))

    def _run(self, kind: str, job, name: str, on_done: Callable[[Any], None], on_failed: Callable[[str], None],
             on_cancelled: Callable[[], None] | None = None, on_progress=None) -> None:
        """Run a job of this kind on the runner; it stops counting as busy before its result is handled."""
        def ended(callback: Callable) -> Callable:
            def call(*args) -> None:
                self._jobs.pop(kind, None)
                try:
                    callback(*args)
                finally:
                    self._update_buttons()
            return call

        self._jobs[kind] = self.runner.run(
            job, name, on_done=ended(on_done), on_failed=ended(lambda msg, _details: on_failed(msg)),
            on_cancelled=ended(on_cancelled or (lambda: None)), on_progress=on_progress, owner=self)
        self._update_buttons()

    def _form_config(self):
        """The form's TrainConfig, or None after saying why the settings cannot be used."""
        try:
            return self.form.config()
        except ValueError as exc:
            self._problem(f"These settings cannot be used: {exc}")
            return None

    def _checked(self, cfg, resume: bool, problems: list[str]) -> None:
        if problems:
            self._problem("Training cannot start:\n• " + "\n• ".join(problems))
            return
        self._plan(cfg, then_start=True, resume=resume)

    # --- preparing, timing, estimating ----------------------------------------------------------
    def estimate(self) -> None:
        """Prepare the data and time a few steps; show the estimate without starting."""
        cfg = None if self.is_busy() else self._form_config()
        if cfg is None:
            return
        self._plan(cfg, then_start=False, resume=False)

    def _plan(self, cfg, then_start: bool, resume: bool) -> None:
        self.status.setText("Preparing the data…")
        self.bar.setRange(0, 0)

        def failed(msg: str) -> None:
            self._reset_bar()
            self._problem(f"Preparing the training failed: {msg}")

        def cancelled() -> None:
            self._reset_bar()
            self.status.setText("Preparation cancelled.")

        self._run("plan", plan_job(cfg, time_it=not resume), "prepare training",
                  lambda plan: self._planned(plan, then_start, resume), failed, cancelled, self._plan_progress)

    def _plan_progress(self, done: int, total: int, message: str) -> None:
        self.bar.setRange(0, max(total, 0))
        self.bar.setValue(done if total > 0 else 0)
        self.status.setText(message + (f" ({done}/{total})" if total > 0 else "…"))

    def _reset_bar(self) -> None:
        if self._mode != "train":
            self.bar.setRange(0, 1)

    def _planned(self, plan: RunPlan, then_start: bool, resume: bool) -> None:
        self.plan = plan
        self._reset_bar()
        text = plan.summary() if plan.seconds is not None else ""
        if plan.long:
            text += ("\nThat is long for this computer: fewer steps, a smaller network width or batch "
                     "finish sooner.")
        self.status.setText(text)
        if not then_start:
            return
        if plan.long and not resume and not self.confirm_long_run(text):
            self.status.setText(text + "\nNot started.")
            return
        self._start_process(plan.config, resume)

    def _ask_long_run(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Train a model", text + "\n\nStart this run anyway?")
        return answer == QMessageBox.StandardButton.Yes

    def _start_process(self, cfg, resume: bool) -> None:
        config_path = Path(cfg.out_dir) / f"{cfg.name}.train.json"
        config_path.write_text(cfg.to_json())
        self._config, self._exported = cfg, None
        self._progress = self._RunProgress()
        metrics = cfg.run_dir / "metrics.jsonl"
        if not resume and metrics.exists():
            metrics.unlink()  # a leftover of a run that never saved a checkpoint
        self._tail = self._MetricsTail(metrics)
        args = ["train", str(config_path), "--out-dir", cfg.out_dir, "--no-progress"]  # no tqdm bars in the log
        args += ["--resume"] if resume else []
        self._mode = "train"
        self.log.clear()
        self._start_trainer("train", f"train '{cfg.name}'", args, cfg.out_dir)
        self.bar.setRange(0, cfg.steps)
        self.bar.setValue(0)
        n = f"{self.plan.n_poses:,} poses, " if self.plan is not None else ""
        self.status.setText(("Resuming" if resume else "Starting") + f" '{cfg.name}' ({n}{cfg.precision}): "
                            "loading the data and building the network…")
        self.curves.set_validation_note(validation_note(cfg))
        self._timer.start()
        self._update_buttons()

    # --- watching -------------------------------------------------------------------------------
    def _poll(self) -> None:
        if self._tail is None:
            return
        records = self._tail.read_new()
        self._progress.add_all(records)
        for line in filter(None, map(metrics_log_line, records)):
            self.log.appendPlainText(line)
        p = self._progress
        self.curves.set_data(p.loss_steps, p.loss, p.val_steps, p.val_hit1)
        self.bar.setValue(min(p.step, self._config.steps))
        if self._mode == "train" and not p.finished and p.step > 0:
            from trainer.run_monitor import format_duration

            last = f"  ·  loss {p.loss[-1]:.4f}" if p.loss else ""
            val = f"  ·  val Hit@1 {p.val_hit1[-1]:.3f}" if p.val_hit1 else ""
            self.status.setText(f"Step {p.step} of {self._config.steps}{last}{val}  ·  elapsed "
                                f"{format_duration(p.elapsed_s)}  ·  about "
                                f"{format_duration(p.remaining_s(self._config.steps))} left")

    def progress(self):
        """The run's metrics seen so far (RunProgress)."""
        return self._progress

    def _start_trainer(self, kind: str, name: str, args: list[str], cwd: str) -> None:
        """Run a trainer command as a job; its output goes to the log, its end to _on_ended."""
        self.run_view.start_output()
        self._run(kind, trainer_job(*args, cwd=cwd), name,
                  lambda code: self._on_ended(code), lambda msg: self._on_ended(None, failure=msg),
                  lambda: self._on_ended(None), lambda _d, _t, text: self.run_view.append_output(text))

    def _on_ended(self, code: int | None, failure: str = "") -> None:
        """A trainer command ended with this exit code (None: cancelled, or the job failed with `failure`)."""
        if failure:
            self.run_view.append_output(failure)
        mode, self._mode = self._mode, ""
        if mode == "export":
            self._export_ended(-1 if code is None else code)
        elif mode == "train":
            self._timer.stop()
            self._poll()
            self._train_ended(code, failure)

    def _train_ended(self, code: int | None, failure: str) -> None:
        p = self._progress
        event = p.event or ("cancelled" if code is None and not failure else "done" if code == 0 else "error")
        if event == "done":
            self.status.setText(f"Done: {p.step} steps in {p.elapsed_s:.0f} s. Export the model to use it.")
        elif event == "cancelled":
            self.status.setText(f"Cancelled at step {p.step}; a checkpoint was saved. Resume continues it.")
        else:
            why = p.message or self.run_view.output_tail() or f"exit code {code}"
            self._problem(f"Training stopped with an error:\n{why}")
        self.runEnded.emit(event)

    # --- cancel ---------------------------------------------------------------------------------
    def cancel_training(self) -> None:
        if self.is_training():
            self.status.setText("Stopping: the trainer is saving a checkpoint…")
            self._jobs["train"].cancel()

    def _active(self, kind: str) -> bool:
        handle = self._jobs.get(kind)
        return handle is not None and handle.active   # inactive: the window's close cancelled it

    def is_busy(self) -> bool:
        return any(self._active(kind) for kind in ("check", "plan", "train", "export"))

    def is_training(self) -> bool:
        return self._active("train")

    # --- export and use -------------------------------------------------------------------------
    def export_dir(self) -> Path:
        return self._config.run_dir / "export"

    def export_model(self) -> None:
        if self.is_busy() or self._progress.event != "done":
            return
        self._mode = "export"
        self.status.setText("Exporting the model…")
        self._start_trainer("export", "export model", ["export", str(self._config.run_dir), "--to",
                                                       str(self.export_dir())], self._config.out_dir)

    def _export_ended(self, code: int) -> None:
        files = sorted(self.export_dir().glob("*.safetensors"), key=lambda p: p.stat().st_mtime)
        if code != 0 or not files:
            self._problem(f"Export failed:\n{self.run_view.output_tail() or f'exit code {code}'}")
            return
        self._exported = files[-1]
        remember_model(self._exported)
        self.status.setText(f"Exported to {self._exported}. 'Use this model' switches the app to it.")

    def exported_model(self) -> Path | None:
        return self._exported

    def use_model(self, path: str | None = None) -> None:
        """Switch the app to `path` (default: the model just exported); the library is re-embedded in the
        background, reusing its detections."""
        path = path or (str(self._exported) if self._exported is not None else None)
        if not path:
            return
        self.modelChosen.emit(path)
        window = self.parent()
        if hasattr(window, "apply_settings") and hasattr(window, "settings"):
            from dataclasses import replace

            window.apply_settings(replace(window.settings, model_path=path))
            self.status.setText(f"The app now uses {Path(path).name}; the library is being re-embedded.")
        elif self._state is not None:
            self._load_into_state(path)

    def _load_into_state(self, path: str) -> None:
        """Without a main window: load the model, set it on the AppState, re-embed its library."""
        from ..session.library_jobs import use_model_job

        state = self._state
        self.status.setText(f"Loading {Path(path).name} and re-embedding the library…")
        self._run("load", use_model_job(path, state.library_path), "use trained model", lambda model: state.set_model(model, path),
                  lambda msg: self._problem(f"The model could not be used: {msg}"))

    # --- helpers --------------------------------------------------------------------------------
    def _update_buttons(self, busy: bool | None = None) -> None:
        busy = self.is_busy() if busy is None else busy
        training = self._mode == "train"
        self.start_button.setEnabled(not busy)
        self.estimate_button.setEnabled(not busy)
        self.resume_button.setEnabled(not busy)
        self.cancel_button.setEnabled(training)
        self.export_button.setEnabled(not busy and self._progress.event == "done")
        self.use_button.setEnabled(not busy and self._exported is not None)
        self.form.set_editable(not busy)

    def _problem(self, text: str) -> None:
        self.status.setText(text)
        if self.isVisible():
            QMessageBox.warning(self, "Train a model", text)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """Stops the dialog's jobs (asking first when a run is training) and waits for them; a job of a
        dialog owned by a window that has not ended by then goes on, and the window's close cancels it."""
        if self.is_training():
            answer = QMessageBox.question(self, "Train a model", "Training is running. Stop it? A checkpoint "
                                          "is saved and Resume continues it later.")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self._timer.stop()
        handles = dict(self._jobs)
        for kind, handle in handles.items():
            if kind != "load":   # a model being loaded for the app finishes
                handle.cancel()
        for handle in handles.values():
            handle.wait(CLOSE_WAIT_MS)
        super().closeEvent(event)
