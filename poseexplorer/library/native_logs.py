"""Native libraries' routine log lines kept off the user's terminal.

MediaPipe (absl/glog) and TensorFlow Lite write informational lines straight to file descriptor 2 each
time a detector graph starts (one `inference_feedback_manager` warning per graph, XNNPACK notices), which
environment variables such as GLOG_minloglevel do not silence in mediapipe 0.10.21. quiet_native_logs()
sends descriptor 2 to a temporary file for a block of work, then passes on every line except those
routine ones, so real errors (absl E/F lines, Python messages) still reach stderr, only later."""
from __future__ import annotations

import os
import re
import sys
import tempfile
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


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Capture descriptor 2 during the block; afterwards write everything but routine lines to it."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            try:
                sys.stderr.flush()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            capture.seek(0)
            rest = kept_output(capture.read())
            if rest:
                os.write(2, rest)
