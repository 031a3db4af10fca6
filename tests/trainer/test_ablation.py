"""The ablation table measures a finished run exactly like training-time validation does."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainer.ablation import AblationRow, ablation_configs, ablation_table, main, markdown_table
from trainer.config import tiny_config
from trainer.train import train


def write_config(folder: Path, stem: str, cfg) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{stem}.json").write_text(cfg.to_json())


def test_table_figures_equal_the_training_time_validation_of_the_same_weights(data, tmp_path):
    cfg = tiny_config(data=(data[0],), val_data=data[1], out_dir=str(tmp_path / "runs"), threads=1,
                      val_every=20, steps=20)
    run = train(cfg)
    logged = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    val = next(r for r in logged if "val_hit1" in r)
    write_config(tmp_path / "configs", "full", cfg)
    [row] = ablation_table(tmp_path / "configs", data[1], val_size=cfg.val_size, seed=cfg.seed)
    assert row.run == "full" and row.step == 20
    for k in (1, 10, 20):
        assert row.hits[k] == pytest.approx(val[f"val_hit{k}"], abs=1e-5)
        assert row.noisy_hits[k] == pytest.approx(val[f"val_noisy_hit{k}"], abs=1e-5)


def test_configs_come_in_table_order_and_an_empty_folder_is_a_clear_error(tmp_path):
    for stem in ("none", "zz_extra", "no_hips", "full"):
        write_config(tmp_path / "c", stem, tiny_config(name=stem))
    assert [s for s, _ in ablation_configs(tmp_path / "c")] == ["full", "no_hips", "none", "zz_extra"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no \\*.json"):
        ablation_configs(tmp_path / "empty")
    assert main(["--config-dir", str(tmp_path / "empty"), "--val-data", "x.npz"]) == 2


def test_markdown_table_shows_percent_and_rejects_non_fractions():
    row = AblationRow("full", 800, {1: 0.4567, 10: 0.8, 20: 0.9}, {1: 0.25, 10: 0.5, 20: 0.6})
    assert markdown_table([row]).splitlines()[2] == "| full | 800 | 45.7 | 80.0 | 25.0 | 50.0 |"
    with pytest.raises(ValueError, match="fractions"):
        AblationRow("x", 1, {1: 45.7}, {1: 0.2})
