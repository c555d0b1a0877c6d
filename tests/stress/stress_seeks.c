/* stress-seeks: random flushing seeks on a playing pipeline through
 * loudnorm (live) and masterchain (live, multiband): every seek must
 * complete (ASYNC_DONE), audio must keep flowing after it, and no ERROR
 * may come.  Half the seeks are KEY_UNIT-less accurate seeks, a few go
 * back to 0 or near the end.
 *
 * CI and --long: 1000 seeks per element (--seeks N). */
#include "stress.h"

static const char *elements[] = {
  "loudnorm mode=live lookahead=500",
  "masterchain mode=live lookahead=300 comp-multiband=true comp-ratio=4",
};

static GstPadProbeReturn
count_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  int seeks = (int) stress_arg (argc, argv, "--seeks", 1000);
  GRand *rand = g_rand_new_with_seed (1770);
  gint64 t0 = g_get_monotonic_time ();

  stress_init (argc, argv);
  if (!stress_have ("loudnorm") || !stress_have ("masterchain")) {
    printf ("SKIP: loudnorm/masterchain not found (GST_PLUGIN_PATH)\n");
    return STRESS_SKIP;
  }
  for (guint k = 0; k < G_N_ELEMENTS (elements); k++) {
    /* seeks land anywhere in the first 10 minutes; no num-buffers: it
     * counts every buffer made, and each seek makes a lookahead's worth
     * again before anything comes out (about 30 here) */
    gchar *desc = g_strdup_printf ("audiotestsrc wave=pink-noise "
        "samplesperbuffer=1024 ! audio/x-raw,"
        "format=F32LE,rate=48000,channels=2 ! %s ! fakesink name=sink "
        "sync=false", elements[k]);
    GstElement *p = stress_parse (desc);
    GstBus *bus;
    gint buffers = 0;

    g_free (desc);
    stress_probe (p, "sink", count_buffers, &buffers);
    bus = gst_element_get_bus (p);
    stress_set_state (p, GST_STATE_PAUSED);

    for (int s = 0; s < seeks; s++) {
      GstClockTime pos;
      GstSeekFlags flags = GST_SEEK_FLAG_FLUSH;
      GstMessage *m;
      gint before;
      gint64 deadline;

      switch (g_rand_int_range (rand, 0, 8)) {
        case 0:
          pos = 0;
          break;
        case 1:
          pos = 599 * GST_SECOND;       /* just before the end */
          break;
        default:
          pos = g_rand_int_range (rand, 0, 590000) * GST_MSECOND;
          break;
      }
      if (g_rand_boolean (rand))
        flags |= GST_SEEK_FLAG_ACCURATE;
      if (!gst_element_seek_simple (p, GST_FORMAT_TIME, flags, pos))
        STRESS_FAIL ("%s: seek %d to %" GST_TIME_FORMAT " refused",
            elements[k], s, GST_TIME_ARGS (pos));
      m = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
          GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR);
      if (!m || GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
        STRESS_FAIL ("%s: seek %d did not complete", elements[k], s);
      gst_message_unref (m);
      /* play a little after every few seeks: audio must flow again */
      if (s % 4 == 0) {
        before = g_atomic_int_get (&buffers);
        stress_set_state (p, GST_STATE_PLAYING);
        deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
        while (g_atomic_int_get (&buffers) < before + 4
            && pos < 598 * GST_SECOND) {
          if (g_get_monotonic_time () > deadline)
            STRESS_FAIL ("%s: no audio after seek %d", elements[k], s);
          g_usleep (100);
        }
        stress_set_state (p, GST_STATE_PAUSED);
      }
      stress_check_no_error (p);
    }
    printf ("stress-seeks: %s: %d flushing seeks, %d buffers out, no "
        "error\n", elements[k], seeks, g_atomic_int_get (&buffers));
    gst_element_set_state (p, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (p);
  }
  printf ("stress-seeks: done in %.1f s\n",
      (g_get_monotonic_time () - t0) / 1e6);
  g_rand_free (rand);
  return 0;
}
