"""EMA of weights: warm-up decay and the update against the obvious formula."""
import torch

from trainer.ema import EmaWeights, ema_decay


def test_decay_warms_up_to_the_cap():
    assert ema_decay(1, 0.9999) == 2 / 11
    assert ema_decay(10**7, 0.9999) == 0.9999


def test_update_matches_formula_and_copies_buffers():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    ema = EmaWeights([net], 0.9)
    start = {k: v.clone() for k, v in net.state_dict().items()}
    with torch.no_grad():
        net[0].weight.add_(1.0)
        net[1].running_mean.fill_(5.0)
    ema.update(step=100)                       # decay = min(0.9, 101/110) = 0.9
    expected = 0.9 * start["0.weight"] + 0.1 * net[0].weight
    torch.testing.assert_close(ema.state_dict()[0]["0.weight"], expected)
    assert torch.equal(ema.state_dict()[0]["1.running_mean"], torch.full((2,), 5.0))
    other = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    ema.copy_to([other])
    torch.testing.assert_close(other[0].weight, expected)
