"""Closing the books on one media after its last segment: real frame count, status and message."""
from __future__ import annotations

from .planning import MediaJob
from .store import Library
from .tables import MediaInfo


def finish_media(lib: Library, job: MediaJob) -> MediaInfo:
    """Set frames/status/error of a media whose segments all came back; returns the updated info."""
    m = job.media
    done = lib.done_frames(m.id)
    if m.kind == "video":
        frames = job.end if job.end is not None else (int(done.max()) + 1 if len(done) else 0)
    else:
        frames = len(job.names) if job.names is not None else 1
    holes = frames - int((done < frames).sum())
    notes = []
    if m.kind == "video" and m.frames and frames != m.frames:
        notes.append(f"decoded {frames} frames (the file said {m.frames}; it may be truncated)"
                     if frames < m.frames else f"decoded {frames} frames (the file said {m.frames})")
    if job.errors:
        notes.append(f"{len(job.errors)} image(s) could not be read, e.g. {job.errors[0]}")
    if job.fatal and m.kind == "video" and frames and holes == 0:
        # the failed segment may have been the last one: its frames are not known to be absent
        status, error = "error", f"{job.fatal} (the next run retries from frame {frames})"
    elif job.fatal and (frames == 0 or holes > 0):
        status, error = "error", f"{job.fatal}" + (f" ({holes} frames missing)" if holes > 0 and frames else "")
    elif m.kind == "images" and frames and len(job.errors) >= frames:
        status, error = "error", f"none of the {frames} image(s) could be read, e.g. {job.errors[0]}"
    elif holes > 0:
        status, error = "error", f"{holes} of {frames} frames could not be processed"
    else:
        status, error = "done", None
    job.notes.extend(notes)  # warnings go to the run's report; a done media has no error
    lib.update_media(m.id, frames=frames, status=status, error=error)
    return lib.media_info(m.id)
