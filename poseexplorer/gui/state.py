"""One place for GUI state: an AppState QObject whose signals the panels listen to.

Panels never talk to each other; they read from and write back through the AppState. Heavy data (all
poses, embeddings) lives in an immutable `LibrarySnapshot` that is replaced whole after an import.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from .snapshot import LibrarySnapshot


@dataclass(frozen=True)
class ResultRow:
    """One retrieval hit as the GUI shows it (built from the search engine's Hit)."""

    pose_id: int
    media_id: int
    frame: int
    probability: float
    mirrored: bool = False
    extra: dict = field(default_factory=dict)
    #: the model's calibrated confidence of `probability` (None: the model has no calibration)
    confidence: float | None = None

    @property
    def shown_confidence(self) -> float:
        """What the GUI shows as the confidence: calibrated when available, else the raw P."""
        return self.probability if self.confidence is None else self.confidence


class AppState(QObject):
    """Library, current media/frame/pose, model, results and selection, with change signals."""

    libraryChanged = Signal()            # another library file is open (library_path changed)
    snapshotChanged = Signal()           # poses/embeddings reloaded (after import, removal, model switch)
    modelChanged = Signal()
    mediaSelected = Signal(int)          # media_id
    frameSelected = Signal(int, int)     # media_id, frame index
    poseSelected = Signal(int)           # pose_id, -1 when the frame has no pose
    resultsChanged = Signal()
    resultSelected = Signal(int)         # pose_id of the highlighted retrieval result, -1 for none
    selectionChanged = Signal()          # scatter rectangle/lasso selection (filters retrieval)
    optionsChanged = Signal()            # display options such as colour-by-ambiguity
    statusMessage = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library_path: str | None = None
        self.model: Any = None
        self.model_path: str | None = None
        self.lifter: Any = None                 # optional 3D-lifting model (kind "lift3d")
        self.snapshot: LibrarySnapshot = LibrarySnapshot.empty()
        self.media_id: int = -1
        self.frame: int = -1
        self.pose_id: int = -1
        self.results: list[ResultRow] = []
        self.query_pose_id: int = -1             # the pose the current results were searched for
        self.result_pose_id: int = -1
        self.selection: np.ndarray | None = None   # pose ids chosen in the scatter, None = no filter
        self.colour_by_ambiguity: bool = False
        self.min_visibility: float = 0.5

    # --- library / model -------------------------------------------------------------------------
    def set_library_path(self, path: str | None) -> None:
        self.library_path = path
        self.set_snapshot(LibrarySnapshot.empty())
        self.libraryChanged.emit()

    def set_model(self, model: Any, path: str | None = None) -> None:
        self.model, self.model_path = model, path
        self.modelChanged.emit()

    def set_lifter(self, lifter: Any) -> None:
        self.lifter = lifter
        self.modelChanged.emit()

    def set_snapshot(self, snapshot: LibrarySnapshot) -> None:
        self.snapshot = snapshot
        if self.selection is not None:
            self.selection = np.intersect1d(self.selection, snapshot.pose_ids)
        if self.pose_id >= 0 and snapshot.row_of(self.pose_id) < 0:
            self.pose_id = -1
        if self.media_id >= 0 and self.media_id not in snapshot.media_by_id:
            self.media_id, self.frame, self.pose_id = -1, -1, -1
        self.snapshotChanged.emit()

    # --- navigation ------------------------------------------------------------------------------
    def select_media(self, media_id: int, frame: int = 0) -> None:
        if media_id != self.media_id:
            self.media_id = media_id
            self.frame = -1
            self.mediaSelected.emit(media_id)
        self.select_frame(media_id, frame)

    def select_frame(self, media_id: int, frame: int) -> None:
        """Go to a frame; the pose of that frame (if any) becomes the current pose."""
        if media_id != self.media_id:
            self.media_id = media_id
            self.mediaSelected.emit(media_id)
        changed = frame != self.frame
        pose_id = self.snapshot.pose_at(media_id, frame)
        pose_changed = pose_id != self.pose_id
        self.frame, self.pose_id = frame, pose_id   # both set before any listener runs
        if changed:
            self.frameSelected.emit(media_id, frame)
        if pose_changed:
            self.poseSelected.emit(pose_id)

    def select_pose(self, pose_id: int) -> None:
        """Go to the media and frame of a pose (from the scatter, a result, the ambiguity list)."""
        row = self.snapshot.row_of(pose_id)
        if row < 0:
            return
        self.select_frame(int(self.snapshot.media_ids[row]), int(self.snapshot.frames[row]))

    # --- results and selection -------------------------------------------------------------------
    def set_results(self, results: list[ResultRow], query_pose_id: int = -1) -> None:
        self.results = list(results)
        self.query_pose_id = query_pose_id
        self.result_pose_id = -1
        self.resultsChanged.emit()

    def highlight_result(self, pose_id: int) -> None:
        self.result_pose_id = pose_id
        self.resultSelected.emit(pose_id)

    def set_selection(self, pose_ids: np.ndarray | None) -> None:
        self.selection = None if pose_ids is None else np.unique(np.asarray(pose_ids, dtype=np.int64))
        self.selectionChanged.emit()

    def reference_pose_id(self) -> int:
        """The pose the 3D view and comparisons are about: the query while a result is being viewed."""
        if self.pose_id >= 0 and self.pose_id == self.result_pose_id and self.query_pose_id >= 0:
            return self.query_pose_id
        return self.pose_id

    def set_colour_by_ambiguity(self, on: bool) -> None:
        self.colour_by_ambiguity = bool(on)
        self.optionsChanged.emit()
