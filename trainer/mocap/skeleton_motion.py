"""Forward-kinematics output of any skeleton file, before mapping to H36M-17."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class MocapError(ValueError):
    """A motion file that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class SkeletonMotion:
    """Joint positions and orientations of a named skeleton over time, in the file's own axes.

    names: J joint names (end sites included as '<parent>_end').  positions: (T, J, 3) float64 metres.
    rotations: (T, J, 3, 3) float64, each joint's global rotation (maps rest-pose world directions to the
    current frame).  fps: frames per second.  family: skeleton family guessed from the names ('' unknown).
    """

    names: tuple[str, ...]
    positions: np.ndarray
    rotations: np.ndarray
    fps: float
    family: str = ""

    def __post_init__(self) -> None:
        t, j = self.positions.shape[:2] if self.positions.ndim == 3 else (-1, -1)
        if self.positions.shape != (t, len(self.names), 3) or t < 0:
            raise ValueError(f"positions must be (T, {len(self.names)}, 3), got {self.positions.shape}")
        if self.rotations.shape != (t, j, 3, 3):
            raise ValueError(f"rotations must be ({t}, {j}, 3, 3), got {self.rotations.shape}")

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"joint {name!r} is not in this skeleton ({', '.join(self.names)})") from None
