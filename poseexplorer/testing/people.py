"""A generated library of several camera views of two people (no MediaPipe): for tests and examples of the
multi-person features (tracks, picking a person, retrieval and sync per person).

Person A (motion seed 5) stands on the left, person B (seed 72) on the right; the views see them from
other angles. B's seed keeps the two apart in 3D: no frame of one is within NP-MPJPE 0.16 of the other's
frame 6, the tests' query (with seed 11 a frame of B was a true 3D match of A's, NP-MPJPE 0.089, and which
person ranked first was a tie of saturated matching probabilities). The best-first person order swaps every third frame and B is missed in some frames, so only
the tracks (library.people.update_tracks) tell who is who.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .motion import motion_poses, project_to_image

SEEDS = {"A": 5, "B": 72}
SIZE = (320, 240)


def person_xy(who: str, n_frames: int, yaw: float = 0.0, fps: float = 30.0) -> np.ndarray:
    """(T, 13, 2) float32 pixels of person A (left half of the frame) or B (right half), in its lower
    two thirds (the top is empty: a click there lands on nobody)."""
    xy = project_to_image(motion_poses(n_frames, SEEDS[who], fps), (SIZE[0] // 2, SIZE[1] * 2 // 3), yaw)
    return (xy + np.float32([0 if who == "A" else SIZE[0] // 2, SIZE[1] // 3])).astype(np.float32)


def missing_b(frame: int) -> bool:
    """Frames where the detector 'missed' person B."""
    return frame % 7 == 5


def write_dark_video(path: Path, n_frames: int, fps: float = 30.0) -> Path:
    """A decodable video of SIZE with a frame number bar (no people in the pixels)."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, SIZE)
    for i in range(n_frames):
        frame = np.full((SIZE[1], SIZE[0], 3), 35, np.uint8)
        frame[4:8, 4:4 + 3 * i % (SIZE[0] - 8)] = 90
        writer.write(frame)
    writer.release()
    return Path(path)


def two_people_library(library: Path, folder: Path, views: int = 2, n_frames: int = 24) -> list[int]:
    """Write `views` videos into folder and a library holding their two people with tracks; returns the
    media ids. Track ids differ per view (view k: A is track 0 in even views, 1 in odd ones)."""
    from ..detect.base import Detection
    from ..library import Library
    from ..library.people import add_people, people, set_tracks

    ids = []
    with Library.open(library) as lib:
        for v in range(views):
            path = write_dark_video(Path(folder) / f"cam0{v + 1}.avi", n_frames)
            yaw = 0.6 * v
            a, b = person_xy("A", n_frames, yaw), person_xy("B", n_frames, yaw)
            rows = []
            for f in range(n_frames):
                da = Detection.from_coco13(a[f], np.full(13, 0.9, np.float32))
                db = Detection.from_coco13(b[f], np.full(13, 0.8, np.float32))
                found = [da] if missing_b(f) else ([db, da] if f % 3 == 2 else [da, db])
                rows.append((f, found))
            mid = lib.add_media(str(path), "video", f"people-{v}-{path.stat().st_size}", fps=30.0,
                                width=SIZE[0], height=SIZE[1], frames=n_frames, detector="mediapipe-people3")
            add_people(lib, mid, rows)
            table = people(lib, mid)
            is_a = table.xy[:, 0, 0] < SIZE[0] // 2
            set_tracks(lib, table.pose_id, np.where(is_a, v % 2, 1 - v % 2))
            lib.update_media(mid, status="done")
            ids.append(mid)
    return ids
