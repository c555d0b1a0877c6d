#!/bin/sh
# bench_mixbus.sh: a 16-track mix through mixbus with full channel strips
# (high-pass, 3-band EQ, compressor, pan, reverb and delay sends) plus the
# reverb and delay returns, against GStreamer's `audiomixer` with 16
# `volume`-only pads, on the same 16 stereo 48 kHz inputs, in one run, on
# one core (taskset -c 0).
#
#   bench/bench_mixbus.sh [BUILD_DIR]        (default: build)
#
# Inputs: 16 different programmes from bench-mkwav (seeds 1..16), float32
# WAV, SECONDS_LEN (default 30) s each, made once under BUILD/bench.
# RUNS (default 3) timed runs per command, interleaved; the fastest is
# kept.  `base` (16 x filesrc ! wavparse into one fakesink each) is the
# cost of reading the inputs; "mixing only" subtracts it.
# Target: mixbus at least 100x realtime.
set -eu

BUILD=${1:-build}
RUNS=${RUNS:-3}
SECONDS_LEN=${SECONDS_LEN:-30}
TRACKS=16
CPU=${CPU:-0}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$SRCDIR/$BUILD ;; esac

missing=""
[ -x /usr/bin/time ] || missing="$missing time"
command -v taskset >/dev/null 2>&1 || missing="$missing util-linux"
command -v gst-launch-1.0 >/dev/null 2>&1 || missing="$missing gstreamer1.0-tools"
GST_REGISTRY=$(mktemp -u) gst-inspect-1.0 wavparse >/dev/null 2>&1 \
    || missing="$missing gstreamer1.0-plugins-good"
if [ -n "$missing" ]; then
  echo "installing:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

ninja -C "$BUILD" gst/libgstmixmaster.so bench/bench-mkwav >/dev/null
i=1
while [ $i -le $TRACKS ]; do
  wav=$BUILD/bench/mixbus-track$i-${SECONDS_LEN}s.wav
  [ -f "$wav" ] || "$BUILD/bench/bench-mkwav" --seconds "$SECONDS_LEN" \
      --rate 48000 --channels 2 --seed $i "$wav" >/dev/null
  i=$((i + 1))
done
echo "inputs: $TRACKS x ${SECONDS_LEN} s stereo 48 kHz float32 (bench-mkwav seeds 1..$TRACKS), CPU $CPU only"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
export GST_PLUGIN_PATH=$BUILD/gst
export GST_REGISTRY=$TMP/registry.bin
gst-inspect-1.0 mixbus >/dev/null 2>&1 || { echo "mixbus not loadable"; exit 1; }

# Every strip does work: high-pass, three EQ bands, compressor (most
# tracks above its threshold), a pan spread and both sends.
MIXBUS="mixbus name=m reverb-decay=1.8 reverb-return=-6 delay-time=375 \
  delay-feedback=0.4 delay-return=-8 master-gain=-12"
AUDIOMIXER="audiomixer name=m"
BASE=""
LINKS=""
i=0
while [ $i -lt $TRACKS ]; do
  pan=$(awk -v i=$i -v n=$TRACKS 'BEGIN { printf "%.3f", -0.8 + 1.6 * i / (n - 1) }')
  MIXBUS="$MIXBUS sink_$i::hpf=40 sink_$i::eq-low-gain=2 \
    sink_$i::eq-mid-gain=-3 sink_$i::eq-mid-freq=$((400 + 100 * i)) \
    sink_$i::eq-high-gain=1.5 sink_$i::comp-ratio=3 \
    sink_$i::comp-threshold=-30 sink_$i::comp-makeup=3 sink_$i::pan=$pan \
    sink_$i::gain=-3 sink_$i::reverb-send=-12 sink_$i::delay-send=-18"
  IN="filesrc location=$BUILD/bench/mixbus-track$((i + 1))-${SECONDS_LEN}s.wav ! wavparse"
  LINKS="$LINKS $IN ! m.sink_$i"
  AUDIOMIXER="$AUDIOMIXER $IN ! volume volume=0.7 ! m.sink_$i"
  BASE="$BASE $IN ! fakesink"
  i=$((i + 1))
done
MIXBUS="$MIXBUS ! fakesink $LINKS"
AUDIOMIXER="$AUDIOMIXER m. ! fakesink"

run () {
  label=$1; shift
  t0=$(date +%s%N)
  if ! /usr/bin/time -v -o "$TMP/$label.time" taskset -c "$CPU" "$@" \
      >"$TMP/$label.log" 2>&1; then
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
  # shellcheck disable=SC2086
  run mixbus     gst-launch-1.0 -q $MIXBUS
  # shellcheck disable=SC2086
  run audiomixer gst-launch-1.0 -q $AUDIOMIXER
  # shellcheck disable=SC2086
  run base       gst-launch-1.0 -q $BASE
  i=$((i + 1))
done

echo "best of $RUNS runs ($TRACKS tracks x $SECONDS_LEN s, one core):"
for l in mixbus audiomixer base; do
  set -- $(best $l)
  awk -v l="$l" -v w="$1" -v r="$2" -v len="$SECONDS_LEN" 'BEGIN {
      printf "%-11s %7.3f s %8.1fx realtime %7.1f MB peak RSS\n", l, w / 1e9,
          len / (w / 1e9), r / 1024 }'
done
set -- $(best mixbus) $(best audiomixer) $(best base)
awk -v mw="$1" -v aw="$3" -v bw="$5" -v len="$SECONDS_LEN" 'BEGIN {
  printf "mixbus: %.1fx realtime for the full %d-track mix (target >= 100x: %s)\n",
      len / (mw / 1e9), '"$TRACKS"', (len / (mw / 1e9) >= 100 ? "PASS" : "FAIL");
  printf "cost ratio (mixbus / audiomixer+volume, wall): %.2fx\n", mw / aw;
  if (mw > bw && aw > bw)
    printf "mixing only (wall minus base): mixbus %.1fx realtime, audiomixer %.1fx, ratio %.2fx\n",
        len / ((mw - bw) / 1e9), len / ((aw - bw) / 1e9), (mw - bw) / (aw - bw);
}'
