"""PoseIndex: retrieval over the library, ranked by the sampled matching probability.

Ranking is by P (prvipe-method.md section 5, K = 20, common random numbers), which is also the returned
confidence. The fast path returns the SAME top k as exhaustive scoring whenever its certificate holds
(QueryStats.certified), and the certificate is checked on every query rather than assumed:

1. distance between means |mu_q - mu_j| for all N poses (one float32 matrix-vector product);
2. exact P for the M0 = max(8k, 256) poses nearest in mean (argpartition); tau = their k-th best P;
3. a pose j can only beat tau if its best possible P does. Every sample distance obeys
   d_kl >= |Delta| - rho_q - rho_j (rho = the largest sample offset |stddev * eps| of a pose, precomputed
   per index pose) and, projecting on the direction of Delta,
   d_kl >= |Delta| + min_k (u_k . n) - max_l (v_jl . n). Since p(d) falls with d, P_j <= p(that bound).
   Every pose whose bound reaches tau is scored exactly, so nothing outside can enter the top k.
So M adapts to the query: tight clusters and small stddevs need few candidates, ambiguous wide poses more.
If the certified set would exceed `max_candidates`, the best `max_candidates` by bound are scored and the
query is flagged uncertified (benchmarks/search.py reports how often that happens and the agreement).

An index built with cells=True also gets a CellIndex (cells.py: fine FAISS k-means cells cut into rho
bands, with per-group bounds): the first candidates come from its IVF and step 3 reads only the groups
that can hold a candidate instead of all N rows, with the same certificate; when that path cannot certify,
the query falls back to the full scan above. It is opt-in: on embeddings shaped like the bundled model's,
the exact reach covers a few percent of the library and the full scan is still faster up to 10M poses
(benchmarks/search_scale.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.poses import Embedding
from ..core.probability import DEFAULT_SAMPLES, noise_table
from .derived_files import load_derived, save_derived
from .filters import allowed_rows
from .hits import Hit, QueryStats
from .per_media import NO_MATCH, MediaBest, best_per_media
from .cells import CellIndex, ids_fingerprint
from .ranking import Ranked, rank_cells, rank_exhaustive, rank_fast, scan_rows, top_indices
from .scoring import query_samples

_SMALL = 2048  # at most this many allowed poses: score them all instead of bounding


@dataclass
class _Arrays:
    pose_ids: np.ndarray
    media_ids: np.ndarray
    mean: np.ndarray  # (N, D) float32, centred on `origin`
    stddev: np.ndarray
    visibility: np.ndarray
    origin: np.ndarray
    rho: np.ndarray = field(init=False)
    scan: np.ndarray = field(init=False)  # (N, D + 2) ranking.scan_rows
    sorter: np.ndarray | None = field(init=False)  # argsort of pose_ids, None when already increasing


class PoseIndex:
    """An in-memory retrieval index over N embedded library poses.

    pose_ids, media_ids: (N,) int; embedding: Embedding (N, D); a, b: the model's probability scalars;
    visibility: (N,) float (e.g. mean keypoint score) for the min_visibility filter, None = all 1;
    mirrored_embedding: optional (N, D) embeddings of every pose's left/right flipped 2D pose, used for
    mirror=True when the query's mirrored embedding is not passed.
    Memory: about 2 x N x D x 4 bytes plus a few (N,) arrays (about 150 MB for 1M poses at D = 16), plus
    N x D x 2 bytes for the cells' fp16 copy of the means when they are built.
    cells: a CellIndex over these poses (e.g. CellIndex.load with ids_fingerprint), True to build one,
    False (default) for none.
    centre: False uses the means as given (no copy: memory-mapped arrays stay on disk); they should then
    be roughly centred already, since the full scan expands |m - q|^2 in float32.
    derived: a folder written by save_derived for exactly these poses, embedding, samples and seed (the
    caller's to vouch for, e.g. a folder that is replaced whenever the library changes): its origin, rho
    and scan rows are memory-mapped instead of computed (seconds and 760 MB at 10^7 poses).
    """

    def __init__(self, pose_ids, media_ids, embedding: Embedding, a: float, b: float, visibility=None,
                 mirrored_embedding: Embedding | None = None, *, samples: int = DEFAULT_SAMPLES, seed: int = 0,
                 max_candidates: int = 20_000, cells: CellIndex | bool = False, centre: bool = True,
                 derived: str | Path | None = None) -> None:
        if not a > 0:
            raise ValueError(f"the probability slope a must be > 0, got {a}")
        self.a, self.b, self.samples, self.seed = float(a), float(b), int(samples), int(seed)
        self.max_candidates = int(max_candidates)
        #: answer from the cells' group bounds (reading only the groups that may hold a candidate) instead of
        #: the one-pass scan; off: in 16 dimensions a cell of 32 poses spans about the distance to the 10th
        #: match, so the group bounds keep a few percent of the library and the scan is faster
        self.group_bounds = False
        self._eps = noise_table(self.samples, embedding.dim, self.seed)
        origin = None if centre else np.zeros(embedding.dim, np.float32)
        self._arr = self._build(pose_ids, media_ids, embedding, visibility, origin, derived)
        self._mirror = None if mirrored_embedding is None else self._check_mirror(mirrored_embedding)
        self._twin: PoseIndex | None = None  # the mirrored library as an index, built on first use
        self.last_stats: QueryStats | None = None
        if isinstance(cells, CellIndex):
            if len(cells) != len(self):
                raise ValueError(f"the cell index holds {len(cells)} poses, the index {len(self)}")
            self._cells: CellIndex | None = cells
        else:
            self._cells = self.build_cells() if cells and len(self) else None

    # building -------------------------------------------------------------------------------------
    def _build(self, pose_ids, media_ids, emb: Embedding, visibility, origin=None, derived=None) -> _Arrays:
        pose_ids, media_ids = np.asarray(pose_ids, np.int64), np.asarray(media_ids, np.int64)
        n = len(emb)
        if pose_ids.shape != (n,) or media_ids.shape != (n,):
            raise ValueError(f"pose_ids {pose_ids.shape} and media_ids {media_ids.shape} must both be ({n},)")
        vis = np.ones(n, np.float32) if visibility is None else np.asarray(visibility, np.float32)
        if vis.shape != (n,):
            raise ValueError(f"visibility must have shape ({n},), got {vis.shape}")
        mean, stddev = np.asarray(emb.mean, np.float32), np.asarray(emb.stddev, np.float32)
        if derived is not None:   # memory-mapped as save_derived wrote them
            origin, rho, scan = load_derived(derived, n, stddev.shape[1])
            arr = _Arrays(pose_ids, media_ids, scan[:, :-2], stddev, vis, origin)
            arr.rho, arr.scan = rho, scan
            self._sort(arr)
            return arr
        if not (np.isfinite(mean).all() and np.isfinite(stddev).all()):
            raise ValueError("the index embedding has non-finite rows; leave poses without embeddings out")
        if origin is None:
            origin = mean.mean(0) if n else np.zeros(emb.dim, np.float32)
        arr = _Arrays(pose_ids, media_ids, mean, stddev, vis, origin)
        self._derive(arr, shift=origin)
        return arr

    def _derive(self, arr: _Arrays, shift: np.ndarray | None = None) -> None:
        """rho, the scan rows and the sorter of arr. shift: subtracted from arr.mean first (the raw means of
        _build). arr.mean becomes a view of the scan rows' first D columns: the centred means, no second
        copy (640 MB at 10^7 poses)."""
        e2 = (self._eps[1] ** 2).T
        arr.rho = np.zeros(len(arr.mean), np.float32)
        for s in range(0, len(arr.mean), 1 << 18):  # (rows, K) |stddev * eps_l|^2, by chunk: no (N, K) array
            sd = np.asarray(arr.stddev[s:s + (1 << 18)], np.float32)
            arr.rho[s:s + len(sd)] = np.sqrt(((sd * sd) @ e2).max(1))
        arr.scan = scan_rows(arr.mean, arr.rho, shift)
        arr.mean = arr.scan[:, :-2]
        self._sort(arr)

    def _sort(self, arr: _Arrays) -> None:
        ids = arr.pose_ids
        arr.sorter = None if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])) else np.argsort(ids, kind="stable")
        self._twin = None

    def save_derived(self, folder: str | Path) -> None:
        """Write what this index derived from its embedding into folder, for PoseIndex(..., derived=folder)."""
        save_derived(folder, self._arr.origin, self._arr.rho, self._arr.scan)

    # cells ----------------------------------------------------------------------------------------
    def build_cells(self, cell_size: int = 32) -> CellIndex:
        """Build (and use) the CellIndex over the current poses."""
        arr = self._arr
        mean = arr.mean + arr.origin if np.any(arr.origin) else np.ascontiguousarray(arr.mean)   # FAISS: contiguous
        self._cells = CellIndex.build(mean, arr.stddev,
                                      arr.rho, arr.pose_ids, cell_size=cell_size, seed=self.seed)
        return self._cells

    @property
    def cells(self) -> CellIndex | None:
        return self._cells

    def fingerprint(self, model_key: str) -> str:
        """Identifies these poses under a model: the key a saved CellIndex is checked against."""
        return ids_fingerprint(self._arr.pose_ids, f"{model_key}|{self.dim}|{self.samples}|{self.seed}")

    def save_cells(self, path, model_key: str) -> None:
        """Persist the cell index (e.g. beside the library file) for PoseIndex(..., cells=load_cells(...))."""
        if self._cells is None:
            raise ValueError("this index has no cells to save")
        self._cells.save(path, self.fingerprint(model_key))

    def _check_mirror(self, mirrored: Embedding) -> Embedding:
        if len(mirrored) != len(self) or mirrored.dim != self.dim:
            raise ValueError(f"mirrored_embedding must match the index: ({len(self)}, {self.dim}), "
                             f"got ({len(mirrored)}, {mirrored.dim})")
        return mirrored

    def __len__(self) -> int:
        return len(self._arr.pose_ids)

    @property
    def dim(self) -> int:
        return int(self._arr.mean.shape[1])

    @property
    def pose_ids(self) -> np.ndarray:
        return self._arr.pose_ids

    @property
    def media_ids(self) -> np.ndarray:
        return self._arr.media_ids

    @property
    def embedding(self) -> Embedding:
        """The index embeddings (N, D), in the caller's coordinates."""
        return Embedding(self._arr.mean + self._arr.origin, self._arr.stddev)

    def rows_of(self, pose_ids) -> np.ndarray:
        """Index rows of the given pose ids; KeyError names a pose id that is not indexed."""
        arr = self._arr
        ids = np.atleast_1d(np.asarray(pose_ids, np.int64))
        if len(arr.pose_ids) == 0:
            raise KeyError(f"pose id {int(ids[0])} is not in the index (the index is empty)")
        pos = np.minimum(np.searchsorted(arr.pose_ids, ids, sorter=arr.sorter), len(arr.pose_ids) - 1)
        rows = pos if arr.sorter is None else arr.sorter[pos]
        missing = self._arr.pose_ids[rows] != ids
        if missing.any():
            raise KeyError(f"pose id {int(ids[missing][0])} is not in the index")
        return rows

    def add(self, pose_ids, media_ids, embedding: Embedding, visibility=None,
            mirrored_embedding: Embedding | None = None) -> None:
        """Append poses (e.g. newly indexed media). Pose ids already present raise ValueError."""
        new = self._build(pose_ids, media_ids, embedding, visibility, origin=self._arr.origin)
        if np.isin(new.pose_ids, self._arr.pose_ids).any():
            raise ValueError("some of the added pose ids are already in the index")
        if (self._mirror is None) != (mirrored_embedding is None) and len(self):
            raise ValueError("pass mirrored_embedding for added poses exactly when the index has one")
        old = self._arr
        arr = _Arrays(*(np.concatenate([getattr(old, f), getattr(new, f)]) for f in
                        ("pose_ids", "media_ids", "mean", "stddev", "visibility")), old.origin)
        self._derive(arr)
        self._arr = arr
        if self._cells is not None:
            self._cells.add(new.mean + new.origin, new.stddev, new.rho, new.pose_ids)
        if mirrored_embedding is not None:
            self._mirror = mirrored_embedding if self._mirror is None else Embedding.concat([self._mirror,
                                                                                              mirrored_embedding])

    def rebuild(self) -> None:
        """Recompute the derived arrays around a fresh origin (worth it after many adds of new material;
        results do not change beyond float32 rounding)."""
        arr = self._arr
        self._arr = self._build(arr.pose_ids, arr.media_ids, self.embedding, arr.visibility)

    def remove_media(self, media_ids) -> None:
        """Drop every pose of the given media."""
        keep = ~np.isin(self._arr.media_ids, np.asarray(list(media_ids), np.int64))
        old = self._arr
        arr = _Arrays(old.pose_ids[keep], old.media_ids[keep], old.mean[keep], old.stddev[keep],
                      old.visibility[keep], old.origin)
        self._derive(arr)
        self._arr = arr
        if self._cells is not None:
            self._cells.remove_rows(keep, old.pose_ids[~keep])
        if self._mirror is not None:
            self._mirror = self._mirror[keep] if keep.any() else None

    # querying -------------------------------------------------------------------------------------
    def query(self, query: Embedding, k: int = 20, exclude_media=(), restrict_media=None,
              restrict_pose_ids=None, min_visibility: float = 0.0, mirror: bool = False,
              query_mirrored: Embedding | None = None, exhaustive: bool = False,
              exclude_pose_ids=(), cells: bool = True) -> list[Hit]:
        """The k library poses most likely to match `query` (one pose), best first.

        Filters: exclude_media / restrict_media (media ids), restrict_pose_ids, exclude_pose_ids,
        min_visibility (index visibility >= it). mirror: also score the mirrored query
        (`query_mirrored`, or the index's mirrored_embedding) and keep the better per pose.
        exhaustive: score every allowed pose (the reference the fast path is checked against).
        cells: False skips the CellIndex and runs the full scan (for comparisons).
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if query.dim != self.dim:
            raise ValueError(f"query embedding has {query.dim} dimensions, the index {self.dim}")
        arr = self._arr
        filters = dict(exclude_media=exclude_media, restrict_media=restrict_media,
                       restrict_pose_ids=restrict_pose_ids, exclude_pose_ids=exclude_pose_ids,
                       min_visibility=min_visibility)
        use_cells = cells and not exhaustive and self._cells is not None
        if use_cells and self.group_bounds:
            hits = self._query_cells(query, k, filters, mirror, query_mirrored)
            if hits is not None:
                return hits
        mask = allowed_rows(arr.pose_ids, arr.media_ids, arr.visibility, **filters)
        n_allowed = len(arr.pose_ids) if mask is None else int(mask.sum())
        if n_allowed == 0:
            self.last_stats = QueryStats(0, 0, True, exhaustive)
            return []
        plain = self._rank(query, mask, k, exhaustive, use_cells)
        if not mirror:
            self.last_stats = QueryStats(n_allowed, plain.scored, plain.certified, exhaustive, use_cells)
            return self._hits(plain, None)
        flipped = self._rank_mirrored(query, query_mirrored, mask, k, exhaustive, use_cells)
        self.last_stats = QueryStats(n_allowed, plain.scored + flipped.scored,
                                     plain.certified and flipped.certified, exhaustive, use_cells)
        return self._hits(plain, flipped)[:k]

    def _query_cells(self, query: Embedding, k: int, filters: dict, mirror: bool,
                     query_mirrored: Embedding | None) -> list[Hit] | None:
        """The query answered from the cells, filters evaluated only on the rows read; None when the cell
        path cannot certify it (or a mirrored query needs the mirrored library), so the full scan runs."""
        if mirror and query_mirrored is None:
            return None
        arr, seen = self._arr, [0]

        def allowed_among(rows: np.ndarray) -> np.ndarray:
            mask = allowed_rows(np.take(arr.pose_ids, rows), np.take(arr.media_ids, rows),
                                np.take(arr.visibility, rows), **filters)
            rows = rows if mask is None else rows[mask]
            seen[0] += len(rows)
            return rows

        ranked = []
        for q in (query, query_mirrored) if mirror else (query,):
            mean = np.asarray(q.mean, np.float32)
            centred = Embedding(mean - arr.origin, np.asarray(q.stddev, np.float32))
            zq = query_samples(centred, self._eps[0])
            r = rank_cells(zq, centred.mean[0], arr.mean, arr.stddev, arr.rho, self._eps[1], self._cells, mean[0],
                           self.rows_of, allowed_among, k, self.a, self.b, self.max_candidates)
            if r is None:
                return None
            ranked.append(r)
        self.last_stats = QueryStats(seen[0], sum(r.scored for r in ranked), True, False, cells=True)
        return self._hits(ranked[0], ranked[1] if mirror else None)[:k]

    def best_per_media(self, query: Embedding, floor: float = NO_MATCH, exclude_media=(), restrict_media=None,
                       restrict_pose_ids=None, exclude_pose_ids=(), min_visibility: float = 0.0) -> MediaBest:
        """The best pose of every media for `query` (one pose), best first (search.per_media: exact for every
        media whose best P is at least `floor`); filters as in query. Rows are index rows."""
        if query.dim != self.dim:
            raise ValueError(f"query embedding has {query.dim} dimensions, the index {self.dim}")
        arr = self._arr
        mask = allowed_rows(arr.pose_ids, arr.media_ids, arr.visibility, exclude_media=exclude_media,
                            restrict_media=restrict_media, restrict_pose_ids=restrict_pose_ids,
                            exclude_pose_ids=exclude_pose_ids, min_visibility=min_visibility)
        centred = Embedding(np.asarray(query.mean, np.float32) - arr.origin, np.asarray(query.stddev, np.float32))
        zq = query_samples(centred, self._eps[0])
        return best_per_media(zq, centred.mean[0], arr.mean, arr.stddev, arr.scan, arr.rho, self._eps[1],
                              arr.media_ids, mask, self.a, self.b, floor)

    def query_pose(self, pose_id: int, k: int = 20, exclude_own_media: bool = True, **options) -> list[Hit]:
        """Query by a library pose: its own embedding, itself excluded (and its media unless asked not to)."""
        row = int(self.rows_of([pose_id])[0])
        if exclude_own_media:
            options["exclude_media"] = tuple(options.get("exclude_media", ())) + (int(self._arr.media_ids[row]),)
        options["exclude_pose_ids"] = tuple(options.get("exclude_pose_ids", ())) + (int(pose_id),)
        arr = self._arr
        query = Embedding(arr.mean[row:row + 1] + arr.origin, arr.stddev[row:row + 1])
        return self.query(query, k=k, **options)

    def _rank(self, query: Embedding, mask, k: int, exhaustive: bool, use_cells: bool = False) -> Ranked:
        arr = self._arr
        centred = Embedding(np.asarray(query.mean, np.float32) - arr.origin, np.asarray(query.stddev, np.float32))
        zq = query_samples(centred, self._eps[0])
        n_allowed = len(arr.pose_ids) if mask is None else int(np.count_nonzero(mask))
        if exhaustive or n_allowed <= _SMALL:  # a few thousand poses: scoring them all is as quick
            rows = np.arange(len(arr.pose_ids)) if mask is None else np.flatnonzero(mask)
            return rank_exhaustive(zq, arr.mean, arr.stddev, self._eps[1], rows, k, self.a, self.b)
        first = None
        if use_cells and self._cells is not None:  # the nearest means from the IVF, to set tau
            m0 = max(8 * k, 256)
            first = self.rows_of(self._cells.nearest(np.asarray(query.mean[0], np.float32), m0))
            first = first if mask is None else first[mask[first]]
        return rank_fast(zq, centred.mean[0], arr.mean, arr.stddev, arr.scan, arr.rho, self._eps[1], mask, k,
                         self.a, self.b, self.max_candidates, first)

    def _rank_mirrored(self, query, query_mirrored, mask, k, exhaustive, use_cells=False) -> Ranked:
        if query_mirrored is not None:
            return self._rank(query_mirrored, mask, k, exhaustive, use_cells)
        if self._mirror is None:
            raise ValueError("mirror=True needs query_mirrored (the embedding of the flipped query pose) "
                             "or an index built with mirrored_embedding")
        # P(query, mirror(pose_j)): score the query against the mirrored library (built once, cached)
        if self._twin is None:
            self._twin = PoseIndex(self._arr.pose_ids, self._arr.media_ids, self._mirror, self.a, self.b,
                                   self._arr.visibility, samples=self.samples, seed=self.seed,
                                   max_candidates=self.max_candidates, cells=False)
        return self._twin._rank(query, mask, k, exhaustive)

    def _hits(self, plain: Ranked, flipped: Ranked | None) -> list[Hit]:
        best: dict[int, tuple[float, bool]] = {}
        for ranked, mirrored in ((plain, False), (flipped, True)):
            if ranked is None:
                continue
            for row, p in zip(ranked.rows.tolist(), ranked.probability.tolist()):
                if row not in best or p > best[row][0]:
                    best[row] = (p, mirrored)
        rows = np.fromiter(best, np.int64, len(best))
        probs = np.array([best[r][0] for r in rows.tolist()])
        arr = self._arr
        return [Hit(int(arr.pose_ids[r]), int(arr.media_ids[r]), float(probs[i]), best[int(r)][1], int(r))
                for i, r in ((i, rows[i]) for i in top_indices(probs, len(rows)))]
