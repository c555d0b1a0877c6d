/* stress-pipelines: 64 pipelines at once in one process, half loudnorm
 * (live, linear, file, measure in turn), half masterchain (live, file),
 * at rates from 8 kHz to 192 kHz; every one must reach EOS with the
 * exact number of frames and no ERROR.  Catches shared state between
 * instances (statics, class data, the spool's temporary files).
 *
 * CI: 64 pipelines x 5 s of audio; --long: 64 x 60 s, 4 rounds. */
#include "stress.h"

#define N_PIPELINES 64

static const char *elements[] = {
  "loudnorm mode=live lookahead=500", "masterchain mode=live lookahead=500",
  "loudnorm mode=linear measured-loudness=-20 measured-true-peak=-3",
  "masterchain mode=file comp-ratio=3 comp-multiband=true width=1.2",
  "loudnorm mode=file", "masterchain mode=live eq-hpf-freq=40 dither-bits=16",
  "loudnorm mode=measure", "masterchain profile=podcast",
};

static const int rates[] = { 8000, 44100, 48000, 96000, 192000, 22050 };

static gssize total_frames;      /* atomic */

static GstPadProbeReturn
count_frames (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  g_atomic_pointer_add ((gssize *) data, gst_buffer_get_size (b) / 8);
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  gboolean lng = stress_long (argc, argv);
  double seconds = stress_arg (argc, argv, "--seconds", lng ? 60 : 5);
  int rounds = lng ? 4 : 1;
  GstElement *p[N_PIPELINES];
  gssize frames[N_PIPELINES], expect[N_PIPELINES];
  gint64 t0;

  stress_init (argc, argv);
  if (!stress_have ("loudnorm") || !stress_have ("masterchain")) {
    printf ("SKIP: loudnorm/masterchain not found (GST_PLUGIN_PATH)\n");
    return STRESS_SKIP;
  }
  t0 = g_get_monotonic_time ();
  for (int round = 0; round < rounds; round++) {
    for (int i = 0; i < N_PIPELINES; i++) {
      int rate = rates[i % G_N_ELEMENTS (rates)];
      int spb = rate / 10;
      int nbuf = (int) (seconds * 10);
      gchar *desc = g_strdup_printf ("audiotestsrc wave=%s "
          "samplesperbuffer=%d num-buffers=%d ! audio/x-raw,format=F32LE,"
          "rate=%d,channels=2 ! %s post-messages=false ! fakesink name=sink "
          "sync=false", i & 1 ? "pink-noise" : "sine", spb, nbuf, rate,
          elements[i % G_N_ELEMENTS (elements)]);

      p[i] = stress_parse (desc);
      g_free (desc);
      frames[i] = 0;
      expect[i] = (gssize) spb * nbuf;
      stress_probe (p[i], "sink", count_frames, &frames[i]);
    }
    for (int i = 0; i < N_PIPELINES; i++)
      if (gst_element_set_state (p[i], GST_STATE_PLAYING)
          == GST_STATE_CHANGE_FAILURE)
        STRESS_FAIL ("pipeline %d: PLAYING failed", i);
    for (int i = 0; i < N_PIPELINES; i++) {
      if (!stress_wait_eos (p[i], 300 * GST_SECOND))
        STRESS_FAIL ("pipeline %d (%s): no EOS", i,
            elements[i % G_N_ELEMENTS (elements)]);
      if (g_atomic_pointer_get (&frames[i]) != expect[i])
        STRESS_FAIL ("pipeline %d (%s): %zd frames out for %zd in", i,
            elements[i % G_N_ELEMENTS (elements)], frames[i], expect[i]);
      total_frames += frames[i];
    }
    for (int i = 0; i < N_PIPELINES; i++) {
      gst_element_set_state (p[i], GST_STATE_NULL);
      gst_object_unref (p[i]);
    }
  }
  printf ("stress-pipelines: %d rounds of %d concurrent pipelines, %.1f h "
      "of audio in all, exact frame counts, no error, %.1f s; RSS %ld kB\n",
      rounds, N_PIPELINES, total_frames / 48000.0 / 3600.0,
      (g_get_monotonic_time () - t0) / 1e6, stress_rss_kb ());
  return 0;
}
