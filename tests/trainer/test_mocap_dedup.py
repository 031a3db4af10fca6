"""Near-duplicate removal: the vectorised version equals the obvious greedy loop."""
from __future__ import annotations

import numpy as np
import pytest

from trainer.mocap.dedup import dedup_indices, dedup_indices_slow

from .test_mocap_npz import STAND


def _walk(n, seed, still=()):
    """A random walk of poses around a standing pose, with still stretches (start, length)."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 0.01, (n, 17, 3))
    for start, length in still:
        steps[start:start + length] *= 1e-4
    return STAND + np.cumsum(steps, 0)


@pytest.mark.parametrize("threshold, window", [(0.02, 8), (0.05, 4), (0.01, 2), (0.2, 3)])
def test_matches_slow(threshold, window):
    poses = _walk(300, seed=int(threshold * 100), still=((20, 40), (200, 15)))
    np.testing.assert_array_equal(dedup_indices(poses, threshold, window), dedup_indices_slow(poses, threshold))


def test_edge_cases():
    poses = _walk(10, 0)
    np.testing.assert_array_equal(dedup_indices(poses, 0.0), np.arange(10))
    assert dedup_indices(poses[:0], 0.02).size == 0
    assert list(dedup_indices(np.repeat(poses[:1], 50, 0), 0.02)) == [0]  # a still clip keeps one pose
