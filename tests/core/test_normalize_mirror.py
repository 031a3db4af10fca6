import numpy as np
import pytest

from poseexplorer.core.mirror import mirror_coco13, mirror_h36m17
from poseexplorer.core.normalize import normalize_2d, normalize_3d


def _slow_normalize_2d(p):
    centre = (p[7] + p[8]) / 2
    torso = [p[1], p[2], p[7], p[8]]
    scale = max(np.linalg.norm(torso[i] - torso[j]) for i in range(4) for j in range(i + 1, 4))
    return (p - centre) / scale * 0.5


def test_normalize_2d_matches_slow_and_is_scale_invariant():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 640, size=(10, 13, 2))
    out = normalize_2d(xy)
    for i in range(10):
        np.testing.assert_allclose(out[i], _slow_normalize_2d(xy[i]), atol=1e-5)
    np.testing.assert_allclose(normalize_2d(xy * 3.0 + 17.0), out, atol=1e-5)
    # the largest torso distance becomes 0.5 and the hip midpoint the origin
    assert np.allclose((out[:, 7] + out[:, 8]) / 2, 0, atol=1e-6)


def test_normalize_3d_unit_spine():
    rng = np.random.default_rng(1)
    xyz = rng.normal(size=(5, 17, 3))
    out = normalize_3d(xyz)
    length = np.linalg.norm(out[:, 10] - out[:, 0], axis=-1) + np.linalg.norm(out[:, 3] - out[:, 10], axis=-1)
    np.testing.assert_allclose(length, 1.0, atol=1e-5)
    np.testing.assert_allclose(out[:, 0], 0.0, atol=1e-6)


def test_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match=r"\(\.\.\., 13, 2\)"):
        normalize_2d(np.zeros((4, 17, 2)))
    with pytest.raises(ValueError, match="17, 3"):
        normalize_3d(np.zeros((4, 13, 3)))


def test_mirror_coco13_flips_and_swaps():
    rng = np.random.default_rng(2)
    xy = rng.normal(size=(3, 13, 2))
    scores = rng.uniform(size=(3, 13))
    m, ms = mirror_coco13(xy, scores=scores)
    # the new left wrist is the old right wrist with x flipped
    np.testing.assert_allclose(m[:, 5, 0], -xy[:, 6, 0], rtol=1e-6)
    np.testing.assert_allclose(m[:, 5, 1], xy[:, 6, 1], rtol=1e-6)
    np.testing.assert_allclose(ms[:, 5], scores[:, 6])
    np.testing.assert_allclose(m[:, 0, 0], -xy[:, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(mirror_coco13(m), xy, rtol=1e-6)  # an involution
    # about an image centre line
    np.testing.assert_allclose(mirror_coco13(xy, centre_x=320.0)[:, 0, 0], 640.0 - xy[:, 0, 0], rtol=1e-5)


def test_mirror_h36m17_is_involution():
    xyz = np.random.default_rng(3).normal(size=(2, 17, 3))
    np.testing.assert_allclose(mirror_h36m17(mirror_h36m17(xyz)), xyz, rtol=1e-6)
