"""Session: the application's state and flows in plain Python (no Qt), like napari's ViewerModel.

It holds the open library, the model, the current LibrarySnapshot, the current media/frame/pose, the
retrieval results and the scatter selection, and tells its listeners what changed as (event, *args)
calls. Its flows (import, reload, remove, search, sync, export) are headless jobs (poseexplorer.jobs:
progress and cancel callables): `session.import_job(paths)` builds one for any runner (the GUI runs them
on worker threads, then hands the result back through `set_snapshot` / `set_results`), and the
synchronous helpers (`import_paths`, `reload`, `search`, `sync`) run a job in the calling thread and apply
its result, for scripts and tests. The GUI's AppState re-emits the events as Qt signals.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..core.model_protocol import PoseModel
from ..jobs import CancelCheck, Job, Progress, never_cancel, no_progress
from . import library_jobs, people, search_jobs, sync_jobs
from .people import TrackTable
from .search_jobs import IndexCache, ResultRow, SearchRequest
from .snapshot import LibrarySnapshot

#: the events a listener receives, with their arguments
EVENTS = {
    "library_changed": (),              # another library file is open (library_path changed)
    "snapshot_changed": (),             # poses/embeddings reloaded (after import, removal, model switch)
    "model_changed": (),
    "media_selected": (int,),           # media_id
    "frame_selected": (int, int),       # media_id, frame index
    "pose_selected": (int,),            # pose_id, -1 when the frame has no pose (or not the followed person)
    "tracks_changed": (),               # the library's person tracks were (re)read
    "results_changed": (),
    "result_selected": (int,),          # pose_id of the highlighted result, -1 for none
    "selection_changed": (),            # scatter rectangle/lasso selection (filters retrieval)
    "options_changed": (),              # display options such as colour-by-ambiguity
    "status": (str,),                   # a message for the user
}

Listener = Callable[..., None]


class Session:
    """Library, model, snapshot, current media/frame/pose, results and selection; listeners see changes.

    `subscribe(listener)` registers `listener(event, *args)` for every event in EVENTS and returns a
    function that unsubscribes it. Methods that change state emit after all of the state is updated.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self.library_path: str | None = None
        self.model: PoseModel | None = None
        self.model_path: str | None = None
        self.lifter: PoseModel | None = None        # optional 3D-lifting model (kind "lift3d")
        self.snapshot: LibrarySnapshot = LibrarySnapshot.empty()
        self.media_id: int = -1
        self.frame: int = -1
        self.pose_id: int = -1
        self.tracks: TrackTable = TrackTable.empty()
        self.track: int = -1                         # the person track followed from frame to frame, -1: none
        self.results: list[ResultRow] = []
        self.query_pose_id: int = -1                 # the pose the current results were searched for
        self.result_pose_id: int = -1
        self.selection: np.ndarray | None = None     # pose ids chosen in the scatter, None = no filter
        self.colour_by_ambiguity: bool = False
        self.min_visibility: float = 0.5
        self.index_cache = IndexCache()

    # --- events -----------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def emit(self, event: str, *args: Any) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown session event {event!r}; known: {', '.join(EVENTS)}")
        for listener in list(self._listeners):
            listener(event, *args)

    def status(self, message: str) -> None:
        self.emit("status", message)

    # --- library / model --------------------------------------------------------------------------
    def open_library(self, path: str | Path) -> str:
        """Open (or create) a library file and make it current; raises LibraryError or OSError when it
        is not usable (a corrupt or foreign file is never overwritten). Returns the absolute path."""
        from ..library import Library

        Library.open(path).close()
        absolute = str(Path(path).expanduser().absolute())
        self.set_library_path(absolute)
        return absolute

    def set_library_path(self, path: str | None) -> None:
        self.library_path = path
        self.set_snapshot(LibrarySnapshot.empty())
        self.emit("library_changed")

    def set_model(self, model: PoseModel | None, path: str | None = None) -> None:
        self.model, self.model_path = model, path
        self.emit("model_changed")

    def set_lifter(self, lifter: PoseModel | None) -> None:
        self.lifter = lifter
        self.emit("model_changed")

    def set_snapshot(self, snapshot: LibrarySnapshot) -> None:
        """Replace the snapshot; a selection, pose or media the new one lacks is dropped."""
        self.snapshot = snapshot
        if self.selection is not None:
            sel = np.unique(np.asarray(self.selection, np.int64))   # binary searches, not a sort of every pose
            self.selection = sel[snapshot.rows_of(sel) >= 0]
        if self.pose_id >= 0 and snapshot.row_of(self.pose_id) < 0:
            self.pose_id = -1
        if self.media_id >= 0 and self.media_id not in snapshot.media_by_id:
            self.media_id, self.frame, self.pose_id = -1, -1, -1
        self.emit("snapshot_changed")

    def set_tracks(self, tracks: TrackTable) -> None:
        """Replace the person tracks (read after each snapshot); the followed person's pose is looked up again."""
        self.tracks = tracks
        self.emit("tracks_changed")
        if self.media_id >= 0 and self.frame >= 0 and self.track >= 0:
            self._go(self.media_id, self.frame, self._pose_in_frame(self.media_id, self.frame))

    # --- navigation -------------------------------------------------------------------------------
    def select_media(self, media_id: int, frame: int = 0) -> None:
        self._enter_media(media_id)
        self.select_frame(media_id, frame)

    def _enter_media(self, media_id: int) -> None:
        if media_id != self.media_id:
            self.media_id, self.frame, self.track = media_id, -1, -1   # a new media: no frame, no person yet
            self.emit("media_selected", media_id)

    def _pose_in_frame(self, media_id: int, frame: int) -> int:
        """The followed person's pose in a frame (-1 when absent), or the frame's best person."""
        if self.track >= 0:
            return people.pose_of_track(self.snapshot, self.tracks, media_id, frame, self.track)
        return self.snapshot.pose_at(media_id, frame)

    def select_frame(self, media_id: int, frame: int) -> None:
        """Go to a frame; the followed person's pose there (else the frame's best person) becomes the
        current pose."""
        self._enter_media(media_id)   # the same frame number in another media is a new frame
        self._go(media_id, frame, self._pose_in_frame(media_id, frame))

    def select_person(self, pose_id: int) -> None:
        """Make one person of the current frame the current pose and follow its track from frame to frame;
        -1 goes back to the best person of each frame."""
        self.track = int(self.tracks.track_of([pose_id])[0]) if pose_id >= 0 else -1
        if self.media_id >= 0 and self.frame >= 0:
            self._go(self.media_id, self.frame, pose_id if pose_id >= 0 else
                     self.snapshot.pose_at(self.media_id, self.frame))

    def _go(self, media_id: int, frame: int, pose_id: int) -> None:
        changed = frame != self.frame
        pose_changed = pose_id != self.pose_id
        self.frame, self.pose_id = frame, pose_id   # both set before any listener runs
        if changed:
            self.emit("frame_selected", media_id, frame)
        if pose_changed:
            self.emit("pose_selected", pose_id)

    def select_pose(self, pose_id: int) -> None:
        """Go to the media and frame of a pose (from the scatter, a result, the ambiguity list); that pose is
        the current one, and its person track (if any) is followed."""
        row = self.snapshot.row_of(pose_id)
        if row < 0:
            return
        media_id = int(self.snapshot.media_ids[row])
        self._enter_media(media_id)
        self.track = int(self.tracks.track_of([pose_id])[0])
        self._go(media_id, int(self.snapshot.frames[row]), int(pose_id))

    def open_something(self, preferred: int | None = None) -> bool:
        """Nothing selected: show the preferred (or first usable) media; False when there is none."""
        if self.media_id >= 0:
            return False
        pick = library_jobs.media_to_open(self.snapshot, preferred)
        if pick is None:
            return False
        self.select_media(*pick)
        return True

    # --- results and selection --------------------------------------------------------------------
    def set_results(self, results: list[ResultRow], query_pose_id: int = -1) -> None:
        self.results = list(results)
        self.query_pose_id = query_pose_id
        self.result_pose_id = -1
        self.emit("results_changed")

    def highlight_result(self, pose_id: int) -> None:
        self.result_pose_id = pose_id
        self.emit("result_selected", pose_id)

    def set_selection(self, pose_ids: np.ndarray | None) -> None:
        self.selection = None if pose_ids is None else np.unique(np.asarray(pose_ids, dtype=np.int64))
        self.emit("selection_changed")

    def reference_pose_id(self) -> int:
        """The pose the 3D view and comparisons are about: the query while a result is being viewed."""
        if self.pose_id >= 0 and self.pose_id == self.result_pose_id and self.query_pose_id >= 0:
            return self.query_pose_id
        return self.pose_id

    def set_colour_by_ambiguity(self, on: bool) -> None:
        self.colour_by_ambiguity = bool(on)
        self.emit("options_changed")

    # --- flows as jobs ----------------------------------------------------------------------------
    def _library(self) -> str:
        if self.library_path is None:
            raise RuntimeError("no library is open: call open_library(path) first")
        return self.library_path

    def import_job(self, paths: list[str | Path], workers: int = 1) -> Job:
        """Index files and folders into the open library with the current model; returns the IndexReport."""
        return library_jobs.import_job(self._library(), [str(p) for p in paths], self.model, workers)

    def snapshot_job(self) -> Job:
        """Embed what is missing for the current model and read the library into a LibrarySnapshot."""
        return library_jobs.snapshot_job(self._library(), self.model)

    def tracks_job(self) -> Job:
        """Read the open library's person tracks; returns a TrackTable (for set_tracks)."""
        return people.tracks_job(self._library())

    def media_job(self) -> Job:
        return library_jobs.media_job(self._library())

    def remove_job(self, media_ids: list[int]) -> Job:
        return library_jobs.remove_job(self._library(), list(media_ids))

    def search_request(self, pose_id: int | None = None, k: int = 12, exclude_same_media: bool = True,
                       mirror: bool = False) -> SearchRequest:
        """A request for `pose_id` (default: the current pose) restricted to the scatter selection."""
        return SearchRequest(self.pose_id if pose_id is None else int(pose_id), k, exclude_same_media, mirror,
                             self.selection, self.min_visibility)

    def search_job(self, request: SearchRequest) -> Job:
        """Top-k matches of a library pose in the current snapshot; returns list[ResultRow], best first."""
        if self.model is None:
            raise RuntimeError("no model: set_model(px.load_model()) before searching")
        return search_jobs.search_job(self.snapshot, self.model, self.index_cache, request)

    def sync_job(self, sources: list[sync_jobs.Source], max_drift_s: float | None = None,
                 mirror: bool = True) -> Job:
        """Sync sources[1:] to sources[0] (videos are indexed into the open library first)."""
        model = self.model if self.model is not None else _bundled_model
        return sync_jobs.make_sync_job(list(sources), model, self.library_path or "", max_drift_s, mirror)

    def export_sync_job(self, result: sync_jobs.SyncResult, out_path: str | Path,
                        tracks: list[sync_jobs.FollowerTrack] | None = None, flips: list[bool] | None = None) -> Job:
        """Write a synced group side by side on the reference's timeline (tracks default to the found
        sync, without nudges; flips to none); returns the written path."""
        tracks = result.tracks() if tracks is None else tracks
        flips = [False] * (1 + len(result.followers)) if flips is None else flips
        return sync_jobs.make_export_job(result, tracks, flips, str(out_path))

    # --- synchronous helpers (scripts, tests) -----------------------------------------------------
    def import_paths(self, paths: list[str | Path], workers: int = 1, progress: Progress = no_progress,
                     cancel: CancelCheck = never_cancel):
        """Import, then reload the snapshot and open the first imported media when nothing is shown."""
        report = self.import_job(paths, workers)(progress, cancel)
        self.reload(progress, cancel)
        imported = [f.media_id for f in report.files if f.ok and f.media_id is not None]
        self.open_something(imported[0] if imported else None)
        return report

    def reload(self, progress: Progress = no_progress, cancel: CancelCheck = never_cancel) -> LibrarySnapshot:
        self.set_snapshot(self.snapshot_job()(progress, cancel))
        self.set_tracks(self.tracks_job()(progress, cancel))
        return self.snapshot

    def remove_media(self, media_ids: list[int], progress: Progress = no_progress,
                     cancel: CancelCheck = never_cancel) -> LibrarySnapshot:
        self.remove_job(media_ids)(progress, cancel)
        return self.reload(progress, cancel)

    def search(self, request: SearchRequest | None = None, progress: Progress = no_progress,
               cancel: CancelCheck = never_cancel) -> list[ResultRow]:
        """Search (the current pose by default) and make the hits the current results."""
        request = request or self.search_request()
        rows = self.search_job(request)(progress, cancel)
        self.set_results(rows, request.pose_id)
        return rows

    def sync(self, sources: list[sync_jobs.Source], max_drift_s: float | None = None, mirror: bool = True,
             progress: Progress = no_progress, cancel: CancelCheck = never_cancel) -> sync_jobs.SyncResult:
        return self.sync_job(sources, max_drift_s, mirror)(progress, cancel)

    def export_sync(self, result: sync_jobs.SyncResult, out_path: str | Path, progress: Progress = no_progress,
                    cancel: CancelCheck = never_cancel) -> Path:
        return self.export_sync_job(result, out_path)(progress, cancel)


def _bundled_model() -> PoseModel:
    from ..embed.model import load_model

    return load_model()
