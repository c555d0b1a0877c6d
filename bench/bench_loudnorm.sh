#!/bin/sh
# bench_loudnorm.sh: loudnorm (mode=live) against ffmpeg's loudnorm filter
# on the same 5-minute stereo 48 kHz programme, in one run.
#
#   bench/bench_loudnorm.sh [BUILD_DIR]        (default: build)
#
# Environment: RUNS (timed runs per command, best kept; default 3),
#              SECONDS_LEN (programme length; default 300),
#              WAV (where the test file goes; default BUILD_DIR/bench/...)
#
# Wall time: date +%s%N around each command (ns resolution); peak memory:
# "Maximum resident set size" of /usr/bin/time -v (whole process).  Each
# command is run RUNS times, interleaved; the fastest run is reported with
# its peak RSS.  Baselines (gst-launch with identity instead of loudnorm,
# ffmpeg with anull) show what the frameworks cost without the filters.
set -eu

BUILD=${1:-build}
RUNS=${RUNS:-3}
SECONDS_LEN=${SECONDS_LEN:-300}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$SRCDIR/$BUILD ;; esac
WAV=${WAV:-$BUILD/bench/loudnorm-programme-${SECONDS_LEN}s.wav}

# --- tools --------------------------------------------------------------
missing=""
command -v ffmpeg >/dev/null 2>&1 || missing="$missing ffmpeg"
[ -x /usr/bin/time ] || missing="$missing time"
command -v gst-launch-1.0 >/dev/null 2>&1 || missing="$missing gstreamer1.0-tools"
# wavparse lives in gst-plugins-good
GST_REGISTRY=$(mktemp -u) gst-inspect-1.0 wavparse >/dev/null 2>&1 || missing="$missing gstreamer1.0-plugins-good"
if [ -n "$missing" ]; then
  echo "installing:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

ninja -C "$BUILD" gst/libgstmixmaster.so bench/bench-mkwav >/dev/null
PLUGIN_DIR=$BUILD/gst
[ -f "$PLUGIN_DIR/libgstmixmaster.so" ] || { echo "no $PLUGIN_DIR/libgstmixmaster.so"; exit 1; }

# --- the programme ------------------------------------------------------
"$BUILD/bench/bench-mkwav" --seconds "$SECONDS_LEN" --rate 48000 --channels 2 "$WAV"
echo "programme: $WAV ($(stat -c %s "$WAV") bytes, ${SECONDS_LEN} s stereo 48 kHz float32)"
echo "sha256:    $(sha256sum "$WAV" | cut -d' ' -f1)"
echo "machine:   $(nproc) CPUs, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "versions:  $(gst-launch-1.0 --version | sed -n 2p), $(ffmpeg -hide_banner -version | head -1)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# Our plugin only (plus the system's base plugins for filesrc, wavparse,
# audioconvert, fakesink); a private registry so that no run pays for a
# registry rebuild.
export GST_PLUGIN_PATH=$PLUGIN_DIR
export GST_REGISTRY=$TMP/registry.bin
gst-inspect-1.0 loudnorm >/dev/null 2>&1 || { echo "loudnorm not loadable from $PLUGIN_DIR"; exit 1; }
gst-inspect-1.0 wavparse >/dev/null 2>&1 || { echo "no wavparse (gstreamer1.0-plugins-good)"; exit 1; }

GST_IN="filesrc location=$WAV ! wavparse ! audioconvert"

# For information: the same pipeline as an embedding application would
# ship it, with only the plugins it uses on the system path (coreelements,
# wavparse, audioconvert); what GStreamer costs then without loudnorm is
# the gst-min-base row.
MINPLUG=$TMP/minimal-plugins
mkdir -p "$MINPLUG"
for p in coreelements wavparse audioconvert; do
  f=$(gst-inspect-1.0 $p 2>/dev/null | sed -n 's/^ *Filename *//p')
  [ -n "$f" ] && ln -sf "$f" "$MINPLUG/"
done
GST_MIN="env GST_PLUGIN_SYSTEM_PATH=$MINPLUG GST_REGISTRY=$TMP/registry-min.bin"
$GST_MIN gst-inspect-1.0 loudnorm >/dev/null 2>&1 || { echo "minimal plugin set not usable"; exit 1; }

# run LABEL CMD...: runs CMD once, appends "label wall_ns rss_kb" to
# $TMP/results, keeps its stdout+stderr in $TMP/LABEL.log
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

# best LABEL: "wall_ns rss_kb" of the fastest run
best () {
  awk -v l="$1" '$1 == l { if (!n++ || $2 < w) { w = $2; r = $3 } }
      END { print w, r }' "$TMP/results"
}

# the measured values for mode=linear: one mode=measure pass, final message
gst-launch-1.0 -m $GST_IN ! loudnorm mode=measure ! fakesink >"$TMP/measure-values.log" 2>&1
final=$(grep 'final=(boolean)true' "$TMP/measure-values.log" | tail -1)
MEAS_I=$(echo "$final" | sed -n 's/.* integrated-loudness=(double)\([-0-9.e+]*\).*/\1/p')
MEAS_TP=$(echo "$final" | sed -n 's/.* true-peak=(double)\([-0-9.e+]*\).*/\1/p')
[ -n "$MEAS_I" ] && [ -n "$MEAS_TP" ] || { echo "no final loudness message"; tail -5 "$TMP/measure-values.log"; exit 1; }
echo "measured:  integrated-loudness $MEAS_I LUFS, true-peak $MEAS_TP dBTP (mode=measure)"
echo

i=0
while [ $i -lt "$RUNS" ]; do
  run mm-live     gst-launch-1.0 -q $GST_IN ! loudnorm mode=live ! fakesink
  run ffmpeg      ffmpeg -hide_banner -nostats -i "$WAV" -af loudnorm -f null -
  run mm-file     gst-launch-1.0 -q $GST_IN ! loudnorm mode=file ! fakesink
  run mm-linear   gst-launch-1.0 -q $GST_IN ! loudnorm mode=linear \
                    measured-loudness="$MEAS_I" measured-true-peak="$MEAS_TP" ! fakesink
  run mm-measure  gst-launch-1.0 -q $GST_IN ! loudnorm mode=measure ! fakesink
  run gst-base    gst-launch-1.0 -q $GST_IN ! identity ! fakesink
  run ffmpeg-base ffmpeg -hide_banner -nostats -i "$WAV" -af anull -f null -
  run mm-live-min  $GST_MIN gst-launch-1.0 -q $GST_IN ! loudnorm mode=live ! fakesink
  run gst-min-base $GST_MIN gst-launch-1.0 -q $GST_IN ! identity ! fakesink
  i=$((i + 1))
done

row () {
  set -- "$1" $(best "$1") "$2"
  awk -v l="$1" -v w="$2" -v r="$3" -v d="$4" -v len="$SECONDS_LEN" 'BEGIN {
      printf "%-12s %9.3f s %8.1fx realtime %9.1f MB peak RSS   %s\n",
          l, w / 1e9, len / (w / 1e9), r / 1024, d }'
}
echo "best of $RUNS runs, ${SECONDS_LEN} s programme:"
row mm-live     "gst-launch ... ! loudnorm mode=live ! fakesink"
row ffmpeg      "ffmpeg -i file.wav -af loudnorm -f null -"
row mm-file     "loudnorm mode=file (for information)"
row mm-linear   "loudnorm mode=linear with measured values (for information)"
row mm-measure  "loudnorm mode=measure (for information)"
row gst-base    "baseline: gst-launch ... ! identity ! fakesink"
row ffmpeg-base "baseline: ffmpeg -af anull"
row mm-live-min  "loudnorm mode=live, only the 3 plugins used on the path (for information)"
row gst-min-base "baseline of that: identity, only the 3 plugins used"
echo

set -- $(best mm-live) $(best ffmpeg) $(best gst-base) $(best ffmpeg-base)
awk -v mw="$1" -v mr="$2" -v fw="$3" -v fr="$4" -v gbw="$5" -v gbr="$6" \
    -v fbw="$7" -v fbr="$8" 'BEGIN {
  speed = fw / mw; mem = fr / mr;
  printf "speed ratio (ffmpeg / mixmaster live):        %6.2fx   (criterion >= 20x: %s)\n",
      speed, (speed >= 20 ? "PASS" : "FAIL");
  printf "memory ratio (ffmpeg / mixmaster live, RSS):  %6.2fx   (criterion >= 10x: %s)\n",
      mem, (mem >= 10 ? "PASS" : "FAIL");
  # the filters alone: minus the framework baselines
  dm = mr - gbr; df = fr - fbr;
  printf "for information, filters alone (RSS minus baseline): mixmaster %.1f MB, ffmpeg %.1f MB",
      dm / 1024, df / 1024;
  if (dm > 0) printf ", ratio %.2fx", df / dm;
  printf "\n";
  printf "for information, filters alone (wall minus baseline): mixmaster %.3f s, ffmpeg %.3f s",
      (mw - gbw) / 1e9, (fw - fbw) / 1e9;
  if (mw > gbw) printf ", ratio %.2fx", (fw - fbw) / (mw - gbw);
  printf "\n";
}'
set -- $(best mm-live-min) $(best ffmpeg)
awk -v mr="$2" -v fr="$4" 'BEGIN {
  printf "for information, memory ratio with only the plugins used on the path: %.2fx\n", fr / mr }'
