"""The application without its windows: state and flows in plain Python, tested without Qt.

    session = Session()
    session.open_library("poses.sqlite"); session.set_model(px.load_model())
    session.import_paths(["clips/"])                      # index, reload the snapshot, open a media
    rows = session.search(session.search_request(pose_id))   # list[ResultRow], best first
    session.select_person(pose_id)                        # a person of the frame, followed by track
    result = session.sync([VideoSource("a.mp4"), VideoSource("b.mp4")])
    session.export_sync(result, "synced.mp4")

Every flow is also a job (`session.import_job(paths)`, `snapshot_job()`, `search_job(request)`,
`sync_job(sources)`, `export_sync_job(result, path)`) taking progress and cancel callables, which the GUI
runs on worker threads. poseexplorer.gui.state.AppState re-emits the session's events as Qt signals.
"""
from .library_jobs import media_to_open
from .search_jobs import IndexCache, ResultRow, SearchRequest
from .snapshot import LibrarySnapshot, MediaRow, ambiguity_scores, percentile_of
from .state import EVENTS, Session
from .sync_jobs import SYNCABLE_KINDS, Source, VideoSource

__all__ = [
    "Session", "EVENTS", "LibrarySnapshot", "MediaRow", "ResultRow", "SearchRequest", "IndexCache", "VideoSource",
    "Source", "SYNCABLE_KINDS", "media_to_open", "ambiguity_scores", "percentile_of",
]
