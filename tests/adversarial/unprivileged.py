"""Run a check as a user without write permission: in this process when it is not root, else in a forked
child that drops to `nobody` (root ignores file permissions, so a chmod alone proves nothing)."""
from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Callable

NOBODY = 65534


def shared_folder() -> Path:
    """A fresh folder that the unprivileged user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="px-adv-"))
    folder.chmod(0o755)
    return folder


def run_unprivileged(check: Callable[[], object]) -> object:
    """check()'s result, computed without write permission on files the caller made read-only. The
    modules check() needs must already be imported (the child cannot read root's Python installation)."""
    if os.geteuid() != 0:
        return check()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:   # child
        os.close(read)
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            try:
                result = ("ok", check())
            except BaseException as exc:  # noqa: BLE001 - sent back to the test
                result = ("raised", f"{type(exc).__name__}: {exc}")
            with os.fdopen(write, "wb") as fh:
                pickle.dump(result, fh)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    status, value = pickle.loads(data)
    if status == "raised":
        raise AssertionError(f"the unprivileged check raised {value}")
    return value
