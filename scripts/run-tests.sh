#!/usr/bin/env bash
# Sets up .venv if needed, then runs the whole test suite, GUI and OpenGL tests included, under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The layers and allowed imports declared in pyproject.toml ([tool.importlinter]): core < io | detect | embed |
# search | align < library < session < gui, Qt only in gui, trainer and cv2 only where allowed.
.venv/bin/lint-imports

# Debian packages for a virtual X server and Qt's xcb platform with Mesa OpenGL.
DEB_PKGS="xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-cursor0 libxkbcommon-x11-0 libgl1-mesa-dri libegl1 libglx-mesa0 libfontconfig1 libdbus-1-3"
missing=""
for p in $DEB_PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "tests: installing Debian packages:$missing" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing) >/dev/null
  else
    echo "tests: please install these Debian packages for the GUI/OpenGL tests:$missing" >&2
  fi
fi

if command -v xvfb-run >/dev/null 2>&1; then
  export QT_QPA_PLATFORM=xcb
  exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python -m pytest --durations=25 "$@"
else
  echo "tests: no xvfb-run; OpenGL tests will be skipped" >&2
  export QT_QPA_PLATFORM=offscreen
  exec .venv/bin/python -m pytest --durations=25 "$@"
fi
