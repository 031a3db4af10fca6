"""Whole-sequence alignment: cost matrix + DTW + mirror option, results as a frozen Alignment."""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from ..core.model_protocol import ProbabilityParams
from ..core.poses import Embedding
from .cost import ATROUS_KERNEL, ATROUS_RATE, HUB_NEIGHBOURS, WINDOW_SLOPES, sequence_cost
from .dtw import dtw
from .quadrature import paired_distance


@dataclass(frozen=True)
class Alignment:
    """The result of aligning sequence A with sequence B.

    path: (L, 2) int64, monotone (frame of A, frame of B) pairs; starts at (0, 0) and ends at
        (Ta-1, Tb-1) unless found in subsequence mode (then it starts at (0, j0), ends at (Ta-1, j1)).
    sync_map: (Ta,) int64, the B frame shown with each A frame (the middle of the B frames the path
        pairs with it).
    cost: (Ta, Tb) float64, the cost matrix the path was found on (the mirrored one when mirrored).
    distance: the mean cost along the path (the sequence distance of the method).
    mirrored: True when B's mirrored sequence matched better than B itself.
    """

    path: np.ndarray
    sync_map: np.ndarray
    cost: np.ndarray
    distance: float
    mirrored: bool = False

    def __post_init__(self) -> None:
        path, cost = np.asarray(self.path), np.asarray(self.cost)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
            raise ValueError(f"Alignment.path must have shape (L, 2), got {path.shape}")
        if cost.ndim != 2:
            raise ValueError(f"Alignment.cost must have shape (Ta, Tb), got {cost.shape}")
        if np.shape(self.sync_map) != (cost.shape[0],):
            raise ValueError(f"Alignment.sync_map must have shape ({cost.shape[0]},), got {np.shape(self.sync_map)}")
        steps = np.diff(path, axis=0)
        if len(steps) and (steps.min() < 0 or steps.max() > 1 or (steps.sum(1) == 0).any()):
            raise ValueError("Alignment.path must be monotone with steps of at most one frame")

    def inverse_sync_map(self) -> np.ndarray:
        """(Tb,) int64: the A frame shown with each B frame (outside the matched part of B: the end)."""
        tb = self.cost.shape[1]
        return _middle_partner(self.path[:, ::-1], tb)


def _middle_partner(path: np.ndarray, n: int) -> np.ndarray:
    """For each index 0..n-1 of column 0, the middle column-1 partner on the path (held at the ends)."""
    out = np.empty(n, np.int64)
    starts = np.searchsorted(path[:, 0], np.arange(n), side="left")
    stops = np.searchsorted(path[:, 0], np.arange(n), side="right")
    present = stops > starts
    mid = (starts + stops - 1) // 2
    out[present] = path[mid[present], 1]
    if not present.all():  # frames outside the path (subsequence mode): hold the nearest end
        idx = np.arange(n)
        out[~present & (idx < path[0, 0])] = path[0, 1]
        out[~present & (idx > path[-1, 0])] = path[-1, 1]
    return out


def align_sequences(emb_a: Embedding, emb_b: Embedding, model: ProbabilityParams, *,
                    mirrored_b: Embedding | None = None, valid_a: np.ndarray | None = None,
                    valid_b: np.ndarray | None = None, band: float | None = None, subsequence: bool = False,
                    kernel: int = ATROUS_KERNEL, rate: int = ATROUS_RATE, method: str = "quadrature",
                    k: int = 20, seed: int = 0, slopes: tuple[float, ...] = WINDOW_SLOPES,
                    hub_neighbours: int | None = HUB_NEIGHBOURS, lr_invariant: bool = False) -> Alignment:
    """Align A (Ta frames) to B (Tb frames); with mirrored_b, also to B mirrored and keep the better.

    mirrored_b: embeddings of B's left/right flipped poses (model.embed(mirror_coco13(xy_b))), same length
    as B. valid_a/valid_b: (T,) bool, False for frames with no person (bridged, see cost.py).
    band: Sakoe-Chiba half-width in frames of B. subsequence: find A inside a longer B.
    slopes, hub_neighbours: the cost window's local slopes and the hub correction (cost.sequence_cost).
    lr_invariant: with mirrored_b, choose B or B mirrored frame by frame instead of for the whole sequence
    (cost.lr_invariant_distance: robust to a detector swapping left and right on some frames); the
    result's `mirrored` then says whether most path pairs matched B mirrored (mostly_mirrored).
    """
    if len(emb_a) == 0 or len(emb_b) == 0:
        raise ValueError(f"cannot align empty sequences ({len(emb_a)} and {len(emb_b)} frames)")
    if mirrored_b is not None and len(mirrored_b) != len(emb_b):
        raise ValueError(f"mirrored_b has {len(mirrored_b)} frames but B has {len(emb_b)}")
    if lr_invariant and mirrored_b is None:
        raise ValueError("lr_invariant needs mirrored_b (B's left/right-flipped embeddings)")
    options = dict(kernel=kernel, rate=rate, valid_a=valid_a, valid_b=valid_b, method=method, k=k, seed=seed,
                   slopes=slopes, hub_neighbours=hub_neighbours)
    best = None
    candidates = ((False, emb_b, mirrored_b),) if lr_invariant else ((False, emb_b, None), (True, mirrored_b, None))
    for mirrored, seq, per_frame_mirror in candidates:
        if seq is None:
            continue
        cost = sequence_cost(emb_a, seq, float(model.a), float(model.b), mirrored_b=per_frame_mirror, **options)
        path, total = dtw(cost, band=band, subsequence=subsequence)
        distance = total / len(path)
        if best is None or distance < best.distance:
            best = Alignment(path, _middle_partner(path, len(emb_a)), cost, distance, mirrored)
    if lr_invariant:
        best = Alignment(best.path, best.sync_map, best.cost, best.distance,
                         mostly_mirrored(emb_a, emb_b, mirrored_b, best.path, model))
    return best


def mostly_mirrored(emb_a: Embedding, emb_b: Embedding, mirrored_b: Embedding, path: np.ndarray,
                    model: ProbabilityParams) -> bool:
    """True when more than half of the path's pairs (with a person in both frames) are closer to B mirrored."""
    ia, ib = np.asarray(path)[:, 0], np.asarray(path)[:, 1]
    plain = paired_distance(emb_a[ia], emb_b[ib], float(model.a), float(model.b))
    flipped = paired_distance(emb_a[ia], mirrored_b[ib], float(model.a), float(model.b))
    both = np.isfinite(plain) & np.isfinite(flipped)
    return bool(both.any() and np.mean(flipped[both] < plain[both]) > 0.5)


def nearest_neighbour_map(cost: np.ndarray) -> np.ndarray:
    """(Ta,) int64: for each A frame the B frame of least cost (the per-frame retrieval, no DTW)."""
    return np.argmin(np.asarray(cost), axis=1).astype(np.int64)


def kendall_tau(sync_map: np.ndarray, reference: np.ndarray | None = None) -> float:
    """Kendall's tau between a frame correspondence and a reference (1 = same order everywhere).

    With reference None, tau is taken against A's frame order (0, 1, ..., Ta-1): the alignment-quality
    measure of the method, applied to e.g. nearest_neighbour_map(cost). With a reference (e.g. the true
    time warp) it measures agreement with it.
    """
    from scipy.stats import kendalltau

    sync_map = np.asarray(sync_map)
    reference = np.arange(len(sync_map)) if reference is None else np.asarray(reference)
    if sync_map.shape != reference.shape or sync_map.ndim != 1:
        raise ValueError(f"kendall_tau needs two (T,) arrays, got {sync_map.shape} and {reference.shape}")
    if len(sync_map) < 2:
        raise ValueError("kendall_tau needs at least 2 frames")
    return float(kendalltau(sync_map, reference).statistic)
