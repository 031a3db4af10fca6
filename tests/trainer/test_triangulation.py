"""Triangulation: DLT against a slow per-point loop, synthetic cameras with known 3D points, the real calibration."""
import numpy as np
import pytest

from poseexplorer.core.camera import look_at
from trainer.evaluation.triangulation import (
    CalibratedCamera, dlt_points, read_qualisys, triangulate, undistort_pixels,
)


def _rig(n: int = 4, distortion=(0.0, 0.0, 0.0, 0.0)) -> list[CalibratedCamera]:
    k = np.array([[1500.0, 0, 540], [0, 1500.0, 960], [0, 0, 1]])
    cams = []
    for i in range(n):
        az = 2 * np.pi * i / n + 0.3
        eye = np.array([4 * np.cos(az), 1.4 + 0.3 * i, 4 * np.sin(az)])
        rot = look_at(eye, (0.0, 1.0, 0.0), roll_deg=20.0 * i)
        cams.append(CalibratedCamera(f"c{i}", rot, -rot @ eye, k, np.array(distortion)))
    return cams


def _distort(cam: CalibratedCamera, uv: np.ndarray) -> np.ndarray:
    """The forward lens model (the obvious way), to test undistortion."""
    k1, k2, p1, p2 = cam.distortion
    x = (uv[..., 0] - cam.intrinsics[0, 2]) / cam.intrinsics[0, 0]
    y = (uv[..., 1] - cam.intrinsics[1, 2]) / cam.intrinsics[1, 1]
    r2 = x * x + y * y
    rad = 1 + k1 * r2 + k2 * r2 * r2
    xd = x * rad + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
    yd = y * rad + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
    return np.stack([xd * cam.intrinsics[0, 0] + cam.intrinsics[0, 2], yd * cam.intrinsics[1, 1] + cam.intrinsics[1, 2]], -1)


def _slow_dlt(projections, uv, weights):
    out = []
    for p in range(len(uv)):
        rows = []
        for v in range(len(projections)):
            P, (x, y), w = projections[v], uv[p, v], weights[p, v]
            rows += [w * (x * P[2] - P[0]), w * (y * P[2] - P[1])]
        h = np.linalg.svd(np.array(rows))[2][-1]
        out.append(h[:3] / h[3])
    return np.array(out)


def test_dlt_matches_slow_loop_with_weights():
    rng = np.random.default_rng(0)
    cams = _rig()
    pts = rng.normal([0, 1, 0], 0.5, (20, 3))
    uv = np.stack([c.project(pts) for c in cams], 1) + rng.normal(0, 2.0, (20, 4, 2))
    w = rng.uniform(0.2, 1.0, (20, 4))
    w[3, 1] = 0.0
    proj = np.stack([c.projection for c in cams])
    np.testing.assert_allclose(dlt_points(proj, uv, w), _slow_dlt(proj, uv, w), atol=1e-9)


def test_triangulate_recovers_known_points_and_drops_bad_joints():
    rng = np.random.default_rng(1)
    cams = _rig(distortion=(-0.05, 0.1, 0.001, -0.0005))
    xyz = rng.normal([0, 1, 0], 0.4, (6, 13, 3))
    xy = np.stack([_distort(c, c.project(xyz)) for c in cams])  # (V, N, J, 2)
    scores = np.ones(xy.shape[:3])
    scores[1:, 0, 5] = 0.1        # seen by one view only: dropped
    xy[2, 1, 7] += (300.0, 0.0)  # one view's keypoint far off: that view is left out
    tri = triangulate(cams, xy, scores)
    ok = np.isfinite(tri.xyz[..., 0])
    assert not ok[0, 5] and ok.sum() == ok.size - 1
    np.testing.assert_allclose(tri.xyz[ok], xyz[ok], atol=1e-4)
    assert tri.views[1, 7] == 3 and np.nanmax(tri.error) < 1e-3
    assert list(tri.complete) == [False] + [True] * 5
    plain = triangulate(cams, xy, scores, undistort=False)
    assert np.nanmax(plain.error) > 1e-2  # ignoring the lens costs reprojection error


def test_undistort_inverts_distortion():
    cam = _rig(1, distortion=(-0.046, 0.14, 0.0006, 0.0007))[0]
    uv = np.random.default_rng(2).uniform([0, 0], [1080, 1920], (50, 2))
    np.testing.assert_allclose(undistort_pixels(_distort(cam, uv), cam.intrinsics, cam.distortion), uv, atol=1e-3)


def test_real_calibration_reads_four_cameras(shared_data):
    cams = read_qualisys(shared_data / "media" / "pose2sim_4views" / "Calib.qca.txt")
    assert [c.name for c in cams] == ["cam01", "cam02", "cam03", "cam04"]
    centre = np.zeros(3)  # the capture volume's origin is in front of every camera
    for c in cams:
        assert np.allclose(c.rotation @ c.rotation.T, np.eye(3), atol=1e-6) and c.depth(centre) > 0
        u, v = c.project(centre)
        assert 0 < u < 1088 and 0 < v < 1920
