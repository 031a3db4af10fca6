"""Geometry on several people and the identity assignment, each against a slow obvious version."""
from __future__ import annotations

import itertools

import numpy as np

from poseexplorer.detect.people import box_iou, keypoint_distance, person_boxes, suppress_duplicates
from poseexplorer.detect.tracking import assign_tracks, match_cost, optimal_pairs, track_lengths


def _person(rng, centre, size=100.0):
    return (np.asarray(centre) + rng.uniform(-size / 2, size / 2, (13, 2))).astype(np.float32)


def test_box_iou_matches_a_loop():
    rng = np.random.default_rng(0)
    def boxes(n):
        lo = rng.uniform(0, 80, (n, 2))
        return np.concatenate([lo, lo + rng.uniform(1, 40, (n, 2))], axis=1)

    a, b = boxes(5), boxes(4)
    got = box_iou(a, b)
    for i, j in itertools.product(range(5), range(4)):
        w = max(0.0, min(a[i, 2], b[j, 2]) - max(a[i, 0], b[j, 0]))
        h = max(0.0, min(a[i, 3], b[j, 3]) - max(a[i, 1], b[j, 1]))
        union = (a[i, 2] - a[i, 0]) * (a[i, 3] - a[i, 1]) + (b[j, 2] - b[j, 0]) * (b[j, 3] - b[j, 1]) - w * h
        assert np.isclose(got[i, j], w * h / union)
    assert np.allclose(np.diag(box_iou(a, a)), 1.0)


def test_keypoint_distance_and_boxes_match_a_loop():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 500, (3, 13, 2))
    scores = rng.uniform(0, 1, (3, 13))
    boxes = person_boxes(xy, scores)
    for p in range(3):
        pts = xy[p][scores[p] >= 0.3]
        assert np.allclose(boxes[p], [pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()])
    d = keypoint_distance(xy, xy[:2], boxes[:2])
    for a, b in itertools.product(range(3), range(2)):
        scale = np.sqrt((boxes[b, 2] - boxes[b, 0]) * (boxes[b, 3] - boxes[b, 1]))
        assert np.isclose(d[a, b], np.median(np.linalg.norm(xy[a] - xy[b], axis=1)) / scale)


def test_suppress_duplicates_keeps_distinct_people_best_first():
    rng = np.random.default_rng(2)
    a, b = _person(rng, (100, 100)), _person(rng, (400, 100))
    dup = a + rng.normal(0, 2, a.shape).astype(np.float32)
    xy = np.stack([dup, a, b])
    scores = np.stack([np.full(13, 0.8), np.full(13, 0.9), np.full(13, 0.7)]).astype(np.float32)
    assert suppress_duplicates(xy, scores).tolist() == [1, 2]       # a (better than its copy), then b
    assert suppress_duplicates(np.zeros((0, 13, 2)), np.zeros((0, 13))).tolist() == []


def _brute_force_pairs(rows, cols, cost, max_cost):
    """Every one-to-one pairing of rows with cols from pairs costing <= max_cost, enumerated: the one
    with the least summed cost plus max_cost per unpaired row."""
    best, best_pairs = None, {}
    for n in range(min(len(rows), len(cols)) + 1):
        for rs in itertools.permutations(rows, n):
            for ks in itertools.combinations(cols, n):
                pairs = dict(zip(rs, ks))
                if any(cost[r, k] > max_cost for r, k in pairs.items()):
                    continue
                total = sum(cost[r, k] for r, k in pairs.items()) + max_cost * (len(rows) - n)
                if best is None or total < best - 1e-12:
                    best, best_pairs = total, pairs
    return best_pairs


def _brute_force_tracks(frame_index, xy, scores, max_gap, max_cost):
    """Same rule as assign_tracks with every assignment enumerated (tiny inputs only)."""
    track = np.full(len(frame_index), -1)
    last: list[int] = []
    for f in sorted(set(frame_index.tolist())):
        rows = [r for r in range(len(frame_index)) if frame_index[r] == f]
        open_ = [k for k in range(len(last)) if f - frame_index[last[k]] <= max_gap]
        cost = {(r, k): match_cost(xy[[r]], scores[[r]], xy[[last[k]]], scores[[last[k]]])[0, 0]
                for r in rows for k in open_}
        pairs = _brute_force_pairs(rows, open_, cost, max_cost)
        for r in rows:
            if r not in pairs:
                pairs[r] = len(last)
                last.append(r)
        for r, k in pairs.items():
            track[r] = k
            last[k] = r
    return track


def test_assign_tracks_matches_brute_force_on_random_people():
    rng = np.random.default_rng(3)
    for trial in range(20):
        n = int(rng.integers(2, 9))
        frame_index = np.sort(rng.integers(0, 5, n))
        xy = rng.uniform(0, 300, (n, 13, 2))
        scores = rng.uniform(0.2, 1, (n, 13))
        got = assign_tracks(frame_index, xy, scores, max_gap=2, max_cost=1.6)
        want = _brute_force_tracks(frame_index, xy, scores, 2, 1.6)
        assert got.tolist() == want.tolist(), trial


def test_two_walkers_keep_their_ids_through_a_gap_and_a_shuffle():
    rng = np.random.default_rng(4)
    shape_a, shape_b = _person(rng, (0, 0), 120), _person(rng, (0, 0), 120)
    rows = []
    for f in range(40):
        a = shape_a + (100 + 5 * f, 200)
        b = shape_b + (600 - 5 * f, 260)
        people = [("a", a), ("b", b)] if not 10 <= f < 14 else [("b", b)]   # a missed for 4 frames
        if f % 3 == 0:
            people = people[::-1]                                             # detector order changes
        rows += [(f, name, xy) for name, xy in people]
    frame_index = np.array([r[0] for r in rows])
    xy = np.stack([r[2] for r in rows])
    track = assign_tracks(frame_index, xy, np.ones((len(rows), 13)))
    names = np.array([r[1] for r in rows])
    assert len(set(track[names == "a"].tolist())) == 1 and len(set(track[names == "b"].tolist())) == 1
    assert track[names == "a"][0] != track[names == "b"][0]
    assert track_lengths(track) == {int(track[names == "b"][0]): 40, int(track[names == "a"][0]): 36}
    late = assign_tracks(frame_index, xy, np.ones((len(rows), 13)), max_gap=2)
    assert len(set(late[names == "a"].tolist())) == 2       # the gap is longer than max_gap: a new id


def test_a_second_fit_sharing_the_head_is_a_duplicate():
    rng = np.random.default_rng(5)
    a = _person(rng, (200, 300), 200)
    wrong_legs = a.copy()
    wrong_legs[3:] += rng.uniform(80, 160, (10, 2)).astype(np.float32)     # same head, body elsewhere
    other = _person(rng, (700, 300), 200)
    xy = np.stack([a, wrong_legs, other])
    scores = np.stack([np.full(13, 0.9), np.full(13, 0.95), np.full(13, 0.8)])
    assert suppress_duplicates(xy, scores).tolist() == [1, 2]
    assert suppress_duplicates(xy, scores, min_head_distance=0.0).tolist() == [1, 0, 2]


def test_square_tiles_cover_the_frame_with_squares_of_the_short_side():
    from poseexplorer.detect.mediapipe_people import square_tiles

    for w, h, n in [(1088, 1920, 3), (1920, 1080, 3), (640, 640, 3), (400, 1000, 2), (300, 900, 1)]:
        tiles = square_tiles(w, h, n)
        side = min(w, h)
        assert all(x1 - x0 == side and y1 - y0 == side for x0, y0, x1, y1 in tiles)
        assert all(0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h for x0, y0, x1, y1 in tiles)
        covered = np.zeros((h, w), bool)
        for x0, y0, x1, y1 in tiles:
            covered[y0:y1, x0:x1] = True
        assert covered.all(), (w, h, n)
        assert len(tiles) == (1 if w == h else max(n, -(-max(w, h) // side)))


def test_priority_decides_which_duplicate_is_kept():
    rng = np.random.default_rng(6)
    a = _person(rng, (200, 300), 200)
    shifted = a + np.float32(8)                      # the same person, fitted twice
    other = _person(rng, (700, 300), 200)
    xy = np.stack([a, shifted, other])
    scores = np.stack([np.full(13, 0.8), np.full(13, 0.9), np.full(13, 0.7)])
    assert suppress_duplicates(xy, scores).tolist() == [1, 2]
    assert suppress_duplicates(xy, scores, priority=np.array([1.0, 0.5, 0.6])).tolist() == [0, 2]


def test_optimal_pairs_matches_enumeration():
    rng = np.random.default_rng(5)
    for trial in range(40):
        p, k = int(rng.integers(0, 5)), int(rng.integers(0, 5))
        cost = rng.uniform(0, 2.5, (p, k))
        cost[rng.uniform(size=(p, k)) < 0.1] = np.inf
        want = _brute_force_pairs(list(range(p)), list(range(k)), {(i, j): cost[i, j] for i in range(p)
                                                                  for j in range(k)}, 1.2)
        assert sorted(optimal_pairs(cost, 1.2)) == sorted(want.items()), trial


def test_an_impossible_pair_does_not_push_out_a_good_one():
    # person 0 fits track 0 well (0.5) and track 1 fairly (1.0); person 1 fits neither (1.3, 2.1): the
    # cheapest full assignment (0->1, 1->0: 2.3) would leave person 0 off their own track
    cost = np.array([[0.5, 1.0], [1.3, 2.1]])
    assert optimal_pairs(cost, 1.2) == [(0, 0)]
