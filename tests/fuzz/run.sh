#!/bin/sh
# Runs one fuzz target under libFuzzer for a while, then says what it did.
#
#   tests/fuzz/run.sh TARGET MINUTES [--merge] [libFuzzer options...]
#
# MINUTES is a whole number, or seconds with an s (30s) for a smoke run.
# TARGET: meter, dynamics, chain, mix, loudnorm, masterchain (mixbus).
# Builds build-fuzz/ first if needed (clang, -Dfuzzing=enabled, ASan +
# UBSan; override the folder with MM_FUZZ_BUILD).  The fuzzer starts from
# the committed seeds (tests/fuzz/corpus/TARGET) plus what earlier runs
# found (build-fuzz/fuzz-work/TARGET, not committed); crashing inputs land
# in build-fuzz/fuzz-artifacts/TARGET/.  --merge adds to the committed
# corpus the few inputs that reach new edges (CI replays it: keep it small).
# Runs at nice 19 (the machine is shared); one target at a time.
set -eu
cd "$(dirname "$0")/../.."

[ $# -ge 2 ] || { sed -n '2,16p' "$0"; exit 2; }
target=$1
case $2 in
  *s) seconds=${2%s} ;;
  *) seconds=$(($2 * 60)) ;;
esac
shift 2
merge=0
if [ "${1:-}" = "--merge" ]; then
  merge=1
  shift
fi

build=${MM_FUZZ_BUILD:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbench=disabled
fi
# a tree that does not build this minute (others edit it too) should not
# stop a campaign: the last good binary is fuzzed, and the log says so
if ! nice -n 19 ninja -C "$build" "tests/fuzz/fuzz-$target" \
    gst/libgstmixmaster.so; then
  [ -x "$build/tests/fuzz/fuzz-$target" ] || exit 1
  echo "run.sh: build failed; fuzzing the last good fuzz-$target" >&2
fi

seeds=tests/fuzz/corpus/$target
work=$build/fuzz-work/$target
artifacts=$build/fuzz-artifacts/$target
log=$build/fuzz-$target.log
mkdir -p "$work" "$artifacts"

# UBSan findings are failures, not warnings.  The element targets run
# GLib/GStreamer, whose type system keeps its allocations for the life of
# the process: LeakSanitizer would report those at exit, so it is off
# there (valgrind covers leaks of the elements: tests/valgrind/).
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
case $target in
  loudnorm|masterchain|mixbus)
    export ASAN_OPTIONS=detect_leaks=0
    export GST_PLUGIN_PATH_1_0="$PWD/$build/gst"
    export GST_REGISTRY_1_0="$PWD/$build/fuzz-$target.registry" ;;
  *) export ASAN_OPTIONS=detect_leaks=1 ;;
esac

start=$(date +%s)
status=0
nice -n 19 "$build/tests/fuzz/fuzz-$target" \
  -max_total_time=$seconds -timeout=60 -rss_limit_mb=4096 \
  -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "$@" "$work" "$seeds" >"$log" 2>&1 || status=$?
end=$(date +%s)

last=$(grep -E '^#[0-9]+' "$log" | tail -1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
crashes=$(find "$artifacts" -type f | wc -l)
echo "fuzz-$target: $((end - start)) s, ${execs:-?} executions, exit $status"
echo "  last status: $last"
echo "  corpus: $(find "$work" -type f | wc -l) found + $(find "$seeds" -type f | wc -l) seeds; crash/timeout/oom artifacts: $crashes"
if [ "$status" -ne 0 ]; then
  grep -E 'ERROR|check failed|runtime error|SUMMARY' "$log" | head -5
  echo "  log: $log"
fi

# edges only (-use_counters=0): a few dozen inputs that reach every line
# the run reached, instead of hundreds that differ in loop counts
if [ "$merge" = 1 ]; then
  nice -n 19 "$build/tests/fuzz/fuzz-$target" -merge=1 -use_counters=0 \
    -max_len=8192 "$seeds" "$work" >>"$log" 2>&1
  echo "  merged: $(find "$seeds" -type f | wc -l) inputs in $seeds"
fi
exit "$status"
