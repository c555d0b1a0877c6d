#!/bin/sh
# Installs what mixmaster needs on Debian 12 (only what is missing), then
# configures and builds it in ./build.  Safe to run again.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="gcc meson ninja-build pkg-config \
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools \
  gstreamer1.0-plugins-base liborc-0.4-dev liborc-0.4-dev-bin libebur128-dev"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "== installing:$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build
