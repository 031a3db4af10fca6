import numpy as np
import pytest

from poseexplorer.core.npmpjpe import (np_mpjpe, np_mpjpe_matrix, procrustes_mpjpe, similarity_align,
                                       similarity_align_finite)
from poseexplorer.core.normalize import normalize_3d


@pytest.mark.parametrize("target,source,expected", [
    ([[2, 2, 2], [-1.5, -1, 0], [2.5, 1.3, 1.4]], [[1, 1, 1], [0, 0, 0], [1, 1, 1]], 0.3496029),
    ([[1, 1, 1], [0, 0, 0], [1, 1, 1]], [[2, 2, 2], [-1.5, -1, 0], [2.5, 1.3, 1.4]], 0.133016),
    ([[1, 1, 0], [5, 2, 2], [4, 0, 0], [-1, -2, 3]],
     [[1.5, 0.5, 0], [5, 2, 2.2], [4.1, 0, -1], [-1, -2.5, -2]], 1.00227),
    ([[1, 1, 0], [5, 2, 2], [4, 0, 0], [-1, -2, 3]],
     [[-10, -24.5, -49.5], [-9, -22.5, -49], [-10, -23, -50], [-8.5, -25.5, -51]], 0.0),
])
def test_published_check_values(target, source, expected):
    assert procrustes_mpjpe(np.array(target, float), np.array(source, float)) == pytest.approx(expected, abs=1e-5)


def _slow_similarity_mpjpe(t, s):
    """Obvious version: brute-force search over proper rotations is too slow, so use the textbook
    per-pair Umeyama with explicit loops and a determinant check."""
    t = np.asarray(t, float)
    s = np.asarray(s, float)
    mt, ms = t.mean(0), s.mean(0)
    cov = np.zeros((3, 3))
    for i in range(len(t)):
        cov += np.outer(t[i] - mt, s[i] - ms)
    u, d, vt = np.linalg.svd(cov)
    fix = np.eye(3)
    if np.linalg.det(u @ vt) < 0:
        fix[2, 2] = -1
    r = u @ fix @ vt
    var = sum(np.sum((s[i] - ms) ** 2) for i in range(len(s)))
    c = np.trace(np.diag(d) @ fix) / var
    errs = [np.linalg.norm(c * r @ (s[i] - ms) + mt - t[i]) for i in range(len(t))]
    return float(np.mean(errs))


def test_vectorised_matches_loop():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 17, 3))
    b = rng.normal(size=(5, 17, 3))
    mat = np_mpjpe_matrix(a, b)
    na, nb = normalize_3d(a), normalize_3d(b)
    for i in range(6):
        for j in range(5):
            assert mat[i, j] == pytest.approx(_slow_similarity_mpjpe(na[i], nb[j]), abs=1e-5)


def test_similarity_transform_is_zero_and_mirror_is_not():
    rng = np.random.default_rng(1)
    pose = rng.normal(size=(17, 3))
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    if np.linalg.det(q) < 0:
        q[:, 0] *= -1
    moved = 3.7 * pose @ q.T + np.array([1.0, -2.0, 5.0])
    assert np_mpjpe(pose, moved) == pytest.approx(0.0, abs=1e-6)
    mirrored = pose * np.array([-1.0, 1.0, 1.0])
    assert np_mpjpe(pose, mirrored) > 0.05


def test_aligned_shape_and_broadcast():
    rng = np.random.default_rng(2)
    t = rng.normal(size=(4, 1, 17, 3))
    s = rng.normal(size=(1, 3, 17, 3))
    assert similarity_align(t, s).shape == (4, 3, 17, 3)


def test_similarity_align_finite_recovers_a_similarity_transform():
    rng = np.random.default_rng(4)
    target = rng.normal(size=(33, 3))
    angle = 0.7
    rot = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    source = 2.5 * target @ rot.T + [1.0, -2.0, 0.5]
    source[5] = np.nan                                  # a missing joint stays missing
    aligned = similarity_align_finite(target, source)
    good = np.isfinite(aligned).all(axis=1)
    assert not good[5] and good.sum() == 32
    assert np.allclose(aligned[good], target[good], atol=1e-6)
    assert np.isnan(similarity_align_finite(target, np.full((33, 3), np.nan))).all()
