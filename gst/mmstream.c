/* mmstream: stream machinery shared by loudnorm and masterchain. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "mmstream.h"

#include <math.h>

/**
 * gst_mm_interval_init:
 * @iv: the clock
 *
 * Before any input: no resync point, no interval open.  Keeps @rate.
 */
void
gst_mm_interval_init (GstMmInterval * iv)
{
  iv->base_ts = GST_CLOCK_TIME_NONE;
  iv->base_frames = 0;
  gst_mm_interval_restart (iv);
}

/**
 * gst_mm_interval_restart:
 * @iv: the clock
 *
 * Drops the frames of the open interval; the next frame opens a new one.
 */
void
gst_mm_interval_restart (GstMmInterval * iv)
{
  iv->frames_in_interval = 0;
  iv->interval_start = GST_CLOCK_TIME_NONE;
}

/**
 * gst_mm_interval_position:
 * @iv: the clock
 *
 * Returns: the timestamp of the next input frame (0 before any timestamp).
 */
GstClockTime
gst_mm_interval_position (const GstMmInterval * iv)
{
  if (!GST_CLOCK_TIME_IS_VALID (iv->base_ts))
    return 0;
  return iv->base_ts + gst_util_uint64_scale_round (iv->base_frames,
      GST_SECOND, iv->rate);
}

/**
 * gst_mm_interval_duration:
 * @iv: the clock
 *
 * Returns: the duration of the frames in the open interval.
 */
GstClockTime
gst_mm_interval_duration (const GstMmInterval * iv)
{
  return gst_util_uint64_scale_round (iv->frames_in_interval, GST_SECOND,
      iv->rate);
}

/**
 * gst_mm_interval_sync:
 * @iv: the clock
 * @pts: the timestamp of the incoming input (may be NONE)
 * @discont: the input is flagged DISCONT
 *
 * Follows the input timestamps: a DISCONT or a timestamp more than one
 * frame away from the count starts a new resync point.
 */
void
gst_mm_interval_sync (GstMmInterval * iv, GstClockTime pts, gboolean discont)
{
  GstClockTime expected = gst_mm_interval_position (iv);
  GstClockTime frame = gst_util_uint64_scale_ceil (1, GST_SECOND, iv->rate);

  if (!GST_CLOCK_TIME_IS_VALID (pts)) {
    if (!GST_CLOCK_TIME_IS_VALID (iv->base_ts))
      iv->base_ts = 0;
    return;
  }
  if (!GST_CLOCK_TIME_IS_VALID (iv->base_ts) || discont
      || (pts > expected ? pts - expected : expected - pts) > frame) {
    iv->base_ts = pts;
    iv->base_frames = 0;
  }
}

/**
 * gst_mm_interval_run:
 * @iv: the clock
 * @interval: the message interval, ns
 * @bpf: bytes per frame of @in and @out
 * @in: (nullable): input frames
 * @out: (nullable): output frames
 * @frames: how many
 * @piece: processes one piece
 * @due: (nullable): called at each interval end
 * @user_data: for @piece and @due
 *
 * Runs @frames frames through @piece in pieces that end at interval ends,
 * calling @due at each end.  An interval shortened while playing ends at
 * once.
 */
void
gst_mm_interval_run (GstMmInterval * iv, GstClockTime interval, gsize bpf,
    const guint8 * in, guint8 * out, gsize frames, GstMmPieceFunc piece,
    GstMmIntervalDueFunc due, gpointer user_data)
{
  guint64 interval_frames = MAX (1, gst_util_uint64_scale_round (interval,
          iv->rate, GST_SECOND));
  gsize done = 0;

  while (done < frames) {
    gsize n = 0;
    if (iv->frames_in_interval < interval_frames)
      n = (gsize) MIN ((guint64) (frames - done),
          interval_frames - iv->frames_in_interval);
    if (n > 0) {
      if (iv->frames_in_interval == 0)
        iv->interval_start = gst_mm_interval_position (iv);
      piece (user_data, in ? in + done * bpf : NULL,
          out ? out + done * bpf : NULL, n);
      done += n;
      iv->base_frames += n;
      iv->frames_in_interval += n;
    }
    if (iv->frames_in_interval >= interval_frames) {
      if (due)
        due (user_data);
      gst_mm_interval_restart (iv);
    }
  }
}

/**
 * gst_mm_upstream_is_live:
 * @sinkpad: the element's sink pad
 *
 * Returns: whether the LATENCY query on the peer of @sinkpad says live.
 */
gboolean
gst_mm_upstream_is_live (GstPad * sinkpad)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean live = FALSE;
  if (gst_pad_peer_query (sinkpad, q))
    gst_query_parse_latency (q, &live, NULL, NULL);
  gst_query_unref (q);
  return live;
}

/**
 * gst_mm_search_gain:
 * @measure: measures the output of a full pass at a gain
 * @user_data: for @measure
 * @start: the first gain to try, dB (clamped)
 * @goal: the output loudness wanted, LUFS
 * @tolerance: how close is on the goal, LU
 * @max_passes: the most passes of @measure
 * @gain_min: the lowest gain, dB
 * @gain_max: the highest gain, dB
 * @flags: #GstMmGainSearchFlags
 * @error: (out) (optional): the smallest distance from the goal measured
 *
 * Finds the gain that puts the measured (limited) output on @goal: the
 * limiter takes loudness away, so one pass is not enough; secant steps on
 * the measured output converge in a few passes.
 *
 * Returns: the gain, dB
 */
gdouble
gst_mm_search_gain (GstMmMeasureFunc measure, gpointer user_data,
    gdouble start, gdouble goal, gdouble tolerance, gint max_passes,
    gdouble gain_min, gdouble gain_max, GstMmGainSearchFlags flags,
    gdouble * error)
{
  gboolean keep_best = (flags & GST_MM_GAIN_SEARCH_KEEP_BEST) != 0;
  gdouble g0 = CLAMP (start, gain_min, gain_max), g1;
  gdouble out0, out1, best_g, best_err;
  gboolean limited = TRUE;

  if (error)
    *error = INFINITY;
  out0 = measure (user_data, g0, &limited);
  if (!isfinite (out0))
    return g0;
  best_g = g0;
  best_err = fabs (goal - out0);
  if (error)
    *error = best_err;
  if (keep_best ? best_err <= tolerance : !limited)
    return g0;                  /* on the goal, or gain alone was exact */
  g1 = CLAMP (g0 + (goal - out0), gain_min, gain_max);
  for (gint pass = 1; pass < max_passes && g1 != g0; pass++) {
    out1 = measure (user_data, g1, &limited);
    if (!isfinite (out1))
      break;
    if (fabs (goal - out1) < best_err) {
      best_err = fabs (goal - out1);
      best_g = g1;
    }
    if (fabs (goal - out1) <= tolerance)
      break;
    gdouble slope = (out1 - out0) / (g1 - g0);
    if (!isfinite (slope) || slope < 0.05)
      slope = 0.05;             /* a hard-working limiter gives little */
    g0 = g1;
    out0 = out1;
    g1 = CLAMP (g1 + (goal - out1) / MIN (slope, 1.0), gain_min, gain_max);
  }
  if (error)
    *error = best_err;
  return keep_best ? best_g : g1;
}
