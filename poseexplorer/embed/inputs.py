"""Network inputs from COCO-13 keypoints: 2D normalisation that copes with masked points. numpy only.

With every keypoint visible this is exactly `core.normalize_2d` (hip midpoint, largest torso distance,
times 0.5). Masked keypoints (score below the model's threshold, or NaN) are left out: the centre falls
back to the one visible hip, then the shoulders, then the visible points; the scale (when a torso point
is missing) to the larger of the visible torso distances and a quarter of the largest visible distance.
Coordinates are clipped to +-4 (degenerate views, e.g. a torso seen edge-on from above). Masked coordinates are set to 0 and the mask goes to the network as extra inputs,
as in the occlusion-robust Pr-VIPE follow-up, so it learns what each fallback means. Training uses this
same function on its augmented views, so inference sees what training saw.

Upright inputs (`upright=True`, a model's `NetworkSpec.upright`) are also turned about the centre so the
body's up direction points up the image: hip midpoint to shoulder midpoint, else shoulders to nose, hips
to nose, knees to hips, legs to head (UP_PAIRS), else (only arms seen) no turn. A camera's roll then changes nothing the network sees, exactly; the
NP-MPJPE that defines a match aligns rotations anyway, so no information the labels use is lost.
With `snap_hipless` (a model's `NetworkSpec.snap_hipless`), a pose whose hips are hidden (upper-body framing) is
turned only by the nearest quarter turn of its shoulders -> nose direction: the head's own tilt and the nose's
offset in side views are too noisy to define up, while the image's vertical is informative for a camera
that is upright or mounted sideways (a multiple of 90 degrees).
"""
from __future__ import annotations

import numpy as np

from ..core.skeleton import COCO13_TORSO

_EPS = 1e-6
#: Share of the largest visible distance used as the scale when torso points are missing.
BODY_SHARE = 0.25
#: Normalised coordinates are clipped to +-LIMIT (a degenerate view must not produce huge inputs).
LIMIT = 4.0
_HIPS = (7, 8)
_SHOULDERS = (1, 2)


def visibility(xy: np.ndarray, scores: np.ndarray | None, threshold: float) -> np.ndarray:
    """(N, 13) bool: a keypoint counts when its score reaches `threshold` and its coordinates are finite."""
    vis = np.isfinite(xy).all(-1)
    if scores is not None:
        scores = np.asarray(scores, dtype=np.float32)
        if scores.shape != xy.shape[:-1]:
            raise ValueError(f"scores must have shape {xy.shape[:-1]}, got {scores.shape}")
        vis &= np.nan_to_num(scores, nan=0.0) >= threshold
    return vis


def _mean_of(xy: np.ndarray, vis: np.ndarray, joints: tuple[int, ...] | slice) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the visible points among `joints`: ((N, 2), (N,) count)."""
    w = vis[:, joints].astype(np.float64)
    count = w.sum(-1)
    total = (xy[:, joints] * w[..., None]).sum(1)
    return total / np.maximum(count, 1.0)[:, None], count


def masked_centre(xy: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """Hip midpoint, else the visible hip, else the shoulders, else all visible points. -> (N, 2)."""
    hips, n_hips = _mean_of(xy, vis, list(_HIPS))
    shoulders, n_sh = _mean_of(xy, vis, list(_SHOULDERS))
    every, _ = _mean_of(xy, vis, slice(None))
    centre = np.where((n_sh > 0)[:, None], shoulders, every)
    return np.where((n_hips > 0)[:, None], hips, centre)


def _max_pair_distance(xy: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """Largest distance between two visible points. xy (N, J, 2), vis (N, J) -> (N,), 0 if < 2 visible."""
    diff = xy[:, :, None, :] - xy[:, None, :, :]
    dist = np.sqrt((diff**2).sum(-1))
    both = vis[:, :, None] & vis[:, None, :]
    return np.where(both, dist, 0.0).max(axis=(-1, -2))


def masked_scale(xy: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """The torso scale when all 4 torso points are visible (exactly core.normalize_2d); otherwise the
    larger of the visible torso distances and BODY_SHARE x the largest visible distance (two overlapping
    hips seen side-on must not blow the pose up); 1 when nothing is visible. -> (N,)."""
    torso = list(COCO13_TORSO)
    scale = _max_pair_distance(xy[:, torso], vis[:, torso])
    partial = ~vis[:, torso].all(1)
    if partial.any():  # the all-pairs distance only where a torso point is missing (it costs 10x more)
        body = BODY_SHARE * _max_pair_distance(xy[partial], vis[partial])
        scale[partial] = np.maximum(scale[partial], body)
    return np.where(scale > _EPS, scale, 1.0)


#: The body's up direction from the first visible pair: hips -> shoulders, shoulders -> nose, hips -> nose,
#: knees -> hips, legs -> head and shoulders (COCO-13 index groups; each end is the mean of its visible points).
UP_PAIRS = (((7, 8), (1, 2)), ((1, 2), (0,)), ((7, 8), (0,)), ((9, 10), (7, 8)), ((9, 10, 11, 12), (0, 1, 2)))


#: Index in UP_PAIRS of shoulders -> nose, the pair used exactly when the hips are hidden.
HIPLESS_PAIR = 1


def snap_quarter_turn(up: np.ndarray) -> np.ndarray:
    """(N, 2) unit vectors -> the nearest of image up, right, down, left (ties to the vertical)."""
    vertical = np.abs(up[:, 1]) >= np.abs(up[:, 0])
    out = np.zeros_like(up)
    out[:, 1] = np.where(vertical, np.where(up[:, 1] > 0, 1.0, -1.0), 0.0)
    out[:, 0] = np.where(vertical, 0.0, np.where(up[:, 0] > 0, 1.0, -1.0))
    return out


def up_direction(xy: np.ndarray, vis: np.ndarray, snap_hipless: bool = False) -> np.ndarray:
    """(N, 2) unit vector of the body's up direction in the image, from the first UP_PAIRS pair with a
    visible point at both ends and some length; (0, -1), image up, where there is none. With
    `snap_hipless`, rows that use the shoulders -> nose pair (hips hidden) get the nearest quarter turn."""
    up = np.tile(np.array([0.0, -1.0]), (len(xy), 1))
    done = np.zeros(len(xy), bool)
    for k, (lower, upper) in enumerate(UP_PAIRS):
        low, n_low = _mean_of(xy, vis, list(lower))
        high, n_high = _mean_of(xy, vis, list(upper))
        vec = high - low
        length = np.linalg.norm(vec, axis=-1)
        use = ~done & (n_low > 0) & (n_high > 0) & (length > _EPS)
        up[use] = vec[use] / length[use, None]
        if snap_hipless and k == HIPLESS_PAIR:
            up[use] = snap_quarter_turn(up[use])
        done |= use
    return up


def turn_upright(xy: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Rotate points (N, J, 2) about the origin so each row's `up` (N, 2) unit vector becomes (0, -1)."""
    # as complex numbers, p -> p * (-i) * conj(u): u itself goes to -i, i.e. (0, -1); a rotation, never a mirror
    cos, sin = -up[:, 1], -up[:, 0]          # (-i) * conj(u) = -u_y - i u_x
    x, y = xy[..., 0], xy[..., 1]
    return np.stack([x * cos[:, None] - y * sin[:, None], x * sin[:, None] + y * cos[:, None]], axis=-1)


def normalize_masked(xy: np.ndarray, vis: np.ndarray, upright: bool = False,
                     snap_hipless: bool = False) -> np.ndarray:
    """Normalise COCO-13 points using only visible ones; masked points become 0; `upright` also turns the
    body's up direction to image up (up_direction, with `snap_hipless`).

    xy: (N, 13, 2) any unit; vis: (N, 13) bool. Returns (N, 13, 2) float32.
    """
    xy = np.nan_to_num(np.asarray(xy, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if xy.ndim != 3 or xy.shape[1:] != (13, 2):
        raise ValueError(f"keypoints must have shape (N, 13, 2), got {xy.shape}")
    centre = masked_centre(xy, vis)
    scale = masked_scale(xy, vis)
    out = (xy - centre[:, None, :]) / scale[:, None, None] * 0.5
    if upright:
        out = turn_upright(out, up_direction(xy, vis, snap_hipless))
    out = np.clip(out, -LIMIT, LIMIT)
    return np.where(vis[..., None], out, 0.0).astype(np.float32)


def network_input(xy: np.ndarray, vis: np.ndarray | None, use_visibility: bool, upright: bool = False,
                  snap_hipless: bool = False) -> np.ndarray:
    """The network's input rows: 26 normalised coordinates (turned upright when `upright`, hip-less poses
    only by quarter turns when also `snap_hipless`), plus the 13-entry mask when `use_visibility`.

    xy: (N, 13, 2); vis: (N, 13) bool or None (all visible). Returns (N, 26) or (N, 39) float32.
    """
    xy = np.asarray(xy)
    if xy.ndim != 3 or xy.shape[1:] != (13, 2):
        raise ValueError(f"keypoints must have shape (N, 13, 2), got {xy.shape}")
    if vis is None or not use_visibility:
        vis = np.isfinite(xy).all(-1) if use_visibility else np.ones(xy.shape[:2], dtype=bool)
    flat = normalize_masked(xy, vis, upright, snap_hipless).reshape(len(xy), 26)
    if not use_visibility:
        return flat
    return np.concatenate([flat, vis.astype(np.float32)], axis=1)
