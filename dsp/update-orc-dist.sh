#!/bin/sh
# Regenerate the committed ORC fallback from mmdsp-orc.orc (needs orcc).
set -e
cd "$(dirname "$0")"
orcc --include stdint.h --implementation -o mmdsp-orc-dist.c mmdsp-orc.orc
orcc --include stdint.h --header -o mmdsp-orc-dist.h mmdsp-orc.orc
