"""Headless pieces of the explorer window, each checked against a slow obvious version."""
import numpy as np
import pytest

from poseexplorer.gui.snapshot import LibrarySnapshot, MediaRow, ambiguity_scores, percentile_of
from poseexplorer.gui.views.skeleton_style import ambiguity_colours

pytestmark = pytest.mark.gui


def _snapshot(n=12, d=4, seed=0):
    rng = np.random.default_rng(seed)
    media = (MediaRow(1, "a", "/a"), MediaRow(2, "b", "/b"))
    pose_ids = np.arange(100, 100 + n, dtype=np.int64)
    media_ids = np.where(np.arange(n) < n // 2, 1, 2).astype(np.int64)
    frames = np.arange(n, dtype=np.int64) % (n // 2)
    xy = rng.normal(size=(n, 13, 2)).astype(np.float32)
    scores = rng.uniform(size=(n, 13)).astype(np.float32)
    std = rng.uniform(0.1, 1.0, size=(n, d)).astype(np.float32)
    return LibrarySnapshot(media, pose_ids, media_ids, frames, xy, scores, None, std * 0, std)


def test_snapshot_lookups_match_a_scan():
    snap = _snapshot()
    for i, pid in enumerate(snap.pose_ids):
        assert snap.row_of(pid) == i
        m, f = snap.media_ids[i], snap.frames[i]
        scan = [p for p, mm, ff in zip(snap.pose_ids, snap.media_ids, snap.frames) if mm == m and ff == f]
        assert snap.pose_at(m, f) == scan[0]
    assert snap.row_of(5) == -1 and snap.pose_at(1, 999) == -1
    assert list(snap.frames_of(2)) == sorted(snap.frames[snap.media_ids == 2])


def test_snapshot_rejects_mismatched_rows():
    snap = _snapshot()
    with pytest.raises(ValueError, match="frames"):
        LibrarySnapshot(snap.media, snap.pose_ids, snap.media_ids, snap.frames[:-1], snap.xy, snap.scores)


def test_ambiguity_and_percentile_against_loops():
    snap = _snapshot(n=30, d=5, seed=3)
    amb = ambiguity_scores(snap.stddev)
    for i in range(len(amb)):
        assert amb[i] == pytest.approx(sum(float(s) for s in snap.stddev[i]) / 5, rel=1e-6)
        slow = 100.0 * sum(1 for v in amb if v <= amb[i]) / len(amb)
        assert percentile_of(amb, amb[i]) == pytest.approx(slow)
    assert percentile_of(np.zeros(0), 1.0) == 0.0


def test_ambiguity_colour_bins_follow_rank():
    values = np.random.default_rng(1).uniform(size=200)
    bins, colours = ambiguity_colours(values, n_bins=8)
    assert len(colours) == 8 and bins.min() == 0 and bins.max() == 7
    order = np.argsort(values)
    assert np.all(np.diff(bins[order]) >= 0)          # bins never decrease with the value
    assert np.bincount(bins).tolist() == [25] * 8      # equal-count bins


def _inside_slow(pt, poly):
    """Ray casting, one point at a time."""
    x, y = pt
    inside = False
    for (x0, y0), (x1, y1) in zip(poly, np.roll(poly, -1, axis=0)):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def test_points_in_polygon_against_ray_casting():
    from poseexplorer.gui.views.scatter_view import points_in_polygon

    rng = np.random.default_rng(2)
    pts = rng.uniform(-2, 2, size=(500, 2))
    star = np.array([[np.cos(a) * r, np.sin(a) * r] for a, r in
                     zip(np.linspace(0, 2 * np.pi, 10, endpoint=False), [1.8, 0.6] * 5)])
    fast = points_in_polygon(pts, star)
    assert fast.tolist() == [_inside_slow(p, star) for p in pts]
    assert not points_in_polygon(pts, star[:2]).any()


def test_align_to_recovers_a_similarity_transform():
    from poseexplorer.gui.panels.skeleton3d_panel import align_to

    rng = np.random.default_rng(4)
    target = rng.normal(size=(33, 3))
    angle = 0.7
    rot = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    source = 2.5 * target @ rot.T + [1.0, -2.0, 0.5]
    source[5] = np.nan                                  # a missing joint stays missing
    aligned = align_to(target, source)
    good = np.isfinite(aligned).all(axis=1)
    assert not good[5] and good.sum() == 32
    assert np.allclose(aligned[good], target[good], atol=1e-6)
    assert np.isnan(align_to(target, np.full((33, 3), np.nan))).all()


def test_pose_box_covers_the_visible_joints():
    from poseexplorer.gui.views.pose_crop import pose_box

    xy = np.random.default_rng(5).uniform(100, 300, size=(13, 2))
    scores = np.ones(13)
    scores[0] = 0.0
    xy[0] = (5000, 5000)                                # an invisible outlier does not blow the box up
    x0, y0, side, _ = pose_box(xy, scores, (1000, 1000))
    vis = xy[1:]
    assert x0 <= vis[:, 0].min() and y0 <= vis[:, 1].min()
    assert x0 + side >= vis[:, 0].max() and y0 + side >= vis[:, 1].max()
    assert side < 400


def test_lifting_model_prefers_a_lift3d_main_model_then_the_optional_lifter():
    from types import SimpleNamespace

    from poseexplorer.gui.panels.skeleton3d_panel import lifting_model

    emb, lift, lift2 = (SimpleNamespace(kind=k) for k in ("prvipe", "lift3d", "lift3d"))
    assert lifting_model(SimpleNamespace(model=emb, lifter=None)) is None
    assert lifting_model(SimpleNamespace(model=emb, lifter=lift)) is lift
    assert lifting_model(SimpleNamespace(model=lift2, lifter=lift)) is lift2
    assert lifting_model(SimpleNamespace(model=None, lifter=emb)) is None
