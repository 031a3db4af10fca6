"""The one in-memory form of a motion clip after loading: H36M-17 joints in metres, world y-up, right-handed."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class Clip:
    """One motion clip in the world convention: x, y (up), z right-handed, metres, H36M-17 joint order.

    joints: (T, 17, 3) float32.  nose: (T, 3) float32 or None (a nose estimate, when the source has a head
    frame).  fps: frames per second of `joints`.  action: the motion class ('' when unknown).
    """

    name: str
    subject: str
    action: str
    fps: float
    joints: np.ndarray
    nose: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        joints = np.asarray(self.joints, dtype=np.float32)
        if joints.ndim != 3 or joints.shape[1:] != (17, 3):
            raise ValueError(f"Clip {self.name!r}: joints must be (T, 17, 3), got shape {joints.shape}")
        if not np.isfinite(joints).all():
            raise ValueError(f"Clip {self.name!r}: joints contain NaN or inf")
        if not (self.fps > 0 and np.isfinite(self.fps)):
            raise ValueError(f"Clip {self.name!r}: fps must be positive, got {self.fps}")
        object.__setattr__(self, "joints", joints)
        if self.nose is not None:
            nose = np.asarray(self.nose, dtype=np.float32)
            if nose.shape != (len(joints), 3):
                raise ValueError(f"Clip {self.name!r}: nose must be ({len(joints)}, 3), got shape {nose.shape}")
            object.__setattr__(self, "nose", nose)

    def __len__(self) -> int:
        return len(self.joints)

    @property
    def duration(self) -> float:
        """Seconds covered by the clip (frame count / fps)."""
        return len(self.joints) / self.fps

    def with_labels(self, *, subject: str | None = None, action: str | None = None, name: str | None = None) -> "Clip":
        """A copy with other subject/action/name labels."""
        return replace(self, subject=self.subject if subject is None else subject,
                       action=self.action if action is None else action, name=self.name if name is None else name)
