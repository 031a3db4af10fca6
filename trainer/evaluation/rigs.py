"""Two evaluation camera rigs with real pinhole cameras in metres, and projection of mocap through them.

- "chest": 4 cameras at chest height in the corners of a ~6 m room, like Human3.6M.
- "all": 11 cameras at mixed heights (knee to ceiling) and pitches, some rolled, like MPI-INF-3DHP.

The subject is placed at the rig's centre frame by frame (the pelvis is moved to x = z = 0, the floor
to y = 0), keeping its heading, so every camera sees the whole body and the view angle follows the
subject's own turning, as with fixed cameras and a subject who stays near the middle of the room.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poseexplorer.core.camera import PinholeCamera, look_at
from poseexplorer.core.skeleton import H36M17_PELVIS, H36M17_TO_COCO13

ANKLES = (15, 16)


@dataclass(frozen=True)
class Rig:
    """A named set of calibrated cameras. cameras: C PinholeCamera in metres, world y up."""

    name: str
    cameras: tuple[PinholeCamera, ...]

    def __post_init__(self) -> None:
        if len(self.cameras) < 2:
            raise ValueError(f"rig {self.name!r} needs at least 2 cameras, got {len(self.cameras)}")

    def __len__(self) -> int:
        return len(self.cameras)


def _camera(eye, target, focal: float, size: tuple[int, int], roll_deg: float = 0.0) -> PinholeCamera:
    rot = look_at(eye, target, roll_deg=roll_deg)
    return PinholeCamera(rotation=rot, position=np.asarray(eye, dtype=np.float64), focal=focal,
                         centre=(size[0] / 2.0, size[1] / 2.0), size=size)


def chest_rig() -> Rig:
    """4 cameras 1.5 m high, 4.5 m from the centre at the room's corners, aimed at the chest (H36M-like)."""
    size, focal = (1000, 1000), 1145.0
    cams = []
    for az in (45.0, 135.0, 225.0, 315.0):
        a = np.deg2rad(az)
        eye = (4.5 * np.sin(a), 1.5, 4.5 * np.cos(a))
        cams.append(_camera(eye, (0.0, 1.0, 0.0), focal, size))
    return Rig("chest", tuple(cams))


#: (azimuth deg, height m, distance m, roll deg) of the 11 "all" cameras (3DHP-like mix).
ALL_LAYOUT: tuple[tuple[float, float, float, float], ...] = (
    (0.0, 1.2, 4.0, 0.0), (60.0, 1.3, 4.2, 0.0), (120.0, 1.1, 4.0, 0.0),   # chest height
    (180.0, 0.3, 3.5, 0.0), (240.0, 0.4, 3.8, 12.0),                      # low, looking up
    (300.0, 2.4, 3.5, -15.0), (30.0, 2.6, 3.0, 0.0), (150.0, 2.5, 3.2, 20.0),  # high, looking down
    (210.0, 3.2, 2.5, 0.0),                                               # near the ceiling, steep
    (90.0, 1.8, 5.0, -25.0), (270.0, 0.9, 4.5, 8.0),                      # rolled, mid height
)


def all_rig() -> Rig:
    """11 cameras at knee to ceiling height, 2.5-5 m away, 5 of them rolled by 8-25 deg (3DHP-like)."""
    size, focal = (2048, 2048), 1500.0
    cams = []
    for az, height, dist, roll in ALL_LAYOUT:
        a = np.deg2rad(az)
        eye = (dist * np.sin(a), height, dist * np.cos(a))
        cams.append(_camera(eye, (0.0, 0.9, 0.0), focal, size, roll_deg=roll))
    return Rig("all", tuple(cams))


RIGS = {"chest": chest_rig, "all": all_rig}


def centre_subject(xyz: np.ndarray) -> np.ndarray:
    """Move each frame's pelvis to x = z = 0 and the lowest ankle of the whole set to y = 0.

    xyz: (N, 17, 3) H36M-17 metres, y up. Returns (N, 17, 3) float64.
    """
    xyz = np.array(xyz, dtype=np.float64, copy=True)
    pelvis = xyz[:, H36M17_PELVIS]
    xyz[..., 0] -= pelvis[:, None, 0]
    xyz[..., 2] -= pelvis[:, None, 2]
    floor = np.percentile(xyz[:, list(ANKLES), 1], 1) if len(xyz) else 0.0
    xyz[..., 1] -= floor
    return xyz


def project_rig(rig: Rig, xyz: np.ndarray) -> np.ndarray:
    """Project H36M-17 poses (N, 17, 3) metres through every camera -> COCO-13 pixels (C, N, 13, 2)."""
    centred = centre_subject(xyz)[:, H36M17_TO_COCO13]
    return np.stack([cam.project(centred) for cam in rig.cameras]).astype(np.float32)
