"""Upper bounds on the sampled matching probability P, cheap enough to screen millions of poses.

P between a query and a pose is the mean over K x L sample pairs of p(d_kl), p(d) = 0.9 sigmoid(b - a d) + 0.05
decreasing in d. Projecting on a unit direction n gives, for every pair, d_kl >= dist + alpha_k - beta_l
(alpha_k: the query sample offset along n, beta_l: the pose's sample offset along n, dist: the gap of the
means along n, or a lower bound of it for a group of poses). Averaging p over those per-pair bounds keeps
nearly all of P's spread over the samples, unlike p of the smallest distance: on embeddings shaped like the
bundled model's it leaves about 40 poses per million above the 10th best P, against about 1,200 for
p(min_kl d_kl) (benchmarks/search_scale.py).

The exponential separates, exp(a (dist + alpha_k - beta_l) - b) = exp(a dist - b) exp(a alpha_k) exp(-a beta_l),
so a row costs 2K + 1 exponentials and K x L multiply-adds instead of K x L exponentials and square roots.
"""
from __future__ import annotations

import numpy as np

_ROWS = 4096  # rows per block: (rows, K, L) float32 stays a few MB
#: Added to every bound: exact P is summed in float32 in other blocks (seen 6e-10 above a float64 sum)
_ROUNDING = 1e-6


def pair_bound(dist: np.ndarray, alpha: np.ndarray, beta: np.ndarray, a: float, b: float) -> np.ndarray:
    """0.05 + 0.9 mean_kl sigmoid(b - a (dist + alpha_k - beta_l)). dist (m,), alpha (m, K), beta (m, L)
    -> (m,) float64. An upper bound on P whenever d_kl >= dist + alpha_k - beta_l for every pair (p is
    decreasing; a negative bound only raises the value, so no clamp at 0 is needed)."""
    dist = np.asarray(dist, np.float32)
    alpha, beta = np.asarray(alpha, np.float32), np.asarray(beta, np.float32)
    if alpha.shape[0] != len(dist) or beta.shape[0] != len(dist):
        raise ValueError(f"alpha {alpha.shape} and beta {beta.shape} must have {len(dist)} rows like dist")
    out = np.empty(len(dist), np.float64)
    a32, b32 = np.float32(a), np.float32(b)
    with np.errstate(over="ignore"):
        for s in range(0, len(dist), _ROWS):
            e0 = np.exp(a32 * dist[s:s + _ROWS] - b32)  # may be inf: the sigmoid is then 0, as it should
            ea = np.exp(a32 * alpha[s:s + _ROWS]) * e0[:, None]
            eb = np.exp(-a32 * beta[s:s + _ROWS])
            t = ea[:, :, None] * eb[:, None, :]
            t += np.float32(1.0)
            np.reciprocal(t, out=t)
            out[s:s + _ROWS] = t.reshape(len(t), -1).mean(1, dtype=np.float64)
    return out * 0.9 + (0.05 + _ROUNDING)


def projection_terms(mq: np.ndarray, u: np.ndarray, mean: np.ndarray, stddev: np.ndarray,
                     eps_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pose, the projection on n = (mq - mean_j) / |mq - mean_j|: (dist (m,) = |mq - mean_j|,
    alpha (m, K) = u_k . n, beta (m, L) = (stddev_j * eps_l) . n). mq (D,), u (K, D) query sample offsets,
    mean, stddev (m, D), eps_index (L, D). Then d_kl >= dist + alpha_k - beta_l."""
    delta = np.asarray(mq, np.float32)[None] - np.asarray(mean, np.float32)
    dist = np.sqrt(np.einsum("ij,ij->i", delta, delta))
    delta /= np.maximum(dist, np.float32(1e-12))[:, None]
    alpha = delta @ np.asarray(u, np.float32).T
    delta *= np.asarray(stddev, np.float32)
    beta = delta @ np.asarray(eps_index, np.float32).T
    return dist, alpha, beta


def row_bounds(mq: np.ndarray, u: np.ndarray, mean: np.ndarray, stddev: np.ndarray, rho_q: float,
               rho: np.ndarray, eps_index: np.ndarray, a: float, b: float, slack: float,
               reach: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """(smallest sample distance bound (m,) float32, upper bound on P (m,) float64) for the given poses.
    The distance bound is the larger of the ball bound |Delta| - rho_q - rho_j and the projection bound
    with the extreme alpha and beta; both bounds are loosened by `slack` (float32 rounding). The pair-averaged
    bound is only computed where the distance bound is within `reach` (elsewhere it is p(reach) or less:
    reported as 0.05)."""
    delta = np.asarray(mq, np.float32)[None] - np.asarray(mean, np.float32)
    dist = np.sqrt(np.einsum("ij,ij->i", delta, delta))
    delta /= np.maximum(dist, np.float32(1e-12))[:, None]
    # (K, m) products reduce over the first axis: contiguous, SIMD-friendly, several times faster than axis 1
    alpha_t = np.asarray(u, np.float32) @ delta.T
    delta *= np.asarray(stddev, np.float32)
    beta_t = np.asarray(eps_index, np.float32) @ delta.T
    lb = dist + alpha_t.min(0)
    lb -= beta_t.max(0)
    lb = np.maximum(lb, dist - np.float32(rho_q) - np.asarray(rho, np.float32))
    lb -= np.float32(slack)
    ub = np.full(len(lb), 0.05)
    near = np.flatnonzero(lb <= reach)
    ub[near] = pair_bound(dist[near] - np.float32(slack), alpha_t[:, near].T, beta_t[:, near].T, a, b)
    return lb, ub


def groups_may_reach(mq: np.ndarray, u: np.ndarray, eps_index: np.ndarray, centre: np.ndarray, R: np.ndarray,
                     reach_ball: np.ndarray, smin: np.ndarray, smax: np.ndarray, mlo: np.ndarray, mhi: np.ndarray,
                     rho_q: float, reach: float, tau: float | None, a: float, b: float,
                     slack: float = 1e-3) -> np.ndarray:
    """(m,) bool: which groups of poses may hold a pose with P >= tau (and a sample pair within `reach`).

    A group: centre (m, D); R (m,) the largest |mean_j - centre|; reach_ball (m,) the largest
    |mean_j - centre| + rho_j; per dimension the ranges of its stddevs [smin, smax] and means [mlo, mhi] (m, D).
    With n the unit direction from the centre to the query mean mq (D,), every member has
    (mq - mean_j) . n >= |mq - centre| - min(R, max over the box of (mean_j - centre) . n), its sample offsets
    along n are at most beta_l = max over the stddev box of (stddev * eps_l) . n, and the query's are
    alpha_k = u_k . n: so d_kl >= near + alpha_k - beta_l, the form of pair_bound. Groups failing the ball
    test |mq - centre| - reach_ball - rho_q <= reach are dropped first, without the products.
    """
    gap = np.asarray(mq, np.float32)[None] - centre
    dist = np.sqrt(np.einsum("ij,ij->i", gap, gap))
    ok = dist - reach_ball - np.float32(rho_q) <= reach
    live = np.flatnonzero(ok)
    n = gap[live] / np.maximum(dist[live], 1e-12)[:, None]
    alpha = n @ u.T
    # sum_d eps_ld n_d s_d with s_d at smax or smin by the sign of eps_ld n_d, as two products:
    # = eps_l . (n * mid) + |eps_l| . (|n| * half), mid/half the centre/half-width of [smin, smax]
    lo_s, hi_s = smin[live], smax[live]
    beta = (n * (0.5 * (hi_s + lo_s))) @ eps_index.T + (np.abs(n) * (0.5 * (hi_s - lo_s))) @ np.abs(eps_index).T
    lo, hi = mlo[live] - centre[live], mhi[live] - centre[live]
    near = dist[live] - np.minimum(R[live], np.maximum(n * hi, n * lo).sum(1))
    keep = near + alpha.min(1) - beta.max(1) - np.float32(slack) <= reach
    if tau is not None:
        keep[keep] = pair_bound(near[keep] - np.float32(slack), alpha[keep], beta[keep], a, b) >= tau
    ok[live] = keep
    return ok


def ball_radius(u_norm: np.ndarray, tau: float, a: float, b: float) -> float:
    """The largest x with mean_k p(x - |u_k|) >= tau (inf when tau <= 0.05), so that a pose whose means
    lie |Delta| apart and whose sample offsets are at most rho_j can reach P >= tau only if
    |Delta| - rho_j <= x: every pair has d_kl >= |Delta| - |u_k| - rho_j, and p is decreasing.
    u_norm (K,): the query's sample offsets |u_k|. See ball_radii."""
    return float(ball_radii(u_norm, np.array([tau], np.float64), a, b)[0])


def ball_radii(u_norm: np.ndarray, tau: np.ndarray, a: float, b: float) -> np.ndarray:
    """ball_radius for many tau at once (M,) -> (M,) float64. x lies between reach + min |u_k| and
    reach + max |u_k| (p(reach) = tau); found by bisection on all of them together, rounded up."""
    u_norm = np.asarray(u_norm, np.float64)
    tau = np.asarray(tau, np.float64)
    s = (tau - 0.05) / 0.9
    inner = (s > 0.0) & (s < 1.0)
    reach = np.zeros(len(tau))
    reach[inner] = (b + np.log(1.0 / s[inner] - 1.0)) / a
    lo, hi = reach + u_norm.min(), reach + u_norm.max()
    for _ in range(40):  # psi is decreasing: keep psi(lo) >= tau > psi(hi) (up to rounding)
        mid = 0.5 * (lo + hi)
        e = np.clip(a * (mid[:, None] - u_norm[None]) - b, -700, 700)
        up = np.mean(0.9 / (1.0 + np.exp(e)) + 0.05, axis=1) >= tau
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    out = hi + 1e-9 * (1.0 + np.abs(hi))
    return np.where(s <= 0.0, np.inf, np.where(s >= 1.0, -np.inf, out))
