"""TorchPoseModel: batched inference of a trained Pr-VIPE (or L2-VIPE / 3D-lifting) network; it implements
the PoseModel protocol (poseexplorer.core.model_protocol) that every `model` argument is typed with.

    model = load_model()                        # assets/prvipe_upright.safetensors, or $POSEEXPLORER_MODEL
    emb = model.embed(xy, scores)               # xy (N, 13, 2) image coords, COCO-13 -> Embedding
    P = model.matching_probability(emb_a, emb_b)   # (Na, Nb), K = 20 samples, seeded
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ..core.poses import Embedding
from ..core.probability import DEFAULT_SAMPLES, model_matching_probability
from .calibration import IDENTITY, Calibration, calibration_for
from .inputs import network_input, visibility
from .modelfile import ModelFileError, load_network
from .paths import LIFTER_NAME, bundled_asset_path, default_model_path
from .network import PrVipeNet, fold_batchnorm

DEFAULT_THRESHOLD = 0.3
#: stddev reported by point models (l2vipe, lift3d): tiny, so sampling reduces to the mean.
POINT_STDDEV = 1e-6

__all__ = ["TorchPoseModel", "load_model", "default_model_path", "bundled_asset_path", "LIFTER_NAME", "ModelFileError"]


class TorchPoseModel:
    """A loaded model (a PoseModel). Attributes: a, b (floats), embed_dim, sha256, name, card (dict), kind,
    threshold."""

    def __init__(self, net: PrVipeNet, a: float, b: float, card: dict, sha256: str, name: str) -> None:
        self.spec = net.spec
        self.kind = net.spec.kind
        self.embed_dim = net.spec.output_dim
        self.a, self.b = float(a), float(b)
        self.card, self.sha256, self.name = card, sha256, name
        keypoints = card.get("keypoints", {})
        self.threshold = float(keypoints.get("visibility_threshold", DEFAULT_THRESHOLD))
        self._backbone = fold_batchnorm(net)
        self._mean_head = net.mean_head.eval()
        self._stddev_head = net.stddev_head.eval() if net.stddev_head is not None else None
        #: P -> true-match rate from `<name>.calibration.json` (load_model); IDENTITY (fitted False) if none
        self.calibration: Calibration = IDENTITY

    def confidence(self, p):
        """The calibrated confidence of matching probabilities P (same shape; raw P when uncalibrated)."""
        return self.calibration.apply(p)

    def __repr__(self) -> str:
        return f"TorchPoseModel(name={self.name!r}, kind={self.kind!r}, dim={self.embed_dim}, sha256={self.sha256[:12]})"

    def inputs(self, xy: np.ndarray, scores: np.ndarray | None = None) -> np.ndarray:
        """The network's (N, 26|39) input rows for image keypoints (see embed/inputs.py)."""
        xy = np.asarray(xy, dtype=np.float64)
        if xy.ndim != 3 or xy.shape[1:] != (13, 2):
            raise ValueError(f"keypoints must have shape (N, 13, 2) in COCO-13 order, got {xy.shape}")
        vis = visibility(xy, scores, self.threshold)
        return network_input(xy, vis, self.spec.visibility_input, self.spec.upright, self.spec.snap_hipless)

    @torch.inference_mode()
    def _raw(self, xy: np.ndarray, scores: np.ndarray | None, batch_size: int) -> tuple[np.ndarray, np.ndarray | None]:
        x = torch.from_numpy(self.inputs(xy, scores))
        means, stds = [], []
        for s in range(0, len(x), batch_size):
            h = self._backbone(x[s:s + batch_size])
            means.append(self._mean_head(h))
            if self._stddev_head is not None:
                stds.append(torch.nn.functional.elu(self._stddev_head(h)) + 1.0)
        empty = np.zeros((0, self.embed_dim), np.float32)
        mean = torch.cat(means).numpy() if means else empty
        std = (torch.cat(stds).numpy() if stds else empty) if self._stddev_head is not None else None
        return mean, std

    def embed(self, xy: np.ndarray, scores: np.ndarray | None = None, batch_size: int = 8192) -> Embedding:
        """Embed COCO-13 image keypoints (x right, y down, any scale); scores below the threshold are masked."""
        mean, std = self._raw(xy, scores, batch_size)
        # a point model reports a tiny constant; a Pr-VIPE stddev that underflowed is floored likewise
        std = np.full_like(mean, POINT_STDDEV) if std is None else np.maximum(std, POINT_STDDEV)
        return Embedding(mean.astype(np.float32), std.astype(np.float32))

    def lift(self, xy: np.ndarray, scores: np.ndarray | None = None, batch_size: int = 8192) -> np.ndarray:
        """3D lifting models only: (N, 17, 3) normalised H36M-17 poses in the camera frame (y down)."""
        if self.kind != "lift3d":
            raise ValueError(f"lift() needs a 'lift3d' model; this one is {self.kind!r}")
        mean, _ = self._raw(xy, scores, batch_size)
        return mean.reshape(-1, 17, 3)

    def matching_probability(self, emb_a: Embedding, emb_b: Embedding, k: int = DEFAULT_SAMPLES,
                             seed: int = 0) -> np.ndarray:
        """(Na, Nb) matching probability; sampled with K draws for Pr-VIPE, from the means otherwise."""
        return model_matching_probability(self.kind, emb_a, emb_b, self.a, self.b, k=k, seed=seed)


def load_model(path: str | os.PathLike | None = None) -> TorchPoseModel:
    """Load a model file (the bundled model when `path` is None). Raises ModelFileError naming the file."""
    file = Path(path) if path is not None else default_model_path()
    net, scale, card, digest = load_network(file)
    name = card.get("name") or file.name.removesuffix(".safetensors")
    model = TorchPoseModel(net, float(scale.a.detach()), float(scale.b.detach()), card, digest, name)
    model.calibration = calibration_for(file, digest)  # a sidecar of another model is ignored with a warning
    return model
