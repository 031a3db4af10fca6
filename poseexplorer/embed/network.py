"""The Pr-VIPE network (prvipe-method.md section 4) in torch, shared by the app and the trainer.

Input: normalised COCO-13 keypoints (26 numbers), plus a 13-entry visibility mask when the model takes
one. Backbone: Linear -> BN -> ReLU -> Dropout, then residual blocks of 2 x (Linear, BN, ReLU, Dropout)
with an identity skip. Heads, by kind:
- "prvipe": mean (D) and stddev = ELU(x) + 1 (D, always > 0);
- "l2vipe": mean only (a point embedding);
- "lift3d": 51 numbers, the normalised 3D pose (17 x 3) in the camera frame.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

KINDS = ("prvipe", "l2vipe", "lift3d")
LIFT_OUTPUT = 17 * 3


@dataclass(frozen=True)
class NetworkSpec:
    """Everything needed to rebuild the network; stored in the model card."""

    kind: str = "prvipe"
    embed_dim: int = 16
    width: int = 1024
    blocks: int = 2
    dropout: float = 0.3
    visibility_input: bool = True
    upright: bool = False       # inputs turned so the body points up (embed/inputs.py): roll-invariant
    snap_hipless: bool = False  # with upright: poses with hidden hips turned by quarter turns only

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.embed_dim < 1 or self.width < 1 or self.blocks < 0:
            raise ValueError(f"bad network size: embed_dim={self.embed_dim} width={self.width} blocks={self.blocks}")

    @property
    def input_dim(self) -> int:
        return 26 + (13 if self.visibility_input else 0)

    @property
    def output_dim(self) -> int:
        return LIFT_OUTPUT if self.kind == "lift3d" else self.embed_dim

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "NetworkSpec":
        fields = NetworkSpec.__dataclass_fields__
        return NetworkSpec(**{k: v for k, v in d.items() if k in fields})


class FastDropout(nn.Module):
    """Inverted dropout like nn.Dropout, with the mask from one uniform draw (about 3x faster on CPU)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p <= 0.0:
            return x
        keep = torch.rand(x.shape, device=x.device) >= self.p
        return x * keep.to(x.dtype) * (1.0 / (1.0 - self.p))


def _layer(n_in: int, n_out: int, dropout: float) -> nn.Sequential:
    # BatchNorm eps 1e-3, momentum 0.01 in PyTorch terms (TF momentum 0.99).
    return nn.Sequential(nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out, eps=1e-3, momentum=0.01),
                         nn.ReLU(), FastDropout(dropout))


class ResidualBlock(nn.Module):
    def __init__(self, width: int, dropout: float) -> None:
        super().__init__()
        self.body = nn.Sequential(_layer(width, width, dropout), _layer(width, width, dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def he_normal_(module: nn.Module) -> None:
    """He-normal weights AND biases, as in the authors' code."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            std = (2.0 / m.in_features) ** 0.5
            nn.init.normal_(m.weight, 0.0, std)
            nn.init.normal_(m.bias, 0.0, std)


class PrVipeNet(nn.Module):
    """forward(x (B, input_dim)) -> (mean (B, D), stddev (B, D) or None)."""

    def __init__(self, spec: NetworkSpec) -> None:
        super().__init__()
        self.spec = spec
        self.stem = _layer(spec.input_dim, spec.width, spec.dropout)
        self.blocks = nn.Sequential(*[ResidualBlock(spec.width, spec.dropout) for _ in range(spec.blocks)])
        self.mean_head = nn.Linear(spec.width, spec.output_dim)
        self.stddev_head = nn.Linear(spec.width, spec.embed_dim) if spec.kind == "prvipe" else None
        he_normal_(self)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        mean, std, _ = self.forward_train(x)
        return mean, std

    def forward_train(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """(mean, stddev, log stddev); the heads always run in float32 (also under bf16 autocast), and
        log stddev is exact: ELU(x) + 1 = exp(x) for x < 0, so log = x there (no log(0) for tiny stddev)."""
        h = self.features(x)
        with torch.autocast(h.device.type, enabled=False):
            h = h.float() if h.dtype in (torch.bfloat16, torch.float16) else h
            mean = self.mean_head(h)
            if self.stddev_head is None:
                return mean, None, None
            raw = self.stddev_head(h)
            std = nn.functional.elu(raw) + 1.0
            log_std = torch.where(raw < 0, raw, torch.log1p(raw.clamp_min(0.0)))
        return mean, std, log_std


class MatchingScale(nn.Module):
    """The learned a, b of p = 0.9 sigmoid(-a d + b) + 0.05, with a = ELU(raw_a) + 1 > 0."""

    def __init__(self, raw_a: float = -0.65, b: float = -0.5) -> None:
        super().__init__()
        self.raw_a = nn.Parameter(torch.tensor(float(raw_a)))
        self.b = nn.Parameter(torch.tensor(float(b)))

    @property
    def a(self) -> torch.Tensor:
        return nn.functional.elu(self.raw_a) + 1.0


def fold_batchnorm(net: PrVipeNet) -> nn.Module:
    """An inference-only copy with every BatchNorm folded into its Linear (same outputs in eval mode)."""
    layers: list[nn.Module] = []

    def fold(seq: nn.Sequential) -> nn.Sequential:
        lin, bn = seq[0], seq[1]
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        out = nn.Linear(lin.in_features, lin.out_features)
        with torch.no_grad():
            out.weight.copy_(lin.weight * scale[:, None])
            out.bias.copy_((lin.bias - bn.running_mean) * scale + bn.bias)
        return nn.Sequential(out, nn.ReLU())

    class _Block(nn.Module):
        def __init__(self, block: ResidualBlock) -> None:
            super().__init__()
            self.body = nn.Sequential(fold(block.body[0]), fold(block.body[1]))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + self.body(x)

    layers.append(fold(net.stem))
    layers.extend(_Block(b) for b in net.blocks)
    return nn.Sequential(*layers).eval()
