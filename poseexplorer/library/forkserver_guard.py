"""A forkserver preload module: when the worker fork server imports it (inside multiprocessing's
forkserver.main), the fork server is tied to the life of the process that started it (orphans.py).
Imported anywhere else it does nothing."""
from __future__ import annotations

import sys

from .orphans import kill_with_parent


def _inside_forkserver_main() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "main" and frame.f_globals.get("__name__") == "multiprocessing.forkserver":
            return True
        frame = frame.f_back
    return False


if _inside_forkserver_main():
    kill_with_parent()
