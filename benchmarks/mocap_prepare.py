"""Time the mocap preparation steps against obvious per-frame versions, in one run.

  python benchmarks/mocap_prepare.py [HDM05_AMC_FILE]

Prints, for one HDM05 clip: ASF/AMC forward kinematics vectorised over frames vs a per-frame Python loop
(same formulas), and consecutive-pose deduplication (batched, vectorised) vs the greedy loop calling
np_mpjpe pose by pose; each with frames/s and the ratio.  Needs ../shared/data (or a clip path).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from trainer.mocap.asf_amc import find_asf, forward_kinematics, load_asf, parse_amc
from trainer.mocap.dedup import dedup_indices, dedup_indices_slow
from trainer.mocap.loader import clip_from_motion
from trainer.mocap.rotation import euler_applied

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/mocap/hdm05/amc/lieDownFloor"


def fk_per_frame(skel, motion, frames):
    """The obvious version: loop over frames and bones, one 3x3 product at a time."""
    out = np.zeros((frames, len(skel.bones) + 1, 3))
    for t in range(frames):
        root = motion["root"][t]
        rots = {"root": euler_applied(root[None, 3:6], "XYZ")[0]}
        pos = {"root": root[:3] * skel.metres_per_unit}
        for k, bone in enumerate(skel.bones, 1):
            c = euler_applied(np.asarray([bone.axis]), bone.axis_order)[0]
            vals = motion.get(bone.name)
            axes = "".join(d[1] for d in bone.dof).upper()
            m = euler_applied(vals[t][None], axes)[0] if vals is not None and axes else np.eye(3)
            rots[bone.name] = rots[bone.parent] @ c @ m @ c.T
            d = np.asarray(bone.direction) / np.linalg.norm(bone.direction)
            pos[bone.name] = pos[bone.parent] + rots[bone.name] @ d * bone.length * skel.metres_per_unit
            out[t, k] = pos[bone.name]
    return out


def timed(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else next(iter(sorted(DEFAULT.glob("*.amc"))), None)
    if path is None or not path.is_file():
        print("no HDM05 clip found; pass an .amc path")
        return 1
    skel = load_asf(find_asf(path))
    motion, frames = parse_amc(path.read_text(encoding="latin-1"), path)
    t_vec, sm = timed(lambda: forward_kinematics(skel, motion, frames, 120.0))
    t_loop, ref = timed(lambda: fk_per_frame(skel, motion, frames), repeat=1)
    assert np.allclose(ref[:, 1:], sm.positions[:, 1:], atol=1e-9)
    print(f"{path.name}: {frames} frames")
    print(f"FK vectorised {frames / t_vec:,.0f} frames/s; per-frame loop {frames / t_loop:,.0f} frames/s; "
          f"ratio {t_loop / t_vec:.1f}x")
    joints = clip_from_motion(sm, path).joints[::4]  # 30 fps, as prepared
    t_fast, a = timed(lambda: dedup_indices(joints, 0.02))
    t_slow, b = timed(lambda: dedup_indices_slow(joints, 0.02), repeat=1)
    assert np.array_equal(a, b)
    print(f"dedup batched {len(joints) / t_fast:,.0f} poses/s; greedy np_mpjpe loop {len(joints) / t_slow:,.0f} "
          f"poses/s; ratio {t_slow / t_fast:.1f}x ({len(a)} of {len(joints)} kept)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
