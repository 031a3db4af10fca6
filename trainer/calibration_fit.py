"""Fit a model's confidence calibration (P -> true-match rate) on the TRAINING actors only.

Protocol (the evaluation's, docs/results.md sections 1 and 3, on training data instead of held-out mm):
1. group the training poses by actor (HDM05 bd, bk, dg, ...; all CMU clips form one group "cmu"); the
   held-out subjects (default mm) are dropped even if present;
2. per group, evaluation-like frames: one per 0.2 s, a seeded random subset of at most `max_strided`,
   near-duplicates (NP-MPJPE < 0.02) dropped, capped evenly at `max_frames`;
3. project them through the evaluation rigs (chest, all), exact and with detector-like noise
   (trainer.evaluation.views), with noise seeds different from the evaluation's;
4. cross-view retrieval as the app ranks: the sampled K = 20 matching probability P on a mean-distance
   shortlist; every query's top-`keep_top` (P, true match) pairs, true = 3D NP-MPJPE < 0.1;
5. isotonic regression of true match on P (sklearn), stored as knots (poseexplorer.embed.calibration).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from poseexplorer.embed.calibration import Calibration
from poseexplorer.jobs import Cancelled, CancelCheck, Progress

from .evaluation.calibration import expected_calibration_error
from .evaluation.frames import drop_near_duplicates, stride_indices
from .evaluation.retrieval import ProbabilisticScorer, cross_view_retrieval, ground_truth_matches
from .evaluation.views import build_views

#: Added to every noise seed so the fit never reuses the evaluation's corruption draws.
SEED_OFFSET = 7919
#: Knots are stored rounded to this many decimals (far below the fit's statistical error).
KNOT_DECIMALS = 6
#: Quantile bins of P pooled before the isotonic fit (about 15,000 pairs each for the bundled model's fit;
#: on held-out mm 30-2000 bins gave the same ECE, fewer bins keep the top end less optimistic).
FIT_BINS = 100


@dataclass(frozen=True)
class FitSettings:
    """How many poses and pairs the fit uses (defaults: < 3 minutes on one core for the bundled model)."""

    max_frames: int = 450
    max_strided: int = 1200
    rigs: tuple[str, ...] = ("chest", "all")
    all_rig_queries: int = 40
    keep_top: int = 20
    shortlist: int = 60
    held_out: tuple[str, ...] = ("mm",)
    seed: int = 0
    fit_bins: int = FIT_BINS

    def __post_init__(self) -> None:
        if self.max_frames < 2 or self.max_strided < self.max_frames:
            raise ValueError(f"need 2 <= max_frames <= max_strided, got {self.max_frames}, {self.max_strided}")
        if self.fit_bins < 2:
            raise ValueError(f"fit_bins must be >= 2, got {self.fit_bins}")
        if self.keep_top < 1 or self.shortlist < self.keep_top:
            raise ValueError(f"need 1 <= keep_top <= shortlist, got {self.keep_top}, {self.shortlist}")


@dataclass(frozen=True)
class Pairs:
    """Retrieved (query, result) pairs. p: (n,) matching probability; match: (n,) bool true 3D match."""

    p: np.ndarray
    match: np.ndarray

    def __post_init__(self) -> None:
        if np.shape(self.p) != np.shape(self.match) or np.ndim(self.p) != 1:
            raise ValueError(f"Pairs: p {np.shape(self.p)} and match {np.shape(self.match)} must be equal (n,)")


def group_of(subject: str) -> str:
    """The fitting group of a subject: 'cmu_<style>_<file>' -> 'cmu', an HDM05 actor -> itself."""
    return subject.split("_", 1)[0]


def training_groups(subject: np.ndarray, held_out: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Pose indices per group, held-out subjects (and their groups) left out. subject: (N,) str."""
    groups = np.array([group_of(str(s)) for s in subject])
    names = [g for g in dict.fromkeys(groups.tolist()) if g not in held_out]
    return {g: np.flatnonzero((groups == g) & ~np.isin(subject, held_out)) for g in names}


def select_frames(joints: np.ndarray, clip: np.ndarray, frame: np.ndarray, fps: float,
                  rng: np.random.Generator, settings: FitSettings) -> np.ndarray:
    """Evaluation-like frames of one group (indices into its arrays, sorted). joints: (N, 17, 3)."""
    strided = stride_indices(clip, frame, fps)
    if len(strided) > settings.max_strided:
        strided = np.sort(rng.choice(strided, settings.max_strided, replace=False))
    keep = strided[drop_near_duplicates(joints[strided])]
    if len(keep) > settings.max_frames:
        keep = keep[np.linspace(0, len(keep) - 1, settings.max_frames).round().astype(np.int64)]
    return keep


def retrieval_pairs(model, joints: np.ndarray, seed: int, settings: FitSettings,
                    cancel: CancelCheck = lambda: False) -> Pairs:
    """Top-`keep_top` pairs of every rig and condition for (M, 17, 3) poses, ranked by the sampled P."""
    matches = ground_truth_matches(joints)
    views = build_views(joints, rigs=settings.rigs, seed=seed,
                        max_queries={"all": settings.all_rig_queries})
    scorer = ProbabilisticScorer(model, name="calibration", method="sampled", shortlist=settings.shortlist)
    ps, ms = [], []
    for v in views:
        if cancel():
            raise Cancelled()
        res = cross_view_retrieval(scorer, v.xy, v.scores, matches, ks=(1,), keep_top=settings.keep_top,
                                   max_queries=v.max_queries)
        ps.append(res.top_score.ravel())
        ms.append(res.top_match.ravel())
    p, m = np.concatenate(ps), np.concatenate(ms)
    ok = np.isfinite(p)
    return Pairs(p[ok], m[ok])


def quantile_bins(pairs: Pairs, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs sorted by P and cut into `bins` nearly equal groups -> (mean P, match rate, count), each (B,)."""
    order = np.argsort(pairs.p, kind="stable")
    groups = [g for g in np.array_split(order, min(bins, len(order))) if len(g)]
    p = np.array([pairs.p[g].mean() for g in groups])
    rate = np.array([pairs.match[g].mean() for g in groups])
    return p, rate, np.array([len(g) for g in groups], dtype=np.float64)


def fit_isotonic(pairs: Pairs, bins: int = FIT_BINS) -> Calibration:
    """Non-decreasing least-squares fit of the true-match rate on P, as knots (sklearn IsotonicRegression).

    The pairs are first pooled into `bins` quantile bins of P (count-weighted), so no knot rests on a
    handful of pairs at the extremes of P (an unpooled fit put rate 1.0 on the top 10 training pairs)."""
    from sklearn.isotonic import IsotonicRegression

    if len(pairs.p) < 2 or np.ptp(pairs.p) <= 0:
        raise ValueError(f"need pairs with at least two distinct P values to fit, got {len(pairs.p)} pairs")
    x, rate, weight = quantile_bins(pairs, bins)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    iso.fit(x, rate, sample_weight=weight)
    x = np.round(np.clip(np.asarray(iso.X_thresholds_, np.float64), 0.0, 1.0), KNOT_DECIMALS)
    y = np.round(np.clip(np.asarray(iso.y_thresholds_, np.float64), 0.0, 1.0), KNOT_DECIMALS)
    x, first = np.unique(x, return_index=True)  # rounding can merge neighbours; keep one knot per P
    y = np.maximum.accumulate(y[first])
    if len(x) == 1:  # a constant fit: one flat segment over the data's range
        x = np.round([pairs.p.min(), pairs.p.max()], KNOT_DECIMALS)
        x[1] = max(x[1], x[0] + 10.0**-KNOT_DECIMALS)
        y = np.repeat(y, 2)
    return Calibration(tuple(x), tuple(y))


def collect_training_pairs(model, data: Path, settings: FitSettings, progress: Progress,
                           cancel: CancelCheck) -> tuple[Pairs, dict]:
    """Pairs over every training group of a cached dataset; also a summary of what was used."""
    from trainer.dataset import load_dataset

    ds = load_dataset(data)
    groups = training_groups(ds.subject, settings.held_out)
    if not groups:
        raise ValueError(f"{data}: no training subjects left after leaving out {list(settings.held_out)}")
    rng = np.random.default_rng(settings.seed)
    parts, used = [], {}
    for i, (name, idx) in enumerate(groups.items()):
        progress(i, len(groups), f"group {name}")
        keep = idx[select_frames(ds.poses[idx], ds.clip[idx], ds.frame[idx], ds.fps, rng, settings)]
        if len(keep) < 2:
            continue
        parts.append(retrieval_pairs(model, ds.poses[keep].astype(np.float64),
                                     settings.seed + SEED_OFFSET * (i + 1), settings, cancel))
        used[name] = int(len(keep))
    progress(len(groups), len(groups), "pairs collected")
    if not parts:
        raise ValueError(f"{data}: too few poses in every training group to fit a calibration")
    pairs = Pairs(np.concatenate([p.p for p in parts]), np.concatenate([p.match for p in parts]))
    return pairs, {"poses_per_group": used, "pairs": int(len(pairs.p)), "true_rate": float(pairs.match.mean())}


def calibrate_job(model_path: Path, data: Path, settings: FitSettings = FitSettings(), command: str = ""):
    """job(progress, cancel) -> Calibration of the model at `model_path`, fitted on `data` (training only)."""
    def job(progress: Progress, cancel: CancelCheck) -> Calibration:
        from poseexplorer.embed.model import load_model

        model = load_model(model_path)
        if model.kind != "prvipe":
            raise ValueError(f"{model_path}: calibration needs a Pr-VIPE model (matching probability), "
                             f"this one is {model.kind!r}")
        pairs, summary = collect_training_pairs(model, Path(data), settings, progress, cancel)
        cal = fit_isotonic(pairs, settings.fit_bins)
        info = {"model_sha256": model.sha256, "model_file": Path(model_path).name, "data": str(data),
                "held_out_subjects_excluded": list(settings.held_out), "settings": _jsonable(settings),
                "protocol": "sampled K=20 P on a mean-distance shortlist; top results of cross-view retrieval "
                            "through the evaluation rigs (exact + detector noise); true match = 3D NP-MPJPE < 0.1",
                **summary, "train_ece_raw": expected_calibration_error(pairs.p, pairs.match),
                "train_ece_calibrated": expected_calibration_error(cal.apply(pairs.p), pairs.match),
                "command": command, "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        return replace(cal, info=info)
    return job


def _jsonable(settings: FitSettings) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(settings).items()}
