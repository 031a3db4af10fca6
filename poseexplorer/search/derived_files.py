"""What a PoseIndex derives from its embedding (origin, rho, scan rows) as .npy files, so a large library's
index is memory-mapped at the next start instead of computed again (seconds and 760 MB at 10^7 poses).

    save_derived(folder, origin, rho, scan)           # each file lands whole: written aside, then renamed
    origin, rho, scan = load_derived(folder, n, d)    # rho, scan memory-mapped; ValueError when they do not fit
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

_NAMES = ("origin", "rho", "scan")


def save_derived(folder: str | os.PathLike, origin: np.ndarray, rho: np.ndarray, scan: np.ndarray) -> None:
    """Write origin (D,), rho (N,) and scan (N, D + 2) float32 into folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, value in zip(_NAMES, (origin, rho, scan)):
        tmp = folder / f".{name}.{os.getpid()}.npy"
        np.save(tmp, np.asarray(value, np.float32))
        os.replace(tmp, folder / f"{name}.npy")


def has_derived(folder: str | os.PathLike) -> bool:
    return all((Path(folder) / f"{name}.npy").is_file() for name in _NAMES)


def load_derived(folder: str | os.PathLike, n: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(origin (d,), rho (n,), scan (n, d + 2)) from folder, rho and scan memory-mapped."""
    folder = Path(folder)
    origin = np.load(folder / "origin.npy")
    rho = np.load(folder / "rho.npy", mmap_mode="r")
    scan = np.load(folder / "scan.npy", mmap_mode="r")
    if origin.shape != (d,) or rho.shape != (n,) or scan.shape != (n, d + 2):
        raise ValueError(f"{folder} holds an index of other poses: origin {origin.shape}, rho {rho.shape}, "
                         f"scan {scan.shape} for ({n}, {d})")
    return origin, rho, scan
