#!/bin/sh
# bench_masterchain.sh: the full mastering chain (every stage on, 3-band
# compressor, 4x true-peak limiter, live loudness) against GStreamer's
# stock `equalizer-10bands ! audiodynamic ! rglimiter` on the same 5-minute
# stereo 48 kHz programme, in one run.
#
#   bench/bench_masterchain.sh [BUILD_DIR]        (default: build)
#
# RUNS (default 3) timed runs per command, interleaved; the fastest is kept.
# The stock chain does less: a fixed-band EQ, a static compressor curve
# without attack/release, a tanh soft clip (no lookahead, no true peak).
set -eu

BUILD=${1:-build}
RUNS=${RUNS:-3}
SECONDS_LEN=${SECONDS_LEN:-300}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$SRCDIR/$BUILD ;; esac
WAV=${WAV:-$BUILD/bench/loudnorm-programme-${SECONDS_LEN}s.wav}

missing=""
[ -x /usr/bin/time ] || missing="$missing time"
command -v gst-launch-1.0 >/dev/null 2>&1 || missing="$missing gstreamer1.0-tools"
GST_REGISTRY=$(mktemp -u) gst-inspect-1.0 equalizer-10bands >/dev/null 2>&1 \
    || missing="$missing gstreamer1.0-plugins-good"
if [ -n "$missing" ]; then
  echo "installing:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

ninja -C "$BUILD" gst/libgstmixmaster.so bench/bench-mkwav >/dev/null
[ -f "$WAV" ] || "$BUILD/bench/bench-mkwav" --seconds "$SECONDS_LEN" --rate 48000 --channels 2 "$WAV"
echo "programme: $WAV (${SECONDS_LEN} s stereo 48 kHz float32)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
export GST_PLUGIN_PATH=$BUILD/gst
export GST_REGISTRY=$TMP/registry.bin
gst-inspect-1.0 masterchain >/dev/null 2>&1 || { echo "masterchain not loadable"; exit 1; }

IN="filesrc location=$WAV ! wavparse ! audioconvert"
# every stage on and doing work
MM="masterchain mode=live lookahead=3000 profile=streaming input-gain=1.5 \
  eq-hpf-freq=30 eq-hpf-slope=24 eq-low-shelf-gain=2 eq-bell1-gain=-2 \
  eq-bell2-gain=1.5 eq-bell3-gain=-1 eq-high-shelf-gain=2 \
  comp-multiband=true comp-low-threshold=-24 comp-low-ratio=3 \
  comp-mid-threshold=-22 comp-mid-ratio=2.5 comp-high-threshold=-26 \
  comp-high-ratio=2 width=1.2 width-bass-mono=120 dither-bits=16"
STOCK="equalizer-10bands band0=2 band1=2 band4=-2 band6=1.5 band8=-1 band9=2 \
  ! audiodynamic mode=compressor characteristics=soft-knee threshold=0.1 ratio=0.5 \
  ! rglimiter"

run () {
  label=$1; shift
  t0=$(date +%s%N)
  if ! /usr/bin/time -v -o "$TMP/$label.time" "$@" >"$TMP/$label.log" 2>&1; then
    echo "FAILED: $label"; tail -20 "$TMP/$label.log"; exit 1
  fi
  t1=$(date +%s%N)
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/$label.time")
  echo "$label $((t1 - t0)) $rss" >>"$TMP/results"
}
best () {
  awk -v l="$1" '$1 == l { if (!n++ || $2 < w) { w = $2; r = $3 } }
      END { print w, r }' "$TMP/results"
}

i=0
while [ $i -lt "$RUNS" ]; do
  run masterchain gst-launch-1.0 -q $IN ! $MM ! fakesink
  run stock       gst-launch-1.0 -q $IN ! $STOCK ! fakesink
  run base        gst-launch-1.0 -q $IN ! identity ! fakesink
  i=$((i + 1))
done

echo "best of $RUNS runs:"
for l in masterchain stock base; do
  set -- $(best $l)
  awk -v l="$l" -v w="$1" -v r="$2" -v len="$SECONDS_LEN" 'BEGIN {
      printf "%-12s %7.3f s %8.1fx realtime %7.1f MB peak RSS\n", l, w / 1e9,
          len / (w / 1e9), r / 1024 }'
done
set -- $(best masterchain) $(best stock) $(best base)
awk -v mw="$1" -v sw="$3" -v bw="$5" 'BEGIN {
  r = sw / mw;
  printf "speed ratio (stock chain / masterchain):  %.2fx   (criterion >= 2x: %s)\n",
      r, (r >= 2 ? "PASS" : "FAIL");
  if (mw > bw && sw > bw)
    printf "for information, elements alone (wall minus baseline): %.2fx\n",
        (sw - bw) / (mw - bw);
}'
