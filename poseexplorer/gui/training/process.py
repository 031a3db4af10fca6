"""The trainer as a separate process (`python -m trainer ...`), never in the GUI's Python: a job (no Qt).

`trainer_job(args)` follows the job contract (poseexplorer.jobs), so the app's JobRunner runs it like any
other job: the status bar lists it and closing the window cancels it. Each chunk of the trainer's output is
reported as a progress message. Cancel sends SIGTERM, on which the trainer saves a checkpoint and writes a
"cancelled" metrics line; if it has not ended after KILL_AFTER_S it is killed (the last periodic
checkpoint stays). The job returns the exit code (negative: ended by that signal).
"""
from __future__ import annotations

import codecs
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from ...jobs import CancelCheck, Progress

KILL_AFTER_S = 60.0
_POLL_S = 0.1


def trainer_command(*args: str) -> list[str]:
    """The command line that runs the trainer CLI with this Python."""
    return [sys.executable, "-m", "trainer", *args]


def _environment() -> dict[str, str]:
    """This process's environment, with the repo on PYTHONPATH (for a checkout that is not installed)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])
    old = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = root + (os.pathsep + old if old else "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def trainer_job(*args: str, cwd: str | None = None, kill_after_s: float = KILL_AFTER_S) -> Callable:
    """A job running `python -m trainer ARGS` until it ends; cancel stops it (SIGTERM, then kill)."""
    def job(progress: Progress, cancel: CancelCheck) -> int:
        proc = subprocess.Popen(trainer_command(*args), cwd=cwd, env=_environment(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            _follow(proc, progress, cancel, kill_after_s)
        finally:
            if proc.poll() is None:      # the job itself failed: leave no trainer behind
                proc.kill()
            proc.wait()
            proc.stdout.close()
        return proc.returncode
    return job


def _follow(proc: subprocess.Popen, progress: Progress, cancel: CancelCheck, kill_after_s: float) -> None:
    """Pass the output on until the process has ended and its output is read; stop it on cancel."""
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    stopped_at: float | None = None
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            if cancel() and stopped_at is None and proc.poll() is None:
                proc.terminate()
                stopped_at = time.monotonic()
            if stopped_at is not None and time.monotonic() - stopped_at > kill_after_s and proc.poll() is None:
                proc.kill()
            if sel.select(_POLL_S):
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                progress(0, 0, decoder.decode(chunk))
            elif proc.poll() is not None:   # ended, and a child it left holds the pipe open
                break
    rest = decoder.decode(b"", final=True)
    if rest:
        progress(0, 0, rest)
