#!/usr/bin/env bash
# Sets up .venv if needed, then runs the whole test suite, GUI and OpenGL tests included, under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The layers and allowed imports declared in pyproject.toml ([tool.importlinter]): core < io | detect | embed |
# search | align < library < session < gui, Qt only in gui, trainer and cv2 only where allowed.
.venv/bin/lint-imports

# Debian packages for a virtual X server and Qt's xcb platform with Mesa OpenGL (named when not root).
source scripts/qt-system-libs.sh
ensure_debs tests xvfb xauth $QT_XCB_DEBS || true

if command -v xvfb-run >/dev/null 2>&1; then
  export QT_QPA_PLATFORM=xcb
  exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python -m pytest --durations=25 "$@"
else
  echo "tests: no xvfb-run; OpenGL tests will be skipped" >&2
  export QT_QPA_PLATFORM=offscreen
  exec .venv/bin/python -m pytest --durations=25 "$@"
fi
