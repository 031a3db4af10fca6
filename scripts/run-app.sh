#!/usr/bin/env bash
# Sets up .venv if needed, checks Qt's xcb libraries (installs them as root, else names them), then launches
# Pose Explorer (bundled model, library in the user data folder).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Qt loads its xcb platform plugin on X11 desktops; without these libraries it aborts with
# "could not load the Qt platform plugin xcb". Skipped when another platform is asked for.
if [ "$(uname -s)" = Linux ] && [ "${QT_QPA_PLATFORM:-xcb}" = xcb ]; then
  source scripts/qt-system-libs.sh
  ensure_debs run-app $QT_XCB_DEBS || echo "run-app: starting anyway; Qt may fail to open the window" >&2
fi
exec .venv/bin/poseexplorer "$@"
