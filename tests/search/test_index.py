"""PoseIndex: the fast path equals exhaustive scoring, which equals the core estimator; filters; mirror."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from poseexplorer.core.poses import Embedding
from poseexplorer.core.probability import matching_probability
from poseexplorer.search import Hit, PoseIndex, exhaustive_probability
from poseexplorer.search.synthetic import synthetic_library

A, B = 0.9, 0.5


def library(n=6000, seed=0, sigma=(0.05, 0.4)):
    emb, media = synthetic_library(n, n_actions=40, frames_per_video=100, sigma_range=sigma, seed=seed)
    pose_ids = np.arange(n) * 7 + 3  # ids are not rows
    vis = np.random.default_rng(seed).uniform(0.2, 1.0, n).astype(np.float32)
    return emb, media, pose_ids, vis


def slow_top(query: Embedding, emb: Embedding, allowed: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The obvious version: the core estimator over every allowed pose, sorted."""
    p = matching_probability(query, emb[allowed], A, B)[0]
    order = np.argsort(-p, kind="stable")[:k]
    return np.flatnonzero(allowed)[order], p[order]


def test_scoring_equals_the_core_estimator():
    emb, *_ = library(500)
    q = emb[17]
    np.testing.assert_allclose(exhaustive_probability(q, emb, A, B), matching_probability(q, emb, A, B)[0],
                               rtol=2e-5)


def test_exhaustive_query_equals_the_slow_ranking():
    emb, media, ids, vis = library(2000, seed=1)
    index = PoseIndex(ids, media, emb, A, B, visibility=vis)
    for q in (3, 400, 1999):
        hits = index.query(emb[q], k=10, exhaustive=True)
        rows, p = slow_top(emb[q], emb, np.ones(len(emb), bool), 10)
        np.testing.assert_array_equal([h.row for h in hits], rows)
        np.testing.assert_allclose([h.probability for h in hits], p, rtol=2e-5)
        assert [h.pose_id for h in hits] == list(ids[rows]) and [h.media_id for h in hits] == list(media[rows])


#: The numerical contract between the fast path and exhaustive scoring: the same rows in the same order and
#: probabilities equal to this relative tolerance. They are summed in different block sizes, so the BLAS
#: kernels of the machine may change the last bits (seen: 0.19209409492835405 vs 0.19209409452602266).
PROB_RTOL = 1e-7


def assert_same_ranking(fast, exact) -> None:
    """Same rows and order; probabilities within PROB_RTOL. Rows whose probabilities tie within the tolerance
    may come in either order (both paths break exact ties by row, but a near-tie can flip in the last bits)."""
    assert len(fast) == len(exact)
    pf = np.array([h.probability for h in fast])
    pe = np.array([h.probability for h in exact])
    np.testing.assert_allclose(pf, pe, rtol=PROB_RTOL, atol=0)
    i = 0
    while i < len(exact):
        j = i + 1
        while j < len(exact) and abs(pe[j] - pe[i]) <= PROB_RTOL * abs(pe[i]):
            j += 1
        assert sorted(h.row for h in fast[i:j]) == sorted(h.row for h in exact[i:j]), (i, j)
        if j - i == 1:
            assert fast[i].row == exact[i].row
        i = j


@pytest.mark.parametrize("sigma", [(0.03, 0.1), (0.05, 0.4), (0.3, 0.9)])
def test_fast_path_equals_exhaustive(sigma, monkeypatch):
    import poseexplorer.search.index as index_module

    monkeypatch.setattr(index_module, "_SMALL", 0)
    emb, media, ids, vis = library(6000, seed=2, sigma=sigma)
    index = PoseIndex(ids, media, emb, A, B, visibility=vis)
    rng = np.random.default_rng(3)
    for q in rng.integers(0, len(emb), 15):
        for k in (1, 10):
            fast = index.query(emb[q], k=k, exclude_media=[media[q]])
            assert index.last_stats.certified
            exact = index.query(emb[q], k=k, exclude_media=[media[q]], exhaustive=True)
            assert_same_ranking(fast, exact)


def test_fast_path_with_a_query_outside_the_library():
    emb, media, ids, _ = library(4000, seed=4)
    index = PoseIndex(ids, media, emb, A, B)
    rng = np.random.default_rng(5)
    for _ in range(10):
        q = Embedding(rng.normal(0, 1, (1, 16)).astype(np.float32),
                      np.exp(rng.uniform(-3, 0, (1, 16))).astype(np.float32))
        fast = [h.row for h in index.query(q, k=20)]
        assert fast == [h.row for h in index.query(q, k=20, exhaustive=True)]


@pytest.mark.parametrize("small", [0, 2048])
def test_filters_match_the_slow_ranking(monkeypatch, small):
    import poseexplorer.search.index as index_module

    monkeypatch.setattr(index_module, "_SMALL", small)  # 0: the fast path even for tiny filtered sets
    emb, media, ids, vis = library(3000, seed=6)
    index = PoseIndex(ids, media, emb, A, B, visibility=vis)
    q = emb[1234]
    cases = [
        (dict(exclude_media=[media[1234], media[0]]), ~np.isin(media, [media[1234], media[0]])),
        (dict(restrict_media=[3, 4, 5]), np.isin(media, [3, 4, 5])),
        (dict(restrict_pose_ids=ids[::5]), np.arange(3000) % 5 == 0),
        (dict(min_visibility=0.8), vis >= 0.8),
        (dict(min_visibility=0.5, exclude_media=[2]), (vis >= 0.5) & (media != 2)),
    ]
    for options, allowed in cases:
        for exhaustive in (False, True):
            hits = index.query(q, k=8, exhaustive=exhaustive, **options)
            rows, _ = slow_top(q, emb, allowed, 8)
            np.testing.assert_array_equal([h.row for h in hits], rows)
    assert index.query(q, restrict_media=[10_000]) == []


def test_query_pose_excludes_itself_and_its_media():
    emb, media, ids, _ = library(2000, seed=7)
    index = PoseIndex(ids, media, emb, A, B)
    hits = index.query_pose(int(ids[50]), k=5)
    assert all(h.media_id != media[50] for h in hits)
    own = index.query_pose(int(ids[50]), k=5, exclude_own_media=False)
    assert all(h.pose_id != ids[50] for h in own) and own[0].media_id == media[50]
    with pytest.raises(KeyError, match="not in the index"):
        index.query_pose(1)


def mirror_transform(mean: np.ndarray) -> np.ndarray:
    """Synthetic stand-in for 'embed the flipped pose': a fixed involution of the embedding space."""
    perm = np.arange(mean.shape[1]).reshape(-1, 2)[:, ::-1].ravel()
    return -mean[:, perm]


def test_mirror_search_finds_a_flipped_pose():
    emb, media, ids, _ = library(3000, seed=8)
    rng = np.random.default_rng(9)
    query = Embedding(rng.normal(0, 1.2, (1, 16)).astype(np.float32), np.full((1, 16), 0.08, np.float32))
    # the library holds the query's mirror image (a left-handed performer), plus its near copies far away
    flipped = Embedding(mirror_transform(query.mean), query.stddev)
    lib = Embedding.concat([emb, flipped])
    index = PoseIndex(np.r_[ids, 99_999], np.r_[media, 777], lib, A, B)
    plain = index.query(query, k=5)
    assert plain[0].pose_id != 99_999
    query_mirrored = Embedding(mirror_transform(query.mean), query.stddev)
    hits = index.query(query, k=5, mirror=True, query_mirrored=query_mirrored)
    assert hits[0].pose_id == 99_999 and hits[0].mirrored
    assert hits[0].probability > plain[0].probability
    assert [h.probability for h in hits] == sorted((h.probability for h in hits), reverse=True)
    # fallback: an index that holds every pose's mirrored embedding
    mirrored_lib = Embedding(mirror_transform(lib.mean), lib.stddev)
    index2 = PoseIndex(np.r_[ids, 99_999], np.r_[media, 777], lib, A, B, mirrored_embedding=mirrored_lib)
    hits2 = index2.query(query, k=5, mirror=True)
    assert hits2[0].pose_id == 99_999 and hits2[0].mirrored
    with pytest.raises(ValueError, match="query_mirrored"):
        index.query(query, mirror=True)


def test_mirror_merge_equals_exhaustive_max():
    emb, media, ids, _ = library(2500, seed=10)
    index = PoseIndex(ids, media, emb, A, B)
    q = emb[100]
    qm = Embedding(mirror_transform(q.mean), q.stddev)
    hits = index.query(q, k=10, mirror=True, query_mirrored=qm)
    both = np.maximum(exhaustive_probability(q, emb, A, B), exhaustive_probability(qm, emb, A, B))
    np.testing.assert_array_equal([h.row for h in hits], np.argsort(-both, kind="stable")[:10])


def test_add_and_remove_media_equal_a_rebuilt_index():
    emb, media, ids, vis = library(3000, seed=11)
    first = media < 15
    grown = PoseIndex(ids[first], media[first], emb[first], A, B, visibility=vis[first])
    grown.add(ids[~first], media[~first], emb[~first], visibility=vis[~first])
    full = PoseIndex(ids, media, emb, A, B, visibility=vis)
    q = emb[2500]
    key = [(h.pose_id, round(h.probability, 6)) for h in full.query(q, k=10)]
    assert [(h.pose_id, round(h.probability, 6)) for h in grown.query(q, k=10)] == key
    grown.rebuild()
    assert [h.pose_id for h in grown.query(q, k=10)] == [p for p, _ in key]
    with pytest.raises(ValueError, match="already"):
        grown.add(ids[:3], media[:3], emb[:3])
    grown.remove_media([int(media[2500])])
    assert all(h.media_id != media[2500] for h in grown.query(q, k=10))
    assert len(grown) == int((media != media[2500]).sum())


def test_bad_input_is_refused_clearly():
    emb, media, ids, _ = library(500, seed=12)
    with pytest.raises(ValueError, match="media_ids"):
        PoseIndex(ids, media[:-1], emb, A, B)
    with pytest.raises(ValueError, match="a must be"):
        PoseIndex(ids, media, emb, 0.0, B)
    index = PoseIndex(ids, media, emb, A, B)
    with pytest.raises(ValueError, match="one pose"):
        index.query(emb[:2])
    with pytest.raises(ValueError, match="dimensions"):
        index.query(Embedding(np.zeros((1, 8), np.float32), np.ones((1, 8), np.float32)))
    hit = index.query(emb[0], k=1)[0]
    assert isinstance(hit, Hit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.probability = 1.0


def test_a_candidate_cap_is_reported_as_uncertified():
    emb, media, ids, _ = library(3000, seed=13, sigma=(0.3, 0.9))
    capped = PoseIndex(ids, media, emb, A, B, max_candidates=50)
    hits = capped.query(emb[5], k=300)
    assert len(hits) == 300
    assert not capped.last_stats.certified and capped.last_stats.scored < 3000
    exact = capped.query(emb[5], k=300, exhaustive=True)
    assert capped.last_stats.exhaustive and capped.last_stats.scored == 3000
    assert hits[0].row == exact[0].row  # still a sensible answer


def test_empty_index_and_growing_mirrored_index():
    emb, media, ids, _ = library(600, seed=14)
    empty = PoseIndex(ids[:0], media[:0], emb[np.zeros(0, int)], A, B)
    assert len(empty) == 0 and empty.query(emb[0]) == []
    with pytest.raises(KeyError):
        empty.query_pose(5)
    mirrored = Embedding(mirror_transform(emb.mean), emb.stddev)
    index = PoseIndex(ids[:300], media[:300], emb[:300], A, B, mirrored_embedding=mirrored[:300])
    index.query(emb[0], mirror=True)  # builds the cached mirrored twin
    index.add(ids[300:], media[300:], emb[300:], mirrored_embedding=mirrored[300:])
    full = PoseIndex(ids, media, emb, A, B, mirrored_embedding=mirrored)
    q = emb[450]
    got = [(h.row, h.mirrored) for h in index.query(q, k=10, mirror=True)]
    assert got == [(h.row, h.mirrored) for h in full.query(q, k=10, mirror=True)]
