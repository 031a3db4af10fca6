"""Colours for drawing skeletons: left side blue, right side orange, centre white; ambiguity colour map."""
from __future__ import annotations

import numpy as np

from ...core.skeleton import COCO13_BONES, COCO13_NAMES

LEFT = (70, 160, 255)
RIGHT = (255, 140, 40)
CENTRE = (235, 235, 235)
LOW_VISIBILITY = (150, 150, 150)


def _side(joint: int) -> str:
    name = COCO13_NAMES[joint]
    return "left" if name.startswith("left_") else "right" if name.startswith("right_") else "centre"


def bone_colour(a: int, b: int) -> tuple[int, int, int]:
    """A bone is coloured by its side; a bone across the body (e.g. the hip line) is centre-coloured."""
    sa, sb = _side(a), _side(b)
    side = sa if sa == sb else "centre"
    return {"left": LEFT, "right": RIGHT, "centre": CENTRE}[side]


BONE_COLOURS: tuple[tuple[int, int, int], ...] = tuple(bone_colour(a, b) for a, b in COCO13_BONES)
JOINT_COLOURS: tuple[tuple[int, int, int], ...] = tuple(
    {"left": LEFT, "right": RIGHT, "centre": CENTRE}[_side(j)] for j in range(len(COCO13_NAMES)))


def ambiguity_colour(percentile: float) -> tuple[int, int, int]:
    """Green (clear pose, low percentile) through yellow to red (ambiguous, high percentile)."""
    t = float(np.clip(percentile / 100.0, 0.0, 1.0))
    if t < 0.5:
        return (int(60 + 390 * t), 200, 60)
    return (255, int(200 - 300 * (t - 0.5)), 40)


def ambiguity_colours(values: np.ndarray, n_bins: int = 16) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Bin per-pose ambiguity values by rank into n_bins colours: (bin index (N,), colour per bin)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.zeros(0, dtype=np.int64), []
    ranks = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    bins = (ranks * n_bins // max(1, values.size)).astype(np.int64)
    colours = [ambiguity_colour(100.0 * (i + 0.5) / n_bins) for i in range(n_bins)]
    return bins, colours


#: Distinct colours for media (tab10-like), cycled.
MEDIA_PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)


def media_colour(index: int) -> tuple[int, int, int]:
    return MEDIA_PALETTE[index % len(MEDIA_PALETTE)]


#: Person-track colours, cycled by track id: bright and apart from the left/right bone colours.
TRACK_PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 215, 165), (240, 70, 205), (250, 230, 60), (160, 120, 255), (130, 235, 80), (255, 95, 95),
    (90, 225, 255), (255, 175, 210),
)
UNTRACKED = (200, 200, 200)


def track_colour(track: int) -> tuple[int, int, int]:
    """The colour of a person track (the same in the viewer, the results and the scatter); grey untracked."""
    return UNTRACKED if track < 0 else TRACK_PALETTE[int(track) % len(TRACK_PALETTE)]
