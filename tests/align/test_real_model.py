"""End to end with the bundled model: mocap rendered from two cameras with a known time warp, px.align.

Skipped when the bundled default model (assets/prvipe_upright.safetensors) or ../shared mocap data is absent.
"""
from __future__ import annotations

import numpy as np
import pytest

import poseexplorer as px
from poseexplorer.align import align_sequences, kendall_tau
from poseexplorer.core.camera import project_normalised_3d, view_rotation
from poseexplorer.core.mirror import mirror_coco13, mirror_h36m17
from poseexplorer.core.normalize import normalize_3d

pytestmark = [pytest.mark.slow, pytest.mark.shared]

CLIP = "mocap/hdm05/amc/kickLFront1Reps"


@pytest.fixture(scope="module")
def model(bundled_model):
    return bundled_model


@pytest.fixture(scope="module")
def joints(shared_data):
    mocap = pytest.importorskip("trainer.mocap")
    files = sorted((shared_data / CLIP).glob("*.amc"))
    if not files:
        pytest.skip(f"{CLIP} is absent")
    clip = mocap.load_clip(files[0])
    return clip.joints[:: max(1, round(clip.fps / 60))]  # about 60 fps


def render(xyz: np.ndarray, azimuth_deg: float, elevation_deg: float = 10.0) -> np.ndarray:
    """(T, 17, 3) -> (T, 13, 2) through one fixed camera."""
    rot = view_rotation(np.radians([azimuth_deg]), np.radians([elevation_deg]), np.zeros(1))
    norm = normalize_3d(xyz).astype(np.float64)
    return project_normalised_3d(norm, np.repeat(rot, len(norm), axis=0)).astype(np.float32)


def warped(xyz: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """xyz resampled at a random monotone warp; returns (poses, w) with w[j] the source time of frame j."""
    rng = np.random.default_rng(seed)
    t = len(xyz)
    n = int(t * rng.uniform(0.8, 1.3))
    speed = np.exp(np.convolve(rng.normal(0, 0.5, n + 10), np.ones(10) / 10, mode="valid")[:n])
    w = np.concatenate([[0.0], np.cumsum(speed[1:])])
    w = w / w[-1] * (t - 1)
    lo = np.floor(w).astype(int)
    hi = np.minimum(lo + 1, t - 1)
    f = (w - lo)[:, None, None]
    return (1 - f) * xyz[lo] + f * xyz[hi], w


def test_two_cameras_with_a_time_warp_are_aligned(model, joints):
    xyz_b, w = warped(joints, seed=1)
    emb_a = model.embed(render(joints, 20.0))
    emb_b = model.embed(render(xyz_b, -70.0))
    path = px.align(emb_a, emb_b, model)
    truth = np.abs(w[None, :] - np.arange(len(joints))[:, None]).argmin(1)
    first = np.searchsorted(path[:, 0], np.arange(len(joints)))
    err = np.abs(path[first, 1] - truth)
    assert np.median(err) <= 2
    assert kendall_tau(path[first, 1], truth) > 0.9


def test_mirror_option_with_the_real_model(model, joints):
    xyz_b, _ = warped(mirror_h36m17(joints), seed=2)  # B performs the mirrored motion
    xy_b = render(xyz_b, 40.0)
    emb_a, emb_b = model.embed(render(joints, -30.0)), model.embed(xy_b)
    al = align_sequences(emb_a, emb_b, model, mirrored_b=model.embed(mirror_coco13(xy_b)))
    plain = align_sequences(emb_a, emb_b, model)
    assert al.mirrored and al.distance < plain.distance
