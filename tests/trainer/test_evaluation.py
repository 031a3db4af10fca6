"""A reduced run of the whole evaluation (`poseexplorer-train eval --quick`) so it never rots.

Tiny models (width 64, 30 steps) are trained with the real trainer on procedural motion, exported, and
evaluated on procedural held-out motion: every section must produce its table and plots. The real-footage
section runs MediaPipe on the first frames of ../shared/data's pose2sim videos when they are present.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trainer.cli import main as trainer_main
from trainer.config import tiny_config
from trainer.dataset import save_dataset

from .synthetic_motion import synthetic_dataset

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _tiny_model(tmp: Path, data: Path, name: str, **changes) -> Path:
    from trainer.export import export_run
    from trainer.train import train

    cfg = tiny_config(name=name, data=(str(data),), steps=15, out_dir=str(tmp / "runs"), val_every=1000,
                      checkpoint_every=1000, **changes)
    run = train(cfg)
    return export_run(run, tmp / "variants", name=name, which="last")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("evaluation")
    train_set, val_set, seq_set = tmp / "train.npz", tmp / "val.npz", tmp / "seq.npz"
    save_dataset(synthetic_dataset(["bd", "bk"], 2, frames=45, seed=1), train_set)
    save_dataset(synthetic_dataset(["mm"], 2, frames=45, seed=2), val_set)
    save_dataset(synthetic_dataset(["bd", "mm"], 1, frames=45, seed=3), seq_set)
    main = _tiny_model(tmp, train_set, "main")
    # its confidence calibration (main.calibration.json), fitted on the training actors; section 3 shows it
    assert trainer_main(["calibrate", str(main), "--data", str(train_set), "--max-frames", "24"]) == 0
    for name, changes in (("prvipe_noaug", dict(chest_views=True)), ("l2vipe_aug", dict(kind="l2vipe")),
                          ("lift3d_aug", dict(kind="lift3d")), ("prvipe_d4", dict(embed_dim=4))):
        _tiny_model(tmp, train_set, name, **changes)
    return dict(tmp=tmp, main=main, val=val_set, seq=seq_set)


@pytest.mark.slow
def test_quick_evaluation_writes_every_section(workspace):
    tmp, out = workspace["tmp"], workspace["tmp"] / "docs"
    data = SHARED if (SHARED / "media" / "pose2sim_4views").is_dir() else tmp / "no-data"
    code = trainer_main(["eval", "--model", str(workspace["main"]), "--variants", str(tmp / "variants"),
                         "--data", str(data), "--val-set", str(workspace["val"]), "--seq-set", str(workspace["seq"]),
                         "--out", str(out), "--cache", str(tmp / "cache"), "--quick", "--footage-frames", "8"])
    assert code == 0
    text = (out / "results.md").read_text()
    assert "sha256" in text and "poseexplorer-train eval" in text
    for heading in ("## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## 6."):
        assert heading in text
    # every Table 1 row is present; the variants we trained have numbers, the others say why not
    for row in ("2D keypoints", "3D lifting, aug", "L2-VIPE, aug", "Pr-VIPE, no aug", "Pr-VIPE, aug (bundled"):
        line = next(line for line in text.splitlines() if line.startswith(f"| {row}"))
        assert "not run" not in line, line
    assert "| L2-VIPE, no aug (chest views) | not run" in text
    sections = text.split("\n## ")
    calibration = next(sec for sec in sections if sec.startswith("3."))
    assert "ECE calibrated" in calibration and "fitted on the training data" in calibration
    pooled_ece = next(line for line in calibration.splitlines() if line.startswith("| pooled |"))
    assert "n/a" not in pooled_ece, pooled_ece
    for sec in sections[1:6]:
        assert "*Not run" not in sec, sec[:300]
    for png in ("retrieval_hit1.png", "ambiguity_sigma.png", "ambiguity_poses.png", "calibration.png",
                "embedding_size.png"):
        assert (out / png).stat().st_size > 5000
    if data == SHARED:
        assert "*Not run" not in sections[6] and (out / "footage_sync.png").is_file()
        assert "overall" in sections[6]
        assert sections[7].startswith("7.") and "*Not run" not in sections[7], sections[7][:300]
        assert "Reprojection error" in sections[7] and "| MediaPipe world landmarks, Procrustes |" in sections[7]
    else:
        assert "*Not run" in sections[6] and "*Not run" in sections[7]


def test_selected_sections_keep_the_others_and_paths_are_relative(tmp_path):
    """Running one section without --val-set keeps the earlier text of every other section."""
    from trainer.evaluation.pipeline import TITLES
    from trainer.evaluation.report import relative_paths, split_sections

    out = tmp_path / "docs"
    out.mkdir()
    old = "# Results\n\n```\nposeexplorer-train eval --val-set /x/v.npz\n```\n" + "".join(
        f"\n## {t}\n\nold text of {name}\n" for name, t in TITLES.items())
    (out / "results.md").write_text(old)
    assert split_sections(old, TITLES)["size"] == "old text of size\n"
    code = trainer_main(["eval", "--data", str(tmp_path / "no-data"), "--out", str(out), "--sections", "footage3d",
                         "--cache", str(tmp_path / "cache")])
    assert code == 0
    text = (out / "results.md").read_text()
    for name in TITLES:
        assert (f"old text of {name}" in text) == (name != "footage3d")
    assert "*Not run" in text.split("\n## 7.")[1] and "kept from the previous run" in text
    repo = Path.cwd().resolve()
    assert relative_paths(f"cd {repo} && x {repo}/a {repo.parent}/shared/b", repo) == "x a ../shared/b"


def test_eval_cli_needs_a_validation_set(tmp_path, capsys):
    assert trainer_main(["eval", "--out", str(tmp_path)]) == 2
    assert "--val-set" in capsys.readouterr().err


def test_numbers_are_percentages(workspace):
    """Hit@k cells parse as numbers in [0, 100]."""
    out = workspace["tmp"] / "docs"
    if not (out / "results.md").exists():
        pytest.skip("needs the quick evaluation to have run first")
    section1 = (out / "results.md").read_text().split("\n## 1.")[1].split("\n## 2.")[0]
    rows = [line for line in section1.splitlines() if line.startswith("| 2D keypoints")]
    values = [float(c) for line in rows for c in line.strip("|").split("|")[1:] if c.strip() not in ("", "not run")]
    assert values and all(0.0 <= v <= 100.0 for v in values)
    assert np.isfinite(values).all()
