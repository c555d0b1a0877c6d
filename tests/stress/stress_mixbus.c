/* stress-mixbus: mixbus request pads added and removed at random while
 * PLAYING, with pad properties (gain, pan, sends, mute, solo) changed on
 * the pads that are there.  Live sources, as on a console: a track comes
 * in (request sink_%u, link, sync state) and goes (source to NULL,
 * release the pad) while the bus keeps mixing.  No ERROR, no critical,
 * output finite, and the bus must still be running at the end.
 *
 * CI: 200 add/remove operations; --long: 2000.  Skips (77) when the
 * plugin has no mixbus. */
#include <math.h>

#include "stress.h"

#define MAX_TRACKS 16

static gint nonfinite, buffers_out;

static GstPadProbeReturn
check_output (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstAudioInfo ai;
  gboolean f32 = FALSE;

  if (caps && gst_audio_info_from_caps (&ai, caps))
    f32 = GST_AUDIO_INFO_FORMAT (&ai) == GST_AUDIO_FORMAT_F32;
  if (caps)
    gst_caps_unref (caps);
  gst_buffer_map (b, &map, GST_MAP_READ);
  if (f32)
    for (gsize i = 0; i < map.size / 4; i++)
      if (!isfinite (((const float *) map.data)[i]))
        g_atomic_int_inc (&nonfinite);
  gst_buffer_unmap (b, &map);
  g_atomic_int_inc (&buffers_out);
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  GstElement *src;
  GstPad *pad;                  /* mixbus sink_%u */
} Track;

static void
add_track (GstElement * pipe, GstElement * mix, Track * t, GRand * r)
{
  static const char *waves[] = { "sine", "pink-noise", "square", "ticks" };
  GstPad *srcpad;

  t->src = gst_element_factory_make ("audiotestsrc", NULL);
  g_object_set (t->src, "is-live", TRUE, "samplesperbuffer", 480,
      "freq", g_rand_double_range (r, 50, 5000),
      "volume", g_rand_double_range (r, 0, 1), NULL);
  gst_util_set_object_arg (G_OBJECT (t->src), "wave",
      waves[g_rand_int_range (r, 0, 4)]);
  gst_bin_add (GST_BIN (pipe), t->src);
  t->pad = gst_element_request_pad_simple (mix, "sink_%u");
  if (!t->pad)
    STRESS_FAIL ("mixbus gave no sink pad");
  srcpad = gst_element_get_static_pad (t->src, "src");
  if (gst_pad_link (srcpad, t->pad) != GST_PAD_LINK_OK)
    STRESS_FAIL ("link to %s failed", GST_PAD_NAME (t->pad));
  gst_object_unref (srcpad);
  gst_element_sync_state_with_parent (t->src);
}

static void
remove_track (GstElement * pipe, GstElement * mix, Track * t)
{
  gst_element_set_state (t->src, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pipe), t->src);
  gst_element_release_request_pad (mix, t->pad);
  gst_object_unref (t->pad);
  t->src = NULL;
  t->pad = NULL;
}

static void
poke_pad (Track * t, GRand * r)
{
  switch (g_rand_int_range (r, 0, 5)) {
    case 0:
      g_object_set (t->pad, "gain", g_rand_double_range (r, -90, 24), NULL);
      break;
    case 1:
      g_object_set (t->pad, "pan", g_rand_double_range (r, -1, 1), NULL);
      break;
    case 2:
      g_object_set (t->pad, "mute", g_rand_boolean (r), NULL);
      break;
    case 3:
      g_object_set (t->pad, "solo", g_rand_boolean (r), NULL);
      break;
    default:
      g_object_set (t->pad, "reverb-send", g_rand_double_range (r, -90, 12),
          NULL);
      break;
  }
}

int
main (int argc, char **argv)
{
  gboolean lng = stress_long (argc, argv);
  int ops = (int) stress_arg (argc, argv, "--ops", lng ? 2000 : 200);
  Track tracks[MAX_TRACKS] = { {0} };
  GRand *r = g_rand_new_with_seed (1770);
  GstElement *pipe, *mix, *sink;
  GstPad *pad;
  int added = 0, removed = 0, live = 0, before;
  gint64 t0;

  stress_init (argc, argv);
  if (!stress_have ("mixbus")) {
    printf ("SKIP: no mixbus element in this build of the plugin\n");
    return STRESS_SKIP;
  }
  pipe = gst_pipeline_new (NULL);
  mix = gst_element_factory_make ("mixbus", "mix");
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (mix, "post-messages", FALSE, NULL);
  g_object_set (sink, "sync", TRUE, NULL);
  gst_bin_add_many (GST_BIN (pipe), mix, sink, NULL);
  if (!gst_element_link (mix, sink))
    STRESS_FAIL ("mixbus ! fakesink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, check_output, NULL,
      NULL);
  gst_object_unref (pad);
  for (int i = 0; i < 2; i++, live++, added++)
    add_track (pipe, mix, &tracks[i], r);
  stress_set_state (pipe, GST_STATE_PLAYING);

  t0 = g_get_monotonic_time ();
  for (int op = 0; op < ops; op++) {
    int i = g_rand_int_range (r, 0, MAX_TRACKS);
    if (tracks[i].src && live > 1 && g_rand_boolean (r)) {
      remove_track (pipe, mix, &tracks[i]);
      live--;
      removed++;
    } else if (!tracks[i].src) {
      add_track (pipe, mix, &tracks[i], r);
      live++;
      added++;
    } else {
      poke_pad (&tracks[i], r);
    }
    g_usleep (g_rand_int_range (r, 0, 20000));
    stress_check_no_error (pipe);
  }
  /* the bus must still be mixing */
  before = g_atomic_int_get (&buffers_out);
  g_usleep (300000);
  stress_check_no_error (pipe);
  if (g_atomic_int_get (&buffers_out) <= before)
    STRESS_FAIL ("mixbus stopped after the pad storm");
  printf ("stress-mixbus: %d operations (%d pads added, %d removed, %d at "
      "the end) in %.1f s while PLAYING; %d buffers out, %d non-finite "
      "samples\n", ops, added, removed, live,
      (g_get_monotonic_time () - t0) / 1e6, g_atomic_int_get (&buffers_out),
      nonfinite);
  if (nonfinite)
    STRESS_FAIL ("non-finite output");
  gst_element_set_state (pipe, GST_STATE_NULL);
  for (int i = 0; i < MAX_TRACKS; i++)
    if (tracks[i].pad)
      gst_object_unref (tracks[i].pad);
  gst_object_unref (pipe);
  g_rand_free (r);
  return 0;
}
