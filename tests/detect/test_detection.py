"""The detector interface and the MediaPipe wrapper (real MediaPipe on real footage where marked)."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.core.skeleton import COCO13_NAMES, MEDIAPIPE33_NAMES, MEDIAPIPE_TO_COCO13
from poseexplorer.detect import Detection, Detector, make_detector


def test_from_landmarks_picks_the_coco13_joints_by_name():
    lms = np.random.default_rng(0).uniform(0, 1, (33, 3)).astype(np.float32)
    lms[:, 2] = np.linspace(0, 1.2, 33)
    det = Detection.from_landmarks(lms)
    for k, name in enumerate(COCO13_NAMES):   # slow, obvious version: look the joint up by name
        m = MEDIAPIPE33_NAMES.index(name)
        assert np.array_equal(det.xy[k], lms[m, :2])
        assert det.scores[k] == min(lms[m, 2], 1.0)
    assert np.isnan(det.world).all()


def test_from_coco13_and_scaled():
    xy = np.arange(26, dtype=np.float32).reshape(13, 2)
    det = Detection.from_coco13(xy, np.ones(13))
    assert np.array_equal(det.landmarks[list(MEDIAPIPE_TO_COCO13), :2], xy)
    assert np.isnan(det.landmarks[1]).all() and np.isnan(det.world).all()
    big = det.scaled(2.0)
    assert np.array_equal(big.xy, xy * 2) and np.array_equal(big.scores, det.scores)


def test_shapes_are_validated():
    with pytest.raises(ValueError, match=r"xy must have shape \(13, 2\)"):
        Detection(np.zeros((12, 2)), np.zeros(13), np.zeros((33, 3)), np.zeros((33, 3)))
    with pytest.raises(ValueError, match="unknown detector"):
        make_detector("openpose")


@pytest.fixture(scope="module")
def real_frame(shared_data):
    from poseexplorer.io import open_media

    with open_media(shared_data / "media" / "pose2sim_4views" / "cam01.mp4") as r:
        return r.read(10).copy()


@pytest.mark.slow
def test_mediapipe_finds_the_person_and_world_landmarks(real_frame):
    with make_detector("mediapipe", video=False) as det:
        assert isinstance(det, Detector)
        d = det.detect(real_frame)
        assert d is not None
        h, w = real_frame.shape[:2]
        visible = d.scores > 0.5
        assert visible.sum() >= 10
        assert (d.xy[visible, 0] >= 0).all() and (d.xy[visible, 0] < w).all()
        assert (d.xy[visible, 1] >= 0).all() and (d.xy[visible, 1] < h).all()
        hips = d.world[[23, 24]].mean(axis=0)
        assert np.abs(hips).max() < 0.1           # world landmarks are hip-centred, in metres
        assert 0.2 < np.linalg.norm(d.world[11] - d.world[12]) < 0.6   # shoulder width in metres
        assert det.detect(np.zeros((480, 640, 3), np.uint8)) is None   # no person
        assert det.detect(np.zeros((1, 1, 3), np.uint8)) is None       # tiny


@pytest.mark.slow
def test_large_frames_are_downscaled_with_coordinates_in_input_pixels(real_frame):
    import cv2

    from poseexplorer.detect.mediapipe_pose import MediaPipeDetector

    with MediaPipeDetector(video=False) as det:
        ref = det.detect(real_frame)
    with MediaPipeDetector(video=False, max_side=960) as det:      # 1920 px input -> halved inside
        small = det.detect(real_frame)
    assert ref is not None and small is not None
    good = (ref.scores > 0.8) & (small.scores > 0.8)
    err = np.linalg.norm(ref.xy[good] - small.xy[good], axis=1)
    assert np.median(err) < 0.03 * real_frame.shape[0], err
    big = cv2.resize(real_frame, None, fx=2, fy=2)
    with MediaPipeDetector(video=False) as det:
        d2 = det.detect(big)
    assert d2 is not None
    assert np.median(np.linalg.norm(d2.xy[good] / 2 - ref.xy[good], axis=1)) < 0.03 * real_frame.shape[0]
