#!/bin/sh
# Installs what mixmaster needs on Debian 12 (only what is missing), then
# configures and builds it in ./build.  Safe to run again.
set -eu
cd "$(dirname "$0")/.."

# gstreamer1.0-plugins-good: FLAC, WAV writing and the level meter the
# mixmaster program uses.
PACKAGES="gcc meson ninja-build pkg-config \
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools \
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
  liborc-0.4-dev liborc-0.4-dev-bin libebur128-dev"
# Only the tests need these (the program's JSON schema and SVG rendering
# checks); scripts/demo.sh passes --no-test-tools to skip them.
TEST_PACKAGES="python3 python3-jsonschema chromium"
if [ "${1:-}" != "--no-test-tools" ]; then
  PACKAGES="$PACKAGES $TEST_PACKAGES"
fi

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
