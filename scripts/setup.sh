#!/usr/bin/env bash
# Creates .venv/ at the repo root if missing and installs the project into it. Idempotent: a second run
# only compares a stamp (the hash of the requirement files) and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))'; then
      PY="$cand"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "setup: Python 3.11 (or 3.12) is required: mediapipe 0.10.21 has no wheels for other versions." >&2
  exit 1
fi

stamp=".venv/.installed-$(cat requirements.txt requirements-test.txt constraints.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
echo "setup: installing into .venv (about a minute the first time)..." >&2
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-test.txt -c constraints.txt
# mediapipe last and without its declared dependencies: it would add opencv-contrib-python (a second cv2)
# and jax, neither of which its pose solution uses.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps mediapipe==0.10.21
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
rm -f .venv/.installed-*
touch "$stamp"
echo "setup: done" >&2
