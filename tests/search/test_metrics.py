"""Top-k rows and Hit@k against obvious loops."""
import numpy as np

from poseexplorer.search.metrics import euclidean_matrix, hit_at_k, top_k


def test_top_k_matches_sorting_with_ties_to_the_lower_index():
    rng = np.random.default_rng(0)
    score = rng.integers(0, 6, (40, 30)).astype(float)  # many ties
    for k in (1, 5, 30, 50):
        got = top_k(score, k)
        want = np.array([sorted(range(30), key=lambda j: (-row[j], j))[:k] for row in score])
        assert got.shape == want.shape
        np.testing.assert_array_equal(np.take_along_axis(score, got, 1), np.take_along_axis(score, want, 1))
    distinct = rng.normal(size=(10, 20))
    np.testing.assert_array_equal(top_k(distinct, 4), np.argsort(-distinct, axis=1)[:, :4])


def test_hit_at_k_and_distances():
    rng = np.random.default_rng(1)
    match = rng.random((12, 9)) < 0.2
    top = np.stack([rng.permutation(9)[:4] for _ in range(12)])
    hits = hit_at_k(top, match, (1, 4))
    for q in range(12):
        assert hits[1][q] == match[q, top[q, 0]] and hits[4][q] == any(match[q, top[q, :4]])
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(7, 3))
    np.testing.assert_allclose(euclidean_matrix(a, b), np.linalg.norm(a[:, None] - b[None], axis=-1), atol=1e-9)
