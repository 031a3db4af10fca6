"""Fitting the confidence calibration: ECE against a loop, isotonic recovery of a known rate, training
groups that never include the held-out actor, and `poseexplorer-train calibrate` end to end on a tiny model."""
from __future__ import annotations

import json

import numpy as np
import pytest

from poseexplorer.embed.calibration import sidecar_path_for
from poseexplorer.embed.model import load_model
from poseexplorer.jobs import Cancelled, no_progress
from tests.embed.test_model import write
from trainer.calibration_fit import FitSettings, Pairs, calibrate_job, fit_isotonic, training_groups
from trainer.cli import main as trainer_main
from trainer.dataset import save_dataset
from trainer.evaluation.calibration import expected_calibration_error

from .synthetic_motion import synthetic_dataset


def slow_ece(conf: np.ndarray, match: np.ndarray, bins: int = 10) -> float:
    total, n = 0.0, len(conf)
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [i for i in range(n) if lo <= conf[i] < hi or (b == bins - 1 and conf[i] == 1.0)]
        if sel:
            total += len(sel) / n * abs(np.mean(conf[sel]) - np.mean(match[sel]))
    return total


def test_ece_matches_a_loop_and_is_zero_when_calibrated():
    rng = np.random.default_rng(0)
    conf = rng.uniform(0, 1, 3000)
    match = rng.random(3000) < conf**2
    assert expected_calibration_error(conf, match) == pytest.approx(slow_ece(conf, match), abs=1e-12)
    exact = np.repeat([0.25, 0.75], 4)
    assert expected_calibration_error(exact, np.array([1, 0, 0, 0, 1, 1, 1, 0], bool)) == pytest.approx(0.0)
    assert np.isnan(expected_calibration_error(np.array([np.nan]), np.array([True])))


def test_isotonic_fit_recovers_a_known_rate():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 0.95, 40000)
    match = rng.random(len(p)) < p**2  # the true rate at P is P squared
    cal = fit_isotonic(Pairs(p, match))
    grid = np.linspace(0.15, 0.9, 16)
    np.testing.assert_allclose(cal.apply(grid), grid**2, atol=0.04)
    assert np.all(np.diff(cal.apply(np.linspace(0, 1, 500))) >= 0)
    assert expected_calibration_error(cal.apply(p), match) < 0.5 * expected_calibration_error(p, match)


def test_isotonic_fit_of_constant_labels_is_flat_and_bad_input_is_rejected():
    p = np.linspace(0.1, 0.9, 50)
    cal = fit_isotonic(Pairs(p, np.zeros(50, bool)))
    assert np.all(np.asarray(cal.apply(p)) == 0.0)
    with pytest.raises(ValueError, match="two distinct P"):
        fit_isotonic(Pairs(np.full(5, 0.5), np.ones(5, bool)))
    with pytest.raises(ValueError, match="must be equal"):
        Pairs(np.zeros(3), np.zeros(4, bool))


def test_training_groups_leave_out_the_held_out_actor():
    subject = np.array(["bd", "bd", "mm", "cmu_salsa_01", "cmu_tango_02", "dg", "mm"])
    groups = training_groups(subject, ("mm",))
    assert list(groups) == ["bd", "cmu", "dg"]
    assert groups["cmu"].tolist() == [3, 4] and all(2 not in g and 6 not in g for g in groups.values())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("calibrate")
    data = tmp / "train.npz"
    save_dataset(synthetic_dataset(["bd", "mm"], 2, frames=60, seed=3), data)
    return write(tmp), data


def test_calibrate_cli_writes_a_sidecar_that_load_model_uses(tiny, capsys):
    model_path, data = tiny
    assert trainer_main(["calibrate", str(model_path), "--data", str(data), "--max-frames", "24"]) == 0
    assert "wrote" in capsys.readouterr().out
    side = sidecar_path_for(model_path)
    stored = json.loads(side.read_text())
    model = load_model(model_path)
    assert stored["model_sha256"] == model.sha256 and model.calibration.fitted
    assert list(stored["poses_per_group"]) == ["bd"] and "mm" in stored["held_out_subjects_excluded"]
    assert stored["command"] == f"poseexplorer-train calibrate {model_path} --data {data} --max-frames 24"
    assert stored["data"] == str(data)
    assert stored["pairs"] > 100 and len(stored["knots_p"]) >= 2
    p = np.linspace(0, 1, 101)
    conf = model.confidence(p)
    assert np.all(np.diff(conf) >= 0) and conf.min() >= 0 and conf.max() <= 1


def test_calibrate_cli_reports_bad_input(tiny, tmp_path, capsys):
    model_path, data = tiny
    only_mm = tmp_path / "mm.npz"
    save_dataset(synthetic_dataset(["mm"], 1, frames=30, seed=4), only_mm)
    assert trainer_main(["calibrate", str(model_path), "--data", str(only_mm), "--out", str(tmp_path / "c.json")]) == 1
    assert "no training subjects left" in capsys.readouterr().err and not (tmp_path / "c.json").exists()
    assert trainer_main(["calibrate", str(tmp_path / "missing.safetensors"), "--data", str(data)]) == 1
    assert "missing.safetensors" in capsys.readouterr().err


def test_calibrate_job_can_be_cancelled(tiny):
    model_path, data = tiny
    with pytest.raises(Cancelled):
        calibrate_job(model_path, data, FitSettings(max_frames=24))(no_progress, lambda: True)


def test_calibration_section_reports_raw_and_calibrated_ece(tmp_path):
    from poseexplorer.embed.calibration import Calibration
    from trainer.evaluation import report
    from trainer.evaluation.mocap_sections import calibration_section
    from trainer.evaluation.retrieval import RetrievalResult

    rng = np.random.default_rng(2)
    results = {}
    for label in ("chest, exact", "all, noisy"):
        p = rng.uniform(0.05, 0.95, (300, 20))
        results[label] = RetrievalResult(label, {1: np.zeros(300, bool)}, np.zeros((2, 2)), p, rng.random(p.shape) < p**2)
    squared = Calibration(tuple(np.linspace(0, 1, 21)), tuple(np.linspace(0, 1, 21) ** 2))
    sec = calibration_section(results, tmp_path, squared)
    p_all = np.concatenate([r.top_score.ravel() for r in results.values()])
    m_all = np.concatenate([r.top_match.ravel() for r in results.values()])
    n, raw, cal = sec.ece["pooled"]
    assert n == 12000 and raw == pytest.approx(expected_calibration_error(p_all, m_all))
    assert cal == pytest.approx(expected_calibration_error(squared.apply(p_all), m_all)) and cal < raw / 3
    assert sec.figure.stat().st_size > 5000 and set(sec.calibrated) == set(sec.raw)
    text = report.calibration_markdown(sec, "note about the map")
    assert f"| pooled | 12000 | {raw:.3f} | {cal:.3f} |" in text and "note about the map" in text
    assert "mean confidence" in text

    plain = calibration_section(results, tmp_path / "plain")
    assert plain.calibrated == {} and np.isnan(plain.ece["pooled"][2])
    assert "| pooled | 12000 | " in report.calibration_markdown(plain) and "n/a |" in report.calibration_markdown(plain)


def test_quantile_bins_match_a_loop():
    from trainer.calibration_fit import quantile_bins

    rng = np.random.default_rng(4)
    p = rng.uniform(0, 1, 1003)
    m = rng.random(1003) < p
    mean_p, rate, count = quantile_bins(Pairs(p, m), 10)
    order = np.argsort(p)
    start = 0
    for b in range(10):
        size = 1003 // 10 + (1 if b < 1003 % 10 else 0)
        chunk = order[start:start + size]
        start += size
        assert count[b] == size and mean_p[b] == pytest.approx(p[chunk].mean()) and rate[b] == pytest.approx(m[chunk].mean())
    assert np.all(np.diff(mean_p) > 0) and count.sum() == 1003
