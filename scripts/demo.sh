#!/bin/sh
# README command one: install, build, and measure the embedded demo
# programme through `loudnorm mode=measure`, printing its loudness report.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
export GST_PLUGIN_PATH_1_0="$PWD/build/gst"
echo
echo "== mixmaster measure (embedded demo programme)"
build/tools/mixmaster measure
