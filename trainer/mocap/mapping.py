"""Joint-name mappings from skeleton families to H36M-17 (+ an optional nose), and user JSON mappings.

A mapping is a JSON object: {"name": ..., "up": "y"|"z"|"-z"|..., "handedness": "right"|"left",
"joints": {OUTPUT: POINT, ...}}.  OUTPUT is an H36M-17 name (poseexplorer.core.skeleton.H36M17_NAMES, all 17
required), "nose" (optional), or "left_toe"/"right_toe" (optional, used only by the left/right check).
Outputs are computed in the order written, and a POINT is one of:
  "jointname"                               the source joint's position;
  "@output"                                 an output computed earlier (e.g. "@left_hip");
  {"mean": [POINT, ...], "weights": [...]}  a (weighted) mean;
  {"chain": [POINT, ...], "fraction": 0.5}  the point at that fraction of the polyline's arc length;
  {"joint": "name", "offset": [x, y, z], "frame": "name"}  a fixed offset in metres in the rest-pose axes,
                                            carried by the global rotation of `frame` (default: `joint`).
Derived joints, chosen to agree across families (H36M mean bone lengths in brackets): pelvis = hip
midpoint, thorax = shoulder midpoint, spine = halfway along the real spine chain from pelvis to thorax
(bends with the back), neck_nose = top of the neck [thorax-neck 12 cm], head = head top [neck-head 11.5 cm].
Acclaim joints are bone ends, and a joint sits where the bone carrying its rotation starts: the wrist is the
end of `lwrist` (whose child `lhand` flexes the wrist; `lradius` + `lwrist` make the forearm, 0.25 m for HDM05
mm), the ankle the end of `ltibia`, the shoulder the end of `lclavicle`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from poseexplorer.core.skeleton import H36M17_NAMES

from .skeleton_motion import MocapError, SkeletonMotion



def _sided(template: dict[str, Any], left: str, right: str) -> dict[str, Any]:
    """Expand '{s}' in a template for both sides."""
    out = {}
    for side, prefix in (("left_", left), ("right_", right)):
        for k, v in template.items():
            out[side + k] = v.format(s=prefix)
    return out


ACCLAIM: dict[str, Any] = {
    "name": "acclaim (HDM05, CMU ASF/AMC)", "up": "y", "handedness": "right",
    "joints": {
        **_sided({"hip": "{s}hipjoint", "knee": "{s}femur", "ankle": "{s}tibia", "shoulder": "{s}clavicle",
                  "elbow": "{s}humerus", "wrist": "{s}wrist", "toe": "{s}foot"}, "l", "r"),
        "pelvis": {"mean": ["@left_hip", "@right_hip"]},
        "thorax": {"mean": ["@left_shoulder", "@right_shoulder"]},
        "spine": {"chain": ["@pelvis", "lowerback", "upperback", "@thorax"], "fraction": 0.5},
        "neck_nose": "upperneck",
        "head": "head",
        "nose": {"joint": "upperneck", "offset": [0.0, 0.03, 0.10], "frame": "head"},
    },
}

CMU_BVH: dict[str, Any] = {
    "name": "CMU BVH (cgspeed / Daz-friendly)", "up": "y", "handedness": "right",
    "joints": {
        **_sided({"hip": "{s}Thigh", "knee": "{s}Shin", "ankle": "{s}Foot", "shoulder": "{s}Shldr",
                  "elbow": "{s}ForeArm", "wrist": "{s}Hand", "toe": "{s}Foot_end"}, "l", "r"),
        "pelvis": {"mean": ["@left_hip", "@right_hip"]},
        "thorax": {"mean": ["@left_shoulder", "@right_shoulder"]},
        "spine": {"chain": ["@pelvis", "abdomen", "chest", "@thorax"], "fraction": 0.5},
        "neck_nose": "head",
        "head": {"joint": "head", "offset": [0.0, 0.115, 0.02]},
        "nose": {"joint": "head", "offset": [0.0, 0.045, 0.09]},
    },
}

#: Skeletons named Hips/LeftUpLeg/... (CMU "lowercase" BVH conversion, Mixamo, many exporters).
HIPS_STYLE: dict[str, Any] = {
    "name": "Hips/LeftUpLeg style BVH (CMU lowercase conversion, Mixamo)", "up": "y", "handedness": "right",
    "joints": {
        **_sided({"hip": "{s}UpLeg", "knee": "{s}Leg", "ankle": "{s}Foot", "shoulder": "{s}Arm",
                  "elbow": "{s}ForeArm", "wrist": "{s}Hand"}, "Left", "Right"),
        "pelvis": {"mean": ["@left_hip", "@right_hip"]},
        "thorax": {"mean": ["@left_shoulder", "@right_shoulder"]},
        "spine": {"chain": ["@pelvis", "Spine", "@thorax"], "fraction": 0.5},
        "neck_nose": "Head",
        "head": {"joint": "Head", "offset": [0.0, 0.115, 0.02]},
    },
}

FAMILIES: dict[str, dict[str, Any]] = {
    "acclaim": ACCLAIM, "cmu_bvh": CMU_BVH, "cmu_bvh_lowercase": HIPS_STYLE, "mixamo": HIPS_STYLE,
}


def load_mapping(path: Path | str) -> dict[str, Any]:
    """Read and check a user mapping JSON file (format in the module docstring)."""
    path = Path(path)
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MocapError(f"{path}: cannot read mapping JSON ({exc})") from exc
    check_mapping(mapping, str(path))
    return mapping


def check_mapping(mapping: dict[str, Any], where: str = "mapping") -> None:
    """Raise MocapError naming what is missing or wrong in a mapping."""
    joints = mapping.get("joints") if isinstance(mapping, dict) else None
    if not isinstance(joints, dict):
        raise MocapError(f"{where}: needs a 'joints' object")
    missing = [n for n in H36M17_NAMES if n not in joints]
    if missing:
        raise MocapError(f"{where}: no entry for H36M-17 joints {missing}")
    if mapping.get("handedness", "right") not in ("right", "left"):
        raise MocapError(f"{where}: handedness must be 'right' or 'left'")
    up_rotation(mapping.get("up", "y"))


def mapping_for(motion: SkeletonMotion, mapping: dict[str, Any] | None = None) -> dict[str, Any]:
    """The given mapping, or the built-in one for the motion's family (clear error when unknown)."""
    if mapping is not None:
        return mapping
    if motion.family not in FAMILIES:
        raise MocapError(
            f"unknown skeleton (joints: {', '.join(motion.names[:12])}...); supply a mapping JSON "
            "(see trainer.mocap.mapping for the format)")
    return FAMILIES[motion.family]


def _point(spec: Any, motion: SkeletonMotion, done: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate one POINT spec to (T, 3) positions."""
    if isinstance(spec, str):
        if spec.startswith("@"):
            if spec[1:] not in done:
                raise MocapError(f"mapping refers to {spec} before computing it")
            return done[spec[1:]]
        return motion.positions[:, motion.index(spec)]
    if not isinstance(spec, dict):
        raise MocapError(f"bad mapping point {spec!r}")
    if "mean" in spec:
        pts = np.stack([_point(p, motion, done) for p in spec["mean"]])
        w = np.asarray(spec.get("weights", np.ones(len(pts))), dtype=np.float64)
        return np.tensordot(w / w.sum(), pts, axes=1)
    if "chain" in spec:
        return chain_point(np.stack([_point(p, motion, done) for p in spec["chain"]], axis=1),
                           float(spec.get("fraction", 0.5)))
    if "joint" in spec:
        base = motion.positions[:, motion.index(spec["joint"])]
        rot = motion.rotations[:, motion.index(spec.get("frame", spec["joint"]))]
        return base + rot @ np.asarray(spec.get("offset", (0.0, 0.0, 0.0)), dtype=np.float64)
    raise MocapError(f"bad mapping point {spec!r} (needs mean, chain or joint)")


def chain_point(points: np.ndarray, fraction: float) -> np.ndarray:
    """Point at `fraction` of the arc length along a polyline: points (T, K, 3) -> (T, 3)."""
    seg = np.linalg.norm(np.diff(points, axis=1), axis=-1)  # (T, K-1)
    cum = np.concatenate([np.zeros((len(points), 1)), np.cumsum(seg, axis=1)], axis=1)
    target = fraction * cum[:, -1:]
    k = np.clip((cum[:, 1:] < target).sum(axis=1), 0, seg.shape[1] - 1)  # segment index per frame
    rows = np.arange(len(points))
    t = (target[:, 0] - cum[rows, k]) / np.where(seg[rows, k] > 0, seg[rows, k], 1.0)
    return points[rows, k] + t[:, None] * (points[rows, k + 1] - points[rows, k])


def up_rotation(up: str) -> np.ndarray:
    """Proper rotation (3, 3) taking the source's up axis ('y', 'z', '-z', 'x', ...) to +y."""
    sign = -1.0 if up.startswith("-") else 1.0
    axis = up.lstrip("+-").lower()
    if axis not in ("x", "y", "z"):
        raise MocapError(f"up axis must be one of x, y, z (optionally signed), got {up!r}")
    e = np.eye(3)
    new_y = sign * e["xyz".index(axis)]
    new_x = e[1] if axis == "x" else e[0]
    return np.stack([new_x, new_y, np.cross(new_x, new_y)])


def apply_mapping(motion: SkeletonMotion, mapping: dict[str, Any]) -> dict[str, np.ndarray]:
    """Evaluate a mapping: {output name: (T, 3) world positions (y up, right-handed)}."""
    check_mapping(mapping)
    done: dict[str, np.ndarray] = {}
    try:
        for name, spec in mapping["joints"].items():
            done[name] = _point(spec, motion, done)
    except KeyError as exc:
        raise MocapError(f"mapping {mapping.get('name', '')!r}: {exc.args[0]}") from None
    rot = up_rotation(mapping.get("up", "y"))
    if mapping.get("handedness", "right") == "left":
        rot = np.diag([1.0, 1.0, -1.0]) @ rot  # mirror z: same labels, right-handed axes
    return {k: v @ rot.T for k, v in done.items()}


def h36m_joints(points: dict[str, np.ndarray]) -> np.ndarray:
    """Stack mapped points into (T, 17, 3) H36M-17 order."""
    return np.stack([points[n] for n in H36M17_NAMES], axis=1)
