"""Matplotlib (Agg) figures for the results document. Each function writes one PNG and returns its path."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from poseexplorer.core.skeleton import COCO13_BONES  # noqa: E402

LEFT_JOINTS = {1, 3, 5, 7, 9, 11}


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def hit_bars(table: dict[str, dict[str, float]], title: str, path: Path) -> Path:
    """Grouped bars of Hit@1: table[row][column] in percent."""
    rows = list(table)
    cols = sorted({c for r in rows for c in table[r]}, key=lambda c: list(table[rows[0]]).index(c)
                  if c in table[rows[0]] else 99)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(1, len(rows))
    for i, r in enumerate(rows):
        vals = [table[r].get(c, np.nan) for c in cols]
        ax.bar(np.arange(len(cols)) + i * width - 0.4 + width / 2, vals, width, label=r)
    ax.set_xticks(np.arange(len(cols)), cols)
    ax.set_ylabel("Hit@1 (%)")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def ambiguity_scatter(sigma: np.ndarray, near: np.ndarray, rho: float, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.scatter(near, sigma, s=4, alpha=0.3, label="2D poses")
    ok = np.isfinite(near)
    edges = np.quantile(near[ok], np.linspace(0, 1, 11))
    mids, meds = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = ok & (near >= lo) & (near <= hi)
        if sel.any():
            mids.append(np.median(near[sel]))
            meds.append(np.median(sigma[sel]))
    ax.plot(mids, meds, "r-o", label="median per decile")
    ax.set_xlabel("2D NP-MPJPE to nearest poses that differ in 3D (lower = more ambiguous)")
    ax.set_ylabel("mean embedding sigma")
    ax.set_title(f"Ambiguity vs sigma (Spearman rho = {rho:.3f})")
    ax.legend()
    return _save(fig, path)


def _draw_pose(ax, xy: np.ndarray, title: str) -> None:
    for i, j in COCO13_BONES:
        limb = max(i, j) in (3, 4, 5, 6, 9, 10, 11, 12)
        colour = "0.4" if not limb else "tab:red" if max(i, j) in LEFT_JOINTS else "tab:blue"
        ax.plot(xy[[i, j], 0], xy[[i, j], 1], color=colour, lw=2)
    ax.scatter(xy[:, 0], xy[:, 1], s=8, c="k")
    ax.set_aspect("equal")
    ax.invert_yaxis()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=8)


def pose_gallery(rows: list[tuple[str, np.ndarray, list[str]]], title: str, path: Path) -> Path:
    """rows: (row label, poses (n, 13, 2) normalised, per-pose captions). Left side red, right blue."""
    ncol = max(len(r[1]) for r in rows)
    fig, axes = plt.subplots(len(rows), ncol, figsize=(1.8 * ncol, 2.3 * len(rows)), squeeze=False)
    for r, (label, poses, caps) in enumerate(rows):
        for c in range(ncol):
            ax = axes[r, c]
            if c < len(poses):
                _draw_pose(ax, poses[c], caps[c])
            else:
                ax.axis("off")
        axes[r, 0].set_ylabel(label)
    fig.suptitle(title + " (left limbs red, right blue)")
    return _save(fig, path)


def _reliability_axes(ax, curves: dict, xlabel: str, title: str) -> None:
    for label, (p, rate, count) in curves.items():
        ok = count > 0
        ax.plot(p[ok], rate[ok], "-o", label=label)
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="identity (perfectly calibrated)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of true matches (NP-MPJPE < 0.1)")
    ax.set_title(title)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)


def calibration_plot(curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], path: Path,
                     calibrated: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None) -> Path:
    """curves: label -> (mean P per bin, match rate per bin, count per bin). calibrated: the same for the
    calibrated confidence, drawn in a second panel beside the raw one."""
    panels = 1 if calibrated is None else 2
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    _reliability_axes(axes[0, 0], curves, "matching probability P (bin mean)",
                      "Raw P of top-20 retrievals")
    if calibrated is not None:
        _reliability_axes(axes[0, 1], calibrated, "calibrated confidence (bin mean)",
                          "Calibrated confidence (model's calibration map)")
    return _save(fig, path)


def line_plot(x: list, ys: dict[str, list], xlabel: str, ylabel: str, title: str, path: Path,
              logx: bool = False) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for label, y in ys.items():
        ax.plot(x, y, "-o", label=label)
    if logx:
        ax.set_xscale("log", base=2)
        ax.set_xticks(x, [str(v) for v in x])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def sync_plot(maps: dict[str, np.ndarray], path: Path, title: str) -> Path:
    """maps: label -> sync map (T,) of frames of B for each frame of A; identity drawn dashed."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    t_max = 0
    for label, m in maps.items():
        ax.plot(np.arange(len(m)), m, label=label, lw=1)
        t_max = max(t_max, len(m))
    ax.plot([0, t_max], [0, t_max], "k--", lw=1, label="identity")
    ax.set_xlabel("frame of view A")
    ax.set_ylabel("matched frame of view B")
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2)
    return _save(fig, path)
