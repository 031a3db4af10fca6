"""BVH motion files: any hierarchy, channel order and rotation order, with forward kinematics.

Conventions: a joint's rotation channels multiply left to right in the order listed (`Zrotation Xrotation
Yrotation` -> R = Rz @ Rx @ Ry), so each joint's global rotation is R_parent @ R_local; its position is
parent position + R_parent @ (OFFSET + position channels).  BVH is y-up and right-handed by convention;
loaders that know otherwise pass `up_axis` to the mapping step.  Lengths are in the file's units; the caller
chooses metres per unit (see `guess_metres_per_unit`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .rotation import euler_product
from .skeleton_motion import MocapError, SkeletonMotion

_POS = {"xposition": 0, "yposition": 1, "zposition": 2}
_ROT = {"xrotation": "X", "yrotation": "Y", "zrotation": "Z"}


@dataclass(frozen=True)
class BvhJoint:
    name: str
    parent: int  # -1 for the root
    offset: tuple[float, float, float]
    channels: tuple[str, ...]  # lower-case channel names, in file order
    first_channel: int  # column of its first channel in a MOTION row


@dataclass(frozen=True)
class BvhFile:
    """A parsed BVH: joints in file (parent-before-child) order, motion (T, n_channels), frame time."""

    joints: tuple[BvhJoint, ...]
    motion: np.ndarray
    frame_time: float


def _parse_hierarchy(tokens: list[str], path: Path) -> list[BvhJoint]:
    """Tokens between HIERARCHY and MOTION -> joints in file order (end sites as '<parent>_end')."""
    entries: list[dict] = []
    stack: list[int] = []
    last = -1
    i = 0
    while i < len(tokens):
        up = tokens[i].upper()
        if up in ("ROOT", "JOINT", "END"):
            parent = stack[-1] if stack else -1
            if up == "END" and parent < 0:
                raise MocapError(f"{path}: End Site outside a joint")
            name = f"{entries[parent]['name']}_end" if up == "END" else tokens[i + 1]
            entries.append({"name": name, "parent": parent, "channels": (), "offset": None})
            last = len(entries) - 1
            i += 2
        elif up == "{":
            stack.append(last)
            i += 1
        elif up == "}":
            stack.pop()
            i += 1
        elif up == "OFFSET":
            entries[stack[-1]]["offset"] = tuple(float(v) for v in tokens[i + 1:i + 4])
            i += 4
        elif up == "CHANNELS":
            count = int(tokens[i + 1])
            channels = tuple(t.lower() for t in tokens[i + 2:i + 2 + count])
            unknown = set(channels) - _POS.keys() - _ROT.keys()
            if unknown or len(channels) != count:
                raise MocapError(f"{path}: bad BVH channels {tokens[i + 2:i + 2 + count]}")
            entries[stack[-1]]["channels"] = channels
            i += 2 + count
        else:
            raise MocapError(f"{path}: unexpected token {tokens[i]!r} in HIERARCHY")
    if stack:
        raise MocapError(f"{path}: unbalanced braces in HIERARCHY")
    return _joints(entries, path)


def _joints(entries: list[dict], path: Path) -> list[BvhJoint]:
    """Parsed entries -> BvhJoint list with each joint's first MOTION column."""
    joints, first = [], 0
    for e in entries:
        if e["offset"] is None or len(e["offset"]) != 3:
            raise MocapError(f"{path}: joint {e['name']!r} has no OFFSET")
        joints.append(BvhJoint(e["name"], e["parent"], e["offset"], e["channels"], first))
        first += len(e["channels"])
    return joints


def parse_bvh(text: str, path: Path | str = "<bvh>") -> BvhFile:
    """Parse BVH text into joints and the raw channel matrix."""
    path = Path(path)
    head, sep, body = text.partition("MOTION")
    if not sep or "HIERARCHY" not in head:
        raise MocapError(f"{path}: not a BVH file (needs HIERARCHY and MOTION sections)")
    try:
        joints = _parse_hierarchy(head.split("HIERARCHY", 1)[1].split(), path)
    except (IndexError, ValueError) as exc:
        raise MocapError(f"{path}: malformed HIERARCHY ({exc})") from exc
    if not joints:
        raise MocapError(f"{path}: empty HIERARCHY")
    lines = body.strip().splitlines()
    try:
        frames = int(lines[0].split(":")[1])
        frame_time = float(lines[1].split(":")[1])
        n_ch = sum(len(j.channels) for j in joints)
        values = np.array(" ".join(lines[2:]).split(), dtype=np.float64)
    except (IndexError, ValueError) as exc:
        raise MocapError(f"{path}: malformed MOTION header or values ({exc})") from exc
    if frames < 1 or not (frame_time > 0 and np.isfinite(frame_time)):
        raise MocapError(f"{path}: MOTION header says Frames: {frames}, Frame Time: {frame_time} "
                         f"(need at least 1 frame and a positive frame time)")
    if n_ch == 0 or values.size < frames * n_ch:
        raise MocapError(f"{path}: {values.size} values for {frames} frames x {n_ch} channels")
    if values.size > frames * n_ch:
        values = values[: frames * n_ch]
    return BvhFile(tuple(joints), values.reshape(frames, n_ch), frame_time)


def forward_kinematics(bvh: BvhFile, metres_per_unit: float, fps: float) -> SkeletonMotion:
    """Global positions (metres) and rotations of every joint and end site, vectorised over frames."""
    t = len(bvh.motion)
    pos = np.zeros((t, len(bvh.joints), 3))
    rot = np.zeros((t, len(bvh.joints), 3, 3))
    for k, j in enumerate(bvh.joints):
        cols = bvh.motion[:, j.first_channel:j.first_channel + len(j.channels)]
        local_t = np.broadcast_to(np.asarray(j.offset, dtype=np.float64), (t, 3)).copy()
        rot_cols, axes = [], ""
        for c, ch in enumerate(j.channels):
            if ch in _POS:
                local_t[:, _POS[ch]] += cols[:, c]
            else:
                rot_cols.append(c)
                axes += _ROT[ch]
        local_r = euler_product(cols[:, rot_cols], axes) if axes else np.broadcast_to(np.eye(3), (t, 3, 3))
        local_t *= metres_per_unit
        if j.parent < 0:
            pos[:, k], rot[:, k] = local_t, local_r
        else:
            parent_r = rot[:, j.parent]
            pos[:, k] = pos[:, j.parent] + np.einsum("tij,tj->ti", parent_r, local_t)
            rot[:, k] = parent_r @ local_r
    names = tuple(j.name for j in bvh.joints)
    return SkeletonMotion(names, pos, rot, fps, family=guess_family(names))


def rest_height(bvh: BvhFile) -> float:
    """Vertical (y) extent of the rest pose built from OFFSETs alone, in file units."""
    pos = np.zeros((len(bvh.joints), 3))
    for k, j in enumerate(bvh.joints):
        pos[k] = (pos[j.parent] if j.parent >= 0 else 0.0) + np.asarray(j.offset)
    extent = pos.max(0) - pos.min(0)
    return float(extent.max())


#: candidate units: metres per file unit
UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001, "inch": 0.0254, "acclaim": 0.0254 / 0.45}


def guess_metres_per_unit(height_units: float, typical_height_m: float = 1.7) -> tuple[float, str]:
    """Pick the unit (m, cm, mm, inch, Acclaim 1/0.45 inch) that makes the rest-pose height most human.

    The candidates differ by factors >= 2.2, so a body 1.2-2.2 m tall is never ambiguous.
    """
    if not height_units > 0:
        raise MocapError("cannot guess units of a skeleton with zero height")
    name = min(UNITS, key=lambda u: abs(np.log(height_units * UNITS[u] / typical_height_m)))
    return UNITS[name], name


def guess_family(names: tuple[str, ...]) -> str:
    """Name the skeleton family from its joint names ('' when unknown)."""
    s = set(names)
    if {"lThigh", "rThigh", "lShldr", "rShldr", "lShin"} <= s:
        return "cmu_bvh"
    if {"LeftUpLeg", "RightUpLeg", "LeftArm", "LeftForeArm"} <= s:
        return "cmu_bvh_lowercase" if "LowerBack" in s else "mixamo"
    if {"lfemur", "rfemur", "lhumerus"} <= s:
        return "acclaim"
    return ""


def load_bvh(path: Path | str, fps: float | None = None, metres_per_unit: float | None = None) -> SkeletonMotion:
    """Read a BVH file; fps defaults to 1 / Frame Time, units are guessed from the rest-pose height."""
    path = Path(path)
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise MocapError(f"{path}: cannot read BVH ({exc})") from exc
    bvh = parse_bvh(text, path)
    if metres_per_unit is None:
        metres_per_unit, _ = guess_metres_per_unit(rest_height(bvh))
    if fps is None:
        if not bvh.frame_time > 0:
            raise MocapError(f"{path}: Frame Time {bvh.frame_time} is not positive; pass an fps")
        fps = 1.0 / bvh.frame_time
        fps = float(round(fps)) if abs(fps - round(fps)) < 1e-3 * fps else fps  # 0.00833333 -> 120
    return forward_kinematics(bvh, metres_per_unit, fps)
