"""best_per_media against the slow version: every media searched alone by exhaustive scoring."""
from __future__ import annotations

import numpy as np

from poseexplorer.search import PoseIndex, exhaustive_probability
from poseexplorer.search.per_media import NO_MATCH, _argmin_per_group, media_groups
from poseexplorer.search.synthetic import synthetic_library

A, B = 3.36, 14.9


def _library(n=6000, seed=0):
    emb, media = synthetic_library(n, n_actions=30, frames_per_video=120, sigma_range=(0.1, 0.5), seed=seed)
    return emb, media  # means about 5 apart across videos: P from the floor to near 0.95 with these a, b


def slow_best(query, emb, media, allowed):
    """Per media, the allowed row of highest exhaustive P (ties: the lower row)."""
    p = exhaustive_probability(query, emb, A, B)
    out = {}
    for r in np.flatnonzero(allowed):
        m = int(media[r])
        if m not in out or p[r] > out[m][1]:
            out[m] = (int(r), float(p[r]))
    return out


def test_best_per_media_equals_each_media_searched_alone():
    emb, media = _library()
    shuffled = np.random.default_rng(1).permutation(len(media))  # media not contiguous in the index
    emb, media = emb[shuffled], media[shuffled]
    index = PoseIndex(np.arange(len(media)) * 2 + 1, media, emb, A, B)
    for r in (5, 2222, 4999):
        own = int(media[r])
        got = index.best_per_media(emb[r], exclude_media=[own])
        ref = slow_best(emb[r], emb, media, media != own)
        assert sorted(got.media.tolist()) == sorted(ref)
        matched = 0
        for m, row, p, exact in zip(got.media.tolist(), got.rows.tolist(), got.probability.tolist(),
                                    got.exact.tolist()):
            if ref[m][1] > NO_MATCH:  # below: every pose at p's floor, ties of no meaning, flagged
                assert exact and row == ref[m][0] and np.isclose(p, ref[m][1], rtol=1e-6)
                matched += 1
            else:
                assert not exact
        assert matched >= 1
        assert list(got.probability) == sorted(got.probability, reverse=True)
        assert got.scored < len(media)  # the bounds spared some rows


def test_floor_keeps_strong_media_exact_and_flags_the_rest():
    emb, media = _library(seed=2)
    index = PoseIndex(np.arange(len(media)), media, emb, A, B)
    vis = np.ones(len(media), bool)
    got = index.best_per_media(emb[10], floor=0.3, exclude_pose_ids=[10])
    vis[10] = False
    ref = slow_best(emb[10], emb, media, vis)
    for m, row, p, exact in zip(got.media.tolist(), got.rows.tolist(), got.probability.tolist(), got.exact.tolist()):
        if ref[m][1] >= 0.3:
            assert exact and row == ref[m][0]
        else:
            assert not exact and p <= ref[m][1] * (1 + 1e-6)
    restricted = index.best_per_media(emb[10], restrict_media=[int(media[0]), int(media[-1])])
    assert sorted(restricted.media.tolist()) == sorted({int(media[0]), int(media[-1])})


def test_groups_and_argmin_against_loops():
    media = np.array([3, 1, 3, 2, 1, 3])
    allowed = np.array([True, True, False, True, True, True])
    m, rows, starts = media_groups(media, allowed)
    assert m.tolist() == [1, 2, 3] and rows.tolist() == [1, 4, 3, 0, 5] and starts.tolist() == [0, 2, 3, 5]
    values = np.array([2.0, 1.0, 5.0, 0.5, 0.5])
    assert _argmin_per_group(values, starts).tolist() == [1, 0, 0]
