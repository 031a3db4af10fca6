"""The frame cost: probability estimate, atrous window (also at the ends and around gaps)."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.align import cost as C
from poseexplorer.align.quadrature import moments_block, pair_features, paired_distance, quadrature_probability
from poseexplorer.core.poses import Embedding
from poseexplorer.core.probability import matching_probability


def random_embedding(n: int, seed: int, dim: int = 16, sigma=(0.05, 0.5)) -> Embedding:
    rng = np.random.default_rng(seed)
    mean = rng.normal(0, 1, (n, dim)).astype(np.float32)
    std = np.exp(rng.uniform(np.log(sigma[0]), np.log(sigma[1]), (n, dim))).astype(np.float32)
    return Embedding(mean, std)


def monte_carlo_probability(ea: Embedding, eb: Embedding, a: float, b: float, n: int, seed: int) -> np.ndarray:
    """Pairwise (diagonal) P by brute force with n independent draws per pair."""
    rng = np.random.default_rng(seed)
    za = ea.mean[:, None] + ea.stddev[:, None] * rng.standard_normal((len(ea), n, ea.dim))
    zb = eb.mean[:, None] + eb.stddev[:, None] * rng.standard_normal((len(eb), n, eb.dim))
    d = np.linalg.norm(za - zb, axis=-1)
    return (0.9 / (1.0 + np.exp(a * d - b)) + 0.05).mean(1)


@pytest.mark.parametrize("a,b", [(0.52, -0.5), (1.5, 2.0), (3.0, 4.0)])
def test_quadrature_matches_a_large_monte_carlo(a, b):
    ea = random_embedding(12, 1)
    eb = Embedding(ea.mean + np.random.default_rng(2).normal(0, 0.3, ea.mean.shape).astype(np.float32),
                   random_embedding(12, 3).stddev)
    mc = monte_carlo_probability(ea, eb, a, b, 20_000, seed=4)
    quad = np.diag(quadrature_probability(ea, eb, a, b))
    np.testing.assert_allclose(quad, mc, atol=4e-3)
    sampled = np.diag(matching_probability(ea, eb, a, b))  # the K=20 estimator is much noisier
    assert np.abs(quad - mc).mean() < np.abs(sampled - mc).mean()


def test_moments_match_the_definition():
    ea, eb = random_embedding(9, 5), random_embedding(11, 6)
    m1, m2 = ea.mean.astype(float), eb.mean.astype(float)
    v = ea.stddev.astype(float)[:, None] ** 2 + eb.stddev.astype(float)[None] ** 2
    delta = m1[:, None] - m2[None]
    mean, var = moments_block(pair_features(ea, eb), slice(0, 9))
    np.testing.assert_allclose(mean, (delta**2 + v).sum(-1), rtol=1e-4)
    np.testing.assert_allclose(var, (2 * v**2 + 4 * delta**2 * v).sum(-1), rtol=1e-3)


def test_sampled_method_is_the_core_estimator():
    ea, eb = random_embedding(5, 7), random_embedding(6, 8)
    d = C.frame_distance(ea, eb, 0.7, 0.3, method="sampled")
    np.testing.assert_allclose(d, -np.log(matching_probability(ea, eb, 0.7, 0.3)), rtol=1e-12)
    with pytest.raises(ValueError, match="unknown cost method"):
        C.frame_distance(ea, eb, 0.7, 0.3, method="bogus")


def slow_window_cost(dist: np.ndarray, ok_a: np.ndarray, ok_b: np.ndarray, offsets) -> np.ndarray:
    ta, tb = dist.shape
    out = np.full((ta, tb), np.nan)
    for i in range(ta):
        for j in range(tb):
            vals = [dist[i + o, j + o] for o in offsets
                    if 0 <= i + o < ta and 0 <= j + o < tb and ok_a[i + o] and ok_b[j + o]]
            if vals:
                out[i, j] = np.mean(vals)
    return out


def test_atrous_offsets_are_kernel_7_rate_3():
    np.testing.assert_array_equal(C.atrous_offsets(), [-9, -6, -3, 0, 3, 6, 9])
    with pytest.raises(ValueError):
        C.atrous_offsets(4, 3)


@pytest.mark.parametrize("gaps", [False, True])
def test_window_cost_equals_slow_loop_including_ends(gaps):
    ea, eb = random_embedding(40, 9), random_embedding(33, 10)
    ok_a, ok_b = np.ones(40, bool), np.ones(33, bool)
    if gaps:
        ok_a[[0, 5, 6, 7, 30]] = False
        ok_b[10:31] = False  # longer than the window: some pairs have no valid term at all
    cost = C.sequence_cost(ea, eb, 0.6, 0.1, valid_a=ok_a, valid_b=ok_b, slopes=(1.0,),
                           hub_neighbours=None)
    dist = np.full((40, 33), np.nan)
    dist[np.ix_(ok_a, ok_b)] = C.frame_distance(ea[ok_a], eb[ok_b], 0.6, 0.1)
    ref = slow_window_cost(dist, ok_a, ok_b, C.atrous_offsets())
    holes = np.isnan(ref)
    np.testing.assert_allclose(cost[~holes], ref[~holes], rtol=1e-5)
    assert holes.any() == gaps
    if gaps:  # bridged with the mean valid cost
        np.testing.assert_allclose(cost[holes], np.mean(cost[~holes]), rtol=1e-4)
    # the very first cell only sees offsets 0, 3, 6, 9 of the valid frames
    if not gaps:
        assert cost[0, 0] == pytest.approx(np.mean([dist[o, o] for o in (0, 3, 6, 9)]), rel=1e-5)
    assert np.isfinite(cost).all()


def slow_sloped_cost(dist, ok_a, ok_b, offsets, slopes) -> np.ndarray:
    """min over slopes s of the mean of dist[i + round(o / sqrt(s)), j + round(o sqrt(s))], valid pairs only."""
    ta, tb = dist.shape
    out = np.full((ta, tb), np.nan)
    for i in range(ta):
        for j in range(tb):
            means = []
            for s in slopes:
                vals = []
                for o in offsets:
                    p, q = i + int(np.rint(o / np.sqrt(s))), j + int(np.rint(o * np.sqrt(s)))
                    if 0 <= p < ta and 0 <= q < tb and ok_a[p] and ok_b[q]:
                        vals.append(dist[p, q])
                if vals:
                    means.append(np.mean(vals))
            if means:
                out[i, j] = min(means)
    return out


def test_window_offsets_follow_the_slope_symmetrically():
    np.testing.assert_array_equal(C.window_offsets(7, 3, 1.0), [C.atrous_offsets()] * 2)
    oa, ob = C.window_offsets(7, 3, 2.0)
    np.testing.assert_array_equal(oa, [-6, -4, -2, 0, 2, 4, 6])
    np.testing.assert_array_equal(ob, [-13, -8, -4, 0, 4, 8, 13])
    ba, bb = C.window_offsets(7, 3, 0.5)  # slope 1/2 is slope 2 with A and B swapped
    np.testing.assert_array_equal(ba, ob)
    np.testing.assert_array_equal(bb, oa)
    with pytest.raises(ValueError, match="slope"):
        C.window_offsets(7, 3, 0.0)


@pytest.mark.parametrize("gaps", [False, True])
def test_sloped_window_cost_equals_slow_loop(gaps):
    ea, eb = random_embedding(37, 19), random_embedding(29, 20)
    ok_a, ok_b = np.ones(37, bool), np.ones(29, bool)
    if gaps:
        ok_a[[1, 2, 20]] = False
        ok_b[8:27] = False
    slopes = C.WINDOW_SLOPES
    cost = C.sequence_cost(ea, eb, 0.6, 0.1, valid_a=ok_a, valid_b=ok_b, kernel=5, rate=2, slopes=slopes)
    dist = np.full((37, 29), np.nan)  # the default cost windows the hub-corrected D of the valid frames
    dist[np.ix_(ok_a, ok_b)] = C.hub_corrected(C.frame_distance(ea[ok_a], eb[ok_b], 0.6, 0.1))
    ref = slow_sloped_cost(dist, ok_a, ok_b, C.atrous_offsets(5, 2), slopes)
    holes = np.isnan(ref)
    np.testing.assert_allclose(cost[~holes], ref[~holes], rtol=1e-5)
    assert holes.any() == gaps
    # each cell is the least of the per-slope costs, so never above the diagonal window's (where that has
    # a valid term: elsewhere both are bridged with their own mean)
    diagonal = C.sequence_cost(ea, eb, 0.6, 0.1, valid_a=ok_a, valid_b=ok_b, kernel=5, rate=2, slopes=(1.0,))
    seen = np.isfinite(slow_sloped_cost(dist, ok_a, ok_b, C.atrous_offsets(5, 2), (1.0,)))
    assert np.all(cost[seen] <= diagonal[seen] + 1e-6)
    # swapping A and B with the inverse slopes gives the transposed matrix
    swapped = C.sequence_cost(eb, ea, 0.6, 0.1, valid_a=ok_b, valid_b=ok_a, kernel=5, rate=2,
                              slopes=tuple(1 / s for s in slopes))
    np.testing.assert_allclose(swapped.T[~holes], cost[~holes], rtol=1e-5)
    with pytest.raises(ValueError, match="at least one window slope"):
        C.sequence_cost(ea, eb, 0.6, 0.1, slopes=())


def test_sloped_window_finds_a_sped_up_copy_better_than_the_diagonal():
    """B is A played at twice the speed: along the true slope the window compares the same instants,
    so its cost on the true path is lower than the diagonal window's (which compares wrong frames)."""
    t = np.arange(120, dtype=np.float64)
    mean_a = np.stack([np.sin(2 * np.pi * t / f) for f in (17.0, 29.0, 41.0, 53.0)], 1).astype(np.float32)
    mean_b = mean_a[::2]
    ea, eb = Embedding(mean_a, np.full_like(mean_a, 0.05)), Embedding(mean_b, np.full_like(mean_b, 0.05))
    sloped = C.sequence_cost(ea, eb, 2.0, 1.0, hub_neighbours=None)
    diagonal = C.sequence_cost(ea, eb, 2.0, 1.0, slopes=(1.0,), hub_neighbours=None)
    rows = np.arange(20, 100, 2)
    assert sloped[rows, rows // 2].mean() < diagonal[rows, rows // 2].mean() - 0.1


def test_hub_correction_equals_slow_loop():
    rng = np.random.default_rng(23)
    dist = rng.uniform(0.1, 4.0, (17, 12))
    for k in (1, 5, 100):
        rows = np.array([np.mean(sorted(dist[i])[:min(k, 12)]) for i in range(17)])
        cols = np.array([np.mean(sorted(dist[:, j])[:min(k, 17)]) for j in range(12)])
        ref = np.array([[max(-np.log(0.95), dist[i, j] - (rows[i] - rows.mean()) / 2 - (cols[j] - cols.mean()) / 2)
                         for j in range(12)] for i in range(17)])
        np.testing.assert_allclose(C.hub_corrected(dist, k), ref, rtol=1e-6)
    with pytest.raises(ValueError, match="k >= 1"):
        C.hub_corrected(dist, 0)


def test_hub_correction_stops_a_frame_close_to_everything_from_winning():
    """Row 0 is 'close to everything' (a hub): raw, it is the nearest A frame of every B frame; after the
    correction each B frame's nearest A frame is its own match again."""
    rng = np.random.default_rng(29)
    dist = rng.uniform(2.0, 3.0, (30, 30))
    dist[np.arange(30), np.arange(30)] = 1.0  # the true matches
    dist[0] = 0.9  # the hub
    assert (dist.argmin(0) == 0).all()
    assert (C.hub_corrected(dist).argmin(0)[1:] == np.arange(1, 30)).all()
    # without gaps, sequence_cost windows the corrected D; with hub_neighbours=None the plain one
    ea, eb = random_embedding(20, 31), random_embedding(16, 32)
    raw = C.frame_distance(ea, eb, 0.6, 0.1)
    np.testing.assert_allclose(C.sequence_cost(ea, eb, 0.6, 0.1, slopes=(1.0,)),
                               C.atrous_average(C.hub_corrected(raw)), rtol=1e-5)
    np.testing.assert_allclose(C.sequence_cost(ea, eb, 0.6, 0.1, slopes=(1.0,), hub_neighbours=None),
                               C.atrous_average(raw), rtol=1e-5)


def test_generic_atrous_average_matches_slow_loop():
    rng = np.random.default_rng(11)
    dist = rng.random((25, 19))
    dist[rng.random(dist.shape) < 0.2] = np.nan
    ok = np.ones(25, bool), np.ones(19, bool)
    # the slow loop skips NaN cells the same way when the masks are all true
    ref = np.full(dist.shape, np.nan)
    for i in range(25):
        for j in range(19):
            vals = [dist[i + o, j + o] for o in C.atrous_offsets() if 0 <= i + o < 25 and 0 <= j + o < 19
                    and np.isfinite(dist[i + o, j + o])]
            if vals:
                ref[i, j] = np.mean(vals)
    np.testing.assert_allclose(C.atrous_average(dist), ref, rtol=1e-12)
    assert ok


def test_nan_rows_count_as_missing_and_all_missing_is_refused():
    emb = random_embedding(20, 12)
    mean = emb.mean.copy()
    mean[3:6] = np.nan
    with_nan = Embedding(mean, emb.stddev)
    cost = C.sequence_cost(with_nan, emb, 0.6, 0.1)
    masked = C.sequence_cost(emb, emb, 0.6, 0.1, valid_a=~np.isin(np.arange(20), [3, 4, 5]))
    np.testing.assert_allclose(cost, masked, rtol=1e-6)
    with pytest.raises(ValueError, match="no frame with a person"):
        C.sequence_cost(emb, emb, 0.6, 0.1, valid_b=np.zeros(20, bool))
    with pytest.raises(ValueError, match="validity mask"):
        C.sequence_cost(emb, emb, 0.6, 0.1, valid_b=np.ones(3, bool))


def test_lr_invariant_distance_equals_slow_loop():
    """Each pair costs the lesser of -log P against B and against B mirrored (pair by pair, not per sequence)."""
    ea, eb, eb_m = random_embedding(9, 41), random_embedding(7, 42), random_embedding(7, 43)
    a, b = 0.6, 0.1
    ref = np.array([[min(C.frame_distance(ea[i:i + 1], eb[j:j + 1], a, b)[0, 0],
                         C.frame_distance(ea[i:i + 1], eb_m[j:j + 1], a, b)[0, 0]) for j in range(7)]
                    for i in range(9)])
    np.testing.assert_allclose(C.lr_invariant_distance(ea, eb, eb_m, a, b), ref, rtol=1e-5)
    np.testing.assert_array_equal(C.lr_invariant_distance(ea, eb, None, a, b), C.frame_distance(ea, eb, a, b))
    # mirrored B is B's own mirror image here (swapping the two is the same cost), and it is never above plain
    np.testing.assert_allclose(C.lr_invariant_distance(ea, eb_m, eb, a, b), ref, rtol=1e-6)
    assert (C.lr_invariant_distance(ea, eb, eb_m, a, b) <= C.frame_distance(ea, eb, a, b)).all()


@pytest.mark.parametrize("gaps", [False, True])
def test_sequence_cost_with_mirrored_b_windows_the_per_pair_minimum(gaps):
    ea, eb, eb_m = random_embedding(24, 44), random_embedding(20, 45), random_embedding(20, 46)
    ok_a, ok_b = np.ones(24, bool), np.ones(20, bool)
    if gaps:
        ok_a[[0, 7, 8]], ok_b[[5, 19]] = False, False
    raw = np.minimum(C.frame_distance(ea, eb, 0.6, 0.1), C.frame_distance(ea, eb_m, 0.6, 0.1))
    dist = np.zeros_like(raw)
    dist[np.ix_(ok_a, ok_b)] = C.hub_corrected(raw[np.ix_(ok_a, ok_b)])
    ref = slow_window_cost(dist, ok_a, ok_b, C.atrous_offsets())
    ref[~np.isfinite(ref)] = np.nanmean(ref)
    got = C.sequence_cost(ea, eb, 0.6, 0.1, slopes=(1.0,), valid_a=ok_a, valid_b=ok_b, mirrored_b=eb_m)
    np.testing.assert_allclose(got, ref, rtol=1e-5)
    with pytest.raises(ValueError, match="mirrored_b has 3 frames"):
        C.sequence_cost(ea, eb, 0.6, 0.1, mirrored_b=eb_m[:3])


def test_paired_distance_is_the_diagonal_of_frame_distance():
    ea, eb = random_embedding(13, 47), random_embedding(13, 48)
    np.testing.assert_allclose(paired_distance(ea, eb, 0.7, 0.3), np.diag(C.frame_distance(ea, eb, 0.7, 0.3)),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="as many rows"):
        paired_distance(ea, eb[:4], 0.7, 0.3)
