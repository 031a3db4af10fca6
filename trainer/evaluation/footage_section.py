"""Section 6 (real footage) of the results: MediaPipe on the 4 pose2sim views, instant retrieval, DTW sync."""
from __future__ import annotations

import numpy as np

from poseexplorer.align import align_sequences, atrous_average, dtw
from poseexplorer.align.video_sync import SYNC_WINDOW_RATE, SYNC_WINDOW_TAPS
from poseexplorer.core.mirror import mirror_coco13
from poseexplorer.core.normalize import normalize_2d

from . import plots, report
from .alignment_distance import procrustes_2d_matrix
from .real_footage import ViewDetections, instant_retrieval, load_or_detect, sync_errors
from .retrieval import KeypointScorer, ProbabilisticScorer

FOOTAGE = ("media", "pose2sim_4views")


def _middle(path: np.ndarray, n: int) -> np.ndarray:
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=n)
    return sums / np.maximum(np.bincount(path[:, 0], minlength=n), 1)


def _fill(xy: np.ndarray) -> np.ndarray:
    """Frames with no person take the nearest detected frame's keypoints (for the keypoint baseline)."""
    ok = np.isfinite(xy).all((-1, -2))
    idx = np.flatnonzero(ok)
    near = idx[np.clip(np.searchsorted(idx, np.arange(len(xy))), 0, len(idx) - 1)]
    return xy[near]


def footage_detections(cfg, progress, cancel) -> tuple[list, int | None, ViewDetections]:
    """The pose2sim videos, the frame limit of this run and their (cached) MediaPipe detections."""
    folder = cfg.data.joinpath(*FOOTAGE)
    videos = sorted(folder.glob("cam*.mp4"))
    if not videos:
        raise RuntimeError(f"no cam*.mp4 videos in {folder}")
    limit = cfg.footage_frames if cfg.footage_frames is not None else (30 if cfg.quick else None)
    det = load_or_detect(videos, cfg.cache / f"pose2sim_mediapipe_{limit or 'all'}.npz", limit, progress, cancel)
    return videos, limit, det


def footage_markdown(state, model, progress, cancel) -> str:
    cfg = state.config
    videos, limit, det = footage_detections(cfg, progress, cancel)
    present = det.present
    rows = [ProbabilisticScorer(model, name="Pr-VIPE"), KeypointScorer()]
    results = {s.name: instant_retrieval(s, det) for s in rows}
    embs = [model.embed(np.nan_to_num(det.xy[v]), det.scores[v]) for v in range(len(det.names))]
    mirrored = [model.embed(*mirror_coco13(np.nan_to_num(det.xy[v]), 0.0, det.scores[v]))
                for v in range(len(det.names))]
    n = det.xy.shape[1]
    lo, hi = n // 5, n - n // 5  # the excerpt of view A: the middle 60% of the clip

    def align_prvipe(a, b):
        return align_sequences(embs[a][lo:hi], embs[b], model, valid_a=present[a, lo:hi], valid_b=present[b],
                               subsequence=True).sync_map

    def align_app(a, b):  # the sync panel's settings: its window, left/right chosen per frame
        return align_sequences(embs[a][lo:hi], embs[b], model, valid_a=present[a, lo:hi], valid_b=present[b],
                               subsequence=True, mirrored_b=mirrored[b], lr_invariant=True,
                               kernel=SYNC_WINDOW_TAPS, rate=SYNC_WINDOW_RATE).sync_map

    filled = [normalize_2d(_fill(det.xy[v])) for v in range(len(det.names))]

    def align_keypoints(a, b):
        path, _ = dtw(atrous_average(procrustes_2d_matrix(filled[a][lo:hi], filled[b])), subsequence=True)
        return _middle(path, hi - lo)

    sync = {"Pr-VIPE, sync panel settings": sync_errors(align_app, det, lo),
            "Pr-VIPE, method window, left/right as detected": sync_errors(align_prvipe, det, lo),
            "2D keypoints": sync_errors(align_keypoints, det, lo)}
    text = (f"{len(videos)} views x {det.xy.shape[1]} frames at {det.fps:g} fps"
            + (f" (first {limit} frames only)" if limit else "") + "; MediaPipe Pose 0.10.21 (model_complexity 1, "
            f"tracking mode) via poseexplorer.detect, cached in `{cfg.cache}`. Person found in "
            + ", ".join(f"{n}: {int(present[i].sum())}" for i, n in enumerate(det.names)) + " frames.\n\n")
    text += ("**Cross-view retrieval of the same instant** (query: a frame of view A; index: all frames of view B; "
             "a hit if a top-k frame is within +-3 frames), percent:\n\n")
    pairs = list(results["Pr-VIPE"].pair_hits)
    head = ["query -> index"] + [f"{n} Hit@{k}" for n in results for k in (1, 5)]
    body = [[f"{a} -> {b}"] + [report.pct(results[n].pair_hits[(a, b)][k]) for n in results for k in (1, 5)]
            for a, b in pairs]
    body.append(["**overall**"] + [f"**{report.pct(results[n].overall[k])}**" for n in results for k in (1, 5)])
    text += report.table(head, body)
    text += (f"\n**DTW synchronisation of every view pair**: frames {lo}-{hi - 1} of view A found inside the whole of "
             f"view B by subsequence DTW (poseexplorer.align, subsequence=True); truth: about the identity; error = "
             f"mean |sync_map[t] - t| in frames. 'Sync panel settings' is the app's alignment "
             f"(poseexplorer.align.video_sync: a {SYNC_WINDOW_TAPS}-tap window {SYNC_WINDOW_RATE} frames apart, left "
             f"and right chosen per frame, since MediaPipe swaps them on side and back views); the other Pr-VIPE "
             f"column uses the method's 7 x 3 window and the detected labels. (Whole-clip DTW of two equal-length views is no test: DTW's "
             f"preference for the diagonal alone returns the identity, even from an uninformative cost.)\n\n")
    text += report.table(["A -> B"] + list(sync), [[f"{a} -> {b}"] + [f"{sync[m][(a, b)]:.2f}" for m in sync]
                                                  for a, b in next(iter(sync.values()))])
    text += "\nMean (median) over pairs: " + ", ".join(
        f"{m}: {np.mean(list(v.values())):.2f} ({np.median(list(v.values())):.2f}) frames" for m, v in sync.items()) + "\n"
    maps = {f"{det.names[0]} -> {det.names[b]}": align_app(0, b) for b in range(1, len(det.names))}
    maps = {k: np.r_[np.full(lo, np.nan), v] for k, v in maps.items()}  # plot against frames of the whole clip
    fig = plots.sync_plot(maps, cfg.out / "footage_sync.png", "Pr-VIPE DTW sync maps (sync panel settings), pose2sim views")
    return text + "\n" + report.image(fig, cfg.out, "DTW sync maps")
