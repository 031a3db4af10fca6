"""Real footage: MediaPipe on several synchronised views, cross-view instant retrieval and DTW sync.

Detection uses the library's detector (poseexplorer.detect.MediaPipeDetector, tracking mode) and reader
(poseexplorer.io.open_media); results are cached in an NPZ so the slow part runs once.
Retrieval: a query is frame t of view A with a person; the index is every frame of view B with a
person; a hit at k if any of the top k is within +-`tolerance` frames of t (the views are synchronised
to within a couple of frames). Sync: an excerpt of view A (the middle of the clip) is found in the whole of
view B by subsequence DTW; the truth is about the identity, so the error is the mean |sync_map[t] -
(t + start of the excerpt)| in frames. (Whole-clip DTW of two equal-length views would reward an
uninformative cost: DTW's diagonal preference alone returns the identity.)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from poseexplorer.jobs import Cancelled, CancelCheck, Progress, never_cancel, no_progress
from poseexplorer.search.metrics import top_k


@dataclass(frozen=True)
class ViewDetections:
    """Detections of V views over T frames. xy: (V, T, 13, 2) px (NaN = no person); scores: (V, T, 13);
    names: V view names; fps: frames per second; world: (V, T, 13, 3) MediaPipe world landmarks of the
    COCO-13 joints (metres, hip-centred, NaN = no person)."""

    xy: np.ndarray
    scores: np.ndarray
    names: tuple[str, ...]
    fps: float
    world: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.xy.ndim != 4 or self.xy.shape[2:] != (13, 2) or self.scores.shape != self.xy.shape[:3]:
            raise ValueError(f"ViewDetections: xy {self.xy.shape} / scores {self.scores.shape} do not fit")

    @property
    def present(self) -> np.ndarray:
        """(V, T) bool: a person was detected."""
        return np.isfinite(self.xy).all((-1, -2))


def detect_video(path: Path, max_frames: int | None, progress: Progress = no_progress,
                 cancel: CancelCheck = never_cancel) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """MediaPipe (tracking mode) on one video -> (xy (T, 13, 2) NaN when no person, scores (T, 13), fps,
    world (T, 13, 3))."""
    from poseexplorer.core.skeleton import MEDIAPIPE_TO_COCO13
    from poseexplorer.detect import MediaPipeDetector
    from poseexplorer.io import open_media

    reader = open_media(path)
    det = MediaPipeDetector(video=True)
    try:
        total = len(reader) if max_frames is None else min(len(reader), max_frames)
        xy = np.full((total, 13, 2), np.nan, np.float32)
        sc = np.zeros((total, 13), np.float32)
        world = np.full((total, 13, 3), np.nan, np.float32)
        for t in range(total):
            if cancel():
                raise Cancelled()
            d = det.detect(reader.read(t))
            if d is not None:
                xy[t], sc[t], world[t] = d.xy, d.scores, d.world[list(MEDIAPIPE_TO_COCO13)]
            progress(t + 1, total, path.name)
        return xy, sc, float(reader.fps), world
    finally:
        det.close()
        reader.close()


def load_or_detect(videos: list[Path], cache: Path, max_frames: int | None = None,
                   progress: Progress = no_progress, cancel: CancelCheck = never_cancel) -> ViewDetections:
    """Detections for `videos`, read from `cache` when it holds the same files and frame limit."""
    key = "|".join(f"{p.name}:{p.stat().st_size}" for p in videos) + f"|max={max_frames}|world"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            if str(z["key"]) == key:
                return ViewDetections(z["xy"], z["scores"], tuple(str(n) for n in z["names"]), float(z["fps"]),
                                      z["world"])
    runs = [detect_video(p, max_frames, progress, cancel) for p in videos]
    t = min(len(r[0]) for r in runs)
    det = ViewDetections(np.stack([r[0][:t] for r in runs]), np.stack([r[1][:t] for r in runs]),
                         tuple(p.stem for p in videos), runs[0][2], np.stack([r[3][:t] for r in runs]))
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, xy=det.xy, scores=det.scores, names=np.array(det.names), fps=det.fps, world=det.world, key=key)
    return det


@dataclass(frozen=True)
class InstantRetrieval:
    """pair_hits: {(a, b): {k: Hit@k}}; overall: {k: Hit@k over all queries of all pairs}; queries: count."""

    name: str
    pair_hits: dict
    overall: dict
    queries: int


def instant_retrieval(scorer: Any, det: ViewDetections, ks: tuple[int, ...] = (1, 5),
                      tolerance: int = 3) -> InstantRetrieval:
    """Cross-view retrieval of the same instant with any retrieval scorer (see retrieval.py)."""
    present = det.present
    frames = [np.flatnonzero(present[v]) for v in range(len(det.names))]
    reps = [scorer.prepare(det.xy[v, f], det.scores[v, f]) for v, f in enumerate(frames)]
    pair_hits, all_hits = {}, {k: [] for k in ks}
    for a in range(len(frames)):
        for b in range(len(frames)):
            if a == b or not len(frames[a]) or not len(frames[b]):
                continue
            sim = scorer.similarity(reps[a], reps[b])
            order = top_k(sim, max(ks))
            close = np.abs(frames[b][order] - frames[a][:, None]) <= tolerance
            pair_hits[(det.names[a], det.names[b])] = {k: float(close[:, :k].any(1).mean()) for k in ks}
            for k in ks:
                all_hits[k].append(close[:, :k].any(1))
    overall = {k: float(np.concatenate(v).mean()) if v else float("nan") for k, v in all_hits.items()}
    return InstantRetrieval(scorer.name, pair_hits, overall, int(sum(len(v) for v in all_hits[ks[0]]))
                            if all_hits[ks[0]] else 0)


def sync_errors(align: Callable[[int, int], np.ndarray], det: ViewDetections, offset: int = 0) -> dict:
    """Mean |sync_map[t] - (t + offset)| (frames) for every ordered view pair.

    align(a, b) -> sync_map (T_a,): the frame of view b for each frame of view a's excerpt, which starts
    at frame `offset` of the (synchronised) videos.
    """
    out = {}
    for a in range(len(det.names)):
        for b in range(len(det.names)):
            if a != b:
                sync = np.asarray(align(a, b), dtype=np.float64)
                out[(det.names[a], det.names[b])] = float(np.abs(sync - offset - np.arange(len(sync))).mean())
    return out
