"""`poseexplorer index` / `export` as a user runs them: killed mid-run, Ctrl-C, export formats."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from poseexplorer.library import Library
from poseexplorer.library.indexer import index_paths
from tests.io.media_factory import write_barcode_video
from tests.library.fakes import FakeModel, barcode_factory

REPO = Path(__file__).resolve().parents[2]


def _start(args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "poseexplorer", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _rows(lib_path: Path) -> int:
    if not lib_path.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{lib_path}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM detections").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _wait_rows(proc: subprocess.Popen, lib_path: Path, at_least: int, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = _rows(lib_path)
        if n >= at_least:
            return n
        if proc.poll() is not None:
            pytest.fail(f"index finished before it could be interrupted:\n{proc.stdout.read()}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail("no detections were committed in time")


def _check_complete(lib_path: Path, n: int) -> None:
    with Library.open(lib_path) as lib:
        (m,) = lib.media()
        ft = lib.frames(m.id)
    assert m.status == "done" and m.frames == n
    assert ft.frame_index.tolist() == list(range(n))      # nothing lost, nothing twice


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_loses_and_duplicates_nothing(tmp_path):
    n = 300
    video = write_barcode_video(tmp_path / "long clip.mp4", n, size=(320, 240))
    lib_path = tmp_path / "lib.sqlite"
    args = ["index", str(video), "--library", str(lib_path), "--workers", "1", "--no-embed"]
    proc = _start(args)
    before = _wait_rows(proc, lib_path, 1)
    proc.send_signal(signal.SIGKILL)     # the main process only, as a crash or `kill -9` would
    proc.wait(10)
    time.sleep(1.0)
    try:
        os.killpg(proc.pid, signal.SIGKILL)   # clean up orphaned workers, if any are left
    except ProcessLookupError:
        pass
    assert 0 < before < n and _rows(lib_path) < n
    done = subprocess.run([sys.executable, "-m", "poseexplorer", *args], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    _check_complete(lib_path, n)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path):
    n = 300
    video = write_barcode_video(tmp_path / "clip.mp4", n, size=(320, 240))
    lib_path = tmp_path / "lib.sqlite"
    args = ["index", str(video), "--library", str(lib_path), "--workers", "2", "--no-embed"]
    proc = _start(args)
    _wait_rows(proc, lib_path, 1)
    os.killpg(proc.pid, signal.SIGINT)    # a terminal's Ctrl-C reaches the whole process group
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    assert "cancelled" in out and "Traceback" not in out
    with Library.open(lib_path) as lib:
        (m,) = lib.media()
        stored = len(lib.frames(m.id))
    # segments that finish within the short grace period are saved; the media is marked cancelled,
    # unless that grace period happened to complete it
    assert (m.status, stored < n) in (("cancelled", True), ("done", False))
    again = subprocess.run([sys.executable, "-m", "poseexplorer", *args], cwd=REPO, capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    _check_complete(lib_path, n)


@pytest.mark.parametrize("fmt", ["csv", "json", "npz"])
def test_export_formats(tmp_path, fmt):
    from poseexplorer.cli import main
    from poseexplorer.io import read_keypoint_file

    video = write_barcode_video(tmp_path / "v.avi", 30, fourcc="MJPG", size=(256, 64))
    lib_path = tmp_path / "lib.sqlite"
    model = FakeModel()
    index_paths(lib_path, [str(video)], model=model, workers=0, detector_factory=barcode_factory)
    out = tmp_path / "out"
    assert main(["export", "all", "--library", str(lib_path), "--to", str(out), "--format", fmt]) == 0
    with Library.open(lib_path) as lib:
        ft = lib.frames(1)
        ids, emb = lib.embeddings(model.sha256)
    (file,) = [p for p in out.iterdir() if p.suffix == f".{fmt}" and p.name != "export_manifest.json"]
    manifest = json.loads((out / "export_manifest.json").read_text())
    assert manifest["model"]["key"] == model.sha256 and manifest["files"][0]["file"] == file.name
    has = ft.pose_id >= 0
    if fmt == "csv":
        back = read_keypoint_file(file)                 # the CSV re-imports as keypoints
        assert np.allclose(back.xy, ft.xy, equal_nan=True, atol=1e-3)
        header = file.read_text().splitlines()[0].split(",")
        assert header[:2] == ["frame", "pose_id"] and "world_left_hip_z" in header and "emb_std_3" in header
    elif fmt == "json":
        doc = json.loads(file.read_text())
        frames = doc["frames"]
        assert len(frames) == 30 and [f["pose_id"] is not None for f in frames] == has.tolist()
        k = int(np.flatnonzero(has)[0])
        assert np.allclose(np.array(frames[k]["keypoints"])[:, :2], ft.xy[k], atol=1e-3)
        assert np.allclose(frames[k]["embedding"]["mean"], emb.mean[list(ids).index(ft.pose_id[k])])
    else:
        z = np.load(file)
        assert np.array_equal(z["xy"], ft.xy, equal_nan=True) and z["world"].shape == (30, 33, 3)
        assert np.allclose(z["emb_mean"][has], emb.mean) and np.isnan(z["emb_mean"][~has]).all()
        assert str(z["model_key"]) == model.sha256


def test_cli_reports_a_corrupt_library_without_touching_it(tmp_path, capsys):
    from poseexplorer.cli import main

    lib_path = tmp_path / "lib.sqlite"
    lib_path.write_bytes(b"precious data" * 10)
    assert main(["index", str(tmp_path), "--library", str(lib_path), "--no-embed"]) == 2
    assert "not a Pose Explorer library" in capsys.readouterr().err
    assert lib_path.read_bytes() == b"precious data" * 10


def test_subcommands_parse_with_the_top_level_options():
    from poseexplorer.cli import _names_subcommand, build_parser, parser_for

    for argv in (["--library", "L.sqlite", "index", "a.mp4", "b dir"], ["index", "a.mp4", "b dir", "--library", "L.sqlite"]):
        assert _names_subcommand(argv)
        args = parser_for(argv).parse_args(argv)
        assert args.command == "index" and args.paths == ["a.mp4", "b dir"] and args.library == "L.sqlite"
        assert args.workers == 1 and args.run is not None
    assert not _names_subcommand(["--model", "index", "video.mp4"])   # "index" is the value of --model here
    for argv in (["clip.mp4", "my folder"], ["--library", "L.sqlite", "clip.mp4"]):
        gui = parser_for(argv).parse_args(argv)
        assert gui.paths[0] == "clip.mp4" and gui.command is None
    assert build_parser().parse_args([]).command is None
