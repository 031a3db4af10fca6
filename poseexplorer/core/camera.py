"""Pinhole cameras and the random camera augmentation of prvipe-method.md section 7.

Conventions (all right-handed, all rotations proper):
- world: y up; a subject facing +z has its left side at +x.
- camera: X right, Y down, Z forward (OpenCV). Image u grows to the right, v grows downwards.
The canonical camera sits at (0, 0, +depth) looking towards -z, so world +x appears on the image's
right: a front-facing subject's left wrist is drawn on the right half of the image, as a real camera
would show it (no mirror).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .normalize import normalize_2d, normalize_3d
from .skeleton import H36M17_TO_COCO13

#: World -> canonical camera rotation (x stays, y and z flip: det = +1).
CANONICAL_ROTATION = np.diag([1.0, -1.0, -1.0])


def rotation_x(angle: np.ndarray) -> np.ndarray:
    """Rotations about x. angle: (...,) radians -> (..., 3, 3)."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([o, z, z, z, c, -s, z, s, c], -1).reshape(*np.shape(angle), 3, 3)


def rotation_y(angle: np.ndarray) -> np.ndarray:
    """Rotations about y (the vertical axis). angle: (...,) radians -> (..., 3, 3)."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([c, z, s, z, o, z, -s, z, c], -1).reshape(*np.shape(angle), 3, 3)


def rotation_z(angle: np.ndarray) -> np.ndarray:
    """Rotations about z. angle: (...,) radians -> (..., 3, 3)."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([c, -s, z, s, c, z, z, z, o], -1).reshape(*np.shape(angle), 3, 3)


def view_rotation(azimuth: np.ndarray, elevation: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """World -> camera rotation for a camera orbiting the origin. Angles (...,) in radians.

    Azimuth turns the camera about the vertical axis, elevation raises it (positive looks down at
    the subject), roll turns the image about the optical axis. Returns (..., 3, 3), det = +1.
    """
    orbit = rotation_x(np.asarray(elevation)) @ rotation_y(-np.asarray(azimuth))
    return rotation_z(np.asarray(roll)) @ CANONICAL_ROTATION @ orbit


def project_perspective(points_cam: np.ndarray, focal: float = 1.0) -> np.ndarray:
    """Pinhole projection of camera-frame points. points_cam: (..., J, 3) with Z > 0 -> (..., J, 2)."""
    z = np.maximum(points_cam[..., 2:3], 1e-6)
    return focal * points_cam[..., :2] / z


@dataclass(frozen=True)
class CameraRanges:
    """Ranges of the random camera in degrees and the camera distance in normalised units."""

    azimuth: tuple[float, float] = (-180.0, 180.0)
    elevation: tuple[float, float] = (-30.0, 30.0)
    roll: tuple[float, float] = (-30.0, 30.0)
    depth: float = 2.0


def random_views(n: int, rng: np.random.Generator, ranges: CameraRanges = CameraRanges()) -> np.ndarray:
    """n random world -> camera rotations drawn uniformly from the ranges. Returns (n, 3, 3)."""
    deg = np.pi / 180.0
    az = rng.uniform(*ranges.azimuth, size=n) * deg
    el = rng.uniform(*ranges.elevation, size=n) * deg
    ro = rng.uniform(*ranges.roll, size=n) * deg
    return view_rotation(az, el, ro)


def project_normalised_3d(xyz_norm: np.ndarray, rotation: np.ndarray, depth: float = 2.0) -> np.ndarray:
    """Project normalised H36M-17 poses through cameras looking at the pelvis from `depth`.

    xyz_norm: (N, 17, 3) pelvis-centred; rotation: (N, 3, 3) world -> camera.
    Returns the COCO-13 image points (N, 13, 2), not yet 2D-normalised.
    """
    cam = np.einsum("nij,nkj->nki", rotation, xyz_norm)
    cam[..., 2] += depth
    return project_perspective(cam[:, H36M17_TO_COCO13])


def random_camera_2d(xyz: np.ndarray, rng: np.random.Generator,
                     ranges: CameraRanges = CameraRanges()) -> np.ndarray:
    """The full augmentation: normalise 3D, project through a random camera, normalise 2D.

    xyz: (N, 17, 3) H36M-17 poses (any unit, y up). Returns (N, 13, 2) normalised 2D poses, float32.
    """
    norm = normalize_3d(xyz).astype(np.float64)
    rot = random_views(len(norm), rng, ranges)
    return normalize_2d(project_normalised_3d(norm, rot, ranges.depth))


@dataclass(frozen=True)
class PinholeCamera:
    """A calibrated camera in metres. rotation: (3, 3) world -> camera; position: (3,) in world;
    focal: pixels; centre: (2,) principal point in pixels; size: (width, height) pixels."""

    rotation: np.ndarray
    position: np.ndarray
    focal: float
    centre: tuple[float, float]
    size: tuple[int, int]

    def __post_init__(self) -> None:
        if np.shape(self.rotation) != (3, 3):
            raise ValueError(f"rotation must be (3, 3), got {np.shape(self.rotation)}")
        if np.shape(self.position) != (3,):
            raise ValueError(f"position must be (3,), got {np.shape(self.position)}")

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) -> camera-frame points (..., 3)."""
        return (np.asarray(points, dtype=np.float64) - self.position) @ np.asarray(self.rotation).T

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) -> pixel coordinates (..., 2), u right, v down."""
        uv = project_perspective(self.to_camera(points), self.focal)
        return uv + np.asarray(self.centre)


def look_at(eye, target, up=(0.0, 1.0, 0.0), roll_deg: float = 0.0) -> np.ndarray:
    """World -> camera rotation (3, 3) for a camera at `eye` looking at `target`, optionally rolled."""
    eye, target, up = (np.asarray(v, dtype=np.float64) for v in (eye, target, up))
    forward = target - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    if np.linalg.norm(right) < 1e-9:
        raise ValueError("look_at: the view direction is parallel to 'up'")
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    rot = np.stack([right, down, forward])
    return rotation_z(np.asarray(np.deg2rad(roll_deg))) @ rot
