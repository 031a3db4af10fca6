"""Starting a deeper network from a shallower model file: it starts as the model and its new blocks learn."""
from __future__ import annotations

import pytest
import torch

from poseexplorer.embed.modelfile import save_model
from poseexplorer.embed.network import FastDropout, MatchingScale, NetworkSpec, PrVipeNet
from trainer.network_growth import grow_blocks, grow_width
from trainer.training_step import TrainingError, start_from_model_file


def _trained_like(blocks: int, seed: int = 0) -> PrVipeNet:
    torch.manual_seed(seed)
    net = PrVipeNet(NetworkSpec(width=32, blocks=blocks, embed_dim=4, dropout=0.1))
    net.train()
    with torch.no_grad():                               # batch-norm statistics away from their defaults
        for _ in range(20):
            net(torch.randn(64, net.spec.input_dim) * 2 + 0.5)
    return net.eval()


def test_a_grown_network_starts_as_its_source_and_its_new_blocks_get_gradient():
    src = _trained_like(blocks=1)
    deep = PrVipeNet(NetworkSpec(width=32, blocks=3, embed_dim=4, dropout=0.1))
    assert grow_blocks(deep, src.state_dict()) == 2
    deep.eval()
    x = torch.randn(50, src.spec.input_dim)
    with torch.no_grad():
        (m0, s0), (m1, s1) = src(x), deep(x)
    assert torch.allclose(m0, m1, atol=1e-2) and torch.allclose(s0, s1, atol=1e-2)
    assert not torch.allclose(deep(x)[0], PrVipeNet(deep.spec).eval()(x)[0], atol=5e-2)
    deep.train()
    mean, std = deep(x)
    (mean.square().sum() + std.sum()).backward()
    for b in (1, 2):
        grads = [p.grad for p in deep.blocks[b].parameters()]
        assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads)


def test_init_from_a_model_file_grows_or_refuses_a_different_shape(tmp_path):
    src = _trained_like(blocks=1)
    save_model(tmp_path / "src.safetensors", src, MatchingScale(), {"name": "src"})
    deep = PrVipeNet(NetworkSpec(width=32, blocks=2, embed_dim=4, dropout=0.1))
    scale = MatchingScale(raw_a=0.3, b=1.0)
    start_from_model_file(deep, scale, tmp_path / "src.safetensors")
    assert torch.equal(deep.stem[0].weight, src.stem[0].weight) and float(scale.b.detach()) == pytest.approx(-0.5)
    narrow = PrVipeNet(NetworkSpec(width=16, blocks=2, embed_dim=4, dropout=0.1))
    with pytest.raises(TrainingError, match="width"):
        start_from_model_file(narrow, MatchingScale(), tmp_path / "src.safetensors")
    other_dim = PrVipeNet(NetworkSpec(width=32, blocks=2, embed_dim=8, dropout=0.1))
    with pytest.raises(TrainingError, match="embed_dim"):
        start_from_model_file(other_dim, MatchingScale(), tmp_path / "src.safetensors")


@pytest.mark.parametrize("blocks", [1, 2])
def test_a_widened_network_starts_as_its_source_and_its_new_units_learn(tmp_path, blocks):
    src = _trained_like(blocks=1)
    wide = PrVipeNet(NetworkSpec(width=48, blocks=blocks, embed_dim=4, dropout=0.0))
    save_model(tmp_path / "src.safetensors", src, MatchingScale(), {"name": "src"})
    start_from_model_file(wide, MatchingScale(), tmp_path / "src.safetensors")
    wide.eval()
    x = torch.randn(50, src.spec.input_dim)
    with torch.no_grad():
        (m0, s0), (m1, s1) = src(x), wide(x)
    tol = 1e-5 if blocks == 1 else 1e-2               # a grown block adds GROWN_BLOCK_SHIFT
    assert torch.allclose(m0, m1, atol=tol) and torch.allclose(s0, s1, atol=tol)
    for m in src.modules():
        if isinstance(m, FastDropout):
            m.p = 0.0
    with torch.no_grad():                              # in training mode too (batch statistics), no dropout
        src.train(), wide.train()
        (m0, _), (m1, _) = src(x), wide(x)
    assert torch.allclose(m0, m1, atol=tol)
    mean, std = wide(x)
    (mean.square().sum() + std.sum()).backward()
    head = wide.mean_head.weight.grad
    assert head[:, 32:].abs().sum() > 0                # the heads start reading the new units at once
    assert wide.stem[0].weight.grad[32:].abs().sum() == 0   # (their inputs learn from the next step on)


def test_grow_width_checks_its_source():
    src = _trained_like(blocks=1)
    with pytest.raises(RuntimeError, match="not narrower"):
        grow_width(PrVipeNet(NetworkSpec(width=32, blocks=1, embed_dim=4)), src.state_dict())
    with pytest.raises(RuntimeError, match="differs|cannot widen"):
        grow_width(PrVipeNet(NetworkSpec(width=48, blocks=1, embed_dim=8)), src.state_dict())
