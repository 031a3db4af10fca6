"""The sync panel: drop videos (or pick them from the library), sync them automatically, play them together.
A video with several people offers a person picker: whose motion drives its alignment (default: the best
person of each frame).

The first video is the reference; every other one follows it through a sync map found by DTW over
view-invariant pose embeddings (poseexplorer.align). Detection, embedding and alignment run on the window's JobRunner;
playback, stepping, nudge and mirror are in SyncPlayers; the cost matrix with the DTW path is clickable;
Export writes all videos side by side into one file. Videos may differ in fps, length and size.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QMessageBox,
    QProgressBar, QPushButton, QSplitter, QToolButton, QVBoxLayout, QWidget,
)

from ..align.video_sync import PoseSequence, SyncResult
from ..io.kinds import KEYPOINT_EXTENSIONS, VIDEO_EXTENSIONS
from ..session.sync_jobs import (SYNCABLE_KINDS, Source, VideoSource, library_media_for, make_export_job,
                                 make_sync_job)
from .sync.cost_view import CostMatrixView
from .sync.export_dialog import ExportOptions, ExportOptionsDialog, export_finished_box
from .sync.players import SyncPlayers
from .sync.source_table import SourceTable
from .job_runner import JobHandle, JobRunner

HINT = ("Drop two or more videos (or keypoint tracks) here, or pick them from the library. The first is the "
        "reference; the others follow it. Then press Sync.")


class SyncPanel(QWidget):
    """Sources list, Sync / Cancel / Export, the synced players and the cost matrix.

    `state` is the app's AppState (library path, model, media list); without one, the panel works on
    dropped videos with precomputed sequences (`add_sequence`) or indexes into `library_path`.
    Signals: synced(SyncResult) after a successful sync, exported(path) after an export.
    """

    synced = Signal(object)
    exported = Signal(str)

    def __init__(self, state: Any = None, parent: QWidget | None = None, library_path: str | None = None,
                 model: Any = None, runner: JobRunner | None = None) -> None:
        super().__init__(parent)
        #: the window's runner (status bar, close-time cancel); a panel on its own gets its own
        self.runner = runner if runner is not None else JobRunner(self)
        self._state = state
        self._library_path = library_path
        self._model = model
        self._sources: list[Source] = []
        self._result: SyncResult | None = None
        self._job: JobHandle | None = None
        self.export_options = ExportOptions()
        self.finished_box = None
        self.setAcceptDrops(True)
        self._build()

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(self._build_toolbar())
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        policy = self.hint.sizePolicy()
        policy.setHeightForWidth(False)   # else the dock's scroll area sizes the panel to its preferred height
        self.hint.setSizePolicy(policy)
        layout.addWidget(self.hint)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.players = SyncPlayers()
        split.addWidget(self.players)
        split.addWidget(self._build_side())
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.players.positionChanged.connect(self._on_position)

    def _build_toolbar(self) -> QVBoxLayout:
        """Two short rows (sources; alignment and export), so the panel fits beside the side docks."""
        rows = QVBoxLayout()
        row, second = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(row)
        rows.addLayout(second)
        self.add_button = QPushButton("Add videos…")
        self.add_button.clicked.connect(self._choose_files)
        self.library_button = QToolButton()
        self.library_button.setText("From library")
        self.library_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.library_menu = QMenu(self)
        self.library_menu.aboutToShow.connect(self._fill_library_menu)
        self.library_button.setMenu(self.library_menu)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.sync_button = QPushButton("Sync")
        self.sync_button.setToolTip("Detect poses where needed, then align every video to the reference")
        self.sync_button.clicked.connect(self.start_sync)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(260)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton("Export video…")
        self.export_button.setToolTip("Write the synced videos side by side into one video file")
        self.export_button.clicked.connect(self._choose_export)
        self._build_sync_options()
        for w in (self.add_button, self.library_button, self.clear_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.export_button)
        for w in (self.mirror_search, QLabel("Max drift"), self.drift, self.sync_button):
            second.addWidget(w)
        second.addWidget(self.progress, 1)
        second.addWidget(self.cancel_button)
        second.addStretch(1)
        self._update_buttons()
        return rows

    def _build_sync_options(self) -> None:
        """Alignment options: mirror search and the largest drift from a constant-speed match."""
        self.mirror_search = QCheckBox("Left/right free")
        self.mirror_search.setChecked(True)
        self.mirror_search.setToolTip("Match each follower frame as it is or left/right-flipped, whichever is "
                                      "closer, frame by frame: detectors swap left and right on side and back "
                                      "views, and a mirror, a selfie camera or the same move done with the other "
                                      "side flips the whole video. Off: left and right must match as detected")
        self.drift = QDoubleSpinBox()
        self.drift.setRange(0.0, 600.0)
        self.drift.setSingleStep(0.1)
        self.drift.setDecimals(1)
        self.drift.setSuffix(" s")
        self.drift.setSpecialValueText("any drift")
        self.drift.setToolTip("Keep the alignment within this many seconds of a constant-speed match "
                              "(a DTW band); 'any drift' leaves it free")

    def _build_side(self) -> QWidget:
        side = QWidget()
        box = QVBoxLayout(side)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("Videos (first = reference)"))
        self.source_list = SourceTable()
        self.source_list.trackChosen.connect(self._track_chosen)
        box.addWidget(self.source_list)
        self.follower_combo = QComboBox()
        self.follower_combo.currentIndexChanged.connect(self._show_cost)
        box.addWidget(self.follower_combo)
        self.cost_view = CostMatrixView()
        self.cost_view.frameClicked.connect(self.players.seek)
        self.cost_view.setToolTip("Frame cost (dark = similar poses) and the DTW path; click to jump there")
        box.addWidget(self.cost_view, 1)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        box.addWidget(self.info)
        side.setMinimumWidth(100)
        return side

    # --- sources --------------------------------------------------------------------------------
    def add_video(self, path: str) -> None:
        """Add a video file (detected and indexed at sync time when it is not in the library)."""
        media_id = library_media_for(getattr(getattr(self._state, "snapshot", None), "media", ()), path)
        self._add_source(VideoSource(path=str(path), media_id=media_id), Path(path).name)

    def add_library_media(self, media_id: int, name: str = "") -> None:
        self._add_source(VideoSource(media_id=int(media_id)), name or f"media {media_id}")

    def add_sequence(self, sequence: PoseSequence) -> None:
        """Add a video whose per-frame embeddings are already known (the library, a test, a script)."""
        self._add_source(sequence, sequence.name)

    def _add_source(self, source: Source, name: str) -> None:
        self._sources.append(source)
        role = "reference" if len(self._sources) == 1 else f"follower {len(self._sources) - 1}"
        tracks = getattr(self._state, "tracks", None)
        media_id = source.media_id if isinstance(source, VideoSource) else None
        self.source_list.add_source(f"{role}: {name}",
                                    tracks.tracks_in(media_id) if tracks is not None and media_id is not None else [])
        self.hint.setVisible(len(self._sources) < 2)
        self._update_buttons()

    def _track_chosen(self, row: int, track: int | None) -> None:
        """The person picker of a video: its track drives that video's alignment (None: the best person)."""
        self._sources[row] = replace(self._sources[row], track=track)

    def sources(self) -> list[Source]:
        return list(self._sources)

    def clear(self) -> None:
        self.cancel()
        self._sources.clear()
        self._result = None
        self.source_list.clear()
        self.follower_combo.clear()
        self.cost_view.clear_alignment()
        self.players.clear()
        self.info.setText("")
        self.hint.setVisible(True)
        self._update_buttons()

    def _fill_library_menu(self) -> None:
        self.library_menu.clear()
        rows = [m for m in getattr(getattr(self._state, "snapshot", None), "media", ()) if m.kind in SYNCABLE_KINDS]
        if not rows:
            self.library_menu.addAction("(no videos or keypoint tracks in the library)").setEnabled(False)
        for row in rows:
            action = self.library_menu.addAction(f"{row.name}  ({row.n_frames} frames, {row.fps:.3g} fps)")
            action.triggered.connect(lambda _=False, r=row: self.add_library_media(r.media_id, r.name))

    def _choose_files(self) -> None:
        videos = " ".join(f"*{e}" for e in sorted(VIDEO_EXTENSIONS))
        tracks = " ".join(f"*{e}" for e in sorted(KEYPOINT_EXTENSIONS))
        paths, _ = QFileDialog.getOpenFileNames(self, "Add videos to sync", "", f"Videos ({videos});;"
                                                f"Keypoint tracks ({tracks});;All files (*)")
        for path in paths:
            self.add_video(path)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt name)
        for url in event.mimeData().urls():
            if url.isLocalFile() and Path(url.toLocalFile()).is_file():
                self.add_video(url.toLocalFile())
        event.acceptProposedAction()

    # --- syncing --------------------------------------------------------------------------------
    def library_path(self) -> str | None:
        return self._library_path or getattr(self._state, "library_path", None)

    def _model_source(self) -> Any:
        model = self._model if self._model is not None else getattr(self._state, "model", None)
        if model is not None:
            return model
        from ..embed.model import load_model

        return load_model

    def start_sync(self) -> None:
        if self.is_busy():
            return
        if len(self._sources) < 2:
            self._warn("Add at least two videos: the first is the reference, the others follow it.")
            return
        needs_library = any(isinstance(s, VideoSource) for s in self._sources)
        if needs_library and not self.library_path():
            from ..library import default_library_path

            self._library_path = str(default_library_path())
        drift = self.drift.value() or None
        job = make_sync_job(list(self._sources), self._model_source(), self.library_path() or "",
                            max_drift_s=drift, mirror=self.mirror_search.isChecked())
        self._run(job, "sync", self._on_synced)

    def _on_synced(self, result: SyncResult) -> None:
        from ..io import open_media

        readers = []
        try:
            readers.append(open_media(result.reference.path))
            readers += [open_media(f.path_to_video) for f in result.followers]
        except Exception as exc:  # noqa: BLE001 (shown to the user, nothing is lost)
            for r in readers:
                r.close()
            self._warn(f"Synced, but a video could not be opened for playback: {exc}")
            return
        self._result = result
        names = [result.reference.name] + [f.name for f in result.followers]
        skeletons = [result.reference.xy] + [f.xy for f in result.followers]
        self.players.set_videos(readers, names, result.reference.fps, result.tracks(), skeletons)
        self.follower_combo.blockSignals(True)
        self.follower_combo.clear()
        self.follower_combo.addItems([f"cost: {n}" for n in names[1:]])
        self.follower_combo.blockSignals(False)
        self._show_cost(0)
        self._update_buttons()
        self.synced.emit(result)

    def result(self) -> SyncResult | None:
        return self._result

    def _show_cost(self, index: int) -> None:
        if self._result is None or not (0 <= index < len(self._result.followers)):
            return
        f = self._result.followers[index]
        path = np.stack([f.path[:, 0], f.samples[f.path[:, 1]]], axis=1)  # follower samples -> its frames
        self.cost_view.set_alignment(f.cost, path, f.fps / self._result.reference.fps)
        mirrored = "  ·  best match mirrored (left/right flipped)" if f.mirrored else ""
        self.info.setText(f"{f.name}: {f.n_frames} frames at {f.fps:.3g} fps against "
                          f"{self._result.reference.n_frames} at {self._result.reference.fps:.3g} fps.  "
                          f"Mean path cost {f.distance:.3f}{mirrored}")
        self._on_position(self.players.reference_frame(), self.players.shown_frames()[1:])

    def _on_position(self, ref: int, followers: list) -> None:
        i = self.follower_combo.currentIndex()
        if self._result is None or ref < 0 or not (0 <= i < len(followers)):
            return
        self.cost_view.set_cursor(ref, followers[i])

    # --- export ---------------------------------------------------------------------------------
    def _choose_export(self) -> None:
        if self._result is None:
            return
        dialog = ExportOptionsDialog(self, self.export_options)
        if not dialog.exec():
            return
        self.export_options = dialog.options()
        path, _ = QFileDialog.getSaveFileName(self, "Export synced video", "synced.mp4",
                                              "MP4 video, H.264 (*.mp4);;Motion-JPEG AVI (*.avi)")
        if path:
            self.export(path, self.export_options, show_finished=True)

    def export(self, out_path: str, options: ExportOptions | None = None, show_finished: bool = False) -> None:
        """Write every video side by side on the reference's timeline, with the current nudges and flips,
        and the skeletons, names and size limit of `options` (default: plain pictures, at most 1920 px)."""
        if self._result is None or self.is_busy():
            return
        options = options or ExportOptions(skeletons=False, labels=False)
        flips = [v.is_flipped() for v in self.players.views()]
        extra = dict(max_width=options.max_width,
                     labels=self.players.names() if options.labels else None,
                     skeletons=self.players.skeletons() if options.skeletons else None)
        job = make_export_job(self._result, self.players.tracks, flips, str(out_path), **extra)
        self._run(job, "export", lambda _res: self._exported(str(out_path), show_finished))

    def _exported(self, path: str, show_finished: bool) -> None:
        self.info.setText(f"Exported {path}")
        self.exported.emit(path)
        if show_finished:
            self.finished_box = export_finished_box(self, path)
            self.finished_box.open()

    # --- worker plumbing ------------------------------------------------------------------------
    def _run(self, job, name: str, on_done) -> None:
        self._job = self.runner.run(
            job, f"sync: {name}", on_done=on_done, on_progress=self._on_progress, owner=self,
            on_failed=lambda msg, _details: self._warn(f"{name.capitalize()} failed: {msg}"),
            on_cancelled=lambda: self.info.setText(f"{name.capitalize()} cancelled."))
        handle = self._job
        handle.ended.connect(lambda: self._on_job_ended(handle))
        self.progress.setRange(0, 0)
        self.progress.setFormat(f"{name}…")
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self._update_buttons(busy=True)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(message[:40] + "  %p%" if message else "%p%")

    def _on_job_ended(self, handle: JobHandle) -> None:
        if self._job is not handle:   # a newer job took its place
            return
        self._job = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._update_buttons()

    def is_busy(self) -> bool:
        return self._job is not None and self._job.active

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def wait_idle(self, ms: int = 30000) -> None:
        """Block until the running job's thread ends (for shutdown and tests)."""
        if self._job is not None:
            self._job.wait(ms)

    def _update_buttons(self, busy: bool = False) -> None:
        for b in (getattr(self, n, None) for n in ("add_button", "library_button", "clear_button")):
            if b is not None:
                b.setEnabled(not busy)
        if hasattr(self, "sync_button"):
            self.sync_button.setEnabled(not busy and len(self._sources) >= 2)
            self.export_button.setEnabled(not busy and self._result is not None)

    def _warn(self, text: str) -> None:
        self.info.setText(text)
        if self.isVisible():
            QMessageBox.warning(self, "Sync", text)

    def shutdown(self) -> None:
        """Stop a running job and playback and close the videos (the main window calls it on close)."""
        self.cancel()
        self.wait_idle()
        self.players.clear()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(event)
