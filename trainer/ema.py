"""Exponential moving average of weights (prvipe-method.md section 6): decay min(d, (1 + t) / (10 + t))."""
from __future__ import annotations

import torch
from torch import nn


def ema_decay(step: int, decay: float) -> float:
    """The warmed-up decay at `step` (1-based): small at first so the average follows the early weights."""
    return min(decay, (1.0 + step) / (10.0 + step))


class EmaWeights:
    """Shadow copies of the float parameters of some modules; buffers (BatchNorm statistics) are copied."""

    def __init__(self, modules: list[nn.Module], decay: float) -> None:
        self.modules, self.decay = modules, decay
        self.shadow = [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in modules]

    @torch.no_grad()
    def update(self, step: int) -> None:
        weight = 1.0 - ema_decay(step, self.decay)
        for module, shadow in zip(self.modules, self.shadow):
            params = dict(module.named_parameters())
            names = [k for k in shadow if k in params]
            torch._foreach_lerp_([shadow[k] for k in names], [params[k].detach() for k in names], weight)
            for k, buf in module.named_buffers():
                shadow[k].copy_(buf)

    def state_dict(self) -> list[dict[str, torch.Tensor]]:
        return self.shadow

    def load_state_dict(self, state: list[dict[str, torch.Tensor]]) -> None:
        self.shadow = [{k: v.clone() for k, v in s.items()} for s in state]

    def copy_to(self, modules: list[nn.Module]) -> None:
        """Load the averaged weights into (other instances of) the modules."""
        for module, shadow in zip(modules, self.shadow):
            module.load_state_dict(shadow)
