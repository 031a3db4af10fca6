"""The 3D-judged real-footage evaluation: the 3D match criterion, stresses, masked Procrustes and hit counting."""
import numpy as np

from poseexplorer.core.npmpjpe import procrustes_mpjpe
from trainer.evaluation.footage_3d import (
    Query, _masked_procrustes, coco13_to_h36m17, evaluate_ranker, fused_ranker, match_matrix_3d, stress,
    world_ranker,
)
from trainer.evaluation.real_footage import ViewDetections

from .test_triangulation import _rig


def _poses(n: int, seed: int = 0) -> np.ndarray:
    """n distinct random COCO-13 3D poses about 1.7 m tall (y up)."""
    rng = np.random.default_rng(seed)
    base = np.array([[0, 1.6, 0], [0.2, 1.4, 0], [-0.2, 1.4, 0], [0.3, 1.1, 0], [-0.3, 1.1, 0], [0.3, 0.8, 0],
                     [-0.3, 0.8, 0], [0.1, 0.9, 0], [-0.1, 0.9, 0], [0.1, 0.5, 0], [-0.1, 0.5, 0], [0.1, 0.1, 0],
                     [-0.1, 0.1, 0]])
    return base + rng.normal(0, 0.25, (n, 13, 3))


def test_match_matrix_is_invariant_to_similarity_and_skips_incomplete_poses():
    xyz = _poses(5)
    c, s = np.cos(0.7), np.sin(0.7)
    turned = 2.0 * xyz[1] @ np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]).T + 3.0
    xyz = np.concatenate([xyz, turned[None]])
    xyz[4, 3] = np.nan
    m = match_matrix_3d(xyz)
    assert m[1, 5] and m[5, 1] and m[0, 0] and not m[4, 4] and not m[4].any()
    assert not m[0, 2]  # different random poses
    h = coco13_to_h36m17(xyz[:1])
    assert h.shape == (1, 17, 3) and np.allclose(h[0, 0], xyz[0, 7:9].mean(0))


def test_masked_procrustes_matches_a_loop():
    rng = np.random.default_rng(3)
    q, idx = rng.normal(size=(4, 13, 2)), rng.normal(size=(5, 13, 2))
    vis = np.ones((4, 13), bool)
    vis[1, 7:] = False
    vis[2, :11] = False  # 2 joints only: unrankable
    got = _masked_procrustes(q, idx, vis)
    for i in range(4):
        for j in range(5):
            want = -procrustes_mpjpe(q[i, vis[i]], idx[j, vis[i]]) if vis[i].sum() >= 3 else -np.inf
            assert np.isclose(got[i, j], want)


def test_stresses():
    rng = np.random.default_rng(4)
    q = Query(rng.uniform(0, 500, (30, 13, 2)), rng.uniform(0.5, 1, (30, 13)), rng.normal(size=(30, 13, 3)))
    up = stress(q, "upper_body")
    assert (up.scores[:, 7:] == 0).all() and np.array_equal(up.scores[:, :7], q.scores[:, :7])
    back = stress(stress(q, "rot180"), "rot180")
    np.testing.assert_allclose(back.xy, q.xy, atol=1e-9)
    r90 = stress(q, "rot90")
    assert np.allclose(np.linalg.norm(r90.xy[:, 1] - r90.xy[:, 2], axis=-1), np.linalg.norm(q.xy[:, 1] - q.xy[:, 2], axis=-1))
    sw = stress(q, "lr_swap", seed=1)
    swapped = ~np.isclose(sw.xy[:, 1], q.xy[:, 1]).all(-1)
    assert 0.15 < swapped.mean() < 0.55
    np.testing.assert_array_equal(sw.xy[swapped, 1], q.xy[swapped, 2])
    np.testing.assert_array_equal(sw.world[swapped, 1], q.world[swapped, 2])


def test_perfect_world_landmarks_find_every_instant():
    xyz = _poses(12, seed=5)
    cams = _rig(3)
    world = xyz - xyz[:, 7:9].mean(1, keepdims=True)
    xy = np.stack([c.project(xyz) for c in cams]).astype(np.float32)
    det = ViewDetections(xy, np.ones(xy.shape[:3], np.float32), ("a", "b", "c"), 30.0,
                         np.repeat(world[None], 3, 0).astype(np.float32))
    match = match_matrix_3d(xyz)
    res = evaluate_ranker(world_ranker, det, match, np.ones(12, bool), tolerance=0)
    assert res.rate("3d", 1) == 1.0 and res.rate("frames", 1) == 1.0 and len(res.pairs) == 6
    upper = evaluate_ranker(world_ranker, det, match, np.ones(12, bool), "upper_body", tolerance=0)
    assert upper.rate("frames", 1) == 1.0  # the upper body alone still identifies these distinct poses


def test_fusing_a_ranking_with_itself_keeps_its_order():
    rng = np.random.default_rng(6)
    q = Query(rng.normal(size=(8, 13, 2)), np.ones((8, 13)), rng.normal(size=(8, 13, 3)))
    idx = Query(rng.normal(size=(11, 13, 2)), np.ones((11, 13)), rng.normal(size=(11, 13, 3)))
    alone = world_ranker(q, idx)
    fused = fused_ranker([world_ranker, world_ranker])(q, idx)
    np.testing.assert_array_equal(np.argsort(-fused, axis=1), np.argsort(-alone, axis=1))
