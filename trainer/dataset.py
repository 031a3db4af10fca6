"""The cached pose dataset written by `poseexplorer-train prepare` and read by training and evaluation.

One .npz (no pickle) with keys:
  poses        (N, 17, 3) float32  metres, world y up, right-handed, H36M-17 order
                                   (poseexplorer.core.skeleton.H36M17_NAMES)
  subject      (N,) str            subject of each pose (HDM05 actor code, or cmu_<style>_<file>)
  clip         (N,) int32          index into clip_names
  frame        (N,) int32          frame index within its clip at the output fps
  clip_names   (C,) str            clip (file) names
  clip_action  (C,) str            motion class ('' when unknown)
  clip_subject (C,) str
  fps          ()   float          frame rate of `frame`
  nose         (N, 3) float32      optional: a nose estimate per pose (present when every clip had one)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REQUIRED_KEYS = ("poses", "subject", "clip", "frame", "clip_names", "clip_action", "clip_subject", "fps")


class DatasetError(ValueError):
    """A dataset file that is missing, damaged or not in this format; the message names the file."""


@dataclass(frozen=True)
class PoseDataset:
    """Poses from many clips (see the module docstring for the arrays and their shapes)."""

    poses: np.ndarray
    subject: np.ndarray
    clip: np.ndarray
    frame: np.ndarray
    clip_names: np.ndarray
    clip_action: np.ndarray
    clip_subject: np.ndarray
    fps: float
    nose: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        poses = np.asarray(self.poses, dtype=np.float32)
        n = len(poses)
        if poses.ndim != 3 or poses.shape[1:] != (17, 3):
            raise ValueError(f"poses must be (N, 17, 3), got {poses.shape}")
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("poses", poses)
        for key, dtype in (("subject", str), ("clip", np.int32), ("frame", np.int32)):
            arr = np.asarray(getattr(self, key)).astype(dtype)
            if arr.shape != (n,):
                raise ValueError(f"{key} must be ({n},), got {arr.shape}")
            set_(key, arr)
        c = len(np.asarray(self.clip_names))
        for key in ("clip_names", "clip_action", "clip_subject"):
            arr = np.asarray(getattr(self, key)).astype(str)
            if arr.shape != (c,):
                raise ValueError(f"{key} must be ({c},), got {arr.shape}")
            set_(key, arr)
        if n and (self.clip.min() < 0 or self.clip.max() >= c):
            raise ValueError(f"clip indices must lie in [0, {c}), got [{self.clip.min()}, {self.clip.max()}]")
        if self.nose is not None:
            nose = np.asarray(self.nose, dtype=np.float32)
            if nose.shape != (n, 3):
                raise ValueError(f"nose must be ({n}, 3), got {nose.shape}")
            set_("nose", nose)
        set_("fps", float(self.fps))

    def __len__(self) -> int:
        return len(self.poses)

    def select(self, mask_or_index: np.ndarray) -> "PoseDataset":
        """The poses picked by a boolean mask or index array (clip tables unchanged)."""
        idx = np.asarray(mask_or_index)
        return PoseDataset(self.poses[idx], self.subject[idx], self.clip[idx], self.frame[idx], self.clip_names,
                           self.clip_action, self.clip_subject, self.fps,
                           None if self.nose is None else self.nose[idx])

    @property
    def subjects(self) -> list[str]:
        """Distinct subjects, sorted."""
        return sorted(set(self.subject.tolist()))

    @property
    def action(self) -> np.ndarray:
        """(N,) str: the action of each pose's clip."""
        return self.clip_action[self.clip]


def split_by_subject(ds: PoseDataset, subjects: list[str] | tuple[str, ...]) -> tuple[PoseDataset, PoseDataset]:
    """(poses of the given subjects, all other poses)."""
    mask = np.isin(ds.subject, list(subjects))
    return ds.select(mask), ds.select(~mask)


def save_dataset(ds: PoseDataset, path: Path | str) -> None:
    """Write the dataset .npz (atomically: a temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {k: getattr(ds, k) for k in REQUIRED_KEYS if k != "fps"}
    arrays["fps"] = np.float64(ds.fps)
    if ds.nose is not None:
        arrays["nose"] = ds.nose
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


def load_dataset(path: Path | str) -> PoseDataset:
    """Read a dataset written by save_dataset; DatasetError names the file and what is wrong."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in REQUIRED_KEYS if k not in data.files]
            if missing:
                raise DatasetError(f"{path}: not a pose dataset (missing {', '.join(missing)})")
            arrays = {k: data[k] for k in REQUIRED_KEYS}
            nose = data["nose"] if "nose" in data.files else None
    except DatasetError:
        raise
    except Exception as exc:  # zipfile/OSError/ValueError: truncated or foreign file
        raise DatasetError(f"{path}: cannot read pose dataset ({exc})") from exc
    try:
        return PoseDataset(**{k: v for k, v in arrays.items() if k != "fps"}, fps=float(arrays["fps"]), nose=nose)
    except ValueError as exc:
        raise DatasetError(f"{path}: inconsistent arrays ({exc})") from exc
