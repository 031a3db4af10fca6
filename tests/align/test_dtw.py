"""DTW against the textbook recursion, written as slowly and plainly as possible."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.align.dtw import dtw


def naive_dtw(cost: np.ndarray, band: float | None = None, subsequence: bool = False):
    """The recursion cell by cell; band: |j - i (Tb-1)/(Ta-1)| <= max(band, slope, 1)."""
    ta, tb = cost.shape
    slope = (tb - 1) / (ta - 1) if ta > 1 else float(tb)
    width = np.inf if band is None else max(band, slope, 1.0)

    def allowed(i, j):
        return abs(j - i * slope) <= width + 1e-9 or (i == 0 and j == 0) or (i == ta - 1 and j == tb - 1)

    acc = np.full((ta, tb), np.inf)
    for i in range(ta):
        for j in range(tb):
            if not allowed(i, j):
                continue
            if i == 0 and (subsequence or j == 0):
                acc[i, j] = cost[i, j]
                continue
            best = min(acc[i - 1, j - 1] if i and j else np.inf, acc[i - 1, j] if i else np.inf,
                       acc[i, j - 1] if j else np.inf)
            acc[i, j] = cost[i, j] + best
    end = int(np.argmin(acc[-1])) if subsequence else tb - 1
    i, j = ta - 1, end
    path = [(i, j)]
    while not (i == 0 and (subsequence or j == 0)):
        options = [(acc[i - 1, j - 1] if i and j else np.inf, i - 1, j - 1),
                   (acc[i - 1, j] if i else np.inf, i - 1, j), (acc[i, j - 1] if j else np.inf, i, j - 1)]
        _, i, j = min(options, key=lambda o: o[0])
        path.append((i, j))
    return np.array(path[::-1]), acc[-1, end]


SHAPES = [(1, 1), (1, 6), (6, 1), (7, 7), (23, 31), (31, 23), (12, 40)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("band", [None, 0, 2, 5])
def test_dtw_equals_naive_recursion(shape, band):
    rng = np.random.default_rng(hash((shape, band)) % 2**32)
    cost = rng.random(shape) * 3.0
    path, total = dtw(cost, band=band)
    ref_path, ref_total = naive_dtw(cost, band=band)
    assert total == pytest.approx(ref_total, rel=1e-10)
    np.testing.assert_array_equal(path, ref_path)
    assert cost[path[:, 0], path[:, 1]].sum() == pytest.approx(total, rel=1e-10)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (shape[0] - 1, shape[1] - 1)


@pytest.mark.parametrize("shape", [(1, 9), (5, 30), (12, 60), (20, 20)])
def test_subsequence_equals_naive_recursion(shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    cost = rng.random(shape)
    path, total = dtw(cost, subsequence=True)
    ref_path, ref_total = naive_dtw(cost, subsequence=True)
    assert total == pytest.approx(ref_total, rel=1e-10)
    np.testing.assert_array_equal(path, ref_path)
    assert path[0, 0] == 0 and path[-1, 0] == shape[0] - 1


def test_subsequence_finds_the_embedded_part():
    rng = np.random.default_rng(3)
    long = rng.random((200, 4))
    short = long[120:150] + rng.normal(0, 0.01, (30, 4))
    cost = np.linalg.norm(short[:, None] - long[None], axis=-1)
    path, _ = dtw(cost, subsequence=True)
    assert abs(path[0, 1] - 120) <= 1 and abs(path[-1, 1] - 149) <= 1
    full, _ = dtw(cost)
    assert tuple(full[0]) == (0, 0) and tuple(full[-1]) == (29, 199)


def test_path_is_monotone_and_connected():
    rng = np.random.default_rng(7)
    path, _ = dtw(rng.random((300, 200)), band=10)
    steps = np.diff(path, axis=0)
    assert steps.min() >= 0 and steps.max() <= 1 and (steps.sum(1) >= 1).all()


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="NaN"):
        dtw(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="shape"):
        dtw(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="band and subsequence"):
        dtw(np.zeros((3, 3)), band=1, subsequence=True)
    with pytest.raises(ValueError, match="band"):
        dtw(np.zeros((3, 3)), band=-1)
