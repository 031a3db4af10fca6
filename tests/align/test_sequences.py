"""Whole-sequence alignment: warp recovery, mirror, missing frames, subsequence, px.align contract."""
from __future__ import annotations

import numpy as np
import pytest

import poseexplorer as px
from poseexplorer.align import Alignment, MatchParams, align_sequences, kendall_tau, nearest_neighbour_map
from poseexplorer.core.poses import Embedding

MODEL = MatchParams(a=1.2, b=1.0)


def motion(t: np.ndarray, seed: int = 0, dim: int = 16) -> np.ndarray:
    """A smooth embedding trajectory evaluated at (fractional) frame times t -> (T, dim)."""
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.01, 0.06, dim)
    phase = rng.uniform(0, 2 * np.pi, dim)
    amp = rng.uniform(0.8, 1.6, dim)
    return (amp * np.sin(np.outer(t, 2 * np.pi * freq) + phase)).astype(np.float32)


def embed(mean: np.ndarray, seed: int) -> Embedding:
    rng = np.random.default_rng(seed)
    std = np.exp(rng.uniform(np.log(0.05), np.log(0.25), mean.shape)).astype(np.float32)
    return Embedding(mean + rng.normal(0, 0.03, mean.shape).astype(np.float32), std)


def random_warp(tb: int, ta: int, seed: int) -> np.ndarray:
    """w (tb,): the A time shown at each B frame, monotone from 0 to ta - 1 with varying speed."""
    rng = np.random.default_rng(seed)
    speed = np.exp(np.convolve(rng.normal(0, 0.6, tb + 20), np.ones(20) / 20, mode="valid")[:tb])
    w = np.concatenate([[0.0], np.cumsum(speed[1:])])
    return w / w[-1] * (ta - 1)


def true_sync(w: np.ndarray, ta: int) -> np.ndarray:
    return np.abs(w[None, :] - np.arange(ta)[:, None]).argmin(1)


def mirror_transform(x: np.ndarray, signs: bool = True) -> np.ndarray:
    """A stand-in for left/right mirroring in embedding space: a fixed involution (swap pairs, flip signs)."""
    perm = np.arange(x.shape[1]).reshape(-1, 2)[:, ::-1].ravel()
    flip = np.where(((np.arange(x.shape[1]) // 2) % 2 == 0) & signs, -1, 1).astype(np.float32)
    return x[:, perm] * flip  # flip is the same on both members of a pair, so this is its own inverse


def test_a_time_warped_copy_is_recovered():
    ta, tb = 240, 330
    w = random_warp(tb, ta, seed=1)
    emb_a, emb_b = embed(motion(np.arange(ta)), 2), embed(motion(w), 3)
    al = align_sequences(emb_a, emb_b, MODEL)
    err = np.abs(al.sync_map - true_sync(w, ta))
    assert np.median(err) <= 1 and np.percentile(err, 95) <= 3
    assert kendall_tau(al.sync_map, true_sync(w, ta)) > 0.98
    assert tuple(al.path[0]) == (0, 0) and tuple(al.path[-1]) == (ta - 1, tb - 1)
    assert al.distance == pytest.approx(al.cost[al.path[:, 0], al.path[:, 1]].mean(), rel=1e-6)
    assert not al.mirrored
    # a banded alignment finds the same path when the band is wide enough
    banded = align_sequences(emb_a, emb_b, MODEL, band=60)
    assert np.abs(banded.sync_map - al.sync_map).max() <= 1


def test_mirror_option_keeps_the_better_match():
    ta, tb = 150, 180
    w = random_warp(tb, ta, seed=4)
    emb_a = embed(motion(np.arange(ta), seed=5), 6)
    performed = embed(mirror_transform(motion(w, seed=5)), 7)  # B shows the mirror image
    mirrored_b = Embedding(mirror_transform(performed.mean), mirror_transform(performed.stddev, signs=False))
    plain = align_sequences(emb_a, performed, MODEL)
    both = align_sequences(emb_a, performed, MODEL, mirrored_b=mirrored_b)
    assert both.mirrored and not plain.mirrored
    assert both.distance < plain.distance
    assert np.median(np.abs(both.sync_map - true_sync(w, ta))) <= 1


def test_frames_without_a_person_are_bridged():
    ta, tb = 200, 260
    w = random_warp(tb, ta, seed=8)
    emb_a, emb_b = embed(motion(np.arange(ta)), 9), embed(motion(w), 10)
    mean_b = emb_b.mean.copy()
    mean_b[100:140] = np.nan  # a person-less stretch longer than the window
    valid_a = np.ones(ta, bool)
    valid_a[[0, 1, 50, 51, 52, 199]] = False
    al = align_sequences(emb_a, Embedding(mean_b, emb_b.stddev), MODEL, valid_a=valid_a)
    assert al.sync_map.shape == (ta,) and np.isfinite(al.cost).all()
    truth = true_sync(w, ta)
    seen = valid_a & ((truth < 95) | (truth > 145))
    assert np.median(np.abs(al.sync_map[seen] - truth[seen])) <= 1


def test_subsequence_finds_a_short_action_in_a_long_video():
    long_t = np.arange(600) * 0.9
    emb_b = embed(motion(long_t, seed=11), 12)
    start, stop = 300, 380  # A is B's frames 300..379 played a little slower
    emb_a = embed(motion(np.linspace(long_t[start], long_t[stop - 1], 100), seed=11), 13)
    path = px.align(emb_a, emb_b, MODEL, subsequence=True)
    assert abs(path[0, 1] - start) <= 3 and abs(path[-1, 1] - (stop - 1)) <= 3
    assert path[0, 0] == 0 and path[-1, 0] == 99


def test_px_align_returns_a_monotone_integer_path():
    emb_a, emb_b = embed(motion(np.arange(50)), 14), embed(motion(np.arange(70) * 0.7), 15)
    path = px.align(emb_a, emb_b, MODEL)
    assert path.dtype.kind == "i" and path.ndim == 2 and path.shape[1] == 2
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (49, 69)
    steps = np.diff(path, axis=0)
    assert steps.min() >= 0 and steps.max() <= 1 and (steps.sum(1) > 0).all()


def test_sampled_and_quadrature_costs_agree_on_the_path():
    ta, tb = 60, 80
    w = random_warp(tb, ta, seed=16)
    emb_a, emb_b = embed(motion(np.arange(ta)), 17), embed(motion(w), 18)
    quad = align_sequences(emb_a, emb_b, MODEL)
    sampled = align_sequences(emb_a, emb_b, MODEL, method="sampled")
    assert np.abs(quad.sync_map - sampled.sync_map).max() <= 2
    assert quad.distance == pytest.approx(sampled.distance, rel=0.05)


def test_kendall_tau_and_nearest_neighbours():
    assert kendall_tau(np.arange(10)) == pytest.approx(1.0)
    assert kendall_tau(np.arange(10)[::-1]) == pytest.approx(-1.0)
    cost = np.abs(np.arange(5)[:, None] - np.array([4, 3, 2, 1, 0])[None]).astype(float)
    np.testing.assert_array_equal(nearest_neighbour_map(cost), [4, 3, 2, 1, 0])
    with pytest.raises(ValueError):
        kendall_tau(np.arange(3), np.arange(4))


def test_alignment_validates_and_inverts():
    path = np.array([[0, 0], [1, 0], [2, 1], [2, 2], [2, 3]])
    al = Alignment(path, np.array([0, 0, 2]), np.zeros((3, 4)), 0.5)
    np.testing.assert_array_equal(al.inverse_sync_map(), [0, 2, 2, 2])
    with pytest.raises(ValueError, match="monotone"):
        Alignment(path[::-1], np.array([0, 0, 2]), np.zeros((3, 4)), 0.5)
    with pytest.raises(ValueError, match="sync_map"):
        Alignment(path, np.array([0, 0]), np.zeros((3, 4)), 0.5)
    with pytest.raises(ValueError, match="empty"):
        align_sequences(Embedding(np.zeros((0, 4)), np.ones((0, 4))), embed(motion(np.arange(5), dim=4), 1), MODEL)


def test_px_align_is_a_plain_function_before_and_after_importing_the_package():
    import subprocess
    import sys

    code = ("import numpy as np, poseexplorer as px\n"
            "from poseexplorer.core.poses import Embedding\n"
            "e = Embedding(np.random.default_rng(0).normal(size=(30, 4)).astype('f4'), np.ones((30, 4), 'f4'))\n"
            "m = type('M', (), {'a': 1.0, 'b': 0.0})()\n"
            "p1 = px.align(e, e, m)\n"
            "import inspect, poseexplorer.align\n"
            "from poseexplorer.align import align_sequences\n"
            "assert inspect.isfunction(px.align), px.align\n"
            "p2 = px.align(e, e, m)\n"
            "assert (p1 == p2).all() and (p1[:, 0] == p1[:, 1]).all(), p1\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_sync_maps_equal_the_slow_definition():
    from poseexplorer.align.dtw import dtw

    rng = np.random.default_rng(21)
    for shape, sub in (((40, 70), False), ((70, 40), False), ((20, 90), True)):
        path, _ = dtw(rng.random(shape), subsequence=sub)
        al = Alignment(path, np.zeros(shape[0], np.int64), np.zeros(shape), 0.0)
        from poseexplorer.align.sequences import _middle_partner

        for i in range(shape[0]):
            partners = path[path[:, 0] == i, 1]
            assert _middle_partner(path, shape[0])[i] == partners[(len(partners) - 1) // 2]
        inverse = al.inverse_sync_map()
        for j in range(shape[1]):
            partners = path[path[:, 1] == j, 0]
            if len(partners):
                assert inverse[j] == partners[(len(partners) - 1) // 2]
            else:  # outside the matched part of B (subsequence): the nearest end
                assert inverse[j] == (path[0, 0] if j < path[0, 1] else path[-1, 0])


def test_lr_invariant_alignment_survives_intermittent_left_right_swaps():
    """B's detector swaps left and right on a third of its frames, in runs: a whole-sequence mirror choice
    must pick one labelling for all frames and loses the warp there; choosing per frame recovers it."""
    ta, tb = 150, 180
    w = random_warp(tb, ta, seed=14)
    emb_a = embed(motion(np.arange(ta), seed=15), 16)
    truth = embed(motion(w, seed=15), 17)
    swapped = np.zeros(tb, bool)
    for start in (20, 70, 130):
        swapped[start:start + 20] = True
    flip = lambda x, signs=True: np.where(swapped[:, None], mirror_transform(x, signs), x)  # noqa: E731
    detected = Embedding(flip(truth.mean), flip(truth.stddev, False))
    mirrored_b = Embedding(mirror_transform(detected.mean), mirror_transform(detected.stddev, signs=False))
    whole = align_sequences(emb_a, detected, MODEL, mirrored_b=mirrored_b)
    per_frame = align_sequences(emb_a, detected, MODEL, mirrored_b=mirrored_b, lr_invariant=True)
    clean = align_sequences(emb_a, truth, MODEL)
    err = lambda al: np.abs(al.sync_map - true_sync(w, ta))  # noqa: E731
    assert np.median(err(per_frame)) <= 1 and np.percentile(err(per_frame), 90) <= 3
    assert err(per_frame).mean() < err(whole).mean() and not per_frame.mirrored
    assert per_frame.distance < whole.distance
    assert np.abs(per_frame.sync_map - clean.sync_map).max() <= 3
    # `mirrored` reports the majority of the path: swapped on two thirds of B's frames, it is set
    mostly = ~swapped
    flip2 = lambda x, signs=True: np.where(mostly[:, None], mirror_transform(x, signs), x)  # noqa: E731
    detected2 = Embedding(flip2(truth.mean), flip2(truth.stddev, False))
    mirrored2 = Embedding(mirror_transform(detected2.mean), mirror_transform(detected2.stddev, signs=False))
    assert align_sequences(emb_a, detected2, MODEL, mirrored_b=mirrored2, lr_invariant=True).mirrored
    with pytest.raises(ValueError, match="lr_invariant needs mirrored_b"):
        align_sequences(emb_a, detected, MODEL, lr_invariant=True)


def test_px_align_defaults_are_the_sync_panels():
    """px.align aligns as the Sync panel does: its window and, given B's mirror image, left/right per frame."""
    from poseexplorer.align.video_sync import SYNC_WINDOW_RATE, SYNC_WINDOW_TAPS

    emb_a, emb_b = embed(motion(np.arange(60)), 21), embed(motion(np.arange(80) * 0.8), 22)
    mirrored = embed(motion(np.arange(80) * 0.8, seed=3), 23)
    sync = align_sequences(emb_a, emb_b, MODEL, kernel=SYNC_WINDOW_TAPS, rate=SYNC_WINDOW_RATE).path
    np.testing.assert_array_equal(px.align(emb_a, emb_b, MODEL), sync)
    lr_free = align_sequences(emb_a, emb_b, MODEL, mirrored_b=mirrored, kernel=SYNC_WINDOW_TAPS,
                              rate=SYNC_WINDOW_RATE, lr_invariant=True).path
    np.testing.assert_array_equal(px.align(emb_a, emb_b, MODEL, mirrored_b=mirrored), lr_free)
    method = align_sequences(emb_a, emb_b, MODEL, kernel=7, rate=3).path
    np.testing.assert_array_equal(px.align(emb_a, emb_b, MODEL, kernel=7, rate=3), method)
