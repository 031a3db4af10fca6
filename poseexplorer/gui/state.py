"""AppState: the Qt face of the headless Session, re-emitting its events as signals for the panels.

Panels never talk to each other; they read from and write back through the AppState, whose attributes
and methods are the Session's (poseexplorer.session.state). Heavy data (all poses, embeddings) lives in
an immutable LibrarySnapshot that is replaced whole after an import.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from ..session import Session
from ..session.search_jobs import ResultRow

__all__ = ["AppState", "ResultRow"]

#: Session event -> the AppState signal that carries it
SIGNAL_OF_EVENT = {
    "library_changed": "libraryChanged", "snapshot_changed": "snapshotChanged", "model_changed": "modelChanged",
    "media_selected": "mediaSelected", "frame_selected": "frameSelected", "pose_selected": "poseSelected",
    "tracks_changed": "tracksChanged",
    "results_changed": "resultsChanged", "result_selected": "resultSelected",
    "selection_changed": "selectionChanged", "options_changed": "optionsChanged", "status": "statusMessage",
}


class AppState(QObject):
    """A Session with change signals; reading or setting an attribute reads or sets the Session's."""

    libraryChanged = Signal()            # another library file is open (library_path changed)
    snapshotChanged = Signal()           # poses/embeddings reloaded (after import, removal, model switch)
    modelChanged = Signal()
    mediaSelected = Signal(int)          # media_id
    frameSelected = Signal(int, int)     # media_id, frame index
    poseSelected = Signal(int)           # pose_id, -1 when the frame has no pose (or not the followed person)
    tracksChanged = Signal()             # the library's person tracks were (re)read
    resultsChanged = Signal()
    resultSelected = Signal(int)         # pose_id of the highlighted retrieval result, -1 for none
    selectionChanged = Signal()          # scatter rectangle/lasso selection (filters retrieval)
    optionsChanged = Signal()            # display options such as colour-by-ambiguity
    statusMessage = Signal(str)

    def __init__(self, parent: QObject | None = None, session: Session | None = None) -> None:
        super().__init__(parent)
        self.__dict__["session"] = session if session is not None else Session()
        self.session.subscribe(self._forward)

    def _forward(self, event: str, *args: Any) -> None:
        getattr(self, SIGNAL_OF_EVENT[event]).emit(*args)

    def __getattr__(self, name: str) -> Any:
        # only called for names the QObject lacks: the session's state and flows
        session = self.__dict__.get("session")
        if session is None:
            raise AttributeError(name)
        return getattr(session, name)

    def __setattr__(self, name: str, value: Any) -> None:
        session = self.__dict__.get("session")
        if session is not None and name in session.__dict__:
            setattr(session, name, value)
        else:
            super().__setattr__(name, value)
