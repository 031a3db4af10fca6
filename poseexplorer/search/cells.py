"""CellIndex: fine k-means cells over the embedding means (FAISS) for certified candidate generation.

Poses are split into groups: fine k-means cells of about `cell_size` poses (two-level FAISS k-means:
coarse cells, then cells inside each), each cut into `BANDS` bands by rho (the pose's largest sample
offset, index.py), since one wide pose would loosen a whole cell's bound. For each group g with centroid
c we keep R_g = max |mu_j - c|, reach_g = max (|mu_j - c| + rho_j) and the per-dimension range of the
stddevs [smin_g, smax_g]. Two lower bounds on every sample distance d_kl between the query and a member
j follow (n = (mu_q - c) / |mu_q - c|, u_k the query's sample offsets, eps_l the index noise table):

    ball:        d_kl >= |mu_q - c| - reach_g - rho_q
    projection:  d_kl >= |mu_q - c| + min_k u_k.n - h_g(n) - max_l sum_d eps_ld n_d s_d,
                 s_d = smax_gd where eps_ld n_d > 0 else smin_gd,
                 h_g(n) = min(R_g, sum_d max(n_d (mhi_gd - c_d), n_d (mlo_gd - c_d)))

(h_g bounds (mu_j - c).n by the ball and by the box [mlo_g, mhi_g] of the group's means; the box is much
tighter along the embedding's narrow dimensions)

so a group whose bound exceeds the reach of ranking.py holds no candidate and is never read: the top k
stays exactly that of exhaustive scoring. Adding poses widens the statistics; removing poses leaves them
valid (looser) bounds, so updates are incremental. A faiss IVF (fp16 codes, one list per cell) gives the
first candidates (approximate nearest means) from which the reach is computed. Means are in the caller's
coordinates. Members are kept as index rows in CSR order (`order`, `offsets`).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .bounds import groups_may_reach
from .ranking import gather

BANDS = 4
_CHUNK = 1 << 18


def ids_fingerprint(pose_ids: np.ndarray, key: str) -> str:
    """A digest of the pose ids (in index order) and the caller's model key: a saved index is only reused
    for exactly the same rows embedded by the same model."""
    h = hashlib.sha1(key.encode())
    h.update(np.ascontiguousarray(pose_ids, np.int64).tobytes())
    return h.hexdigest()


def fine_centroids(mean: np.ndarray, cell_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-level k-means on a sample: (coarse (C0, D), fine (C, D) float32 with about N / cell_size rows,
    fine_start (C0 + 1,): the fine centroids of coarse cell c are fine[fine_start[c]:fine_start[c + 1]])."""
    import faiss

    n, d = mean.shape
    rng = np.random.default_rng(seed)
    n_fine = max(1, n // cell_size)
    sample = gather(mean, np.sort(rng.choice(n, min(n, max(200_000, 8 * n_fine)), replace=False)))
    sample = sample.astype(np.float32)
    n_coarse = int(np.clip(round(np.sqrt(n_fine)), 1, 1024))
    coarse = faiss.Kmeans(d, n_coarse, niter=10, seed=seed, min_points_per_centroid=1)
    coarse.train(sample)
    _, lab = coarse.index.search(sample, 1)
    lab = lab[:, 0]
    out = []
    for c in range(n_coarse):
        part = sample[lab == c]
        m = max(1, int(round(n_fine * len(part) / len(sample))))
        if len(part) <= m:
            out.append(part if len(part) else coarse.centroids[c:c + 1])
            continue
        km = faiss.Kmeans(d, m, niter=8, seed=seed + c, min_points_per_centroid=1, max_points_per_centroid=64)
        km.train(np.ascontiguousarray(part))
        out.append(km.centroids)
    start = np.concatenate([[0], np.cumsum([len(o) for o in out])]).astype(np.int64)
    return (coarse.centroids.astype(np.float32), np.ascontiguousarray(np.concatenate(out), np.float32), start)


def assign_two_level(x: np.ndarray, coarse: np.ndarray, fine: np.ndarray, fine_start: np.ndarray,
                     spill: int = 3) -> np.ndarray:
    """The fine cell of each point (N,): nearest coarse centroid c, then the nearest fine centroid among
    those of c and of its `spill` - 1 nearest coarse neighbours. Not always the globally nearest fine
    centroid, which the bounds do not need (they use the assigned one) and which would cost N x C distance
    computations at 10M poses."""
    import faiss

    flat = faiss.IndexFlatL2(coarse.shape[1])
    flat.add(coarse)
    _, top = flat.search(np.ascontiguousarray(x, np.float32), 1)
    top = top[:, 0]
    _, near = flat.search(coarse, min(spill, len(coarse)))
    out = np.empty(len(x), np.int64)
    order = np.argsort(top, kind="stable")
    bounds = np.searchsorted(top[order], np.arange(len(coarse) + 1))
    for c in range(len(coarse)):
        rows = order[bounds[c]:bounds[c + 1]]
        if len(rows):
            ids = np.concatenate([np.arange(fine_start[n], fine_start[n + 1]) for n in near[c] if n >= 0])
            f = fine[ids]
            d2 = (f * f).sum(1)[None] - 2.0 * (x[rows] @ f.T)
            out[rows] = ids[d2.argmin(1)]
    return out


class CellIndex:
    """The groups of the module docstring over N poses, plus the faiss IVF for first candidates.

    centroids (C, D) fine cells, coarse (C0, D) and fine_start (C0 + 1,) (see fine_centroids);
    band_edges (BANDS - 1,) rho thresholds; group (N,) int32 per index row (cell * BANDS + band);
    R, reach (G,) float32; smin, smax, mlo, mhi (G, D) float32, G = C * BANDS.
    """

    def __init__(self, ivf, centroids, coarse, fine_start, band_edges, group, R, reach, smin, smax, mlo,
                 mhi) -> None:
        import faiss

        self._faiss, self._ivf = faiss, ivf
        self.centroids = np.asarray(centroids, np.float32)
        self.coarse, self.fine_start = np.asarray(coarse, np.float32), np.asarray(fine_start, np.int64)
        self.band_edges = np.asarray(band_edges, np.float32)
        self.group = np.asarray(group, np.int32)
        self.R, self.reach = np.asarray(R, np.float32), np.asarray(reach, np.float32)
        self.smin, self.smax = np.asarray(smin, np.float32), np.asarray(smax, np.float32)
        self.mlo, self.mhi = np.asarray(mlo, np.float32), np.asarray(mhi, np.float32)
        self.nprobe = 32
        self._csr()

    @classmethod
    def build(cls, mean: np.ndarray, stddev: np.ndarray, rho: np.ndarray, pose_ids: np.ndarray,
              cell_size: int = 32, seed: int = 0) -> "CellIndex":
        """Train the cells on the (N, D) means and add every pose (rows 0..N-1)."""
        import faiss

        d = mean.shape[1]
        coarse, centroids, fine_start = fine_centroids(mean, cell_size, seed)
        quantizer = faiss.IndexFlatL2(d)
        quantizer.add(centroids)
        ivf = faiss.IndexIVFScalarQuantizer(quantizer, d, len(centroids), faiss.ScalarQuantizer.QT_fp16,
                                            faiss.METRIC_L2)
        ivf.is_trained = True  # fp16 codes need no training; the quantizer holds our centroids
        edges = np.quantile(np.asarray(rho, np.float32), np.linspace(0, 1, BANDS + 1)[1:-1]).astype(np.float32)
        g = len(centroids) * BANDS
        cells = cls(ivf, centroids, coarse, fine_start, edges, np.zeros(0, np.int32), np.full(g, -np.inf), np.full(g, -np.inf),
                    np.full((g, d), np.inf), np.full((g, d), -np.inf), np.full((g, d), np.inf),
                    np.full((g, d), -np.inf))
        cells.add(mean, stddev, rho, pose_ids)
        return cells

    def __len__(self) -> int:
        return len(self.group)

    @property
    def n_groups(self) -> int:
        return len(self.R)

    def _csr(self) -> None:
        self._coarse: tuple[np.ndarray, ...] | None = None
        self._cell_of = np.arange(self.n_groups) // BANDS
        self.order = np.argsort(self.group, kind="stable").astype(np.int64)
        self.offsets = np.zeros(self.n_groups + 1, np.int64)
        np.cumsum(np.bincount(self.group, minlength=self.n_groups), out=self.offsets[1:])

    def add(self, mean: np.ndarray, stddev: np.ndarray, rho: np.ndarray, pose_ids: np.ndarray) -> None:
        """Append poses (as the next index rows): nearest centroid, band by rho, widen group statistics."""
        from faiss.contrib.ivf_tools import add_preassigned

        labels = []
        for s in range(0, len(mean), _CHUNK):
            x = np.ascontiguousarray(mean[s:s + _CHUNK], np.float32)
            sd = np.asarray(stddev[s:s + _CHUNK], np.float32)
            r = np.asarray(rho[s:s + _CHUNK], np.float32)
            cell = assign_two_level(x, self.coarse, self.centroids, self.fine_start)
            g = cell * BANDS + np.searchsorted(self.band_edges, r)
            gap = x - self.centroids[cell]
            dist = np.sqrt(np.einsum("ij,ij->i", gap, gap))
            np.maximum.at(self.R, g, dist)
            np.maximum.at(self.reach, g, dist + r)
            for dim in range(x.shape[1]):
                np.minimum.at(self.smin[:, dim], g, sd[:, dim])
                np.maximum.at(self.smax[:, dim], g, sd[:, dim])
                np.minimum.at(self.mlo[:, dim], g, x[:, dim])
                np.maximum.at(self.mhi[:, dim], g, x[:, dim])
            add_preassigned(self._ivf, x, cell, ids=np.ascontiguousarray(pose_ids[s:s + _CHUNK], np.int64))
            labels.append(g.astype(np.int32))
        self.group = np.concatenate([self.group, *labels])
        self._csr()

    def remove_rows(self, keep: np.ndarray, removed_ids: np.ndarray) -> None:
        """Drop the rows where keep (N,) bool is False (their pose ids: removed_ids); statistics stay valid."""
        self.group = self.group[keep]
        ids = np.ascontiguousarray(np.asarray(removed_ids, np.int64))
        if ids.size:
            self._ivf.remove_ids(self._faiss.IDSelectorBatch(ids))
        self._csr()

    def nearest(self, mq: np.ndarray, m: int) -> np.ndarray:
        """Pose ids of (about) the m nearest means to the query mean mq (D,), from `nprobe` cells."""
        self._ivf.nprobe = min(self.nprobe, self._ivf.nlist)
        _, ids = self._ivf.search(np.ascontiguousarray(mq[None], np.float32), int(m))
        ids = ids[0]
        return ids[ids >= 0]

    def groups_within(self, mq: np.ndarray, u: np.ndarray, rho_q: float, eps_index: np.ndarray,
                      reach: float, tau: float | None = None, a: float = 1.0, b: float = 0.0) -> np.ndarray:
        """Groups that may hold a pose with a sample pair within `reach` of the query (mq (D,), u (K, D)
        query offsets) and, when tau is given, with P >= tau (slope a, offset b): bounds.groups_may_reach,
        first on the coarse cells (each the union of its fine cells' groups), then on the groups of the
        coarse cells kept."""
        coarse = self._coarse_stats()
        ok = groups_may_reach(mq, u, eps_index, *coarse, rho_q, reach, tau, a, b)
        lo, size = self.fine_start[:-1][ok] * BANDS, np.diff(self.fine_start)[ok] * BANDS
        g = np.arange(int(size.sum())) + np.repeat(lo - (np.cumsum(size) - size), size)  # their groups
        g = g[self.offsets[g + 1] > self.offsets[g]]
        c = g // BANDS
        out = []
        for s in range(0, len(g), 16384):
            gs, cs = g[s:s + 16384], c[s:s + 16384]
            keep = groups_may_reach(mq, u, eps_index, self.centroids[cs], self.R[gs], self.reach[gs], self.smin[gs],
                                    self.smax[gs], self.mlo[gs], self.mhi[gs], rho_q, reach, tau, a, b)
            out.append(gs[keep])
        return np.concatenate(out) if out else np.zeros(0, np.int64)

    def _coarse_stats(self) -> tuple[np.ndarray, ...]:
        """Per coarse cell, the statistics of the union of its fine cells' groups (cached until the next
        add or removal): centre, R, reach_ball, smin, smax, mlo, mhi as groups_may_reach takes them."""
        if self._coarse is None:
            starts = self.fine_start[:-1] * BANDS
            c_of_g = np.repeat(np.arange(len(self.coarse)), np.diff(self.fine_start) * BANDS)
            off = np.linalg.norm(self.centroids[self._cell_of] - self.coarse[c_of_g], axis=1).astype(np.float32)
            live = starts < self.n_groups  # an empty fine list would make reduceat read the next cell's groups
            red = lambda f, x, fill: np.where(live[:, None] if x.ndim > 1 else live,
                                              f.reduceat(x, np.minimum(starts, self.n_groups - 1)), fill)
            self._coarse = (self.coarse, red(np.maximum, self.R + off, -np.inf), red(np.maximum, self.reach + off, -np.inf),
                            red(np.minimum, self.smin, np.inf), red(np.maximum, self.smax, -np.inf),
                            red(np.minimum, self.mlo, np.inf), red(np.maximum, self.mhi, -np.inf))
        return self._coarse

    def rows_of_groups(self, groups: np.ndarray) -> np.ndarray:
        """Index rows of every member of the given groups (vectorised CSR gather)."""
        starts, ends = self.offsets[groups], self.offsets[groups + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, np.int64)
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        return self.order[np.arange(total) + shift]

    # persistence ----------------------------------------------------------------------------------
    def save(self, path: str | Path, fingerprint: str) -> None:
        """Write the faiss index to `path` and the groups + fingerprint beside it (atomic renames)."""
        path = Path(path)
        tmp, side = path.with_name(path.name + ".part"), path.with_name(path.name + ".npz")
        side_tmp = path.with_name(path.name + ".part.npz")
        self._faiss.write_index(self._ivf, str(tmp))
        np.savez(side_tmp, centroids=self.centroids, coarse=self.coarse, fine_start=self.fine_start, band_edges=self.band_edges, group=self.group, R=self.R,
                 reach=self.reach, smin=self.smin, smax=self.smax, mlo=self.mlo, mhi=self.mhi, fingerprint=np.array(fingerprint))
        tmp.replace(path)
        side_tmp.replace(side)

    @classmethod
    def load(cls, path: str | Path, fingerprint: str) -> "CellIndex | None":
        """The saved index when it exists and matches `fingerprint` (see ids_fingerprint), else None."""
        import faiss

        path = Path(path)
        side = path.with_name(path.name + ".npz")
        if not (path.is_file() and side.is_file()):
            return None
        try:
            with np.load(side) as meta:
                if str(meta["fingerprint"]) != fingerprint:
                    return None
                parts = {k: meta[k] for k in ("centroids", "coarse", "fine_start", "band_edges", "group", "R", "reach", "smin", "smax", "mlo",
                                                 "mhi")}
            ivf = faiss.read_index(str(path))
        except (OSError, ValueError, KeyError, RuntimeError):
            return None
        if ivf.ntotal != len(parts["group"]) or ivf.nlist != len(parts["centroids"]):
            return None
        return cls(ivf, **parts)
