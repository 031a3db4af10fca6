"""Synthetic 3D motion and its 2D keypoint tracks: a figure swinging arms and legs at unrelated rates."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.skeleton import H36M17_TO_COCO13

#: H36M-17 rest pose (metres, y up; the subject's left on +x, facing +z)
REST_POSE = np.array([[0, 1, 0], [0, 1.72, 0.02], [0, 1.6, 0.05], [0, 1.45, 0], [0.18, 1.45, 0], [-0.18, 1.45, 0],
                      [0.2, 1.18, 0], [-0.2, 1.18, 0], [0.22, 0.93, 0], [-0.22, 0.93, 0], [0, 1.22, 0],
                      [0.1, 0.95, 0], [-0.1, 0.95, 0], [0.1, 0.52, 0], [-0.1, 0.52, 0], [0.1, 0.08, 0],
                      [-0.1, 0.08, 0]], np.float32)
ARMS = ((4, 6, 8), (5, 7, 9))        # shoulder, elbow, wrist
LEGS = ((11, 13, 15), (12, 14, 16))  # hip, knee, ankle


def _swing(pose: np.ndarray, chain: tuple[int, int, int], angle: float, axis: str) -> None:
    """Rotate a limb (elbow and wrist, or knee and ankle) about its root joint, in place."""
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]]) if axis == "x" else np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    root = pose[chain[0]].copy()
    for j in chain[1:]:
        pose[j] = root + rot @ (pose[j] - root)


def motion_poses(frames: int = 240, seed: int = 0, fps: float = 30.0, times=None) -> np.ndarray:
    """(T, 17, 3) varied H36M-17 poses: arms and legs swinging at unrelated rates; `times` (s) overrides the
    even sampling (for re-timed copies)."""
    rng = np.random.default_rng(seed)
    rates = rng.uniform(0.3, 1.5, size=6)
    times = np.arange(frames) / fps if times is None else np.asarray(times)
    poses = np.repeat(REST_POSE[None], len(times), axis=0).copy()
    for t, when in enumerate(times):
        a = 2 * np.pi * rates * when
        _swing(poses[t], ARMS[0], 1.2 * np.sin(a[0]) + 0.8, "z")
        _swing(poses[t], ARMS[1], -1.2 * np.sin(a[1]) - 0.8, "z")
        _swing(poses[t], ARMS[0], 0.9 * np.sin(a[2]), "x")
        _swing(poses[t], LEGS[0], 0.6 * np.sin(a[3]), "x")
        _swing(poses[t], LEGS[1], 0.6 * np.sin(a[4]), "x")
        _swing(poses[t], ARMS[1], 0.9 * np.sin(a[5]), "x")
    return poses


def motion_npz(path: Path, frames: int = 240, seed: int = 0) -> Path:
    """A plain mocap NPZ of varied 3D poses (joints (T, 17, 3) in metres, y up), e.g. for a tiny training."""
    np.savez(path, joints=motion_poses(frames, seed), fps=30.0, units="m", up="y")
    return path


def project_to_image(joints: np.ndarray, size: tuple[int, int], yaw: float = 0.0) -> np.ndarray:
    """Orthographic COCO-13 image keypoints of H36M-17 poses seen from `yaw` radians about the vertical.

    joints: (T, 17, 3) metres, y up -> (T, 13, 2) float32 pixels (x right, y down) filling a (w, h) canvas.
    """
    c, s = np.cos(yaw), np.sin(yaw)
    coco = np.asarray(joints, np.float64)[:, H36M17_TO_COCO13]
    x = c * coco[..., 0] + s * coco[..., 2]
    xy = np.stack([x, -coco[..., 1]], axis=-1) * size[1] / 2.2 + [size[0] / 2, size[1] * 0.9]
    return xy.astype(np.float32)


def keypoint_track(path: Path, times: np.ndarray, fps: float, size: tuple[int, int] = (400, 600),
                   yaw: float = 0.0, seed: int = 5) -> Path:
    """A keypoint NPZ (poseexplorer.io's documented format) of the motion at `times` (s), at `fps`."""
    from ..io import KeypointTrack, write_keypoint_npz

    xy = project_to_image(motion_poses(seed=seed, times=times), size, yaw)
    n = len(times)
    write_keypoint_npz(path, KeypointTrack(np.arange(n), xy, np.ones((n, 13), np.float32), float(fps), size, "test"))
    return Path(path)


def warp(u: np.ndarray, start: float, rate: float, wobble: float, period: float) -> np.ndarray:
    """Action time shown at video time u: start + rate * u + wobble * sin(2 pi u / period) (monotone when
    rate > 2 pi wobble / period)."""
    return start + rate * u + wobble * np.sin(2 * np.pi * u / period)
