"""Confidence calibration map: validation, monotone and bounded apply (against a per-element loop), JSON
round trip, and the sidecar that load_model picks up only when its sha256 matches the weights."""
from __future__ import annotations

import json

import numpy as np
import pytest

from poseexplorer.embed.calibration import (IDENTITY, Calibration, CalibrationError, read_calibration,
                                            sidecar_path_for, write_calibration)
from poseexplorer.embed.model import load_model
from tests.embed.test_model import write


def random_calibration(rng: np.random.Generator, n: int) -> Calibration:
    p = np.sort(rng.choice(np.linspace(0.0, 1.0, 1001), n, replace=False))
    return Calibration(tuple(p), tuple(np.sort(rng.uniform(0, 1, n))))


def slow_apply(cal: Calibration, x: float) -> float:
    """Obvious piecewise-linear interpolation, one value at a time; constant beyond the end knots."""
    p, r = cal.knots_p, cal.knots_rate
    if x <= p[0]:
        return r[0]
    if x >= p[-1]:
        return r[-1]
    for i in range(len(p) - 1):
        if p[i] <= x <= p[i + 1]:
            t = (x - p[i]) / (p[i + 1] - p[i])
            return r[i] + t * (r[i + 1] - r[i])
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(5))
def test_apply_is_monotone_bounded_and_matches_a_loop(seed):
    rng = np.random.default_rng(seed)
    cal = random_calibration(rng, int(rng.integers(2, 40)))
    x = np.sort(rng.uniform(-0.3, 1.3, 2000))
    y = cal.apply(x)
    assert y.shape == x.shape and np.all(np.diff(y) >= 0) and y.min() >= 0 and y.max() <= 1
    np.testing.assert_allclose(y, [slow_apply(cal, float(v)) for v in x], atol=1e-12)
    assert cal.apply(float(x[3])) == pytest.approx(y[3]) and isinstance(cal.apply(0.5), float)
    assert cal.apply(x.reshape(40, 50)).shape == (40, 50)
    assert np.isnan(cal.apply(np.array([np.nan, 0.5]))[0])


@pytest.mark.parametrize("p, r, why", [
    ((0.2, 0.2), (0.1, 0.3), "strictly increasing"),
    ((0.1, 0.5, 0.4), (0.1, 0.2, 0.3), "strictly increasing"),
    ((0.1, 0.9), (0.5, 0.4), "non-decreasing"),
    ((0.1, 1.2), (0.1, 0.2), r"\[0, 1\]"),
    ((0.1, 0.9), (-0.1, 0.2), r"\[0, 1\]"),
    ((0.5,), (0.5,), ">= 2 knots"),
    ((0.1, 0.5), (0.1, 0.2, 0.3), ">= 2 knots"),
    ((0.1, float("nan")), (0.1, 0.2), "finite"),
])
def test_bad_knots_are_rejected(p, r, why):
    with pytest.raises(ValueError, match=why):
        Calibration(p, r)


def test_dict_round_trip_keeps_knots_and_info(tmp_path):
    cal = Calibration((0.05, 0.5, 0.95), (0.1, 0.15, 0.4), info={"model_sha256": "ab" * 32, "data": "x.npz"})
    back = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert back == cal and back.info == cal.info and back.fitted
    with pytest.raises(ValueError, match="not a calibration"):
        Calibration.from_dict({"knots_p": [0, 1], "knots_rate": [0, 1]})
    assert IDENTITY.apply(0.37) == pytest.approx(0.37) and not IDENTITY.fitted


def test_load_model_uses_a_matching_sidecar_and_rejects_another_models(tmp_path):
    path = write(tmp_path)
    model = load_model(path)
    assert model.calibration is IDENTITY and model.confidence(0.8) == pytest.approx(0.8)  # absent: raw P
    side = sidecar_path_for(path)
    assert side.name == "m.calibration.json"
    cal = Calibration((0.1, 0.9), (0.05, 0.35), info={"model_sha256": model.sha256})
    write_calibration(side, cal)
    calibrated = load_model(path)
    assert calibrated.calibration == cal and calibrated.calibration.fitted
    np.testing.assert_allclose(calibrated.confidence(np.array([0.1, 0.5, 0.9])), [0.05, 0.2, 0.35])

    write_calibration(side, Calibration((0.1, 0.9), (0.05, 0.35), info={"model_sha256": "f" * 64}))
    with pytest.raises(CalibrationError, match="belongs to model sha256 ffffffffffff.*calibrate"):
        read_calibration(side, model.sha256)
    with pytest.warns(UserWarning, match="ignoring the calibration.*m.calibration.json.*belongs to model"):
        wrong = load_model(path)
    assert wrong.calibration is IDENTITY

    side.write_text("{not json")
    with pytest.warns(UserWarning, match="unreadable calibration"):
        assert load_model(path).calibration is IDENTITY
