#!/bin/sh
# The element tests under valgrind memcheck: no invalid access, no
# uninitialised use, no definite leak.
#
#   tests/valgrind/run.sh [--quick] [TEST...]
#
# TEST names a meson test of the `build/` folder (default: every element
# test, the element fuzz corpora replayed, the fault tests and a short
# stress-cycles run).  --quick runs the small ones only.  Suppressions:
# GLib's own file (libglib2.0-dev) and gst.supp here (GStreamer's
# allocations that live as long as the process).  G_SLICE=always-malloc
# and GST_REGISTRY_FORK=no keep allocations visible to valgrind.
set -eu
cd "$(dirname "$0")/../.."

quick=0
if [ "${1:-}" = "--quick" ]; then
  quick=1
  shift
fi
command -v valgrind >/dev/null || {
  echo "valgrind not installed (apt-get install valgrind)"; exit 77; }
ninja -C build >/dev/null

supp="--suppressions=$PWD/tests/valgrind/gst.supp"
[ -f /usr/share/glib-2.0/valgrind/glib.supp ] &&
  supp="$supp --suppressions=/usr/share/glib-2.0/valgrind/glib.supp"

# definite leaks and memory errors fail (exit 99); "possibly lost" is the
# type system's interior pointers, reported but not failing
wrapper="valgrind --tool=memcheck --leak-check=full \
  --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --error-exitcode=99 --num-callers=30 --track-origins=no $supp"

if [ $# -eq 0 ]; then
  set -- elements-loudnorm elements-lookahead elements-faults fuzz-loudnorm \
    fuzz-masterchain fuzz-mixbus alloc-fail
  [ "$quick" = 1 ] || set -- "$@" elements-mixbus elements-loudnorm-modes \
    elements-masterchain
fi

export G_SLICE=always-malloc G_DEBUG=gc-friendly GST_REGISTRY_FORK=no
# live sources against the clock: 50x slower under valgrind, they fall
# behind and the test fails on timing (then leaks what it had not freed)
export GST_CHECKS_IGNORE=test_live_and_nonlive_inputs_together
# gst-check's own per-test timeouts (meson sets CK_DEFAULT_TIMEOUT per
# test), stretched for valgrind's 20-50x
export CK_TIMEOUT_MULTIPLIER=40
meson test -C build --wrapper "$wrapper" --timeout-multiplier 40 \
  --print-errorlogs --num-processes 1 "$@"
