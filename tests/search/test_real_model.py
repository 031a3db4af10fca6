"""End to end with the bundled model: mirror search over mocap poses rendered from random cameras.

Skipped when the bundled default model (assets/prvipe_upright.safetensors, or $POSEEXPLORER_MODEL) or ../shared mocap is absent.
"""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.core.camera import random_camera_2d
from poseexplorer.core.mirror import mirror_coco13
from poseexplorer.search import PoseIndex

pytestmark = [pytest.mark.slow, pytest.mark.shared]


@pytest.fixture(scope="module")
def model(bundled_model):
    return bundled_model


@pytest.fixture(scope="module")
def poses_3d(shared_data):
    mocap = pytest.importorskip("trainer.mocap")
    files = sorted((shared_data / "mocap/hdm05/amc").glob("*/*.amc"))[::25][:8]
    if not files:
        pytest.skip("hdm05 clips are absent")
    return np.concatenate([mocap.load_clip(f).joints[::20] for f in files])


def test_mirror_search_finds_the_flipped_pose(model, poses_3d):
    rng = np.random.default_rng(0)
    xy = random_camera_2d(poses_3d, rng)  # one random camera per pose
    q = 7
    flipped = mirror_coco13(xy[q])  # a left/right mirrored performer of the query pose
    library_xy = np.concatenate([np.delete(xy, q, axis=0), flipped[None]])
    emb = model.embed(library_xy)
    n = len(library_xy)
    index = PoseIndex(np.arange(n), np.arange(n) // 50, emb, model.a, model.b)
    query = model.embed(xy[q:q + 1])
    hits = index.query(query, k=5, mirror=True, query_mirrored=model.embed(flipped[None]))
    assert hits[0].pose_id == n - 1 and hits[0].mirrored
    exact = index.query(query, k=5, mirror=True, query_mirrored=model.embed(flipped[None]), exhaustive=True)
    assert [(h.pose_id, h.mirrored) for h in hits] == [(h.pose_id, h.mirrored) for h in exact]
    # the sampled probability against itself agrees with the model's own estimator
    p_model = model.matching_probability(model.embed(flipped[None]), emb[n - 1:n])[0, 0]
    assert hits[0].probability == pytest.approx(p_model, rel=1e-4)
