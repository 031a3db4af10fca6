#!/usr/bin/env bash
# Sets up .venv if needed, then launches Pose Explorer (bundled model, library in the user data folder).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/poseexplorer "$@"
