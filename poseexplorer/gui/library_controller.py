"""LibraryController: runs the session's library flows (open, model, import, reload, removal) on the JobRunner.

The jobs are the session's (poseexplorer.session); their results come back into the GUI thread and are
written to AppState. It owns no widgets except the import rows it asks the LibraryPanel to show.
When a snapshot arrives and nothing is selected (after an import, at start with a non-empty library),
the session opens a media (`Session.open_something`), so the viewer is never left blank.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from .image_jobs import thumbnail_job
from .job_runner import JobRunner
from .panels.library_panel import LibraryPanel
from .state import AppState


class LibraryController(QObject):
    """Signals: importFinished(report), snapshotLoaded(), modelFailed(message), libraryFailed(message)."""

    importFinished = Signal(object)
    snapshotLoaded = Signal()
    modelFailed = Signal(str)
    libraryFailed = Signal(str)

    def __init__(self, state: AppState, runner: JobRunner, panel: LibraryPanel, workers: int = 1,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.runner, self.panel = state, runner, panel
        self.workers = workers
        self.model_error = ""
        self._model_loading = False
        self._reload_after_model = False
        self._status_at = 0.0
        self._media_timer = QTimer(self)
        self._media_timer.setInterval(2000)
        self._media_timer.timeout.connect(self._poll_media)
        self._imports = 0
        self._open_after_import: int | None = None   # media id the viewer opens once its snapshot is in
        panel.removeRequested.connect(self.remove_media)
        panel.clearErrorsRequested.connect(self.clear_errors)

    # --- library and model ------------------------------------------------------------------------
    def open_library(self, path: str) -> bool:
        """Open (or create) a library file; False with libraryFailed emitted when it is not usable."""
        from ..library import LibraryError

        try:
            self.state.open_library(path)   # validates; a corrupt or foreign file is never overwritten
        except (LibraryError, OSError) as exc:
            self.libraryFailed.emit(str(exc))
            return False
        self.reload()
        return True

    def load_model(self, path: str | None) -> None:
        """Open the embedding model in a worker: its identity, matching scale and calibration first (no torch:
        the library's stored embeddings and searches work at once, embed.lazy_model), then its network in a
        second job (the torch import takes seconds); the library reloads with the model's embeddings."""
        def job(progress, cancel):
            progress(0, 1, "opening model")
            from ..embed.lazy_model import LazyPoseModel

            return LazyPoseModel(path)

        self._model_loading = True
        self.runner.run(job, "open model", key="model", on_done=lambda m: self._model_loaded(m, path),
                        on_failed=lambda msg, details: self._model_failed(msg))

    def _load_network(self, model, path: str | None) -> None:
        """Load the opened model's network now, in a worker, so the first embedding does not wait for it."""
        def job(progress, cancel):
            progress(0, 1, "loading model network")
            import torch

            # One intra-op thread in the GUI process: torch's OpenMP workers spin between batches and took
            # CPU from the GUI thread during imports; embedding a few hundred poses per batch needs no pool.
            torch.set_num_threads(1)
            return model.load()

        def failed(message: str) -> None:
            if self.state.model is model:
                self.state.set_model(None, None)
                self._model_failed(message)
                self.reload()      # the library as it is, without this model's embeddings

        self.runner.run(job, "load model network", key="model network", nice=5,
                        on_failed=lambda msg, details: failed(msg))

    def load_lifter(self, path: str) -> None:
        """Load an optional 3D-lifting model (for the 3D view of keypoint-file poses) in a worker."""
        def job(progress, cancel):
            from ..embed.model import load_model

            model = load_model(path)
            if model.kind != "lift3d":
                raise ValueError(f"{path} is a {model.kind!r} model, not a 3D-lifting ('lift3d') model")
            return model

        self.runner.run(job, "load lifting model", key="lifter", on_done=self.state.set_lifter,
                        on_failed=lambda msg, d: self.state.statusMessage.emit(f"3D lifting model: {msg}"))

    def _model_loaded(self, model, path: str | None) -> None:
        self._model_loading = False
        self.model_error = ""
        self.state.set_model(model, path)
        self.state.statusMessage.emit(f"model: {model.name} ({model.kind}, {model.embed_dim}-D)")
        if not getattr(model, "loaded", True):   # a LazyPoseModel: its network follows in a worker
            self._load_network(model, path)
        self.reload(queue=True)   # behind a snapshot already on its way (the library listed without the model)

    def _model_failed(self, message: str) -> None:
        self._model_loading = False
        self.model_error = message
        self.modelFailed.emit(message)
        self.state.statusMessage.emit(f"No embedding model ({message}); search is disabled")
        if self._reload_after_model:
            self.reload()

    @property
    def model_loading(self) -> bool:
        return self._model_loading

    # --- snapshot ---------------------------------------------------------------------------------
    def reload(self, queue: bool = False) -> None:
        """Embed missing poses and rebuild the snapshot (newest request wins; queue: after the one running)."""
        if self.state.library_path is None:
            return
        if self._model_loading:  # the model's arrival triggers the reload, with embeddings
            self._reload_after_model = True
        self.runner.run(self.state.snapshot_job(), "load library", key="snapshot", queue=queue,
                        on_done=self._snapshot_loaded,
                        on_progress=self._snapshot_progress,
                        on_failed=lambda msg, details: self.state.statusMessage.emit(f"library: {msg}"))

    def _snapshot_progress(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - self._status_at >= 0.25 or done >= total:   # at most 4 status updates a second
            self._status_at = now
            self.state.statusMessage.emit(f"{message} {done}/{total}" if total else message)

    def _snapshot_loaded(self, snapshot) -> None:
        self.state.set_snapshot(snapshot)
        self.state.statusMessage.emit(f"{len(snapshot.media)} media, {len(snapshot)} poses")
        self.runner.run(self.state.tracks_job(), "person tracks", key="tracks", on_done=self.state.set_tracks,
                        on_failed=lambda msg, details: self.state.statusMessage.emit(f"person tracks: {msg}"))
        self._open_something()
        missing = [m for m in snapshot.media if m.media_id not in self.panel.thumbnails and m.status != "error"]
        if missing:
            self.runner.run(thumbnail_job(missing), "thumbnails", key="thumbnails", queue=True,
                            on_done=self.panel.set_thumbnails)
        self.snapshotLoaded.emit()

    def _open_something(self) -> None:
        """Nothing selected: show the imported (or first) media, so the viewer is not blank."""
        if self.state.open_something(self._open_after_import):
            self._open_after_import = None

    # --- import -----------------------------------------------------------------------------------
    def import_paths(self, paths: list[str]) -> None:
        """Index files and folders in the background; imports queue behind each other."""
        paths = [str(p) for p in paths if str(p).strip()]
        if not paths or self.state.library_path is None:
            return
        title = ", ".join(Path(p).name for p in paths[:3]) + (f" +{len(paths) - 3}" if len(paths) > 3 else "")
        holder: dict = {}
        row = self.panel.add_import_row(f"Importing {title}", lambda: holder["handle"].cancel())
        job = self.state.import_job(paths, self.workers)
        self._imports += 1
        self._media_timer.start()
        holder["handle"] = self.runner.run(
            job, f"import {title}", key="import", queue=True, on_progress=row.set_progress,
            on_done=lambda report: self._import_done(row, report),
            on_failed=lambda msg, details: self._import_failed(row, msg),
            on_cancelled=lambda: self._import_cancelled(row))

    def _poll_media(self) -> None:
        """While imports run, show the media list as the library has it (files appear as they start)."""
        if self._imports <= 0 or self.state.library_path is None:
            self._media_timer.stop()
            return
        self.runner.run(self.state.media_job(), "media list", key="media list",
                        on_done=lambda rows: self._imports > 0 and self.panel.show_media(rows))

    def _import_ended(self) -> None:
        self._imports = max(0, self._imports - 1)
        if self._imports == 0:
            self._media_timer.stop()

    def _import_done(self, row, report) -> None:
        self._import_ended()
        self.panel.remove_import_row(row)
        errors = [f"{Path(f.path).name}: {f.message}" for f in report.files if not f.ok]
        self.panel.add_errors(errors)
        imported = [f.media_id for f in report.files if f.ok and f.media_id is not None]
        if imported and self.state.media_id < 0:
            self._open_after_import = imported[0]
        self.reload()
        self.importFinished.emit(report)

    def _import_failed(self, row, message: str) -> None:
        self._import_ended()
        self.panel.remove_import_row(row)
        self.panel.add_errors([f"import failed: {message}"])
        self.reload()

    def _import_cancelled(self, row) -> None:
        self._import_ended()
        self.panel.remove_import_row(row)
        self.state.statusMessage.emit("import cancelled; what was done is kept")
        self.reload()

    # --- removal ------------------------------------------------------------------------------------
    def remove_media(self, media_ids: list[int]) -> None:
        if self.state.library_path is None or not media_ids:
            return
        self.runner.run(self.state.remove_job(media_ids), "remove media",
                        key="remove", queue=True, on_done=lambda ids: self.reload(),
                        on_failed=lambda msg, d: self.panel.add_errors([f"remove failed: {msg}"]))

    def clear_errors(self) -> None:
        """Forget failed files: their messages and their library entries."""
        self.panel.clear_error_messages()
        failed = [m.media_id for m in self.state.snapshot.media if m.status == "error"]
        self.remove_media(failed)
