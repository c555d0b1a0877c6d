/* stress-hours: hours of audio at full speed through loudnorm mode=live,
 * resident memory sampled along the way; it must be flat once the meters
 * and pools have warmed up (the meter's histograms are fixed-size, the
 * lookahead a fixed ring: nothing should grow with the stream's length).
 *
 * CI: 1 hour of 48 kHz stereo (a few seconds); --long or
 * MIXMASTER_STRESS_LONG=1: 24 hours; --hours N for anything else.
 * Loudness messages every second are posted and dropped in a sync
 * handler (a bus nobody reads would grow instead). */
#include "stress.h"

#define RATE 48000
#define FRAMES_PER_BUFFER 4800
/* RSS may move this much after the warm-up (allocator noise) */
#define RSS_SLACK_KB 4096

static gssize frames_out;          /* atomic */

static GstPadProbeReturn
count_frames (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  g_atomic_pointer_add (&frames_out, gst_buffer_get_size (b) / 8);
  return GST_PAD_PROBE_OK;
}

static GstBusSyncReply
drop_element_messages (GstBus * bus, GstMessage * m, gpointer data)
{
  static gint64 seen;
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT) {
    seen++;
    gst_message_unref (m);
    return GST_BUS_DROP;
  }
  return GST_BUS_PASS;
}

int
main (int argc, char **argv)
{
  gboolean lng = stress_long (argc, argv);
  double hours = stress_arg (argc, argv, "--hours", lng ? 24.0 : 1.0);
  guint64 buffers = (guint64) (hours * 3600.0 * RATE / FRAMES_PER_BUFFER);
  gchar *desc;
  GstElement *pipeline;
  GstBus *bus;
  gint64 t0, warm_frames = (gint64) (hours * 3600 * RATE / 12);
  long rss_start = -1, rss_warm = -1, rss_max = 0, rss_end;
  double next_report = 1.0;

  stress_init (argc, argv);
  if (!stress_have ("loudnorm")) {
    printf ("SKIP: loudnorm not found (GST_PLUGIN_PATH)\n");
    return STRESS_SKIP;
  }
  /* ticks: bursts and silence, so the live gain holds and moves */
  desc = g_strdup_printf ("audiotestsrc wave=ticks samplesperbuffer=%d "
      "num-buffers=%" G_GUINT64_FORMAT " ! audio/x-raw,format=F32LE,"
      "rate=%d,channels=2 ! loudnorm mode=live lookahead=3000 ! "
      "fakesink name=sink sync=false", FRAMES_PER_BUFFER, buffers, RATE);
  pipeline = stress_parse (desc);
  g_free (desc);
  stress_probe (pipeline, "sink", count_frames, NULL);
  bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, drop_element_messages, NULL, NULL);

  t0 = g_get_monotonic_time ();
  rss_start = stress_rss_kb ();
  stress_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus, 200 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    gint64 f = g_atomic_pointer_get (&frames_out);
    long rss = stress_rss_kb ();
    double h = f / (3600.0 * RATE);

    /* warm-up: the first twelfth of the run (5 min of audio in 1 h, 2 h
     * in 24 h) */
    if (f >= warm_frames && rss_warm < 0)
      rss_warm = rss;
    if (rss_warm >= 0 && rss > rss_max)
      rss_max = rss;
    if (h >= next_report) {
      printf ("  %6.2f h of audio in %6.1f s: RSS %ld kB\n", h,
          (g_get_monotonic_time () - t0) / 1e6, rss);
      fflush (stdout);
      next_report += lng ? 2.0 : 0.25;
    }
    if (m) {
      gboolean eos = GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS;
      if (!eos) {
        GError *err = NULL;
        gst_message_parse_error (m, &err, NULL);
        STRESS_FAIL ("%s", err->message);
      }
      gst_message_unref (m);
      break;
    }
  }
  rss_end = stress_rss_kb ();
  {
    double secs = (g_get_monotonic_time () - t0) / 1e6;
    double h = g_atomic_pointer_get (&frames_out) / (3600.0 * RATE);
    printf ("stress-hours: %.2f h of 48 kHz stereo through loudnorm "
        "mode=live in %.1f s (%.0fx real time); RSS kB: start %ld, after "
        "warm-up %ld, max after warm-up %ld, end %ld\n", h, secs,
        h * 3600 / secs, rss_start, rss_warm, rss_max, rss_end);
    if (g_atomic_pointer_get (&frames_out) != (gint64) buffers *
        FRAMES_PER_BUFFER)
      STRESS_FAIL ("%" G_GINT64_FORMAT " frames out for %" G_GUINT64_FORMAT
          " in", (gint64) g_atomic_pointer_get (&frames_out),
          buffers * FRAMES_PER_BUFFER);
  }
  if (!STRESS_SANITIZED && rss_max - rss_warm > RSS_SLACK_KB)
    STRESS_FAIL ("memory grew by %ld kB after the warm-up", rss_max -
        rss_warm);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return 0;
}
