"""Retrieval panel: the top matches of the current pose in other media, as a grid of pose crops.

Each tile shows media name, frame and confidence: the model's calibrated probability that the 3D poses
match (poseexplorer.embed.calibration), or the raw sampled matching probability P, marked "uncalibrated",
when the model has no calibration; the tooltip also shows the raw P. Options: k, exclude
the same media, mirror search, one result per view (its best frame) or per person of each view; a result of a
tracked person shows its track (name and colour dot); the scatter's rectangle/lasso selection restricts the candidates. Clicking
a tile opens that frame in the viewer (the results stay until another frame is chosen). Export to CSV.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QHBoxLayout, QLabel, QListView, QListWidget,
                               QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ...embed.calibration import MEANING
from ...session.cross_view import above_confidence, looks_multiview, per_media_search_job
from ...session.motion_search import MomentCache, motion_search_job
from ...session.person_search import per_person_search_job
from ...session.search_jobs import IndexCache, ResultRow, SearchRequest, search_job
from ..image_jobs import crop_job
from ..job_runner import JobRunner
from ..state import AppState
from ..views.pose_crop import render_crop, with_badge
from ..views.skeleton_style import track_colour

TILE = 128
#: tiles drawn at once: a cross-view search of a large library answers thousands of views; the rest come
#: a page at a time ("show more"), so drawing never reads thousands of poses on the GUI thread
TILE_PAGE = 48
CSV_COLUMNS = ("rank", "query_media", "query_frame_index", "query_pose_id", "media", "path", "frame_index", "pose_id",
               "confidence", "mirrored", "probability", "calibrated", "track")
#: confidence: calibrated (or raw P when calibrated = 0); probability: the raw matching probability P;
#: track: the matched person's track in its media (-1 = untracked)


def confidence_tooltip(r: ResultRow) -> str:
    """The tooltip lines about a result's confidence: calibrated value and raw P, or raw P 'uncalibrated'."""
    if r.confidence is None:
        return (f"confidence {r.probability:.3f}: raw matching probability P (uncalibrated: this model has no "
                f"calibration, so P is likely over-confident)")
    return f"confidence {r.confidence:.3f}: {MEANING}\nraw matching probability P {r.probability:.3f}"


def confidence_colour(p: float) -> QColor:
    """Green when a match is more likely than not, amber from 1 in 4, otherwise grey (a weak match, not an
    error). The thresholds read the calibrated confidence, which on held-out mocap rarely exceeds 0.55."""
    return QColor(90, 210, 110) if p >= 0.5 else QColor(230, 200, 70) if p >= 0.25 else QColor(165, 165, 165)


class RetrievalPanel(QWidget):
    def __init__(self, state: AppState, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.runner = state, runner
        self.cache = IndexCache()
        self.moments = MomentCache()   # per video pair: each frame's best frames by motion
        self.searching = False
        self._opening_result = -1
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.search)
        self._build()
        state.poseSelected.connect(self._pose_selected)
        state.snapshotChanged.connect(self._snapshot_changed)
        state.selectionChanged.connect(self._selection_changed)
        state.resultsChanged.connect(self._show_results)
        state.modelChanged.connect(self._schedule)
        state.tracksChanged.connect(self._show_results)

    def _build(self) -> None:
        self.k = QSpinBox()
        self.k.setRange(1, 200)
        self.k.setValue(12)
        self.k.setPrefix("k = ")
        self.exclude = QCheckBox("other media")
        self.exclude.setToolTip("Search only the other media, not the query's own video or folder")
        self.exclude.setChecked(True)
        self.mirror = QCheckBox("mirror")
        self.mirror.setToolTip("Also search for the left/right-flipped pose; mirrored hits are marked ⇋")
        self.per_media = QCheckBox("best frame per view")
        self.per_media.setToolTip("One result per media, its best frame: where this instant is in the other "
                                  "views (on by default when the library holds several views of one scene)")
        self.per_media.toggled.connect(self._per_media_toggled)
        self._per_media_chosen = False      # the user's choice wins over the library-based default
        self.by_motion = QCheckBox("motion")
        self.by_motion.setChecked(True)
        self.by_motion.setToolTip("For a query from a video: choose each view's frame by the motion around it "
                                  "(the sync window, about +-20 frames), not by the one frame. On real 4-view "
                                  "footage this finds the same instant far more often (docs/results.md, section 7). "
                                  "The first search of a video pair scores the whole pair once (seconds).")
        self.by_motion.toggled.connect(self._schedule)
        self.per_person = QCheckBox("per person")
        self.per_person.setToolTip("One result per person (track) of each media, their best frame: who does this "
                                   "pose, and when, in every view")
        self.per_person.toggled.connect(self._enable_k)
        for w in (self.k, self.exclude, self.mirror, self.per_person):
            (w.valueChanged if isinstance(w, QSpinBox) else w.toggled).connect(self._schedule)
        self.min_confidence = QSpinBox()
        self.min_confidence.setRange(0, 100)
        self.min_confidence.setSingleStep(5)
        self.min_confidence.setPrefix("≥ ")
        self.min_confidence.setSuffix(" %")
        self.min_confidence.setToolTip("Hide results whose confidence is below this")
        self.min_confidence.valueChanged.connect(self._show_results)
        export = QPushButton("CSV…")
        export.setToolTip("Export the results shown to a CSV file")
        export.clicked.connect(self.export_csv_dialog)
        options = QHBoxLayout()
        options.setSpacing(4)   # five controls and the export button in the narrow retrieval dock
        for w in (self.k, self.exclude, self.mirror, self.by_motion):
            options.addWidget(w)
        options.addStretch(1)
        options.addWidget(export)
        second = QHBoxLayout()
        second.addWidget(self.per_media)
        second.addWidget(self.per_person)
        second.addStretch(1)
        second.addWidget(QLabel("confidence"))
        second.addWidget(self.min_confidence)
        self.header = QLabel("Select a frame with a person to find the same pose elsewhere.")
        self.header.setWordWrap(True)
        self.filter_label = QLabel("")
        self.filter_label.setStyleSheet("color: #e0a0ff")
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(TILE, TILE))
        self.grid.setGridSize(QSize(TILE + 16, TILE + 44))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setWordWrap(True)
        self.grid.itemClicked.connect(self._clicked)
        self.more = QPushButton("")
        self.more.clicked.connect(lambda: self._add_tiles(self._next))
        self.more.hide()
        self._tiles: list[ResultRow] = []   # the results the grid shows a page at a time
        self._next = 0                      # the first of them without a tile yet
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(options)
        layout.addLayout(second)
        layout.addWidget(self.header)
        layout.addWidget(self.filter_label)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.more)

    # --- searching ----------------------------------------------------------------------------------
    def _pose_selected(self, pose_id: int) -> None:
        if pose_id >= 0 and pose_id == self._opening_result:
            self._opening_result = -1   # we opened a result: keep the list
            return
        self._schedule()

    def _schedule(self, *args) -> None:
        self._debounce.start()

    def _snapshot_changed(self) -> None:
        self.moments.clear()    # the library changed: its sequences may have too
        if not self._per_media_chosen:
            self.per_media.blockSignals(True)
            self.per_media.setChecked(looks_multiview(self.state.snapshot))
            self.per_media.blockSignals(False)
        self._enable_k()
        self._schedule()

    def _per_media_toggled(self, on: bool) -> None:
        self._per_media_chosen = True
        self._enable_k()
        self._schedule()

    def _enable_k(self, *args) -> None:
        self.k.setEnabled(not (self.per_media.isChecked() or self.per_person.isChecked()))
        self.by_motion.setEnabled(self.per_media.isChecked() and not self.per_person.isChecked())

    def shown_results(self) -> list[ResultRow]:
        """The results the list shows: above the confidence threshold, best first."""
        return above_confidence(self.state.results, self.min_confidence.value() / 100.0)

    def _selection_changed(self) -> None:
        sel = self.state.selection
        self.filter_label.setText("" if sel is None else f"restricted to {len(sel)} poses selected in the scatter")
        self._schedule()

    def request(self) -> SearchRequest | None:
        pose_id = self.state.pose_id
        if pose_id < 0:
            return None
        return SearchRequest(pose_id, self.k.value(), self.exclude.isChecked(), self.mirror.isChecked(),
                             self.state.selection)

    def search(self) -> None:
        """Search for the current pose now (normally called after a short debounce)."""
        snap, model, req = self.state.snapshot, self.state.model, self.request()
        if req is None:
            self.header.setText("No person in this frame." if self.state.media_id >= 0 else
                                "Select a frame with a person to find the same pose elsewhere.")
            self.state.set_results([], -1)
            return
        if model is None or not snap.has_embeddings:
            self.header.setText("Search needs embeddings: waiting for the model…")
            return
        self.searching = True
        self.header.setText("searching…")
        if self.per_person.isChecked():
            job = per_person_search_job(snap, model, self.cache, req, self.state.tracks)
        else:
            job = (per_media_search_job if self.per_media.isChecked() else search_job)(snap, model, self.cache, req)
        motion = self.per_media.isChecked() and self.by_motion.isChecked() and not self.per_person.isChecked()
        self.runner.run(job, "search", key="search",
                        on_done=lambda rows: (self._refine_by_motion if motion else self._search_done)(req, rows),
                        on_failed=lambda msg, details: self._search_failed(msg))

    def _refine_by_motion(self, req: SearchRequest, rows: list[ResultRow]) -> None:
        """Show the single-frame answer at once, then let the motion around each frame choose it (seconds the
        first time a video pair is scored; the same key, so a new search cancels it)."""
        self.state.set_results(rows, req.pose_id)
        if not rows:
            self.searching = False
            return
        self.header.setText(self.header.text() + " · refining by motion…")
        job = motion_search_job(self.state.snapshot, self.state.model, self.cache, self.moments,
                                self.state.library_path or "", req, self.state.tracks, single_rows=rows)
        self.runner.run(job, "search by motion", key="search",
                        on_done=lambda found: self._search_done(req, found),
                        on_failed=lambda msg, details: self._search_failed(msg))

    def _search_done(self, req: SearchRequest, rows: list[ResultRow]) -> None:
        self.searching = False
        self.state.set_results(rows, req.pose_id)

    def _search_failed(self, message: str) -> None:
        self.searching = False
        self.header.setText(f"search failed: {message}")

    # --- showing ------------------------------------------------------------------------------------
    def _show_results(self, *args) -> None:
        snap, rows = self.state.snapshot, self.shown_results()
        hidden = len(self.state.results) - len(rows)
        self.grid.clear()
        q = snap.row_of(self.state.query_pose_id)
        if q >= 0:
            what = ("people (best frame each)" if self.per_person.isChecked() else
                    ("views (best frame each, by motion)" if self.by_motion.isChecked() else
                     "views (best frame each)") if self.per_media.isChecked() else "matches")
            self.header.setText(f"{len(rows)} {what} for {snap.media_name(int(snap.media_ids[q]))} "
                                f"frame {int(snap.frames[q])}" + ("" if rows else ": none")
                                + (f", {hidden} below {self.min_confidence.value()}% hidden" if hidden else "")
                                + ("" if not rows else " (% = calibrated 3D-match probability)"
                                   if rows[0].confidence is not None else " (% = raw P, uncalibrated)"))
        self._tiles = rows
        self._add_tiles(0)
        self.grid.scrollToTop()   # a new search shows its best hits, not the old scroll position

    def _add_tiles(self, start: int) -> None:
        """Append the tiles of results start.. start + TILE_PAGE (their poses read in one go), then ask a
        worker for their crops."""
        snap, rows = self.state.snapshot, self._tiles[start:start + TILE_PAGE]
        self._next = start + len(rows)
        found = snap.rows_of(np.array([r.pose_id for r in rows], np.int64))
        rows, found = [r for r, f in zip(rows, found) if f >= 0], found[found >= 0]
        xy, scores = (snap.xy[found], snap.scores[found]) if len(found) else (None, None)
        tracks = self.state.tracks.track_of([r.pose_id for r in rows]).tolist()
        requests = []
        for i, (r, track) in enumerate(zip(rows, tracks)):
            rank = start + i + 1
            name = snap.media_name(r.media_id)
            crop = render_crop(None, xy[i], scores[i], TILE, self.state.min_visibility)
            icon = QIcon(QPixmap.fromImage(with_badge(crop, track_colour(track)) if track >= 0 else crop))
            shown = r.shown_confidence
            who = f" · track {track}" if track >= 0 else ""
            text = f"{name[:14 if who else 18]}{who}\nframe {r.frame} · {100 * shown:.0f}%" + (" ⇋" if r.mirrored else "")
            item = QListWidgetItem(icon, text)
            item.setData(Qt.ItemDataRole.UserRole, r.pose_id)
            item.setData(Qt.ItemDataRole.UserRole + 1, track)
            item.setForeground(confidence_colour(shown))
            item.setToolTip(f"#{rank}: {name}, frame {r.frame}{', person track ' + str(track) if track >= 0 else ''}\n"
                            + confidence_tooltip(r)
                            + ("\nmatched as mirror image" if r.mirrored else "")
                            + (f"\nframe chosen by the motion around it (window cost {r.extra['motion_cost']:.2f})"
                               if "motion_cost" in r.extra else ""))
            self.grid.addItem(item)
            media = snap.media_by_id.get(r.media_id)
            if media is not None and media.kind != "keypoints":
                requests.append((r.pose_id, media.path, r.frame, xy[i], scores[i]))
        left = len(self._tiles) - self._next
        self.more.setText(f"show {min(left, TILE_PAGE)} more ({self._next:,} of {len(self._tiles):,} shown)")
        self.more.setVisible(left > 0)
        if requests:
            self.runner.run(crop_job(requests, TILE, self.state.min_visibility), "crops", key="result crops",
                            on_done=self._set_crops)

    def _set_crops(self, crops: dict) -> None:
        for i in range(self.grid.count()):
            item = self.grid.item(i)
            image = crops.get(int(item.data(Qt.ItemDataRole.UserRole)))
            if image is not None:
                track = int(item.data(Qt.ItemDataRole.UserRole + 1))
                item.setIcon(QIcon(QPixmap.fromImage(with_badge(image, track_colour(track)) if track >= 0 else image)))

    def _clicked(self, item: QListWidgetItem) -> None:
        pose_id = int(item.data(Qt.ItemDataRole.UserRole))
        self._opening_result = pose_id
        self.state.highlight_result(pose_id)
        self.state.select_pose(pose_id)
        if self.state.pose_id != pose_id:   # nothing changed (already there): do not swallow the next pick
            self._opening_result = -1

    # --- export -------------------------------------------------------------------------------------
    def export_csv(self, path: str | Path) -> int:
        """Write the current results; returns the number of rows. Columns: CSV_COLUMNS."""
        snap = self.state.snapshot
        q = snap.row_of(self.state.query_pose_id)
        q_media = snap.media_name(int(snap.media_ids[q])) if q >= 0 else ""
        q_frame = int(snap.frames[q]) if q >= 0 else -1
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(CSV_COLUMNS)
            rows = self.shown_results()
            tracks = self.state.tracks.track_of([r.pose_id for r in rows]).tolist()
            for rank, (r, track) in enumerate(zip(rows, tracks), 1):
                media = snap.media_by_id.get(r.media_id)
                writer.writerow([rank, q_media, q_frame, self.state.query_pose_id, media.name if media else "",
                                 media.path if media else "", r.frame, r.pose_id, f"{r.shown_confidence:.6f}",
                                 int(r.mirrored), f"{r.probability:.6f}", int(r.confidence is not None), track])
        return len(self.shown_results())

    def export_csv_dialog(self) -> None:
        if not self.shown_results():
            self.state.statusMessage.emit("no results to export")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export results", "matches.csv", "CSV (*.csv)")
        if path:
            try:
                n = self.export_csv(path)
            except OSError as exc:
                self.state.statusMessage.emit(f"cannot write {path}: {exc}")
                return
            self.state.statusMessage.emit(f"wrote {n} results to {path}")
