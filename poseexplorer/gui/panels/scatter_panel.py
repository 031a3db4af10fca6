"""Scatter panel: PCA of all embedding means, coloured by media, ambiguity or person track; hover shows the pose crop,
click selects the frame everywhere, rectangle/lasso selection restricts the retrieval results.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QHBoxLayout, QLabel, QPushButton, QToolButton,
                               QVBoxLayout, QWidget)

from ...session.search_jobs import pca_job
from ..image_jobs import crop_job
from ..job_runner import JobRunner
from ..state import AppState
from ..views.pose_crop import render_crop
from ..views.scatter_view import ScatterView
from ..views.skeleton_style import (MEDIA_PALETTE, TRACK_PALETTE, UNTRACKED, ambiguity_colours, media_colour,
                                   track_colour)

HOVER_SIZE = 120
CROP_CACHE = 256
LEGEND_MEDIA = 30   # more media than this: points coloured by the cycled palette, without a legend
BY_TRACK = 2        # colour_by index of "colour by person track"


class ScatterPanel(QWidget):
    def __init__(self, state: AppState, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.runner = state, runner
        self.view = ScatterView()
        self.pca = None
        self.coords: np.ndarray | None = None          # (N, 2) rows aligned with the snapshot the PCA used
        self._coords_snapshot = None
        self._saved_orientations: dict[str, np.ndarray] = {}
        self._rows = np.zeros(0, np.int64)             # the snapshot rows drawn (all, or a sample when large)
        self._crops: OrderedDict[int, object] = OrderedDict()
        self._hover_id = -1
        self.hover_label = QLabel(self.view)
        self.hover_label.setStyleSheet("background: #202024; border: 1px solid #888; color: #ddd; padding: 2px")
        self.hover_label.hide()
        self._build()
        self.view.hovered.connect(self._hovered)
        self.view.clicked.connect(state.select_pose)
        self.view.selected.connect(state.set_selection)
        state.snapshotChanged.connect(self.recompute)
        state.poseSelected.connect(lambda pid: self.view.mark("current", [pid]))
        state.resultsChanged.connect(lambda: self.view.mark("results", [r.pose_id for r in state.results]))
        state.selectionChanged.connect(self._selection_changed)
        state.tracksChanged.connect(lambda: self.colour_by.currentIndex() == BY_TRACK and self.redraw())

    def _build(self) -> None:
        self.colour_by = QComboBox()
        self.colour_by.addItems(["colour by media", "colour by ambiguity", "colour by person track"])
        self.colour_by.setItemData(BY_TRACK, "Each person track in its colour, as in the viewer (track ids are per "
                                   "video: track 0 of two videos shares a colour); grey: untracked",
                                   Qt.ItemDataRole.ToolTipRole)
        self.colour_by.currentIndexChanged.connect(self.redraw)
        modes = QButtonGroup(self)
        row = QHBoxLayout()
        row.addWidget(self.colour_by)
        for mode, text, tip in (("pan", "Pan", "Drag to pan, wheel to zoom"),
                                ("rect", "Rectangle", "Drag a rectangle to restrict the retrieval"),
                                ("lasso", "Lasso", "Draw a lasso to restrict the retrieval")):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.setChecked(mode == "pan")
            b.clicked.connect(lambda _=False, m=mode: self.view.set_mode(m))
            modes.addButton(b)
            row.addWidget(b)
        clear = QPushButton("Clear selection")
        clear.clicked.connect(lambda: self.state.set_selection(None))
        row.addWidget(clear)
        row.addStretch(1)
        self.info = QLabel("")
        row.addWidget(self.info)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)

    # --- data -------------------------------------------------------------------------------------------
    def recompute(self) -> None:
        """Refit the PCA in a worker when the snapshot has embeddings (orientation stays stable)."""
        snap = self.state.snapshot
        if not snap.has_embeddings:
            self.coords, self._coords_snapshot = None, None
            self.view.set_points(np.zeros((0, 2)), np.zeros(0, np.int64), np.zeros(0, np.int64), [])
            self.info.setText("no embeddings yet" if len(snap) else "")
            return
        if self.pca is None:
            from ...search import StablePCA

            self.pca = StablePCA(n_components=2)
            saved = self._saved_orientations.get(snap.model_key)
            if saved is not None and saved.shape == (2, snap.mean.shape[1]):
                self.pca.components_ = saved.copy()   # the first fit is turned to match the last session's
        self.info.setText("computing PCA…")
        rows = snap.display_rows()
        self.runner.run(pca_job(self.pca, snap.mean, rows), "PCA", key="pca", queue=True,
                        on_done=lambda xy, s=snap: self._pca_done(s, xy, rows),
                        on_failed=lambda msg, d: self.info.setText(f"PCA failed: {msg}"))

    def set_saved_orientations(self, orientations: dict[str, np.ndarray]) -> None:
        """PCA axes (2, D) remembered per model key: a library embedded by that model is shown turned the
        same way as when it was last seen."""
        self._saved_orientations = dict(orientations)

    def pca_orientation(self) -> tuple[str, np.ndarray | None]:
        """(model key, (2, D) axes) of the scatter on screen, or ("", None)."""
        snap = self._coords_snapshot
        if snap is None or self.pca is None or self.pca.components_ is None:
            return "", None
        return snap.model_key, self.pca.components_.copy()

    def _pca_done(self, snap, xy: np.ndarray, rows: np.ndarray) -> None:
        if snap is not self.state.snapshot:   # a newer snapshot's PCA is queued
            return
        self.coords, self._coords_snapshot, self._rows = xy, snap, rows
        self.redraw()

    def redraw(self, *args) -> None:
        snap = self._coords_snapshot
        if snap is None or self.coords is None:
            return
        rows = self._rows
        if self.colour_by.currentIndex() == 1 and snap.has_embeddings:
            groups, colours = ambiguity_colours(np.asarray(snap.ambiguity())[rows])
            names = ["least ambiguous"] + [""] * (len(colours) - 2) + ["most ambiguous"]
        elif self.colour_by.currentIndex() == BY_TRACK:
            groups, colours, names = track_groups(self.state.tracks.track_of(np.asarray(snap.pose_ids[rows])))
        else:
            ids = np.array([m.media_id for m in snap.media], dtype=np.int64)
            media_ids = np.asarray(snap.media_ids[rows])
            groups = np.zeros(len(rows), np.int64)          # position of the pose's media in snap.media
            if len(ids):
                order = np.argsort(ids)
                at = order[np.minimum(np.searchsorted(ids, media_ids, sorter=order), len(ids) - 1)]
                found = ids[at] == media_ids
                groups[found] = at[found]
            colours = [media_colour(i) for i in range(len(ids))]
            names = [m.name for m in snap.media]
            if len(ids) > LEGEND_MEDIA:   # one plot item per colour (the palette cycles), no legend
                groups, names = groups % len(MEDIA_PALETTE), None
                colours = colours[:len(MEDIA_PALETTE)]
        self.view.set_points(self.coords, np.asarray(snap.pose_ids[rows]), groups, colours, names,
                             size=5 if len(rows) < 20000 else 3)
        self.view.mark("current", [self.state.pose_id])
        self.view.mark("results", [r.pose_id for r in self.state.results])
        self._selection_changed()
        shown = self.view.point_count
        self.info.setText(f"{shown:,} poses" if shown == len(snap) else f"{shown:,} of {len(snap):,} poses "
                          f"(a uniform sample)")

    def _selection_changed(self) -> None:
        sel = self.state.selection
        self.view.mark("selection", sel if sel is not None else [])

    # --- hover ------------------------------------------------------------------------------------------
    def _hovered(self, pose_id: int, scene_x: float, scene_y: float) -> None:
        if pose_id < 0:
            self.hover_label.hide()
            self._hover_id = -1
            return
        snap = self.state.snapshot
        row = snap.row_of(pose_id)
        if row < 0:
            return
        if pose_id != self._hover_id:
            self._hover_id = pose_id
            image = self._crops.get(pose_id)
            if image is None:
                image = render_crop(None, snap.xy[row], snap.scores[row], HOVER_SIZE, self.state.min_visibility)
                self._request_crop(pose_id, row)
            self.hover_label.setPixmap(QPixmap.fromImage(image))
            self.hover_label.setToolTip("")
            self.hover_label.adjustSize()
        pos = self.view.mapFromScene(scene_x, scene_y) if hasattr(self.view, "mapFromScene") else QPoint()
        x = min(pos.x() + 14, max(0, self.view.width() - self.hover_label.width()))
        y = min(pos.y() + 14, max(0, self.view.height() - self.hover_label.height()))
        self.hover_label.move(x, y)
        self.hover_label.show()
        self.hover_label.raise_()
        track = int(self.state.tracks.track_of([pose_id])[0])
        self.info.setText(f"{snap.media_name(int(snap.media_ids[row]))}, frame {int(snap.frames[row])}"
                          + (f", track {track}" if track >= 0 else ""))

    def _request_crop(self, pose_id: int, row: int) -> None:
        snap = self.state.snapshot
        media = snap.media_by_id.get(int(snap.media_ids[row]))
        if media is None or media.kind == "keypoints":
            return
        req = [(pose_id, media.path, int(snap.frames[row]), snap.xy[row], snap.scores[row])]
        self.runner.run(crop_job(req, HOVER_SIZE, self.state.min_visibility), "hover crop", key="hover crop",
                        on_done=self._crop_ready)

    def _crop_ready(self, crops: dict) -> None:
        for pose_id, image in crops.items():
            self._crops[pose_id] = image
            if len(self._crops) > CROP_CACHE:
                self._crops.popitem(last=False)
            if pose_id == self._hover_id and self.hover_label.isVisible():
                self.hover_label.setPixmap(QPixmap.fromImage(image))


def track_groups(track: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int]], list[str]]:
    """Colour groups of (N,) track ids: (group per point (N,), colour per group, legend name per group). A
    group per palette colour (tracks cycle through it) and one for untracked poses, so a video with many
    short tracks still draws a handful of plot items."""
    track = np.asarray(track, np.int64)
    groups = np.where(track >= 0, track % len(TRACK_PALETTE), len(TRACK_PALETTE))
    colours = [track_colour(g) for g in range(len(TRACK_PALETTE))] + [UNTRACKED]
    names = []
    for g in range(len(TRACK_PALETTE)):
        ids = np.unique(track[groups == g]).tolist()
        names.append("" if not ids else f"track {ids[0]}" if len(ids) == 1 else
                     "tracks " + ", ".join(map(str, ids[:3])) + (", …" if len(ids) > 3 else ""))
    names.append("untracked" if (track < 0).any() else "")
    return groups, colours, names
