"""Model files: the card is checked against the weights before anything is built; bad values name the file."""
from __future__ import annotations

import json
import multiprocessing
import resource

import pytest
import torch

from poseexplorer.embed.model import load_model
from poseexplorer.embed.modelfile import CARD_KEY, ModelFileError, card_path_for, save_model
from poseexplorer.embed.network import MatchingScale, NetworkSpec, PrVipeNet


@pytest.fixture
def small_model(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "small.safetensors"
    save_model(path, PrVipeNet(NetworkSpec(width=32, blocks=1, embed_dim=4)), MatchingScale(), {"name": "small"})
    return path


def _rewrite(path, card_change=None, tensor_change=None):
    """Rewrite the weights file with a changed embedded card and/or tensors (the sidecar is removed)."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(path), framework="pt") as f:
        card = json.loads(f.metadata()[CARD_KEY])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if card_change:
        card_change(card)
    if tensor_change:
        tensor_change(tensors)
    save_file(tensors, str(path), metadata={CARD_KEY: json.dumps(card)})
    card_path_for(path).unlink(missing_ok=True)


def _load_peak_mib(path: str, queue) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        load_model(path)
        outcome = "loaded"
    except ModelFileError as exc:
        outcome = f"ModelFileError: {exc}"
    queue.put((outcome, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024))


def test_a_huge_card_width_is_refused_before_allocating(small_model):
    _rewrite(small_model, lambda c: c["network"].update(width=60_000))
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_load_peak_mib, args=(str(small_model), queue))
    proc.start()
    outcome, growth = queue.get(timeout=60)
    proc.join(10)
    assert outcome.startswith("ModelFileError") and str(small_model) in outcome and "60000" in outcome
    assert growth < 200, f"loading grew the process by {growth:.0f} MiB"


def test_a_sidecar_without_sha256_does_not_replace_the_embedded_card(small_model):
    sidecar = card_path_for(small_model)
    card = json.loads(sidecar.read_text())
    card.pop("sha256")
    card["network"]["width"] = 4096
    card["name"] = "impostor"
    sidecar.write_text(json.dumps(card))
    model = load_model(small_model)
    assert model.name == "small" and model.spec.width == 32


@pytest.mark.parametrize("change,words", [
    (lambda c: c["network"].update(width="wide"), "width='wide'"),
    (lambda c: c["network"].update(blocks=2.5), "blocks=2.5"),
    (lambda c: c.update(network=[1, 2]), "no 'network' object"),
    (lambda c: c["network"].update(kind="other"), "kind must be one of"),
    (lambda c: c.update(keypoints={"visibility_threshold": "high"}), "visibility_threshold"),
])
def test_bad_card_values_name_the_file(small_model, change, words):
    _rewrite(small_model, change)
    with pytest.raises(ModelFileError) as err:
        load_model(small_model)
    assert str(small_model) in str(err.value) and words in str(err.value)


def test_nan_weights_are_refused(small_model):
    def poison(tensors):
        first = sorted(k for k in tensors if not k.startswith("matching."))[0]
        tensors[first] = torch.full_like(tensors[first], float("nan"))

    _rewrite(small_model, tensor_change=poison)
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        load_model(small_model)


def test_weights_of_another_shape_are_refused_with_the_shapes(small_model):
    _rewrite(small_model, lambda c: c["network"].update(width=64))
    with pytest.raises(ModelFileError, match=r"card says \(64"):
        load_model(small_model)
