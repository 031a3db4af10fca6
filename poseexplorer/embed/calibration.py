"""Confidence calibration: a monotone map from the matching probability P to the rate of true matches.

Pr-VIPE's P is over-confident as a retrieval confidence (docs/results.md section 3). `poseexplorer-train
calibrate` fits, on training actors only, the fraction of retrieved pairs whose 3D poses match (NP-MPJPE
< 0.1) as a non-decreasing function of P, and stores its knots next to the model as
`<name>.calibration.json` with the weights' sha256. Applying it is a piecewise-linear interpolation over
the knots (numpy only; fitting lives in trainer/calibration_fit.py).

    cal = Calibration(knots_p=(0.05, 0.9), knots_rate=(0.1, 0.4))
    cal.apply(np.array([0.5]))        # -> [0.26]; below/above the knots the end values are kept
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SUFFIX = ".calibration.json"
FORMAT = "poseexplorer-calibration-1"
#: What the calibrated number means, for labels and tooltips.
MEANING = "calibrated probability that the 3D poses match (NP-MPJPE <= 0.1)"


class CalibrationError(ValueError):
    """A calibration file that is unreadable, malformed or belongs to another model; names the file."""


@dataclass(frozen=True)
class Calibration:
    """Knots of a monotone map P -> true-match rate.

    knots_p: (n,) strictly increasing P values in [0, 1]; knots_rate: (n,) non-decreasing rates in [0, 1];
    n >= 2. fitted: False for the identity stand-in of an uncalibrated model. info: provenance (model
    sha256, data, command), kept as given.
    """

    knots_p: tuple[float, ...]
    knots_rate: tuple[float, ...]
    fitted: bool = True
    info: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        p = np.asarray(self.knots_p, dtype=np.float64)
        r = np.asarray(self.knots_rate, dtype=np.float64)
        if p.ndim != 1 or r.shape != p.shape or len(p) < 2:
            raise ValueError(f"calibration needs two equal-length lists of >= 2 knots, got {p.shape} and {r.shape}")
        if not (np.isfinite(p).all() and np.isfinite(r).all()):
            raise ValueError("calibration knots must be finite")
        if p.min() < 0 or p.max() > 1 or r.min() < 0 or r.max() > 1:
            raise ValueError("calibration knots must lie in [0, 1]")
        if np.any(np.diff(p) <= 0):
            raise ValueError("calibration knots_p must be strictly increasing")
        if np.any(np.diff(r) < 0):
            raise ValueError("calibration knots_rate must be non-decreasing (the map must keep the ranking)")
        object.__setattr__(self, "knots_p", tuple(float(x) for x in p))
        object.__setattr__(self, "knots_rate", tuple(float(x) for x in r))

    def apply(self, p):
        """Calibrated confidence of P (scalar or array, any shape); monotone, in [0, 1]. NaN stays NaN."""
        x = np.asarray(p, dtype=np.float64)
        out = np.interp(x, self.knots_p, self.knots_rate)
        out = np.where(np.isnan(x), np.nan, out)
        return float(out) if np.ndim(p) == 0 else out

    def to_dict(self) -> dict:
        return {"format": FORMAT, **self.info, "knots_p": list(self.knots_p), "knots_rate": list(self.knots_rate)}

    @classmethod
    def from_dict(cls, data: dict) -> "Calibration":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a calibration (format {data.get('format') if isinstance(data, dict) else None!r}, "
                             f"expected {FORMAT!r})")
        info = {k: v for k, v in data.items() if k not in ("format", "knots_p", "knots_rate")}
        return cls(tuple(data["knots_p"]), tuple(data["knots_rate"]), True, info)


#: The stand-in for a model without a calibration: shows raw P, flagged as not fitted.
IDENTITY = Calibration((0.0, 1.0), (0.0, 1.0), fitted=False)


def sidecar_path_for(weights: str | Path) -> Path:
    """assets/prvipe.safetensors -> assets/prvipe.calibration.json."""
    weights = Path(weights)
    return weights.with_name(weights.name.removesuffix(".safetensors") + SUFFIX)


def read_calibration(path: str | Path, sha256: str) -> Calibration:
    """Read a calibration file and check it belongs to the weights with this sha256 (CalibrationError if not)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        cal = Calibration.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CalibrationError(f"{path}: unreadable calibration: {exc}") from exc
    own = cal.info.get("model_sha256")
    if own != sha256:
        raise CalibrationError(f"{path}: calibration belongs to model sha256 {str(own)[:12]}..., not to these "
                               f"weights ({sha256[:12]}...); rerun `poseexplorer-train calibrate` for this model")
    return cal


def calibration_for(weights: str | Path, sha256: str) -> Calibration:
    """The sidecar calibration of a weights file, or IDENTITY (with a warning when a sidecar was rejected)."""
    path = sidecar_path_for(weights)
    if not path.is_file():
        return IDENTITY
    try:
        return read_calibration(path, sha256)
    except CalibrationError as exc:
        warnings.warn(f"ignoring the calibration: {exc}", stacklevel=2)
        return IDENTITY


def write_calibration(path: str | Path, cal: Calibration) -> Path:
    """Write a calibration as JSON (via a temporary file, so a failed write leaves the old one)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(cal.to_dict(), indent=2) + "\n")
    tmp.replace(path)
    return path
