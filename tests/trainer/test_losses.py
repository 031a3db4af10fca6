"""Pr-VIPE losses against slow obvious versions, the method's check values, and fast == naive gradients."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from poseexplorer.embed.network import MatchingScale, NetworkSpec, PrVipeNet
from trainer.losses import (
    far_from_matrix, kernel, kl_to_standard_normal, mine_semi_hard, pair_probability, probability_matrix,
    prvipe_loss, triplet_ratio,
)


def slow_probability(za: np.ndarray, zb: np.ndarray, a: float, b: float) -> float:
    total = 0.0
    for z1 in za:
        for z2 in zb:
            d = math.sqrt(((z1 - z2) ** 2).sum())
            total += 0.9 / (1.0 + math.exp(a * d - b)) + 0.05
    return total / (len(za) * len(zb))


def test_kernel_check_values():
    a, b = torch.tensor(0.01, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64)
    p = kernel(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), a, b)
    np.testing.assert_allclose(p.numpy(), [0.70617913, 0.704397395, 0.702607548], atol=1e-8)


def test_matching_scale_initial_values():
    scale = MatchingScale()
    assert float(scale.a.detach()) == pytest.approx(math.exp(-0.65), abs=1e-6)  # ELU(-0.65) + 1 ~ 0.522
    assert float(scale.b.detach()) == -0.5


def test_probability_matrix_and_pairs_match_slow_loop():
    g = torch.Generator().manual_seed(0)
    za, zb = torch.randn(5, 3, 4, generator=g), torch.randn(6, 3, 4, generator=g)
    a, b = torch.tensor(0.7), torch.tensor(-0.3)
    with torch.no_grad():
        fast = probability_matrix(za, zb, a, b, rows_per_chunk=2).numpy()
    for i in range(5):
        for j in range(6):
            assert fast[i, j] == pytest.approx(slow_probability(za[i].numpy(), zb[j].numpy(), 0.7, -0.3), abs=1e-5)
    pairs = pair_probability(za, zb[:5], a, b).detach().numpy()
    np.testing.assert_allclose(pairs, np.diag(fast[:, :5]), atol=1e-5)


def test_kl_matches_formula_and_stable_log():
    mean, std = torch.tensor([[0.5, -1.0]]), torch.tensor([[0.5, 2.0]])
    slow = sum(0.5 * (s * s + m * m - 1 - math.log(s * s)) for m, s in [(0.5, 0.5), (-1.0, 2.0)])
    assert float(kl_to_standard_normal(mean, std)) == pytest.approx(slow, rel=1e-6)
    assert float(kl_to_standard_normal(mean, std, torch.log(std))) == pytest.approx(slow, rel=1e-6)


def slow_mining(prob: np.ndarray, far: np.ndarray) -> np.ndarray:
    out = []
    for i in range(len(prob)):
        best, pick = -1.0, -1
        for j in range(len(prob)):
            if far[i, j] and prob[i, j] < prob[i, i] and prob[i, j] > best:
                best, pick = prob[i, j], j
        out.append(pick)
    return np.array(out)


@pytest.mark.parametrize("first", [1, 3, 50])
def test_mining_matches_brute_force(first):
    rng = np.random.default_rng(first)
    for trial in range(5):
        n = 12
        prob = rng.random((n, n))
        npm = rng.random((n, n)) * 0.2          # about half the pairs are "the same pose"
        np.fill_diagonal(npm, 0.0)
        picks = mine_semi_hard(prob, far_from_matrix(npm), first=first)
        np.testing.assert_array_equal(picks, slow_mining(prob, npm >= 0.1))


def test_triplet_ratio_matches_loop():
    d_pos = torch.tensor([0.2, 0.9, 0.1, 0.5])
    d_neg = torch.tensor([0.5, 0.3, 2.0, 0.6])
    has = torch.tensor([1.0, 1.0, 1.0, 0.0])
    losses = [max(0.0, float(p) + math.log(2) - float(n)) * float(h) for p, n, h in zip(d_pos, d_neg, has)]
    active = [x for x in losses if x > 0]
    assert float(triplet_ratio(d_pos, d_neg, has)) == pytest.approx(sum(active) / len(active), rel=1e-6)
    assert float(triplet_ratio(d_pos, d_neg, torch.zeros(4))) == 0.0


def _grads(fast: bool, kind: str = "prvipe"):
    torch.manual_seed(0)
    b, k = 12, 5
    net = PrVipeNet(NetworkSpec(kind=kind, embed_dim=4, width=16, dropout=0.0)).double()
    scale = MatchingScale().double()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2 * b, 39, generator=g, dtype=torch.float64)
    eps = torch.randn(2, b, k, 4, generator=g, dtype=torch.float64)
    npm = np.random.default_rng(2).random((b, b)) * 0.3
    np.fill_diagonal(npm, 0.0)
    mean, std, log_std = net.forward_train(x)
    if std is None:
        sa = sp = la = lp = None
    else:
        sa, sp, la, lp = std[:b], std[b:], log_std[:b], log_std[b:]
    parts = prvipe_loss(mean[:b], sa, mean[b:], sp, eps[0], eps[1], scale.a, scale.b, far_from_matrix(npm),
                        fast=fast, log_std_a=la, log_std_p=lp)
    parts.total.backward()
    grads = [p.grad.clone() for p in list(net.parameters()) + list(scale.parameters())]
    return float(parts.total.detach()), grads


@pytest.mark.parametrize("kind", ["prvipe", "l2vipe"])
def test_fast_loss_has_the_naive_value_and_gradient(kind):
    value_fast, g_fast = _grads(True, kind)
    value_naive, g_naive = _grads(False, kind)
    assert value_fast == pytest.approx(value_naive, rel=1e-10)
    assert any(float(g.abs().max()) > 0 for g in g_naive)
    for gf, gn in zip(g_fast, g_naive):
        torch.testing.assert_close(gf, gn, rtol=1e-8, atol=1e-10)
