"""Detection on Ray: the same per-segment pure function (detect_worker.run_segment) in Ray Data actors.

    run_on_ray(segments, take, workers=2, address=None, cancel=never_cancel, detector_factory=None)

Segments (media, frame range) become a Ray Dataset; `map_batches` runs them in a pool of `workers`
actors, each of which loads MediaPipe once (detect_worker keeps its detectors and the open video reader
between segments, as a process-pool worker does). Results stream back to this process in completion
order, and `take` commits each one (the indexer's one transaction per segment), so a killed run keeps
what came back and the next run detects only the missing frames; frames are keyed (media, frame) in the
library, so nothing is stored twice. Embedding stays in the indexer (batched per media, as with the other
engines). Without `address` a local Ray is started with `workers` CPUs and shut down afterwards; with an
address (e.g. "ray://head:10001" or "head:6379") the existing cluster is used, whose nodes must have this
package and mediapipe installed.
"""
from __future__ import annotations

import pickle
from typing import Callable, Iterable

from ..jobs import CancelCheck, Cancelled, never_cancel
from . import detect_worker
from .detect_worker import Segment, SegmentResult


class SegmentActor:
    """A Ray Data actor: one detector set per actor, reused for every batch of segments it gets."""

    def __init__(self, detector_factory=None) -> None:
        detect_worker._state.clear()
        detect_worker._state["factory"] = detector_factory or detect_worker.make_detector
        detect_worker._state["decode_threads"] = 1   # one CPU per actor: the actors are the parallelism

    def __call__(self, batch: dict) -> dict:
        results = [detect_worker.run_segment(pickle.loads(bytes(s))) for s in batch["segment"]]
        return {"result": [pickle.dumps(r) for r in results]}


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def run_on_ray(segments: Iterable[Segment], take: Callable[[SegmentResult], None], workers: int = 2,
               address: str | None = None, cancel: CancelCheck = never_cancel,
               detector_factory: Callable | None = None) -> int:
    """Detect every segment on Ray and hand each result to `take` as it arrives. Returns the count.
    Raises Cancelled when cancel() turns true (results taken so far are kept by the caller)."""
    try:
        import ray
    except ImportError:
        raise RuntimeError("the Ray engine needs the optional extra: pip install 'poseexplorer[cluster]'") from None
    items = [{"segment": pickle.dumps(s)} for s in segments]
    if not items:
        return 0
    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=max(1, workers), include_dashboard=False, log_to_driver=False)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        out = ds.map_batches(SegmentActor, fn_constructor_kwargs={"detector_factory": detector_factory},
                             batch_size=1, compute=ray.data.ActorPoolStrategy(size=max(1, workers)),
                             num_cpus=1)
        done = 0
        for row in out.iter_rows():
            take(pickle.loads(bytes(row["result"])))
            done += 1
            if cancel():
                raise Cancelled()
        return done
    finally:
        if started:
            ray.shutdown()
