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
- "quadrature" (default): the same expectation P = E[g(|z1 - z2|)], z1 - z2 ~ N(mu1 - mu2,
  diag(s1^2 + s2^2)), computed deterministically: the first two moments of |z1 - z2|^2 are exact closed
  forms (matrix products), the squared distance is matched to a gamma law whose cube root is close to
  normal (Wilson-Hilferty), and E[g] is a 5-node Gauss-Hermite sum. It is smoother than the K=20 estimate
  (no sampling noise) and agrees with a large-sample Monte Carlo value to about 1e-3; see tests/align.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..core.poses import Embedding
from ..core.probability import matching_probability

ATROUS_KERNEL = 7
ATROUS_RATE = 3
#: local slopes of the window (B frames per A frame), 1/2 to 2 in geometric steps; see the module docstring
WINDOW_SLOPES: tuple[float, ...] = (0.5, 2.0**-0.5, 1.0, 2.0**0.5, 2.0)
#: neighbours of the hub correction (hub_corrected); None or 0 turns it off
HUB_NEIGHBOURS = 5
_MIN_COST = float(-np.log(0.95))  # D = -log P with P <= 0.95
_MIN_P = 1e-12
_HERMITE_NODES = 4  # more nodes change P by < 1e-4: the gamma approximation dominates the error
_HERMITE = [(x, w / np.sqrt(2.0 * np.pi)) for x, w in zip(*np.polynomial.hermite_e.hermegauss(_HERMITE_NODES))]
_WORKERS = max(1, min(2, os.cpu_count() or 1))


def valid_rows(emb: Embedding, valid: np.ndarray | None = None) -> np.ndarray:
    """(T,) bool: rows with a finite mean and stddev, and True in `valid` when given."""
    ok = np.isfinite(np.asarray(emb.mean)).all(1) & np.isfinite(np.asarray(emb.stddev)).all(1)
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != ok.shape:
            raise ValueError(f"validity mask has shape {valid.shape}, expected ({len(ok)},)")
        ok &= valid
    return ok


def _pair_features(ea: Embedding, eb: Embedding):
    """Per-frame features whose products give the moments of Y = |z1 - z2|^2 (float32, centred means).

    E[Y]   = |m1|^2 + sum v1 + |m2|^2 + sum v2 - 2 m1.m2
    Var[Y] = 2 sum (v1 + v2)^2 + 4 sum (m1 - m2)^2 (v1 + v2)
           = [2 sum v1^2 + 4 sum m1^2 v1] + [2 sum v2^2 + 4 sum m2^2 v2]
             + 4 v1.(v2 + m2^2) + 4 m1^2.v2 - 8 (m1 v1).m2 - 8 m1.(m2 v2)
    with v = stddev^2. Returns ((A-features, B-features, row term, column term) for E[Y], same for Var[Y]).
    """
    origin = np.asarray(ea.mean, np.float64).mean(0)
    m1 = np.asarray(ea.mean, np.float64) - origin
    m2 = np.asarray(eb.mean, np.float64) - origin
    v1, v2 = np.asarray(ea.stddev, np.float64) ** 2, np.asarray(eb.stddev, np.float64) ** 2
    mean_terms = (-2.0 * m1, m2, (m1**2).sum(1) + v1.sum(1), (m2**2).sum(1) + v2.sum(1))
    var_terms = (np.concatenate([4.0 * v1, 4.0 * m1**2, -8.0 * m1 * v1, -8.0 * m1], axis=1),
                 np.concatenate([v2 + m2**2, v2, m2, m2 * v2], axis=1),
                 2.0 * (v1**2).sum(1) + 4.0 * (m1**2 * v1).sum(1),
                 2.0 * (v2**2).sum(1) + 4.0 * (m2**2 * v2).sum(1))
    f32 = np.float32
    return tuple(x.astype(f32) for x in mean_terms), tuple(x.astype(f32) for x in var_terms)


def _moments_block(feats, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of |z1 - z2|^2 for rows `rows` of A against all of B. -> 2 x (n, Tb) float32."""
    (fa, fb, rm, cm), (ga, gb, rv, cv) = feats
    mean = fa[rows] @ fb.T
    mean += rm[rows, None]
    mean += cm[None]
    var = ga[rows] @ gb.T
    var += rv[rows, None]
    var += cv[None]
    return mean, var


def _expected_p(mean: np.ndarray, var: np.ndarray, a: float, b: float, out: np.ndarray,
                neg_log: bool = False) -> np.ndarray:
    """E[p(sqrt(Y))] for Y with the given mean and variance (gamma law, Wilson-Hilferty, Gauss-Hermite).

    In place on float32 blocks: the 25M pairs of two 5,000-frame videos are done in a few hundred ms.
    """
    np.maximum(mean, 1e-12, out=mean)
    np.maximum(var, 1e-20, out=var)
    cube = np.cbrt(mean)
    # shape k = mean^2 / var; mu_c = cbrt(mean) (1 - 1/(9k)); sd_c = cbrt(mean) / sqrt(9k)
    sd = np.sqrt(var, out=var)
    sd /= mean
    sd *= cube
    sd *= np.float32(1.0 / 3.0)
    mu = cube - sd * sd / cube
    out[...] = np.float32(0.05)
    c = np.empty_like(mean)
    for x, w in _HERMITE:
        np.multiply(sd, np.float32(x), out=c)
        c += mu
        np.maximum(c, 0.0, out=c)
        dist = np.sqrt(c, out=mean)
        dist *= c  # c^(3/2) = the distance
        dist *= np.float32(a)
        dist -= np.float32(b)
        np.exp(dist, out=dist)
        dist += 1.0
        np.divide(np.float32(0.9 * w), dist, out=dist)
        out += dist
    if neg_log:  # the distance kernel D = -log P, while the block is in cache
        np.maximum(out, _MIN_P, out=out)
        np.log(out, out=out)
        np.negative(out, out=out)
    return out


def quadrature_probability(ea: Embedding, eb: Embedding, a: float, b: float, block: int = 64,
                           neg_log: bool = False) -> np.ndarray:
    """P = E[0.9 sigmoid(-a |z1 - z2| + b) + 0.05] for every pair, deterministic. -> (Ta, Tb) float32.

    neg_log: return -log P instead (computed block by block).
    """
    feats = _pair_features(ea, eb)
    out = np.empty((len(ea), len(eb)), np.float32)

    def run(start: int) -> None:
        rows = slice(start, min(start + block, len(ea)))
        _expected_p(*_moments_block(feats, rows), a, b, out=out[rows], neg_log=neg_log)

    _run_blocks(run, range(0, len(ea), block), len(ea) * len(eb))
    return out


def paired_distance(emb_a: Embedding, emb_b: Embedding, a: float, b: float) -> np.ndarray:
    """-log P of row i of A against row i of B only (quadrature), e.g. along a path. -> (N,) float32."""
    if len(emb_a) != len(emb_b):
        raise ValueError(f"paired_distance needs as many rows in A as in B, got {len(emb_a)} and {len(emb_b)}")
    delta = np.asarray(emb_a.mean, np.float64) - np.asarray(emb_b.mean, np.float64)
    v = np.asarray(emb_a.stddev, np.float64) ** 2 + np.asarray(emb_b.stddev, np.float64) ** 2
    mean = (delta**2 + v).sum(1).astype(np.float32)
    var = (2.0 * v**2 + 4.0 * delta**2 * v).sum(1).astype(np.float32)
    return _expected_p(mean, var, a, b, out=np.empty(len(mean), np.float32), neg_log=True)


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
    return -np.log(np.clip(prob, _MIN_P, None))


def lr_invariant_distance(emb_a: Embedding, emb_b: Embedding, mirrored_b: Embedding | None, a: float, b: float,
                          **measure) -> np.ndarray:
    """(Ta, Tb): min(D(A_i, B_j), D(A_i, mirror(B_j))), frame by frame (plain D when mirrored_b is None).

    A detector that swaps left and right on some frames only (MediaPipe in side and back views) breaks
    a whole-sequence mirror choice; the per-pair minimum does not care, at the price of matching true
    mirror-image poses too. measure: frame_distance's method, k, seed.
    """
    dist = frame_distance(emb_a, emb_b, a, b, **measure)
    if mirrored_b is None:
        return dist
    return np.minimum(dist, frame_distance(emb_a, mirrored_b, a, b, **measure), out=dist)


def hub_corrected(dist: np.ndarray, k: int = HUB_NEIGHBOURS) -> np.ndarray:
    """dist minus half of each row's and each column's excess closeness. -> same shape, float32.

    r_i = mean of the k smallest entries of row i, c_j = the same for column j; the result is
    dist - (r_i - mean r) / 2 - (c_j - mean c) / 2 (CSLS-style), floored at -log 0.95, the least D.
    k larger than a side uses the whole row or column.
    """
    if k < 1:
        raise ValueError(f"the hub correction needs k >= 1 neighbours, got {k}")
    out = np.array(dist, np.float32)  # a copy; the partial sorts below go block by block (memory)
    rows = _smallest_mean(out, min(k, out.shape[1]))
    cols = _smallest_mean(out.T, min(k, out.shape[0]))
    out -= (0.5 * (rows - rows.mean())).astype(np.float32)[:, None]
    out -= (0.5 * (cols - cols.mean())).astype(np.float32)[None]
    return np.maximum(out, np.float32(_MIN_COST), out=out)


def _smallest_mean(dist: np.ndarray, k: int, block: int = 256) -> np.ndarray:
    """(rows,) float64: the mean of the k smallest entries of each row."""
    out = np.empty(len(dist))
    for r0 in range(0, len(dist), block):
        part = np.partition(dist[r0:r0 + block], k - 1, axis=1)[:, :k]
        out[r0:r0 + block] = part.mean(1, dtype=np.float64)
    return out


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
    as sum_k va[i+oa_k] vb[j+ob_k], one small matrix product per block. NaN where the whole window is missing.
    """
    ta, tb = dist.shape
    windows = []
    for s in slopes:
        off_a, off_b = window_offsets(kernel, rate, s)
        windows.append((off_a, off_b, _shift_table(ok_a, off_a), _shift_table(ok_b, off_b)))
    total = np.full_like(dist, np.nan)

    def run(r0: int) -> None:
        r1 = min(ta, r0 + block)
        for off_a, off_b, shift_a, shift_b in windows:
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = _window_sum(dist, r0, r1, off_a, off_b) / (shift_a[r0:r1] @ shift_b.T)
            np.fmin(total[r0:r1], mean, out=total[r0:r1])

    _run_blocks(run, range(0, ta, block), ta * tb * len(windows))
    return total


def _run_blocks(run, starts, cells: int) -> None:
    """Run run(start) for every block; on 2 threads when the matrix is large (ufuncs release the GIL)."""
    if cells < 1_000_000 or _WORKERS == 1:
        for start in starts:
            run(start)
    else:
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            list(pool.map(run, starts))


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
        if hub_neighbours:
            dist = hub_corrected(dist, hub_neighbours)
    else:
        dist = np.zeros((len(ok_a), len(ok_b)), np.float32)
        valid = lr_invariant_distance(emb_a[ok_a], emb_b[ok_b], None if mirrored_b is None else mirrored_b[ok_b],
                                      a, b, **measure)
        dist[np.ix_(ok_a, ok_b)] = hub_corrected(valid, hub_neighbours) if hub_neighbours else valid
    cost = _atrous_separable(dist, ok_a, ok_b, kernel, rate, tuple(slopes))
    if not (ok_a.all() and ok_b.all()):  # with every frame valid, every window has offset 0
        holes = ~np.isfinite(cost)
        if holes.any():
            cost[holes] = np.nanmean(cost)
    return cost
