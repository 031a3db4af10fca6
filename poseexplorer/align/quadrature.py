"""The matching probability of every frame pair of two embedded sequences, deterministically (quadrature).

P = E[g(|z1 - z2|)] with g(d) = 0.9 sigmoid(-a d + b) + 0.05 and z1 - z2 ~ N(mu1 - mu2, diag(s1^2 + s2^2)):
the first two moments of Y = |z1 - z2|^2 are exact closed forms (matrix products), Y is matched to a gamma
law whose cube root is close to normal (Wilson-Hilferty), and E[g] is a 4-node Gauss-Hermite sum. It is
the expectation the method's K = 20 sampled estimator approximates, without its sampling noise (it agrees
with a large-sample Monte Carlo value to about 1e-3; see tests/align/test_cost.py).

Speed, for the 25M pairs of two 5,000-frame videos: float32 blocks of rows on 2 threads (blocks.run_blocks);
the moments come from one matrix product per block (the row and column terms ride along as extra feature
columns); the cube root is exp(log(x) / 3) (numpy's float32 cbrt costs 4 times as much); the constant `a` is
folded into the cube root and `b` into the sigmoid, so each Hermite node is nine cheap passes over a block.
"""
from __future__ import annotations

import numpy as np

from ..core.poses import Embedding
from .blocks import run_blocks

MIN_P = 1e-12
_HERMITE_NODES = 4  # more nodes change P by < 1e-4: the gamma approximation dominates the error
_HERMITE = [(x, w / np.sqrt(2.0 * np.pi)) for x, w in zip(*np.polynomial.hermite_e.hermegauss(_HERMITE_NODES))]
BLOCK = 64


def pair_features(ea: Embedding, eb: Embedding) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Per-frame features whose products give the moments of Y = |z1 - z2|^2 (float32, centred means).

    E[Y]   = |m1|^2 + sum v1 + |m2|^2 + sum v2 - 2 m1.m2
    Var[Y] = 2 sum (v1 + v2)^2 + 4 sum (m1 - m2)^2 (v1 + v2)
           = [2 sum v1^2 + 4 sum m1^2 v1] + [2 sum v2^2 + 4 sum m2^2 v2]
             + 4 v1.(v2 + m2^2) + 4 m1^2.v2 - 8 (m1 v1).m2 - 8 m1.(m2 v2)
    with v = stddev^2. Returns (A features (Ta, F), B features for E[Y] (Tb, split), B features for Var[Y]
    (Tb, F - split), split): E[Y] = A[:, :split] @ B_mean.T, Var[Y] = A[:, split:] @ B_var.T.
    """
    origin = np.asarray(ea.mean, np.float64).mean(0)
    m1 = np.asarray(ea.mean, np.float64) - origin
    m2 = np.asarray(eb.mean, np.float64) - origin
    v1, v2 = np.asarray(ea.stddev, np.float64) ** 2, np.asarray(eb.stddev, np.float64) ** 2
    one_a, one_b = np.ones((len(m1), 1)), np.ones((len(m2), 1))
    mean_a = np.concatenate([-2.0 * m1, ((m1**2).sum(1) + v1.sum(1))[:, None], one_a], axis=1)
    mean_b = np.concatenate([m2, one_b, ((m2**2).sum(1) + v2.sum(1))[:, None]], axis=1)
    var_a = np.concatenate([4.0 * v1, 4.0 * m1**2, -8.0 * m1 * v1, -8.0 * m1,
                            (2.0 * (v1**2).sum(1) + 4.0 * (m1**2 * v1).sum(1))[:, None], one_a], axis=1)
    var_b = np.concatenate([v2 + m2**2, v2, m2, m2 * v2, one_b,
                            (2.0 * (v2**2).sum(1) + 4.0 * (m2**2 * v2).sum(1))[:, None]], axis=1)
    f32 = np.float32
    return (np.concatenate([mean_a, var_a], axis=1).astype(f32), mean_b.astype(f32), var_b.astype(f32),
            mean_a.shape[1])


def moments_block(feats, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of |z1 - z2|^2 for rows `rows` of A against all of B. -> 2 x (n, Tb) float32."""
    fa, mean_b, var_b, split = feats
    return fa[rows, :split] @ mean_b.T, fa[rows, split:] @ var_b.T


def expected_p(mean: np.ndarray, var: np.ndarray, a: float, b: float, out: np.ndarray) -> np.ndarray:
    """E[g(sqrt(Y))] for Y with the given mean and variance, into `out` (mean and var are overwritten).

    Gamma law for Y: shape k = mean^2 / var; cube root ~ normal with mu = cbrt(mean) (1 - 1/(9k)) and
    sd = cbrt(mean) / sqrt(9k). Both are scaled by a^(2/3), so a d = c^(3/2) for a node value c.
    """
    np.maximum(mean, 1e-12, out=mean)
    np.maximum(var, 1e-20, out=var)
    cube = np.log(mean)
    cube *= np.float32(1.0 / 3.0)
    cube += np.float32(2.0 / 3.0 * np.log(a))
    np.exp(cube, out=cube)                     # a^(2/3) cbrt(mean)
    sd = np.sqrt(var, out=var)
    sd /= mean
    sd *= cube
    sd *= np.float32(1.0 / 3.0)
    mu = np.square(sd, out=mean)
    mu /= cube
    np.subtract(cube, mu, out=mu)
    c, term = cube, np.empty_like(out)
    e_b = np.float32(np.exp(b))
    out[...] = np.float32(0.05)
    with np.errstate(over="ignore"):          # exp(a d) = inf far away: the term is then 0, as it should be
        for x, w in _HERMITE:
            np.multiply(sd, np.float32(x), out=c)
            c += mu
            np.maximum(c, 0.0, out=c)
            np.sqrt(c, out=term)
            term *= c                          # a d
            np.exp(term, out=term)
            term += e_b                        # 0.9 w / (1 + exp(a d - b)) = 0.9 w e^b / (e^b + exp(a d))
            np.divide(np.float32(0.9 * w * np.exp(b)), term, out=term)
            out += term
    return out


def _neg_log(p: np.ndarray) -> np.ndarray:
    np.maximum(p, MIN_P, out=p)
    np.log(p, out=p)
    return np.negative(p, out=p)


def quadrature_probability(ea: Embedding, eb: Embedding, a: float, b: float, block: int = BLOCK,
                           neg_log: bool = False) -> np.ndarray:
    """P for every pair (Ta, Tb) float32; neg_log: -log P instead (computed block by block)."""
    return _every_pair(ea, [eb], a, b, block, neg_log)


def least_distance(ea: Embedding, ebs: list[Embedding], a: float, b: float, block: int = BLOCK) -> np.ndarray:
    """-log P of A against the closest of several versions of B (e.g. B and B mirrored), per pair.
    -> (Ta, Tb) float32; the versions must have the same rows."""
    return _every_pair(ea, ebs, a, b, block, True)


def _every_pair(ea: Embedding, ebs: list[Embedding], a: float, b: float, block: int, neg_log: bool) -> np.ndarray:
    feats = [pair_features(ea, eb) for eb in ebs]
    out = np.empty((len(ea), len(ebs[0])), np.float32)

    def run(start: int) -> None:
        rows = slice(start, min(start + block, len(ea)))
        best = expected_p(*moments_block(feats[0], rows), a, b, out=out[rows])
        for more in feats[1:]:
            np.maximum(best, expected_p(*moments_block(more, rows), a, b, out=np.empty_like(best)), out=best)
        if neg_log:
            _neg_log(best)

    run_blocks(run, range(0, len(ea), block), len(ea) * len(ebs[0]) * len(ebs))
    return out


def paired_distance(emb_a: Embedding, emb_b: Embedding, a: float, b: float) -> np.ndarray:
    """-log P of row i of A against row i of B only (quadrature), e.g. along a path. -> (N,) float32."""
    if len(emb_a) != len(emb_b):
        raise ValueError(f"paired_distance needs as many rows in A as in B, got {len(emb_a)} and {len(emb_b)}")
    delta = np.asarray(emb_a.mean, np.float64) - np.asarray(emb_b.mean, np.float64)
    v = np.asarray(emb_a.stddev, np.float64) ** 2 + np.asarray(emb_b.stddev, np.float64) ** 2
    mean = (delta**2 + v).sum(1).astype(np.float32)
    var = (2.0 * v**2 + 4.0 * delta**2 * v).sum(1).astype(np.float32)
    return _neg_log(expected_p(mean, var, a, b, out=np.empty(len(mean), np.float32)))
