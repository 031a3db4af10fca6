"""Model files and PoseModel: round trips, clear errors, the public embedding API."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from poseexplorer.core.poses import Embedding
from poseexplorer.core.probability import matching_probability
from poseexplorer.embed.model import ModelFileError, TorchPoseModel, load_model
from poseexplorer.embed.modelfile import card_path_for, save_model
from poseexplorer.embed.network import MatchingScale, NetworkSpec, PrVipeNet, fold_batchnorm
from tests.embed.test_inputs import random_xy

REPO = Path(__file__).resolve().parents[2]


def trained_like(kind: str = "prvipe", width: int = 32, seed: int = 0) -> tuple[PrVipeNet, MatchingScale]:
    """A small network with non-trivial BatchNorm statistics (as after training)."""
    torch.manual_seed(seed)
    net = PrVipeNet(NetworkSpec(kind=kind, embed_dim=8, width=width))
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    scale = MatchingScale(raw_a=0.3, b=0.7)
    return net.eval(), scale


def write(tmp_path: Path, kind: str = "prvipe", half: bool = False, name: str = "m") -> Path:
    net, scale = trained_like(kind)
    path = tmp_path / f"{name}.safetensors"
    save_model(path, net, scale, {"name": name, "keypoints": {"visibility_threshold": 0.3}}, half=half)
    return path


def test_network_shapes_and_positive_stddev():
    for kind, dim in (("prvipe", 8), ("l2vipe", 8), ("lift3d", 51)):
        net, _ = trained_like(kind)
        mean, std = net(torch.randn(5, 39))
        assert mean.shape == (5, dim)
        assert (std is None) == (kind != "prvipe")
    net, _ = trained_like()
    _, std, log_std = net.forward_train(torch.randn(64, 39) * 50)   # extreme inputs: stddev may underflow
    assert (std >= 0).all() and torch.isfinite(log_std).all()
    big = std.detach() > 1e-2     # below that, ELU(x) + 1 itself loses digits; log_std stays exact
    np.testing.assert_allclose(log_std.detach()[big].exp().numpy(), std.detach()[big].numpy(), rtol=1e-4)


def test_folded_batchnorm_gives_the_same_features():
    net, _ = trained_like()
    x = torch.randn(20, 39)
    with torch.no_grad():
        torch.testing.assert_close(fold_batchnorm(net)(x), net.features(x), rtol=1e-5, atol=1e-5)


def test_round_trip_embeds_like_the_network(tmp_path):
    path = write(tmp_path)
    model = load_model(path)
    net, scale = trained_like()
    xy = random_xy(40)
    emb = model.embed(xy)
    with torch.no_grad():
        mean, std = net(torch.from_numpy(model.inputs(xy)))
    np.testing.assert_allclose(emb.mean, mean.numpy(), atol=1e-5)
    np.testing.assert_allclose(emb.stddev, std.numpy(), atol=1e-5)
    assert model.a == pytest.approx(float(scale.a.detach())) and model.b == pytest.approx(0.7)
    assert model.kind == "prvipe" and model.embed_dim == 8 and model.name == "m"
    card = json.loads(card_path_for(path).read_text())
    assert model.sha256 == card["sha256"] and len(model.sha256) == 64
    assert model.card["network"]["width"] == 32


def test_half_precision_is_close(tmp_path):
    full, half = load_model(write(tmp_path, name="f")), load_model(write(tmp_path, half=True, name="h"))
    xy = random_xy(40)
    np.testing.assert_allclose(half.embed(xy).mean, full.embed(xy).mean, atol=0.05)
    assert (tmp_path / "h.safetensors").stat().st_size < 0.6 * (tmp_path / "f.safetensors").stat().st_size


def test_one_file_loads_without_its_card(tmp_path):
    path = write(tmp_path)
    card_path_for(path).unlink()
    assert load_model(path).card["network"]["kind"] == "prvipe"


def test_missing_truncated_and_mismatched_files_name_the_file(tmp_path):
    with pytest.raises(ModelFileError, match="nothere.safetensors"):
        load_model(tmp_path / "nothere.safetensors")
    path = write(tmp_path)
    data = path.read_bytes()
    trunc = tmp_path / "trunc.safetensors"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="trunc.safetensors"):
        load_model(trunc)
    # weights replaced by another model's: the sidecar's sha256 no longer matches
    other = write(tmp_path / "o", name="m")
    path.write_bytes(other.read_bytes() + b"")
    card = json.loads(card_path_for(path).read_text())
    card["sha256"] = "0" * 64
    card_path_for(path).write_text(json.dumps(card))
    with pytest.raises(ModelFileError, match="does not match"):
        load_model(path)


def test_weights_that_do_not_fit_the_card(tmp_path):
    from safetensors.torch import save_file

    net, scale = trained_like(width=16)
    tensors = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    tensors["matching.raw_a"], tensors["matching.b"] = torch.zeros(1), torch.zeros(1)
    card = {"network": NetworkSpec(embed_dim=8, width=32).to_dict()}
    bad = tmp_path / "bad.safetensors"
    save_file(tensors, str(bad), metadata={"card": json.dumps(card)})
    with pytest.raises(ModelFileError, match="bad.safetensors"):
        load_model(bad)


def test_env_variable_selects_the_default_model(tmp_path, monkeypatch):
    path = write(tmp_path, name="envmodel")
    monkeypatch.setenv("POSEEXPLORER_MODEL", str(path))
    assert load_model().name == "envmodel"


def test_embed_api_masks_low_scores_and_probability_is_seeded(tmp_path):
    model = load_model(write(tmp_path))
    xy = random_xy(12)
    scores = np.ones((12, 13))
    scores[:, 12] = 0.1
    moved = xy.copy()
    moved[:, 12] += 1000.0           # a masked keypoint's position does not matter
    np.testing.assert_allclose(model.embed(xy, scores).mean, model.embed(moved, scores).mean, atol=1e-6)
    assert not np.allclose(model.embed(xy).mean, model.embed(moved).mean)
    emb = model.embed(xy)
    assert isinstance(emb, Embedding) and emb.mean.dtype == np.float32
    p = model.matching_probability(emb[:5], emb)
    assert p.shape == (5, 12)
    np.testing.assert_array_equal(p, model.matching_probability(emb[:5], emb, seed=0))
    np.testing.assert_allclose(p, matching_probability(emb[:5], emb, model.a, model.b), rtol=1e-12)
    assert model.embed(np.zeros((0, 13, 2))).mean.shape == (0, 8)
    assert np.all(model.embed(random_xy(5) * 1e6).stddev > 0)   # never an invalid Embedding
    with pytest.raises(ValueError, match="13, 2"):
        model.embed(np.zeros((3, 17, 2)))


def test_point_and_lifting_models(tmp_path):
    point = load_model(write(tmp_path, "l2vipe", name="p"))
    emb = point.embed(random_xy(6))
    assert np.all(emb.stddev < 1e-5)
    assert point.matching_probability(emb, emb).shape == (6, 6)
    lift = load_model(write(tmp_path, "lift3d", name="l"))
    assert lift.lift(random_xy(4)).shape == (4, 17, 3)
    with pytest.raises(ValueError, match="lift3d"):
        point.lift(random_xy(2))


@pytest.mark.skipif(not (REPO / "assets" / "prvipe.safetensors").is_file(), reason="no bundled model yet")
def test_bundled_model_loads_with_its_card():
    import poseexplorer as px

    model = px.load_model(REPO / "assets" / "prvipe.safetensors")
    assert isinstance(model, TorchPoseModel) and model.kind == "prvipe" and model.embed_dim == 16
    card = json.loads((REPO / "assets" / "prvipe.card.json").read_text())
    assert card["sha256"] == model.sha256
    assert card["training"]["steps"] > 0 and card["validation"]["figures"]["val_hit1"] > 0
    assert {"hdm05", "cmu"} <= set(card["data"][0]["sources"])
    assert (REPO / "assets" / "prvipe.safetensors").stat().st_size <= 20 * 2**20


def test_the_default_model_is_the_upright_one_calibrated_and_ignores_camera_roll():
    import poseexplorer as px

    path = REPO / "assets" / "prvipe_upright.safetensors"
    model = px.load_model(path)
    assert px.load_model().sha256 == model.sha256                        # what users and px.load_model() get
    card = json.loads((REPO / "assets" / "prvipe_upright.card.json").read_text())
    assert card["sha256"] == model.sha256 and model.spec.upright and model.spec.snap_hipless
    assert model.calibration.fitted
    assert {"hdm05", "cmu"} <= set(card["data"][0]["sources"])
    xy = random_xy(30, seed=2)
    sideways = np.stack([-xy[..., 1], xy[..., 0]], -1)                  # the camera turned by 90 degrees
    assert np.allclose(model.embed(sideways).mean, model.embed(xy).mean, atol=1e-4)
    fixed = px.load_model(REPO / "assets" / "prvipe.safetensors")       # the earlier model sees the roll
    assert not np.allclose(fixed.embed(sideways).mean, fixed.embed(xy).mean, atol=1e-2)


def test_bundled_lifter_is_a_lifting_model_and_lifts_plausibly():
    """The bundled lift3d model (for keypoint-file poses in the 3D view) loads and beats the mean pose."""
    from poseexplorer.core.camera import random_camera_2d
    from poseexplorer.core.npmpjpe import np_mpjpe
    from poseexplorer.embed.paths import LIFTER_NAME, bundled_asset_path
    from tests.core.test_camera import front_facing_pose

    path = bundled_asset_path(LIFTER_NAME)
    if not path.is_file():
        pytest.skip("no bundled lifting model")
    lifter = load_model(path)
    assert lifter.kind == "lift3d"
    rng = np.random.default_rng(0)
    poses = np.repeat(front_facing_pose()[None], 64, 0)
    xy = random_camera_2d(poses, rng) * 400 + 300
    lifted = lifter.lift(xy, None)
    assert lifted.shape == (64, 17, 3) and np.isfinite(lifted).all()
    assert np.mean(np_mpjpe(poses, lifted)) < 0.3


def test_an_upright_model_file_gives_the_same_embedding_under_any_roll(tmp_path):
    net, scale = trained_like("prvipe")
    upright = PrVipeNet(NetworkSpec(**{**net.spec.to_dict(), "upright": True}))
    upright.load_state_dict(net.state_dict())
    save_model(tmp_path / "up.safetensors", upright.eval(), scale, {"name": "up"})
    model = load_model(tmp_path / "up.safetensors")
    assert model.spec.upright and not load_model(write(tmp_path)).spec.upright   # older cards: not upright
    xy = random_xy(40, seed=9)
    t = np.deg2rad(np.linspace(-180, 180, 40))[:, None]
    rolled = np.stack([xy[..., 0] * np.cos(t) - xy[..., 1] * np.sin(t),
                       xy[..., 0] * np.sin(t) + xy[..., 1] * np.cos(t)], -1)
    assert np.allclose(model.embed(rolled).mean, model.embed(xy).mean, atol=1e-4)
    card = json.loads(json.dumps(model.card))
    card["network"]["upright"] = "yes"
    bad = tmp_path / "bad.safetensors"
    save_model(bad, upright, scale, {"name": "bad"})
    card_path_for(bad).write_text(json.dumps({**card, "sha256": model.sha256}))
    with pytest.raises(ModelFileError, match="upright"):
        load_model(bad)


def test_a_snapping_model_file_keeps_its_rule_and_embeds_a_sideways_upper_body_like_an_upright_one(tmp_path):
    net, scale = trained_like("prvipe")
    snap = PrVipeNet(NetworkSpec(**{**net.spec.to_dict(), "upright": True, "snap_hipless": True}))
    snap.load_state_dict(net.state_dict())
    save_model(tmp_path / "snap.safetensors", snap.eval(), scale, {"name": "snap"})
    model = load_model(tmp_path / "snap.safetensors")
    assert model.spec.snap_hipless and not load_model(write(tmp_path)).spec.snap_hipless
    xy = random_xy(40, seed=10)
    scores = np.ones((40, 13), np.float32)
    scores[:, 7:] = 0.0                                    # upper-body framing
    sideways = np.stack([-xy[..., 1], xy[..., 0]], -1)     # the camera turned a quarter turn
    head = xy[:, 0] - xy[:, [1, 2]].mean(1)
    upright_head = np.abs(head[:, 0]) < np.abs(head[:, 1])
    a, b = model.embed(xy, scores).mean, model.embed(sideways, scores).mean
    assert upright_head.sum() > 20 and np.allclose(a[upright_head], b[upright_head], atol=1e-4)
    bad = tmp_path / "bad.safetensors"
    save_model(bad, snap, scale, {"name": "bad"})
    card = json.loads(card_path_for(bad).read_text())
    card["network"]["snap_hipless"] = 1
    card_path_for(bad).write_text(json.dumps(card))
    with pytest.raises(ModelFileError, match="snap_hipless"):
        load_model(bad)
