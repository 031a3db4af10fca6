"""Sections 1-4 of the results: cross-view retrieval, ambiguity, calibration, embedding size.

Each function takes the evaluation views and models and returns plain results plus figure paths; the
markdown is written by report.py.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from poseexplorer.core.normalize import normalize_2d
from poseexplorer.jobs import Cancelled, CancelCheck, Progress

from . import plots
from .ambiguity import ambiguity
from .calibration import calibration, expected_calibration_error
from .models import ROLES, SIZE_ROLES, ModelSet
from .retrieval import (KeypointScorer, LiftingScorer, PointScorer, ProbabilisticScorer, RetrievalResult,
                        cross_view_retrieval)
from .views import RigViews


DIAGNOSTIC_LABEL = "Pr-VIPE, aug (bundled), ranked by mean distance (diagnostic)"
SAMPLED_LABEL = "Pr-VIPE, aug (bundled), sampled P with K = 20 on a 30-candidate shortlist (diagnostic)"


def scorer_for(role: str, model) -> object:
    kind = ROLES.get(role, ("", "prvipe"))[1]
    label = ROLES.get(role, (role, ""))[0]
    if kind == "lift3d":
        return LiftingScorer(model, name=label)
    if kind == "l2vipe":
        return PointScorer(model, name=label)
    return ProbabilisticScorer(model, name=label)


@dataclass
class RetrievalTable:
    """results[row label][view label] = RetrievalResult; missing[row label] = reason; seconds per row."""

    results: dict[str, dict[str, RetrievalResult]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _check(cancel: CancelCheck) -> None:
    if cancel():
        raise Cancelled()


def retrieval_table(views: list[RigViews], models: ModelSet, matches: np.ndarray,
                    progress: Progress, cancel: CancelCheck) -> RetrievalTable:
    """Every Table 1 row on every rig and condition."""
    table = RetrievalTable()
    rows: list[tuple[str, object]] = [("2D keypoints (Procrustes-aligned)", KeypointScorer())]
    for role, (label, _) in ROLES.items():
        model = models.get(role)
        if model is None:
            table.missing[label] = models.missing.get(role, "not available")
        else:
            rows.append((label, scorer_for(role, model)))
    main = models.get("prvipe_aug")
    if main is not None:  # diagnostics: the same embedding ranked by mean distance, and by sampled P
        rows.append((DIAGNOSTIC_LABEL, PointScorer(main, name=DIAGNOSTIC_LABEL)))
        rows.append((SAMPLED_LABEL, ProbabilisticScorer(main, name=SAMPLED_LABEL, method="sampled")))
    total, done = len(rows) * len(views), 0
    for label, scorer in rows:
        t0 = time.perf_counter()
        table.results[label] = {}
        for v in views:
            _check(cancel)
            if label == SAMPLED_LABEL and v.rig != "chest":
                continue  # the sampled estimator is slow; the chest rig is enough to compare it
            table.results[label][v.label] = cross_view_retrieval(scorer, v.xy, v.scores, matches,
                                                                  max_queries=v.max_queries)
            done += 1
            progress(done, total, f"retrieval {label} {v.label}")
        table.seconds[label] = time.perf_counter() - t0
    return table


def size_table(views: list[RigViews], models: ModelSet, matches: np.ndarray, progress: Progress,
               cancel: CancelCheck, done: dict[str, dict[str, RetrievalResult]] | None = None,
               ) -> tuple[dict[int, dict[str, float]], dict[int, str]]:
    """Hit@1 (percent) of the Pr-VIPE embedding-size variants: {dim: {view label: Hit@1}}, missing.

    done: results already computed in section 1, by row label (reused, not recomputed)."""
    out, missing = {}, {}
    done = done or {}
    for i, (dim, role) in enumerate(SIZE_ROLES.items()):
        model = models.get(role)
        if model is None:
            missing[dim] = models.missing.get(role, "not available")
            continue
        label = ROLES.get(role, (role,))[0]
        scorer = ProbabilisticScorer(model, name=role)
        out[dim] = {}
        for v in views:
            _check(cancel)
            res = done.get(label, {}).get(v.label) or cross_view_retrieval(scorer, v.xy, v.scores, matches,
                                                                           max_queries=v.max_queries)
            out[dim][v.label] = 100.0 * res.hit_at(1)
        progress(i + 1, len(SIZE_ROLES), f"size d={dim}")
    return out, missing


@dataclass(frozen=True)
class AmbiguitySection:
    rho: float
    p_value: float
    n_poses: int
    figure: Path
    gallery: Path
    view_label: str


def ambiguity_section(view: RigViews, model, matches: np.ndarray, out_dir: Path,
                      max_queries: int = 1000) -> AmbiguitySection:
    """Mean sigma vs 2D distance to different-3D neighbours over all cameras of one rig/condition."""
    n_cam, m = view.xy.shape[:2]
    emb = model.embed(view.xy.reshape(-1, 13, 2), view.scores.reshape(-1, 13))
    sigma = np.asarray(emb.stddev).mean(1)
    res = ambiguity(sigma, view.xy, matches, max_queries=max_queries)
    fig = plots.ambiguity_scatter(res.sigma, res.neighbour_2d, res.rho, out_dir / "ambiguity_sigma.png")
    order = np.argsort(sigma)
    norm = normalize_2d(view.xy.reshape(-1, 13, 2))
    most, least = _distinct_frames(order[::-1], m), _distinct_frames(order, m)
    gallery = plots.pose_gallery(
        [("most ambiguous", norm[most], [f"sigma {sigma[i]:.3f}" for i in most]),
         ("least ambiguous", norm[least], [f"sigma {sigma[i]:.3f}" for i in least])],
        f"Most and least ambiguous 2D poses ({view.label} views)", out_dir / "ambiguity_poses.png")
    return AmbiguitySection(res.rho, res.p_value, len(res.query), fig, gallery, view.label)


def _distinct_frames(order: np.ndarray, n_frames: int, count: int = 6) -> np.ndarray:
    """The first `count` flat pose indices of `order` (camera * M + frame) with different frames."""
    seen, out = set(), []
    for i in order:
        if int(i) % n_frames not in seen:
            seen.add(int(i) % n_frames)
            out.append(int(i))
        if len(out) == count:
            break
    return np.asarray(out, dtype=np.int64)


@dataclass(frozen=True)
class CalibrationSection:
    """raw[label] / calibrated[label]: binned reliability of P and of the model's calibrated confidence
    (calibrated is empty when the model has no calibration); ece[label] = (pairs, ECE raw, ECE calibrated
    or NaN); labels include "pooled"."""

    raw: dict
    calibrated: dict
    ece: dict
    figure: Path


def calibration_section(results: dict[str, RetrievalResult], out_dir: Path,
                        confidence_map=None) -> CalibrationSection:
    """Reliability per view label from the Pr-VIPE rows' top-20 (P, true match) pairs, plus pooled.

    confidence_map: a fitted poseexplorer.embed.calibration.Calibration (the model's sidecar) or None."""
    scores = {label: (res.top_score.ravel(), res.top_match.ravel()) for label, res in results.items()}
    scores["pooled"] = (np.concatenate([p for p, _ in scores.values()]),
                        np.concatenate([m for _, m in scores.values()]))
    raw, cal, ece = {}, {}, {}
    for label, (p, m) in scores.items():
        raw[label] = calibration(p, m)
        e_cal = float("nan")
        if confidence_map is not None:
            c = confidence_map.apply(p)
            cal[label] = calibration(c, m, lo=0.0, hi=1.0)
            e_cal = expected_calibration_error(c, m)
        ece[label] = (int(np.isfinite(p).sum()), expected_calibration_error(p, m), e_cal)
    curves = {k: (v.mean_p, v.match_rate, v.count) for k, v in raw.items() if k != "pooled"}
    cal_curves = {k: (v.mean_p, v.match_rate, v.count) for k, v in cal.items() if k != "pooled"} or None
    fig = plots.calibration_plot(curves, out_dir / "calibration.png", calibrated=cal_curves)
    return CalibrationSection(raw, cal, ece, fig)
