"""Person identities across frames: optimal assignment of each frame's people to the open tracks.

    track = assign_tracks(frame_index, xy, scores)   # (N,) int64 track id per person row, 0, 1, 2, ...

Rows are people (several per frame); each frame's people are matched to the tracks seen within the last
`max_gap` frames by scipy's linear_sum_assignment on a cost of keypoint distance (median, relative to
the track's box size) plus box non-overlap (1 - IoU). A pair costing more than `max_cost` is no match,
and leaving a person unmatched costs `max_cost` in the assignment, so an impossible pair never displaces
a good one (optimal_pairs). An unmatched person opens a new track, so a person missed for a few frames
keeps their id (gap bridged).
Track ids are numbered by first appearance.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from .people import box_iou, keypoint_distance, person_boxes

MAX_GAP = 15        # frames a track may go unseen and still be continued
MAX_COST = 1.2      # above this, a person is not the continuation of a track


def match_cost(xy: np.ndarray, scores: np.ndarray, track_xy: np.ndarray, track_scores: np.ndarray) -> np.ndarray:
    """(P, 13, 2), (P, 13), (K, 13, 2), (K, 13) -> (P, K) cost of continuing track k with person p."""
    boxes = person_boxes(xy, scores)
    track_boxes = person_boxes(track_xy, track_scores)
    return keypoint_distance(xy, track_xy, track_boxes) + (1.0 - box_iou(boxes, track_boxes))


def assign_tracks(frame_index: np.ndarray, xy: np.ndarray, scores: np.ndarray, max_gap: int = MAX_GAP,
                  max_cost: float = MAX_COST) -> np.ndarray:
    """frame_index (N,), xy (N, 13, 2), scores (N, 13) -> (N,) int64 track ids (see module doc)."""
    frame_index = np.asarray(frame_index, np.int64).reshape(-1)
    xy = np.asarray(xy, np.float64).reshape(-1, 13, 2)
    scores = np.asarray(scores, np.float64).reshape(-1, 13)
    track = np.full(len(frame_index), -1, np.int64)
    last_row: list[int] = []       # per track: the row it was last seen in
    order = np.argsort(frame_index, kind="stable")
    for f in np.unique(frame_index):
        rows = order[frame_index[order] == f]
        open_ = [k for k, r in enumerate(last_row) if f - frame_index[r] <= max_gap]
        matched = _match(rows, open_, last_row, xy, scores, max_cost)
        for r in rows:
            if r not in matched:
                matched[r] = len(last_row)
                last_row.append(int(r))
        for r, k in matched.items():
            track[r] = k
            last_row[k] = int(r)
    return track


def _match(rows: np.ndarray, open_: list[int], last_row: list[int], xy: np.ndarray, scores: np.ndarray,
           max_cost: float) -> dict[int, int]:
    """{row: track} for the cheapest assignment of this frame's rows to the open tracks."""
    if not len(rows) or not open_:
        return {}
    prev = [last_row[k] for k in open_]
    cost = match_cost(xy[rows], scores[rows], xy[prev], scores[prev])
    return {int(rows[i]): open_[j] for i, j in optimal_pairs(cost, max_cost)}


def optimal_pairs(cost: np.ndarray, max_cost: float) -> list[tuple[int, int]]:
    """(P, K) cost -> the (p, k) pairs, each p and k at most once and each cost <= max_cost, that minimise
    the summed cost plus max_cost for every person left unpaired: a pair above max_cost can never take part,
    so it cannot push a good pair out of the assignment."""
    cost = np.where(np.isfinite(cost), cost, np.inf)
    bounded = np.minimum(cost, max_cost)
    r_idx, k_idx = linear_sum_assignment(bounded)
    return [(int(i), int(j)) for i, j in zip(r_idx, k_idx) if cost[i, j] <= max_cost]


def track_lengths(track: np.ndarray) -> dict[int, int]:
    """{track id: number of rows}, longest first (ids >= 0 only)."""
    ids, counts = np.unique(np.asarray(track)[np.asarray(track) >= 0], return_counts=True)
    return {int(i): int(c) for i, c in sorted(zip(ids, counts), key=lambda t: -t[1])}
