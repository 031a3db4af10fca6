"""`poseexplorer-train prepare` on a generated tree, the dataset file format, and a run on the real data."""
from __future__ import annotations

import numpy as np
import pytest

from trainer.cli import main
from trainer.dataset import DatasetError, PoseDataset, load_dataset, save_dataset, split_by_subject

from .mocap_writers import HUMAN_BVH, human_channels, random_acclaim_frames, write_amc, write_asf, write_bvh


@pytest.fixture()
def tree(tmp_path):
    """hdm/asf + hdm/amc/kick (actors aa, bb), dance/salsa (header 120 fps, readme says 60), one broken file."""
    hdm, dance = tmp_path / "hdm", tmp_path / "dance"
    (hdm / "asf").mkdir(parents=True)
    (hdm / "amc" / "kick").mkdir(parents=True)
    (dance / "salsa").mkdir(parents=True)
    for actor, seed in (("aa", 0), ("bb", 1)):
        write_asf(hdm / "asf" / f"HDM_{actor}.asf")
        write_amc(hdm / "amc" / "kick" / f"HDM_{actor}_kick_001_120.amc", random_acclaim_frames(121, seed, spread=20))
    channels = human_channels()
    n_ch = sum(len(c) for c in channels.values())
    motion = np.random.default_rng(3).uniform(-30, 30, (121, n_ch))
    motion[:, 1] = 95.0
    write_bvh(dance / "salsa" / "01.bvh", HUMAN_BVH, channels, motion, frame_time=1 / 120)
    write_bvh(dance / "salsa" / "02.bvh", HUMAN_BVH, channels, np.zeros((50, n_ch)), frame_time=1 / 120)  # still
    (dance / "readme_framerates.txt").write_text("salsa  framerate 60\n")
    (dance / "salsa" / "broken.bvh").write_text("HIERARCHY\nROOT x\n{\n")
    return tmp_path


def test_prepare_tree(tree, capsys):
    out = tree / "all.npz"
    rc = main(["prepare", str(tree / "hdm"), str(tree / "dance"), "--out", str(out), "--dedup", "0"])
    assert rc == 0
    text = capsys.readouterr()
    assert "broken.bvh" in text.out + text.err  # named, skipped, the rest continue
    ds = load_dataset(out)
    names = list(ds.clip_names)
    assert sorted(ds.clip_subject) == ["aa", "bb", "cmu_salsa_01", "cmu_salsa_02"]
    salsa = ds.select(ds.clip == names.index("01"))
    assert len(salsa) == 61 and ds.clip_action[names.index("01")] == "salsa"  # 121 frames at 60 fps -> 2 s at 30
    np.testing.assert_array_equal(salsa.frame, np.arange(61))
    kick = ds.select(ds.subject == "aa")
    assert len(kick) == 31 and set(kick.action) == {"kick"}  # 121 frames at 120 fps -> 31 at 30
    assert ds.poses.dtype == np.float32 and ds.clip.dtype == np.int32 and ds.fps == 30.0
    assert ds.nose is not None and ds.nose.shape == (len(ds), 3)


def test_prepare_filters_dedup_and_overrides(tree):
    out = tree / "x.npz"
    assert main(["prepare", str(tree / "hdm"), str(tree / "dance"), "--out", str(out), "--exclude-subjects", "bb",
                 "--fps-override", "salsa=120", "--fps", "15"]) == 0
    ds = load_dataset(out)
    assert "bb" not in ds.subjects and "aa" in ds.subjects
    still = ds.select(ds.subject == "cmu_salsa_02")
    assert len(still) == 1  # a still clip keeps one pose
    first = ds.select(ds.subject == "cmu_salsa_01")
    assert first.frame.max() == 15 and 1 < len(first) <= 16  # the CLI override beats the readme: 1 s at 15 fps
    assert main(["prepare", str(tree / "hdm"), "--out", str(out), "--subjects", "bb"]) == 0
    assert load_dataset(out).subjects == ["bb"]


def test_prepare_bad_arguments(tree, capsys):
    assert main(["prepare", str(tree / "nope"), "--out", str(tree / "o.npz")]) == 2
    assert "not found" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["prepare", str(tree), "--out", "o.npz", "--fps-override", "salsa"])


def _tiny_dataset(n=6):
    rng = np.random.default_rng(0)
    return PoseDataset(poses=rng.normal(size=(n, 17, 3)), subject=np.array(["a", "a", "b", "b", "c", "c"][:n]),
                       clip=np.array([0, 0, 1, 1, 2, 2][:n]), frame=np.arange(n),
                       clip_names=np.array(["x", "y", "z"]), clip_action=np.array(["kick", "", "walk"]),
                       clip_subject=np.array(["a", "b", "c"]), fps=30.0)


def test_dataset_round_trip_and_split(tmp_path):
    ds = _tiny_dataset()
    save_dataset(ds, tmp_path / "d.npz")
    back = load_dataset(tmp_path / "d.npz")
    np.testing.assert_array_equal(back.poses, ds.poses.astype(np.float32))
    assert list(back.subject) == list(ds.subject) and back.fps == 30.0 and back.nose is None
    inside, rest = split_by_subject(back, ["b"])
    assert list(inside.subject) == ["b", "b"] and len(rest) == 4
    assert list(inside.action) == ["", ""] and list(rest.action) == ["kick", "kick", "walk", "walk"]


def test_dataset_validation_and_errors(tmp_path):
    with pytest.raises(ValueError, match="clip indices"):
        PoseDataset(**{**_tiny_dataset().__dict__, "clip": np.array([0, 0, 1, 1, 2, 3])})
    with pytest.raises(ValueError, match=r"poses must be \(N, 17, 3\)"):
        PoseDataset(**{**_tiny_dataset().__dict__, "poses": np.zeros((6, 13, 3))})
    np.savez(tmp_path / "other.npz", poses=np.zeros((1, 17, 3)))
    with pytest.raises(DatasetError, match="other.npz: not a pose dataset"):
        load_dataset(tmp_path / "other.npz")
    save_dataset(_tiny_dataset(), tmp_path / "t.npz")
    data = (tmp_path / "t.npz").read_bytes()
    (tmp_path / "t.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="t.npz: cannot read"):
        load_dataset(tmp_path / "t.npz")


@pytest.mark.shared
def test_prepare_real_subset(shared_data, tmp_path):
    """mm from HDM05 plus the salsa folder: the readme's 60 fps applies, subjects and actions are labelled."""
    mocap = shared_data / "mocap"
    out = tmp_path / "real.npz"
    assert main(["prepare", str(mocap / "hdm05"), "--subjects", "mm", "--out", str(out)]) == 0
    ds = load_dataset(out)
    assert ds.subjects == ["mm"] and len(set(ds.action)) == 11 and len(ds) > 1000
    salsa = sorted((mocap / "cmu_dance" / "salsa").glob("*.bvh"))[0]
    assert main(["prepare", str(salsa), "--out", str(out), "--dedup", "0"]) == 0
    ds = load_dataset(out)
    header_frames = int(salsa.read_text(encoding="latin-1").split("Frames:")[1].split()[0])
    assert len(ds) == (header_frames - 1) // 2 + 1  # 60 fps -> 30 fps
    assert ds.subjects == [f"cmu_salsa_{salsa.stem}"]


def test_prepare_npz_subjects_come_from_inside(tmp_path):
    from trainer.mocap import Clip
    from trainer.mocap.npz import save_npz

    from .test_mocap_npz import STAND

    for name, subject in (("take1", "S9"), ("take2", "S11")):
        walk = STAND + np.linspace(0, 1, 40)[:, None, None] * [0.0, 0.0, 1.0]
        save_npz(Clip(name, subject, "walk", 50.0, walk), tmp_path / f"{name}.npz")
    out = tmp_path / "o.npz"
    assert main(["prepare", str(tmp_path), "--out", str(out), "--subjects", "S11", "--dedup", "0"]) == 0
    ds = load_dataset(out)
    assert ds.subjects == ["S11"] and list(ds.clip_action) == ["walk"] and len(ds) == 24  # 40 @ 50 -> 24 @ 30


def test_prepare_bvh_units_option(tree):
    out = tree / "u.npz"
    salsa = str(tree / "dance" / "salsa" / "01.bvh")
    assert main(["prepare", salsa, "--out", str(out), "--dedup", "0"]) == 0
    guessed = load_dataset(out).poses
    assert main(["prepare", salsa, "--out", str(out), "--dedup", "0", "--bvh-units", "mm"]) == 0
    # cm guessed; mm makes every joint 10x smaller except the head top, a fixed metric offset in the mapping
    body = [i for i in range(17) if i != 1]
    np.testing.assert_allclose(load_dataset(out).poses[:, body], guessed[:, body] / 10, atol=1e-6)
