"""Every script in examples/ runs and does what it says; the README's API snippet is the quick-start example."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.py"))


def _run(script: Path, tmp_path: Path, *args: str) -> str:
    env = {**os.environ, "TMPDIR": str(tmp_path)}   # the examples write into temporary folders
    res = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return float(match.group(1))


def test_there_are_three_to_five_examples():
    assert 3 <= len(EXAMPLES) <= 5, [e.name for e in EXAMPLES]


def test_the_readme_api_snippet_is_the_quick_start_example():
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Python API", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    code = lambda text: {line.split("#", 1)[0].strip() for line in text.splitlines()} - {""}  # noqa: E731
    snippet = code(block)
    assert len(snippet) >= 5
    assert snippet <= code((REPO / "examples" / "api_quick_start.py").read_text()), snippet


def test_api_quick_start(tmp_path):
    out = _run(REPO / "examples" / "api_quick_start.py", tmp_path)
    assert "16-D Gaussians" in out
    assert _number(r"median error against the known timing ([\d.]+) frames", out) <= 2.0


def test_index_folder(tmp_path):
    out = _run(REPO / "examples" / "index_folder.py", tmp_path, "--library", str(tmp_path / "lib.sqlite"))
    assert out.count(": ok") == 3 and "3 media, 135 poses, embeddings stored" in out
    again = _run(REPO / "examples" / "index_folder.py", tmp_path, "--library", str(tmp_path / "lib.sqlite"))
    assert "3 media, 135 poses" in again      # the same content again: recognised, not indexed twice


def test_search(tmp_path):
    out = _run(REPO / "examples" / "search.py", tmp_path)
    lines = [line for line in out.splitlines() if line.startswith("front frame")]
    assert len(lines) == 3 and all(line.count("side.npz frame") == 3 for line in lines)


def test_sync_and_export(tmp_path):
    out = _run(REPO / "examples" / "sync_and_export.py", tmp_path, "--out", str(tmp_path / "synced.avi"))
    assert _number(r"median error (\d+) ms", out) <= 50       # one frame of B is 50 ms
    assert (tmp_path / "synced.avi").stat().st_size > 0


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_each_example_has_a_docstring_with_its_command(script):
    doc = script.read_text().split('"""')[1]
    assert f"python examples/{script.name}" in doc
