"""What every `model` argument is: typed protocols, so engines take any conforming object (numpy only).

`ProbabilityParams` is all alignment needs (the matching-probability scalars a and b: a loaded model, or
`poseexplorer.align.MatchParams`); `PoseEmbedder` turns COCO-13 keypoints into embeddings; `PoseModel` is
the whole model the application uses (`poseexplorer.embed.model.TorchPoseModel` implements it).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from .poses import Embedding


@runtime_checkable
class ProbabilityParams(Protocol):
    """The matching-probability scalars: P(match) = sigmoid(-a * distance + b)."""

    @property
    def a(self) -> float: ...

    @property
    def b(self) -> float: ...


@runtime_checkable
class PoseEmbedder(Protocol):
    """Embeds COCO-13 keypoints: xy (N, 13, 2) image coords, scores (N, 13) or None -> Embedding (N, D)."""

    def embed(self, xy: np.ndarray, scores: np.ndarray | None = None) -> Embedding: ...


@runtime_checkable
class PoseModel(ProbabilityParams, PoseEmbedder, Protocol):
    """A model the application can index, search and sync with.

    sha256 identifies the weights (the library keys stored embeddings by it; "" for a model that must not
    be stored); kind is "prvipe", "l2vipe" or "lift3d"; confidence() maps raw P to a calibrated one.
    """

    @property
    def sha256(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def matching_probability(self, emb_a: Embedding, emb_b: Embedding) -> np.ndarray: ...

    def confidence(self, p): ...
