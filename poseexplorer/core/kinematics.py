"""2D kinematics of COCO-13 poses over time: joint angles in one convention, keypoint speeds, a CSV table.

Convention (fixed, stated in every export): angles in degrees from image coordinates (x right, y down).
- Flexion angles (elbow, knee, hip) are 180 minus the angle between the two segments at the joint, in
  [0, 180]: 0 is a straight limb (or a thigh in line with the trunk), 90 a right angle. They are unsigned,
  so they never jump between 90 and 270 when a limb passes the other side of the body or the view turns.
- Shoulder: the angle between the upper arm and the trunk (shoulder to hip), in [0, 180]: 0 is the arm
  along the body, 90 raised level with the shoulder, 180 straight up.
- Trunk lean: the angle of the trunk (mid-hip to mid-shoulder) from the image's upward vertical, in
  (-180, 180]: positive leans to the image's right, negative to its left.
A value is NaN where a keypoint it needs is missing or below the visibility threshold.
Speeds are in pixels per second of video, by central differences (one-sided at the ends and next to gaps).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .skeleton import COCO13_NAMES

#: the flexion and shoulder angles: name -> (first end, joint, second end), COCO-13 indices
JOINT_ANGLES: dict[str, tuple[int, int, int]] = {
    "left_elbow": (1, 3, 5), "right_elbow": (2, 4, 6),
    "left_shoulder": (7, 1, 3), "right_shoulder": (8, 2, 4),
    "left_hip": (1, 7, 9), "right_hip": (2, 8, 10),
    "left_knee": (7, 9, 11), "right_knee": (8, 10, 12),
}
#: angles measured as 180 minus the angle between the segments (0 = straight)
FLEXION = ("left_elbow", "right_elbow", "left_hip", "right_hip", "left_knee", "right_knee")
TRUNK_LEAN = "trunk_lean"
ANGLE_NAMES: tuple[str, ...] = tuple(JOINT_ANGLES) + (TRUNK_LEAN,)
CONVENTION = ("angles in degrees from image coordinates; elbow, hip, knee: flexion, 0 = straight, in [0, 180]; "
              "shoulder: arm to trunk, 0 = along the body, in [0, 180]; trunk_lean: trunk from the upward "
              "vertical, positive to the image's right, in (-180, 180]; speeds in pixels per second; "
              "frames numbered from 0")


def _masked(xy: np.ndarray, scores: np.ndarray | None, min_score: float) -> np.ndarray:
    """(T, 13, 2) float64 with NaN where a keypoint is missing or below min_score."""
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 3 or xy.shape[1:] != (len(COCO13_NAMES), 2):
        raise ValueError(f"kinematics needs (T, 13, 2) keypoints, got {xy.shape}")
    if scores is None:
        return xy.copy()
    scores = np.asarray(scores)
    if scores.shape != xy.shape[:2]:
        raise ValueError(f"scores must be (T, 13) like the keypoints {xy.shape[:2]}, got {scores.shape}")
    return np.where((scores >= min_score)[..., None], xy, np.nan)


def angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(...,) unsigned angle in degrees in [0, 180] between 2D vectors u and v (...,2); NaN if one is zero."""
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = (u * v).sum(-1)
    out = np.degrees(np.arctan2(np.abs(cross), dot))
    zero = (np.hypot(*np.moveaxis(u, -1, 0)) == 0) | (np.hypot(*np.moveaxis(v, -1, 0)) == 0)
    return np.where(zero, np.nan, out)


def joint_angles(xy: np.ndarray, scores: np.ndarray | None = None, min_score: float = 0.5) -> dict[str, np.ndarray]:
    """Each angle of ANGLE_NAMES as a (T,) float64 series in degrees (the module's convention).

    xy: (T, 13, 2) COCO-13 image coordinates, NaN where unknown; scores: (T, 13) visibilities or None."""
    p = _masked(xy, scores, min_score)
    out: dict[str, np.ndarray] = {}
    for name, (a, j, b) in JOINT_ANGLES.items():
        between = angle_between(p[:, a] - p[:, j], p[:, b] - p[:, j])
        out[name] = 180.0 - between if name in FLEXION else between
    trunk = (p[:, 1] + p[:, 2]) / 2 - (p[:, 7] + p[:, 8]) / 2      # mid-hip to mid-shoulder
    lean = np.degrees(np.arctan2(trunk[:, 0], -trunk[:, 1]))       # from up (y down in images)
    out[TRUNK_LEAN] = np.where(lean == -180.0, 180.0, lean)
    return out


def keypoint_speed(xy: np.ndarray, fps: float, scores: np.ndarray | None = None,
                   min_score: float = 0.5) -> np.ndarray:
    """(T, 13) speed of each keypoint in pixels per second: central differences inside a run of known
    positions, one-sided at its ends; NaN for a keypoint known in a single frame only."""
    if not fps > 0:
        raise ValueError(f"keypoint_speed needs fps > 0, got {fps}")
    p = _masked(xy, scores, min_score)
    known = np.isfinite(p).all(-1)                                   # (T, 13)
    prev = np.full_like(p, np.nan)
    nxt = np.full_like(p, np.nan)
    prev[1:], nxt[:-1] = p[:-1], p[1:]
    has_prev = np.zeros_like(known)
    has_next = np.zeros_like(known)
    has_prev[1:], has_next[:-1] = known[:-1] & known[1:], known[1:] & known[:-1]
    central = (nxt - prev) / 2
    forward, backward = nxt - p, p - prev
    velocity = np.where((has_prev & has_next)[..., None], central,
                        np.where(has_next[..., None], forward, np.where(has_prev[..., None], backward, np.nan)))
    return np.hypot(velocity[..., 0], velocity[..., 1]) * fps


def frame_series(frames: np.ndarray, values: np.ndarray, n_frames: int) -> np.ndarray:
    """Values given for some frames of a media laid out on all its frames: (n_frames, ...) float64, NaN
    where a frame has none (the first value of a frame wins when it has several)."""
    frames = np.asarray(frames, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if len(frames) != len(values):
        raise ValueError(f"frame_series needs one value per frame, got {len(frames)} frames, {len(values)} values")
    out = np.full((int(n_frames),) + values.shape[1:], np.nan)
    keep = (frames >= 0) & (frames < n_frames)
    _, first = np.unique(frames[keep], return_index=True)
    rows = np.flatnonzero(keep)[first]
    out[frames[rows]] = values[rows]
    return out


def kinematics_table(xy: np.ndarray, fps: float, scores: np.ndarray | None = None,
                     min_score: float = 0.5) -> tuple[list[str], np.ndarray]:
    """Column names and a (T, 1 + 9 + 13) array: frame, each angle, each keypoint's speed."""
    angles = joint_angles(xy, scores, min_score)
    speed = keypoint_speed(xy, fps, scores, min_score)
    names = (["frame"] + [f"{n}_deg" for n in ANGLE_NAMES] + [f"{n}_speed_px_s" for n in COCO13_NAMES])
    table = np.column_stack([np.arange(len(speed))] + [angles[n] for n in ANGLE_NAMES] + [speed])
    return names, table


def write_kinematics_csv(path: str | Path, names: list[str], table: np.ndarray, source: str = "") -> None:
    """A CSV with a '#' header stating the source and the convention, empty cells where unknown
    (written all or nothing)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        if source:
            f.write(f"# {source}\n")
        f.write(f"# {CONVENTION}\n")
        f.write(",".join(names) + "\n")
        for row in table:
            cells = [str(int(row[0]))] + ["" if not np.isfinite(v) else f"{v:.3f}" for v in row[1:]]
            f.write(",".join(cells) + "\n")


def synced_table(names: list[str], videos: list[str], tables: list[np.ndarray],
                 paired: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Several videos' kinematics tables on the reference timeline.

    names: the columns of each table (kinematics_table's, 'frame' first); tables: per video (T_i, C);
    paired: (n_ref, V) each video's frame shown with each reference frame (align.playback.paired_frames).
    Returns 'reference_frame' then, per video, its columns prefixed 'video:'; (n_ref, 1 + V * C)."""
    paired = np.asarray(paired, dtype=np.int64)
    if paired.ndim != 2 or paired.shape[1] != len(tables) or len(videos) != len(tables):
        raise ValueError(f"synced_table needs paired (n_ref, {len(tables)}) and one name per table, "
                         f"got {paired.shape} and {len(videos)} names")
    columns = ["reference_frame"] + [f"{v}:{n}" for v in videos for n in names]
    parts = [np.arange(len(paired))[:, None]] + [np.asarray(t)[paired[:, i]] for i, t in enumerate(tables)]
    return columns, np.hstack(parts).astype(np.float64)
