import numpy as np
import pytest

from poseexplorer.core.camera import (
    CameraRanges, PinholeCamera, look_at, project_normalised_3d, random_camera_2d, random_views,
    view_rotation,
)
from poseexplorer.core.normalize import normalize_3d


def front_facing_pose(left_wrist_up: bool = True) -> np.ndarray:
    """An H36M-17 pose in metres, y up, facing +z (towards the canonical camera): its left is +x."""
    p = np.zeros((17, 3))
    p[0] = [0, 1.0, 0]          # pelvis
    p[10] = [0, 1.25, 0]        # spine
    p[3] = [0, 1.5, 0]          # thorax
    p[2] = [0, 1.6, 0.05]       # neck/nose
    p[1] = [0, 1.75, 0]         # head
    p[4], p[5] = [0.2, 1.5, 0], [-0.2, 1.5, 0]      # shoulders: left at +x
    p[6], p[7] = [0.3, 1.3, 0], [-0.3, 1.3, 0]      # elbows
    p[8], p[9] = [0.35, 1.1, 0], [-0.35, 1.1, 0]    # wrists hanging
    if left_wrist_up:
        p[6] = [0.3, 1.7, 0]
        p[8] = [0.35, 1.95, 0]
    p[11], p[12] = [0.12, 1.0, 0], [-0.12, 1.0, 0]
    p[13], p[14] = [0.12, 0.55, 0], [-0.12, 0.55, 0]
    p[15], p[16] = [0.12, 0.1, 0], [-0.12, 0.1, 0]
    return p


def test_front_camera_is_not_mirrored():
    pose = normalize_3d(front_facing_pose())[None].astype(float)
    rot = view_rotation(np.array([0.0]), np.array([0.0]), np.array([0.0]))
    uv = project_normalised_3d(pose, rot)[0]  # COCO-13, image coords (u right, v down)
    left_wrist, right_wrist, nose = uv[5], uv[6], uv[0]
    assert left_wrist[0] > 0 > right_wrist[0], "the subject's left must appear on the image's right"
    assert left_wrist[1] < nose[1] < right_wrist[1], "a raised wrist is higher (smaller v) than the head"


def test_back_camera_sees_left_on_the_left():
    pose = normalize_3d(front_facing_pose())[None].astype(float)
    rot = view_rotation(np.array([np.pi]), np.array([0.0]), np.array([0.0]))
    uv = project_normalised_3d(pose, rot)[0]
    assert uv[5, 0] < 0 < uv[6, 0]


def test_rotations_are_proper():
    rng = np.random.default_rng(0)
    rots = random_views(200, rng)
    np.testing.assert_allclose(np.linalg.det(rots), 1.0, atol=1e-9)
    np.testing.assert_allclose(rots @ np.swapaxes(rots, 1, 2), np.broadcast_to(np.eye(3), rots.shape), atol=1e-9)


def test_random_camera_2d_shapes_and_ranges():
    rng = np.random.default_rng(1)
    poses = np.repeat(front_facing_pose()[None], 50, 0)
    out = random_camera_2d(poses, rng, CameraRanges(elevation=(-30, 30), roll=(-30, 30)))
    assert out.shape == (50, 13, 2) and out.dtype == np.float32
    assert np.isfinite(out).all()
    # different cameras give different 2D views of the same 3D pose
    assert np.abs(out[0] - out[1]).max() > 1e-3


def test_pinhole_camera_look_at():
    cam = PinholeCamera(rotation=look_at([0, 1.5, 4.0], [0, 1.0, 0]), position=np.array([0, 1.5, 4.0]),
                        focal=1000.0, centre=(640.0, 360.0), size=(1280, 720))
    uv = cam.project(front_facing_pose())
    assert uv[8, 0] > 640 > uv[9, 0]        # left wrist (H36M 8) right of centre
    assert uv[1, 1] < uv[15, 1]             # head above ankle
    assert np.linalg.det(cam.rotation) == pytest.approx(1.0)
    rolled = look_at([0, 1.5, 4.0], [0, 1.0, 0], roll_deg=20)
    assert np.linalg.det(rolled) == pytest.approx(1.0)
