/* mmstream: stream machinery shared by the mixmaster elements (loudnorm,
 * masterchain): the message clock that cuts the input into intervals,
 * the liveness check of upstream and the file-mode gain search. */
#ifndef __GST_MM_STREAM_H__
#define __GST_MM_STREAM_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstMmInterval:
 * @rate: sample rate, frames per second
 * @base_ts: timestamp of the last resync point (NONE before any input)
 * @base_frames: input frames counted since the resync point
 * @frames_in_interval: frames in the current message interval
 * @interval_start: timestamp of the interval's first frame (NONE between
 *   intervals)
 *
 * The message clock.  Message times are counted in input frames from the
 * last resync point, so they stay exact (n * interval) whatever the buffer
 * rounding.
 */
typedef struct
{
  gint rate;
  GstClockTime base_ts;
  guint64 base_frames;
  guint64 frames_in_interval;
  GstClockTime interval_start;
} GstMmInterval;

/* Called with `frames` frames of a piece that lies inside one interval;
 * @in and @out are NULL where the caller passed NULL. */
typedef void (*GstMmPieceFunc) (gpointer user_data, const guint8 * in,
    guint8 * out, gsize frames);
/* Called when an interval is complete, before the count restarts. */
typedef void (*GstMmIntervalDueFunc) (gpointer user_data);

void gst_mm_interval_init (GstMmInterval * iv);
void gst_mm_interval_restart (GstMmInterval * iv);
GstClockTime gst_mm_interval_position (const GstMmInterval * iv);
GstClockTime gst_mm_interval_duration (const GstMmInterval * iv);
void gst_mm_interval_sync (GstMmInterval * iv, GstClockTime pts,
    gboolean discont);
void gst_mm_interval_run (GstMmInterval * iv, GstClockTime interval,
    gsize bpf, const guint8 * in, guint8 * out, gsize frames,
    GstMmPieceFunc piece, GstMmIntervalDueFunc due, gpointer user_data);

gboolean gst_mm_upstream_is_live (GstPad * sinkpad);

/* The output loudness (LUFS) of a full pass at @gain dB; sets @limited
 * when the limiter took loudness away.  Not finite: the pass failed or
 * the output is silent. */
typedef gdouble (*GstMmMeasureFunc) (gpointer user_data, gdouble gain,
    gboolean * limited);

/**
 * GstMmGainSearchFlags:
 * @GST_MM_GAIN_SEARCH_NONE: stop after the first pass when the output was
 *   not limited; return the last gain reached
 * @GST_MM_GAIN_SEARCH_KEEP_BEST: stop after the first pass when it is within
 *   the tolerance; return the best gain measured
 */
typedef enum
{
  GST_MM_GAIN_SEARCH_NONE = 0,
  GST_MM_GAIN_SEARCH_KEEP_BEST = 1 << 0,
} GstMmGainSearchFlags;

gdouble gst_mm_search_gain (GstMmMeasureFunc measure, gpointer user_data,
    gdouble start, gdouble goal, gdouble tolerance, gint max_passes,
    gdouble gain_min, gdouble gain_max, GstMmGainSearchFlags flags,
    gdouble * error);

G_END_DECLS

#endif /* __GST_MM_STREAM_H__ */
