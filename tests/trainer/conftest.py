"""Shared trainer-test data: small synthetic training and validation sets, written once per module."""
from __future__ import annotations

import pytest

from trainer.dataset import save_dataset
from tests.trainer.synthetic_motion import synthetic_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[str, str]:
    """(train.npz, val.npz): two training subjects and a held-out 'mm', 3 actions, 40 frames each."""
    root = tmp_path_factory.mktemp("data")
    save_dataset(synthetic_dataset(["s1", "s2"], 2, n_actions=3, frames=40, seed=0), root / "train.npz")
    save_dataset(synthetic_dataset(["mm"], 1, n_actions=3, frames=40, seed=5), root / "val.npz")
    return str(root / "train.npz"), str(root / "val.npz")
