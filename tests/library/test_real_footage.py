"""Real footage through the real detector (short: one 100-frame view of ../shared), and the real model."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from poseexplorer.library import Library
from poseexplorer.library.indexer import index_paths

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_indexing_a_real_view_stores_what_the_detector_sees(shared_data, tmp_path):
    from poseexplorer.detect import MediaPipeDetector
    from poseexplorer.io import open_media

    video = shared_data / "media" / "pose2sim_4views" / "cam01.mp4"
    report = index_paths(tmp_path / "lib.sqlite", [str(video)], workers=1)
    (f,) = report.files
    assert f.ok and f.n_frames == 100 and f.n_poses >= 95, f
    with Library.open(tmp_path / "lib.sqlite") as lib:
        ft = lib.frames(f.media_id)
        info = lib.media_info(f.media_id)
    assert (info.width, info.height, info.fps) == (1080, 1920, 60.0)
    n = 40
    with open_media(video) as reader, MediaPipeDetector(video=True) as det:
        direct = [det.detect(frame) for _, frame in reader.iter_frames(0, n)]
    for i, d in enumerate(direct):
        assert (d is None) == (ft.pose_id[i] < 0)
        if d is not None:
            assert np.allclose(ft.xy[i], d.xy, atol=0.5) and np.allclose(ft.world[i], d.world, atol=1e-3)
    ok = ft.pose_id >= 0
    assert np.isfinite(ft.world[ok]).all() and (ft.xy[ok][..., 0] < 1080 + 200).all()


def test_real_model_embeds_indexed_poses(tmp_path):
    """Library bookkeeping with the real PoseModel (keypoints from an NPZ file: no detector needed)."""
    weights = REPO / "assets" / "prvipe_upright.safetensors"
    if not weights.exists():
        pytest.skip("the bundled model (assets/prvipe_upright.safetensors) is not there yet")
    from poseexplorer.embed.model import load_model
    from poseexplorer.io.keypoint_files import KeypointTrack, write_keypoint_npz

    rng = np.random.default_rng(0)
    xy = (rng.normal(size=(50, 13, 2)) * 40 + 300).astype(np.float32)
    xy[7] = np.nan
    track = KeypointTrack(np.arange(50), xy, rng.uniform(0.5, 1, (50, 13)).astype(np.float32), fps=25.0,
                          size=(640, 480), source="npz")
    write_keypoint_npz(tmp_path / "poses.npz", track)
    model = load_model(None)
    report = index_paths(tmp_path / "lib.sqlite", [str(tmp_path / "poses.npz")], model=model, workers=0)
    (f,) = report.files
    assert f.ok and f.n_frames == 50 and report.n_embedded == f.n_poses == 49
    with Library.open(tmp_path / "lib.sqlite") as lib:
        poses = lib.poses()
        ids, emb = lib.embeddings(model.sha256)
        assert [m.key for m in lib.models()] == [model.sha256]
    assert np.array_equal(ids, poses.pose_id) and emb.dim == model.embed_dim
    direct = model.embed(poses.xy, poses.scores)
    assert np.allclose(emb.mean, direct.mean, atol=1e-4) and np.allclose(emb.stddev, direct.stddev, atol=1e-4)
