/* stress-cycles: NULL -> PLAYING -> NULL, over and over, on pipelines
 * with loudnorm and masterchain in their different modes (live, file:
 * the spool is made and dropped each time).  Each cycle waits until some
 * audio went through, so the elements really start.  Memory must not
 * grow with the cycles (a leak per start would show).
 *
 * CI: 1000 cycles (about 2 s); --long: 10000 (--cycles N for another
 * count). */
#include <malloc.h>

#include "stress.h"

static const char *elements[] = {
  "loudnorm mode=live lookahead=200", "masterchain mode=live lookahead=200",
  "loudnorm mode=file", "masterchain mode=file comp-multiband=true",
  "loudnorm mode=measure", "loudnorm mode=linear measured-loudness=-30",
};

static GstPadProbeReturn
first_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_set ((gint *) data, 1);
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  int cycles = (int) stress_arg (argc, argv, "--cycles",
      stress_long (argc, argv) ? 10000 : 1000);
  GstElement *p[G_N_ELEMENTS (elements)];
  gint flowing[G_N_ELEMENTS (elements)];
  long rss_first = 0, rss_last = 0;
  gint64 t0;

  /* Every cycle starts new streaming threads, and glibc gives threads
   * arenas of their own (up to 8 per core) whose fragmentation grows RSS
   * for thousands of cycles (+13 MB over 10000) although the heap does not
   * grow (valgrind: the same 0.93 MB reachable after 60 and 300 cycles,
   * nothing lost).  Two arenas: RSS then measures our memory (flat, 15.5
   * MB over 10000 cycles). */
#ifdef M_ARENA_MAX
  mallopt (M_ARENA_MAX, 2);
#endif
  stress_init (argc, argv);
  if (!stress_have ("loudnorm") || !stress_have ("masterchain")) {
    printf ("SKIP: loudnorm/masterchain not found (GST_PLUGIN_PATH)\n");
    return STRESS_SKIP;
  }
  for (guint k = 0; k < G_N_ELEMENTS (elements); k++) {
    /* the source's tail, not EOS: file modes would only drain at EOS */
    /* the source never ends: file modes output nothing before EOS, so
     * the sink must not wait for a buffer to preroll (async=false) */
    gchar *desc = g_strdup_printf ("audiotestsrc samplesperbuffer=960 ! "
        "audio/x-raw,format=F32LE,rate=48000,channels=2 ! %s name=el ! "
        "fakesink sync=false async=false", elements[k]);
    p[k] = stress_parse (desc);
    g_free (desc);
    /* file modes output nothing before EOS: watch the element's input */
    stress_probe (p[k], "el", first_buffer, &flowing[k]);
  }

  t0 = g_get_monotonic_time ();
  for (int c = 0; c < cycles; c++) {
    guint k = c % G_N_ELEMENTS (elements);
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    g_atomic_int_set (&flowing[k], 0);
    stress_set_state (p[k], GST_STATE_PLAYING);
    while (!g_atomic_int_get (&flowing[k])) {
      if (g_get_monotonic_time () > deadline)
        STRESS_FAIL ("cycle %d (%s): no audio within 10 s", c, elements[k]);
      g_usleep (200);
    }
    stress_check_no_error (p[k]);
    stress_set_state (p[k], GST_STATE_NULL);
    /* from a third of the way on: the first cycles warm caches up */
    if (c == cycles / 3)
      rss_first = stress_rss_kb ();
  }
  rss_last = stress_rss_kb ();
  for (guint k = 0; k < G_N_ELEMENTS (elements); k++)
    gst_object_unref (p[k]);
  printf ("stress-cycles: %d NULL->PLAYING->NULL cycles over %u pipelines "
      "in %.1f s; RSS %ld kB a third of the way, %ld kB at the end\n",
      cycles, (unsigned) G_N_ELEMENTS (elements),
      (g_get_monotonic_time () - t0) / 1e6, rss_first, rss_last);
  if (!STRESS_SANITIZED && cycles > 100 && rss_last - rss_first > 8192)
    STRESS_FAIL ("memory grew by %ld kB over the cycles", rss_last -
        rss_first);
  return 0;
}
