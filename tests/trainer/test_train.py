"""The training loop end to end on a tiny synthetic dataset: metrics, checkpoints, resume, cancel, errors,
determinism, export and validation."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from poseexplorer.embed.model import load_model
from poseexplorer.jobs import Cancelled
from trainer.config import TrainConfig, tiny_config
from trainer.export import export_run
from trainer.cross_view_validation import (build_set, cross_view_hits, hits_from_ranking, keypoint_embedder,
                                           probability_top)
from trainer.train import TrainingError, train
from trainer.training_step import Trainer


def config(data, tmp_path: Path, **changes) -> TrainConfig:
    base = dict(data=(data[0],), out_dir=str(tmp_path / "runs"), threads=1)
    return tiny_config(**{**base, **changes})


def lines(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]


def weights(run: Path) -> dict:
    return torch.load(run / "checkpoint.pt", weights_only=True)["net"]


def test_tiny_run_writes_config_metrics_checkpoint(data, tmp_path):
    cfg = config(data, tmp_path, val_data=data[1])
    run = train(cfg)
    assert TrainConfig.load(run / "config.json") == cfg
    recs = lines(run)
    steps = [r for r in recs if "loss" in r]
    assert [r["step"] for r in steps] == [5, 10, 15, 20]
    assert {"step", "elapsed_s", "loss", "triplet", "positive", "prior", "steps_per_s"} <= set(steps[0])
    vals = [r for r in recs if "val_hit1" in r]
    assert [r["step"] for r in vals] == [10, 20] and {"val_hit10", "val_hit20", "val_noisy_hit1"} <= set(vals[0])
    assert recs[-1]["event"] == "done"
    state = torch.load(run / "checkpoint.pt", weights_only=True)
    assert state["step"] == 20
    assert (run / "best.pt").is_file()


def test_same_seed_same_weights_and_resume_continues_exactly(data, tmp_path):
    a = train(config(data, tmp_path, name="a", steps=12))
    b = train(config(data, tmp_path, name="b", steps=6))
    b = train(config(data, tmp_path, name="b", steps=12), resume=True)
    c = train(config(data, tmp_path, name="c", steps=12, seed=3))
    for key, value in weights(a).items():
        torch.testing.assert_close(weights(b)[key], value, rtol=0, atol=0)
    assert any(not torch.equal(weights(c)[k], v) for k, v in weights(a).items())
    assert sum("event" in r for r in lines(b)) == 2   # the first part's "done", then the resumed one's


def test_cancel_saves_a_checkpoint(data, tmp_path):
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 7

    cfg = config(data, tmp_path, name="cancel", steps=50)
    with pytest.raises(Cancelled):
        train(cfg, cancel=cancel)
    assert torch.load(cfg.run_dir / "checkpoint.pt", weights_only=True)["step"] == 7
    assert lines(cfg.run_dir)[-1]["event"] == "cancelled"
    with pytest.raises(TrainingError, match="--resume"):
        train(cfg)                                          # a fresh run must not overwrite it


def test_diverging_loss_stops_and_keeps_the_last_good_checkpoint(data, tmp_path, monkeypatch):
    cfg = config(data, tmp_path, name="nan", steps=30, checkpoint_every=5)
    original = Trainer.loss

    def poisoned(self, pairs, fast=True, full_npmpjpe=False):
        parts = original(self, pairs, fast, full_npmpjpe)
        if self.step >= 12:
            return type(parts)(parts.total * float("nan"), parts.triplet, parts.positive, parts.prior, 0)
        return parts

    monkeypatch.setattr(Trainer, "loss", poisoned)
    with pytest.raises(TrainingError, match="diverged"):
        train(cfg)
    state = torch.load(cfg.run_dir / "checkpoint.pt", weights_only=True)
    assert state["step"] == 10
    assert all(torch.isfinite(v).all() for v in state["net"].values() if v.is_floating_point())
    last = lines(cfg.run_dir)[-1]
    assert last["event"] == "error" and "nan" in last["message"]


def test_bad_config_and_data_give_clear_errors(data, tmp_path):
    with pytest.raises(ValueError, match="kind"):
        TrainConfig(kind="other")
    bad = tmp_path / "c.json"
    bad.write_text('{"name": "x", "colour": 3}')
    with pytest.raises(ValueError, match="colour"):
        TrainConfig.load(bad)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(TrainingError, match="junk.npz"):
        train(config((str(junk),), tmp_path, name="junk"))


@pytest.mark.parametrize("kind", ["l2vipe", "lift3d"])
def test_other_kinds_and_chest_views_train(data, tmp_path, kind):
    run = train(config(data, tmp_path, name=kind, kind=kind, steps=6, chest_views=True))
    assert lines(run)[-1]["event"] == "done"


def test_export_then_load_through_the_public_api(data, tmp_path):
    from trainer.cli import main

    cfg = config(data, tmp_path, name="exp", val_data=data[1])
    cfg_file = tmp_path / "exp.json"
    cfg_file.write_text(cfg.to_json())
    assert main(["train", str(cfg_file), "--no-progress"]) == 0
    assert main(["export", str(cfg.run_dir), "--to", str(tmp_path / "assets"), "--half", "auto",
                 "--val-data", data[1], "--val-size", "40"]) == 0
    model = load_model(tmp_path / "assets" / "exp.safetensors")
    card = json.loads((tmp_path / "assets" / "exp.card.json").read_text())
    assert card["sha256"] == model.sha256 and card["training"]["steps"] in (10, 20)
    assert card["validation"]["figures"]["val_hit1"] >= 0
    assert card["half_precision"] == (card["half_precision_check"]["chosen"] == "float16")
    assert {"keypoints_2d", "float32", "float16"} <= set(card["evaluation"])
    assert card["config"]["name"] == "exp" and card["keypoints"]["profile"] == "COCO-13"
    emb = model.embed(np.random.default_rng(0).normal(size=(4, 13, 2)))
    assert emb.mean.shape == (4, 8)
    assert export_run(cfg.run_dir, tmp_path / "a2", which="last").is_file()


def test_hits_and_shortlist_ranking_match_obvious_versions():
    rng = np.random.default_rng(0)
    match = rng.random((30, 30)) < 0.1
    top = np.argsort(rng.random((30, 30)), axis=1)[:, :5]
    hits = hits_from_ranking(top, match, ks=(1, 5))
    assert hits[1] == pytest.approx(np.mean([match[i, top[i, 0]] for i in range(30)]))
    assert hits[5] == pytest.approx(np.mean([match[i, top[i]].any() for i in range(30)]))
    from poseexplorer.core.poses import Embedding
    from poseexplorer.core.probability import matching_probability

    mq, mi = rng.normal(size=(25, 4)), rng.normal(size=(25, 4))
    sq, si = rng.uniform(0.2, 1, (25, 4)), rng.uniform(0.2, 1, (25, 4))
    top = probability_top(mq, sq, mi, si, 0.8, -0.2, kmax=5, shortlist=25)
    p = matching_probability(Embedding(mq.astype(np.float32), sq.astype(np.float32)),
                             Embedding(mi.astype(np.float32), si.astype(np.float32)), 0.8, -0.2)
    # the shortlist and the full matrix sum in different blocks: compare the probabilities ranked, not the
    # indices (two candidates within float32 rounding of each other may come in either order)
    np.testing.assert_allclose(np.take_along_axis(p, top, 1), -np.sort(-p, axis=1)[:, :5], rtol=1e-6)


def test_validation_set_is_consistent(data):
    from trainer.dataset import load_dataset

    ds = load_dataset(data[1])
    vset = build_set(ds.poses, size=40)
    assert vset.views.shape == (4, len(vset), 13, 2) and vset.match.diagonal().all()
    # same pose in the same camera always finds itself: an identity "cross-view" pair scores 1
    same = type(vset)(vset.xyz, np.stack([vset.views[0]] * 2), vset.noisy[:2], vset.noisy_scores[:2], vset.match)
    assert cross_view_hits(keypoint_embedder, same)[1] == 1.0
