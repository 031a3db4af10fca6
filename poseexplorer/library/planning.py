"""Deciding, for each input path, what the index run must do: skip, reuse, resume, or detect anew."""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..io.errors import MediaError
from ..io.kinds import media_kind
from .detect_worker import Segment
from .changes import fingerprints, refresh_changed_folder, replace_content, save_fingerprints
from .hashing import file_hash, folder_hash, legacy_folder_hash
from .store import Library
from .tables import FileReport, MediaInfo

VIDEO_SEGMENT = 120   # frames per worker task for videos (tracking restarts at each segment start)
IMAGE_SEGMENT = 32    # images per worker task


@dataclass
class MediaJob:
    """One media this run detects in; bookkeeping filled in as segment results arrive."""

    report_index: int
    media: MediaInfo
    names: list[str] | None = None        # image files (folder media), natural order
    notes: list[str] = field(default_factory=list)
    to_do: int = 0                        # frames this run expects to process
    processed: int = 0
    outstanding: int = 0                  # segments submitted, not yet answered
    all_submitted: bool = False
    end: int | None = None                # real number of frames, when a video ended early
    errors: list[str] = field(default_factory=list)
    fatal: str | None = None


def absolute(path: str | os.PathLike) -> Path:
    """Absolute path with symlinks resolved, so the same file reached two ways is seen once."""
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError):   # RuntimeError: a symlink loop (Python 3.11)
        return Path(path).expanduser().absolute()


def _probe(path: Path, kind: str) -> tuple[float, int, int, int, list[str] | None]:
    """(fps, width, height, frames, image names) of a new media; MediaError if it cannot be read."""
    from ..io.images import ImageFolderReader
    from ..io.video import VideoReader

    if kind == "video":
        with VideoReader(path) as r:
            return r.fps, r.size[0], r.size[1], len(r), None
    with ImageFolderReader(path) as r:
        w, h = r.size
        return 0.0, w, h, len(r), (list(r.names) if path.is_dir() else None)


def content_hash(path: Path, kind: str) -> tuple[str, list[str] | None]:
    """(hash, image names for a folder). OSError/MediaError when unreadable."""
    if path.is_dir():
        return folder_hash(fingerprints(path, _folder_names(path, kind))), (
            _folder_names(path, kind) if kind == "images" else None)
    from ..io.video import check_readable_file

    check_readable_file(path)
    return file_hash(path), None


def _folder_names(path: Path, kind: str) -> list[str]:
    if kind == "images":
        from ..io.images import list_images

        return list_images(path)
    return sorted(p.name for p in path.iterdir() if p.suffix.lower() == ".json")


def find_or_add(lib: Library, path: Path, kind: str, detector: str) -> tuple[MediaInfo, list[str] | None, list[str]]:
    """The library's media for this path (reused by path or content hash, else probed and added).

    A known path whose content changed keeps its media row (tags, sync pairs) and loses only the
    detections that no longer describe it (changes.py). Returns (media, image names, report notes)."""
    digest, names = content_hash(path, kind)
    notes: list[str] = []
    by_path = lib.find_media(path=str(path))
    if by_path and by_path[0].content_hash != digest:
        old = by_path[0]
        if path.is_dir() and old.content_hash == legacy_folder_hash(path, _folder_names(path, kind)):
            lib.update_media(old.id, content_hash=digest)   # same folder, hashed the older way
            _remember_images(lib, old.id, path, kind)
        else:
            notes.append(_refresh_changed(lib, old, path, kind, digest, detector))
        return lib.media_info(old.id), names, notes
    if by_path:
        return by_path[0], names, notes
    for same in lib.find_media(content_hash=digest):
        if not Path(same.path).exists():
            lib.update_media(same.id, path=str(path))
            notes.append(f"moved from {same.path}; reusing its detections")
            return lib.media_info(same.id), names, notes
        notes.append(f"same content as {same.path}, already in the library; reusing its detections")
        return same, names, notes
    if kind == "keypoints":
        media_id = lib.add_media(str(path), kind, digest, file_size=_size(path), detector="file")
        return lib.media_info(media_id), names, notes
    fps, w, h, frames, probed_names = _probe(path, kind)
    media_id = lib.add_media(str(path), kind, digest, file_size=_size(path), fps=fps, width=w, height=h,
                             frames=frames, detector=detector)
    _remember_images(lib, media_id, path, kind)
    return lib.media_info(media_id), names or probed_names, notes


def _remember_images(lib: Library, media_id: int, path: Path, kind: str) -> None:
    if kind == "images" and path.is_dir():
        save_fingerprints(lib, media_id, fingerprints(path, _folder_names(path, kind)))


def _refresh_changed(lib: Library, old: MediaInfo, path: Path, kind: str, digest: str, detector: str) -> str:
    """Forget what no longer describes a changed file, keeping the media row; returns the report note."""
    if kind == "images" and path.is_dir():
        return refresh_changed_folder(lib, old.id, path, digest, fingerprints(path, _folder_names(path, kind)))
    fields: dict = {"file_size": _size(path)}
    if kind != "keypoints":
        fps, w, h, frames, _ = _probe(path, kind)
        fields.update(fps=fps, width=w, height=h, frames=frames, detector=detector)
    replace_content(lib, old.id, digest, {}, **fields)
    return "the file changed since it was indexed; detecting again (tags and sync pairs kept)"


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


def missing_runs(n: int, done: np.ndarray) -> list[tuple[int, int]]:
    """Half-open runs [a, b) of frames in range(n) not in `done`."""
    mask = np.ones(n + 2, bool)
    mask[0] = mask[-1] = False
    inside = done[(done >= 0) & (done < n)]
    mask[inside + 1] = False
    edges = np.flatnonzero(np.diff(mask.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def segments_for(job: MediaJob, done: np.ndarray, detector: str, lanes: int = 1) -> Iterator[Segment]:
    """Worker tasks covering the frames of job.media not yet in `done`; a video's last task runs to the end.

    lanes > 1 (one per worker): a video's tasks are cut into that many contiguous runs and handed out
    round-robin, so each worker tends to get the segment that continues its last one (no seek, tracking
    goes on) while all workers share a long video."""
    if job.media.kind == "images" or lanes <= 1:
        yield from _segments_in_order(job, done, detector)
        return
    yield from interleave_lanes(list(_segments_in_order(job, done, detector)), lanes)


def interleave_lanes(items: list, lanes: int) -> list:
    """items cut into `lanes` contiguous near-equal runs, then taken round-robin: lane 0's first, lane 1's
    first, ..., lane 0's second, ..."""
    runs = [list(r) for r in np.array_split(np.arange(len(items)), min(lanes, max(1, len(items))))]
    order = [r[j] for j in range(max(map(len, runs))) for r in runs if j < len(r)]
    return [items[k] for k in order]


def _segments_in_order(job: MediaJob, done: np.ndarray, detector: str) -> Iterator[Segment]:
    m = job.media
    if m.kind == "images":
        folder = Path(m.path) if Path(m.path).is_dir() else Path(m.path).parent
        names = job.names if job.names is not None else [Path(m.path).name]
        for a, b in missing_runs(len(names), done):
            for s in range(a, b, IMAGE_SEGMENT):
                idx = range(s, min(b, s + IMAGE_SEGMENT))
                yield Segment(m.id, "images", m.path, s, idx.stop, tuple((i, str(folder / names[i])) for i in idx),
                              detector)
        return
    n = max(m.frames, int(done.max()) + 1 if len(done) else 0)
    runs = missing_runs(n, done)
    if not runs or runs[-1][1] < n:
        runs.append((n, n))  # everything up to the estimate is done: still look for frames past it
    for a, b in runs:
        for s in range(a, max(b, a + 1), VIDEO_SEGMENT):
            stop = min(b, s + VIDEO_SEGMENT)
            open_end = (a, b) == runs[-1] and stop >= b
            yield Segment(m.id, "video", m.path, s, None if open_end else stop, (), detector)


def expected_frames(job: MediaJob, done: np.ndarray) -> int:
    total = len(job.names) if job.media.kind == "images" and job.names is not None else job.media.frames
    return max(0, total - int(np.count_nonzero(done < total)))


def expand_inputs(paths: Sequence[str | os.PathLike]) -> Iterator[str]:
    """The inputs with each folder that holds videos replaced by its videos (natural order, not recursive),
    followed by the folder itself when it also holds images or JSON files."""
    from ..io.images import natural_key
    from ..io.kinds import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS

    for raw in paths:
        p = Path(raw)
        if not p.is_dir():
            yield str(raw)
            continue
        try:
            with os.scandir(p) as entries:
                names = [e.name for e in entries if not e.name.startswith(".") and _is_file_or_loop(e)]
        except OSError:
            yield str(raw)
            continue
        videos = sorted((n for n in names if Path(n).suffix.lower() in VIDEO_EXTENSIONS), key=natural_key)
        yield from (str(p / n) for n in videos)
        if not videos or any(Path(n).suffix.lower() in IMAGE_EXTENSIONS | {".json"} for n in names):
            yield str(raw)


def _is_file_or_loop(entry: os.DirEntry) -> bool:
    """A regular file, or an entry whose symlinks loop (kept so that reading it names it)."""
    try:
        return entry.is_file()
    except OSError:
        return True


def check_input(path: Path) -> str:
    """The media kind of an input; MediaError with the reason when it is not usable."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise MediaError(f"{ascii(str(path))}: the file name is not valid UTF-8 (the library stores names as "
                         "text); rename the file") from None
    if path.is_symlink() and not path.exists():
        try:
            os.stat(path)
        except OSError as exc:
            reason = "a symlink loop" if exc.errno == errno.ELOOP else "a broken symlink"
            raise MediaError(f"{path}: {reason} ({exc.strerror})") from None
    kind = media_kind(path)
    if path.is_file() and path.stat().st_size == 0:
        raise MediaError(f"{path}: the file is empty (0 bytes)")
    return kind


def skipped(path: str, message: str, ok: bool = False, media: MediaInfo | None = None) -> FileReport:
    return FileReport(path=path, ok=ok, message=message, n_frames=media.frames if media else 0,
                      n_poses=media.n_poses if media else 0, media_id=media.id if media else None)
