"""One entry point for any clip file: BVH, ASF/AMC or NPZ -> Clip (metres, y up, right-handed, H36M-17)."""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from .asf_amc import load_asf_amc
from .bvh import load_bvh
from .clip import Clip
from .convention import forward_from_toes, left_side_fraction
from .mapping import apply_mapping, h36m_joints, mapping_for
from .npz import load_npz
from .skeleton_motion import MocapError, SkeletonMotion

CLIP_SUFFIXES = (".bvh", ".amc", ".npz")
CMU_DANCE_STYLES = ("salsa", "indian", "martial")
_HDM05 = re.compile(r"HDM_([a-z]{2})_(.+?)_(\d+)_(\d+)$")
_CMU_AMC = re.compile(r"(\d+)_\d+$")


def clip_labels(path: Path) -> tuple[str, str]:
    """(subject, action) from a file path: HDM05 names, CMU dance folders, CMU AMC names (NN_MM), else (stem, '')."""
    m = _HDM05.match(path.stem)
    if m:
        return m.group(1), m.group(2)
    m = _CMU_AMC.match(path.stem)
    if m and path.suffix.lower() == ".amc":
        return f"cmu_{m.group(1)}", ""
    style = path.parent.name.lower()
    if style in CMU_DANCE_STYLES:
        return f"cmu_{style}_{path.stem}", style
    return path.stem, ""


def clip_from_motion(motion: SkeletonMotion, path: Path, mapping: dict[str, Any] | None = None) -> Clip:
    """Map a skeleton motion to a Clip and check that its left side is on its left."""
    points = apply_mapping(motion, mapping_for(motion, mapping))
    joints = h36m_joints(points)
    if "left_toe" in points and "right_toe" in points:
        frac = left_side_fraction(joints, forward_from_toes(joints, points["left_toe"], points["right_toe"]))
        if frac < 0.5:
            warnings.warn(f"{path}: the left hip lies on the subject's right in {1 - frac:.0%} of frames; "
                          "the file may be left-handed or its left/right labels swapped", stacklevel=2)
    subject, action = clip_labels(path)
    return Clip(name=path.stem, subject=subject, action=action, fps=motion.fps, joints=joints,
                nose=points.get("nose"))


def load_clip(path: Path | str, fps: float | None = None, mapping: dict[str, Any] | None = None,
              metres_per_unit: float | None = None) -> Clip:
    """Load one clip at its own frame rate (`fps` overrides the file's).  Raises MocapError on bad input."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_npz(path, fps=fps)
    if suffix == ".bvh":
        motion = load_bvh(path, fps=fps, metres_per_unit=metres_per_unit)
    elif suffix == ".amc":
        motion = load_asf_amc(path, fps=fps)
    else:
        raise MocapError(f"{path}: unsupported clip type {suffix!r} (expected one of {', '.join(CLIP_SUFFIXES)})")
    try:
        return clip_from_motion(motion, path, mapping)
    except MocapError as exc:
        raise MocapError(f"{path}: {exc}") from exc
