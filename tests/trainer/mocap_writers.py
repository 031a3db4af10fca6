"""Tiny generators of BVH and ASF/AMC files for the mocap tests, plus slow reference forward kinematics.

The references use scipy's Rotation (an independent implementation): BVH channels 'Zrotation Xrotation
Yrotation' are intrinsic rotations 'ZXY' (R = Rz Rx Ry); Acclaim orders 'XYZ' are extrinsic 'xyz'
(R = Rz Ry Rx).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

# name, parent, offset (cm, y up, facing +z, left = +x)
HUMAN_BVH: tuple[tuple[str, str | None, tuple[float, float, float]], ...] = (
    ("hip", None, (0.0, 95.0, 0.0)),
    ("abdomen", "hip", (0.0, 10.0, 0.0)),
    ("chest", "abdomen", (0.0, 20.0, 0.0)),
    ("neck", "chest", (0.0, 22.0, 0.0)),
    ("head", "neck", (0.0, 8.0, 1.0)),
    ("lCollar", "chest", (3.0, 18.0, 0.0)),
    ("lShldr", "lCollar", (14.0, 0.0, 0.0)),
    ("lForeArm", "lShldr", (28.0, 0.0, 0.0)),
    ("lHand", "lForeArm", (25.0, 0.0, 0.0)),
    ("rCollar", "chest", (-3.0, 18.0, 0.0)),
    ("rShldr", "rCollar", (-14.0, 0.0, 0.0)),
    ("rForeArm", "rShldr", (-28.0, 0.0, 0.0)),
    ("rHand", "rForeArm", (-25.0, 0.0, 0.0)),
    ("lButtock", "hip", (9.0, -3.0, 0.0)),
    ("lThigh", "lButtock", (0.0, -2.0, 0.0)),
    ("lShin", "lThigh", (0.0, -44.0, 0.0)),
    ("lFoot", "lShin", (0.0, -42.0, 0.0)),
    ("rButtock", "hip", (-9.0, -3.0, 0.0)),
    ("rThigh", "rButtock", (0.0, -2.0, 0.0)),
    ("rShin", "rThigh", (0.0, -44.0, 0.0)),
    ("rFoot", "rShin", (0.0, -42.0, 0.0)),
)
#: end sites (parent -> offset), written as 'End Site' blocks
HUMAN_BVH_ENDS = {"lFoot": (0.0, -5.0, 14.0), "rFoot": (0.0, -5.0, 14.0), "lHand": (8.0, 0.0, 0.0),
                  "rHand": (-8.0, 0.0, 0.0), "head": (0.0, 15.0, 0.0)}

_BVH_AXIS = {"Xrotation": "X", "Yrotation": "Y", "Zrotation": "Z"}
_BVH_POS = {"Xposition": 0, "Yposition": 1, "Zposition": 2}


def write_bvh(path: Path, skeleton, channels: dict[str, tuple[str, ...]], motion: np.ndarray, frame_time: float,
              ends: dict | None = None, scale: float = 1.0) -> None:
    """Write a BVH; skeleton rows (name, parent, offset); channels per joint name; motion (T, n_channels)."""
    ends = HUMAN_BVH_ENDS if ends is None else ends
    children: dict[str | None, list] = {}
    for row in skeleton:
        children.setdefault(row[1], []).append(row)
    lines = ["HIERARCHY"]

    def emit(row, depth):
        name, parent, offset = row
        pad = "  " * depth
        lines.append(f"{pad}{'ROOT' if parent is None else 'JOINT'} {name}")
        lines.append(pad + "{")
        lines.append(f"{pad}  OFFSET {' '.join(f'{v * scale:.6f}' for v in offset)}")
        ch = channels[name]
        lines.append(f"{pad}  CHANNELS {len(ch)} {' '.join(ch)}")
        for child in children.get(name, []):
            emit(child, depth + 1)
        if name in ends:
            lines.extend([f"{pad}  End Site", pad + "  {",
                          f"{pad}    OFFSET {' '.join(f'{v * scale:.6f}' for v in ends[name])}", pad + "  }"])
        lines.append(pad + "}")

    emit(children[None][0], 0)
    lines += ["MOTION", f"Frames: {len(motion)}", f"Frame Time: {frame_time:.8f}"]
    lines += [" ".join(f"{v:.6f}" for v in row) for row in motion]
    path.write_text("\r\n".join(lines) + "\r\n")  # CRLF like the CMU files


def reference_bvh_fk(skeleton, channels, motion: np.ndarray) -> dict[str, np.ndarray]:
    """Slow per-frame FK with scipy: {joint: (T, 3)} in file units."""
    out = {name: np.zeros((len(motion), 3)) for name, _, _ in skeleton}
    for t, row in enumerate(motion):
        col = 0
        glob_r, glob_p = {}, {}
        for name, parent, offset in skeleton:
            ch = channels[name]
            vals = row[col:col + len(ch)]
            col += len(ch)
            trans = np.array(offset, dtype=float)
            axes, angles = "", []
            for c, v in zip(ch, vals):
                if c in _BVH_POS:
                    trans[_BVH_POS[c]] += v
                else:
                    axes += _BVH_AXIS[c]
                    angles.append(v)
            local = Rotation.from_euler(axes, angles, degrees=True).as_matrix() if axes else np.eye(3)
            if parent is None:
                glob_p[name], glob_r[name] = trans, local
            else:
                glob_p[name] = glob_p[parent] + glob_r[parent] @ trans
                glob_r[name] = glob_r[parent] @ local
            out[name][t] = glob_p[name]
    return out


def human_channels(rot_order: str = "ZXY", root_order: str | None = None) -> dict[str, tuple[str, ...]]:
    """Channels of HUMAN_BVH: the root with positions + rotations, others rotations in `rot_order`."""
    rot = tuple(f"{a}rotation" for a in rot_order)
    root = ("Xposition", "Yposition", "Zposition") + tuple(f"{a}rotation" for a in (root_order or rot_order))
    return {name: (root if parent is None else rot) for name, parent, _ in HUMAN_BVH}


# ---- Acclaim ASF/AMC -------------------------------------------------------------------------------------

#: name, parent, direction, length (file units), axis (deg), dof
ACCLAIM_BONES = (
    ("lhipjoint", "root", (1.0, -1.0, 0.0), 1.6, (0, 0, 0), ()),
    ("lfemur", "lhipjoint", (0.0, -1.0, 0.0), 7.5, (0, 0, 20), ("rx", "ry", "rz")),
    ("ltibia", "lfemur", (0.0, -1.0, 0.0), 7.3, (0, 0, 20), ("rx",)),
    ("lfoot", "ltibia", (0.0, -0.3, 1.0), 2.4, (-90, 0, 20), ("rz", "rx")),
    ("rhipjoint", "root", (-1.0, -1.0, 0.0), 1.6, (0, 0, 0), ()),
    ("rfemur", "rhipjoint", (0.0, -1.0, 0.0), 7.5, (0, 0, -20), ("rx", "ry", "rz")),
    ("rtibia", "rfemur", (0.0, -1.0, 0.0), 7.3, (0, 0, -20), ("rx",)),
    ("rfoot", "rtibia", (0.0, -0.3, 1.0), 2.4, (-90, 0, -20), ("rx", "rz")),
    ("lowerback", "root", (0.0, 1.0, 0.0), 2.2, (0, 0, 0), ("rx", "ry", "rz")),
    ("upperback", "lowerback", (0.0, 1.0, 0.0), 2.2, (0, 0, 0), ("rx", "ry", "rz")),
    ("thorax", "upperback", (0.0, 1.0, 0.0), 2.2, (0, 0, 0), ("rx", "ry", "rz")),
    ("lowerneck", "thorax", (0.0, 1.0, 0.0), 1.7, (0, 0, 0), ("rx", "ry", "rz")),
    ("upperneck", "lowerneck", (0.0, 1.0, 0.0), 1.7, (0, 0, 0), ("rx", "ry", "rz")),
    ("head", "upperneck", (0.0, 1.0, 0.0), 1.8, (0, 0, 0), ("rx", "ry", "rz")),
    ("lclavicle", "thorax", (1.0, 0.2, 0.0), 3.0, (0, 0, 0), ("ry", "rz")),
    ("lhumerus", "lclavicle", (1.0, 0.0, 0.0), 5.0, (180, -30, -90), ("rx", "ry", "rz")),
    ("lradius", "lhumerus", (1.0, 0.0, 0.0), 3.0, (180, -30, -90), ("rx",)),
    ("lwrist", "lradius", (1.0, 0.0, 0.0), 1.5, (0, 90, 90), ("ry",)),
    ("rclavicle", "thorax", (-1.0, 0.2, 0.0), 3.0, (0, 0, 0), ("ry", "rz")),
    ("rhumerus", "rclavicle", (-1.0, 0.0, 0.0), 5.0, (180, 30, 90), ("rx", "ry", "rz")),
    ("rradius", "rhumerus", (-1.0, 0.0, 0.0), 3.0, (180, 30, 90), ("rx",)),
    ("rwrist", "rradius", (-1.0, 0.0, 0.0), 1.5, (0, -90, -90), ("ry",)),
)


def write_asf(path: Path, bones=ACCLAIM_BONES, length_unit: float = 0.45, root_order: str = "TX TY TZ RX RY RZ",
              root_axis: str = "XYZ", axis_order: str = "XYZ") -> None:
    lines = [":version 1.10", ":name test", ":units", "  mass 1.0", f"  length {length_unit}", "  angle deg",
             ":root", f"   order {root_order}", f"   axis {root_axis}", "   position 0 0 0", "   orientation 0 0 0",
             ":bonedata"]
    for i, (name, _, direction, length, axis, dof) in enumerate(bones, 1):
        lines += ["  begin", f"     id {i}", f"     name {name}", f"     direction {' '.join(map(str, direction))}",
                  f"     length {length}", f"     axis {' '.join(map(str, axis))} {axis_order}"]
        if dof:
            lines += [f"    dof {' '.join(dof)}", "    limits " + "\n           ".join("(-180.0 180.0)" for _ in dof)]
        lines.append("  end")
    lines += [":hierarchy", "  begin"]
    parents: dict[str, list[str]] = {}
    for name, parent, *_ in bones:
        parents.setdefault(parent, []).append(name)
    lines += [f"    {p} {' '.join(c)}" for p, c in parents.items()]
    lines += ["  end"]
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")


def write_amc(path: Path, frames: list[dict[str, list[float]]]) -> None:
    lines = ["#!OML:ASF X:\\f\xfcr test", ":FULLY-SPECIFIED", ":DEGREES"]
    for i, values in enumerate(frames, 1):
        lines.append(str(i))
        lines += [f"{name} {' '.join(f'{v:.6f}' for v in vals)}" for name, vals in values.items()]
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))


def reference_acclaim_fk(frames, bones=ACCLAIM_BONES, scale: float = 0.0254 / 0.45,
                         root_order: str = "TX TY TZ RX RY RZ", axis_order: str = "XYZ") -> dict[str, np.ndarray]:
    """Slow per-frame Acclaim FK with scipy (extrinsic Euler = rotations applied in the listed order)."""
    order = root_order.lower().split()
    out = {name: np.zeros((len(frames), 3)) for name, *_ in bones}
    out["root"] = np.zeros((len(frames), 3))
    for t, values in enumerate(frames):
        root = dict(zip(order, values["root"]))
        rot_axes = "".join(ch[1] for ch in order if ch.startswith("r"))
        glob_r = {"root": Rotation.from_euler(rot_axes, [root["r" + a] for a in rot_axes], degrees=True).as_matrix()}
        glob_p = {"root": np.array([root["tx"], root["ty"], root["tz"]]) * scale}
        out["root"][t] = glob_p["root"]
        for name, parent, direction, length, axis, dof in bones:
            c = Rotation.from_euler(axis_order.lower(), axis, degrees=True).as_matrix()
            m = (Rotation.from_euler("".join(d[1] for d in dof), values[name], degrees=True).as_matrix()
                 if dof else np.eye(3))
            glob_r[name] = glob_r[parent] @ c @ m @ c.T
            d = np.asarray(direction, float) / np.linalg.norm(direction)
            glob_p[name] = glob_p[parent] + glob_r[name] @ d * length * scale
            out[name][t] = glob_p[name]
    return out


def random_acclaim_frames(n: int, seed: int = 0, bones=ACCLAIM_BONES, spread: float = 40.0):
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(n):
        # rounded as written to the file, so the reference sees exactly what the loader reads
        f = {"root": list(np.round(np.r_[rng.normal(0, 5, 3) + [0, 17, 0], rng.uniform(-spread, spread, 3)], 6))}
        for name, _, _, _, _, dof in bones:
            if dof:
                f[name] = list(np.round(rng.uniform(-spread, spread, len(dof)), 6))
        frames.append(f)
    return frames
