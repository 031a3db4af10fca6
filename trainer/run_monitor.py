"""Follow a training run from outside: read metrics.jsonl as it grows, and estimate the time left.

Used by the app's training dialog (which runs the trainer as a separate process); numpy-free and Qt-free.
metrics.jsonl lines: {"step", "elapsed_s", "loss", ...} while training, {"step", "val_hit1", ...} after a
validation, and a final {"event": "done" | "cancelled" | "error", "message"}.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FINAL_EVENTS = ("done", "cancelled", "error")


class MetricsTail:
    """Reads the complete lines appended to a JSONL file since the last call (a partial last line waits)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self._partial = b""

    def read_new(self) -> list[dict]:
        try:
            with self.path.open("rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue  # a torn or foreign line must not stop the dialog
            if isinstance(record, dict):
                records.append(record)
        return records


@dataclass
class RunProgress:
    """What the dialog shows, accumulated from metric records (mutable: it grows as lines arrive)."""

    loss_steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_hit1: list[float] = field(default_factory=list)
    step: int = 0
    elapsed_s: float = 0.0
    event: str = ""
    message: str = ""
    _timing: list[tuple[int, float]] = field(default_factory=list, repr=False)

    def add(self, record: dict) -> None:
        if record.get("event") in FINAL_EVENTS:
            self.event, self.message = str(record["event"]), str(record.get("message", ""))
            return
        step = record.get("step")
        if not isinstance(step, (int, float)):
            return
        self.event, self.message = "", ""  # records after a final event: the run was resumed
        self.step = max(self.step, int(step))
        if isinstance(record.get("loss"), (int, float)):
            self.loss_steps.append(int(step))
            self.loss.append(float(record["loss"]))
        if isinstance(record.get("val_hit1"), (int, float)):
            self.val_steps.append(int(step))
            self.val_hit1.append(float(record["val_hit1"]))
        if isinstance(record.get("elapsed_s"), (int, float)):
            self.elapsed_s = float(record["elapsed_s"])
            self._timing.append((int(step), float(record["elapsed_s"])))

    def add_all(self, records: list[dict]) -> None:
        for r in records:
            self.add(r)

    @property
    def finished(self) -> bool:
        return bool(self.event)

    def remaining_s(self, total_steps: int, window: int = 20) -> float | None:
        """Seconds left at the recent pace (the last `window` timed records), None before there is a pace."""
        return estimate_remaining_s(self._timing[-window:], total_steps)


def estimate_remaining_s(timing: list[tuple[int, float]], total_steps: int) -> float | None:
    """(total - last step) x seconds per step between the first and last (step, elapsed_s) pairs.

    Pairs where time or step went backwards (a resumed run restarting its clock) start a new segment;
    only the latest segment counts; a repeated step (validation after a log line) is skipped.
    None when it has fewer than two distinct steps.
    """
    segment: list[tuple[int, float]] = []
    for step, t in timing:
        if segment and step == segment[-1][0]:
            continue  # a validation record at the step just logged
        if segment and (step < segment[-1][0] or t < segment[-1][1]):
            segment = []
        segment.append((step, t))
    if len(segment) < 2:
        return None
    (s0, t0), (s1, t1) = segment[0], segment[-1]
    return max(0.0, (total_steps - s1) * (t1 - t0) / (s1 - s0))


def format_duration(seconds: float | None) -> str:
    """'1 h 02 min', '3 min 05 s', '42 s', or '-' when unknown."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600} h {(s % 3600) // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"
