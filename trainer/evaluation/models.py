"""The models the evaluation compares: the bundled Pr-VIPE plus trained variants found in a folder.

A variant is `<role>.safetensors` in the variants folder (as `poseexplorer-train export` writes it).
A missing or unreadable file is recorded with its reason, so the report can say "not run" and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: role -> (table label, expected kind)
ROLES: dict[str, tuple[str, str]] = {
    "lift3d_noaug": ("3D lifting, no aug (chest views)", "lift3d"),
    "lift3d_aug": ("3D lifting, aug", "lift3d"),
    "l2vipe_noaug": ("L2-VIPE, no aug (chest views)", "l2vipe"),
    "l2vipe_aug": ("L2-VIPE, aug", "l2vipe"),
    "prvipe_noaug": ("Pr-VIPE, no aug (chest views)", "prvipe"),
    "prvipe_d16": ("Pr-VIPE, aug (short run, same schedule as the variants)", "prvipe"),
    "prvipe_aug": ("Pr-VIPE, aug (bundled model)", "prvipe"),
}
SIZE_ROLES: dict[int, str] = {4: "prvipe_d4", 8: "prvipe_d8", 16: "prvipe_d16", 32: "prvipe_d32"}


@dataclass
class ModelSet:
    """Loaded models by role, and the reason for each role that could not be loaded."""

    models: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def get(self, role: str) -> Any | None:
        return self.models.get(role)


def _load(role: str, path: Path, kind: str | None, out: ModelSet) -> None:
    from poseexplorer.embed.model import load_model

    if not path.is_file():
        out.missing[role] = f"model file {path} not found"
        return
    try:
        model = load_model(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable model becomes a "not run" row
        out.missing[role] = f"could not load {path}: {exc}"
        return
    if kind is not None and model.kind != kind:
        out.missing[role] = f"{path} is a {model.kind!r} model, expected {kind!r}"
        return
    out.models[role], out.paths[role] = model, path


def load_models(main_model: Path, variants: Path | None) -> ModelSet:
    """The bundled/main model as 'prvipe_aug' plus every variant role found in `variants`."""
    out = ModelSet()
    _load("prvipe_aug", Path(main_model), "prvipe", out)
    roles = list(dict.fromkeys([r for r in ROLES if r != "prvipe_aug"] + list(SIZE_ROLES.values())))
    for role in roles:
        if variants is None:
            out.missing[role] = "no --variants folder given"
            continue
        kind = ROLES.get(role, (None, "prvipe"))[1]
        _load(role, Path(variants) / f"{role}.safetensors", kind, out)
    return out
