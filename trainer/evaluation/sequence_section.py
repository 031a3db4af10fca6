"""Section 5 (sequences) of the results: warp test, different actors, action recognition."""
from __future__ import annotations

import numpy as np

from . import report
from .data import load_frames
from .rigs import all_rig, chest_rig
from .sequences import actor_test, embedding_method, keypoint_method, recognition_test, warp_test

HELD_OUT = "mm"


def _split(state):
    cfg = state.config
    if cfg.seq_set is None:
        raise RuntimeError("no --seq-set (HDM05 sequences at 30 fps without dedup) given")
    frames = load_frames(cfg.seq_set)
    hdm = np.isin(frames.subject, ["bd", "bk", "dg", "mm"])
    held, train = frames.select(hdm & (frames.subject == HELD_OUT)), frames.select(hdm & (frames.subject != HELD_OUT))
    if cfg.quick:  # two clips per class for the held-out actor, one per (actor, class) in the index
        held = held.select(np.concatenate(_per_class(held, 1)))
        train = train.select(np.concatenate(_per_class(train, 1, by_subject=True)))
    return held, train


def _per_class(frames, n: int, by_subject: bool = False) -> list[np.ndarray]:
    seen: dict = {}
    out = []
    for idx in frames.clips():
        key = (frames.subject[idx[0]] if by_subject else "", frames.action[idx[0]])
        if seen.get(key, 0) < n:
            seen[key] = seen.get(key, 0) + 1
            out.append(idx)
    return out


def sequence_markdown(state, model, progress, cancel) -> str:
    held, train = _split(state)
    methods = [embedding_method(model), keypoint_method()]
    rig, chest = all_rig(), chest_rig()
    seed = state.config.seed
    warp = warp_test(held, rig, methods, seed=seed, cancel=cancel)
    actors = actor_test(held, train, rig, methods, seed=seed, cancel=cancel)
    recog = recognition_test(held, train, chest, methods, index_cams=(0, 2), query_rig=rig, seed=seed,
                             progress=progress, cancel=cancel)
    n_held, n_train = len(held.clips()), len(train.clips())
    text = (f"Held-out actor mm: {n_held} clips; training actors bd, bk, dg: {n_train} clips; 30 fps. "
            "Frame cost: Pr-VIPE -log P (poseexplorer.align.frame_distance, quadrature P) or the 2D-keypoint "
            "Procrustes error, both averaged over the atrous window (kernel 7, rate 3), then DTW "
            "(poseexplorer.align.dtw). Kendall's tau is taken on the per-frame nearest-neighbour map "
            "(poseexplorer.align.kendall_tau; 1 = perfectly ordered).\n\n")
    text += ("**(a) One clip, two cameras, smooth random time warp** (random pair of 'all'-rig cameras per "
             "clip, B's length 0.7-1.4x A's; error = mean |DTW sync map - true warp| in frames at 30 fps):\n\n")
    text += report.table(["method", "clips", "mean frame error", "median frame error", "Kendall's tau"],
                         [[k, str(v["clips"]), f"{v['mean_error']:.2f}", f"{v['median_error']:.2f}",
                           f"{v['tau']:.3f}"] for k, v in warp.items()])
    text += ("\n**(b) Same action, different actors** (each mm clip against the first clip of the same class by "
             "bd, bk and dg; two random 'all'-rig cameras):\n\n")
    text += report.table(["method", "pairs", "Kendall's tau"],
                         [[k, str(v["pairs"]), f"{v['tau']:.3f}"] for k, v in actors.items()])
    text += ("\n**(c) Nearest-neighbour action recognition, 11 HDM05 classes** (queries: mm clips, each from a "
             "random 'all'-rig camera; index: training-actor clips; DTW mean path cost; sequences subsampled to "
             "10 fps):\n\n")
    rows = [[k, "chest cameras 0 and 2 (opposite corners)", str(v["multi"]["index"]), pct(v["multi"]["accuracy"])]
            for k, v in recog.items()]
    rows += [[k, "chest camera 0 only", str(v["single"]["index"]), pct(v["single"]["accuracy"])]
             for k, v in recog.items()]
    text += report.table(["method", "index views", "index sequences", "accuracy (%)"], rows)
    text += f"\nChance level: {100 / max(1, len(set(held.action))):.1f}%.\n"
    return text


def pct(x: float) -> str:
    return report.pct(x)
