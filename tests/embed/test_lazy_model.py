"""LazyPoseModel: what a library needs of a model, read without torch, equal to the full load; the network
on first use; clear errors for a missing or damaged file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poseexplorer.core.poses import Embedding
from poseexplorer.embed.lazy_model import LazyModelError, LazyPoseModel

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "assets" / "prvipe_upright.safetensors"


def test_the_lazy_model_reads_what_the_full_load_reads_and_loads_on_first_use():
    import poseexplorer as px

    lazy, full = LazyPoseModel(BUNDLED), px.load_model(BUNDLED)
    assert not lazy.loaded
    assert (lazy.sha256, lazy.kind, lazy.embed_dim, lazy.threshold) == (full.sha256, full.kind, full.embed_dim,
                                                                          full.threshold)
    assert lazy.a == pytest.approx(full.a, rel=1e-6) and lazy.b == pytest.approx(full.b, rel=1e-6)
    assert lazy.calibration.fitted and lazy.calibration.knots_p == full.calibration.knots_p
    rng = np.random.default_rng(0)
    emb_a = Embedding(rng.normal(size=(5, 16)).astype(np.float32), rng.uniform(0.1, 0.5, (5, 16)).astype(np.float32))
    emb_b = Embedding(rng.normal(size=(7, 16)).astype(np.float32), rng.uniform(0.1, 0.5, (7, 16)).astype(np.float32))
    np.testing.assert_array_equal(lazy.matching_probability(emb_a, emb_b), full.matching_probability(emb_a, emb_b))
    np.testing.assert_array_equal(lazy.confidence(np.array([0.2, 0.9])), full.confidence(np.array([0.2, 0.9])))
    assert not lazy.loaded                                     # nothing so far needed the network
    xy = rng.uniform(0, 300, (4, 13, 2)).astype(np.float32)
    np.testing.assert_array_equal(lazy.embed(xy).mean, full.embed(xy).mean)
    assert lazy.loaded and lazy.load() is lazy.load()


def test_opening_a_lazy_model_and_scoring_loads_no_torch():
    code = ("import sys, numpy as np; from poseexplorer.embed.lazy_model import LazyPoseModel; "
            "from poseexplorer.core.poses import Embedding; m = LazyPoseModel(); "
            "e = Embedding(np.zeros((2, 16), np.float32), np.ones((2, 16), np.float32)); "
            "m.matching_probability(e, e); print(m.sha256[:8]); sys.exit(1 if 'torch' in sys.modules else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0, res.stdout + res.stderr


def test_missing_damaged_and_bad_weight_files_say_what_is_wrong(tmp_path):
    from poseexplorer.embed.modelfile import ModelFileError

    with pytest.raises(LazyModelError, match="not found"):
        LazyPoseModel(tmp_path / "nothing.safetensors")
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(BUNDLED.read_bytes()[:1000])
    with pytest.raises(LazyModelError, match="not a readable model file"):
        LazyPoseModel(cut)
    from tests.gui.explorer_media import damaged_model

    bad = damaged_model(BUNDLED, tmp_path / "nan.safetensors")
    lazy = LazyPoseModel(bad)                                  # the header is fine: the library can open...
    with pytest.raises(ModelFileError, match="NaN"):          # ...and the network says what is wrong
        lazy.load()
