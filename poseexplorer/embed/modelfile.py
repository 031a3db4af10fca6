"""Model files: safetensors weights with the model card JSON embedded in the header, plus a sidecar card.

No pickle anywhere: safetensors holds plain tensors, the card is JSON. The embedded card makes one file
loadable on its own; the sidecar `<name>.card.json` repeats it with the weights file's sha256, which is
checked on load when present. Every failure raises ModelFileError naming the file.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .network import MatchingScale, NetworkSpec, PrVipeNet
from .paths import sha256_of

CARD_KEY = "card"
FORMAT = "poseexplorer-prvipe/1"


class ModelFileError(Exception):
    """A model file is missing, truncated, corrupt or does not match its card."""


def card_path_for(weights: Path) -> Path:
    """assets/prvipe.safetensors -> assets/prvipe.card.json."""
    return weights.with_name(weights.name.removesuffix(".safetensors") + ".card.json")


def save_model(path: Path, net: PrVipeNet, scale: MatchingScale, card: dict, half: bool = False) -> dict:
    """Write weights + embedded card, then the sidecar card with the sha256. Returns the sidecar card."""
    from safetensors.torch import save_file

    from ..core.atomic import atomic_path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()
               if not k.endswith("num_batches_tracked")}
    tensors["matching.raw_a"] = scale.raw_a.detach().cpu().reshape(1)
    tensors["matching.b"] = scale.b.detach().cpu().reshape(1)
    if half:
        tensors = {k: (v.half() if v.is_floating_point() and not k.startswith("matching.") else v)
                   for k, v in tensors.items()}
    card = dict(card, format=FORMAT, network=net.spec.to_dict(), half_precision=half)
    card.pop("sha256", None)
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={CARD_KEY: json.dumps(card)})
    sidecar = dict(card, sha256=sha256_of(path), file=path.name, size_bytes=path.stat().st_size)
    with atomic_path(card_path_for(path)) as tmp:
        tmp.write_text(json.dumps(sidecar, indent=2) + "\n")
    return sidecar


def _read(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own error types for truncated/corrupt files
        raise ModelFileError(f"{path}: not a readable model file (truncated or corrupt?): {exc}") from exc
    if CARD_KEY not in meta:
        raise ModelFileError(f"{path}: no model card in the file header; was it written by poseexplorer-train export?")
    try:
        card = json.loads(meta[CARD_KEY])
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: the embedded model card is not valid JSON: {exc}") from exc
    return tensors, card


def _check_sidecar(path: Path, digest: str) -> dict | None:
    """The sidecar card, when it exists and vouches for these weights by their sha256; a sidecar without
    a sha256 cannot prove it belongs to this file and is ignored (the embedded card is used)."""
    sidecar = card_path_for(path)
    if not sidecar.is_file():
        return None
    try:
        card = json.loads(sidecar.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{sidecar}: unreadable model card: {exc}") from exc
    if not isinstance(card, dict) or not isinstance(card.get("sha256"), str):
        return None
    if card["sha256"] != digest:
        raise ModelFileError(f"{path}: sha256 {digest[:12]}... does not match its card {sidecar.name} "
                             f"({card['sha256'][:12]}...); the weights and the card belong to different models")
    return card


def spec_from_card(path: Path, card) -> NetworkSpec:
    """The card's network spec, every value type-checked; ModelFileError naming the file otherwise."""
    net = card.get("network") if isinstance(card, dict) else None
    if not isinstance(net, dict):
        raise ModelFileError(f"{path}: the model card has no 'network' object")
    ints = ("embed_dim", "width", "blocks")
    bad = [k for k in ints if k in net and (isinstance(net[k], bool) or not isinstance(net[k], int))]
    if "dropout" in net and (isinstance(net["dropout"], bool) or not isinstance(net["dropout"], (int, float))):
        bad.append("dropout")
    bad += [k for k in ("visibility_input", "upright", "snap_hipless") if k in net and not isinstance(net[k], bool)]
    if bad:
        raise ModelFileError(f"{path}: model card network values of the wrong type: "
                             + ", ".join(f"{k}={net[k]!r}" for k in bad))
    keypoints = card.get("keypoints", {})
    threshold = keypoints.get("visibility_threshold", 0.3) if isinstance(keypoints, dict) else None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise ModelFileError(f"{path}: the model card's keypoints.visibility_threshold must be a number in [0, 1]")
    try:
        return NetworkSpec.from_dict(net)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: the model card has no valid network spec: {exc}") from exc


def check_weights(path: Path, spec: NetworkSpec, tensors: dict[str, torch.Tensor]) -> None:
    """ModelFileError unless the tensors have exactly the names and shapes the spec's network has, and
    only finite values. The network is built on the meta device (no memory), so a card that declares a
    huge network is refused before anything is allocated."""
    try:
        with torch.device("meta"):
            shapes = {k: tuple(v.shape) for k, v in PrVipeNet(spec).state_dict().items()
                      if not k.endswith("num_batches_tracked")}
    except Exception as exc:  # noqa: BLE001 - any value the card smuggles in
        raise ModelFileError(f"{path}: the model card's network cannot be built ({spec}): {exc}") from exc
    shapes.update({"matching.raw_a": (1,), "matching.b": (1,)})
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    missing, extra = sorted(set(shapes) - set(got)), sorted(set(got) - set(shapes))
    wrong = sorted(k for k in set(shapes) & set(got) if shapes[k] != got[k])
    if missing or extra or wrong:
        detail = "; ".join(part for part in (
            f"missing {missing[:4]}" if missing else "", f"unexpected {extra[:4]}" if extra else "",
            "shape " + ", ".join(f"{k} {got[k]} (card says {shapes[k]})" for k in wrong[:3]) if wrong else "") if part)
        raise ModelFileError(f"{path}: weights do not match the network in its card ({spec}): {detail}")
    bad = [k for k, v in tensors.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise ModelFileError(f"{path}: the weights hold NaN or infinite values (in {', '.join(bad[:3])}); "
                             "the training run diverged or the file is damaged")


def load_network(path: Path) -> tuple[PrVipeNet, MatchingScale, dict, str]:
    """Read a model file -> (network in eval mode, float32; matching scale; card; sha256)."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    digest = sha256_of(path)
    tensors, card = _read(path)
    card = _check_sidecar(path, digest) or (dict(card, sha256=digest) if isinstance(card, dict) else card)
    spec = spec_from_card(path, card)
    check_weights(path, spec, tensors)
    net, scale = PrVipeNet(spec), MatchingScale()
    scale.raw_a.data.copy_(tensors.pop("matching.raw_a").float().reshape(()))
    scale.b.data.copy_(tensors.pop("matching.b").float().reshape(()))
    net.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    card["sha256"] = digest
    return net.eval(), scale, card, digest
