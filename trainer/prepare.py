"""The `prepare` job, headless: walk folders, load every clip, resample, deduplicate, write one dataset file."""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from poseexplorer.jobs import Cancelled, CancelCheck, Progress

from .dataset import PoseDataset, save_dataset
from .mocap import CLIP_SUFFIXES, Clip, MocapError, clip_labels, load_clip, resample_clip
from .mocap.dedup import dedup_indices
from .mocap.cmu_joints import is_cmu_joints_file, load_cmu_joints

FRAMERATE_FILE = "readme_framerates.txt"


@dataclass(frozen=True)
class PrepareOptions:
    """What `prepare` keeps and how. fps_overrides: folder name or file stem -> true frame rate."""

    fps: float = 30.0
    subjects: tuple[str, ...] = ()
    exclude_subjects: tuple[str, ...] = ()
    dedup: float = 0.02
    fps_overrides: dict[str, float] = field(default_factory=dict)
    mapping: dict | None = None
    metres_per_unit: float | None = None  # BVH units; None = guessed from the skeleton's height
    min_frames: int = 2


@dataclass
class PrepareReport:
    """What happened: clips used, files skipped with the reason, counts and time."""

    clips: int = 0
    poses_before_dedup: int = 0
    poses: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def read_framerate_file(path: Path) -> dict[str, float]:
    """Parse lines like 'salsa  framerate 60' (CMU dance readme) into {'salsa': 60.0}."""
    out = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].lower() == "framerate":
            try:
                out[parts[0]] = float(parts[2])
            except ValueError:
                continue
    return out


def collect_files(inputs: list[Path]) -> tuple[list[Path], dict[str, float]]:
    """Clip files under the inputs (sorted, deduplicated) and frame rates from any readme_framerates.txt."""
    files: list[Path] = []
    rates: dict[str, float] = {}
    for p in inputs:
        p = Path(p)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix.lower() in CLIP_SUFFIXES and f.is_file())
            for rate_file in [*p.rglob(FRAMERATE_FILE), *([p.parent / FRAMERATE_FILE] if p.parent else [])]:
                if rate_file.is_file():
                    rates.update(read_framerate_file(rate_file))
        else:
            files.append(p)
            if (p.parent.parent / FRAMERATE_FILE).is_file():
                rates.update(read_framerate_file(p.parent.parent / FRAMERATE_FILE))
    return list(dict.fromkeys(files)), rates


def fps_for(path: Path, overrides: dict[str, float]) -> float | None:
    """The override matching the file stem or any folder on its path (innermost first), else None."""
    for key in (path.stem, *(part for part in reversed(path.parent.parts))):
        if key in overrides:
            return overrides[key]
    return None


def subject_wanted(subject: str, options: PrepareOptions) -> bool:
    if options.subjects and subject not in options.subjects:
        return False
    return subject not in options.exclude_subjects


def wanted(path: Path, options: PrepareOptions) -> bool:
    """Decide from the path before loading; NPZ files carry their subject inside, so they are checked later."""
    return path.suffix.lower() == ".npz" or subject_wanted(clip_labels(path)[0], options)


def _assemble(clips: list[Clip], kept: list[np.ndarray], fps: float) -> PoseDataset:
    poses = np.concatenate([c.joints[k] for c, k in zip(clips, kept)]) if clips else np.zeros((0, 17, 3))
    with_nose = bool(clips) and all(c.nose is not None for c in clips)
    return PoseDataset(
        poses=poses,
        subject=np.concatenate([[c.subject] * len(k) for c, k in zip(clips, kept)]) if clips else np.zeros(0, str),
        clip=np.concatenate([np.full(len(k), i) for i, k in enumerate(kept)]) if clips else np.zeros(0, int),
        frame=np.concatenate(kept) if clips else np.zeros(0, int),
        clip_names=np.array([c.name for c in clips], dtype=str),
        clip_action=np.array([c.action for c in clips], dtype=str),
        clip_subject=np.array([c.subject for c in clips], dtype=str),
        fps=fps,
        nose=np.concatenate([c.nose[k] for c, k in zip(clips, kept)]) if with_nose else None,
    )


def load_clips(path: Path, options: PrepareOptions, overrides: dict[str, float]) -> list[Clip]:
    """The clips of one file at options.fps: one for a clip file, many for a CMU joints archive."""
    if is_cmu_joints_file(path):
        raw = load_cmu_joints(path, set(options.subjects) or None, set(options.exclude_subjects))
    else:
        raw = [load_clip(path, fps=fps_for(path, overrides), mapping=options.mapping,
                         metres_per_unit=options.metres_per_unit)]
    return [resample_clip(c, options.fps) for c in raw]


def prepare_dataset(inputs: list[Path], out: Path, options: PrepareOptions, progress: Progress,
                    cancel: CancelCheck, log: Callable[[str], None] = print) -> PrepareReport:
    """Load, resample, deduplicate and write every wanted clip under `inputs` to `out` (a job)."""
    start = time.perf_counter()
    files, rates = collect_files(inputs)
    overrides = {**rates, **options.fps_overrides}
    files = [f for f in files if wanted(f, options) and f.resolve() != Path(out).resolve()]
    report = PrepareReport()
    clips: list[Clip] = []
    kept: list[np.ndarray] = []
    for i, path in enumerate(files):
        if cancel():
            raise Cancelled("prepare cancelled; nothing written")
        progress(i, len(files), path.name)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                loaded = load_clips(path, options, overrides)
            for w in caught:
                log(f"warning: {w.message}")
        except (MocapError, OSError, ValueError) as exc:
            report.skipped.append((str(path), str(exc)))
            log(f"skipped {path}: {exc}")
            continue
        for clip in loaded:
            if not subject_wanted(clip.subject, options):
                continue
            if len(clip) < options.min_frames:
                report.skipped.append((f"{path}:{clip.name}", f"only {len(clip)} frame(s)"))
                log(f"skipped {path}:{clip.name}: only {len(clip)} frame(s) at {options.fps:g} fps")
                continue
            clips.append(clip)
            kept.append(dedup_indices(clip.joints, options.dedup))
            report.poses_before_dedup += len(clip)
    progress(len(files), len(files), "writing")
    ds = _assemble(clips, kept, options.fps)
    save_dataset(ds, out)
    report.clips, report.poses, report.seconds = len(clips), len(ds), time.perf_counter() - start
    return report
