"""Benchmark: the multi-person detector against the legacy single-person loop on the same frames, one run,
with recall and identity switches on the Pose2Sim multi-person footage.

    nice -n 10 .venv/bin/python benchmarks/multi_person.py [--views cam01 cam02 cam03 cam04] [--frames 100]
                                                           [--max-people 3] [--tiles 3 1]

Input: shared/data/media/pose2sim_multiperson_4views (100 frames per view, 1088x1920, two people and
sometimes a bystander). Each view's frames are decoded once into memory, then timed on them:
- reference: the legacy detector (MediaPipeDetector, solutions.pose in tracking mode, one person);
- candidate: MediaPipePeopleDetector(video=True, max_people=N) (PoseLandmarker on the whole frame and
  on square tiles along its long side, plus crop re-detection of recent people), once per --tiles value
  (1: the whole frame only).
Rates are person-frames per second (people returned / detection seconds) and frames per second; the
ratio is against the reference's frames per second measured in the same run (the legacy loop returns at
most one person per frame). Who is who comes from torso colour (poseexplorer.testing.people_truth), not
from the tracker: "both" is the share of frames where both the man and the woman are found, "switches"
the identity switches of the two over the person tracks (detect.tracking.assign_tracks). The load
average is printed: the machine is shared and rates move with it.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FOOTAGE = REPO.parent / "shared" / "data" / "media" / "pose2sim_multiperson_4views"


def decode(path: Path, n: int) -> list[np.ndarray]:
    from poseexplorer.io import open_media

    with open_media(path) as reader:
        return [rgb.copy() for _, rgb in reader.iter_frames(0, n)]


def run_legacy(frames: list[np.ndarray]) -> tuple[float, int]:
    """(seconds, people found) of the single-person loop."""
    from poseexplorer.detect import make_detector

    with make_detector("mediapipe", video=True) as det:
        det.detect(frames[0])      # model warm-up, untimed
        det.reset()
        t = time.perf_counter()
        found = sum(det.detect(rgb) is not None for rgb in frames)
        return time.perf_counter() - t, found


def run_people(frames: list[np.ndarray], max_people: int, tiles: int):
    """(seconds, frame_index (N,), xy (N, 13, 2), scores (N, 13)) of the multi-person detector."""
    from poseexplorer.detect.mediapipe_people import MediaPipePeopleDetector

    with MediaPipePeopleDetector(video=True, max_people=max_people) as det:
        det.tiles = tiles
        det.detect_people(frames[0])
        det.reset()
        rows = []
        t = time.perf_counter()
        for f, rgb in enumerate(frames):
            rows += [(f, d) for d in det.detect_people(rgb)]
        seconds = time.perf_counter() - t
    fi = np.array([f for f, _ in rows], np.int64)
    xy = np.stack([d.xy for _, d in rows]) if rows else np.zeros((0, 13, 2), np.float32)
    sc = np.stack([d.scores for _, d in rows]) if rows else np.zeros((0, 13), np.float32)
    return seconds, fi, xy, sc


def judge(video: Path, n: int, fi: np.ndarray, xy: np.ndarray, sc: np.ndarray) -> dict:
    from poseexplorer.detect.tracking import assign_tracks
    from poseexplorer.testing.people_truth import MAN, WOMAN, both_found, identity_switches, label_people

    labels = label_people(video, fi, xy)
    track = assign_tracks(fi, xy, sc)
    return {"both": both_found(fi, labels, n), "switches": identity_switches(fi, track, labels),
            "man": len(set(fi[labels == MAN].tolist())) / n, "woman": len(set(fi[labels == WOMAN].tolist())) / n,
            "tracks": int(track.max()) + 1 if len(track) else 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--views", nargs="+", default=["cam01", "cam02", "cam03", "cam04"])
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--max-people", type=int, default=3)
    ap.add_argument("--tiles", type=int, nargs="+", default=[3, 1], help="tile counts to compare (1: whole frame)")
    args = ap.parse_args()
    if not FOOTAGE.is_dir():
        raise SystemExit(f"needs {FOOTAGE}")
    variants = args.tiles
    print(f"load average at start: {os.getloadavg()}")
    total = {"legacy": [0.0, 0, 0], **{v: [0.0, 0, 0] for v in variants}}   # seconds, frames, people
    for view in args.views:
        video = FOOTAGE / f"{view}.mp4"
        frames = decode(video, args.frames)
        n = len(frames)
        s, found = run_legacy(frames)
        total["legacy"] = [total["legacy"][0] + s, total["legacy"][1] + n, total["legacy"][2] + found]
        print(f"{view}: legacy {n / s:6.2f} frames/s ({found}/{n} frames with a person)")
        for v in variants:
            s2, fi, xy, sc = run_people(frames, args.max_people, v)
            total[v] = [total[v][0] + s2, total[v][1] + n, total[v][2] + len(fi)]
            q = judge(video, n, fi, xy, sc)
            print(f"{view}: people tiles={v} {len(fi) / s2:6.2f} person-frames/s {n / s2:6.2f} frames/s "
                  f"(x{(n / s2) / (n / s):.2f} legacy frames/s) {len(fi) / n:.2f} people/frame; "
                  f"man {q['man']:.0%} woman {q['woman']:.0%} both {q['both']:.0%}; "
                  f"identity switches {q['switches']}; tracks {q['tracks']}")
    ls, ln, lp = total["legacy"]
    print(f"all views: legacy {ln / ls:.2f} frames/s = {lp / ls:.2f} person-frames/s")
    for v in variants:
        s, n, p = total[v]
        print(f"all views: people tiles={v}: {p / s:.2f} person-frames/s, {n / s:.2f} frames/s; "
              f"ratio to legacy: frames/s x{(n / s) / (ln / ls):.2f}, person-frames/s x{(p / s) / (lp / ls):.2f}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
