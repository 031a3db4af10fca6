#!/usr/bin/env bash
# Sourced by run-app.sh and run-tests.sh: ensure_debs LABEL PKG... installs the Debian packages that are
# missing when run as root with apt-get, otherwise names them. Not a Debian system (no dpkg): nothing to do.

# Qt's xcb platform plugin and Mesa OpenGL (what the window and the 3D view load at start).
QT_XCB_DEBS="libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-cursor0 libxkbcommon-x11-0 libgl1-mesa-dri libegl1 libglx-mesa0 libfontconfig1 libdbus-1-3"

ensure_debs() {
  local label="$1"; shift
  command -v dpkg >/dev/null 2>&1 || return 0
  local missing="" p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$label: installing Debian packages:$missing" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing) >/dev/null
  else
    echo "$label: please install these Debian packages (Qt's xcb platform needs them):$missing" >&2
    echo "$label:   sudo apt-get install$missing" >&2
    return 1
  fi
}
