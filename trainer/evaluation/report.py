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
            rows.append([label] + [pct(per_view[c].hit_at(k)) if c in per_view else "-" for c in cols
                                   for k in (1, 10, 20)])
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


def _bin_rows(result) -> list[list[str]]:
    return [[f"{lo:.2f}-{hi:.2f}", str(n), "n/a" if n == 0 else f"{mp:.3f}", "n/a" if n == 0 else f"{r:.3f}"]
            for lo, hi, n, mp, r in result.rows]


def _num(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.3f}"


def calibration_markdown(section, calibration_note: str = "") -> str:
    """Pooled reliability table of raw P (and of the calibrated confidence when there is one), ECE of
    both per view label, and the rank correlations. section: mocap_sections.CalibrationSection."""
    text = "Pooled over all rigs, conditions and both estimates of P (each query's top-20 results):\n\n"
    text += table(["P bin", "pairs", "mean P", "fraction true matches"], _bin_rows(section.raw["pooled"]))
    if calibration_note:
        text += "\n" + calibration_note + "\n"
    if section.calibrated:
        text += "\nThe same pairs by the calibrated confidence the app shows:\n\n"
        text += table(["confidence bin", "pairs", "mean confidence", "fraction true matches"],
                      _bin_rows(section.calibrated["pooled"]))
    text += ("\nExpected calibration error (ECE: pair-weighted mean |confidence - fraction of true matches| over "
             "10 equal-width bins on [0, 1]; 0 = perfectly calibrated):\n\n")
    text += table(["pairs", "count", "ECE raw P", "ECE calibrated"],
                  [[label, str(n), _num(raw), _num(cal)] for label, (n, raw, cal) in section.ece.items()])
    text += "\nSpearman rank correlation between P and being a true match: " + ", ".join(
        f"{k}: {v.rho:.3f}" for k, v in section.raw.items()) + "\n"
    return text


def _hit1(tab, row: str, view: str) -> float | None:
    res = tab.results.get(row, {}).get(view)
    return None if res is None else 100.0 * res.hit_at(1)


def _compare(tab, a: str, b: str, views: list[str], claim: str) -> str | None:
    """One line: does row a beat row b at Hit@1 on each view? None when a row is missing."""
    pairs = [(v, _hit1(tab, a, v), _hit1(tab, b, v)) for v in views]
    if any(x is None or y is None for _, x, y in pairs):
        return None
    wins = [v for v, x, y in pairs if x > y]
    verdict = "holds everywhere" if len(wins) == len(pairs) else "fails everywhere" if not wins else \
        "holds on " + "; ".join(wins) + " only"
    detail = "; ".join(f"{v}: {x:.1f} vs {y:.1f}" for v, x, y in pairs)
    return f"- {claim}: **{verdict}** ({detail})"


def findings_markdown(tab, views: list[str], labels: dict[str, str]) -> str:
    """The paper's Table 1 claims checked against our Hit@1 numbers, generated from the table itself."""
    main, short, noaug = labels["prvipe_aug"], labels["prvipe_d16"], labels["prvipe_noaug"]
    lines = []
    for other in ("2D keypoints (Procrustes-aligned)", labels["lift3d_aug"], labels["l2vipe_aug"]):
        lines.append(_compare(tab, main, other, views, f"bundled Pr-VIPE beats {other}"))
    lines.append(_compare(tab, short, labels["l2vipe_aug"], views,
                          "Pr-VIPE beats L2-VIPE at the same short schedule"))
    chest = [v for v in views if v.startswith("chest")]
    every = [v for v in views if v.startswith("all")]
    lines.append(_compare(tab, noaug, short, chest,
                          "without augmentation Pr-VIPE does a little better on the chest (training-like) cameras"))
    lines.append(_compare(tab, short, noaug, every,
                          "with augmentation Pr-VIPE does better on the unseen 'all' cameras"))
    lines.append(_compare(tab, labels["l2vipe_aug"], labels["l2vipe_noaug"], every,
                          "the same holds for L2-VIPE on the 'all' cameras"))
    lines.append(_compare(tab, main, labels["lift3d_aug"], every,
                          "Pr-VIPE (16 numbers, no alignment) beats 3D lifting (51 numbers, Procrustes per pair) "
                          "on the 'all' cameras"))
    got = [x for x in lines if x]
    if not got:
        return ""
    return ("Checks of the paper's claims (generated from the Hit@1 numbers above; a claim is skipped when a row "
            "did not run):\n\n" + "\n".join(got) + "\n")


def training_markdown(models: dict[str, object]) -> str:
    """How each evaluated model was trained, from its model card."""
    rows = []
    for role, model in models.items():
        card = getattr(model, "card", {}) or {}
        cfg, tr = card.get("config", {}), card.get("training", {})
        val = card.get("validation", {}).get("data")
        rows.append([f"`{role}`", str(cfg.get("kind", getattr(model, "kind", "?"))),
                     str(cfg.get("embed_dim", getattr(model, "embed_dim", "?"))),
                     "chest views only" if cfg.get("chest_views") else "random cameras",
                     str(tr.get("steps", "?")), str(cfg.get("batch_size", "?")),
                     f"{tr.get('wall_time_s', float('nan')) / 60:.0f} min" if tr.get("wall_time_s") else "?",
                     "none" if not val else f"`{val}`",
                     f"`{tr['command']}`" if tr.get("command") else "(not recorded in the card)"])
    return table(["model", "kind", "d", "cameras", "steps", "batch", "train time", "validation data", "command"],
                 rows)


def split_sections(text: str, titles: dict[str, str]) -> dict[str, str]:
    """The parts of an earlier results.md: section name -> body (after its heading), plus '_command' (the
    regeneration command) and '_training' (the training table), where present."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    if "```" in lines:
        start = lines.index("```")
        out["_command"] = lines[start + 1] if start + 1 < len(lines) else ""
    heads = {f"## {t}": name for name, t in titles.items()}
    marks = [(i, heads[line]) for i, line in enumerate(lines) if line in heads]
    for (i, name), nxt in zip(marks, marks[1:] + [(len(lines), "")]):
        out[name] = "\n".join(lines[i + 2:nxt[0]]).rstrip("\n") + "\n"
    out["_origin"] = out.get("_command", "")
    if "Models (sha256 of the weights file):" in lines:
        start = lines.index("Models (sha256 of the weights file):") + 2
        end = next((i for i in range(start, len(lines)) if not lines[i].startswith("- ")), len(lines))
        out["_models"] = "; ".join(line[2:] for line in lines[start:end])
    for line in lines:  # a file that itself kept sections: carry their origin forward
        models, sep, command = line.partition("; the command that made them: `")
        if "kept from the previous run" in line and sep and command.endswith("`)."):
            out["_origin"] = command[:-3]
            out["_models"] = models.partition("the models they evaluated: ")[2]
    train = "### Training of the evaluated models"
    begin = next((i for i, line in enumerate(lines) if line.startswith(train)), None)
    if begin is not None:
        end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        out["_training"] = "\n".join(lines[begin + 2:end]).rstrip("\n") + "\n"
    return out


def relative_paths(text: str, repo: Path) -> str:
    """Absolute paths under the repo (or beside it) written relative to the repo root, where commands run."""
    repo = Path(repo).resolve()
    text = text.replace(f"cd {repo} && ", "")
    text = text.replace(f"{repo}/", "").replace(f"{repo.parent}/", "../")
    return text.replace(str(repo), ".")
