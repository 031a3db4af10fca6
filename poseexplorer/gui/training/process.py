"""The trainer as a separate process (QProcess running `python -m trainer ...`), never in the GUI's Python.

Cancel sends SIGTERM, on which the trainer saves a checkpoint and writes a "cancelled" metrics line;
if it has not ended after KILL_AFTER_MS it is killed (the last periodic checkpoint stays).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

KILL_AFTER_MS = 60_000
_LOG_LINES = 200


def trainer_command(*args: str) -> tuple[str, list[str]]:
    """(program, arguments) that run the trainer CLI with this Python."""
    return sys.executable, ["-m", "trainer", *args]


def _environment() -> QProcessEnvironment:
    """This process's environment, with the repo on PYTHONPATH (for a checkout that is not installed)."""
    env = QProcessEnvironment.systemEnvironment()
    root = str(Path(__file__).resolve().parents[3])
    old = env.value("PYTHONPATH", "")
    env.insert("PYTHONPATH", root + (os.pathsep + old if old else ""))
    env.insert("PYTHONUNBUFFERED", "1")
    return env


class TrainerProcess(QObject):
    """One trainer command at a time. Signals: output(text), ended(exit code, crashed)."""

    output = Signal(str)
    ended = Signal(int, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._proc: QProcess | None = None
        self._log: list[str] = []
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)

    def start(self, *args: str, cwd: str | None = None) -> None:
        if self.is_running():
            raise RuntimeError("a trainer command is already running")
        self._log = []
        proc = QProcess(self)
        proc.setProcessEnvironment(_environment())
        proc.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        if cwd:
            proc.setWorkingDirectory(cwd)
        proc.readyReadStandardOutput.connect(self._read)
        proc.finished.connect(self._finished)
        proc.errorOccurred.connect(self._error)
        self._proc = proc
        program, arguments = trainer_command(*args)
        proc.start(program, arguments)

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.state() != QProcess.ProcessState.NotRunning

    def terminate(self) -> None:
        """Ask the trainer to stop and save (SIGTERM); kill it if it does not end in time."""
        if self.is_running():
            self._proc.terminate()
            self._kill_timer.start(KILL_AFTER_MS)

    def wait(self, ms: int = 30_000) -> bool:
        return self._proc is None or self._proc.waitForFinished(ms) or not self.is_running()

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self._log[-lines:])

    def _kill(self) -> None:
        if self.is_running():
            self._proc.kill()

    def _read(self) -> None:
        data = bytes(self._proc.readAllStandardOutput()).decode("utf-8", "replace")
        # tqdm redraws with carriage returns: keep the last state of each line
        lines = [seg.split("\r")[-1] for seg in data.split("\n")]
        self._log.extend(line for line in lines if line.strip())
        del self._log[:-_LOG_LINES]
        self.output.emit(data)

    def _finished(self, code: int, status) -> None:
        self._kill_timer.stop()
        if self._proc is not None:
            self._read()
        self.ended.emit(int(code), status == QProcess.ExitStatus.CrashExit)

    def _error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._log.append(f"could not start {sys.executable}: {self._proc.errorString()}")
            self.ended.emit(-1, True)
