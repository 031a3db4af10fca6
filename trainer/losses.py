"""Pr-VIPE losses (prvipe-method.md sections 5-6) in torch.

D(x, y) = -log P(x, y) with P the mean over all K x K sample pairs of 0.9 sigmoid(-a d + b) + 0.05.
Triplet ratio loss with semi-hard mining: for anchor i the candidates are positives p_j whose 3D pose is
NP-MPJPE >= 0.1 from anchor i's; among those with D(a_i, p_j) > D(a_i, p_i) the one with the smallest D.
Loss_i = max(0, D(a_i, p_i) + ln 2 - D(a_i, n_i)), averaged over anchors with loss_i > 0.

Two routes to the same value and gradient:
- `prvipe_loss(..., fast=False)`: the B x B x K x K matrix under autograd (the obvious version);
- `prvipe_loss(..., fast=True)`: the matrix without autograd for mining only, then the 2B chosen pairs
  recomputed with autograd. Mining picks are piecewise constant, so the gradient is identical.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

#: far(rows, cols) -> bool array: True where anchor rows[k]'s 3D pose is NP-MPJPE >= 0.1 from pose cols[k].
FarCheck = Callable[[np.ndarray, np.ndarray], np.ndarray]


def kernel(d: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """p = 0.9 sigmoid(-a d + b) + 0.05."""
    return 0.9 * torch.sigmoid(b - a * d) + 0.05


def pair_probability(za: torch.Tensor, zb: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """P between row i of za and row i of zb. za, zb: (N, K, D) -> (N,)."""
    d = torch.cdist(za, zb)  # (N, K, K)
    return kernel(d, a, b).mean(dim=(1, 2))


def probability_matrix(za: torch.Tensor, zb: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                       rows_per_chunk: int = 32) -> torch.Tensor:
    """P between every row of za and every row of zb. za: (Na, K, D), zb: (Nb, K, D) -> (Na, Nb).

    Under autograd this is the naive route; under no_grad it works in place, chunk by chunk.
    """
    na, k, dim = za.shape
    nb = zb.shape[0]
    flat_b = zb.reshape(nb * k, dim)
    out = []
    for s in range(0, na, rows_per_chunk):
        blk = za[s:s + rows_per_chunk].reshape(-1, dim)
        d = torch.cdist(blk, flat_b)
        if torch.is_grad_enabled() and (d.requires_grad or a.requires_grad):
            sig = torch.sigmoid(b - a * d)
        else:
            sig = d.mul_(-a).add_(b).sigmoid_()
        out.append(sig.reshape(-1, k, nb, k).mean(dim=(1, 3)))
    return 0.9 * torch.cat(out) + 0.05


def kl_to_standard_normal(mean: torch.Tensor, std: torch.Tensor, log_std: torch.Tensor | None = None) -> torch.Tensor:
    """KL(N(mean, std^2) || N(0, I)) summed over dims. (N, D) -> (N,). Pass log_std when std may underflow."""
    log_std = torch.log(std) if log_std is None else log_std
    return 0.5 * (std * std + mean * mean - 1.0 - 2.0 * log_std).sum(-1)


def mine_semi_hard(prob: np.ndarray, far: FarCheck, first: int = 8) -> np.ndarray:
    """Semi-hard negatives from the (B, B) probability matrix (no gradients involved).

    Row i's candidates: j with P_ij < P_ii (D_ij > D_ii) and far(i, j); the pick is the largest P_ij
    (smallest D). NP-MPJPE is checked lazily in descending P: `first` per row, then 4x as many of the
    next ones for the rows still without a pick, and so on, so the answer equals checking every pair
    (a good model ranks same-pose candidates first, so rows can need many). Returns (B,) int, -1 = none.
    """
    n = len(prob)
    diag = np.diag(prob)
    cand = prob < diag[:, None]
    order = np.argsort(np.where(cand, -prob, np.inf), axis=1, kind="stable")
    n_cand = cand.sum(1)
    picks = np.full(n, -1, dtype=np.int64)
    todo = np.arange(n)
    width = first
    start = 0
    while len(todo):
        todo = todo[n_cand[todo] > start]
        if not len(todo):
            break
        cols = order[todo, start:start + width]                     # (T, w) in descending P
        valid = np.arange(start, start + cols.shape[1])[None, :] < n_cand[todo, None]
        rows = np.repeat(todo, cols.shape[1]).reshape(cols.shape)
        ok = np.zeros(cols.shape, dtype=bool)
        ok[valid] = far(rows[valid], cols[valid])
        found = ok.any(1)
        picks[todo[found]] = cols[found, ok[found].argmax(1)]
        todo = todo[~found]
        start += width
        width *= 4
    return picks


def far_from_matrix(npmpjpe: np.ndarray, threshold: float = 0.1) -> FarCheck:
    """A FarCheck reading a precomputed (B, B) NP-MPJPE matrix (the obvious version)."""
    return lambda rows, cols: npmpjpe[rows, cols] >= threshold


def triplet_ratio(d_pos: torch.Tensor, d_neg: torch.Tensor, has_neg: torch.Tensor, ratio: float = 2.0) -> torch.Tensor:
    """Mean over anchors with a positive loss of max(0, d_pos + ln ratio - d_neg); 0 when none."""
    per = torch.relu(d_pos + math.log(ratio) - d_neg) * has_neg
    active = (per > 0).sum()
    return per.sum() / active.clamp(min=1)


@dataclass(frozen=True)
class LossParts:
    total: torch.Tensor
    triplet: float
    positive: float
    prior: float
    active: int          # anchors with a positive triplet loss


def sample(mean: torch.Tensor, std: torch.Tensor | None, eps: torch.Tensor) -> torch.Tensor:
    """z = mean + std * eps. mean (B, D), eps (B, K, D) -> (B, K, D); no std -> the mean itself (K = 1)."""
    if std is None:
        return mean[:, None, :]
    return mean[:, None, :] + std[:, None, :] * eps


def prvipe_loss(mean_a, std_a, mean_p, std_p, eps_a, eps_p, a, b, far: FarCheck, fast: bool = True,
                ratio: float = 2.0, positive_weight: float = 0.005, prior_weight: float = 0.001,
                log_std_a=None, log_std_p=None) -> LossParts:
    """Total loss for B (anchor, positive) pairs; std None = point embeddings (L2-VIPE, no prior)."""
    za, zp = sample(mean_a, std_a, eps_a), sample(mean_p, std_p, eps_p)
    if fast:
        with torch.no_grad():
            prob = probability_matrix(za.detach(), zp.detach(), a.detach(), b.detach())
        picks = mine_semi_hard(prob.numpy(), far)
        has = torch.from_numpy(picks >= 0)
        idx = torch.from_numpy(np.where(picks >= 0, picks, np.arange(len(picks))))
        p_pos = pair_probability(za, zp, a, b)
        p_neg = pair_probability(za, zp[idx], a, b)
    else:
        prob = probability_matrix(za, zp, a, b)
        picks = mine_semi_hard(prob.detach().numpy(), far)
        has = torch.from_numpy(picks >= 0)
        idx = torch.from_numpy(np.where(picks >= 0, picks, np.arange(len(picks))))
        rows = torch.arange(len(picks))
        p_pos, p_neg = prob[rows, rows], prob[rows, idx]
    d_pos, d_neg = -torch.log(p_pos), -torch.log(p_neg)
    triplet = triplet_ratio(d_pos, d_neg, has.to(d_pos.dtype), ratio)
    positive = positive_weight * d_pos.mean()
    if std_a is None:
        prior = torch.zeros(())
    else:
        prior = prior_weight * torch.cat([kl_to_standard_normal(mean_a, std_a, log_std_a),
                                          kl_to_standard_normal(mean_p, std_p, log_std_p)]).mean()
    total = triplet + positive + prior
    active = int(((d_pos + math.log(ratio) - d_neg > 0) & has).sum())
    return LossParts(total, float(triplet.detach()), float(positive.detach()), float(prior.detach()), active)


def lift_loss(pred: torch.Tensor, target: torch.Tensor) -> LossParts:
    """3D lifting: mean squared error on the normalised camera-frame joints. pred (B, 51), target (B, 17, 3)."""
    mse = ((pred.reshape(target.shape) - target) ** 2).sum(-1).mean()
    return LossParts(mse, float(mse.detach()), 0.0, 0.0, 0)
