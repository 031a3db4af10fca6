"""Sequence alignment of embedded videos (prvipe-method.md section 9), headless, numpy only.

Public names (import them from here: `from poseexplorer.align import align_sequences`; the attribute
`poseexplorer.align` is the px.align function, see poseexplorer/__init__.py):

    path = align(emb_a, emb_b, model, **options)        # px.align: (L, 2) int64, column 0 frames of A, 1 of B
    # (px.align's defaults are the Sync panel's: kernel 11, rate 4, lr_invariant with mirrored_b)
    al = align_sequences(emb_a, emb_b, model, *, mirrored_b=None, valid_a=None, valid_b=None,
                         band=None, subsequence=False, kernel=7, rate=3, method="quadrature",
                         slopes=WINDOW_SLOPES, hub_neighbours=HUB_NEIGHBOURS, lr_invariant=False)
    al.path (L, 2), al.sync_map (Ta,) B frame for each A frame, al.cost (Ta, Tb), al.distance (mean path
    cost), al.mirrored (the mirrored B sequence matched better), al.inverse_sync_map() (Tb,)

    cost = sequence_cost(emb_a, emb_b, a, b, kernel=7, rate=3, valid_a=None, valid_b=None)  # (Ta, Tb)
    # (-log P, hub-corrected, then the window mean along local slopes 1/2..2: see cost.py; with
    # mirrored_b=, each pair costs the lesser of B and B mirrored: lr_invariant_distance)
    cost = window_cost(dist, ok_a, ok_b, kernel=7, rate=3)  # the same hub correction and window, any distance
    table = best_moments(reference, other, model)  # PoseSequence x2 -> MomentTable: each reference frame's
    # best frames of the other video by the sync window (moments.py: "where is this instant, by motion")
    path, total = dtw(cost, band=None, subsequence=False)
    tau = kendall_tau(sync_map, reference=None)
    export_synced_video(reader_a, reader_b, sync_map, out_path, overlay=None, progress=..., cancel=...)

`model` is a ProbabilityParams (poseexplorer.core.model_protocol): float attributes `a` and `b`, as on a
loaded model or MatchParams(a, b).
Frames with no person (a False entry in valid_a/valid_b, or a non-finite embedding row) are bridged: their
pairs are left out of the atrous window average, and a pair whose whole window is missing gets the mean
valid cost, so the path passes through such gaps at neutral cost and every A frame still has a sync entry.
`export` imports cv2 only when called, so importing this package stays light.
"""
from .api import MatchParams, align
from .cost import (ATROUS_KERNEL, ATROUS_RATE, HUB_NEIGHBOURS, WINDOW_SLOPES, atrous_average, frame_distance,
                   hub_corrected, lr_invariant_distance, sequence_cost, window_cost)
from .dtw import dtw
from .export import ExportError, export_synced_video
from .moments import MomentTable, best_moments, motion_cost
from .quadrature import paired_distance
from .sequences import Alignment, align_sequences, kendall_tau, nearest_neighbour_map

__all__ = [
    "MatchParams", "align", "ATROUS_KERNEL", "ATROUS_RATE", "HUB_NEIGHBOURS", "WINDOW_SLOPES", "hub_corrected",
    "lr_invariant_distance", "paired_distance", "atrous_average", "frame_distance",
    "sequence_cost", "window_cost", "MomentTable", "best_moments", "motion_cost", "dtw", "ExportError", "export_synced_video", "Alignment", "align_sequences",
    "kendall_tau", "nearest_neighbour_map",
]

