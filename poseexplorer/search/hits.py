"""What a PoseIndex query answers: the hits and how they were found."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    """One retrieved pose. probability: the sampled matching probability (the confidence);
    mirrored: the mirrored query matched this pose better; row: the pose's row in the index arrays."""

    pose_id: int
    media_id: int
    probability: float
    mirrored: bool
    row: int


@dataclass(frozen=True)
class QueryStats:
    """How the last query was answered: rows allowed by the filters, rows scored exactly, certificate;
    cells: answered from the CellIndex (then `allowed` counts the allowed rows among those it read)."""

    allowed: int
    scored: int
    certified: bool
    exhaustive: bool
    cells: bool = False
