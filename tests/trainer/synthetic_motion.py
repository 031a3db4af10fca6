"""Procedural H36M-17 motion for evaluation tests: a stick figure swinging its limbs, turning and leaning.

Each action is a set of limb swing amplitudes, frequencies and phases; clips of one action share them
up to small per-clip changes, so nearest-neighbour action recognition is meaningful. Metres, y up,
the subject faces +z at heading 0 (its left side at +x).
"""
from __future__ import annotations

import numpy as np

from trainer.dataset import PoseDataset

#: A standing pose, H36M-17 order.
REST = np.array([
    [0.0, 1.00, 0.0], [0.0, 1.70, 0.03], [0.0, 1.60, 0.02], [0.0, 1.45, 0.0],
    [0.18, 1.45, 0.0], [-0.18, 1.45, 0.0], [0.22, 1.18, 0.0], [-0.22, 1.18, 0.0],
    [0.24, 0.93, 0.0], [-0.24, 0.93, 0.0], [0.0, 1.22, 0.0], [0.10, 1.00, 0.0], [-0.10, 1.00, 0.0],
    [0.11, 0.55, 0.0], [-0.11, 0.55, 0.0], [0.11, 0.10, 0.0], [-0.11, 0.10, 0.0]], dtype=np.float64)

#: (root joint, moved joints) of each swinging segment, parents before children.
SEGMENTS = (
    (4, (6, 8)), (6, (8,)), (5, (7, 9)), (7, (9,)),
    (11, (13, 15)), (13, (15,)), (12, (14, 16)), (14, (16,)),
)


def _rot(ax: np.ndarray, az: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations: about x by ax (swing forward/back), then about z by az (sideways)."""
    cx, sx, cz, sz = np.cos(ax), np.sin(ax), np.cos(az), np.sin(az)
    o, z = np.ones_like(ax), np.zeros_like(ax)
    rx = np.stack([o, z, z, z, cx, -sx, z, sx, cx], -1).reshape(-1, 3, 3)
    rz = np.stack([cz, -sz, z, sz, cz, z, z, z, o], -1).reshape(-1, 3, 3)
    return rz @ rx


def action_params(n_actions: int, seed: int) -> np.ndarray:
    """(n_actions, 8 segments, 2 axes, 3) amplitude (rad), frequency (Hz), phase per segment and axis."""
    rng = np.random.default_rng(seed)
    amp = rng.uniform(0.0, 1.4, (n_actions, 8, 2)) * np.array([1.0, 0.5])
    freq = rng.uniform(0.3, 1.2, (n_actions, 8, 2))
    phase = rng.uniform(0, 2 * np.pi, (n_actions, 8, 2))
    return np.stack([amp, freq, phase], -1)


def clip_motion(params: np.ndarray, frames: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """(frames, 17, 3) metres for one clip of an action (params: (8, 2, 3)), slightly varied."""
    t = np.arange(frames) / fps
    p = params * (1.0 + rng.normal(0, 0.05, params.shape))
    pose = np.repeat(REST[None], frames, 0) * rng.uniform(0.9, 1.1)
    for s, (root, moved) in enumerate(SEGMENTS):
        ax = p[s, 0, 0] * np.sin(2 * np.pi * p[s, 0, 1] * t + p[s, 0, 2])
        az = p[s, 1, 0] * np.sin(2 * np.pi * p[s, 1, 1] * t + p[s, 1, 2])
        r = _rot(ax, az)
        rel = pose[:, list(moved)] - pose[:, root:root + 1]
        pose[:, list(moved)] = pose[:, root:root + 1] + np.einsum("tij,tkj->tki", r, rel)
    heading = rng.uniform(0, 2 * np.pi) + rng.uniform(-1.0, 1.0) * t
    c, s = np.cos(heading), np.sin(heading)
    o, z = np.ones_like(c), np.zeros_like(c)
    ry = np.stack([c, z, s, z, o, z, -s, z, c], -1).reshape(-1, 3, 3)
    return np.einsum("tij,tkj->tki", ry, pose).astype(np.float32)


def synthetic_dataset(subjects: list[str], clips_per_action: int, n_actions: int = 3, frames: int = 60,
                      fps: float = 30.0, seed: int = 0) -> PoseDataset:
    """A PoseDataset of procedural clips: every subject performs every action clips_per_action times."""
    params = action_params(n_actions, seed=1234)  # actions are the same for every dataset
    rng = np.random.default_rng(seed)
    poses, clip, frame, names, actions, subj = [], [], [], [], [], []
    for subject in subjects:
        for a in range(n_actions):
            for k in range(clips_per_action):
                c = len(names)
                poses.append(clip_motion(params[a], frames, fps, rng))
                clip.append(np.full(frames, c))
                frame.append(np.arange(frames))
                names.append(f"{subject}_act{a}_{k}")
                actions.append(f"act{a}")
                subj.append(subject)
    counts = [len(p) for p in poses]
    return PoseDataset(np.concatenate(poses), np.repeat(subj, counts), np.concatenate(clip),
                       np.concatenate(frame), np.array(names), np.array(actions), np.array(subj), fps)
