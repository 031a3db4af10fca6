"""A model whose network loads on first use; what a library needs of it is read without torch. numpy only.

The app's start needs the model's identity (sha256: the library keys stored embeddings by it), its matching
scale a, b and its confidence calibration to open a large library's embeddings and answer searches; the
torch import and the network take seconds more. `LazyPoseModel(path)` reads the weights file's sha256, its
card and the two matching-scale tensors (safetensors with numpy), and the calibration sidecar, so a library's
stored embeddings and searches over them work at once; `embed`, `lift` and anything else load the full
TorchPoseModel (embed.model.load_model, with all its checks) on first use, once, thread-safely. `load()`
does that on purpose (the app runs it in a worker right away).
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..core.poses import Embedding
from ..core.probability import DEFAULT_SAMPLES, model_matching_probability
from .calibration import Calibration, calibration_for
from .paths import default_model_path, sha256_of

#: the model card's key in the safetensors header (embed.modelfile.CARD_KEY)
_CARD_KEY = "card"
_LIFT_OUTPUT = 17 * 3


class LazyModelError(Exception):
    """The model file is missing or its header unreadable; names the file."""


def read_header(path: Path) -> tuple[dict, float, float]:
    """(card, a, b) of a model file without torch: the embedded card (the sidecar card when it vouches for
    the file by sha256 is left to the full load) and a = ELU(raw_a) + 1, b from the matching-scale tensors."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            raw_a = float(np.asarray(f.get_tensor("matching.raw_a"), np.float64).reshape(()))
            b = float(np.asarray(f.get_tensor("matching.b"), np.float64).reshape(()))
        card = json.loads(meta[_CARD_KEY])
    except Exception as exc:  # noqa: BLE001 - safetensors, KeyError, JSON: one clear message
        raise LazyModelError(f"{path}: not a readable model file (truncated, corrupt or not a model?): {exc}") from exc
    if not isinstance(card, dict) or not isinstance(card.get("network"), dict):
        raise LazyModelError(f"{path}: the model card has no 'network' object")
    if not (np.isfinite(raw_a) and np.isfinite(b)):
        raise LazyModelError(f"{path}: the matching scale holds NaN or infinite values")
    a = raw_a + 1.0 if raw_a > 0 else float(np.exp(raw_a))   # ELU(x) + 1
    return card, a, b


class LazyPoseModel:
    """A PoseModel whose network loads on first use. sha256, name, kind, embed_dim, a, b, card, threshold,
    calibration and matching_probability work without torch; every other attribute comes from the loaded
    TorchPoseModel."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_model_path()
        if not self.path.is_file():
            raise LazyModelError(f"model file not found: {self.path}")
        self.sha256 = sha256_of(self.path)
        self.card, self.a, self.b = read_header(self.path)
        network = self.card["network"]
        self.kind = str(network.get("kind", "prvipe"))
        self.embed_dim = _LIFT_OUTPUT if self.kind == "lift3d" else int(network.get("embed_dim", 16))
        self.name = self.card.get("name") or self.path.name.removesuffix(".safetensors")
        keypoints = self.card.get("keypoints", {})
        self.threshold = float(keypoints.get("visibility_threshold", 0.3)) if isinstance(keypoints, dict) else 0.3
        self.calibration: Calibration = calibration_for(self.path, self.sha256)
        self._lock = threading.Lock()
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Any:
        """The full TorchPoseModel (loaded once; embed.model.load_model's errors name the file)."""
        with self._lock:
            if self._model is None:
                from .model import load_model

                model = load_model(self.path)
                if model.sha256 != self.sha256:
                    raise LazyModelError(f"{self.path} changed on disk since it was opened; open it again")
                model.calibration = self.calibration
                self._model = model
            return self._model

    def confidence(self, p):
        """The calibrated confidence of matching probabilities P (raw P when uncalibrated)."""
        return self.calibration.apply(p)

    def matching_probability(self, emb_a: Embedding, emb_b: Embedding, k: int = DEFAULT_SAMPLES,
                             seed: int = 0) -> np.ndarray:
        """(Na, Nb) matching probability, exactly as TorchPoseModel computes it (numpy only)."""
        return model_matching_probability(self.kind, emb_a, emb_b, self.a, self.b, k=k, seed=seed)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_lock", "_model"):
            raise AttributeError(name)
        return getattr(self.load(), name)

    def __repr__(self) -> str:
        state = "loaded" if self.loaded else "not loaded yet"
        return f"LazyPoseModel(name={self.name!r}, kind={self.kind!r}, sha256={self.sha256[:12]}, {state})"
