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
