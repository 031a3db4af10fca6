"""What the training dialog says about a run, as plain text (no Qt): the validation curve's note and
one log line per metrics record."""
from __future__ import annotations


def validation_note(cfg) -> str:
    """Why the validation curve stays empty, or when its first point comes ("" when it fills normally)."""
    if not cfg.val_data:
        return "no validation data: add held-out clips under 'Validation data' to see Hit@1 here"
    if cfg.val_every > cfg.steps:
        return f"validated once, at the end (every {cfg.val_every} steps, the run has {cfg.steps})"
    return f"first point at step {cfg.val_every}"


def metrics_log_line(record: dict) -> str | None:
    """One readable log line for a metrics.jsonl record (the trainer runs without a progress bar)."""
    if record.get("event"):
        message = record.get("message")
        return f"{record['event']}" + (f": {message}" if message else "")
    if not isinstance(record.get("step"), (int, float)):
        return None
    parts = [f"step {int(record['step'])}"]
    for key, label in (("loss", "loss"), ("val_hit1", "val Hit@1")):
        if isinstance(record.get(key), (int, float)):
            parts.append(f"{label} {float(record[key]):.4f}")
    if isinstance(record.get("elapsed_s"), (int, float)):
        parts.append(f"{float(record['elapsed_s']):.0f} s")
    return "  ·  ".join(parts) if len(parts) > 1 else None
