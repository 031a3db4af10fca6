import numpy as np
import pytest

from poseexplorer.core.poses import Embedding, Pose2D, Pose3D
from poseexplorer.core.probability import (
    candidate_probability, matching_probability, noise_table, probability_from_distance, probability_from_samples, sample,
    reference_probability_from_samples,
)


@pytest.mark.parametrize("d,expected", [(1.0, 0.70617913), (2.0, 0.704397395), (3.0, 0.702607548)])
def test_published_probability_check_values(d, expected):
    assert probability_from_distance(d, a=0.01, b=1.0) == pytest.approx(expected, abs=1e-7)


def test_sampled_probability_matches_loop():
    rng = np.random.default_rng(0)
    za = rng.normal(size=(3, 4, 5)).astype(np.float32)
    zb = rng.normal(size=(2, 4, 5)).astype(np.float32)
    fast = probability_from_samples(za, zb, a=0.7, b=-0.3)
    for i in range(3):
        for j in range(2):
            ps = [probability_from_distance(np.linalg.norm(za[i, k] - zb[j, l]), 0.7, -0.3)
                  for k in range(4) for l in range(4)]
            assert fast[i, j] == pytest.approx(np.mean(ps), abs=1e-6)


@pytest.mark.parametrize("a,b,spread", [(3.36, 14.9, 1.1), (0.7, -0.3, 1.0), (2.0, 4.0, 30.0)])
def test_fast_probability_matches_float64_reference(a, b, spread):
    rng = np.random.default_rng(7)
    centre = rng.normal(0, spread, (1, 1, 16))  # far from the origin: float32 must keep its precision
    za = (centre + rng.normal(0, 1.0, (37, 1, 16)) + 0.2 * rng.normal(size=(37, 20, 16))).astype(np.float32)
    zb = np.concatenate([za[:5] + np.float32(1e-3), (centre + rng.normal(0, 1.0, (300, 1, 16))
                                                    + 0.3 * rng.normal(size=(300, 20, 16))).astype(np.float32)])
    ref = reference_probability_from_samples(za, zb, a, b)
    for threads in (False, True):
        fast = probability_from_samples(za, zb, a, b, threads=threads)
        assert fast.shape == (37, 305) and fast.dtype == np.float64
        np.testing.assert_allclose(fast, ref, atol=1e-5, rtol=0)
    assert probability_from_samples(za[:0], zb, a, b).shape == (0, 305)


def test_fast_probability_with_unequal_sample_counts():
    rng = np.random.default_rng(8)
    za = rng.normal(size=(4, 3, 5)).astype(np.float32)
    zb = rng.normal(size=(6, 7, 5)).astype(np.float32)
    np.testing.assert_allclose(probability_from_samples(za, zb, 0.9, 0.2),
                               reference_probability_from_samples(za, zb, 0.9, 0.2), atol=1e-6)
    with pytest.raises(ValueError, match="samples must be"):
        probability_from_samples(za, zb[..., :4], 0.9, 0.2)


def test_matching_probability_bounds_and_reproducible():
    rng = np.random.default_rng(1)
    emb = Embedding(rng.normal(size=(6, 16)).astype(np.float32), np.full((6, 16), 0.1, np.float32))
    p1 = matching_probability(emb, emb, a=0.5, b=-0.5, seed=3)
    p2 = matching_probability(emb, emb, a=0.5, b=-0.5, seed=3)
    np.testing.assert_array_equal(p1, p2)
    assert p1.shape == (6, 6) and (p1 >= 0.05).all() and (p1 <= 0.95).all()
    assert (np.diag(p1) >= p1.max(1) - 1e-9).all()  # each pose matches itself best
    assert sample(emb, noise_table(20, 16, 0)[0]).shape == (6, 20, 16)


def test_dataclasses_validate_shapes():
    Pose2D(np.zeros((2, 13, 2), np.float32), np.ones((2, 13), np.float32))
    with pytest.raises(ValueError, match="Pose2D.xy must have shape"):
        Pose2D(np.zeros((2, 17, 2)), np.ones((2, 13)))
    with pytest.raises(ValueError, match="2 poses but 3"):
        Pose2D(np.zeros((2, 13, 2)), np.ones((3, 13)))
    Pose3D(np.zeros((1, 33, 3)))
    with pytest.raises(ValueError, match="17 or 33"):
        Pose3D(np.zeros((1, 20, 3)))
    with pytest.raises(ValueError, match="stddev must be > 0"):
        Embedding(np.zeros((1, 4)), np.zeros((1, 4)))
    emb = Embedding(np.zeros((3, 4)), np.ones((3, 4)))
    assert len(emb[1]) == 1 and emb[1].dim == 4 and len(Embedding.concat([emb, emb])) == 6


def test_candidate_probability_picks_entries_of_the_full_matrix():
    rng = np.random.default_rng(9)
    za = rng.normal(size=(6, 20, 8)).astype(np.float32)
    zb = rng.normal(size=(15, 20, 8)).astype(np.float32)
    cand = np.stack([rng.permutation(15)[:4] for _ in range(6)])
    full = probability_from_samples(za, zb, 1.2, 0.5)
    np.testing.assert_allclose(candidate_probability(za, zb, cand, 1.2, 0.5), np.take_along_axis(full, cand, 1),
                               atol=1e-6)
