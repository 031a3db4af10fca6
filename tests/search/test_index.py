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


#: The numerical contract between the fast path and exhaustive scoring (and between an index built at once and
#: one grown by adds): the same rows in the same order and probabilities equal to this relative tolerance.
#: Both are float32 (eps 1.2e-7) summed in different block sizes, so the machine's BLAS kernels and thread
#: count change the last bits: seen 0.19209409492835405 vs 0.19209409452602266, and one float32 ulp
#: (1.03e-7 relative) with OMP_NUM_THREADS=1 where two threads gave equal values. 1e-6 is about 8 ulps.
PROB_RTOL = 1e-6
#: Exhaustive scoring against the core estimator: float32 paths that sum in different orders.
CORE_RTOL = 2e-5
#: How many more rows than k the reference returns, so a near-tie cut by the k-th place can be judged.
SPARE = 5


def assert_same_ranking(keys, probs, ref_keys, ref_probs, rtol: float = PROB_RTOL) -> None:
    """`keys` (the k best, with their probabilities) rank like the first k of the reference: the same keys in
    the same order, each key's probability within rtol of the reference's. Keys whose reference probabilities
    tie within rtol may come in either order (both paths break exact ties by row, but a near-tie can flip in
    the last bits), and a near-tie group cut by the k-th place may end in any of its keys: so the reference
    should hold a few (SPARE) more keys than k."""
    keys, ref_keys = list(keys), list(ref_keys)
    ref_probs = np.asarray(ref_probs, dtype=np.float64)
    k = len(keys)
    assert len(ref_keys) >= k, (len(ref_keys), k)
    ref_of = dict(zip(ref_keys, ref_probs))
    i = 0
    while i < k:
        j = i + 1
        while j < len(ref_keys) and abs(ref_probs[j] - ref_probs[i]) <= rtol * abs(ref_probs[i]):
            j += 1
        assert set(keys[i:min(j, k)]) <= set(ref_keys[i:j]), (i, j, keys, ref_keys)
        i = j
    np.testing.assert_allclose(np.asarray(probs, dtype=np.float64), [ref_of[key] for key in keys], rtol=rtol, atol=0)


def assert_same_hits(hits, ref_hits, rtol: float = PROB_RTOL, key=lambda h: h.row) -> None:
    assert_same_ranking([key(h) for h in hits], [h.probability for h in hits],
                        [key(h) for h in ref_hits], [h.probability for h in ref_hits], rtol)


def test_scoring_equals_the_core_estimator():
    emb, *_ = library(500)
    q = emb[17]
    np.testing.assert_allclose(exhaustive_probability(q, emb, A, B), matching_probability(q, emb, A, B)[0],
                               rtol=CORE_RTOL)


def test_exhaustive_query_equals_the_slow_ranking():
    emb, media, ids, vis = library(2000, seed=1)
    index = PoseIndex(ids, media, emb, A, B, visibility=vis)
    for q in (3, 400, 1999):
        hits = index.query(emb[q], k=10, exhaustive=True)
        rows, p = slow_top(emb[q], emb, np.ones(len(emb), bool), 10 + SPARE)
        assert_same_ranking([h.row for h in hits], [h.probability for h in hits], rows, p, CORE_RTOL)
        assert [h.pose_id for h in hits] == [ids[h.row] for h in hits]
        assert [h.media_id for h in hits] == [media[h.row] for h in hits]


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
            exact = index.query(emb[q], k=k + SPARE, exclude_media=[media[q]], exhaustive=True)
            assert_same_hits(fast, exact)


def test_fast_path_with_a_query_outside_the_library():
    emb, media, ids, _ = library(4000, seed=4)
    index = PoseIndex(ids, media, emb, A, B)
    rng = np.random.default_rng(5)
    for _ in range(10):
        q = Embedding(rng.normal(0, 1, (1, 16)).astype(np.float32),
                      np.exp(rng.uniform(-3, 0, (1, 16))).astype(np.float32))
        assert_same_hits(index.query(q, k=20), index.query(q, k=20 + SPARE, exhaustive=True))


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
            rows, p = slow_top(q, emb, allowed, 8 + SPARE)
            assert_same_ranking([h.row for h in hits], [h.probability for h in hits], rows, p, CORE_RTOL)
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
    order = np.argsort(-both, kind="stable")[:10 + SPARE]
    assert_same_ranking([h.row for h in hits], [h.probability for h in hits], order, both[order])


def test_add_and_remove_media_equal_a_rebuilt_index():
    emb, media, ids, vis = library(3000, seed=11)
    first = media < 15
    grown = PoseIndex(ids[first], media[first], emb[first], A, B, visibility=vis[first])
    grown.add(ids[~first], media[~first], emb[~first], visibility=vis[~first])
    full = PoseIndex(ids, media, emb, A, B, visibility=vis)
    q = emb[2500]
    reference = full.query(q, k=10 + SPARE)
    assert_same_hits(grown.query(q, k=10), reference, key=lambda h: h.pose_id)
    grown.rebuild()
    assert_same_hits(grown.query(q, k=10), reference, key=lambda h: h.pose_id)
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
    capped = PoseIndex(ids, media, emb, A, B, max_candidates=1)
    hits = capped.query(emb[5], k=30)
    assert len(hits) == 30
    assert not capped.last_stats.certified and capped.last_stats.scored <= 256 + 1
    exact = capped.query(emb[5], k=30, exhaustive=True)
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
    assert_same_hits(index.query(q, k=10, mirror=True), full.query(q, k=10 + SPARE, mirror=True),
                     key=lambda h: (h.row, h.mirrored))
