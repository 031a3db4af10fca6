"""Unit tests of the evaluation's pieces, each against a slow obvious version or a known answer."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.core.normalize import normalize_2d
from poseexplorer.core.npmpjpe import np_mpjpe, procrustes_mpjpe, similarity_align
from poseexplorer.core.poses import Embedding
from poseexplorer.core.probability import matching_probability
from trainer.evaluation.alignment_distance import procrustes_2d_matrix, procrustes_3d_matrix
from trainer.evaluation.calibration import calibration
from trainer.evaluation.frames import drop_near_duplicates, evaluation_frames, stride_indices
from trainer.evaluation.noise import corrupt
from trainer.cross_view_validation import shortlist_probability
from trainer.evaluation.retrieval import KeypointScorer, cross_view_retrieval, ground_truth_matches
from trainer.evaluation.rigs import all_rig, centre_subject, chest_rig, project_rig
from trainer.evaluation.sequences import resample, smooth_warp

from .synthetic_motion import synthetic_dataset


@pytest.fixture(scope="module")
def poses() -> np.ndarray:
    return synthetic_dataset(["s"], 1, n_actions=2, frames=40).poses


def test_procrustes_2d_matrix_matches_loop():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 13, 2)), rng.normal(size=(5, 13, 2))
    slow = np.array([[procrustes_mpjpe(a[i], b[j]) for j in range(5)] for i in range(4)])
    np.testing.assert_allclose(procrustes_2d_matrix(a, b), slow, atol=1e-5)
    # a rotated, scaled, shifted copy is at distance 0
    c, s = np.cos(0.7), np.sin(0.7)
    moved = 2.5 * a[0] @ np.array([[c, -s], [s, c]]).T + 3.0
    assert procrustes_2d_matrix(a[:1], moved[None])[0, 0] < 1e-5


def test_procrustes_2d_rejects_mirror_images():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(1, 13, 2))
    mirrored = a * np.array([-1.0, 1.0])
    assert procrustes_2d_matrix(a, mirrored)[0, 0] > 0.1


def test_procrustes_3d_matrix_matches_loop():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(3, 17, 3)), rng.normal(size=(4, 17, 3))
    slow = np.empty((3, 4))
    for i in range(3):
        for j in range(4):
            aligned = similarity_align(a[i], b[j])
            slow[i, j] = np.sqrt(((aligned - a[i]) ** 2).sum(-1).mean())
    np.testing.assert_allclose(procrustes_3d_matrix(a, b), slow, atol=1e-5)


def test_shortlist_probability_equals_full_matrix():
    rng = np.random.default_rng(3)
    emb = Embedding(rng.normal(size=(30, 8)).astype(np.float32), rng.uniform(0.1, 1, (30, 8)).astype(np.float32))
    cand = rng.integers(0, 30, (30, 7))
    full = matching_probability(emb, emb, 0.7, -0.3)
    got = shortlist_probability(emb.mean, emb.stddev, emb.mean, emb.stddev, cand, 0.7, -0.3)
    np.testing.assert_allclose(got, np.take_along_axis(full, cand, 1), atol=1e-6)


def test_stride_picks_one_pose_per_interval():
    clip = np.array([0] * 20 + [1] * 10)
    frame = np.r_[np.arange(20), np.arange(0, 20, 2)]
    idx = stride_indices(clip, frame, fps=30.0, stride_s=0.2)  # 6 frames per tick
    slow = [i for i in range(30) if i == 0 or clip[i] != clip[i - 1] or frame[i] // 6 != frame[i - 1] // 6]
    assert idx.tolist() == slow


def test_drop_near_duplicates_matches_greedy_loop(poses):
    xyz = np.concatenate([poses[:10], poses[:5] + 0.001])
    kept = drop_near_duplicates(xyz, 0.02)
    slow = []
    for i in range(len(xyz)):
        if all(np_mpjpe(xyz[j], xyz[i]) >= 0.02 for j in slow):
            slow.append(i)
    assert kept.tolist() == slow
    assert len(kept) <= 10


def test_evaluation_frames_cap(poses):
    clip = np.repeat([0, 1], 40)
    idx = evaluation_frames(poses, clip, np.tile(np.arange(40), 2), 30.0, max_frames=5)
    assert len(idx) == 5 and np.all(np.diff(idx) > 0)


def test_rigs_are_real_cameras(poses):
    chest, every = chest_rig(), all_rig()
    assert len(chest) == 4 and len(every) >= 10
    heights = [c.position[1] for c in chest.cameras]
    assert np.allclose(heights, 1.5)
    all_heights = [c.position[1] for c in every.cameras]
    assert min(all_heights) < 0.5 and max(all_heights) > 2.5
    for rig in (chest, every):
        xy = project_rig(rig, poses)
        for cam, view in zip(rig.cameras, xy):
            assert np.all(view >= 0) and np.all(view[..., 0] <= cam.size[0]) and np.all(view[..., 1] <= cam.size[1])
            assert np.all(cam.to_camera(centre_subject(poses)).reshape(-1, 3)[:, 2] > 0.5)  # in front


def test_front_camera_is_not_mirrored():
    # subject facing +z, left side at +x; a camera at +z looking back sees the left hand on the image's right
    from trainer.evaluation.rigs import _camera

    from .synthetic_motion import REST

    cam = _camera((0.0, 1.2, 4.0), (0.0, 1.0, 0.0), 1000.0, (1000, 1000))
    xy = cam.project(REST)
    assert xy[8, 0] > xy[9, 0]  # left wrist (H36M 8) right of the right wrist (H36M 9)
    assert xy[1, 1] < xy[15, 1]  # head above the ankle (image y grows downwards)


def test_noise_drops_and_scores():
    rng = np.random.default_rng(4)
    xy = np.tile(normalize_2d(np.random.default_rng(0).normal(size=(1, 13, 2))) * 100 + 500, (400, 1, 1))
    noisy, scores = corrupt(xy, rng)
    assert noisy.shape == xy.shape and scores.shape == (400, 13)
    dropped = scores == 0
    assert 0.02 < dropped.mean() < 0.3
    assert np.all((scores[~dropped] >= 0.6) & (scores[~dropped] <= 1.0))
    assert np.abs(noisy - xy).max() > 0


def test_retrieval_counts_like_a_loop(poses):
    xy = project_rig(chest_rig(), poses[:25])
    scores = np.ones(xy.shape[:3], np.float32)
    matches = ground_truth_matches(poses[:25])
    res = cross_view_retrieval(KeypointScorer(), xy, scores, matches, ks=(1, 3))
    hits = []
    for a in range(4):
        for b in range(4):
            if a != b:
                d = procrustes_2d_matrix(normalize_2d(xy[a]), normalize_2d(xy[b]))
                top = np.argsort(d, axis=1, kind="stable")[:, :3]
                hits.append([matches[i, top[i]].any() for i in range(25)])
    assert res.hit_at(3) == pytest.approx(np.mean(hits))
    assert res.top_match.shape == (12 * 25, 20)
    assert res.pair_hit1.shape == (4, 4) and np.isnan(np.diag(res.pair_hit1)).all()


class _Oracle:
    """A scorer that knows the 3D poses: must reach Hit@1 = 100%."""

    name = "oracle"

    def __init__(self, xyz):
        self.xyz = xyz

    def prepare(self, xy, scores):
        return np.arange(len(xy))

    def similarity(self, q, i):
        return -np_mpjpe(self.xyz[q][:, None], self.xyz[i][None])


def test_oracle_scores_perfectly(poses):
    xy = project_rig(all_rig(), poses[:15])
    res = cross_view_retrieval(_Oracle(poses[:15]), xy, np.ones(xy.shape[:3]), ground_truth_matches(poses[:15]))
    assert res.hit_at(1) == 1.0
    assert np.nanmin(res.pair_hit1) == 1.0


def test_calibration_bins_like_a_loop():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.05, 0.95, 500)
    y = rng.random(500) < p
    cal = calibration(p, y, bins=5)
    edges = np.linspace(0.05, 0.95, 6)
    for b in range(5):
        sel = (p >= edges[b]) & ((p < edges[b + 1]) if b < 4 else (p <= edges[b + 1]))
        assert cal.count[b] == sel.sum()
        assert cal.match_rate[b] == pytest.approx(y[sel].mean())
    assert cal.rho > 0.3  # y was drawn with probability p


def test_smooth_warp_is_monotone_and_spans():
    w = smooth_warp(50, 40, np.random.default_rng(6))
    assert w[0] == 0 and w[-1] == pytest.approx(39) and np.all(np.diff(w) > 0)
    joints = np.arange(40, dtype=np.float64)[:, None, None] * np.ones((1, 17, 3))
    np.testing.assert_allclose(resample(joints, w)[:, 0, 0], w)
