"""The FAISS cell path of PoseIndex: same top-k as exhaustive scoring, kept exact through adds, removals and
a save/load round trip; the per-cell reach checked against a slow recomputation."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.core.poses import Embedding
from poseexplorer.search import PoseIndex
from poseexplorer.search.cells import BANDS, CellIndex
from poseexplorer.search.synthetic import synthetic_library

A, B = 0.52, -0.5
N = 30_000


@pytest.fixture(scope="module")
def library():
    emb, media = synthetic_library(N, seed=3)
    return emb, media


def _rows(hits):
    return [h.row for h in hits]


def _check_same_as_exhaustive(index: PoseIndex, emb: Embedding, media: np.ndarray, queries, k: int = 10,
                              **options) -> int:
    """Asserts cell-path top-k == exhaustive top-k for every query; returns how many used the cells."""
    used = 0
    for r in queries:
        opts = dict(k=k, exclude_media=[int(media[r])], **options)
        fast = index.query(emb[int(r)], **opts)
        used += index.last_stats.cells
        exact = index.query(emb[int(r)], exhaustive=True, **opts)
        assert _rows(fast) == _rows(exact)
        assert np.allclose([h.probability for h in fast], [h.probability for h in exact])
    return used


def test_cell_path_matches_exhaustive(library):
    emb, media = library
    index = PoseIndex(np.arange(N) * 3 + 7, media, emb, A, B, cells=True)
    assert index.cells is not None and len(index.cells) == N
    queries = np.random.default_rng(0).choice(N, 25, replace=False)
    used = _check_same_as_exhaustive(index, emb, media, queries)
    assert used >= 20  # the cells answered (nearly) every query, certified
    vis = np.random.default_rng(1).uniform(0, 1, N)
    index2 = PoseIndex(np.arange(N), media, emb, A, B, visibility=vis, cells=True)
    _check_same_as_exhaustive(index2, emb, media, queries[:10], min_visibility=0.5)


def test_group_statistics_and_bounds_against_slow_versions(library):
    emb, media = library
    index = PoseIndex(np.arange(N), media, emb, A, B, cells=True)
    cells = index.cells
    mean, sd, rho = np.asarray(emb.mean), np.asarray(emb.stddev), index._arr.rho
    assert sorted(cells.rows_of_groups(np.arange(cells.n_groups)).tolist()) == list(range(N))
    live = np.flatnonzero(np.diff(cells.offsets) > 0)
    for g in live[:: max(1, len(live) // 40)].tolist():
        rows = cells.rows_of_groups(np.array([g]))
        c = cells.centroids[g // BANDS]
        assert max(np.linalg.norm(mean[r] - c) + rho[r] for r in rows) <= cells.reach[g] + 1e-4
        assert (sd[rows] >= cells.smin[g]).all() and (sd[rows] <= cells.smax[g]).all()
    # a group left out for a reach holds no pose whose closest sample pair is within that reach
    eps = index._eps
    rng = np.random.default_rng(4)
    for r in rng.choice(N, 3, replace=False).tolist():
        zq = mean[r] + sd[r] * eps[0]
        u = zq - mean[r]
        rho_q = float(np.linalg.norm(u, axis=1).max())
        reach = 1.0
        kept = set(cells.groups_within(mean[r], u, rho_q, eps[1], reach).tolist())
        dropped = np.array([g for g in live.tolist() if g not in kept])
        assert len(dropped) > 0
        rows = cells.rows_of_groups(dropped)[::7]
        z = mean[rows][:, None, :] + sd[rows][:, None, :] * eps[1][None]  # (n, K, D)
        closest = np.linalg.norm(z[:, :, None, :] - zq[None, None], axis=-1).min(axis=(1, 2))
        assert (closest > reach - 1e-4).all()


def test_incremental_add_remove_and_persistence(library, tmp_path):
    emb, media = library
    half = N // 2
    index = PoseIndex(np.arange(half), media[:half], emb[:half], A, B, cells=True)
    index.add(np.arange(half, N), media[half:], emb[half:])
    assert len(index.cells) == N
    queries = np.random.default_rng(2).choice(N, 15, replace=False)
    assert _check_same_as_exhaustive(index, emb, media, queries) >= 10
    gone = np.unique(media)[::3]
    index.remove_media(gone)
    assert len(index.cells) == len(index)
    left = np.flatnonzero(~np.isin(media, gone))
    kept_queries = [int(r) for r in queries if not np.isin(media[r], gone)]
    _check_same_as_exhaustive(index, emb, media, kept_queries)
    path = tmp_path / "poses.sqlite.cells"
    index.save_cells(path, "model-a")
    assert CellIndex.load(path, index.fingerprint("model-b")) is None  # another model: stale
    loaded = CellIndex.load(path, index.fingerprint("model-a"))
    assert loaded is not None
    again = PoseIndex(left, media[left], emb[left], A, B, cells=loaded)
    for r in kept_queries[:5]:
        opts = dict(k=10, exclude_media=[int(media[r])])
        got = again.query(emb[r], **opts)
        assert again.last_stats.cells
        assert [h.pose_id for h in got] == [h.pose_id for h in index.query(emb[r], exhaustive=True, **opts)]


def test_small_library_keeps_numpy_path(library):
    emb, media = library
    index = PoseIndex(np.arange(N), media, emb, A, B)
    assert index.cells is None
    index.query(emb[0], k=5, exclude_media=[int(media[0])])
    assert not index.last_stats.cells


def test_mirrored_query_through_cells(library):
    emb, media = library
    index = PoseIndex(np.arange(N), media, emb, A, B, cells=True)
    rng = np.random.default_rng(5)
    for r in rng.choice(N, 5, replace=False).tolist():
        other = int(rng.integers(N))
        opts = dict(k=10, exclude_media=[int(media[r])], mirror=True, query_mirrored=emb[other])
        fast = index.query(emb[r], **opts)
        exact = index.query(emb[r], exhaustive=True, **opts)
        assert [(h.row, h.mirrored) for h in fast] == [(h.row, h.mirrored) for h in exact]


def test_group_bound_path_matches_exhaustive(library):
    emb, media = library
    index = PoseIndex(np.arange(N), media, emb, A, B, cells=True)
    index.group_bounds = True
    queries = np.random.default_rng(8).choice(N, 8, replace=False)
    used = _check_same_as_exhaustive(index, emb, media, queries)
    assert used >= 1
