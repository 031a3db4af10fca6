"""Benchmark: sync accuracy of two views of held-out mocap with a known time warp, old cost window vs new.

    .venv/bin/python benchmarks/sync_accuracy.py [--model assets/prvipe.safetensors] [--reps 3] [--seed 0]
        [--swaps 0.1] [--real ../shared/data/media/pose2sim_4views]

Data: the held-out HDM05 actor "mm" (../cache/hdm05_seq.npz, 30 fps, no dedup; the bundled model
never saw mm). Each case takes one clip of >= --min-frames frames and renders it through two different
random cameras of the evaluation's "all" rig (trainer.evaluation.rigs, 11 cameras at mixed heights):
- A (the reference) at fps_a in {30, 50, 60}, covering the clip minus up to 15% at each end;
- B (the follower) at fps_b in {25, 30, 50, 60}, covering its own random part of the clip (so the
  starts differ), played at a global speed of 0.6-1.6x (log-uniform) with a smooth random speed wobble
  (trainer.evaluation.sequences.smooth_warp, strength 0.3) on top;
- Gaussian keypoint noise of --noise px on the 1000 px images (a detector's jitter);
- with --swaps F: B's left/right labels swapped on about F of its frames, in runs of 50-500 ms
  (with_lr_swaps; a detector's intermittent mix-up, as MediaPipe does on cam02 of the real pair).
Both are embedded with the model (and B's mirror image, as the sync panel does: "Try mirrored") and
aligned with poseexplorer.align.video_sync.align_follower, the sync panel's own call (B resampled to A's
fps, cost window, DTW, no drift limit). Error, for each A frame whose instant B also shows: |clip time of
the B frame shown - clip time of the A frame|, in A frames (and ms).

Variants, all in one run on the same cases: "old" = the diagonal atrous window (kernel 7, rate 3) on
-log P, as the app did before; "new" = align_follower's defaults: per frame pair the lesser -log P of B and
B mirrored (cost.lr_invariant_distance, chosen with --swaps 0.1 and without), with the hub correction
(cost.hub_corrected, k = HUB_NEIGHBOURS), then the window laid along slopes 1/2..2 (WINDOW_SLOPES), 11
taps 4 frames apart (video_sync.SYNC_WINDOW_*); plus the candidates that were compared to choose it (--all).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from poseexplorer.align.video_sync import PoseSequence, align_follower  # noqa: E402

SEQ_SET = Path(__file__).resolve().parents[2] / "cache" / "hdm05_seq.npz"
HELD_OUT = "mm"
GEOMETRIC_5 = tuple(float(x) for x in np.geomspace(0.5, 2.0, 5))
GEOMETRIC_9 = tuple(float(x) for x in np.geomspace(0.5, 2.0, 9))
NO_HUB = dict(hub_neighbours=None)
WINDOW_S = lambda taps, step_s, slopes: lambda fps: dict(kernel=taps, rate=max(1, round(step_s * fps)), slopes=slopes)  # noqa: E731
CANDIDATES = {  # name -> align_sequences options (or fps of A -> options)
    "old": dict(kernel=7, rate=3, slopes=(1.0,), **NO_HUB),
    "new": dict(),  # align_follower's defaults (per-frame left/right choice since 23:20 UTC 23 Nov)
    "prev new (whole-seq mirror)": dict(lr_invariant=False),  # the defaults before: one mirror choice per sequence
    "no window": dict(kernel=1, slopes=(1.0,), **NO_HUB),
    "k7 r3 slopes x5": dict(kernel=7, rate=3, slopes=GEOMETRIC_5, **NO_HUB),
    "k7 r3 slopes x9": dict(kernel=7, rate=3, slopes=GEOMETRIC_9, **NO_HUB),
    "k7 r3 slopes x3": dict(kernel=7, rate=3, slopes=(2 / 3, 1.0, 1.5), **NO_HUB),
    "k5 r2": dict(kernel=5, rate=2, slopes=(1.0,), **NO_HUB),
    "k9 r3": dict(kernel=9, rate=3, slopes=(1.0,), **NO_HUB),
    "k7 r5": dict(kernel=7, rate=5, slopes=(1.0,), **NO_HUB),
    "k11 0.1s x1": lambda fps: dict(WINDOW_S(11, 0.1, (1.0,))(fps), **NO_HUB),
    "k9 r3 slopes x5": dict(kernel=9, rate=3, slopes=GEOMETRIC_5, **NO_HUB),
    "k7 r5 slopes x5": dict(kernel=7, rate=5, slopes=GEOMETRIC_5, **NO_HUB),
    "k7 0.1s x5": lambda fps: dict(WINDOW_S(7, 0.1, GEOMETRIC_5)(fps), **NO_HUB),
    "k11 0.067s x5": lambda fps: dict(WINDOW_S(11, 1 / 15, GEOMETRIC_5)(fps), **NO_HUB),
    "k15 0.067s x5": lambda fps: dict(WINDOW_S(15, 1 / 15, GEOMETRIC_5)(fps), **NO_HUB),
    "k11 0.1s x5": lambda fps: dict(WINDOW_S(11, 0.1, GEOMETRIC_5)(fps), **NO_HUB),
    "k11 r4 x5 (new, no hub)": dict(**NO_HUB),
    "new, hub k=10": dict(hub_neighbours=10),
    "new, hub all": dict(hub_neighbours=10**9),  # row and column means
    "hub, k11 0.1s x5": WINDOW_S(11, 0.1, GEOMETRIC_5),
    "old + hub k=5": dict(kernel=7, rate=3, slopes=(1.0,)),
    "hub, k7 r3 x5": dict(kernel=7, rate=3),
    "hub, k11 0.067s x5": WINDOW_S(11, 1 / 15, GEOMETRIC_5),
    "hub, k9 0.067s x5": WINDOW_S(9, 1 / 15, GEOMETRIC_5),
    "hub, k7 0.1s x5": WINDOW_S(7, 0.1, GEOMETRIC_5),
    "old, lr-invariant": dict(kernel=7, rate=3, slopes=(1.0,), lr_invariant=True, **NO_HUB),
}
SWAP_RUN_S = (0.05, 0.5)  # simulated left/right label swaps: runs of 50-500 ms


def with_lr_swaps(xy: np.ndarray, fps: float, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """xy (T, 13, 2) with left/right labels swapped (not mirrored: the image is the same) on about `fraction`
    of the frames, in runs of SWAP_RUN_S seconds at random places (a detector's intermittent L/R mix-up).
    Returns (xy, swapped (T,) bool)."""
    from poseexplorer.core.skeleton import COCO13_MIRROR

    swapped = np.zeros(len(xy), bool)
    while swapped.mean() < fraction:
        run = max(1, round(rng.uniform(*SWAP_RUN_S) * fps))
        start = int(rng.integers(0, max(1, len(xy) - run + 1)))
        swapped[start:start + run] = True
    out = xy.copy()
    out[swapped] = xy[swapped][:, COCO13_MIRROR]
    return out, swapped


def options_for(name: str, fps_a: float) -> dict:
    """align_follower options of a candidate; all but "new" and the "lr-invariant" ones pin the
    whole-sequence mirror choice, so they measure what they measured before lr_invariant existed."""
    options = CANDIDATES[name]
    options = options(fps_a) if callable(options) else options
    return options if name == "new" else {"lr_invariant": False, **options}


def clip_time_of(n: int, fps: float, span: tuple[float, float]) -> np.ndarray:
    """Clip seconds shown by n frames at fps starting at span[0] (uniform speed)."""
    return span[0] + np.arange(n) / fps


def make_case(joints: np.ndarray, rng: np.random.Generator, cams: int) -> dict:
    """Random fps, spans, speed and warp for one clip (joints at 30 fps). Returns times and cameras."""
    from trainer.evaluation.sequences import smooth_warp

    length = (len(joints) - 1) / 30.0
    fps_a, fps_b = float(rng.choice([30, 50, 60])), float(rng.choice([25, 30, 50, 60]))
    a0, a1 = rng.uniform(0, 0.15) * length, length - rng.uniform(0, 0.15) * length
    b0, b1 = rng.uniform(0, 0.15) * length, length - rng.uniform(0, 0.15) * length
    speed = float(np.exp(rng.uniform(np.log(0.6), np.log(1.6))))  # clip seconds per B second
    times_a = clip_time_of(int((a1 - a0) * fps_a) + 1, fps_a, (a0, a1))
    n_b = int((b1 - b0) / speed * fps_b) + 1
    shape = smooth_warp(n_b, 1000, rng, strength=0.3) / 999.0  # 0..1, smooth random speed profile
    times_b = b0 + shape * (b1 - b0)
    cam_a, cam_b = rng.choice(cams, 2, replace=False)
    return dict(fps_a=fps_a, fps_b=fps_b, speed=speed, times_a=times_a, times_b=times_b,
                cams=(int(cam_a), int(cam_b)))


def render(joints, times, rig, cam, noise, rng):
    from trainer.evaluation.sequences import _project, resample

    xy = _project(rig, cam, resample(joints, times * 30.0))
    return (xy + rng.normal(0, noise, xy.shape)).astype(np.float32)


def sequence(name, xy, fps, model, mirror: bool) -> PoseSequence:
    from poseexplorer.core.mirror import mirror_coco13

    scores = np.ones(xy.shape[:2], np.float32)
    emb = model.embed(xy, scores)
    mirrored = model.embed(*mirror_coco13(xy, 0.0, scores)) if mirror else None
    return PoseSequence(name, name, fps, emb, np.ones(len(xy), bool), mirrored)


def errors_of(sync: np.ndarray, case: dict) -> np.ndarray:
    """|clip time of the B frame shown - clip time of the A frame| in A frames, where B shows that time."""
    ta, tb = case["times_a"], case["times_b"]
    inside = (ta >= tb[0]) & (ta <= tb[-1])
    return np.abs(tb[sync[inside]] - ta[inside]) * case["fps_a"]


def run(args) -> dict[str, list[np.ndarray]]:
    import torch

    from poseexplorer.embed.model import load_model
    from trainer.evaluation.data import load_frames
    from trainer.evaluation.rigs import all_rig

    torch.set_num_threads(1)
    model = load_model(args.model)
    frames = load_frames(args.seq_set)
    held = frames.select(frames.subject == HELD_OUT)
    clips = [idx for idx in held.clips() if len(idx) >= args.min_frames]
    rig, rng = all_rig(), np.random.default_rng(args.seed)
    swap_rng = np.random.default_rng([args.seed, 1])  # its own stream: the cases match a run without swaps
    names = (list(CANDIDATES) if args.all else ["old", "prev new (whole-seq mirror)", "new"]) if not args.only else args.only
    out: dict[str, list[np.ndarray]] = {n: [] for n in names}
    times = {n: 0.0 for n in names}
    for rep in range(args.reps):
        for idx in clips:
            joints = held.joints[idx]
            case = make_case(joints, rng, len(rig))
            xa = render(joints, case["times_a"], rig, case["cams"][0], args.noise, rng)
            xb = render(joints, case["times_b"], rig, case["cams"][1], args.noise, rng)
            if args.swaps > 0:
                xb = with_lr_swaps(xb, case["fps_b"], args.swaps, swap_rng)[0]
            ref = sequence("A", xa, case["fps_a"], model, mirror=False)
            fol = sequence("B", xb, case["fps_b"], model, mirror=not args.no_mirror)
            for n in names:
                t0 = time.perf_counter()
                sync = align_follower(ref, fol, model, **options_for(n, case["fps_a"])).sync_map
                times[n] += time.perf_counter() - t0
                out[n].append(errors_of(sync, case))
    print(f"model {model.name} ({args.model or 'bundled'}), held-out actor {HELD_OUT}: {len(clips)} clips "
          f">= {args.min_frames} frames x {args.reps} random cases = {len(clips) * args.reps} pairs, "
          f"noise {args.noise} px, L/R swaps on {100 * args.swaps:g}% of B frames, mirror search {'off' if args.no_mirror else 'on'}, seed {args.seed}")
    print(f"{'variant':<24} {'median err (A fr)':>17} {'within 1 fr':>11} {'within 3 fr':>11} {'within 6 fr':>11} "
          f"{'mean':>7} {'pairs median<=3':>15} {'align s':>8}")
    for n in names:
        pooled = np.concatenate(out[n])
        per_pair = np.array([np.median(e) for e in out[n] if len(e)])
        print(f"{n:<24} {np.median(pooled):>17.2f} {100 * np.mean(pooled <= 1):>10.1f}% {100 * np.mean(pooled <= 3):>10.1f}% "
              f"{100 * np.mean(pooled <= 6):>10.1f}% {pooled.mean():>7.2f} {100 * np.mean(per_pair <= 3):>14.1f}% "
              f"{times[n]:>8.2f}")
    return out


def run_real(args) -> None:
    """The sync panel's pipeline (MediaPipe through the library, mirror search, no drift limit) on the
    real pair, old vs new window; error in 60 fps frames where B shows cam01's instant."""
    import tempfile

    import torch

    from poseexplorer.embed.model import load_model
    from poseexplorer.jobs import never_cancel, no_progress
    from poseexplorer.session.sync_jobs import index_video, sequence_from_library
    from poseexplorer.testing.footage import REAL_FPS_B, REAL_WARP, retimed_views

    torch.set_num_threads(1)
    model = load_model(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        path_a, path_b, source = retimed_views(Path(args.real), Path(tmp))
        lib = str(Path(tmp) / "lib.sqlite")
        ref, fol = (sequence_from_library(lib, index_video(lib, str(p), model, no_progress, never_cancel), model)
                    for p in (path_a, path_b))
    print(f"real pair {args.real}: cam01 {ref.n_frames} frames at {ref.fps:g} fps vs cam02 re-timed "
          f"{fol.n_frames} frames at {fol.fps:g} fps (true slope: {1 / REAL_WARP[1]:.2f} B seconds per cam01 second)")
    print(f"{'variant':<24} {'median err (60fps fr)':>21} {'within 3':>9} {'within 6':>9} {'fitted slope':>12} "
          f"{'mirrored':>8} {'path cost':>9}")
    for n in args.real_variants:
        fs = align_follower(ref, fol, model, **options_for(n, ref.fps))
        inside = [i for i in range(len(fs.sync_map)) if source[0] <= i <= source[-1]]
        err = np.array([abs(source[fs.sync_map[i]] - i) for i in inside])
        slope = np.polyfit(inside, fs.sync_map[inside], 1)[0] * ref.fps / REAL_FPS_B  # B s per A s
        print(f"{n:<24} {np.median(err):>21.1f} {100 * np.mean(err <= 3):>8.0f}% {100 * np.mean(err <= 6):>8.0f}% "
              f"{slope:>12.2f} {str(fs.mirrored):>8} {fs.distance:>9.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="model file (default: the bundled assets/prvipe.safetensors)")
    p.add_argument("--seq-set", default=str(SEQ_SET))
    p.add_argument("--reps", type=int, default=3, help="random cases per clip")
    p.add_argument("--min-frames", type=int, default=60, help="shortest clip used (30 fps frames)")
    p.add_argument("--noise", type=float, default=3.0, help="keypoint noise in px (1000 px images)")
    p.add_argument("--no-mirror", action="store_true", help="do not try B's mirror image")
    p.add_argument("--all", action="store_true", help="also the other candidates that were compared")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--swaps", type=float, default=0.0,
                   help="fraction of B frames with left/right labels swapped, in short runs (SWAP_RUN_S)")
    p.add_argument("--real-variants", nargs="+", choices=list(CANDIDATES),
                   default=["old", "old, lr-invariant", "prev new (whole-seq mirror)", "new"],
                   help="variants measured on the real pair")
    p.add_argument("--only", nargs="+", choices=list(CANDIDATES), help="just these variants")
    p.add_argument("--real", default=None, metavar="DIR",
                   help="also the real pair of the sync panel test: DIR holds pose2sim cam01.mp4 and cam02.mp4")
    args = p.parse_args()
    if not 0 <= args.swaps <= 0.9:
        p.error(f"--swaps must be in [0, 0.9], got {args.swaps}")
    run(args)
    if args.real:
        run_real(args)


if __name__ == "__main__":
    main()
