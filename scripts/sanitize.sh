#!/bin/sh
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer,
# in its own build folder (build-asan/; `build/` is left alone).
#
#   scripts/sanitize.sh [meson test arguments...]
#
# Every suite runs (the docs suite as described below).  Any UBSan report
# fails the test that caused it (halt_on_error).  Leak
# checking is on, with the suppressions in tests/sanitize/lsan.supp: GLib's
# type system and GStreamer's registry keep allocations for the life of
# the process by design; our own leaks are still reported.  The registry
# is scanned in-process (GST_REGISTRY_FORK=no): the system's plugin
# scanner is not sanitized and cannot load a sanitized plugin.
set -eu
cd "$(dirname "$0")/.."

build=${MM_ASAN_BUILD:-build-asan}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbench=disabled
fi
ninja -C "$build"

# fast_unwind_on_malloc=0: GLib has no frame pointers, so the fast
# unwinder stops at g_malloc and no suppression could tell GLib's own
# allocations from ours
asan="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
asan="$asan:fast_unwind_on_malloc=0"
export ASAN_OPTIONS="$asan"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export GST_REGISTRY_FORK=no
# GLib's slice allocator would hide leaked caps, events and buffers
export G_SLICE=always-malloc
status=0
# the sanitizers make every test 2-3x slower
meson test -C "$build" --print-errorlogs --num-processes 2 \
  --timeout-multiplier 4 --no-suite docs "$@" || status=$?

# The docs suite runs the system's gst-inspect-1.0, which is not
# sanitized: it can load the sanitized plugin only with the runtime
# preloaded (and Python's and gst-inspect's own leaks are not ours).
if [ $# -eq 0 ]; then
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
  LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
    meson test -C "$build" --print-errorlogs --num-processes 2 \
      --timeout-multiplier 4 --suite docs || status=$?
fi
exit $status
