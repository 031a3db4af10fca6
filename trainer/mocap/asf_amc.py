"""Acclaim ASF skeletons + AMC motions (HDM05, the original CMU release) with forward kinematics.

Conventions (Acclaim spec, as in the CMU amc viewer): a bone's `axis a b c XYZ` gives its local frame
C = Rz(c) Ry(b) Rx(a) (rotations applied in the listed order about fixed axes); the AMC values of a bone are
rotations applied in its `dof` order (same rule); global R_bone = R_parent @ C @ M @ C^-1; the bone's end
joint = parent end + length * R_bone @ direction.  `:units length L` means one file unit is 1/L inches
(HDM05 and CMU: L = 0.45 -> 0.056444 m); `angle deg|rad`.  ASF axes are y-up, right-handed, the subject
facing +z in the rest pose, already our world convention.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .rotation import euler_applied
from .skeleton_motion import MocapError, SkeletonMotion

_INCH = 0.0254


@dataclass(frozen=True)
class AsfBone:
    name: str
    parent: str
    direction: tuple[float, float, float]
    length: float
    axis: tuple[float, float, float]
    axis_order: str
    dof: tuple[str, ...]


@dataclass(frozen=True)
class AsfSkeleton:
    """A parsed ASF: bones in parent-before-child order, root channel order, units."""

    name: str
    bones: tuple[AsfBone, ...]
    root_order: tuple[str, ...]
    root_axis: str
    root_position: tuple[float, float, float]
    root_orientation: tuple[float, float, float]
    metres_per_unit: float
    degrees: bool


def _sections(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(":"):
            key, _, rest = line[1:].partition(" ")
            current = key.lower()
            out.setdefault(current, [])
            if rest.strip():
                out[current].append(rest.strip())
        else:
            out.setdefault(current, []).append(line)
    return out


def _parse_bone(lines: list[str], path: Path) -> dict:
    bone: dict = {"dof": (), "axis": (0.0, 0.0, 0.0), "axis_order": "XYZ"}
    for line in lines:
        key, *vals = line.split()
        key = key.lower()
        if key == "name":
            bone["name"] = vals[0]
        elif key == "direction":
            bone["direction"] = tuple(float(v) for v in vals[:3])
        elif key == "length":
            bone["length"] = float(vals[0])
        elif key == "axis":
            bone["axis"] = tuple(float(v) for v in vals[:3])
            bone["axis_order"] = vals[3].upper() if len(vals) > 3 else "XYZ"
        elif key == "dof":
            bone["dof"] = tuple(v.lower() for v in vals)
    missing = {"name", "direction", "length"} - bone.keys()
    if missing:
        raise MocapError(f"{path}: a bone lacks {sorted(missing)}")
    return bone


def _parse_bonedata(lines: list[str], path: Path) -> list[dict]:
    bones, block = [], None
    for line in lines:
        low = line.lower()
        if low == "begin":
            block = []
        elif low == "end":
            if block is None:
                raise MocapError(f"{path}: 'end' without 'begin' in :bonedata")
            bones.append(_parse_bone(block, path))
            block = None
        elif block is not None:
            block.append(line)
    return bones


def _parse_hierarchy(lines: list[str]) -> dict[str, str]:
    parent_of: dict[str, str] = {}
    for line in lines:
        names = line.split()
        if names[0].lower() in ("begin", "end"):
            continue
        for child in names[1:]:
            parent_of[child] = names[0]
    return parent_of


def _units(lines: list[str]) -> tuple[float, bool]:
    length, degrees = 1.0, True
    for line in lines:
        key, *vals = line.split()
        if key.lower() == "length" and vals:
            length = float(vals[0])
        elif key.lower() == "angle" and vals:
            degrees = vals[0].lower().startswith("deg")
    return _INCH / length, degrees


def _topological(bones: list[dict], parent_of: dict[str, str], path: Path) -> tuple[AsfBone, ...]:
    by_name = {b["name"]: b for b in bones}
    ordered: list[AsfBone] = []
    placed = {"root"}
    pending = [b["name"] for b in bones]
    while pending:
        ready = [n for n in pending if parent_of.get(n) in placed]
        if not ready:
            raise MocapError(f"{path}: bones not reachable from root in :hierarchy: {pending[:5]}")
        for n in ready:
            b = by_name[n]
            ordered.append(AsfBone(n, parent_of[n], b["direction"], b["length"], b["axis"], b["axis_order"], b["dof"]))
            placed.add(n)
        pending = [n for n in pending if n not in placed]
    return tuple(ordered)


def parse_asf(text: str, path: Path | str = "<asf>") -> AsfSkeleton:
    """Parse ASF text (see the module docstring for conventions)."""
    path = Path(path)
    sec = _sections(text)
    if "bonedata" not in sec or "hierarchy" not in sec:
        raise MocapError(f"{path}: not an ASF file (no :bonedata or :hierarchy section)")
    metres, degrees = _units(sec.get("units", []))
    root = {"order": ("tx", "ty", "tz", "rx", "ry", "rz"), "axis": "XYZ", "position": (0.0,) * 3, "orientation": (0.0,) * 3}
    for line in sec.get("root", []):
        key, *vals = line.split()
        key = key.lower()
        if key == "order":
            root["order"] = tuple(v.lower() for v in vals)
        elif key == "axis":
            root["axis"] = vals[0].upper()
        elif key in ("position", "orientation"):
            root[key] = tuple(float(v) for v in vals[:3])
    bones = _topological(_parse_bonedata(sec["bonedata"], path), _parse_hierarchy(sec["hierarchy"]), path)
    name = (sec.get("name") or [path.stem])[0]
    return AsfSkeleton(name, bones, root["order"], root["axis"], root["position"], root["orientation"], metres, degrees)


@lru_cache(maxsize=64)
def load_asf(path: Path | str) -> AsfSkeleton:
    """Read and parse an ASF file (cached by path)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise MocapError(f"{path}: cannot read ASF ({exc})") from exc
    return parse_asf(text, path)


def parse_amc(text: str, path: Path | str = "<amc>") -> tuple[dict[str, np.ndarray], int]:
    """AMC text -> ({bone: (T, n_values) float64}, T). Each bone must appear once in every frame."""
    values: dict[str, list[str]] = {}
    frames = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#:":
            continue
        if line.isdigit():
            frames += 1
            continue
        name, _, rest = line.partition(" ")
        values.setdefault(name, []).append(rest)
    if frames == 0:
        raise MocapError(f"{path}: no frames found (is this an AMC file?)")
    out = {}
    for name, rows in values.items():
        if len(rows) != frames:
            raise MocapError(f"{path}: bone {name!r} appears in {len(rows)} of {frames} frames")
        out[name] = np.array(" ".join(rows).split(), dtype=np.float64).reshape(frames, -1)
    return out, frames


def _rotation_columns(dof: tuple[str, ...], data: np.ndarray | None, frames: int, degrees: bool) -> np.ndarray:
    """Local rotation M (T, 3, 3) from a bone's dof values, applied in dof order; translation dofs skipped."""
    rot_idx = [i for i, d in enumerate(dof) if d in ("rx", "ry", "rz")]
    if not rot_idx or data is None:
        return np.broadcast_to(np.eye(3), (frames, 3, 3))
    angles = data[:, rot_idx]
    if not degrees:
        angles = np.rad2deg(angles)
    return euler_applied(angles, "".join(dof[i][1] for i in rot_idx).upper())


def _root_state(skel: AsfSkeleton, data: np.ndarray | None, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Root position (T, 3) in metres and global rotation (T, 3, 3)."""
    if data is None:
        data = np.zeros((frames, len(skel.root_order)))
    if data.shape[1] < len(skel.root_order):
        raise MocapError(f"root has {data.shape[1]} values per frame, the ASF order needs {len(skel.root_order)}")
    trans = np.zeros((frames, 3))
    for i, ch in enumerate(skel.root_order):
        if ch in ("tx", "ty", "tz"):
            trans[:, "xyz".index(ch[1])] = data[:, i]
    position = (np.asarray(skel.root_position) + trans) * skel.metres_per_unit
    c = euler_applied(np.asarray([skel.root_orientation]), skel.root_axis)[0]
    m = _rotation_columns(skel.root_order, data, frames, skel.degrees)
    return position, c @ m @ c.T


def forward_kinematics(skel: AsfSkeleton, motion: dict[str, np.ndarray], frames: int, fps: float) -> SkeletonMotion:
    """Global joint positions (bone ends, metres) and rotations for every frame, vectorised over frames."""
    pos0, rot0 = _root_state(skel, motion.get("root"), frames)
    positions = {"root": pos0}
    rotations = {"root": rot0}
    for bone in skel.bones:
        data = motion.get(bone.name)
        ndof = len(bone.dof)
        if data is not None and data.shape[1] != ndof:
            raise MocapError(f"bone {bone.name!r} has {data.shape[1]} values per frame, its ASF dof has {ndof}")
        c = euler_applied(np.asarray([bone.axis]), bone.axis_order)[0]
        m = _rotation_columns(bone.dof, data, frames, skel.degrees)
        rot = rotations[bone.parent] @ (c @ m @ c.T)
        offset = np.asarray(bone.direction) / max(np.linalg.norm(bone.direction), 1e-12)
        offset = offset * bone.length * skel.metres_per_unit
        positions[bone.name] = positions[bone.parent] + rot @ offset
        rotations[bone.name] = rot
    names = tuple(positions)
    return SkeletonMotion(
        names=names,
        positions=np.stack([positions[n] for n in names], axis=1),
        rotations=np.stack([rotations[n] for n in names], axis=1),
        fps=fps,
        family="acclaim" if {"lfemur", "rfemur", "lhumerus"} <= set(names) else "",
    )


def find_asf(amc_path: Path) -> Path:
    """The skeleton of an AMC file: a lone .asf beside it, HDM05's ../../asf/HDM_<actor>.asf, or CMU's <subj>.asf."""
    amc_path = Path(amc_path)
    beside = sorted(amc_path.parent.glob("*.asf"))
    if len(beside) == 1:
        return beside[0]
    m = re.match(r"(HDM_[a-z]+)_", amc_path.name)
    candidates = []
    if m:
        for up in (amc_path.parent, amc_path.parent.parent, amc_path.parent.parent.parent):
            candidates.append(up / "asf" / f"{m.group(1)}.asf")
            candidates.append(up / f"{m.group(1)}.asf")
    subj = amc_path.stem.split("_")[0]
    candidates += [amc_path.parent / f"{subj}.asf", amc_path.parent.parent / f"{subj}.asf"]
    for c in candidates:
        if c.is_file():
            return c
    raise MocapError(f"{amc_path}: no matching .asf skeleton found (pass one explicitly)")


def amc_fps(amc_path: Path, default: float = 120.0) -> float:
    """Frame rate from an HDM05-style name suffix (_120.amc); CMU AMC files are 120 fps."""
    m = re.search(r"_(\d+)$", Path(amc_path).stem)
    return float(m.group(1)) if m and int(m.group(1)) in (24, 25, 30, 50, 60, 100, 120, 240) else default


def load_asf_amc(amc_path: Path | str, asf_path: Path | str | None = None, fps: float | None = None) -> SkeletonMotion:
    """Read an AMC motion (+ its ASF skeleton) and run forward kinematics."""
    amc_path = Path(amc_path)
    skel = load_asf(asf_path or find_asf(amc_path))
    try:
        text = amc_path.read_text(encoding="latin-1")
    except OSError as exc:
        raise MocapError(f"{amc_path}: cannot read AMC ({exc})") from exc
    try:
        motion, frames = parse_amc(text, amc_path)
        return forward_kinematics(skel, motion, frames, fps or amc_fps(amc_path))
    except MocapError as exc:
        raise MocapError(f"{amc_path}: {exc}") from exc
    except ValueError as exc:
        raise MocapError(f"{amc_path}: malformed numbers ({exc})") from exc
