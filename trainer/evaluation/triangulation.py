"""Multi-view triangulation of 2D keypoints (numpy only): calibrated cameras, confidence-weighted DLT.

    cams = read_qualisys(Path("../shared/data/media/pose2sim_4views/Calib.qca.txt"))   # list[CalibratedCamera]
    tri = triangulate(cams, xy, scores)     # xy (V, N, J, 2) pixels, scores (V, N, J) -> Triangulation

Each joint is the least-squares solution of the DLT system (two rows per view, u P3 - P1 and v P3 - P2,
each row scaled by that view's keypoint score, so a doubtful detection pulls less). A joint that is seen
by fewer than `min_views` views with a score of at least `min_score`, lands behind a camera, or whose
mean reprojection error exceeds `max_error` pixels is dropped (NaN).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class CalibratedCamera:
    """rotation: (3, 3) world -> camera (x right, y down, z forward); translation: (3,) metres, so that
    x_cam = rotation @ x_world + translation; intrinsics: (3, 3) pixels; distortion: (4,) k1, k2, p1, p2
    (OpenCV's model, on normalised coordinates)."""

    name: str
    rotation: np.ndarray
    translation: np.ndarray
    intrinsics: np.ndarray
    distortion: np.ndarray

    def __post_init__(self) -> None:
        for field, shape in (("rotation", (3, 3)), ("translation", (3,)), ("intrinsics", (3, 3)),
                             ("distortion", (4,))):
            if np.shape(getattr(self, field)) != shape:
                raise ValueError(f"CalibratedCamera.{field} must be {shape}, got {np.shape(getattr(self, field))}")

    @property
    def projection(self) -> np.ndarray:
        """(3, 4) K [R | t] for undistorted pixels."""
        return self.intrinsics @ np.hstack([self.rotation, self.translation[:, None]])

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) -> undistorted pixels (..., 2)."""
        cam = np.asarray(points, np.float64) @ self.rotation.T + self.translation
        uvw = cam @ self.intrinsics.T
        return uvw[..., :2] / uvw[..., 2:3]

    def depth(self, points: np.ndarray) -> np.ndarray:
        """Camera-frame z of world points (..., 3) -> (...,)."""
        return np.asarray(points, np.float64) @ self.rotation[2] + self.translation[2]


def read_qualisys(path: Path) -> list[CalibratedCamera]:
    """Cameras of a Qualisys `.qca.txt` calibration (as Pose2Sim reads it).

    The transform holds the camera's position (mm) and a rotation whose transpose maps world to a camera
    frame with y up and z backwards; turning that frame by 180 degrees about x gives x right, y down,
    z forward. Intrinsics are stored in 1/64 pixel units on the sensor (fov_video is the image window).
    """
    root = ET.parse(path).getroot()
    flip = np.diag([1.0, -1.0, -1.0])
    cams = []
    for cam in root.iter("camera"):
        tr, intr, fov = cam.find("transform"), cam.find("intrinsic"), cam.find("fov_video")
        m = np.array([[float(tr.get(f"r{i}{j}")) for j in (1, 2, 3)] for i in (1, 2, 3)])
        position = np.array([float(tr.get(c)) for c in "xyz"]) / 1000.0
        rot = flip @ m
        left, top = float(fov.get("left")), float(fov.get("top"))
        k = np.array([[float(intr.get("focalLengthU")) / 64, 0, float(intr.get("centerPointU")) / 64 - left],
                      [0, float(intr.get("focalLengthV")) / 64, float(intr.get("centerPointV")) / 64 - top],
                      [0, 0, 1.0]])
        dist = np.array([float(intr.get(n)) for n in ("radialDistortion1", "radialDistortion2",
                                                       "tangentalDistortion1", "tangentalDistortion2")])
        cams.append(CalibratedCamera(cam.get("serial"), rot, -rot @ position, k, dist))
    return cams


def undistort_pixels(uv: np.ndarray, intrinsics: np.ndarray, distortion: np.ndarray, iterations: int = 8) -> np.ndarray:
    """Remove lens distortion (k1, k2, p1, p2) from pixels (..., 2) by fixed-point iteration -> (..., 2)."""
    k1, k2, p1, p2 = distortion
    fx, fy, cx, cy = intrinsics[0, 0], intrinsics[1, 1], intrinsics[0, 2], intrinsics[1, 2]
    xd = (uv[..., 0] - cx) / fx
    yd = (uv[..., 1] - cy) / fy
    x, y = xd.copy(), yd.copy()
    for _ in range(iterations):
        r2 = x * x + y * y
        radial = 1 + k1 * r2 + k2 * r2 * r2
        dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
        dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
        x, y = (xd - dx) / radial, (yd - dy) / radial
    return np.stack([x * fx + cx, y * fy + cy], -1)


@dataclass(frozen=True)
class Triangulation:
    """xyz: (N, J, 3) metres, NaN where a joint was dropped; error: (N, J) mean reprojection error in
    pixels over the views used (NaN where dropped); views: (N, J) number of views used."""

    xyz: np.ndarray
    error: np.ndarray
    views: np.ndarray

    @property
    def complete(self) -> np.ndarray:
        """(N,) bool: every joint triangulated."""
        return np.isfinite(self.xyz).all((-1, -2))


def dlt_points(projections: np.ndarray, uv: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted DLT for many points at once. projections: (V, 3, 4); uv: (..., V, 2); weights: (..., V)
    (0 = view unused) -> (..., 3) world points (least-squares solution by SVD)."""
    p = np.asarray(projections, np.float64)
    u, v = uv[..., 0:1], uv[..., 1:2]  # (..., V, 1)
    rows = np.concatenate([u * p[:, 2] - p[:, 0], v * p[:, 2] - p[:, 1]], -2)  # (..., 2V, 4)
    w = np.concatenate([weights, weights], -1)[..., None]
    _, _, vt = np.linalg.svd(rows * w)
    h = vt[..., -1, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return h[..., :3] / h[..., 3:4]


def _solve(projections: np.ndarray, cameras, uv: np.ndarray, used: np.ndarray, w: np.ndarray):
    """DLT with the views in `used` (N, J, V) -> (xyz (N, J, 3), mean reprojection error (N, J))."""
    xyz = dlt_points(projections, uv, np.where(used, w, 0.0))
    reproj = np.stack([c.project(xyz) for c in cameras], -2)  # (N, J, V, 2)
    dist = np.linalg.norm(reproj - uv, axis=-1)
    front = np.stack([c.depth(xyz) > 0 for c in cameras], -1)
    n_views = used.sum(-1)
    error = np.where(used, dist, 0.0).sum(-1) / np.maximum(n_views, 1)
    bad = ~np.isfinite(xyz).all(-1) | (used & ~front).any(-1)
    return xyz, np.where(bad, np.inf, error)


def triangulate(cameras: list[CalibratedCamera], xy: np.ndarray, scores: np.ndarray, min_score: float = 0.3,
                min_views: int = 2, max_error: float = 25.0, undistort: bool = True) -> Triangulation:
    """Triangulate V views' keypoints. xy: (V, N, J, 2) pixels (NaN = no person); scores: (V, N, J).

    When all usable views together miss `max_error`, each view is left out in turn and the best
    solution that passes is kept (a detector's left/right swap in one view, for instance); else dropped.
    """
    xy, scores = np.asarray(xy, np.float64), np.asarray(scores, np.float64)
    if xy.ndim != 4 or xy.shape[-1] != 2 or scores.shape != xy.shape[:3] or len(cameras) != len(xy):
        raise ValueError(f"triangulate: xy {xy.shape}, scores {scores.shape}, {len(cameras)} cameras do not fit")
    if undistort:
        xy = np.stack([undistort_pixels(xy[i], c.intrinsics, c.distortion) for i, c in enumerate(cameras)])
    usable = np.moveaxis(np.isfinite(xy).all(-1) & (scores >= min_score), 0, -1)  # (N, J, V)
    w = np.moveaxis(scores, 0, -1)
    uv = np.moveaxis(np.nan_to_num(xy), 0, -2)  # (N, J, V, 2)
    proj = np.stack([c.projection for c in cameras])
    xyz, error = _solve(proj, cameras, uv, usable, w)
    used = usable.copy()
    for v in range(len(cameras)) if len(cameras) > min_views else ():
        sub = usable.copy()
        sub[..., v] = False
        x2, e2 = _solve(proj, cameras, uv, sub, w)
        better = (error > max_error) & (e2 < error) & (sub.sum(-1) >= min_views)
        xyz, error = np.where(better[..., None], x2, xyz), np.where(better, e2, error)
        used = np.where(better[..., None], sub, used)
    n_views = used.sum(-1)
    ok = (n_views >= min_views) & (error <= max_error)
    return Triangulation(np.where(ok[..., None], xyz, np.nan), np.where(ok, error, np.nan), n_views)
