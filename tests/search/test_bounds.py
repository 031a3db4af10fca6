"""bounds.py against slow versions: the pair-averaged bound equals its double loop and never falls below the
exact sampled P; the cells' group bound drops no group holding a pose above tau; branch and bound scoring
returns the exhaustive top k."""
from __future__ import annotations

import numpy as np

from poseexplorer.core.probability import noise_table, probability_from_distance
from poseexplorer.search import PoseIndex
from poseexplorer.search.bounds import ball_radius, pair_bound, projection_terms, row_bounds
from poseexplorer.search.ranking import ball_candidates, scan_product, scan_rows, score_by_bound, score_rows, top_indices
from poseexplorer.search.synthetic import synthetic_library

A, B = 3.36, 14.9  # the bundled model's slope and offset: p falls from 0.95 to 0.05 between d = 3.5 and 5.4


def _poses(n, seed, spread=3.0):
    rng = np.random.default_rng(seed)
    mean = (rng.standard_normal((n, 16)) * spread).astype(np.float32)
    std = np.exp(rng.uniform(np.log(0.1), np.log(0.5), (n, 16))).astype(np.float32)
    return mean, std


def test_pair_bound_equals_the_double_loop():
    rng = np.random.default_rng(0)
    dist = rng.uniform(-1, 8, 50).astype(np.float32)
    alpha = rng.normal(0, 1, (50, 7)).astype(np.float32)
    beta = rng.normal(0, 1, (50, 5)).astype(np.float32)
    slow = np.array([np.mean([probability_from_distance(dist[i] + alpha[i, k] - beta[i, l], A, B)
                              for k in range(7) for l in range(5)]) for i in range(50)])
    np.testing.assert_allclose(pair_bound(dist, alpha, beta, A, B), slow, rtol=1e-5, atol=2e-6)
    far = pair_bound(np.array([1e4], np.float32), alpha[:1], beta[:1], A, B)  # exp overflows to inf: p = 0.05
    assert abs(far[0] - 0.05) < 2e-6


def test_row_bounds_hold_for_every_pose():
    eps = noise_table(20, 16, 0)
    mean, std = _poses(3000, 1, spread=1.2)
    for qi in range(5):
        mq, u = mean[qi], std[qi] * eps[0]
        zq = mq + u
        p = score_rows(zq, mean, std, eps[1], np.arange(len(mean)), A, B)
        rho = np.sqrt(((std**2) @ (eps[1] ** 2).T).max(1))
        rho_q = float(np.linalg.norm(u, axis=1).max())
        lb, ub = row_bounds(mq, u, mean, std, rho_q, rho, eps[1], A, B, 1e-3)
        assert (ub >= p).all()
        z = mean[:, None] + std[:, None] * eps[1][None]  # (n, L, D): the slow smallest sample distance
        closest = np.linalg.norm(z[:, None] - zq[None, :, None], axis=-1).min(axis=(1, 2))
        assert (lb <= closest).all()
        dist, alpha, beta = projection_terms(mq, u, mean, std, eps[1])
        np.testing.assert_allclose(dist, np.linalg.norm(mean - mq, axis=1), rtol=1e-5)
        # the bound is informative: most poses far below the query's best are screened out
        tau = np.sort(p)[-10]
        assert np.count_nonzero(ub >= tau) < 0.2 * len(p)


def test_score_by_bound_returns_the_exhaustive_top_k():
    eps = noise_table(20, 16, 0)
    mean, std = _poses(4000, 2, spread=1.0)
    rng = np.random.default_rng(3)
    for qi in range(4):
        zq = mean[qi] + std[qi] * eps[0]
        p = score_rows(zq, mean, std, eps[1], np.arange(len(mean)), A, B)
        first = rng.choice(len(mean), 50, replace=False)
        cand = np.setdiff1d(np.arange(len(mean)), first)
        ub = p[cand] + rng.uniform(0, 0.05, len(cand))  # any valid upper bound
        rows, probs, certified = score_by_bound(zq, mean, std, eps[1], first, p[first], cand, ub, 10, A, B,
                                                max_candidates=len(cand))
        assert certified and len(rows) < len(mean)
        assert rows[top_indices(probs, 10)].tolist() == top_indices(p, 10).tolist()
        _, _, capped = score_by_bound(zq, mean, std, eps[1], first, p[first], cand, ub + 1, 10, A, B, 100)
        assert not capped


def test_cells_drop_no_group_holding_a_pose_above_tau():
    emb, media = synthetic_library(20_000, seed=5)
    index = PoseIndex(np.arange(20_000), media, emb, 0.52, -0.5, cells=True)
    cells, eps = index.cells, index._eps
    mean, sd = np.asarray(emb.mean), np.asarray(emb.stddev)
    live = np.flatnonzero(np.diff(cells.offsets) > 0)
    for r in (11, 5003, 17777):
        zq = mean[r] + sd[r] * eps[0]
        u = zq - mean[r]
        rho_q = float(np.linalg.norm(u, axis=1).max())
        p = score_rows(zq, mean, sd, eps[1], np.arange(len(mean)), 0.52, -0.5)
        tau = float(np.sort(p)[-30])
        kept = cells.groups_within(mean[r], u, rho_q, eps[1], np.inf, tau, 0.52, -0.5)
        dropped = np.setdiff1d(live, kept)
        assert 0 < len(kept) < len(live)
        assert (p[cells.rows_of_groups(dropped)] < tau).all()


def test_ball_radius_screens_no_pose_above_tau():
    eps = noise_table(20, 16, 0)
    mean, std = _poses(3000, 4, spread=1.0)
    rho = np.sqrt(((std**2) @ (eps[1] ** 2).T).max(1))
    for qi in range(4):
        u = std[qi] * eps[0]
        p = score_rows(mean[qi] + u, mean, std, eps[1], np.arange(len(mean)), A, B)
        tau = float(np.sort(p)[-20])
        x = ball_radius(np.linalg.norm(u, axis=1), tau, A, B)
        un = np.linalg.norm(u.astype(np.float64), axis=1)
        slow = lambda y: np.mean(probability_from_distance(y - un, A, B))  # noqa: E731
        assert slow(x) <= tau + 1e-9 and slow(x - 1e-6) >= tau - 1e-9  # the crossing of the slow function
        outside = np.linalg.norm(mean - mean[qi], axis=1) - rho > x
        assert outside.any() and (p[outside] < tau).all()
    assert ball_radius(np.ones(3), 0.05, A, B) == np.inf


def test_ball_candidates_equal_the_direct_test():
    mean, std = _poses(5000, 6, spread=1.0)
    rho = np.random.default_rng(7).uniform(0.5, 2.0, 5000).astype(np.float32)
    scan = scan_rows(mean, rho)
    for r in (0.5, 2.0, 4.0):
        got = ball_candidates(scan, mean[3], r)
        assert np.array_equal(got, ball_candidates(scan, mean[3], r, scan_product(scan, mean[3]), rho))
        slow = np.flatnonzero(np.linalg.norm(mean.astype(np.float64) - mean[3], axis=1) <= rho + r)
        # float32 rounding may only differ for rows on the boundary
        diff = np.setxor1d(got, slow)
        d = np.linalg.norm(mean[diff].astype(np.float64) - mean[3], axis=1) - rho[diff] - r
        assert (np.abs(d) < 1e-3).all()

