"""Export a training run to the app's model format: <name>.safetensors (+ card embedded) and <name>.card.json.

The card records the network spec, keypoint profile, matching scale a/b, the full training config, the
data used with licences and attributions, steps, wall time, validation Hit@k and (sidecar) the sha256.
"""
from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import numpy as np

from poseexplorer.core.skeleton import COCO13_NAMES

from .config import TrainConfig


class ExportError(Exception):
    """The run cannot be exported; the message names the file."""


#: Licences and attributions of the data families we know (from ../shared/data/mocap/*/SOURCE.md).
DATA_SOURCES = {
    "hdm05": {
        "name": "Mocap Database HDM05 (Universitaet Bonn / HdM Stuttgart)",
        "licence": "Creative Commons Attribution-ShareAlike 3.0 Unported (CC BY-SA 3.0)",
        "attribution": "The data used in this project was obtained from HDM05. M. Mueller, T. Roeder, M. Clausen, "
                       "B. Eberhardt, B. Krueger, A. Weber, 'Documentation Mocap Database HDM05', Tech. Report "
                       "CG-2007-2, Universitaet Bonn, 2007.",
        "note": "Derived data that is shared stays CC BY-SA; these weights are trained on it, so we distribute "
                "them under CC BY-SA 3.0 as well.",
    },
    "cmu": {
        "name": "CMU Graphics Lab Motion Capture Database (cgspeed's Daz-friendly BVH/FBX conversion: the "
                "cmu_dance BVH files and the cmu_joints file)",
        "licence": "CMU: 'This dataset of motions is free for all uses' (the data itself may not be resold)",
        "attribution": "The data used in this project was obtained from mocap.cs.cmu.edu. The database was created "
                       "with funding from NSF EIA-0196217.",
    },
}
HDM05_ACTORS = {"bd", "bk", "dg", "mm", "tr"}


def _family(subject: str) -> str:
    if subject in HDM05_ACTORS:
        return "hdm05"
    if subject.startswith("cmu"):
        return "cmu"
    return "other"


def describe_data(paths: list[str]) -> list[dict]:
    """Per dataset file: poses, subjects, and the licence of each data family it contains."""
    out = []
    for p in paths:
        entry: dict = {"path": str(p)}
        try:
            with np.load(p, allow_pickle=False) as d:
                subjects, counts = np.unique(d["subject"].astype(str), return_counts=True)
                entry["poses"] = int(counts.sum())
                entry["fps"] = float(d["fps"]) if "fps" in d.files else None
        except Exception:  # a folder, or a file we cannot read: record the path only
            out.append(entry)
            continue
        families: dict[str, dict] = {}
        for s, c in zip(subjects.tolist(), counts.tolist()):
            fam = families.setdefault(_family(s), {"subjects": [], "poses": 0})
            fam["subjects"].append(s)
            fam["poses"] += int(c)
        for fam, info in families.items():
            info.update(DATA_SOURCES.get(fam, {"licence": "unknown: check the source of these clips"}))
        entry["sources"] = families
        out.append(entry)
    return out


def _read_run(run: Path, which: str) -> tuple[TrainConfig, dict, str]:
    import torch

    try:
        cfg = TrainConfig.load(run / "config.json")
    except ValueError as exc:
        raise ExportError(f"{run}: not a training run ({exc})") from exc
    best, last = run / "best.pt", run / "checkpoint.pt"
    source = best if which == "best" and best.is_file() else last
    if not source.is_file():
        raise ExportError(f"{run}: no checkpoint.pt or best.pt to export")
    from .run_files import CheckpointError, load_tensors

    try:
        state = load_tensors(source)
    except CheckpointError as exc:
        raise ExportError(str(exc)) from None
    return cfg, state, source.name


def _last_metrics(run: Path) -> tuple[dict | None, dict | None]:
    """(last validation line, last final-event line) of metrics.jsonl."""
    val = final = None
    path = run / "metrics.jsonl"
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "val_hit1" in rec:
                val = rec
            if "event" in rec:
                final = rec
    return val, final


def build_card(cfg: TrainConfig, state: dict, source: str, run: Path, command: str | None) -> dict:
    last_val, final = _last_metrics(run)
    validation = state.get("validation") or last_val
    return {
        "name": cfg.name,
        "kind": cfg.kind,
        "description": "Pr-VIPE view-invariant probabilistic pose embedding (Sun et al., ECCV 2020), "
                       "reimplemented in PyTorch; see docs and prvipe-method.md.",
        "keypoints": {"profile": "COCO-13", "names": list(COCO13_NAMES),
                      "coordinates": "image pixels or any scale, x right, y down",
                      "visibility_threshold": cfg.visibility_threshold,
                      "visibility_input": cfg.visibility_input, "upright": cfg.upright,
                      "snap_hipless": cfg.snap_hipless},
        "matching": {"samples": cfg.samples, "formula": "P = mean_ij 0.9 sigmoid(-a d_ij + b) + 0.05"},
        "training": {"steps": int(state.get("step", 0)), "weights": f"EMA ({cfg.ema_decay}) from {source}",
                     "wall_time_s": round(float(state.get("elapsed_s", 0.0)), 1),
                     "run_total_steps": (final or {}).get("step"),
                     "run_end": (final or {}).get("message"), "command": command,
                     "exported_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")},
        "validation": {"data": cfg.val_data, "protocol": "cross-view Hit@k (prvipe-method.md section 8), 4 "
                       "fixed cameras (trainer/cross_view_validation.py VAL_CAMERAS), fractions in [0, 1]; noisy = "
                       "trainer/cross_view_validation.py NOISE", "figures": validation},
        "data": describe_data(list(cfg.data)),
        "config": cfg.to_dict(),
    }


def export_run(run: str | Path, to: str | Path, name: str | None = None, which: str = "best",
               half: bool = False, command: str | None = None, extra: dict | None = None) -> Path:
    """Write <to>/<name>.safetensors and <to>/<name>.card.json from a run's EMA weights."""
    from poseexplorer.embed.modelfile import save_model

    from .train import ema_model

    run = Path(run)
    cfg, state, source = _read_run(run, which)
    card = build_card(cfg, state, source, run, command)
    card.update(extra or {})
    try:
        _, net, scale = ema_model(cfg, state["ema"])
    except (KeyError, RuntimeError) as exc:
        raise ExportError(f"{run / source}: the weights do not match config.json ({exc})") from exc
    card["matching"].update(a=float(scale.a.detach()), b=float(scale.b.detach()))
    path = Path(to) / f"{name or cfg.name}.safetensors"
    save_model(path, net, scale, card, half=half)
    return path
