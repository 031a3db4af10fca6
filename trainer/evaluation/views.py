"""The evaluation views: the selected frames projected through each rig, exact and with detector noise."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .noise import corrupt_views
from .rigs import RIGS, project_rig

CONDITIONS = ("exact", "noisy")


@dataclass(frozen=True)
class RigViews:
    """One rig and condition: xy (C, M, 13, 2) pixels; scores (C, M, 13) in [0, 1]; max_queries: queries
    per camera pair (None = every frame; a fixed random subset bounds the cost of the 11-camera rig)."""

    rig: str
    condition: str
    xy: np.ndarray
    scores: np.ndarray
    max_queries: int | None = None

    def __post_init__(self) -> None:
        if self.xy.ndim != 4 or self.xy.shape[2:] != (13, 2) or self.scores.shape != self.xy.shape[:3]:
            raise ValueError(f"RigViews: xy {self.xy.shape} and scores {self.scores.shape} do not fit")

    @property
    def label(self) -> str:
        return f"{self.rig}, {self.condition}"


def build_views(joints: np.ndarray, rigs: tuple[str, ...] = ("chest", "all"), seed: int = 0,
                max_queries: dict[str, int | None] | None = None) -> list[RigViews]:
    """Project (M, 17, 3) evaluation poses through each rig; the noisy copy uses `seed` + rig index.

    max_queries: rig name -> queries per camera pair (missing = all frames)."""
    out = []
    for r, name in enumerate(rigs):
        limit = (max_queries or {}).get(name)
        xy = project_rig(RIGS[name](), joints)
        out.append(RigViews(name, "exact", xy, np.ones(xy.shape[:3], np.float32), limit))
        nxy, nsc = corrupt_views(xy, seed + 101 * (r + 1))
        out.append(RigViews(name, "noisy", nxy, nsc, limit))
    return out
