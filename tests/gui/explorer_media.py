"""Generated inputs for the explorer-window tests: keypoint tracks, short videos and a tiny model.

Keypoint NPZ files go through the real import path (index_paths) without MediaPipe, so the GUI tests
get poses fast; real footage is only used by the end-to-end test.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

#: A standing COCO-13 figure in a 200 x 300 image (x right, y down).
BASE_POSE = np.array([
    [100, 40],                 # nose
    [80, 70], [120, 70],       # shoulders
    [70, 110], [130, 110],     # elbows
    [65, 150], [135, 150],     # wrists
    [88, 160], [112, 160],     # hips
    [86, 215], [114, 215],     # knees
    [85, 270], [115, 270],     # ankles
], dtype=np.float32)


def waving_track(n_frames: int, phase: float = 0.0, shift=(0.0, 0.0), scale: float = 1.0):
    """(n, 13, 2) poses raising and lowering the left arm, and (n, 13) scores (right ankle half visible)."""
    t = np.linspace(0, 2 * np.pi, n_frames, endpoint=False) + phase
    xy = np.repeat(BASE_POSE[None], n_frames, axis=0).copy()
    lift = (np.sin(t) + 1) / 2                     # 0 = arm down, 1 = arm up
    xy[:, 3, 1] = 110 - 60 * lift                  # left elbow
    xy[:, 5, 1] = 150 - 140 * lift                 # left wrist
    xy[:, 3, 0] = 70 - 10 * lift
    xy[:, 5, 0] = 65 - 15 * lift
    xy = (xy - 100) * scale + 100 + np.asarray(shift, np.float32)
    scores = np.full((n_frames, 13), 0.95, np.float32)
    scores[:, 12] = 0.2
    return xy.astype(np.float32), scores


def write_track(path: Path, n_frames: int = 30, **kw) -> Path:
    """A keypoint NPZ (the documented format of poseexplorer.io) with a waving figure."""
    from poseexplorer.io import KeypointTrack, write_keypoint_npz

    xy, scores = waving_track(n_frames, **kw)
    write_keypoint_npz(path, KeypointTrack(np.arange(n_frames, dtype=np.int64), xy, scores, fps=30.0,
                                           size=(200, 300), source="npz"))
    return path


def write_video(path: Path, n_frames: int = 20, size=(160, 120)) -> Path:
    """A short generated video (a moving bar): decodable, no person in it."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, size)
    for i in range(n_frames):
        frame = np.full((size[1], size[0], 3), 40, np.uint8)
        x = 10 + (i * 5) % (size[0] - 20)
        frame[20:100, x:x + 10] = (0, 200, 255)
        writer.write(frame)
    writer.release()
    return path


def cut_video(src: Path, dst: Path, n_frames: int, max_side: int = 640) -> Path:
    """The first n_frames of a real video, downscaled so its long side is at most max_side."""
    import cv2

    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    writer = None
    for _ in range(n_frames):
        ok, frame = cap.read()
        if not ok:
            break
        h, w = frame.shape[:2]
        f = min(1.0, max_side / max(h, w))
        frame = cv2.resize(frame, (int(w * f) // 2 * 2, int(h * f) // 2 * 2), interpolation=cv2.INTER_AREA)
        if writer is None:
            writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, frame.shape[1::-1])
        writer.write(frame)
    cap.release()
    if writer is not None:
        writer.release()
    return dst


def tiny_model(path: Path) -> Path:
    """A small randomly initialised Pr-VIPE model file (valid format; retrieval mechanics, not quality)."""
    import torch

    from poseexplorer.embed.modelfile import save_model
    from poseexplorer.embed.network import MatchingScale, NetworkSpec, PrVipeNet

    torch.manual_seed(0)
    net = PrVipeNet(NetworkSpec(width=32, blocks=1)).eval()
    save_model(path, net, MatchingScale(), {"name": "tiny-random-test"})
    return path


def tiny_lifter(path: Path) -> Path:
    """A small randomly initialised 3D-lifting model file (kind lift3d)."""
    import torch

    from poseexplorer.embed.modelfile import save_model
    from poseexplorer.embed.network import MatchingScale, NetworkSpec, PrVipeNet

    torch.manual_seed(1)
    net = PrVipeNet(NetworkSpec(kind="lift3d", width=32, blocks=1)).eval()
    save_model(path, net, MatchingScale(), {"name": "tiny-lifter-test"})
    return path


def damaged_model(src: Path, dst: Path) -> Path:
    """A copy of a model file whose header and matching scale are intact and whose first layer's weights
    are NaN (a diverged training run, a damaged download)."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    with safe_open(str(src), framework="pt") as f:
        meta = f.metadata()
    tensors = load_file(str(src))
    tensors["stem.0.weight"] = torch.full_like(tensors["stem.0.weight"], float("nan"))
    save_file(tensors, str(dst), metadata=meta)
    return dst
