"""Pure geometry on several people in one frame: boxes, overlap, keypoint distance, duplicate suppression.

A person is given by COCO-13 keypoints xy (13, 2) in pixels and scores (13,) in [0, 1]; several people
stack to (P, 13, 2) / (P, 13).
"""
from __future__ import annotations

import numpy as np

#: Keypoints below this score do not count for a person's box.
BOX_MIN_SCORE = 0.3


def person_boxes(xy: np.ndarray, scores: np.ndarray, min_score: float = BOX_MIN_SCORE) -> np.ndarray:
    """(P, 13, 2), (P, 13) -> (P, 4) float64 boxes (x0, y0, x1, y1) of the confident keypoints (all when
    fewer than two are confident)."""
    xy = np.asarray(xy, np.float64).reshape(-1, 13, 2)
    scores = np.asarray(scores, np.float64).reshape(-1, 13)
    out = np.zeros((len(xy), 4))
    for p in range(len(xy)):
        ok = (scores[p] >= min_score) & np.isfinite(xy[p]).all(1)
        pts = xy[p][ok] if ok.sum() >= 2 else xy[p][np.isfinite(xy[p]).all(1)]
        out[p] = (*pts.min(0), *pts.max(0)) if len(pts) else np.nan
    return out


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(A, 4), (B, 4) -> (A, B) intersection over union (0 for empty boxes)."""
    a = np.asarray(a, np.float64).reshape(-1, 1, 4)
    b = np.asarray(b, np.float64).reshape(1, -1, 4)
    wh = np.clip(np.minimum(a[..., 2:], b[..., 2:]) - np.maximum(a[..., :2], b[..., :2]), 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area = lambda x: np.prod(np.clip(x[..., 2:] - x[..., :2], 0, None), axis=-1)  # noqa: E731
    union = area(a) + area(b) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def keypoint_distance(xy_a: np.ndarray, xy_b: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(A, 13, 2), (B, 13, 2), (B, 4) -> (A, B) median keypoint distance over the scale of b's box
    (square root of its area, at least 1 px): about 0 for the same person, above 0.5 for different ones."""
    a = np.asarray(xy_a, np.float64).reshape(-1, 1, 13, 2)
    b = np.asarray(xy_b, np.float64).reshape(1, -1, 13, 2)
    d = np.nanmedian(np.linalg.norm(a - b, axis=-1), axis=-1)
    bb = np.asarray(boxes_b, np.float64).reshape(-1, 4)
    scale = np.sqrt(np.clip((bb[:, 2] - bb[:, 0]) * (bb[:, 3] - bb[:, 1]), 1, None))
    return d / scale[None, :]


#: Nose and shoulders (COCO-13 indices): two real people never share them.
HEAD = [0, 1, 2]


def suppress_duplicates(xy: np.ndarray, scores: np.ndarray, max_iou: float = 0.6,
                        min_distance: float = 0.15, min_head_distance: float = 0.2,
                        priority: np.ndarray | None = None) -> np.ndarray:
    """Indices of the people to keep, best first: greedily, by priority (P,) (default: mean score),
    drop a person whose box
    overlaps a kept one by more than max_iou, whose keypoints lie within min_distance of one's, or
    whose head (nose and shoulders) lies within min_head_distance of one's (a second, wrong fit of
    the same person's body); distances are relative to the box scale (keypoint_distance)."""
    xy = np.asarray(xy, np.float64).reshape(-1, 13, 2)
    scores = np.asarray(scores, np.float64).reshape(-1, 13)
    if not len(xy):
        return np.zeros(0, np.int64)
    boxes = person_boxes(xy, scores)
    iou = box_iou(boxes, boxes)
    dist = keypoint_distance(xy, xy, boxes)
    dist = np.minimum(dist, dist.T)
    head = _head_distance(xy, boxes)
    kept: list[int] = []
    rank = scores.mean(1) if priority is None else np.asarray(priority, np.float64).reshape(len(xy))
    for i in np.argsort(-rank, kind="stable"):
        if all(iou[i, j] <= max_iou and dist[i, j] >= min_distance and head[i, j] >= min_head_distance
               for j in kept):
            kept.append(int(i))
    return np.array(kept, np.int64)


def _head_distance(xy: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(P, P) median distance of nose and shoulders over the smaller of the two box scales."""
    d = np.median(np.linalg.norm(xy[:, None, HEAD] - xy[None, :, HEAD], axis=-1), axis=-1)
    scale = np.sqrt(np.clip((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]), 1, None))
    return d / np.minimum(scale[:, None], scale[None, :])


def crop_around(box: np.ndarray, width: int, height: int, scale: float = 1.5) -> tuple[int, int, int, int]:
    """A square crop (x0, y0, x1, y1) centred on box, `scale` times its long side, clipped to the image."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = max(box[2] - box[0], box[3] - box[1]) * scale / 2
    x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
    x1, y1 = int(min(width, cx + half)), int(min(height, cy + half))
    return x0, y0, x1, y1


def convex_hull(points: np.ndarray) -> np.ndarray:
    """(K, 2) -> (M, 2) the convex hull's corners, counter-clockwise in image axes (Andrew's monotone
    chain; collinear points dropped)."""
    pts = sorted(set(map(tuple, np.asarray(points, np.float64).reshape(-1, 2).tolist())))
    if len(pts) < 3:
        return np.array(pts, np.float64).reshape(-1, 2)

    def half(seq: list) -> list:
        out: list = []
        for p in seq:
            while len(out) >= 2 and _cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out[:-1]

    return np.array(half(pts) + half(pts[::-1]), np.float64)


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def people_mask(height: int, width: int, xy: np.ndarray, head_radius: float = 0.5) -> np.ndarray:
    """(P, 13, 2) COCO-13 px -> (height, width) bool: pixel centres inside the convex hull of a person's
    keypoints, or within head_radius shoulder widths of their nose (the face the detector locks on)."""
    mask = np.zeros((height, width), bool)
    gy, gx = np.mgrid[0:height, 0:width].astype(np.float64)
    for person in np.asarray(xy, np.float64).reshape(-1, 13, 2):
        pts = person[np.isfinite(person).all(1)]
        hull = convex_hull(pts)
        if len(hull) >= 3:
            inside = np.ones((height, width), bool)
            for a, b in zip(hull, np.roll(hull, -1, axis=0)):
                inside &= (b[0] - a[0]) * (gy - a[1]) - (b[1] - a[1]) * (gx - a[0]) >= 0
            mask |= inside
        if np.isfinite(person[[0, 1, 2]]).all():
            r = head_radius * np.linalg.norm(person[1] - person[2])
            mask |= (gx - person[0, 0]) ** 2 + (gy - person[0, 1]) ** 2 <= r * r
    return mask


def continued_by(xy_a: np.ndarray, xy_b: np.ndarray, boxes_b: np.ndarray, max_distance: float) -> np.ndarray:
    """(A, 13, 2), (B, 13, 2), (B, 4) -> (A,) int64: the b continuing each a (-1 for none), one-to-one:
    the most pairs within max_distance (keypoint_distance), then the least total distance. Two people
    standing together are both close to each one's fit; only one of them is continued by it."""
    from scipy.optimize import linear_sum_assignment

    out = np.full(len(np.asarray(xy_a).reshape(-1, 13, 2)), -1, np.int64)
    if not len(out) or not len(np.asarray(xy_b).reshape(-1, 13, 2)):
        return out
    d = keypoint_distance(xy_a, xy_b, boxes_b)
    ok = np.isfinite(d) & (d <= max_distance)
    rows, cols = linear_sum_assignment(np.where(ok, d, max_distance + 1e6))
    for r, c in zip(rows, cols):
        if ok[r, c]:
            out[r] = c
    return out
