"""Native libraries' routine log lines kept off the user's terminal.

MediaPipe (absl/glog) and TensorFlow Lite write informational lines straight to file descriptor 2 each
time a detector graph starts (one `inference_feedback_manager` warning per graph, XNNPACK notices), which
environment variables such as GLOG_minloglevel do not silence in mediapipe 0.10.21. quiet_native_logs()
sends descriptor 2 to a temporary file for a block of work, then passes on every line except those
routine ones, so real errors (absl E/F lines, Python messages) still reach stderr, only later.

Every detection path runs inside it (library.detect_worker.run_segment: worker processes, `--workers 0`
in the calling process, Ray actors, the GUI's import jobs). Descriptor 2 belongs to the whole process,
so blocks in several threads share one capture: the first to enter starts it, the last to leave ends it."""
from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator

ROUTINE = re.compile(
    rb"^(?:[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^\]]*\] .*"          # absl INFO / WARNING lines
    rb"|INFO: Created TensorFlow Lite .*delegate for CPU\."
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)$")


def routine_line(line: bytes) -> bool:
    """True for a native library's informational line (without its newline)."""
    return ROUTINE.match(line.rstrip(b"\r")) is not None


def kept_output(captured: bytes) -> bytes:
    """The captured stderr bytes without the routine lines (other lines unchanged, in order)."""
    lines = captured.split(b"\n")
    tail = lines.pop()                       # text after the last newline ('' when it ends with one)
    kept = [line + b"\n" for line in lines if not routine_line(line)]
    return b"".join(kept) + tail


class _Capture:
    """The process's one capture of descriptor 2, shared by the blocks open in any thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved = -1
        self.file = None

    def enter(self) -> None:
        with self.lock:
            if self.depth == 0:
                sys.stderr.flush()
                self.file = tempfile.TemporaryFile()
                self.saved = os.dup(2)
                os.dup2(self.file.fileno(), 2)
            self.depth += 1

    def leave(self) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth > 0:
                return
            try:
                sys.stderr.flush()
            finally:
                os.dup2(self.saved, 2)
                os.close(self.saved)
            with self.file as capture:
                capture.seek(0)
                rest = kept_output(capture.read())
            if rest:
                os.write(2, rest)


_CAPTURE = _Capture()


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Capture descriptor 2 during the block; afterwards write everything but routine lines to it."""
    _CAPTURE.enter()
    try:
        yield
    finally:
        _CAPTURE.leave()
