"""Following a run's metrics.jsonl from outside, and the time-left estimate."""
from __future__ import annotations

import json

import pytest

from trainer.run_monitor import MetricsTail, RunProgress, estimate_remaining_s, format_duration


def test_tail_reads_only_complete_new_lines(tmp_path):
    path = tmp_path / "metrics.jsonl"
    tail = MetricsTail(path)
    assert tail.read_new() == []  # not there yet
    with path.open("w") as f:
        f.write(json.dumps({"step": 5, "loss": 1.0}) + "\n" + '{"step": 10, "lo')
    assert tail.read_new() == [{"step": 5, "loss": 1.0}]
    with path.open("a") as f:
        f.write('ss": 0.5}\nnot json\n[1, 2]\n')
    assert tail.read_new() == [{"step": 10, "loss": 0.5}]
    assert tail.read_new() == []


def test_progress_collects_curves_and_final_event():
    p = RunProgress()
    p.add_all([{"step": 5, "elapsed_s": 1.0, "loss": 2.0}, {"step": 10, "elapsed_s": 2.0, "loss": 1.5},
               {"step": 10, "val_hit1": 0.25}, {"something": "else"},
               {"event": "done", "message": "finished"}])
    assert p.loss_steps == [5, 10] and p.loss == [2.0, 1.5]
    assert p.val_steps == [10] and p.val_hit1 == [0.25]
    assert p.step == 10 and p.elapsed_s == 2.0
    assert p.finished and p.event == "done" and p.message == "finished"
    p.add({"step": 15, "elapsed_s": 3.0, "loss": 1.0})  # resumed: the run goes on
    assert not p.finished and p.step == 15


def test_remaining_time_from_recent_pace_and_resumed_clock():
    # 10 steps per second: 100 steps left -> 10 s
    assert estimate_remaining_s([(10, 1.0), (20, 2.0), (30, 3.0)], 130) == pytest.approx(10.0)
    # a resumed run restarts its clock: only the newest segment counts (5 steps/s)
    timing = [(10, 1.0), (20, 2.0), (30, 3.0), (35, 0.5), (45, 2.5)]
    assert estimate_remaining_s(timing, 95) == pytest.approx(10.0)
    assert estimate_remaining_s([(10, 1.0)], 100) is None
    # a validation record repeats the step it follows: it neither resets nor skews the pace
    assert estimate_remaining_s([(10, 1.0), (20, 3.0), (20, 3.0), (30, 4.0)], 130) == pytest.approx(15.0)
    assert estimate_remaining_s([(30, 3.0), (40, 4.0)], 20) == 0.0
    p = RunProgress()
    p.add_all([{"step": s, "elapsed_s": s / 4} for s in range(0, 41, 4)])
    assert p.remaining_s(80) == pytest.approx(10.0)


def test_format_duration():
    assert format_duration(None) == "-"
    assert format_duration(42.4) == "42 s"
    assert format_duration(185) == "3 min 05 s"
    assert format_duration(3720) == "1 h 02 min"
