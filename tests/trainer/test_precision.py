"""Training precision from the machine: CPU flags, old `bf16` configs, timing both precisions."""
from __future__ import annotations

import json

import pytest

from trainer import precision
from trainer.config import TrainConfig, tiny_config


def test_cpu_flags_are_read_from_a_cpuinfo_file(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n\n"
                    "processor\t: 1\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n")
    flags = precision.cpu_flags(info)
    assert {"avx2", "avx512f", "avx512_bf16"} <= flags
    assert precision.native_bf16(flags)
    assert not precision.native_bf16(frozenset({"avx2", "avx512f"}))   # AVX-512 without BF16 emulates it
    assert precision.native_bf16(frozenset({"amx_bf16"}))
    assert precision.cpu_flags(tmp_path / "missing") == frozenset()


def test_old_bf16_configs_load_and_map_to_a_precision(tmp_path):
    for bf16, expected in ((True, "auto"), (False, "float32")):
        path = tmp_path / f"old_{bf16}.json"
        path.write_text(json.dumps({"name": "old", "steps": 10, "bf16": bf16}))
        cfg = TrainConfig.load(path)
        assert cfg.precision == "auto"
        assert precision.requested(cfg) == expected
    assert precision.requested(TrainConfig(precision="bfloat16", bf16=False)) == "bfloat16"
    with pytest.raises(ValueError, match="precision"):
        TrainConfig(precision="fp8")


def test_auto_times_only_float32_without_native_bf16_and_the_faster_of_both_with_it():
    cfg = tiny_config(batch_size=16, samples=4, width=32)
    plain = precision.choose(cfg, flags=frozenset({"avx2"}), steps=1)
    assert plain.precision == "float32" and set(plain.steps_per_s) == {"float32"} and plain.rate > 0
    assert "AVX-512-BF16" in plain.reason
    both = precision.choose(cfg, flags=frozenset({"avx512_bf16"}), steps=1)
    assert set(both.steps_per_s) == {"float32", "bfloat16"}
    assert both.precision == max(both.steps_per_s, key=both.steps_per_s.get)
    fixed = precision.choose(cfg.replace(precision="bfloat16"), flags=frozenset(), steps=1)
    assert fixed.precision == "bfloat16" and set(fixed.steps_per_s) == {"bfloat16"}


def test_the_training_step_follows_the_resolved_precision():
    assert precision.uses_bf16(tiny_config(precision="bfloat16"))
    assert not precision.uses_bf16(tiny_config(precision="float32"))
    assert not precision.uses_bf16(tiny_config(bf16=False))
    if not precision.native_bf16():   # like most laptops: "auto" trains in float32
        assert not precision.uses_bf16(tiny_config())
