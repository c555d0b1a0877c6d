/* fuzz-mixbus: the mixbus element (a GstAudioAggregator) with 1 to 4
 * tracks from appsrc, each in its own format (F32/F64/S16, 1 to 8
 * channels; its rate usually the bus's, sometimes not), into appsink.
 * An aggregator waits for all its pads, so a single thread pushing into
 * harnessed pads would block: appsrc queues and each track streams in its
 * own thread, as in a real pipeline.
 *
 * Operations: buffers on a track (timestamps continuous, or jumping with
 * DISCONT), caps changes on a track, pad properties (gain, pan, sends,
 * mute, solo, ducking, EQ, compressor...: every writable one, values from
 * its own range), bus properties, a track ending early; EOS at the end.
 * Checks: the pipeline ends (EOS, or an ERROR for a rate the bus cannot
 * take) within 30 s — no hang; every output sample is finite; GLib
 * criticals abort. */
#include "fuzz_gst.h"

#include <gst/app/app.h>

#define MAX_TRACKS 4

static GParamSpec *pad_props[FZ_MAX_PROPS];
static guint n_pad_props;
static GParamSpec *bus_props[FZ_MAX_PROPS];
static guint n_bus_props;

static gboolean
skip_prop (const GParamSpec * p)
{
  /* aggregator timing knobs would make a run wait on the clock */
  static const char *skip[] = { "name", "parent", "latency", "start-time",
    "start-time-selection", "force-live", "emit-signals",
    "min-upstream-latency", "alignment-threshold", "discont-wait",
    "output-buffer-duration", "output-buffer-duration-fraction",
    "ignore-inactive-pads", "converter-config", "qos", "duck-source", NULL
  };
  if (!(p->flags & G_PARAM_WRITABLE) || (p->flags & G_PARAM_CONSTRUCT_ONLY))
    return TRUE;
  for (int i = 0; skip[i]; i++)
    if (!strcmp (p->name, skip[i]))
      return TRUE;
  return FALSE;
}

static void
collect (GObjectClass * klass, GParamSpec ** out, guint * n)
{
  guint k;
  GParamSpec **all = g_object_class_list_properties (klass, &k);

  for (guint i = 0; i < k && *n < FZ_MAX_PROPS; i++)
    if (!skip_prop (all[i]))
      out[(*n)++] = all[i];
  g_free (all);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static const fz_target target = { "mixbus", NULL, NULL, NULL, TRUE };
  GstElement *m, *pipe;
  GstPad *pad;

  fz_gst_init (&target);
  /* the pad class exists once a pad was requested */
  pipe = gst_pipeline_new (NULL);
  m = gst_element_factory_make ("mixbus", NULL);
  gst_bin_add (GST_BIN (pipe), m);
  pad = gst_element_request_pad_simple (m, "sink_%u");
  collect (G_OBJECT_GET_CLASS (m), bus_props, &n_bus_props);
  collect (G_OBJECT_GET_CLASS (pad), pad_props, &n_pad_props);
  gst_element_release_request_pad (m, pad);
  gst_object_unref (pad);
  gst_object_unref (pipe);
  return 0;
}

typedef struct
{
  GstElement *src;
  GstPad *pad;
  GstAudioFormat fmt;
  gint rate, channels;
  guint64 frames;
  GstClockTime base;
  gboolean eos, discont;
} Track;

static void
track_caps (Track * t, fz_in * in, gint bus_rate)
{
  static const GstAudioFormat fmts[] = { GST_AUDIO_FORMAT_F32LE,
    GST_AUDIO_FORMAT_F64LE, GST_AUDIO_FORMAT_S16LE
  };
  GstAudioInfo info;
  GstCaps *caps;

  t->fmt = fmts[fz_pick (in, 3)];
  t->channels = 1 + fz_pick (in, MM_CHANNELS_MAX);
  /* one in 16: a rate the bus was not set to */
  t->rate = (fz_u8 (in) & 15) == 0 ? (gint) fz_rate (in) : bus_rate;
  gst_audio_info_set_format (&info, t->fmt, t->rate, t->channels, NULL);
  caps = gst_audio_info_to_caps (&info);
  g_object_set (t->src, "caps", caps, NULL);
  gst_caps_unref (caps);
  t->base = t->base + gst_util_uint64_scale_int_round (t->frames,
      GST_SECOND, t->rate);
  t->frames = 0;
}

static void
track_push (Track * t, fz_in * in)
{
  static float tmp[2048 * MM_CHANNELS_MAX];
  guint frames = fz_u16 (in) % 2048;
  gsize ns = (gsize) frames * t->channels;
  gsize bps = t->fmt == GST_AUDIO_FORMAT_F64LE ? 8 :
      t->fmt == GST_AUDIO_FORMAT_F32LE ? 4 : 2;
  GstBuffer *b = gst_buffer_new_allocate (NULL, ns * bps, NULL);
  GstMapInfo map;

  fz_fill (in, tmp, ns);
  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < ns; i++) {
    if (bps == 8)
      ((double *) map.data)[i] = tmp[i];
    else if (bps == 4)
      ((float *) map.data)[i] = tmp[i];
    else
      ((gint16 *) map.data)[i] = (gint16) CLAMP (isfinite (tmp[i]) ?
          tmp[i] * 32767.0f : 0, -32768, 32767);
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = t->base + gst_util_uint64_scale_int_round (t->frames,
      GST_SECOND, t->rate);
  t->frames += frames;
  GST_BUFFER_DURATION (b) = t->base + gst_util_uint64_scale_int_round
      (t->frames, GST_SECOND, t->rate) - GST_BUFFER_PTS (b);
  if (t->discont)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
  t->discont = FALSE;
  gst_app_src_push_buffer (GST_APP_SRC (t->src), b);
}

static void
check_output (GstAppSink * sink)
{
  GstSample *s;

  while ((s = gst_app_sink_try_pull_sample (sink, 0))) {
    GstBuffer *b = gst_sample_get_buffer (s);
    GstAudioInfo info;
    GstMapInfo map;

    FZ_CHECK (gst_audio_info_from_caps (&info, gst_sample_get_caps (s)),
        "output caps");
    gst_buffer_map (b, &map, GST_MAP_READ);
    if (GST_AUDIO_INFO_FORMAT (&info) == GST_AUDIO_FORMAT_F64LE)
      fz_check_finite_f64 ((const double *) map.data, map.size / 8,
          "mixbus");
    else
      fz_check_finite_f32 ((const float *) map.data, map.size / 4, "mixbus");
    gst_buffer_unmap (b, &map);
    gst_sample_unref (s);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  fz_in in = { data, size };
  Track tracks[MAX_TRACKS] = { {0} };
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *mix = gst_element_factory_make ("mixbus", NULL);
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  gint rate = (gint) fz_rate (&in);
  gboolean f64 = fz_u8 (&in) & 1;
  guint n = 1 + fz_pick (&in, MAX_TRACKS), ops = 0;
  size_t budget = 1u << 18;
  GstCaps *caps;
  GstBus *bus;
  GstMessage *m;

  FZ_CHECK (mix && filter && sink, "elements (capsfilter, appsink?)");
  caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
      f64 ? "F64LE" : "F32LE", "rate", G_TYPE_INT, rate, NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  /* appsink would hold EOS until every sample is pulled: the samples are
   * checked after the EOS message instead */
  g_object_set (sink, "sync", FALSE, "wait-on-eos", FALSE, NULL);
  g_object_set (mix, "post-messages", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipe), mix, filter, sink, NULL);
  FZ_CHECK (gst_element_link_many (mix, filter, sink, NULL), "link");
  for (guint i = 0; i < n; i++) {
    Track *t = &tracks[i];
    GstPad *srcpad;
    t->src = gst_element_factory_make ("appsrc", NULL);
    g_object_set (t->src, "format", GST_FORMAT_TIME, "is-live", FALSE,
        NULL);
    track_caps (t, &in, rate);
    gst_bin_add (GST_BIN (pipe), t->src);
    t->pad = gst_element_request_pad_simple (mix, "sink_%u");
    srcpad = gst_element_get_static_pad (t->src, "src");
    FZ_CHECK (gst_pad_link (srcpad, t->pad) == GST_PAD_LINK_OK, "link");
    gst_object_unref (srcpad);
  }
  for (guint i = 0, k = fz_u8 (&in) % 6; i < k && n_bus_props; i++)
    fz_set_prop (mix, bus_props[fz_pick (&in, n_bus_props)], &in);
  gst_element_set_state (pipe, GST_STATE_PLAYING);

  while (in.n && ops++ < 48) {
    Track *t = &tracks[fz_pick (&in, n)];
    switch (fz_pick (&in, 10)) {
      case 0:
        if (!t->eos) {
          gint64 jump = (gint64) (int16_t) fz_u16 (&in) * GST_MSECOND;
          t->base = jump < 0 && (GstClockTime) - jump > t->base ? 0 :
              t->base + jump;
          t->discont = TRUE;
        }
        break;
      case 1:
        if (!t->eos)
          track_caps (t, &in, rate);
        break;
      case 2:
      case 3:
        if (n_pad_props)
          fz_set_prop (t->pad, pad_props[fz_pick (&in, n_pad_props)], &in);
        break;
      case 4:
        if (n_bus_props)
          fz_set_prop (mix, bus_props[fz_pick (&in, n_bus_props)], &in);
        break;
      case 5:
        if (!t->eos && n > 1) {
          gst_app_src_end_of_stream (GST_APP_SRC (t->src));
          t->eos = TRUE;
        }
        break;
      default:
        if (!t->eos) {
          size_t cost = 2048 * (size_t) t->channels;
          if (cost > budget)
            goto end;
          budget -= cost;
          track_push (t, &in);
        }
        break;
    }
    check_output (GST_APP_SINK (sink));
  }
end:
  for (guint i = 0; i < n; i++)
    if (!tracks[i].eos)
      gst_app_src_end_of_stream (GST_APP_SRC (tracks[i].src));
  bus = gst_element_get_bus (pipe);
  /* an ERROR is an answer (a rate the bus cannot take); silence is not */
  m = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  FZ_CHECK (m != NULL, "mixbus: neither EOS nor ERROR within 30 s");
  gst_message_unref (m);
  check_output (GST_APP_SINK (sink));
  gst_element_set_state (pipe, GST_STATE_NULL);
  for (guint i = 0; i < n; i++)
    gst_object_unref (tracks[i].pad);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return 0;
}
