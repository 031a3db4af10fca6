"""The whole evaluation as one headless job: sections run in order, docs/results.md is rewritten after
each one (so finished sections land even if a later one fails), and a section that cannot run is
reported with its reason instead of stopping the rest.
"""
from __future__ import annotations

import datetime as _dt
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from poseexplorer.jobs import Cancelled, CancelCheck, Progress, never_cancel, no_progress

from . import report
from .data import MocapFrames, load_frames
from .frames import evaluation_frames
from .models import ROLES, SIZE_ROLES, load_models
from .retrieval import ground_truth_matches
from .rigs import RIGS
from .views import build_views

SECTIONS = ("retrieval", "ambiguity", "calibration", "size", "sequences", "footage", "footage3d")
#: sections that need the held-out mocap set (--val-set)
MOCAP_SECTIONS = ("retrieval", "ambiguity", "calibration", "size", "sequences")
TITLES = {
    "retrieval": "1. Cross-view retrieval (Hit@k, held-out actor mm)",
    "ambiguity": "2. Ambiguity: sigma against 2D look-alikes",
    "calibration": "3. Confidence calibration",
    "size": "4. Embedding size",
    "sequences": "5. Sequences (held-out actor mm)",
    "footage": "6. Real footage (pose2sim, 4 views)",
    "footage3d": "7. Real footage judged by triangulated 3D, with stressed queries (pose2sim, 4 views)",
}


STANDING_NOTE = ("The held-out actor mm is validation data: nothing in this evaluation is tuned on it. Variant models "
                 "trained for this document had no validation set and are exported at their last step; a model "
                 "whose card lists mm as validation data (table below) used it to pick its checkpoint or stop "
                 "early, which favours it slightly on these numbers.")


@dataclass(frozen=True)
class EvalConfig:
    """Inputs of one evaluation run. quick: few frames and cameras (CI, smoke runs)."""

    model: Path
    out: Path
    data: Path
    val_set: Path | None = None
    seq_set: Path | None = None
    variants: Path | None = None
    cache: Path = Path("eval-cache")
    quick: bool = False
    seed: int = 0
    max_frames: int | None = None
    all_rig_queries: int | None = 120
    footage_frames: int | None = None
    sections: tuple[str, ...] = SECTIONS
    command: str = "poseexplorer-train eval"
    notes: tuple[str, ...] = ()
    extra_models: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        bad = [s for s in self.sections if s not in SECTIONS]
        if bad:
            raise ValueError(f"unknown sections {bad}; choose from {SECTIONS}")
        if self.val_set is None and self.needs_mocap:
            raise ValueError(f"sections {[s for s in self.sections if s in MOCAP_SECTIONS]} need --val-set "
                             "(the held-out actor's dataset from `poseexplorer-train prepare`)")

    @property
    def needs_mocap(self) -> bool:
        return any(s in MOCAP_SECTIONS for s in self.sections)

    @property
    def frame_cap(self) -> int | None:
        return self.max_frames if self.max_frames is not None else (16 if self.quick else None)


@dataclass
class EvalState:
    """What the sections share and what the report shows."""

    config: EvalConfig
    models: object = None
    frames: MocapFrames | None = None
    eval_index: np.ndarray | None = None
    matches: np.ndarray | None = None
    views: list = field(default_factory=list)
    retrieval: object = None
    parts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    #: the parts of the results.md found before this run (report.split_sections), for sections not rerun
    previous: dict[str, str] = field(default_factory=dict)

    @property
    def figures(self) -> Path:
        return self.config.out


def prepare(state: EvalState) -> None:
    """Load models and the held-out frames, choose evaluation frames, project through both rigs."""
    cfg = state.config
    state.models = load_models(cfg.model, cfg.variants)
    if not cfg.needs_mocap:
        return
    state.frames = load_frames(cfg.val_set)
    idx = evaluation_frames(state.frames.joints, state.frames.clip, state.frames.frame, state.frames.fps,
                            max_frames=cfg.frame_cap)
    state.eval_index = idx
    joints = state.frames.joints[idx]
    state.matches = ground_truth_matches(joints)
    state.views = build_views(joints, seed=cfg.seed, max_queries={"all": cfg.all_rig_queries})


def _write(state: EvalState) -> Path:
    cfg = state.config
    models = {role: (state.models.paths[role], state.models.models[role].sha256)
              for role in state.models.models} if state.models else {}
    data = [f"held-out mocap: `{cfg.val_set}` (HDM05 actor mm; validation only, never used for tuning)"] \
        if cfg.val_set is not None else []
    if state.frames is not None and state.eval_index is not None:
        data.append(f"evaluation frames: {len(state.eval_index)} of {len(state.frames)} mm poses "
                    f"(one per 0.2 s = every 10th frame at 50 fps, then NP-MPJPE < 0.02 duplicates dropped"
                    + (f", capped at {cfg.frame_cap}" if cfg.frame_cap else "") + ")")
    if cfg.seq_set:
        data.append(f"sequences: `{cfg.seq_set}` (all 4 HDM05 actors, {'30'} fps, no dedup)")
    data.append(f"real footage: `{cfg.data / 'media' / 'pose2sim_4views'}`")
    date = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    previous = state.previous
    notes = ([STANDING_NOTE] if cfg.needs_mocap or previous else []) + state.notes
    path = cfg.out / "results.md"
    kept = [n for n in SECTIONS if n not in cfg.sections and n in previous]
    if kept:
        notes.append(f"Sections {', '.join(TITLES[n].split('.')[0] for n in kept)} are kept from the previous run "
                     f"of this file (not rerun by this command); the models they evaluated: "
                     f"{previous.get('_models', '?')}; the command that made them: `{previous.get('_origin', '?')}`).")
    text = report.header(cfg.command, models, data, date, notes)
    if state.models and state.models.models and cfg.needs_mocap:
        text += "\n### Training of the evaluated models\n\n" + report.training_markdown(state.models.models)
    elif "_training" in previous and kept:
        text += "\n### Training of the evaluated models (previous run)\n\n" + previous["_training"]
    for name in SECTIONS:
        text += f"\n## {TITLES[name]}\n\n"
        if name in state.parts:
            text += state.parts[name]
        elif name in kept:
            text += previous[name]
        else:
            text += report.not_run("not requested in this run" if name not in cfg.sections else "did not finish")
    cfg.out.mkdir(parents=True, exist_ok=True)
    path.write_text(report.relative_paths(text, Path.cwd()))
    return path


def run_evaluation(cfg: EvalConfig, progress: Progress = no_progress, cancel: CancelCheck = never_cancel,
                   runners: dict | None = None) -> Path:
    """Run every requested section; returns the path of results.md."""
    from .section_runners import RUNNERS

    runners = runners or RUNNERS
    state = EvalState(cfg, notes=list(cfg.notes))
    old = cfg.out / "results.md"
    state.previous = report.split_sections(old.read_text(), TITLES) if old.exists() else {}
    prepare(state)
    for i, name in enumerate(SECTIONS):
        if name not in cfg.sections:
            continue
        if cancel():
            raise Cancelled()
        t0 = time.perf_counter()
        try:
            state.parts[name] = runners[name](state, progress, cancel)
        except Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - one failing section must not lose the others
            state.parts[name] = report.not_run(f"{type(exc).__name__}: {exc}")
            print(f"section {name} failed:\n{traceback.format_exc()}", file=sys.stderr)
        state.seconds[name] = time.perf_counter() - t0
        state.parts[name] += f"\n(section time: {state.seconds[name]:.0f} s)\n"
        _write(state)
        progress(i + 1, len(SECTIONS), f"section {name} done")
    return _write(state)


__all__ = ["EvalConfig", "run_evaluation", "SECTIONS", "ROLES", "SIZE_ROLES", "RIGS"]
