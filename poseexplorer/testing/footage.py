"""Real footage re-timed with a known warp (needs ../shared/data): two Pose2Sim camera views, B re-timed."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .motion import warp

#: source seconds shown at B's time u: (start, rate, wobble, period)
REAL_WARP = (0.12, 0.8, 0.04, 1.1)
REAL_FPS_B = 30.0


def retimed_views(views: Path, out_dir: Path, cam_b: str = "cam02") -> tuple[Path, Path, np.ndarray]:
    """From the Pose2Sim demo folder `views` (shared/data/media/pose2sim_4views): cam01 as it is (60 fps, scaled down); `cam_b` re-timed by REAL_WARP, dropping/duplicating frames (30 fps,
    another size). Returns (path A, path B, source frame (60 fps) shown in each B frame)."""
    import cv2

    from ..io import open_media

    root = Path(views)
    out_dir = Path(out_dir)
    with open_media(root / "cam01.mp4") as a, open_media(root / f"{cam_b}.mp4") as b:
        n_src = min(len(a), len(b))
        n_b = int(((n_src - 1) / a.fps - REAL_WARP[0] - REAL_WARP[2]) / REAL_WARP[1] * REAL_FPS_B)
        source = np.rint(warp(np.arange(n_b) / REAL_FPS_B, *REAL_WARP) * b.fps).astype(int)
        out_a, out_b = out_dir / "cam01_small.avi", out_dir / f"{cam_b}_warped.avi"
        wa = cv2.VideoWriter(str(out_a), cv2.VideoWriter_fourcc(*"MJPG"), a.fps, (270, 480))
        for i in range(n_src):
            wa.write(cv2.cvtColor(cv2.resize(a.read(i), (270, 480), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2BGR))
        wa.release()
        wb = cv2.VideoWriter(str(out_b), cv2.VideoWriter_fourcc(*"MJPG"), REAL_FPS_B, (360, 640))
        for s in source:
            wb.write(cv2.cvtColor(cv2.resize(b.read(int(s)), (360, 640), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2BGR))
        wb.release()
    return out_a, out_b, source
