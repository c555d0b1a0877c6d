#!/bin/sh
# README command two: install, build, and run every test suite (DSP unit
# tests, EBU conformance, libebur128 agreement, element tests, the fuzz
# corpus replay, stress and fault tests), then the same under ASan/UBSan.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
status=0
meson test -C build --print-errorlogs --num-processes 2 "$@" || status=$?
# The plain closing line CI reads, from meson's own log.
log=build/meson-logs/testlog.json
if [ -f "$log" ]; then
  passed=$(grep -c '"result": "OK"' "$log" || true)
  failed=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  skipped=$(grep -c '"result": "SKIP"' "$log" || true)
  echo "$passed passed, $failed failed, $skipped skipped"
fi

# The same suite again under AddressSanitizer + UBSan (build-asan/, about
# 5 minutes on 2 cores from scratch).  Only for the whole suite: a run of
# chosen tests ("$@") stays quick.  MIXMASTER_NO_SANITIZE=1 skips it.
if [ $# -eq 0 ] && [ -z "${MIXMASTER_NO_SANITIZE:-}" ]; then
  echo "== the suite under ASan/UBSan (scripts/sanitize.sh)"
  ./scripts/sanitize.sh || status=$?
fi
exit $status
