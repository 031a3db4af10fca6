"""Pose Explorer: find and compare human poses across camera views.

`import poseexplorer as px` is light: it loads neither torch nor Qt. The stable public API:

    model = px.load_model(path=None)          # bundled Pr-VIPE model when path is None
    emb = model.embed(xy, scores=None)        # xy: (N, 13, 2) image coords, COCO-13 -> Embedding
    emb.mean, emb.stddev                      # (N, D) arrays
    P = model.matching_probability(emb_a, emb_b)   # (Na, Nb), sampled with K=20, seeded
    path = px.align(emb_a, emb_b, model)      # (L, 2) monotone DTW path of frame indices
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .core.poses import Embedding, Pose2D, Pose3D

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .embed.model import PoseModel


def load_model(path: str | None = None) -> "PoseModel":
    """Load a Pr-VIPE model (the bundled one when `path` is None). Imports torch on first use."""
    from .embed.model import load_model as _load

    return _load(path)


def align(emb_a: Embedding, emb_b: Embedding, model: "PoseModel", **options) -> "np.ndarray":
    """DTW-align two embedded sequences; returns the (L, 2) monotone path (frames of A, frames of B)."""
    from .align.api import align as _align

    return _align(emb_a, emb_b, model, **options)


__all__ = ["Embedding", "Pose2D", "Pose3D", "load_model", "align", "__version__"]
