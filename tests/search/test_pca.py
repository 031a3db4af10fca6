"""StablePCA: the principal plane of the data, a stable picture across refreshes, incremental updates."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.search import StablePCA


def cloud(n: int, seed: int, spread=(3.0, 2.0, 0.5)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(np.random.default_rng(100).normal(size=(16, 16)))[0]
    scales = np.r_[spread, np.full(16 - len(spread), 0.2)]
    return (rng.normal(size=(n, 16)) * scales) @ basis.T + 1.5


def slow_pca(x: np.ndarray, n: int):
    """The obvious version: SVD of the centred data."""
    centred = x - x.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return vt[:n], (s**2 / (s**2).sum())[:n]


@pytest.mark.parametrize("n_components", [2, 3])
def test_fit_spans_the_principal_subspace(n_components):
    x = cloud(3000, 1)
    pca = StablePCA(n_components, orientation="sign").fit(x)
    ref, ratio = slow_pca(x, n_components)
    np.testing.assert_allclose(np.abs(pca.components_ @ ref.T), np.eye(n_components), atol=1e-6)
    np.testing.assert_allclose(pca.explained_variance_ratio_, ratio, rtol=1e-6)
    y = pca.transform(x)
    assert y.shape == (3000, n_components) and y.dtype == np.float32
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-4)


def test_partial_fit_equals_a_full_fit():
    x = cloud(5000, 2)
    inc = StablePCA(2).fit(x[:1000]).partial_fit(x[1000:3000]).partial_fit(x[3000:])
    full = StablePCA(2).fit(x)
    np.testing.assert_allclose(inc.mean_, full.mean_, atol=1e-9)
    np.testing.assert_allclose(inc.explained_variance_ratio_, full.explained_variance_ratio_, rtol=1e-9)
    # same plane (orientation may differ): projectors agree
    np.testing.assert_allclose(inc.components_.T @ inc.components_, full.components_.T @ full.components_, atol=1e-8)
    inc.remove(x[3000:])
    np.testing.assert_allclose(inc.mean_, x[:3000].mean(0), atol=1e-9)


@pytest.mark.parametrize("orientation", ["rotation", "sign"])
def test_refresh_keeps_the_picture_when_media_are_added(orientation):
    x = cloud(4000, 3)
    pca = StablePCA(2, orientation=orientation)
    before = pca.refresh(x)
    pca.components_ = pca.components_ * np.array([[-1.0], [1.0]])  # an arbitrary earlier orientation
    before = pca.transform(x)
    after = pca.refresh(np.vstack([x, cloud(400, 4)]))[:4000]
    np.testing.assert_allclose(after, before, atol=0.05 * before.std())


def test_rotation_mode_holds_an_earlier_in_plane_orientation():
    # the earlier picture was rotated inside the plane (e.g. it came from a nearly degenerate fit); a
    # refit snaps back to the eigen axes unless the in-plane rotation is matched too
    x = cloud(4000, 5, spread=(2.0, 1.8, 0.3))
    extra = cloud(800, 6, spread=(2.0, 1.8, 0.3))
    turn = np.array([[np.cos(0.9), -np.sin(0.9)], [np.sin(0.9), np.cos(0.9)]])
    results = {}
    for mode in ("rotation", "sign"):
        pca = StablePCA(2, orientation=mode).fit(x)
        pca.components_ = turn @ pca.components_
        before = pca.transform(x)
        results[mode] = np.abs(pca.refresh(np.vstack([x, extra]))[:4000] - before).max() / before.std()
    assert results["rotation"] < 0.1
    assert results["sign"] > 5 * results["rotation"]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="shape"):
        StablePCA(2).fit(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        StablePCA(2).fit(np.full((4, 3), np.nan))
    with pytest.raises(ValueError, match="at least 2"):
        StablePCA(2).fit(np.zeros((1, 3)))
    with pytest.raises(RuntimeError):
        StablePCA(2).transform(np.zeros((2, 3)))
    pca = StablePCA(2).fit(np.random.default_rng(0).normal(size=(10, 4)))
    with pytest.raises(ValueError, match="dimensions"):
        pca.transform(np.zeros((2, 5)))


def test_display_rows_all_or_a_fixed_uniform_sample():
    from poseexplorer.search import display_rows

    assert np.array_equal(display_rows(50, limit=100), np.arange(50))
    rows = display_rows(100_000, limit=5_000, seed=3)
    assert len(rows) == len(set(rows.tolist())) == 5_000 and np.all(np.diff(rows) > 0)
    assert rows.min() >= 0 and rows.max() < 100_000
    assert np.array_equal(rows, display_rows(100_000, limit=5_000, seed=3))     # same library, same sample
    counts = np.histogram(rows, bins=10, range=(0, 100_000))[0]                  # uniform: 500 per tenth
    assert np.all(np.abs(counts - 500) < 5 * np.sqrt(500))
