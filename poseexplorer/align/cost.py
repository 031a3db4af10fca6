"""Frame cost between two embedded sequences (prvipe-method.md section 9).

cost[i, j] = min over local slopes s in WINDOW_SLOPES (1/2 .. 2) of the mean over the atrous window
offsets o in {-9, -6, ..., +9} (kernel 7, rate 3) of D(a[i + o/sqrt(s)], b[j + o sqrt(s)]) (offsets
rounded), where D = -log P is the distance kernel of the matching probability. The method's window is
the slope-1 diagonal (slopes=(1.0,)); when B runs faster or slower than A the diagonal window compares
the wrong frames away from its centre and favours slope-1 paths, so each cell takes the best of the
window laid along slopes 1/2..2 (benchmarks/sync_accuracy.py measures the difference on held-out mocap).
Before the window, D gets a hub correction (hub_corrected, like CSLS in cross-lingual retrieval): a frame
that is close to everything in the other video (a neutral or badly detected pose) would otherwise pull
the path towards it.

At sequence ends and around frames with no person the window simply has fewer terms: the mean runs over
the offsets whose two frames both exist and are valid (offset 0 alone at worst). A pair whose whole window
is missing is bridged with the mean of the valid costs.

Two ways to get P for every frame pair:
- "sampled": the method's estimator, K = 20 samples per pose with common random numbers
  (poseexplorer.core.probability), K x K = 400 distances per pair. Exact, but 25M pairs of two 5,000-frame
  videos would need 10^10 distances.
- "quadrature" (default): the same expectation computed deterministically (align/quadrature.py).

Speed (benchmarks/sync_dtw.py): every full-matrix step works in blocks of rows on 2 threads (blocks.py),
the hub correction's partial sorts included.
"""
from __future__ import annotations

import numpy as np

from ..core.poses import Embedding
from ..core.probability import matching_probability
from .blocks import run_blocks
from .quadrature import MIN_P, least_distance, quadrature_probability

ATROUS_KERNEL = 7
ATROUS_RATE = 3
#: local slopes of the window (B frames per A frame), 1/2 to 2 in geometric steps; see the module docstring
WINDOW_SLOPES: tuple[float, ...] = (0.5, 2.0**-0.5, 1.0, 2.0**0.5, 2.0)
#: neighbours of the hub correction (hub_corrected); None or 0 turns it off
HUB_NEIGHBOURS = 5
_MIN_COST = float(-np.log(0.95))  # D = -log P with P <= 0.95
_HUB_BLOCK = 64


def valid_rows(emb: Embedding, valid: np.ndarray | None = None) -> np.ndarray:
    """(T,) bool: rows with a finite mean and stddev, and True in `valid` when given."""
    ok = np.isfinite(np.asarray(emb.mean)).all(1) & np.isfinite(np.asarray(emb.stddev)).all(1)
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != ok.shape:
            raise ValueError(f"validity mask has shape {valid.shape}, expected ({len(ok)},)")
        ok &= valid
    return ok


def frame_distance(emb_a: Embedding, emb_b: Embedding, a: float, b: float, method: str = "quadrature",
                   k: int = 20, seed: int = 0) -> np.ndarray:
    """D = -log P between every frame of A and every frame of B. -> (Ta, Tb) (float32 for quadrature).

    Rows must be valid (finite); see sequence_cost for sequences with missing frames.
    """
    if method == "quadrature":
        return quadrature_probability(emb_a, emb_b, a, b, neg_log=True)
    if method != "sampled":
        raise ValueError(f"unknown cost method {method!r}; use 'quadrature' or 'sampled'")
    prob = matching_probability(emb_a, emb_b, a, b, k=k, seed=seed)
    return -np.log(np.clip(prob, MIN_P, None))


def lr_invariant_distance(emb_a: Embedding, emb_b: Embedding, mirrored_b: Embedding | None, a: float, b: float,
                          **measure) -> np.ndarray:
    """(Ta, Tb): min(D(A_i, B_j), D(A_i, mirror(B_j))), frame by frame (plain D when mirrored_b is None).

    A detector that swaps left and right on some frames only (MediaPipe in side and back views) breaks
    a whole-sequence mirror choice; the per-pair minimum does not care, at the price of matching true
    mirror-image poses too. measure: frame_distance's method, k, seed.
    """
    if mirrored_b is None:
        return frame_distance(emb_a, emb_b, a, b, **measure)
    if measure.get("method", "quadrature") == "quadrature":   # both in one pass over the blocks
        return least_distance(emb_a, [emb_b, mirrored_b], a, b)
    dist = frame_distance(emb_a, emb_b, a, b, **measure)
    return np.minimum(dist, frame_distance(emb_a, mirrored_b, a, b, **measure), out=dist)


def hub_corrected(dist: np.ndarray, k: int = HUB_NEIGHBOURS) -> np.ndarray:
    """dist minus half of each row's and each column's excess closeness. -> same shape, float32.

    r_i = mean of the k smallest entries of row i, c_j = the same for column j; the result is
    dist - (r_i - mean r) / 2 - (c_j - mean c) / 2 (CSLS-style), floored at -log 0.95, the least D.
    k larger than a side uses the whole row or column.
    """
    if k < 1:
        raise ValueError(f"the hub correction needs k >= 1 neighbours, got {k}")
    out = np.array(dist, np.float32)  # a copy, worked on in blocks of rows
    rows, cols = _smallest_means(out, min(k, out.shape[1]), min(k, out.shape[0]))
    row_term = (0.5 * (rows - rows.mean())).astype(np.float32)
    col_term = (0.5 * (cols - cols.mean())).astype(np.float32)

    def correct(r0: int) -> None:
        block = out[r0:r0 + _HUB_BLOCK]
        block -= row_term[r0:r0 + _HUB_BLOCK, None]
        block -= col_term[None]
        np.maximum(block, np.float32(_MIN_COST), out=block)

    run_blocks(correct, range(0, len(out), _HUB_BLOCK), out.size)
    return out


def _smallest_means(dist: np.ndarray, k_row: int, k_col: int) -> tuple[np.ndarray, np.ndarray]:
    """The mean of the k_row smallest entries of each row and of the k_col smallest of each column, both
    float64. Each block of rows gives its rows' means and its k_col smallest per column; the columns' k_col
    smallest are among those candidates."""
    rows = np.empty(len(dist))
    candidates: dict[int, np.ndarray] = {}

    def run(r0: int) -> None:
        block = dist[r0:r0 + _HUB_BLOCK]
        rows[r0:r0 + len(block)] = np.partition(block, k_row - 1, axis=1)[:, :k_row].mean(1, dtype=np.float64)
        candidates[r0] = np.partition(block, k_col - 1, axis=0)[:k_col] if len(block) > k_col else block

    run_blocks(run, range(0, len(dist), _HUB_BLOCK), dist.size)
    pool = np.concatenate([candidates[r0] for r0 in sorted(candidates)])
    return rows, np.partition(pool, k_col - 1, axis=0)[:k_col].mean(0, dtype=np.float64)


def atrous_offsets(kernel: int = ATROUS_KERNEL, rate: int = ATROUS_RATE) -> np.ndarray:
    """The window offsets, e.g. kernel 7, rate 3 -> [-9, -6, -3, 0, 3, 6, 9]."""
    if kernel < 1 or kernel % 2 == 0 or rate < 1:
        raise ValueError(f"the atrous window needs an odd kernel >= 1 and a rate >= 1, got {kernel}, {rate}")
    half = kernel // 2
    return np.arange(-half, half + 1) * rate


def atrous_average(dist: np.ndarray, kernel: int = ATROUS_KERNEL, rate: int = ATROUS_RATE) -> np.ndarray:
    """Mean of dist[i+o, j+o] over the window offsets o that stay inside and are not NaN.

    dist: (Ta, Tb) with NaN for missing pairs. Returns (Ta, Tb); NaN where the whole window is missing.
    """
    dist = np.asarray(dist)
    ta, tb = dist.shape
    finite = np.isfinite(dist)
    values = np.where(finite, dist, 0.0)
    total = np.zeros(dist.shape, np.float64)
    count = np.zeros(dist.shape, np.float64)
    for o in atrous_offsets(kernel, rate):
        # output cell (i, j) reads (i+o, j+o): shift both axes by o
        i0, i1 = max(0, -o), min(ta, ta - o)
        j0, j1 = max(0, -o), min(tb, tb - o)
        if i0 >= i1 or j0 >= j1:
            continue
        total[i0:i1, j0:j1] += values[i0 + o:i1 + o, j0 + o:j1 + o]
        count[i0:i1, j0:j1] += finite[i0 + o:i1 + o, j0 + o:j1 + o]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def window_offsets(kernel: int = ATROUS_KERNEL, rate: int = ATROUS_RATE,
                   slope: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The window's (A offsets, B offsets) along a local slope (B frames per A frame), each (kernel,) int.

    The atrous offsets o are spread symmetrically: A takes round(o / sqrt(slope)), B round(o * sqrt(slope)),
    so slope 1 gives the plain diagonal window and swapping A and B with slope 1/s gives the same pairs.
    """
    if not (np.isfinite(slope) and slope > 0):
        raise ValueError(f"a window slope must be a finite number > 0, got {slope}")
    o = atrous_offsets(kernel, rate).astype(np.float64)
    root = np.sqrt(float(slope))
    return np.rint(o / root).astype(np.int64), np.rint(o * root).astype(np.int64)


def _shift_table(valid: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(T, len(offsets)) float32: 1 where frame t + o exists and is valid."""
    t = len(valid)
    idx = np.arange(t)[:, None] + offsets[None]
    inside = (idx >= 0) & (idx < t)
    return (inside & valid[np.clip(idx, 0, t - 1)]).astype(np.float32)


def _window_sum(dist: np.ndarray, r0: int, r1: int, off_a: np.ndarray, off_b: np.ndarray) -> np.ndarray:
    """Rows r0..r1-1 of sum over k of dist[i + off_a[k], j + off_b[k]] (terms outside the matrix left out)."""
    ta, tb = dist.shape
    out = np.zeros((r1 - r0, tb), dist.dtype)
    for oa, ob in zip(off_a.tolist(), off_b.tolist()):
        i0, i1, j0, j1 = max(r0, -oa), min(r1, ta - oa), max(0, -ob), min(tb, tb - ob)
        if i0 < i1 and j0 < j1:
            out[i0 - r0:i1 - r0, j0:j1] += dist[i0 + oa:i1 + oa, j0 + ob:j1 + ob]
    return out


def _atrous_separable(dist: np.ndarray, ok_a: np.ndarray, ok_b: np.ndarray, kernel: int, rate: int,
                      slopes: tuple[float, ...] = (1.0,), block: int = 128) -> np.ndarray:
    """Window mean for a mask that is valid rows x valid columns (dist holds 0 at invalid pairs), taken
    along each local slope in `slopes`, the least of them per cell.

    The window sums are shifted adds over blocks of rows (cache-sized, on 2 threads); the counts factor
    as sum_k va[i+oa_k] vb[j+ob_k], one small matrix product per block, or, for a block whose rows see
    every window offset valid (most of them), the per-column count alone: a multiply by its inverse.
    NaN where the whole window is missing.
    """
    ta, tb = dist.shape
    windows = []
    for s in slopes:
        off_a, off_b = window_offsets(kernel, rate, s)
        shift_a, shift_b = _shift_table(ok_a, off_a), _shift_table(ok_b, off_b)
        with np.errstate(divide="ignore"):
            per_column = (1.0 / shift_b.sum(1)).astype(np.float32)   # inf where no offset is valid
        windows.append((off_a, off_b, shift_a, shift_b, per_column))
    total = np.empty_like(dist)

    def run(r0: int) -> None:
        r1 = min(ta, r0 + block)
        for n, (off_a, off_b, shift_a, shift_b, per_column) in enumerate(windows):
            mean = _window_sum(dist, r0, r1, off_a, off_b)
            with np.errstate(invalid="ignore", divide="ignore"):   # 0/0: the whole window is missing
                if shift_a[r0:r1].all():
                    mean *= per_column
                else:
                    mean /= shift_a[r0:r1] @ shift_b.T
            if n == 0:
                total[r0:r1] = mean
            else:
                np.fmin(total[r0:r1], mean, out=total[r0:r1])

    run_blocks(run, range(0, ta, block), ta * tb * len(windows))
    return total


def sequence_cost(emb_a: Embedding, emb_b: Embedding, a: float, b: float, *, kernel: int = ATROUS_KERNEL,
                  rate: int = ATROUS_RATE, valid_a: np.ndarray | None = None,
                  valid_b: np.ndarray | None = None, method: str = "quadrature", k: int = 20,
                  seed: int = 0, slopes: tuple[float, ...] = WINDOW_SLOPES,
                  hub_neighbours: int | None = HUB_NEIGHBOURS, mirrored_b: Embedding | None = None) -> np.ndarray:
    """The DTW cost matrix (Ta, Tb) float32: atrous-window mean of -log P, missing frames bridged.

    slopes: local slopes (B frames per A frame) the window is laid along; each cell keeps the least mean.
    hub_neighbours: k of hub_corrected over the valid frames (None or 0: the plain -log P).
    mirrored_b: B's left/right-flipped embeddings (same rows as B, same validity); when given, each frame
    pair costs the lesser of B and B mirrored (lr_invariant_distance) before the hub correction and window.
    """
    if mirrored_b is not None and len(mirrored_b) != len(emb_b):
        raise ValueError(f"mirrored_b has {len(mirrored_b)} frames but B has {len(emb_b)}")
    if len(slopes) == 0:
        raise ValueError("sequence_cost needs at least one window slope")
    ok_a, ok_b = valid_rows(emb_a, valid_a), valid_rows(emb_b, valid_b)
    if not ok_a.any() or not ok_b.any():
        raise ValueError(f"cannot align: sequence {'A' if not ok_a.any() else 'B'} has no frame with a person")
    measure = dict(method=method, k=k, seed=seed)
    if ok_a.all() and ok_b.all():
        dist = lr_invariant_distance(emb_a, emb_b, mirrored_b, a, b, **measure).astype(np.float32, copy=False)
    else:
        dist = np.zeros((len(ok_a), len(ok_b)), np.float32)
        dist[np.ix_(ok_a, ok_b)] = lr_invariant_distance(emb_a[ok_a], emb_b[ok_b],
                                                         None if mirrored_b is None else mirrored_b[ok_b],
                                                         a, b, **measure)
    return window_cost(dist, ok_a, ok_b, kernel=kernel, rate=rate, slopes=slopes, hub_neighbours=hub_neighbours)


def window_cost(dist: np.ndarray, ok_a: np.ndarray, ok_b: np.ndarray, *, kernel: int = ATROUS_KERNEL,
                rate: int = ATROUS_RATE, slopes: tuple[float, ...] = WINDOW_SLOPES,
                hub_neighbours: int | None = HUB_NEIGHBOURS) -> np.ndarray:
    """The windowed cost (Ta, Tb) float32 of any frame distance: hub correction over the valid frames, then
    the atrous window along each slope (least mean per cell), missing frames bridged with the mean cost.

    dist: (Ta, Tb) distances (lower = closer; only valid rows x valid columns are read);
    ok_a: (Ta,) bool, ok_b: (Tb,) bool valid frames. sequence_cost is this on D = -log P; any other
    distance (e.g. 3D Procrustes errors, to compare baselines under the same window) works the same way.
    """
    ok_a, ok_b = np.asarray(ok_a, bool), np.asarray(ok_b, bool)
    if dist.shape != (len(ok_a), len(ok_b)):
        raise ValueError(f"distance matrix {dist.shape} does not fit {len(ok_a)} x {len(ok_b)} frames")
    if len(slopes) == 0:
        raise ValueError("the windowed cost needs at least one window slope")
    if not ok_a.any() or not ok_b.any():
        raise ValueError(f"no valid frame in sequence {'A' if not ok_a.any() else 'B'}")
    if ok_a.all() and ok_b.all():
        dist = np.asarray(dist, np.float32)
        if hub_neighbours:
            dist = hub_corrected(dist, hub_neighbours)
    else:
        valid = np.asarray(dist, np.float32)[np.ix_(ok_a, ok_b)]
        dist = np.zeros((len(ok_a), len(ok_b)), np.float32)
        dist[np.ix_(ok_a, ok_b)] = hub_corrected(valid, hub_neighbours) if hub_neighbours else valid
    cost = _atrous_separable(dist, ok_a, ok_b, kernel, rate, tuple(slopes))
    if not (ok_a.all() and ok_b.all()):  # with every frame valid, every window has offset 0
        holes = ~np.isfinite(cost)
        if holes.any():
            cost[holes] = np.nanmean(cost)
    return cost
