"""Markdown for docs/results.md: a header (command, model sha256, data, date) and one part per section.

Every function returns a markdown string; a section that could not run is rendered as a "not run" note
with its reason, so the document always has every heading.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def pct(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100.0 * x:.1f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def not_run(reason: str) -> str:
    return f"*Not run: {reason}*\n"


def image(path: Path, out_dir: Path, alt: str) -> str:
    return f"![{alt}]({os.path.relpath(path, out_dir)})\n"


def header(command: str, models: dict[str, tuple[Path, str]], data: list[str], date: str,
           notes: list[str]) -> str:
    lines = ["# Results: Pr-VIPE on our data", "",
             "Regenerate this file (and the PNGs beside it) with:", "", "```", command, "```", "",
             f"Generated: {date}", "", "Models (sha256 of the weights file):", ""]
    lines += [f"- `{role}`: `{path}` sha256 `{sha}`" for role, (path, sha) in models.items()]
    lines += ["", "Data:", ""] + [f"- {d}" for d in data]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def retrieval_markdown(tab, view_labels: list[str], n_frames: int, rig_sizes: dict[str, int]) -> str:
    """One table per rig: rows x (exact, noisy) x Hit@1/10/20 in percent."""
    parts = []
    rigs = sorted({v.split(", ")[0] for v in view_labels}, key=lambda r: view_labels.index(r + ", exact"))
    for rig in rigs:
        cols = [v for v in view_labels if v.startswith(rig + ",")]
        head = ["row"] + [f"{c.split(', ')[1]} Hit@{k}" for c in cols for k in (1, 10, 20)]
        rows = []
        for label, per_view in tab.results.items():
            rows.append([label] + [pct(per_view[c].hit_at(k)) for c in cols for k in (1, 10, 20)])
        for label, reason in tab.missing.items():
            rows.append([label] + ["not run"] * (len(head) - 1))
        parts.append(f"**{rig} rig** ({rig_sizes.get(rig, '?')} cameras, {n_frames} frames, "
                     f"{rig_sizes.get(rig, 0) * (rig_sizes.get(rig, 0) - 1)} ordered camera pairs; percent)\n\n"
                     + table(head, rows))
    if tab.missing:
        parts.append("Rows not run:\n\n" + "\n".join(f"- {k}: {v}" for k, v in tab.missing.items()) + "\n")
    return "\n".join(parts)


def pair_markdown(result, names: list[str]) -> str:
    """Hit@1 per (query camera, index camera) as a matrix, percent."""
    rows = [[names[i]] + ["-" if i == j else pct(result.pair_hit1[i, j]) for j in range(len(names))]
            for i in range(len(names))]
    return table(["query \\ index"] + names, rows)


def size_markdown(sizes: dict[int, dict[str, float]], missing: dict[int, str], view_labels: list[str]) -> str:
    rows = [[str(d)] + [f"{sizes[d][v]:.1f}" for v in view_labels] for d in sorted(sizes)]
    rows += [[str(d)] + ["not run"] * len(view_labels) for d in sorted(missing)]
    text = table(["d"] + [f"{v} Hit@1" for v in view_labels], rows)
    if missing:
        text += "\n" + "\n".join(f"- d={d}: {r}" for d, r in sorted(missing.items())) + "\n"
    return text


def calibration_markdown(tables: dict) -> str:
    pooled = tables["pooled"]
    rows = [[f"{lo:.2f}-{hi:.2f}", str(n), "n/a" if n == 0 else f"{mp:.3f}", "n/a" if n == 0 else f"{r:.3f}"]
            for lo, hi, n, mp, r in pooled.rows]
    text = "Pooled over all rigs and conditions (each query's top-20 results):\n\n"
    text += table(["P bin", "pairs", "mean P", "fraction true matches"], rows)
    text += "\nSpearman rank correlation between P and being a true match: " + ", ".join(
        f"{k}: {v.rho:.3f}" for k, v in tables.items()) + "\n"
    return text
