"""The evaluation views: the selected frames projected through each rig, exact and with detector noise."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .noise import corrupt_views
from .rigs import RIGS, project_rig

CONDITIONS = ("exact", "noisy")


@dataclass(frozen=True)
class RigViews:
    """One rig and condition: xy (C, M, 13, 2) pixels; scores (C, M, 13) in [0, 1]."""

    rig: str
    condition: str
    xy: np.ndarray
    scores: np.ndarray

    def __post_init__(self) -> None:
        if self.xy.ndim != 4 or self.xy.shape[2:] != (13, 2) or self.scores.shape != self.xy.shape[:3]:
            raise ValueError(f"RigViews: xy {self.xy.shape} and scores {self.scores.shape} do not fit")

    @property
    def label(self) -> str:
        return f"{self.rig}, {self.condition}"


def build_views(joints: np.ndarray, rigs: tuple[str, ...] = ("chest", "all"), seed: int = 0) -> list[RigViews]:
    """Project (M, 17, 3) evaluation poses through each rig; the noisy copy uses `seed` + rig index."""
    out = []
    for r, name in enumerate(rigs):
        xy = project_rig(RIGS[name](), joints)
        out.append(RigViews(name, "exact", xy, np.ones(xy.shape[:3], np.float32)))
        nxy, nsc = corrupt_views(xy, seed + 101 * (r + 1))
        out.append(RigViews(name, "noisy", nxy, nsc))
    return out
