"""Start a larger network as a smaller trained one (capacity at an equal fine-tuning budget).

From-scratch runs long enough to rank network sizes do not fit two shared CPU cores, so capacity is compared
by growing the shipped model and fine-tuning both for the same steps, in the manner of Net2Net (Chen et al.,
ICLR 2016):
- deeper (grow_blocks): every extra residual block starts as an identity (its last batch norm scaled to 0);
- wider (grow_width): every hidden layer gets new units; the old units read only old units (the weights
  from new units to old ones are 0) and the heads read only old units, so the outputs are the source
  model's exactly; the new units' own weights are He-normal, so they compute something from the first step,
  and the zero weights that read them get gradient at once.
Both keep the inputs, the heads' sizes and the batch-norm statistics of the source.
"""
from __future__ import annotations

import torch

from poseexplorer.embed.network import PrVipeNet

#: A grown residual block's last batch-norm shift: the block adds this constant to every feature at the
#: start (its scale is 0), small enough to keep the source model's output, not 0 so that ReLU passes gradient.
GROWN_BLOCK_SHIFT = 1e-3


def grow_blocks(net: PrVipeNet, src_state: dict[str, torch.Tensor]) -> int:
    """Load a source network with fewer residual blocks (same width, inputs, heads) into `net`: its blocks
    first, every extra block of `net` made an identity (its last batch norm scaled to 0, shifted by
    GROWN_BLOCK_SHIFT) so the grown network starts as the source model. Returns the number of grown blocks."""
    own = net.state_dict()
    missing = [k for k in own if k not in src_state]
    if any(not k.startswith("blocks.") for k in missing) or any(k not in own for k in src_state):
        raise RuntimeError("the source network differs in more than its number of residual blocks")
    net.load_state_dict(src_state, strict=False)
    grown = sorted({int(k.split(".")[1]) for k in missing})
    with torch.no_grad():
        for b in grown:
            last_norm = net.blocks[b].body[-1][1]
            last_norm.weight.zero_()
            last_norm.bias.fill_(GROWN_BLOCK_SHIFT)
    return len(grown)


def widened_state(src_state: dict[str, torch.Tensor], wide: PrVipeNet) -> dict[str, torch.Tensor]:
    """The source network's state (width w) spread into `wide`'s shapes (width W > w, same blocks, inputs and
    heads), new entries taken from `wide`'s own initialisation except where the function must not change:
    weights from new units into old units and into the heads are 0, new batch-norm statistics are the defaults."""
    narrow, width = src_state["stem.0.weight"].shape[0], wide.spec.width
    out = {}
    for key, target in wide.state_dict().items():
        if key not in src_state:
            raise RuntimeError(f"the source network has no {key}: it differs in more than its width")
        src = src_state[key]
        if src.shape == target.shape:
            out[key] = src.clone()
            continue
        grows = [(s, t) for s, t in zip(src.shape, target.shape) if s != t]
        if src.dim() != target.dim() or any(pair != (narrow, width) for pair in grows):
            raise RuntimeError(f"{key}: {tuple(src.shape)} cannot widen to {tuple(target.shape)}")
        new = target.clone()
        if src.dim() == 2:                       # a Linear: rows = outputs, columns = inputs
            rows, cols = src.shape
            new[:rows, :] = 0.0                  # old outputs read nothing from new units...
            new[:rows, :cols] = src              # ...and exactly what they read before
        else:                                    # a bias or batch-norm vector of a widened layer
            new[:src.shape[0]] = src
        out[key] = new
    return out


def grow_width(net: PrVipeNet, src_state: dict[str, torch.Tensor]) -> int:
    """Load a narrower source network into `net` (widened_state). Returns the number of units added per
    hidden layer."""
    src_width = src_state["stem.0.weight"].shape[0]
    if src_width >= net.spec.width:
        raise RuntimeError(f"the source network is not narrower ({src_width} >= {net.spec.width})")
    net.load_state_dict(widened_state(src_state, net))
    return net.spec.width - src_width
