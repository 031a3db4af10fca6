"""Who is who on the Pose2Sim multi-person views (shared/data/media/pose2sim_multiperson_4views), read
from the pixels rather than from the tracker, so tracks can be judged against it.

The man is bare-chested (skin: saturated, orange-red hue), the woman wears a grey top (unsaturated); the
bystander is small in the background. A person's label is read from the median colour inside the torso
(convex hull of shoulders and hips) of the frame, so it does not depend on the detector's tracks.

    labels = label_people(video, frame_index, xy)      # (N,) MAN / WOMAN / OTHER per person row
    both_found(frame_index, labels, n_frames)          # share of frames holding both main people
    identity_switches(frame_index, track, labels)      # times a main person changes track
"""
from __future__ import annotations

import numpy as np

MAN, WOMAN, OTHER = "man", "woman", "other"
#: COCO-13 indices of the shoulders and hips.
TORSO = [1, 2, 8, 7]


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 RGB -> (..., 3) float64 HSV on OpenCV's 8-bit scale (H in [0, 180), S and V in [0, 255])."""
    c = np.asarray(rgb, np.float64)
    v, lo = c.max(-1), c.min(-1)
    diff = v - lo
    s = np.where(v > 0, diff / np.where(v > 0, v, 1) * 255.0, 0.0)
    d = np.where(diff > 0, diff, 1)
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    h = np.where(v == r, 60 * (g - b) / d, np.where(v == g, 120 + 60 * (b - r) / d, 240 + 60 * (r - g) / d))
    h = np.where(diff > 0, np.mod(h, 360), 0.0)
    return np.stack([h / 2, s, v], -1)


def torso_pixels(rgb: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """rgb (H, W, 3) uint8, xy (13, 2) px -> (K, 3) uint8 pixels inside the hull of shoulders and hips
    (none when one of them is unknown or the four are degenerate)."""
    from scipy.spatial import Delaunay, QhullError

    quad = np.asarray(xy, np.float64)[TORSO]
    if not np.isfinite(quad).all():
        return np.zeros((0, 3), np.uint8)
    h, w = rgb.shape[:2]
    x0, y0 = np.clip(np.floor(quad.min(0)).astype(int), 0, [w, h])
    x1, y1 = np.clip(np.ceil(quad.max(0)).astype(int) + 1, 0, [w, h])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros((0, 3), np.uint8)
    try:
        hull = Delaunay(quad)
    except QhullError:
        return np.zeros((0, 3), np.uint8)
    gy, gx = np.mgrid[y0:y1, x0:x1]
    inside = hull.find_simplex(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float64)) >= 0
    return rgb[y0:y1, x0:x1].reshape(-1, 3)[inside]


def torso_label(rgb: np.ndarray, xy: np.ndarray) -> str:
    """rgb (H, W, 3) uint8, xy (13, 2) COCO-13 px -> MAN, WOMAN or OTHER (small or unreadable torso)."""
    height = rgb.shape[0]
    body = np.asarray(xy)[np.isfinite(xy).all(1)]
    if len(body) < 4 or np.ptp(body[:, 1]) < 0.2 * height:
        return OTHER
    pixels = torso_pixels(rgb, xy)
    if len(pixels) < 500:
        return OTHER
    hsv = rgb_to_hsv(pixels)
    hue, sat = np.median(hsv[:, 0]), np.median(hsv[:, 1])
    if sat >= 40 and hue <= 30:
        return MAN
    return WOMAN if sat < 30 else OTHER


def label_people(video, frame_index: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """(N,) labels of the person rows (frame_index (N,), xy (N, 13, 2) px) of one video."""
    from ..io import open_media

    frame_index = np.asarray(frame_index)
    out = np.full(len(frame_index), OTHER, dtype=object)
    with open_media(video) as reader:
        for f, rgb in reader.iter_frames(0, None):
            for k in np.flatnonzero(frame_index == f):
                out[k] = torso_label(rgb, xy[k])
    return out


def both_found(frame_index: np.ndarray, labels: np.ndarray, n_frames: int) -> float:
    """Share of the n_frames frames holding both a MAN and a WOMAN row."""
    man = set(np.asarray(frame_index)[labels == MAN].tolist())
    woman = set(np.asarray(frame_index)[labels == WOMAN].tolist())
    return len(man & woman) / n_frames


def identity_switches(frame_index: np.ndarray, track: np.ndarray, labels: np.ndarray) -> int:
    """How often the man (then the woman) is carried by no track that carried them in the previous frame
    they were seen in, summed over both (two rows of the same person in one frame are no switch)."""
    frame_index, track = np.asarray(frame_index), np.asarray(track)
    switches = 0
    for who in (MAN, WOMAN):
        frames = sorted(set(frame_index[labels == who].tolist()))
        sets = [set(track[(labels == who) & (frame_index == f)].tolist()) for f in frames]
        switches += sum(not (a & b) for a, b in zip(sets, sets[1:]))
    return switches


def main_track(frame_index: np.ndarray, track: np.ndarray, labels: np.ndarray, who: str) -> int:
    """The track carrying `who` in most frames (-1 when nobody carries them)."""
    rows = (labels == who) & (np.asarray(track) >= 0)
    if not rows.any():
        return -1
    ids, counts = np.unique(np.asarray(track)[rows], return_counts=True)
    return int(ids[np.argmax(counts)])
