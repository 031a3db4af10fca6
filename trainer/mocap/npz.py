"""Plain NPZ files of 3D joints (for Human3.6M-style arrays), loaded without pickle.

Keys:
  joints  (T, J, 3) float  required; J = 17 or 32 as named by `joint_order`
  joint_order  str  optional: "prvipe" (default; poseexplorer.core.skeleton.H36M17_NAMES), "h36m17" (the
               common VideoPose3D order: pelvis, r-hip, r-knee, r-ankle, l-hip, l-knee, l-ankle, spine,
               thorax, neck/nose, head, l-shoulder, l-elbow, l-wrist, r-shoulder, r-elbow, r-wrist) or
               "h36m32" (the raw 32-joint Human3.6M skeleton)
  fps     float optional (default 50, the Human3.6M rate, unless the caller passes one)
  units   str   optional: "m", "cm", "mm" (default: guessed from the body height)
  up      str   optional: "y", "z", "-y", ... (default: guessed as the axis from the ankles to the head)
  handedness str optional: "right" (default) or "left"
  subject, action  str  optional labels
  nose    (T, 3) optional nose positions in the same axes and units
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from poseexplorer.core.skeleton import H36M17_NAMES

from .clip import Clip
from .mapping import up_rotation
from .skeleton_motion import MocapError

#: index into the source array of each H36M17_NAMES joint
ORDERS: dict[str, tuple[int, ...]] = {
    "prvipe": tuple(range(17)),
    "h36m17": (0, 10, 9, 8, 11, 14, 12, 15, 13, 16, 7, 4, 1, 5, 2, 6, 3),
    "h36m32": (0, 15, 14, 13, 17, 25, 18, 26, 19, 27, 12, 6, 1, 7, 2, 8, 3),
}
_UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001}
_HEAD = H36M17_NAMES.index("head")
_ANKLES = [H36M17_NAMES.index("left_ankle"), H36M17_NAMES.index("right_ankle")]


def _scalar(data, key: str, default=None):
    if key not in data.files:
        return default
    value = data[key]
    return value.item() if value.ndim == 0 else value


def guess_up(joints: np.ndarray) -> str:
    """Signed axis ('y', '-z', ...) along which the head sits above the ankles on average."""
    v = (joints[:, _HEAD] - joints[:, _ANKLES].mean(1)).mean(0)
    k = int(np.argmax(np.abs(v)))
    return ("-" if v[k] < 0 else "") + "xyz"[k]


def guess_units(joints: np.ndarray) -> float:
    """Metres per unit (m, cm or mm) that makes the median head-to-ankle distance most human (~1.6 m)."""
    span = float(np.median(np.linalg.norm(joints[:, _HEAD] - joints[:, _ANKLES].mean(1), axis=-1)))
    if not span > 0:
        raise MocapError("cannot guess units: head and ankles coincide")
    return min(_UNITS.values(), key=lambda s: abs(np.log(span * s / 1.6)))


def load_npz(path: Path | str, fps: float | None = None) -> Clip:
    """Read a joints NPZ (keys in the module docstring) into a Clip in metres, y up, right-handed."""
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise MocapError(f"{path}: cannot read NPZ ({exc})") from exc
    if not hasattr(data, "files"):
        raise MocapError(f"{path}: a single .npy array, not an NPZ archive with a 'joints' key")
    with data:
        if "joints" not in data.files:
            raise MocapError(f"{path}: no 'joints' array (keys: {', '.join(data.files)})")
        raw = np.asarray(data["joints"], dtype=np.float64)
        order = str(_scalar(data, "joint_order", "prvipe"))
        if order not in ORDERS:
            raise MocapError(f"{path}: joint_order must be one of {sorted(ORDERS)}, got {order!r}")
        need = 32 if order == "h36m32" else 17
        if raw.ndim != 3 or raw.shape[1:] != (need, 3) or len(raw) == 0:
            raise MocapError(f"{path}: joints must be (T, {need}, 3) for joint_order {order!r}, got {raw.shape}")
        joints = raw[:, ORDERS[order]]
        nose = np.asarray(data["nose"], dtype=np.float64) if "nose" in data.files else None
        units = _scalar(data, "units")
        if units is not None and str(units) not in _UNITS:
            raise MocapError(f"{path}: units must be one of {sorted(_UNITS)}, got {units!r}")
        scale = _UNITS[str(units)] if units is not None else guess_units(joints)
        rot = up_rotation(str(_scalar(data, "up", guess_up(joints))))
        if str(_scalar(data, "handedness", "right")) == "left":
            rot = np.diag([1.0, 1.0, -1.0]) @ rot
        fps = float(fps or _scalar(data, "fps", 50.0))
        subject = str(_scalar(data, "subject", path.stem))
        action = str(_scalar(data, "action", ""))
    joints = joints @ rot.T * scale
    nose = None if nose is None else nose @ rot.T * scale
    return Clip(name=path.stem, subject=subject, action=action, fps=fps, joints=joints, nose=nose)


def save_npz(clip: Clip, path: Path | str) -> None:
    """Write a Clip in this format (metres, y up, prvipe order)."""
    extra = {} if clip.nose is None else {"nose": clip.nose}
    np.savez(path, joints=clip.joints, joint_order="prvipe", fps=clip.fps, units="m", up="y",
             subject=clip.subject, action=clip.action, **extra)
