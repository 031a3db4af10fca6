"""Pose Explorer: find and compare human poses across camera views.

`import poseexplorer as px` is light: it loads neither torch nor Qt. The stable public API:

    model = px.load_model(path=None)          # bundled Pr-VIPE model when path is None
    emb = model.embed(xy, scores=None)        # xy: (N, 13, 2) image coords, COCO-13 -> Embedding
    emb.mean, emb.stddev                      # (N, D) arrays
    P = model.matching_probability(emb_a, emb_b)   # (Na, Nb), sampled with K=20, seeded
    path = px.align(emb_a, emb_b, model)      # (L, 2) monotone DTW path of frame indices
"""
from __future__ import annotations

import numpy as np

# The alignment package is loaded before the function `align` below is defined: importing a submodule for
# the first time sets it as an attribute of its parent, so loading it now keeps `px.align` the function.
# Names of the package are imported from it: `from poseexplorer.align import align_sequences`.
from . import align as _align_package
from .core.model_protocol import PoseEmbedder, PoseModel, ProbabilityParams
from .core.poses import Embedding, Pose2D, Pose3D

__version__ = "0.1.0"


def load_model(path: str | None = None) -> PoseModel:
    """Load a Pr-VIPE model (the bundled one when `path` is None). Imports torch on first use."""
    from .embed.model import load_model as _load

    return _load(path)


def align(emb_a: Embedding, emb_b: Embedding, model: ProbabilityParams, **options) -> np.ndarray:
    """DTW-align two embedded sequences; returns the (L, 2) monotone path (frames of A, frames of B).

    `model` supplies the matching-probability scalars a and b (a loaded model, or align.MatchParams);
    options are those of poseexplorer.align.align_sequences."""
    return _align_package.api.align(emb_a, emb_b, model, **options)


__all__ = ["Embedding", "Pose2D", "Pose3D", "PoseModel", "PoseEmbedder", "ProbabilityParams", "load_model", "align",
           "__version__"]
