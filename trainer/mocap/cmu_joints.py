"""The CMU database as 3D joint positions (`cmu_joints24.npz`, ../shared/data/mocap/cmu_joints/SOURCE.md).

One archive holds many trials: `root` (F, 3) hip positions in metres (y up), `local` (F, 21, 3) joints minus
the hip, and per-trial `clip_name`, `clip_subject`, `clip_start`, `clip_length`. This module maps the 21
"Daz-friendly" CMU joints to H36M-17 labels (plus a nose for the 2D COCO-13 input), drops the T-pose that
opens most trials and the glitch frames some trials hold, and returns one Clip per trial.

Mapping (SOURCE.md; the same choices as `mapping.CMU_BVH` for the BVH files of the same skeleton):
hips, knees, ankles, shoulders, elbows, wrists = lThigh/rThigh, lShin/rShin, lFoot/rFoot, lShldr/rShldr,
lForeArm/rForeArm, lHand/rHand; pelvis = hip midpoint; thorax = shoulder midpoint; spine = halfway along
the spine chain pelvis -> abdomen -> chest -> thorax; neck_nose = head (the base of the head); nose = the
midpoint of the eyes; head (top) = a fixed offset in a frame built from the eyes (see `head_top`).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .clip import Clip
from .skeleton_motion import MocapError

CMU_JOINT_NAMES: tuple[str, ...] = (
    "hip", "abdomen", "chest", "neck", "head", "leftEye", "rightEye", "lCollar", "lShldr", "lForeArm", "lHand",
    "rCollar", "rShldr", "rForeArm", "rHand", "lThigh", "lShin", "lFoot", "rThigh", "rShin", "rFoot")
_J = {name: i for i, name in enumerate(CMU_JOINT_NAMES)}
_KEYS = ("joint_names", "root", "local", "clip_name", "clip_subject", "clip_start", "clip_length")

#: H36M-17 joints copied from one CMU joint.
_DIRECT = {"left_shoulder": "lShldr", "right_shoulder": "rShldr", "left_elbow": "lForeArm",
           "right_elbow": "rForeArm", "left_wrist": "lHand", "right_wrist": "rHand", "left_hip": "lThigh",
           "right_hip": "rThigh", "left_knee": "lShin", "right_knee": "rShin", "left_ankle": "lFoot",
           "right_ankle": "rFoot", "neck_nose": "head"}
#: Head top in the eye frame (metres): the BVH mapping's rest-pose offset (0, 0.115, 0.02) of the head
#: joint, written along e (towards the eyes) and u (perpendicular to e and the eye line, upwards).
_TOP_ALONG_EYES, _TOP_UP = 0.081, 0.084
#: Glitch filters: a hip (root) step above this many metres per frame at 24 fps (12 m/s), or a joint moving
#: this far relative to the hip in one frame, or the hip this far below the trial's floor.
MAX_ROOT_STEP = 0.5
MAX_LOCAL_STEP = 0.4
MAX_BELOW_FLOOR = 0.15


def is_cmu_joints_file(path: Path | str) -> bool:
    """True for an NPZ archive holding the multi-trial CMU joints layout (not a single-clip joints NPZ)."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        return False
    try:
        with zipfile.ZipFile(path) as z:
            names = {n.removesuffix(".npy") for n in z.namelist()}
    except (OSError, zipfile.BadZipFile):
        return False
    return set(_KEYS) <= names


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def head_top(head: np.ndarray, left_eye: np.ndarray, right_eye: np.ndarray) -> np.ndarray:
    """Top of the head from the head joint and the eyes. All (..., 3) -> (..., 3).

    e = unit vector from the head joint to the eye midpoint, made perpendicular to the eye line;
    u = e x (left eye - right eye), which points up out of the skull for a right-handed, y-up world.
    """
    across = _unit(left_eye - right_eye)
    to_eyes = 0.5 * (left_eye + right_eye) - head
    e = _unit(to_eyes - np.sum(to_eyes * across, -1, keepdims=True) * across)
    u = np.cross(e, across)
    return head + _TOP_ALONG_EYES * e + _TOP_UP * u


def _along_chain(points: list[np.ndarray], fraction: float) -> np.ndarray:
    """The point at `fraction` of the arc length of the polyline through `points` (each (T, 3))."""
    seg = [np.linalg.norm(b - a, axis=-1) for a, b in zip(points[:-1], points[1:])]
    total = np.sum(seg, axis=0)
    target = fraction * total
    out = points[0].copy()
    done = np.zeros(len(total), bool)
    walked = np.zeros(len(total))
    for (a, b), length in zip(zip(points[:-1], points[1:]), seg):
        inside = ~done & (walked + length >= target)
        t = np.where(length > 1e-9, (target - walked) / np.maximum(length, 1e-9), 0.0)
        out[inside] = a[inside] + t[inside, None] * (b - a)[inside]
        done |= inside
        walked += length
    out[~done] = points[-1][~done]
    return out


def cmu_to_h36m(joints21: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 21, 3) CMU joints (CMU_JOINT_NAMES order, metres) -> ((T, 17, 3) H36M-17, (T, 3) nose)."""
    from poseexplorer.core.skeleton import H36M17_NAMES

    j = np.asarray(joints21, dtype=np.float64)
    if j.ndim != 3 or j.shape[1:] != (len(CMU_JOINT_NAMES), 3):
        raise ValueError(f"CMU joints must be (T, {len(CMU_JOINT_NAMES)}, 3), got {j.shape}")
    g = {name: j[:, i] for name, i in _J.items()}
    out = np.zeros((len(j), 17, 3))
    idx = {name: i for i, name in enumerate(H36M17_NAMES)}
    for name, src in _DIRECT.items():
        out[:, idx[name]] = g[src]
    pelvis = 0.5 * (g["lThigh"] + g["rThigh"])
    thorax = 0.5 * (g["lShldr"] + g["rShldr"])
    out[:, idx["pelvis"]] = pelvis
    out[:, idx["thorax"]] = thorax
    out[:, idx["spine"]] = _along_chain([pelvis, g["abdomen"], g["chest"], thorax], 0.5)
    out[:, idx["head"]] = head_top(g["head"], g["leftEye"], g["rightEye"])
    nose = 0.5 * (g["leftEye"] + g["rightEye"])
    return out.astype(np.float32), nose.astype(np.float32)


def glitch_free(root: np.ndarray, local: np.ndarray) -> np.ndarray:
    """(T,) bool: frames kept. Drops frame 0 (the added T-pose), hip jumps, joint jumps and the hip far below
    the trial's floor (the 5th percentile of the lowest foot). root: (T, 3), local: (T, 21, 3), metres."""
    t = len(root)
    keep = np.ones(t, bool)
    if t == 0:
        return keep
    keep[0] = False
    step = np.zeros(t)
    step[1:] = np.linalg.norm(np.diff(root, axis=0), axis=-1)
    local_step = np.zeros(t)
    local_step[1:] = np.linalg.norm(np.diff(local, axis=0), axis=-1).max(axis=1)
    jump = (step > MAX_ROOT_STEP) | (local_step > MAX_LOCAL_STEP)
    keep &= ~jump
    feet = np.minimum(local[:, _J["lFoot"], 1], local[:, _J["rFoot"], 1]) + root[:, 1]
    floor = np.percentile(feet[1:] if t > 1 else feet, 5)
    keep &= root[:, 1] > floor - MAX_BELOW_FLOOR
    return keep


def load_cmu_joints(path: Path | str, subjects: set[str] | None = None,
                    exclude_subjects: set[str] = frozenset()) -> list[Clip]:
    """One Clip per trial (subject label `cmu_<number>`, the same as CMU ASF/AMC files), glitches removed.

    subjects / exclude_subjects filter by that label before any conversion. Trials with fewer than two
    clean frames are left out. Raises MocapError when the file is not in the CMU joints layout."""
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise MocapError(f"{path}: cannot read NPZ ({exc})") from exc
    with data:
        missing = [k for k in _KEYS if k not in data.files]
        if missing:
            raise MocapError(f"{path}: not a CMU joints archive (missing {', '.join(missing)})")
        if tuple(str(n) for n in data["joint_names"]) != CMU_JOINT_NAMES:
            raise MocapError(f"{path}: unexpected joint names {list(data['joint_names'])}")
        fps = float(data["fps"]) if "fps" in data.files else 24.0
        names, subj = data["clip_name"], data["clip_subject"]
        starts, lengths = data["clip_start"], data["clip_length"]
        root_all, local_all = data["root"], data["local"]
        clips = []
        for c in range(len(names)):
            label = f"cmu_{int(subj[c])}"
            if (subjects and label not in subjects) or label in exclude_subjects:
                continue
            s, n = int(starts[c]), int(lengths[c])
            root = root_all[s:s + n].astype(np.float64)
            local = local_all[s:s + n].astype(np.float64)
            keep = glitch_free(root, local)
            if keep.sum() < 2:
                continue
            joints, nose = cmu_to_h36m(local[keep] + root[keep, None])
            clips.append(Clip(name=str(names[c]), subject=label, action="", fps=fps, joints=joints, nose=nose))
    return clips
