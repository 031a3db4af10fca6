"""trainer.robustness: the stressed validation sets and the table, with real (small) models."""
from __future__ import annotations

import numpy as np

from poseexplorer.embed.model import load_model
from poseexplorer.embed.modelfile import save_model
from poseexplorer.embed.network import NetworkSpec, PrVipeNet
from tests.embed.test_model import trained_like
from tests.trainer.synthetic_motion import synthetic_dataset
from trainer.dataset import save_dataset
from trainer.robustness import CONDITIONS, condition_sets, evaluate, main, swapped_set, table


def _poses() -> np.ndarray:
    return synthetic_dataset(["s1", "s2"], clips_per_action=2, n_actions=3, frames=60).poses


def test_condition_sets_stress_what_they_say():
    sets = condition_sets(_poses(), 80)
    clean, _ = sets["clean"]
    upper, read_noisy = sets["upper body"]
    assert read_noisy and (upper.noisy_scores[:, :, 7:] == 0).all() and (upper.noisy_scores[:, :, :7] == 1).all()
    rolled, _ = sets["rolled"]
    # roll turns the picture about the image centre: distances between keypoints stay, positions change
    d = lambda v: np.linalg.norm(v[:, :, :, None] - v[:, :, None], axis=-1)   # noqa: E731
    assert np.allclose(d(rolled.views), d(clean.views), atol=1e-4) and not np.allclose(rolled.views[1:], clean.views[1:])
    swapped = swapped_set(clean, share=1 / 3, seed=0)
    changed = (np.abs(swapped.noisy - clean.views) > 1e-6).any(-1).any(-1)
    assert 0.2 < changed.mean() < 0.45


def test_an_upright_model_is_as_good_rolled_as_clean(tmp_path):
    net, scale = trained_like("prvipe")
    up = PrVipeNet(NetworkSpec(**{**net.spec.to_dict(), "upright": True}))
    up.load_state_dict(net.state_dict())
    save_model(tmp_path / "up.safetensors", up.eval(), scale, {"name": "up"})
    save_model(tmp_path / "plain.safetensors", net, scale, {"name": "plain"})
    models = {"up": load_model(tmp_path / "up.safetensors"), "plain": load_model(tmp_path / "plain.safetensors")}
    res = evaluate(models, _poses(), 80)
    assert set(res) == {"2D keypoints", "up", "plain"} and all(set(r) == set(CONDITIONS) for r in res.values())
    assert res["up"]["rolled"] == res["up"]["clean"]
    text = table(res, "synthetic")
    assert text.count("\n") == 4 and "| up |" in text

    save_dataset(synthetic_dataset(["s1"], clips_per_action=2, n_actions=3, frames=60), tmp_path / "val.npz")
    out = tmp_path / "r.md"
    assert main(["--data", str(tmp_path / "val.npz"), "--model", str(tmp_path / "up.safetensors"),
                 "--size", "60", "--out", str(out)]) == 0
    assert "| up.safetensors |" in out.read_text() and "| 2D keypoints |" in out.read_text()
