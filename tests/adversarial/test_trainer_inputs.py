"""Training configs and checkpoints from hostile hands: refused early, with the key or file named."""
from __future__ import annotations

import json
import os

import pytest
import torch

from trainer.config import TrainConfig, tiny_config
from trainer.dataset import save_dataset
from trainer.export import ExportError, export_run
from trainer.run_files import CheckpointError, load_tensors, prepared_cache_path, save_atomic
from trainer.train import TrainingError, train
from tests.trainer.synthetic_motion import synthetic_dataset


@pytest.mark.parametrize("key,value,words", [
    ("dropout", -0.5, "dropout must be in [0.0, 1.0)"),
    ("dropout", 1.0, "dropout must be in [0.0, 1.0)"),
    ("visibility_threshold", 2, "visibility_threshold must be in [0.0, 1.0]"),
    ("ema_decay", 2, "ema_decay must be in [0.0, 1.0)"),
    ("lr", "fast", "lr must be a number, got 'fast'"),
    ("lr", 0, "lr must be in (0.0, inf)"),
    ("steps", "many", "steps must be int"),
    ("swap_rate", 1.5, "swap_rate is a probability"),
    ("width", 10**9, "width must be in"),
    ("jitter", float("nan"), "jitter must be a finite number"),
])
def test_bad_values_are_refused_naming_the_key(tmp_path, key, value, words):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({**tiny_config().to_dict(), key: value}))
    with pytest.raises(ValueError) as err:
        TrainConfig.load(path)
    assert str(path) in str(err.value) and words in str(err.value)


def test_data_given_as_one_string_is_one_path(tmp_path):
    cfg = TrainConfig.from_dict({**tiny_config().to_dict(), "data": "train.npz"})
    assert cfg.data == ("train.npz",)
    with pytest.raises(ValueError, match="data must be a list"):
        TrainConfig.from_dict({**tiny_config().to_dict(), "data": [1, 2]})


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch PAYLOAD_RAN",))


def test_a_pickled_checkpoint_is_refused_without_suggesting_to_unpickle_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "checkpoint.pt"
    torch.save({"net": _Payload()}, evil)
    with pytest.raises(CheckpointError) as err:
        load_tensors(evil)
    text = str(err.value)
    assert str(evil) in text and "pickled" in text
    assert "weights_only" not in text and "trust" not in text
    run = tmp_path / "runs" / "evil"
    run.mkdir(parents=True)
    (run / "config.json").write_text(tiny_config(name="evil").to_json())
    os.replace(evil, run / "checkpoint.pt")
    with pytest.raises(ExportError) as err:
        export_run(run, tmp_path / "out")
    assert "weights_only" not in str(err.value)
    assert not (tmp_path / "PAYLOAD_RAN").exists()


def test_save_atomic_leaves_the_old_file_when_saving_fails(tmp_path):
    path = tmp_path / "best.pt"
    save_atomic({"step": 1}, path)
    with pytest.raises(Exception):
        save_atomic({"step": 2, "bad": _Unsaveable()}, path)
    assert load_tensors(path) == {"step": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.pt"]


class _Unsaveable:
    def __reduce__(self):
        raise RuntimeError("cannot be saved")


def test_resume_with_a_changed_config_fails_before_touching_the_run(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    save_dataset(synthetic_dataset(["s1", "s2"], 2, n_actions=2, frames=20, seed=0), root / "train.npz")
    cfg = tiny_config(data=(str(root / "train.npz"),), out_dir=str(tmp_path / "runs"), threads=1, steps=4,
                      val_every=2, checkpoint_every=2, log_every=2)
    run = train(cfg)
    saved = (run / "config.json").read_text()
    with pytest.raises(TrainingError, match="width: 64 -> 128"):
        train(cfg.replace(width=128, steps=8), resume=True)
    assert (run / "config.json").read_text() == saved
    train(cfg.replace(steps=6), resume=True)                     # longer: allowed
    assert json.loads((run / "config.json").read_text())["steps"] == 6
    from trainer.cli import main

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert main(["export", str(run), "--to", str(blocker / "assets")]) == 1   # a clear error, no traceback
    assert main(["export", str(run), "--to", str(tmp_path / "assets")]) == 0
    assert sorted(p.name for p in (tmp_path / "assets").iterdir()) == ["tiny.card.json", "tiny.safetensors"]


def test_prepared_cache_changes_when_a_clip_is_added(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "a.bvh").write_text("HIERARCHY\n")
    first = prepared_cache_path(clips, tmp_path / "cache")
    assert prepared_cache_path(clips, tmp_path / "cache") == first
    (clips / "b.bvh").write_text("HIERARCHY\n")
    assert prepared_cache_path(clips, tmp_path / "cache") != first
