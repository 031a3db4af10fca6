"""px.align: the one-call alignment of two embedded sequences, returning the DTW path."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.model_protocol import ProbabilityParams
from ..core.poses import Embedding
from .sequences import align_sequences
from .video_sync import SYNC_WINDOW_RATE, SYNC_WINDOW_TAPS


@dataclass(frozen=True)
class MatchParams:
    """The matching-probability scalars a and b (prvipe-method.md section 5), for use without a model."""

    a: float
    b: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.a) and np.isfinite(self.b)) or self.a <= 0:
            raise ValueError(f"MatchParams needs a finite a > 0 and a finite b, got a={self.a}, b={self.b}")


def align(emb_a: Embedding, emb_b: Embedding, model: ProbabilityParams, **options) -> np.ndarray:
    """DTW path between two embedded sequences: (L, 2) int64, column 0 frames of A, column 1 frames of B.

    Monotone, starts at (0, 0) and ends at (Ta-1, Tb-1) unless subsequence=True. `model` supplies a and b
    (a PoseModel or MatchParams). Options are those of align_sequences: mirrored_b, valid_a, valid_b, band,
    subsequence, kernel, rate, method ("quadrature" | "sampled"), k, seed, slopes, hub_neighbours,
    lr_invariant. The defaults are the app's sync (the Sync panel): the window of SYNC_WINDOW_TAPS taps
    SYNC_WINDOW_RATE frames apart, and with mirrored_b the left/right choice made frame by frame
    (lr_invariant), both chosen on held-out motion capture (benchmarks/sync_accuracy.py; without a mirror,
    median error 3.80 frames against 4.26 for the method's 7 x 3 window, 36 re-timed held-out pairs).
    """
    options.setdefault("kernel", SYNC_WINDOW_TAPS)
    options.setdefault("rate", SYNC_WINDOW_RATE)
    options.setdefault("lr_invariant", options.get("mirrored_b") is not None)
    return align_sequences(emb_a, emb_b, model, **options).path
