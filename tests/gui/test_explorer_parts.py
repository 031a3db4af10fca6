"""Headless pieces of the explorer window, each checked against a slow obvious version."""
import numpy as np
import pytest

from poseexplorer.gui.views.skeleton_style import ambiguity_colours

pytestmark = pytest.mark.gui


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
