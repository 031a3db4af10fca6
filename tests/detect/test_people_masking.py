"""Masking others and one-to-one continuation (detect.people), each against a slow obvious version."""
from __future__ import annotations

import itertools

import numpy as np
from scipy.spatial import ConvexHull, Delaunay

from poseexplorer.detect.people import continued_by, convex_hull, keypoint_distance, people_mask, person_boxes


def test_convex_hull_matches_qhull():
    rng = np.random.default_rng(0)
    for n in (3, 5, 13, 40):
        pts = rng.uniform(0, 100, (n, 2))
        got = convex_hull(pts)
        want = pts[ConvexHull(pts).vertices]
        assert sorted(map(tuple, got.round(9))) == sorted(map(tuple, want.round(9)))
    assert len(convex_hull(np.array([[1.0, 1.0], [1.0, 1.0]]))) == 1


def _slow_mask(height, width, xy, head_radius):
    """Each pixel centre tested on its own: inside a person's hull (Delaunay) or near their nose."""
    out = np.zeros((height, width), bool)
    for person in xy:
        tri = Delaunay(person)
        r = head_radius * np.linalg.norm(person[1] - person[2])
        for y, x in itertools.product(range(height), range(width)):
            inside = tri.find_simplex(np.array([[x, y]], np.float64))[0] >= 0
            out[y, x] |= inside or (x - person[0, 0]) ** 2 + (y - person[0, 1]) ** 2 <= r * r
    return out


def test_people_mask_matches_a_pixel_loop():
    rng = np.random.default_rng(1)
    xy = np.stack([rng.uniform(2, 25, (13, 2)), rng.uniform(15, 38, (13, 2))])
    got = people_mask(30, 40, xy, head_radius=0.3)
    want = _slow_mask(30, 40, xy, 0.3)
    # pixel centres lying exactly on a hull edge may go either way between the two tests
    assert (got != want).sum() <= 3
    assert got.any() and not got.all()
    assert not people_mask(10, 10, np.zeros((0, 13, 2))).any()


def _slow_continued(xy_a, xy_b, boxes_b, max_distance):
    """Every partial one-to-one assignment: the most pairs within max_distance, then the least sum."""
    d = keypoint_distance(xy_a, xy_b, boxes_b)
    best, best_key = None, None
    slots = list(range(len(xy_b))) + [-1] * len(xy_a)
    for choice in set(itertools.permutations(slots, len(xy_a))):
        if any(c >= 0 and d[a, c] > max_distance for a, c in enumerate(choice)):
            continue
        pairs = [(a, c) for a, c in enumerate(choice) if c >= 0]
        key = (-len(pairs), sum(d[a, c] for a, c in pairs))
        if best_key is None or key < best_key:
            best, best_key = choice, key
    return best_key


def test_continued_by_matches_enumeration():
    rng = np.random.default_rng(2)
    for trial in range(30):
        a, b = rng.integers(0, 4), rng.integers(0, 4)
        xy_a = rng.uniform(0, 300, (a, 13, 2))
        xy_b = rng.uniform(0, 300, (b, 13, 2))
        if a and b:      # some near copies, so there is something to match
            xy_b[: min(a, b)] = xy_a[: min(a, b)] + rng.normal(0, 10, (min(a, b), 13, 2))
        boxes = person_boxes(xy_b, np.ones((b, 13)))
        got = continued_by(xy_a, xy_b, boxes, 0.3)
        assert got.shape == (a,)
        used = got[got >= 0]
        assert len(set(used.tolist())) == len(used)
        if a and b:
            d = keypoint_distance(xy_a, xy_b, boxes)
            key = (-len(used), sum(d[i, c] for i, c in enumerate(got) if c >= 0))
            want = _slow_continued(xy_a, xy_b, boxes, 0.3)
            assert key[0] == want[0] and np.isclose(key[1], want[1]), trial
        else:
            assert (got == -1).all()


def test_a_fit_next_to_two_people_continues_only_one():
    rng = np.random.default_rng(3)
    man = rng.uniform(100, 300, (13, 2))
    woman = man + 40.0                                 # standing right behind him
    fit = man + 5.0
    got = continued_by(np.stack([woman, man]), fit[None], person_boxes(fit[None], np.ones((1, 13))), 0.5)
    assert got.tolist() == [-1, 0]
