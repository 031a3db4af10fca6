"""Killing an index run (SIGKILL, SIGTERM, SIGHUP) leaves no worker, fork server or tracker behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.io.media_factory import write_barcode_video

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")

RUN = """
import signal, sys
signal.signal(signal.SIGHUP, signal.SIG_DFL)   # as from a terminal, even when the suite runs under nohup
from poseexplorer.library.indexer import index_paths
from tests.adversarial.detectors import slow_factory
index_paths(sys.argv[1], [sys.argv[2]], workers=2, detector_factory=slow_factory)
"""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, out, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_killing_the_index_run_ends_all_its_processes(tmp_path, sig):
    video = write_barcode_video(tmp_path / "v.avi", 1200, fourcc="MJPG", size=(256, 64))
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", RUN, str(tmp_path / "lib.sqlite"), str(video)], cwd=repo,
                            env=dict(os.environ, PYTHONPATH=str(repo)))
    deadline = time.monotonic() + 60
    family: set[int] = set()
    while time.monotonic() < deadline and len(family) < 4:   # fork server, 2 workers, resource tracker
        time.sleep(0.3)
        family |= _descendants(proc.pid)
    assert proc.poll() is None and len(family) >= 4, f"the run did not start its workers: {family}"
    time.sleep(1.0)
    family |= _descendants(proc.pid)
    proc.send_signal(sig)
    proc.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in family):
        time.sleep(0.2)
    left = [p for p in family if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, f"{len(left)} processes outlived the killed index run"
