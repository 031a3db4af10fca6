"""The index job: find or add each input in the library, detect in worker processes, commit in batches.

    report = index_paths(library_path, paths, model=None, workers=1, progress=..., cancel=...)

- Decoding and detection run in `workers` processes (forkserver on Linux, so a GUI's threads are never
  forked; 0 = in this process). Each task is one segment of a video (VIDEO_SEGMENT frames) or a batch of
  images; its detections are committed in one transaction as it comes back. Killing the process loses at
  most the segments in flight; the next run detects only the frames that are missing. With several
  workers a video's segments are handed out in one contiguous lane per worker (planning.segments_for),
  so workers share a long video while each mostly continues its own lane (no seek, tracking goes on).
- A file already in the library (same content hash, even moved or renamed) reuses its detections.
- With a model, poses without an embedding for model.sha256 are embedded in batches as each media
  finishes (switching model re-embeds without re-detecting).
- Bad inputs get a FileReport with ok=False and a clear message; the batch goes on.
- cancel() is checked between results; on cancel the run saves what came back and raises IndexCancelled
  (a jobs.Cancelled carrying the report).
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterator, Sequence

from ..jobs import CancelCheck, Cancelled, Progress, never_cancel, no_progress
from ..io.errors import MediaError
from . import detect_worker
from .detect_worker import Segment, SegmentResult
from ..detect.base import PEOPLE_PREFIX
from .people import add_people, update_tracks
from .planning import (MediaJob, absolute, check_input, expand_inputs, expected_frames, find_or_add, segments_for,
                       skipped)
from .schema import LibraryError
from .store import Library
from .tables import FileReport, IndexReport

CANCEL_GRACE_S = 2.0   # on cancel, wait this long for segments in flight before stopping the workers


class IndexCancelled(Cancelled):
    """The index run was cancelled; `.report` says what was done (everything reported is saved)."""

    def __init__(self, report: IndexReport) -> None:
        super().__init__("indexing cancelled; finished work is saved and the next run resumes")
        self.report = report


def index_paths(library_path: str | os.PathLike, paths: Sequence[str | os.PathLike], model=None, workers: int = 1,
                progress: Progress = no_progress, cancel: CancelCheck = never_cancel, *,
                detector: str = "mediapipe", max_people: int = 1,
                detector_factory: Callable | None = None, engine: str = "pool",
                address: str | None = None) -> IndexReport:
    """Index videos, image files/folders and keypoint files into the library at library_path.

    max_people > 1 detects several people per frame (detect.detector_name) and assigns person tracks
    to each video once all its frames are in (library.people.update_tracks).

    model: None (detect only) or an object with .embed(xy, scores) -> Embedding, .sha256, .name.
    detector_factory(name, video) -> Detector replaces make_detector (must be picklable; for tests).
    engine: "pool" (workers processes, 0 = in this process) or "ray" (ray_engine: `workers` Ray actors on
    a local Ray, or on the cluster at `address`)."""
    if max_people > 1:
        from ..detect.base import detector_name
        from ..detect.landmarker_bundle import landmarker_bundle

        detector = detector_name(max_people)
        landmarker_bundle()   # built here once (BundleError now, not once per worker)
    progress(0, 0, f"scanning {len(paths)} input(s)")
    if workers > 0 and paths and engine == "pool":
        start_fork_server()
    with Library.open(library_path) as lib:
        run = _Run(lib, model, progress, cancel, detector, detector_factory)
        try:
            run.detect(run.plan(paths), workers, engine, address)
        except Cancelled:
            raise IndexCancelled(run.report(cancelled=True)) from None
        return run.report()


class _Run:
    """The state of one index run (kept out of index_paths so each step stays small)."""

    def __init__(self, lib: Library, model, progress: Progress, cancel: CancelCheck, detector: str,
                 factory: Callable | None) -> None:
        self.lib, self.model, self.progress, self.cancel = lib, model, progress, cancel
        self.detector, self.factory = detector, factory
        self.reports: list[FileReport | None] = []
        self.raw: list[str] = []
        self.retry: list[Segment] = []
        self.retried: set[Segment] = set()
        self.jobs: dict[int, MediaJob] = {}
        self.total = self.done = self.embedded = 0
        self.lanes = 1

    # ---- planning --------------------------------------------------------------------------
    def plan(self, paths: Sequence[str | os.PathLike]) -> list[MediaJob]:
        seen: dict[str, int] = {}
        for raw in expand_inputs(paths):
            i = len(self.reports)
            self.reports.append(None)
            self.raw.append(str(raw))
            path = absolute(raw)
            self.progress(0, 0, f"scanning {path.name}")
            if str(path) in seen:
                self.reports[i] = skipped(str(raw), f"listed twice (same file as input {seen[str(path)] + 1}); "
                                          "indexed once", ok=True)
                continue
            seen[str(path)] = i
            self._plan_one(i, str(raw), path)
        self.total = sum(j.to_do for j in self.jobs.values())
        if self.jobs:
            self.progress(0, self.total, "detecting")
        return list(self.jobs.values())

    def _plan_one(self, i: int, raw: str, path: Path) -> None:
        try:
            kind = check_input(path)
            media, names, notes = find_or_add(self.lib, path, kind, self.detector)
        except (MediaError, OSError) as exc:
            self.reports[i] = skipped(raw, _os_message(path, exc))
            return
        except LibraryError:
            raise
        except Exception as exc:  # noqa: BLE001 - one hostile input must not end the batch
            self.reports[i] = skipped(raw, f"{path}: cannot be read ({type(exc).__name__}: {exc})")
            return
        if media.id in self.jobs:
            self.reports[i] = skipped(raw, f"same content as {self.jobs[media.id].media.path}, listed earlier; "
                                      "indexed once", ok=True, media=media)
            return
        if media.status == "done":
            self._embed()
            media = self.lib.media_info(media.id)
            self.reports[i] = skipped(raw, "; ".join(notes + [f"already indexed ({media.frames} frames, "
                                                              f"{media.n_poses} poses)"]), ok=True, media=media)
            return
        if kind == "keypoints":
            self.reports[i] = self._import_keypoints(raw, media, notes)
            return
        job = MediaJob(i, media, names, notes)
        job.to_do = expected_frames(job, self.lib.done_frames(media.id))
        self.jobs[media.id] = job

    def _import_keypoints(self, raw: str, media, notes: list[str]) -> FileReport:
        """Keypoint files need no detection: read, store, embed, all here, each with progress and cancel."""
        from ..io.keypoint_files import read_keypoint_file
        from .keypoint_import import store_track

        try:
            track = read_keypoint_file(media.path, self._step(0.0, 0.5, cancellable=True))
        except Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - MediaError, or anything a hostile file provokes
            if not self.lib.done_frames(media.id).size:
                self.lib.remove_media(media.id)   # nothing readable: leave no pending entry behind
            text = str(exc) if isinstance(exc, MediaError) else f"{media.path}: {type(exc).__name__}: {exc}"
            return skipped(raw, text)
        store_track(self.lib, media.id, track, Path(media.path).name, self._step(0.5, 0.8), self.cancel)
        w, h = track.size or (0, 0)
        n = int(track.frame_index.max()) + 1 if len(track) else 0
        self.lib.update_media(media.id, fps=track.fps, width=w, height=h, frames=n, status="done", error=None)
        self._embed(self._step(0.8, 1.0, counted=True))
        media = self.lib.media_info(media.id)
        return FileReport(raw, True, "; ".join(notes + [f"imported {track.source} keypoints: {media.frames} frames, "
                                                        f"{media.n_poses} poses"]), media.frames, media.n_poses, media.id)

    # ---- detection -------------------------------------------------------------------------
    def _segments(self, jobs: list[MediaJob]) -> Iterator[Segment]:
        for job in jobs:
            self.lib.set_status(job.media.id, "indexing")
            for seg in segments_for(job, self.lib.done_frames(job.media.id), self.detector, self.lanes):
                job.outstanding += 1
                yield seg
            job.all_submitted = True
            if job.outstanding == 0:
                self._finish(job)

    def detect(self, jobs: list[MediaJob], workers: int, engine: str = "pool", address: str | None = None) -> None:
        if not jobs:
            return
        self.lanes = max(1, workers)
        tasks = self._segments(jobs)
        if engine == "ray":
            from .ray_engine import run_on_ray

            try:
                run_on_ray(tasks, self._take, workers, address, self.cancel, self.factory)
            except BaseException:
                self._mark_unfinished("cancelled")
                raise
        elif workers <= 0:
            self._detect_here(tasks)
        else:
            self._detect_in_pool(tasks, workers)

    def _detect_here(self, tasks: Iterator[Segment]) -> None:
        detect_worker._state.clear()
        detect_worker._state["factory"] = self.factory or detect_worker.make_detector
        try:
            for seg in tasks:
                self._check_cancel()
                self._take(detect_worker.run_segment(seg))
        finally:
            detect_worker.release()

    def _detect_in_pool(self, tasks: Iterator[Segment], workers: int) -> None:
        pool = self._new_pool(workers)
        pending: dict[Future, Segment] = {}
        try:
            pool = self._fill(pool, pending, tasks, workers)
            while pending:
                if self.cancel():
                    self._drain(pending, CANCEL_GRACE_S)
                    raise Cancelled()
                finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in finished:
                    seg = pending.pop(fut)
                    if isinstance(fut.exception(), BrokenProcessPool) and seg not in self.retried:
                        self.retried.add(seg)      # maybe an innocent bystander of a crash: run it again
                        self.retry.append(seg)
                    else:
                        self._take(_result_of(fut, seg))
                pool = self._fill(pool, pending, tasks, workers)
        except BaseException:
            self._mark_unfinished("cancelled")
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=detect_worker.init_worker,
                                   initargs=(self.factory, workers > 1))

    def _fill(self, pool: ProcessPoolExecutor, pending: dict, tasks: Iterator[Segment],
              workers: int) -> ProcessPoolExecutor:
        """Keep 2 tasks per worker queued. A worker crash breaks the whole pool and fails every task in
        it; those are run again one at a time in a new pool, so only the segment that crashes on its own
        is reported as failed (once: a file that crashes the detector cannot loop)."""
        while len(pending) < (1 if self.retry else 2 * workers):
            seg = self.retry.pop(0) if self.retry else next(tasks, None)
            if seg is None:
                break
            try:
                fut = pool.submit(detect_worker.run_segment, seg)
            except BrokenProcessPool:
                _stop_pool(pool)
                pool = self._new_pool(workers)
                fut = pool.submit(detect_worker.run_segment, seg)
            pending[fut] = seg
        return pool

    def _drain(self, pending: dict[Future, Segment], grace: float) -> None:
        """Save what finishes within `grace` seconds (cancel path)."""
        finished, _ = wait(pending, timeout=grace)
        for fut in finished:
            self._take(_result_of(fut, pending.pop(fut)))

    def _check_cancel(self) -> None:
        if self.cancel():
            self._mark_unfinished("cancelled")
            raise Cancelled()

    def _take(self, res: SegmentResult) -> None:
        """Commit one segment's detections and update the media's bookkeeping."""
        job = self.jobs[res.media_id]
        if res.rows and any(isinstance(found, list) for _, found in res.rows):
            add_people(self.lib, res.media_id, res.rows)
        elif res.rows:
            self.lib.add_detections(res.media_id, res.rows)
        job.processed += len(res.rows)
        job.errors.extend(res.errors)
        if res.fatal and job.fatal is None:
            job.fatal = res.fatal
        if res.end is not None:
            job.end = res.end if job.end is None else min(job.end, res.end)
        job.outstanding -= 1
        self.done += len(res.rows)
        self.progress(min(self.done, max(self.total, self.done)), max(self.total, self.done), job.media.name)
        if job.all_submitted and job.outstanding == 0:
            self._finish(job)

    def _finish(self, job: MediaJob) -> None:
        from .finishing import finish_media

        job.media = finish_media(self.lib, job)
        if job.media.kind == "video" and self.detector.startswith(PEOPLE_PREFIX):
            update_tracks(self.lib, job.media.id)
        self._embed()
        self.reports[job.report_index] = _job_report(self.lib, job, self.raw[job.report_index])

    def _embed(self, progress: Progress = no_progress) -> None:
        if self.model is not None:
            self.embedded += self.lib.ensure_embeddings(self.model, progress, self.cancel)

    def _step(self, lo: float, hi: float, cancellable: bool = False, counted: bool = False) -> Progress:
        """Progress of one step of a keypoint import as the part [lo, hi] of one 0..1000 bar, so the bar only
        moves forward (the step's own counts are in its messages; counted: appended to them). cancellable:
        raises Cancelled when asked to stop, for a step with no cancel of its own."""
        def report(done: int, total: int, message: str = "") -> None:
            if cancellable and self.cancel():
                raise Cancelled(message or "cancelled")
            frac = min(1.0, done / total) if total > 0 else 0.0
            text = f"{message}: {done:,} of {total:,}" if counted and total > 0 else message
            self.progress(int(1000 * (lo + (hi - lo) * frac)), 1000, text)
        return report

    def _mark_unfinished(self, status: str) -> None:
        for job in self.jobs.values():
            if self.reports[job.report_index] is None:
                self.lib.set_status(job.media.id, status, None)
                self.reports[job.report_index] = skipped(self.raw[job.report_index], f"{status}: {job.processed} frames done "
                                                         "this run; the next run resumes", media=job.media)

    def report(self, cancelled: bool = False) -> IndexReport:
        files = [r if r is not None else FileReport("?", False, "not processed") for r in self.reports]
        return IndexReport(files=files, cancelled=cancelled, n_embedded=self.embedded)


def _job_report(lib: Library, job: MediaJob, raw: str) -> FileReport:
    m = lib.media_info(job.media.id)
    ok = m.status == "done"
    text = m.error if m.error else f"{m.frames} frames, {m.n_poses} with a person"
    return FileReport(raw, ok, "; ".join(job.notes + [text]), m.frames, m.n_poses, m.id)


def _result_of(fut: Future, seg: Segment) -> SegmentResult:
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - e.g. a crashed worker process
        res = SegmentResult(seg.media_id, seg.start, seg.stop)
        res.fatal = (f"the detector process crashed on frames {seg.start}..{'end' if seg.stop is None else seg.stop - 1}"
                     f" ({type(exc).__name__})")
        return res


def _context():
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        # imported once in the fork server instead of in every worker (mediapipe takes seconds to import)
        ctx.set_forkserver_preload(["poseexplorer.library.forkserver_guard", "poseexplorer.library.detect_worker",
                                    "poseexplorer.io.video", "mediapipe"])
    return ctx


def start_fork_server() -> bool:
    """Start the worker processes' fork server now (it imports mediapipe, about 0.6 s): index_paths calls it
    first so that the start overlaps planning, and the GUI calls it at launch. ensure_running() only
    launches the process and does not wait for its imports. False where workers are spawned instead."""
    if _context().get_start_method() != "forkserver":
        return False
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return True


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now (cancel or error): queued tasks are dropped, running ones terminated."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + 5
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))


def _os_message(path: Path, exc: Exception) -> str:
    if isinstance(exc, PermissionError):
        return f"{path}: permission denied (cannot read it)"
    if isinstance(exc, OSError) and not isinstance(exc, MediaError):
        return f"{path}: cannot read it ({exc.strerror or exc})"
    return str(exc)


__all__ = ["index_paths", "IndexCancelled", "IndexReport", "FileReport"]
