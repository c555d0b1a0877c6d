#!/bin/sh
# README command one: install what is missing, build, and run the main job:
# `mixmaster demo` synthesises four stems at unbalanced levels, mixes them
# with mixbus, masters the mix with masterchain (profile streaming) and
# writes stems, mix, master, a report and a loudness plot into a folder.
# Extra arguments go to `mixmaster demo` (e.g. -o DIR, --profile ebu-r128).
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh --no-test-tools
# the freshly built plugin, ahead of any installed copy
export GST_PLUGIN_PATH_1_0="$PWD/build/gst${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
echo
exec build/tools/mixmaster demo "$@"
