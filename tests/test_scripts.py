"""The shell scripts' system-library check (scripts/qt-system-libs.sh), run by bash with stand-in dpkg/id."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _stand_ins(tmp_path: Path, installed: list[str], uid: int) -> Path:
    """A bin folder whose dpkg knows only `installed` and whose id reports `uid` (apt-get must not run)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dpkg").write_text("#!/bin/sh\ncase \" " + " ".join(installed) + " \" in *\" $2 \"*) exit 0;; esac\nexit 1\n")
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "apt-get").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path / 'apt.log'}\n")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    return bin_dir


def _ensure(tmp_path: Path, bin_dir: Path) -> subprocess.CompletedProcess:
    script = f"source {ROOT / 'scripts/qt-system-libs.sh'}; ensure_debs run-app $QT_XCB_DEBS"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=30)


def test_missing_xcb_libraries_are_named_for_a_user(tmp_path):
    bin_dir = _stand_ins(tmp_path, ["libxcb-icccm4", "libegl1"], uid=1000)
    done = _ensure(tmp_path, bin_dir)
    assert done.returncode == 1
    assert "libxcb-cursor0" in done.stderr and "libxkbcommon-x11-0" in done.stderr and "apt-get install" in done.stderr
    assert " libegl1" not in done.stderr                       # installed ones are not named
    assert not (tmp_path / "apt.log").exists()


def test_missing_xcb_libraries_are_installed_by_root_and_nothing_when_all_are_there(tmp_path):
    done = _ensure(tmp_path, _stand_ins(tmp_path, [], uid=0))
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "apt.log").read_text()
    assert "update" in log and "install" in log and "libxcb-cursor0" in log
    every = subprocess.run(["bash", "-c", f"source {ROOT / 'scripts/qt-system-libs.sh'}; echo $QT_XCB_DEBS"],
                           capture_output=True, text=True).stdout.split()
    other = tmp_path / "all"
    other.mkdir()
    done = _ensure(other, _stand_ins(other, every, uid=1000))
    assert done.returncode == 0 and done.stderr == ""


def test_both_scripts_use_the_check():
    for name in ("run-app.sh", "run-tests.sh"):
        text = (ROOT / "scripts" / name).read_text()
        assert "source scripts/qt-system-libs.sh" in text and "ensure_debs" in text
