"""Worker processes end when the process that started them dies (SIGKILL included), instead of living on
as orphans holding hundreds of MB.

- Linux: prctl(PR_SET_PDEATHSIG, SIGKILL) asks the kernel to kill this process when its parent exits.
  The fork server sets it for itself when it imports `forkserver_guard` (a preload module), and each
  worker sets it again (its parent is the fork server), so killing the app takes down the whole chain.
- Everywhere: a daemon thread polls the parent pid and exits the process when it changed (the parent
  died and the process was re-parented), as a fallback where prctl does not exist.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
POLL_S = 1.0


def kill_with_parent() -> bool:
    """Have the kernel SIGKILL this process when its parent dies (Linux); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int | None = None, poll_s: float = POLL_S) -> threading.Thread:
    """Start a daemon thread that ends this process (exit status 1) once its parent is no longer `parent`."""
    parent = os.getppid() if parent is None else parent

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(1)

    thread = threading.Thread(target=watch, name="parent-watchdog", daemon=True)
    thread.start()
    return thread


def die_with_parent() -> None:
    """Both guards, for a worker process."""
    kill_with_parent()
    watch_parent()
