/* GStreamer unit tests for the loudnorm element (mode=measure).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only our plugin is loaded (see tests/check/meson.build), so every test
 * drives loudnorm alone through a GstHarness and pushes synthesised
 * buffers.  Messages are collected on a private bus set on the element.
 *
 * Reference values: a 1 kHz sine of peak amplitude A (dBFS) in one channel
 * of weight 1.0 reads A - 3.01 LUFS (BS.1770: the -0.691 offset cancels the
 * K-weighting gain at 1 kHz, the mean square of a sine is A^2/2); the same
 * sine in both channels of a stereo pair reads A LUFS.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#define RATE 48000
#define TONE_HZ 1000
#define MS(n) ((guint64) (n) * GST_MSECOND)
/* 10 log10 (1.41): a surround channel against a front one */
#define SURROUND_GAIN_DB 1.4921911
/* a sine's mean square against its peak squared */
#define SINE_RMS_DB (-3.0103)

#define ALL_CHANNELS G_MAXUINT64

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static GstCaps *
audio_caps (GstAudioFormat format, gint rate, gint channels,
    const GstAudioChannelPosition * positions, GstAudioInfo * info_out)
{
  GstAudioInfo info;

  gst_audio_info_init (&info);
  gst_audio_info_set_format (&info, format, rate, channels, positions);
  if (info_out)
    *info_out = info;
  return gst_audio_info_to_caps (&info);
}

/* The harness with loudnorm, a private bus on the element and `caps` set
 * (when not NULL, transfer full). */
static GstHarness *
loudnorm_harness_new (GstCaps * caps, GstBus ** bus)
{
  GstElementFactory *factory = gst_element_factory_find ("loudnorm");
  GstHarness *h;

  fail_unless (factory != NULL,
      "no loudnorm: GST_PLUGIN_PATH_1_0 must hold the built plugin");
  gst_object_unref (factory);
  h = gst_harness_new ("loudnorm");
  fail_unless (h != NULL);
  /* these tests are about measure mode (the default is live) */
  g_object_set (h->element, "mode", 0 /* measure */ , NULL);
  if (bus) {
    *bus = gst_bus_new ();
    gst_element_set_bus (h->element, *bus);
  }
  if (caps)
    gst_harness_set_src_caps (h, caps);
  return h;
}

static void
loudnorm_harness_free (GstHarness * h, GstBus * bus)
{
  gst_harness_teardown (h);
  if (bus) {
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
  }
}

static GstClockTime
frame_time (const GstAudioInfo * info, guint64 frame)
{
  return gst_util_uint64_scale_round (frame, GST_SECOND,
      GST_AUDIO_INFO_RATE (info));
}

/* Writes sample `v` as the format of `info` at frame f, channel c. */
static void
put_sample (const GstAudioInfo * info, guint8 * data, gsize f, gint c,
    gdouble v)
{
  gsize i = f * GST_AUDIO_INFO_CHANNELS (info) + c;

  if (GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64)
    ((gdouble *) data)[i] = v;
  else
    ((gfloat *) data)[i] = (gfloat) v;
}

/* `frames` frames from absolute frame `first`: a 1 kHz sine of peak
 * amplitude `amp` in the channels whose bit is set in `chan_bits`, zeros
 * elsewhere.  PTS and DURATION follow the frame count. */
static GstBuffer *
tone_buffer (const GstAudioInfo * info, guint64 first, gsize frames,
    guint64 chan_bits, gdouble amp)
{
  gint rate = GST_AUDIO_INFO_RATE (info);
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      frames * GST_AUDIO_INFO_BPF (info), NULL);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gsize f = 0; f < frames; f++) {
    /* the phase wraps every second exactly (TONE_HZ is an integer) */
    gdouble ph = 2.0 * G_PI * TONE_HZ * (gdouble) ((first + f) % rate) / rate;
    gdouble v = amp * sin (ph);
    for (gint c = 0; c < GST_AUDIO_INFO_CHANNELS (info); c++)
      put_sample (info, map.data, f, c, (chan_bits >> c) & 1 ? v : 0.0);
  }
  gst_buffer_unmap (buf, &map);

  GST_BUFFER_PTS (buf) = frame_time (info, first);
  GST_BUFFER_DURATION (buf) = frame_time (info, first + frames) -
      GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = first;
  GST_BUFFER_OFFSET_END (buf) = first + frames;
  return buf;
}

/* Pushes `frames` frames of tone from *pos in buffers of `buffer_frames`,
 * expecting GST_FLOW_OK, and drops what comes out. */
static void
push_tone (GstHarness * h, const GstAudioInfo * info, guint64 * pos,
    guint64 frames, gsize buffer_frames, guint64 chan_bits, gdouble amp_db)
{
  gdouble amp = amp_db == -INFINITY ? 0.0 : pow (10.0, amp_db / 20.0);

  while (frames > 0) {
    gsize n = MIN (frames, buffer_frames);
    GstBuffer *buf = tone_buffer (info, *pos, n, chan_bits, amp);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
    *pos += n;
    frames -= n;
  }
}

static gdouble
get_double (GstElement * e, const gchar * name)
{
  gdouble v = NAN;
  g_object_get (e, name, &v, NULL);
  return v;
}

static guint64
get_uint64 (GstElement * e, const gchar * name)
{
  guint64 v = 0;
  g_object_get (e, name, &v, NULL);
  return v;
}

/* Everything on the bus, in posting order. */
static GPtrArray *
pop_all_messages (GstBus * bus)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_message_unref);
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus)))
    g_ptr_array_add (all, msg);
  return all;
}

static gboolean
is_loudness_message (GstMessage * msg)
{
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
      && gst_message_has_name (msg, "loudness");
}

/* The `loudness` messages on the bus, in order (other messages dropped). */
static GPtrArray *
pop_loudness_messages (GstBus * bus)
{
  GPtrArray *all = pop_all_messages (bus);
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_message_unref);

  for (guint i = 0; i < all->len; i++) {
    GstMessage *msg = g_ptr_array_index (all, i);
    if (is_loudness_message (msg))
      g_ptr_array_add (out, gst_message_ref (msg));
  }
  g_ptr_array_unref (all);
  return out;
}

static guint
count_messages_of_type (GPtrArray * msgs, GstMessageType type)
{
  guint n = 0;
  for (guint i = 0; i < msgs->len; i++)
    n += GST_MESSAGE_TYPE (g_ptr_array_index (msgs, i)) == type;
  return n;
}

static const GstStructure *
msg_struct (GPtrArray * msgs, guint i)
{
  return gst_message_get_structure (g_ptr_array_index (msgs, i));
}

static guint64
field_uint64 (const GstStructure * s, const gchar * name)
{
  guint64 v = 0;
  fail_unless (gst_structure_get_uint64 (s, name, &v), "no guint64 %s", name);
  return v;
}

static gdouble
field_double (const GstStructure * s, const gchar * name)
{
  gdouble v = NAN;
  fail_unless (gst_structure_get_double (s, name, &v), "no gdouble %s", name);
  return v;
}

static gboolean
field_boolean (const GstStructure * s, const gchar * name)
{
  gboolean v = FALSE;
  fail_unless (gst_structure_get_boolean (s, name, &v), "no gboolean %s",
      name);
  return v;
}

/* Every documented field is there with its documented type. */
static void
assert_loudness_fields (const GstStructure * s, guint channels)
{
  static const gchar *uint64_fields[] = { "timestamp", "running-time",
    "stream-time", "duration", "nonfinite-samples"
  };
  static const gchar *double_fields[] = { "momentary-loudness",
    "shortterm-loudness", "integrated-loudness", "loudness-range",
    "sample-peak", "true-peak"
  };
  static const gchar *array_fields[] = { "channel-sample-peak",
    "channel-true-peak"
  };

  fail_unless (gst_structure_has_name (s, "loudness"));
  for (guint i = 0; i < G_N_ELEMENTS (uint64_fields); i++)
    fail_unless (gst_structure_has_field_typed (s, uint64_fields[i],
            G_TYPE_UINT64), "%s is not a guint64", uint64_fields[i]);
  for (guint i = 0; i < G_N_ELEMENTS (double_fields); i++)
    fail_unless (gst_structure_has_field_typed (s, double_fields[i],
            G_TYPE_DOUBLE), "%s is not a gdouble", double_fields[i]);
  fail_unless (gst_structure_has_field_typed (s, "final", G_TYPE_BOOLEAN));
  for (guint i = 0; i < G_N_ELEMENTS (array_fields); i++) {
    const GValue *arr;
    fail_unless (gst_structure_has_field_typed (s, array_fields[i],
            GST_TYPE_ARRAY), "%s is not a GstValueArray", array_fields[i]);
    arr = gst_structure_get_value (s, array_fields[i]);
    fail_unless_equals_int (gst_value_array_get_size (arr), channels);
    for (guint c = 0; c < channels; c++)
      fail_unless (G_VALUE_HOLDS_DOUBLE (gst_value_array_get_value (arr, c)),
          "%s[%u] is not a gdouble", array_fields[i], c);
  }
  /* the documented fields and nothing else */
  fail_unless_equals_int (gst_structure_n_fields (s),
      G_N_ELEMENTS (uint64_fields) + G_N_ELEMENTS (double_fields) + 1 +
      G_N_ELEMENTS (array_fields));
}

static gdouble
array_double (const GstStructure * s, const gchar * name, guint i)
{
  const GValue *arr = gst_structure_get_value (s, name);
  return g_value_get_double (gst_value_array_get_value (arr, i));
}

#define assert_close(value, expected, tol) \
  fail_unless (fabs ((value) - (expected)) <= (tol), \
      "%s = %.4f, expected %.4f +- %.3f", #value, (double) (value), \
      (double) (expected), (double) (tol))

/* ---------------------------------------------------------------------- */
/* 1. pass-through                                                         */

/* Random samples, well outside [-1, 1] too, plus the awkward values. */
static GstBuffer *
random_buffer (GRand * rand, const GstAudioInfo * info, gsize frames,
    GstClockTime pts)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      frames * GST_AUDIO_INFO_BPF (info), NULL);
  gint channels = GST_AUDIO_INFO_CHANNELS (info);
  static const gdouble special[] = { 0.0, -0.0, 1.0, -1.0, 1.5, -7.25,
    1e-40, -3e-39, 65536.0
  };
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gsize f = 0; f < frames; f++)
    for (gint c = 0; c < channels; c++) {
      gdouble v = g_rand_double_range (rand, -8.0, 8.0);
      if (g_rand_int_range (rand, 0, 16) == 0)
        v = special[g_rand_int_range (rand, 0, G_N_ELEMENTS (special))];
      put_sample (info, map.data, f, c, v);
    }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = frame_time (info, frames);
  return buf;
}

GST_START_TEST (test_passthrough_bit_exact)
{
  static const GstAudioFormat formats[] = { GST_AUDIO_FORMAT_F32,
    GST_AUDIO_FORMAT_F64
  };
  static const gint channel_counts[] = { 1, 2, 6 };
  /* odd sizes, one frame, more than the meter's internal chunk */
  static const gsize sizes[] = { 480, 1, 1023, 4800, 3001, 77 };
  GRand *rand = g_rand_new_with_seed (1770);

  for (guint fi = 0; fi < G_N_ELEMENTS (formats); fi++) {
    for (guint ci = 0; ci < G_N_ELEMENTS (channel_counts); ci++) {
      GstAudioInfo info;
      GstCaps *caps = audio_caps (formats[fi], RATE, channel_counts[ci],
          NULL, &info);
      GstHarness *h = loudnorm_harness_new (caps, NULL);
      GstClockTime pts = 0;

      for (guint round = 0; round < 4; round++) {
        for (guint si = 0; si < G_N_ELEMENTS (sizes); si++) {
          GstBuffer *in = random_buffer (rand, &info, sizes[si], pts);
          GstClockTime in_pts = GST_BUFFER_PTS (in);
          GstClockTime in_dur = GST_BUFFER_DURATION (in);
          gsize in_size = gst_buffer_get_size (in);
          GstMapInfo map;
          gpointer expected;
          GstBuffer *out;

          fail_unless (gst_buffer_map (in, &map, GST_MAP_READ));
          expected = g_memdup2 (map.data, map.size);
          gst_buffer_unmap (in, &map);

          fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
          out = gst_harness_pull (h);
          fail_unless (out != NULL);
          fail_unless_equals_uint64 (GST_BUFFER_PTS (out), in_pts);
          fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), in_dur);
          fail_unless_equals_int (gst_buffer_get_size (out), in_size);
          fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
          fail_unless (memcmp (map.data, expected, in_size) == 0,
              "%s %d ch: output differs from input",
              gst_audio_format_to_string (formats[fi]), channel_counts[ci]);
          gst_buffer_unmap (out, &map);
          gst_buffer_unref (out);
          g_free (expected);
          pts += in_dur;
        }
      }
      /* one buffer out per buffer in, nothing left behind */
      fail_unless_equals_int (gst_harness_buffers_received (h),
          4 * G_N_ELEMENTS (sizes));
      fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
      loudnorm_harness_free (h, NULL);
    }
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 2. messages                                                             */

GST_START_TEST (test_message_fields_and_interval)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  GstBus *bus;
  GstHarness *h;
  GPtrArray *msgs;
  guint64 pos = 0;
  gdouble prop_integrated;
  const GstStructure *s;

  h = loudnorm_harness_new (NULL, &bus);
  g_object_set (h->element, "interval", MS (500), NULL);
  gst_harness_set_src_caps (h, caps);

  /* 5 s in 100 ms buffers */
  push_tone (h, &info, &pos, 5 * RATE, RATE / 10, ALL_CHANNELS, -23.0);
  prop_integrated = get_double (h->element, "integrated-loudness");
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  msgs = pop_loudness_messages (bus);
  fail_unless_equals_int (msgs->len, 10 + 1);

  for (guint i = 0; i < msgs->len; i++) {
    guint64 ts, dur;
    gdouble momentary, shortterm, integrated, lra, sp, tp;
    gboolean final = i == 10;

    s = msg_struct (msgs, i);
    assert_loudness_fields (s, 2);
    fail_unless_equals_int (field_boolean (s, "final"), final);

    ts = field_uint64 (s, "timestamp");
    dur = field_uint64 (s, "duration");
    fail_unless_equals_uint64 (ts, i * MS (500));
    /* the final message covers what followed the last interval: nothing */
    fail_unless_equals_uint64 (dur, final ? 0 : MS (500));
    /* default segment: running time = stream time = timestamp */
    fail_unless_equals_uint64 (field_uint64 (s, "running-time"), ts);
    fail_unless_equals_uint64 (field_uint64 (s, "stream-time"), ts);

    momentary = field_double (s, "momentary-loudness");
    shortterm = field_double (s, "shortterm-loudness");
    integrated = field_double (s, "integrated-loudness");
    lra = field_double (s, "loudness-range");
    sp = field_double (s, "sample-peak");
    tp = field_double (s, "true-peak");

    /* every message ends >= 500 ms in: the 400 ms window is full */
    assert_close (momentary, -23.0, 0.1);
    assert_close (integrated, -23.0, 0.1);
    if (ts + dur >= 3 * GST_SECOND)
      assert_close (shortterm, -23.0, 0.1);
    else                        /* the window's unfilled part is silence */
      assert_close (shortterm,
          -23.0 + 10.0 * log10 ((gdouble) (ts + dur) / (3 * GST_SECOND)),
          0.1);
    fail_unless (lra >= 0.0 && lra < 0.1, "loudness-range %f", lra);
    assert_close (sp, -23.0, 0.01);
    fail_unless (tp >= sp - 1e-9 && tp < -22.9, "true-peak %f", tp);
    for (guint c = 0; c < 2; c++) {
      assert_close (array_double (s, "channel-sample-peak", c), -23.0, 0.01);
      assert_close (array_double (s, "channel-true-peak", c), -23.0, 0.1);
    }
    fail_unless_equals_uint64 (field_uint64 (s, "nonfinite-samples"), 0);
  }

  /* the read-only property reads what the last message said */
  s = msg_struct (msgs, msgs->len - 1);
  fail_unless (field_double (s, "integrated-loudness") == prop_integrated,
      "message %f != property %f", field_double (s, "integrated-loudness"),
      prop_integrated);
  fail_unless (get_double (h->element, "integrated-loudness") ==
      prop_integrated);
  fail_unless (field_double (msg_struct (msgs, 9), "integrated-loudness") ==
      prop_integrated);

  g_ptr_array_unref (msgs);
  loudnorm_harness_free (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_message_times_follow_segment)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  GstSegment segment;
  GstBus *bus;
  GstHarness *h;
  GPtrArray *msgs;
  guint64 pos = 10 * RATE;      /* the stream starts at 10 s */

  h = loudnorm_harness_new (NULL, &bus);
  g_object_set (h->element, "interval", MS (500), NULL);
  gst_harness_set_src_caps (h, caps);

  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = 10 * GST_SECOND;
  segment.position = 10 * GST_SECOND;
  segment.base = 3 * GST_SECOND;
  segment.time = 100 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));

  push_tone (h, &info, &pos, 2 * RATE, RATE / 10, ALL_CHANNELS, -23.0);
  msgs = pop_loudness_messages (bus);
  fail_unless_equals_int (msgs->len, 4);

  for (guint i = 0; i < msgs->len; i++) {
    const GstStructure *s = msg_struct (msgs, i);
    guint64 ts = field_uint64 (s, "timestamp");
    guint64 rt = field_uint64 (s, "running-time");
    guint64 st = field_uint64 (s, "stream-time");

    fail_unless_equals_uint64 (ts, 10 * GST_SECOND + i * MS (500));
    fail_unless_equals_uint64 (rt,
        gst_segment_to_running_time (&segment, GST_FORMAT_TIME, ts));
    fail_unless_equals_uint64 (st,
        gst_segment_to_stream_time (&segment, GST_FORMAT_TIME, ts));
    /* base 3 s, start 10 s, time 100 s */
    fail_unless_equals_uint64 (rt, 3 * GST_SECOND + i * MS (500));
    fail_unless_equals_uint64 (st, 100 * GST_SECOND + i * MS (500));
    fail_unless (rt != ts);
  }

  g_ptr_array_unref (msgs);
  loudnorm_harness_free (h, bus);
}

GST_END_TEST;

/* Timestamps count frames: a source whose PTS are rounded (here to whole
 * microseconds, less than a frame off) does not move the message times off
 * n x interval; a real jump in PTS (DISCONT) does. */
GST_START_TEST (test_message_timestamps_count_frames)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, 44100, 2, NULL, &info);
  gdouble amp = pow (10.0, -23.0 / 20.0);
  GstBus *bus;
  GstHarness *h;
  GPtrArray *msgs;
  guint64 pos = 0;

  h = loudnorm_harness_new (NULL, &bus);
  g_object_set (h->element, "interval", MS (500), NULL);
  gst_harness_set_src_caps (h, caps);

  /* 2 s in buffers of 1000 frames (22.675... ms) */
  while (pos < 2 * 44100) {
    gsize n = MIN (1000, 2 * 44100 - pos);
    GstBuffer *buf = tone_buffer (&info, pos, n, ALL_CHANNELS, amp);
    GST_BUFFER_PTS (buf) = GST_BUFFER_PTS (buf) / GST_USECOND * GST_USECOND;
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
    pos += n;
  }
  /* then the stream jumps to 10 s */
  {
    GstBuffer *buf = tone_buffer (&info, 10 * 44100, 44100, ALL_CHANNELS,
        amp);
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }

  msgs = pop_loudness_messages (bus);
  fail_unless_equals_int (msgs->len, 6);
  for (guint i = 0; i < 4; i++) {
    fail_unless_equals_uint64 (field_uint64 (msg_struct (msgs, i),
            "timestamp"), i * MS (500));
    fail_unless_equals_uint64 (field_uint64 (msg_struct (msgs, i),
            "duration"), MS (500));
  }
  for (guint i = 4; i < 6; i++)
    fail_unless_equals_uint64 (field_uint64 (msg_struct (msgs, i),
            "timestamp"), 10 * GST_SECOND + (i - 4) * MS (500));
  g_ptr_array_unref (msgs);
  loudnorm_harness_free (h, bus);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 3. the last message goes out before EOS                                 */

typedef struct
{
  GMutex lock;
  GPtrArray *log;               /* static strings, in arrival order */
} ArrivalLog;

static void
arrival_log_add (ArrivalLog * l, const gchar * what)
{
  g_mutex_lock (&l->lock);
  g_ptr_array_add (l->log, (gpointer) what);
  g_mutex_unlock (&l->lock);
}

static GstBusSyncReply
log_loudness_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  if (is_loudness_message (msg)) {
    gboolean final = FALSE;
    gst_structure_get_boolean (gst_message_get_structure (msg), "final",
        &final);
    arrival_log_add (user_data, final ? "final-message" : "message");
  }
  return GST_BUS_PASS;
}

static GstPadProbeReturn
log_eos_event (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    arrival_log_add (user_data, "eos");
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_last_message_before_eos)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  ArrivalLog arrivals;
  GstBus *bus;
  GstHarness *h;
  GPtrArray *msgs;
  GstEvent *ev;
  const GstStructure *s;
  guint64 pos = 0;
  gboolean saw_eos = FALSE;

  g_mutex_init (&arrivals.lock);
  arrivals.log = g_ptr_array_new ();

  h = loudnorm_harness_new (NULL, &bus);
  g_object_set (h->element, "interval", GST_SECOND, NULL);
  gst_harness_set_src_caps (h, caps);
  gst_bus_set_sync_handler (bus, log_loudness_message, &arrivals, NULL);
  /* the harness sink pad: where EOS arrives */
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      log_eos_event, &arrivals, NULL);

  push_tone (h, &info, &pos, RATE + RATE / 4, RATE / 20, ALL_CHANNELS,
      -23.0);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  g_mutex_lock (&arrivals.lock);
  fail_unless_equals_int (arrivals.log->len, 3);
  fail_unless_equals_string (g_ptr_array_index (arrivals.log, 0), "message");
  fail_unless_equals_string (g_ptr_array_index (arrivals.log, 1),
      "final-message");
  fail_unless_equals_string (g_ptr_array_index (arrivals.log, 2), "eos");
  g_mutex_unlock (&arrivals.lock);

  /* and EOS did reach the harness */
  while ((ev = gst_harness_try_pull_event (h))) {
    saw_eos |= GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  fail_unless (saw_eos);

  msgs = pop_loudness_messages (bus);
  fail_unless_equals_int (msgs->len, 2);
  s = msg_struct (msgs, 0);
  fail_unless (!field_boolean (s, "final"));
  fail_unless_equals_uint64 (field_uint64 (s, "timestamp"), 0);
  fail_unless_equals_uint64 (field_uint64 (s, "duration"), GST_SECOND);
  s = msg_struct (msgs, 1);
  assert_loudness_fields (s, 2);
  fail_unless (field_boolean (s, "final"));
  fail_unless_equals_uint64 (field_uint64 (s, "timestamp"), GST_SECOND);
  fail_unless_equals_uint64 (field_uint64 (s, "duration"), MS (250));
  assert_close (field_double (s, "integrated-loudness"), -23.0, 0.1);
  g_ptr_array_unref (msgs);

  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  loudnorm_harness_free (h, bus);
  g_ptr_array_unref (arrivals.log);
  g_mutex_clear (&arrivals.lock);
}

GST_END_TEST;

GST_START_TEST (test_post_messages_false_posts_nothing)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  GstBus *bus;
  GstHarness *h;
  GPtrArray *msgs;
  guint64 pos = 0;

  h = loudnorm_harness_new (NULL, &bus);
  g_object_set (h->element, "interval", MS (100), "post-messages", FALSE,
      NULL);
  gst_harness_set_src_caps (h, caps);

  push_tone (h, &info, &pos, RATE + RATE / 4, RATE / 20, ALL_CHANNELS,
      -23.0);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  msgs = pop_all_messages (bus);
  fail_unless_equals_int (count_messages_of_type (msgs, GST_MESSAGE_ELEMENT),
      0);
  g_ptr_array_unref (msgs);
  /* it still measured */
  assert_close (get_double (h->element, "integrated-loudness"), -23.0, 0.1);

  loudnorm_harness_free (h, bus);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 4. resets                                                               */

/* 5 s at -10 dBFS; then `reset` (NULL: none); then 5 s at -30 dBFS.
 * Returns the integrated loudness at the end, and the sample peak. */
typedef void (*ResetFunc) (GstHarness * h, GstAudioInfo * info,
    guint64 * pos);

static gdouble
loud_then_quiet (ResetFunc reset, gdouble * sample_peak)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  GstHarness *h = loudnorm_harness_new (caps, NULL);
  guint64 pos = 0;
  gdouble integrated;

  push_tone (h, &info, &pos, 5 * RATE, RATE / 10, ALL_CHANNELS, -10.0);
  assert_close (get_double (h->element, "integrated-loudness"), -10.0, 0.1);
  assert_close (get_double (h->element, "sample-peak"), -10.0, 0.01);
  if (reset)
    reset (h, &info, &pos);
  push_tone (h, &info, &pos, 5 * GST_AUDIO_INFO_RATE (&info), RATE / 10,
      ALL_CHANNELS, -30.0);
  integrated = get_double (h->element, "integrated-loudness");
  *sample_peak = get_double (h->element, "sample-peak");
  loudnorm_harness_free (h, NULL);
  return integrated;
}

static void
reset_by_flush (GstHarness * h, GstAudioInfo * info, guint64 * pos)
{
  GstSegment segment;

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  *pos = 0;
}

static void
reset_by_signal (GstHarness * h, GstAudioInfo * info, guint64 * pos)
{
  g_signal_emit_by_name (h->element, "reset");
  /* the values are gone right away */
  fail_unless (isinf (get_double (h->element, "integrated-loudness")));
  fail_unless (get_double (h->element, "integrated-loudness") < 0);
}

static void
reset_by_new_rate (GstHarness * h, GstAudioInfo * info, guint64 * pos)
{
  gst_harness_set_src_caps (h, audio_caps (GST_AUDIO_FORMAT_F32, 44100, 2,
          NULL, info));
  *pos = 0;
}

/* not a reset: the same caps once more */
static void
same_caps_again (GstHarness * h, GstAudioInfo * info, guint64 * pos)
{
  GstCaps *caps = gst_audio_info_to_caps (info);

  fail_unless (gst_harness_push_event (h, gst_event_new_caps (caps)));
  gst_caps_unref (caps);
}

GST_START_TEST (test_reset_on_flush_stop)
{
  gdouble peak;
  gdouble no_reset = loud_then_quiet (NULL, &peak);

  /* the control: without a reset the quiet part is gated away */
  fail_unless (fabs (no_reset - -30.0) > 5.0, "no reset: %f", no_reset);
  assert_close (peak, -10.0, 0.01);

  assert_close (loud_then_quiet (reset_by_flush, &peak), -30.0, 0.1);
  assert_close (peak, -30.0, 0.01);
}

GST_END_TEST;

GST_START_TEST (test_reset_signal)
{
  GstElement *e = gst_element_factory_make ("loudnorm", NULL);
  guint id;
  GSignalQuery q;

  fail_unless (e != NULL);
  id = g_signal_lookup ("reset", G_OBJECT_TYPE (e));
  gst_object_unref (e);
  fail_unless (id != 0);
  g_signal_query (id, &q);
  fail_unless (q.signal_flags & G_SIGNAL_ACTION);
  fail_unless_equals_int (q.n_params, 0);
  fail_unless (q.return_type == G_TYPE_NONE);

  gdouble peak;

  assert_close (loud_then_quiet (reset_by_signal, &peak), -30.0, 0.1);
  assert_close (peak, -30.0, 0.01);
}

GST_END_TEST;

GST_START_TEST (test_reset_on_new_caps)
{
  gdouble peak, integrated;

  assert_close (loud_then_quiet (reset_by_new_rate, &peak), -30.0, 0.1);
  assert_close (peak, -30.0, 0.01);

  /* caps that did not change are no new stream: the measurement goes on */
  integrated = loud_then_quiet (same_caps_again, &peak);
  fail_unless (fabs (integrated - -30.0) > 5.0, "same caps reset: %f",
      integrated);
  assert_close (peak, -10.0, 0.01);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 5. channel weights                                                      */

/* Integrated loudness of 3 s of a -23 dBFS tone in channel `ch` only. */
static gdouble
tone_in_one_channel (gint channels, const GstAudioChannelPosition * pos,
    gint ch)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, channels, pos,
      &info);
  GstHarness *h;
  guint64 frame = 0;
  gdouble integrated;

  /* the caps carry the layout we meant */
  fail_if (GST_AUDIO_INFO_IS_UNPOSITIONED (&info));
  for (gint c = 0; c < channels; c++)
    fail_unless_equals_int (GST_AUDIO_INFO_POSITION (&info, c), pos[c]);

  h = loudnorm_harness_new (caps, NULL);
  push_tone (h, &info, &frame, 3 * RATE, RATE / 10, (guint64) 1 << ch,
      -23.0);
  integrated = get_double (h->element, "integrated-loudness");
  /* the peak is seen whatever the weight */
  assert_close (get_double (h->element, "sample-peak"), -23.0, 0.01);
  loudnorm_harness_free (h, NULL);
  return integrated;
}

GST_START_TEST (test_channel_weights_51_lfe_ignored)
{
  static const GstAudioChannelPosition pos51[] = {
    GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER,
    GST_AUDIO_CHANNEL_POSITION_LFE1,
    GST_AUDIO_CHANNEL_POSITION_REAR_LEFT,
    GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT,
  };
  static const GstAudioChannelPosition pos71[] = {
    GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER,
    GST_AUDIO_CHANNEL_POSITION_LFE1,
    GST_AUDIO_CHANNEL_POSITION_REAR_LEFT,
    GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT,
    GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT,
  };
  const gdouble front = -23.0 + SINE_RMS_DB;
  gdouble fl, fc, lfe, rl, rr;

  /* 5.1: FL FR FC LFE RL RR */
  fl = tone_in_one_channel (6, pos51, 0);
  fc = tone_in_one_channel (6, pos51, 2);
  lfe = tone_in_one_channel (6, pos51, 3);
  rl = tone_in_one_channel (6, pos51, 4);
  rr = tone_in_one_channel (6, pos51, 5);

  assert_close (fl, front, 0.1);
  assert_close (fc, fl, 0.05);
  fail_unless (lfe <= -70.0, "LFE alone reads %f LUFS", lfe);
  assert_close (rl - fl, SURROUND_GAIN_DB, 0.05);
  assert_close (rr - fl, SURROUND_GAIN_DB, 0.05);

  /* 7.1: FL FR FC LFE RL RR SL SR; the sides are the surrounds, the rears
   * (behind, +-135..150 deg) weigh 1.0 */
  fl = tone_in_one_channel (8, pos71, 0);
  lfe = tone_in_one_channel (8, pos71, 3);
  rl = tone_in_one_channel (8, pos71, 4);
  assert_close (fl, front, 0.1);
  fail_unless (lfe <= -70.0, "LFE alone reads %f LUFS", lfe);
  assert_close (rl - fl, 0.0, 0.05);
  assert_close (tone_in_one_channel (8, pos71, 6) - fl, SURROUND_GAIN_DB,
      0.05);
  assert_close (tone_in_one_channel (8, pos71, 7) - fl, SURROUND_GAIN_DB,
      0.05);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 6. caps                                                                 */

static GstCaps *
raw_caps (const gchar * format, gint rate, gint channels, const gchar * layout)
{
  GstCaps *caps = gst_caps_new_simple ("audio/x-raw",
      "format", G_TYPE_STRING, format,
      "rate", G_TYPE_INT, rate,
      "channels", G_TYPE_INT, channels,
      "layout", G_TYPE_STRING, layout, NULL);
  if (channels > 2)
    gst_caps_set_simple (caps, "channel-mask", GST_TYPE_BITMASK,
        channels <= 8 ? gst_audio_channel_get_fallback_mask (channels) :
        (guint64) 0, NULL);
  return caps;
}

/* Whether loudnorm takes `caps` (transfer full): the accept-caps query,
 * and a caps event followed by a buffer. */
static gboolean
caps_accepted (GstCaps * caps, gboolean * pushed_ok)
{
  GstHarness *h = loudnorm_harness_new (NULL, NULL);
  GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");
  GstStructure *st = gst_caps_get_structure (caps, 0);
  gint channels = 1, rate = RATE;
  gboolean accepted, event_ok;
  GstSegment segment;
  GstBuffer *buf;
  GstFlowReturn ret;

  gst_structure_get_int (st, "channels", &channels);
  gst_structure_get_int (st, "rate", &rate);

  accepted = gst_pad_query_accept_caps (sinkpad, caps);
  gst_object_unref (sinkpad);

  event_ok = gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  /* 10 ms of zeros, 8 bytes per sample covers every format */
  buf = gst_buffer_new_allocate (NULL, (gsize) rate / 100 * channels * 8,
      NULL);
  gst_buffer_memset (buf, 0, 0, gst_buffer_get_size (buf));
  GST_BUFFER_PTS (buf) = 0;
  ret = gst_harness_push (h, buf);

  *pushed_ok = event_ok && ret == GST_FLOW_OK;
  if (!event_ok || ret != GST_FLOW_OK)
    fail_unless_equals_int (ret, GST_FLOW_NOT_NEGOTIATED);
  gst_caps_unref (caps);
  loudnorm_harness_free (h, NULL);
  return accepted;
}

#define assert_caps_refused(caps) G_STMT_START { \
  gboolean pushed; \
  fail_if (caps_accepted ((caps), &pushed), "accept-caps took " #caps); \
  fail_if (pushed, "caps event + buffer went through for " #caps); \
} G_STMT_END

#define assert_caps_accepted(caps) G_STMT_START { \
  gboolean pushed; \
  fail_unless (caps_accepted ((caps), &pushed), "accept-caps refused " #caps); \
  fail_unless (pushed, "caps event + buffer failed for " #caps); \
} G_STMT_END

GST_START_TEST (test_refuses_unsupported_caps)
{
  const gchar *f32 = GST_AUDIO_NE (F32);

  /* the controls: what it must take, the edges of the ranges included */
  assert_caps_accepted (raw_caps (f32, RATE, 2, "interleaved"));
  assert_caps_accepted (raw_caps (GST_AUDIO_NE (F64), RATE, 1,
          "interleaved"));
  assert_caps_accepted (raw_caps (f32, 8000, 2, "interleaved"));
  assert_caps_accepted (raw_caps (f32, 384000, 2, "interleaved"));
  assert_caps_accepted (raw_caps (f32, RATE, 8, "interleaved"));

  assert_caps_refused (raw_caps (GST_AUDIO_NE (S16), RATE, 2, "interleaved"));
  assert_caps_refused (raw_caps (f32, RATE, 9, "interleaved"));
  assert_caps_refused (raw_caps (f32, 4000, 2, "interleaved"));
  assert_caps_refused (raw_caps (f32, 768000, 2, "interleaved"));
  assert_caps_refused (raw_caps (f32, RATE, 2, "non-interleaved"));
  /* just outside the edges */
  assert_caps_refused (raw_caps (f32, 7999, 2, "interleaved"));
  assert_caps_refused (raw_caps (f32, 384001, 2, "interleaved"));
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 7. NaN and infinities                                                   */

GST_START_TEST (test_nonfinite_samples_do_not_poison_meter)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  gdouble amp = pow (10.0, -23.0 / 20.0);
  GstBus *bus;
  GstHarness *h;
  GPtrArray *msgs;
  guint64 pos = 0, planted = 0;
  const GstStructure *s;

  h = loudnorm_harness_new (NULL, &bus);
  g_object_set (h->element, "interval", GST_SECOND, NULL);
  gst_harness_set_src_caps (h, caps);

  /* 6 s in 100 ms buffers; every 10th buffer from the 10th gets a NaN, a
   * +Inf and a -Inf */
  for (guint b = 0; b < 60; b++) {
    GstBuffer *in = tone_buffer (&info, pos, RATE / 10, ALL_CHANNELS, amp);
    GstBuffer *out;
    GstMapInfo map;
    gpointer expected;
    gsize size = gst_buffer_get_size (in);

    if (b >= 10 && b % 10 == 0) {
      fail_unless (gst_buffer_map (in, &map, GST_MAP_WRITE));
      put_sample (&info, map.data, 7, 0, NAN);
      put_sample (&info, map.data, 100, 1, INFINITY);
      put_sample (&info, map.data, 2000, 0, -INFINITY);
      gst_buffer_unmap (in, &map);
      planted += 3;
    }
    fail_unless (gst_buffer_map (in, &map, GST_MAP_READ));
    expected = g_memdup2 (map.data, size);
    gst_buffer_unmap (in, &map);

    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless_equals_int (gst_buffer_get_size (out), size);
    fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
    fail_unless (memcmp (map.data, expected, size) == 0,
        "buffer %u not passed through bit-exact", b);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    g_free (expected);
    pos += RATE / 10;

    fail_unless_equals_uint64 (get_uint64 (h->element, "nonfinite-samples"),
        planted);
  }
  fail_unless_equals_uint64 (planted, 15);

  assert_close (get_double (h->element, "integrated-loudness"), -23.0, 0.1);
  assert_close (get_double (h->element, "momentary-loudness"), -23.0, 0.1);
  assert_close (get_double (h->element, "sample-peak"), -23.0, 0.01);
  fail_unless (get_double (h->element, "true-peak") < -22.0);

  msgs = pop_all_messages (bus);
  fail_unless_equals_int (count_messages_of_type (msgs, GST_MESSAGE_WARNING),
      1);
  fail_unless_equals_int (count_messages_of_type (msgs, GST_MESSAGE_ERROR),
      0);
  /* the interval messages count them as they come: 1 per second from 1 s */
  for (guint i = 0, n = 0; i < msgs->len; i++) {
    GstMessage *m = g_ptr_array_index (msgs, i);
    if (!is_loudness_message (m))
      continue;
    s = gst_message_get_structure (m);
    /* the message for second n is posted at the end of buffer 10 n + 9 */
    fail_unless_equals_uint64 (field_uint64 (s, "nonfinite-samples"),
        n == 0 ? 0 : 3 * n);
    assert_close (field_double (s, "sample-peak"), -23.0, 0.01);
    n++;
  }
  g_ptr_array_unref (msgs);

  /* it keeps running: more of the same, no second warning */
  push_tone (h, &info, &pos, RATE, RATE / 10, ALL_CHANNELS, -23.0);
  {
    GstBuffer *in = tone_buffer (&info, pos, RATE / 10, ALL_CHANNELS, amp);
    GstMapInfo map;
    fail_unless (gst_buffer_map (in, &map, GST_MAP_WRITE));
    put_sample (&info, map.data, 0, 1, NAN);
    gst_buffer_unmap (in, &map);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
    pos += RATE / 10;
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_uint64 (get_uint64 (h->element, "nonfinite-samples"),
      16);

  msgs = pop_all_messages (bus);
  fail_unless_equals_int (count_messages_of_type (msgs, GST_MESSAGE_WARNING),
      0);
  s = gst_message_get_structure (g_ptr_array_index (msgs, msgs->len - 1));
  fail_unless (field_boolean (s, "final"));
  fail_unless_equals_uint64 (field_uint64 (s, "nonfinite-samples"), 16);
  assert_close (field_double (s, "integrated-loudness"), -23.0, 0.1);
  g_ptr_array_unref (msgs);

  loudnorm_harness_free (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_nonfinite_samples_f64)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F64, RATE, 1, NULL, &info);
  gdouble amp = pow (10.0, -23.0 / 20.0);
  GstHarness *h = loudnorm_harness_new (caps, NULL);
  guint64 pos = 0;

  for (guint b = 0; b < 20; b++) {
    GstBuffer *in = tone_buffer (&info, pos, RATE / 10, ALL_CHANNELS, amp);
    GstMapInfo map;
    fail_unless (gst_buffer_map (in, &map, GST_MAP_WRITE));
    put_sample (&info, map.data, 3 * b, 0, b % 2 ? NAN : -INFINITY);
    gst_buffer_unmap (in, &map);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
    pos += RATE / 10;
  }
  fail_unless_equals_uint64 (get_uint64 (h->element, "nonfinite-samples"),
      20);
  /* mono: the tone's level minus 3.01 dB */
  assert_close (get_double (h->element, "integrated-loudness"),
      -23.0 + SINE_RMS_DB, 0.1);
  assert_close (get_double (h->element, "sample-peak"), -23.0, 0.01);
  loudnorm_harness_free (h, NULL);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 8. zero-length and GAP buffers                                          */

GST_START_TEST (test_zero_length_buffer_ok)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  GstHarness *h = loudnorm_harness_new (caps, NULL);
  GstBuffer *buf, *out;
  guint64 pos = 0;

  /* before any audio */
  buf = gst_buffer_new ();
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = 0;
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (gst_buffer_get_size (out), 0);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 0);
  gst_buffer_unref (out);

  push_tone (h, &info, &pos, RATE, RATE / 10, ALL_CHANNELS, -23.0);

  /* in the middle of the stream; then the stream goes on */
  buf = gst_buffer_new ();
  GST_BUFFER_PTS (buf) = GST_SECOND;
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (gst_buffer_get_size (out), 0);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_SECOND);
  gst_buffer_unref (out);

  push_tone (h, &info, &pos, RATE, RATE / 10, ALL_CHANNELS, -23.0);
  assert_close (get_double (h->element, "integrated-loudness"), -23.0, 0.1);
  loudnorm_harness_free (h, NULL);
}

GST_END_TEST;

/* Pushes `n` GAP buffers of 100 ms filled with loud noise; each must come
 * out unchanged and still flagged GAP. */
static void
push_garbage_gaps (GstHarness * h, const GstAudioInfo * info, guint64 * pos,
    guint n, GRand * rand)
{
  for (guint b = 0; b < n; b++) {
    GstBuffer *in = tone_buffer (info, *pos, RATE / 10, 0, 0.0);
    GstBuffer *out;
    GstMapInfo map;
    gpointer expected;
    gsize size = gst_buffer_get_size (in);

    fail_unless (gst_buffer_map (in, &map, GST_MAP_WRITE));
    for (gsize i = 0; i < size / sizeof (gfloat); i++)
      ((gfloat *) map.data)[i] = (gfloat) g_rand_double_range (rand, -0.9,
          0.9);
    expected = g_memdup2 (map.data, size);
    gst_buffer_unmap (in, &map);
    GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_GAP);

    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_GAP));
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), frame_time (info, *pos));
    fail_unless_equals_int (gst_buffer_get_size (out), size);
    fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
    fail_unless (memcmp (map.data, expected, size) == 0);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    g_free (expected);
    *pos += RATE / 10;
  }
}

GST_START_TEST (test_gap_buffer_measured_as_silence)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  GRand *rand = g_rand_new_with_seed (3341);
  GstHarness *h = loudnorm_harness_new (caps, NULL);
  guint64 pos = 0;
  gdouble m;

  /* a stream that starts with 600 ms of GAP: nothing at all was heard */
  push_garbage_gaps (h, &info, &pos, 6, rand);
  m = get_double (h->element, "momentary-loudness");
  fail_unless (isinf (m) && m < 0, "momentary after GAP only: %f", m);
  m = get_double (h->element, "sample-peak");
  fail_unless (isinf (m) && m < 0, "sample-peak after GAP only: %f", m);

  /* 1 s of tone, then 500 ms of GAP */
  push_tone (h, &info, &pos, RATE, RATE / 10, ALL_CHANNELS, -23.0);
  assert_close (get_double (h->element, "momentary-loudness"), -23.0, 0.1);
  push_garbage_gaps (h, &info, &pos, 5, rand);
  m = get_double (h->element, "momentary-loudness");
  /* the K-weighting filters' decaying tail is all that is left */
  fail_unless (m < -100.0, "momentary 500 ms into GAP: %f", m);
  /* the garbage reached neither the peaks nor the gated blocks: the tone
   * lies in [0.6 s, 1.6 s], the 400 ms blocks ending every 100 ms from
   * 0.7 s to 1.9 s hold 1/4, 2/4, 3/4, 7 x 4/4, 3/4, 2/4, 1/4 of it
   * (10/13 on average, all above the relative gate) */
  assert_close (get_double (h->element, "sample-peak"), -23.0, 0.01);
  assert_close (get_double (h->element, "integrated-loudness"),
      -23.0 + 10.0 * log10 (10.0 / 13.0), 0.1);

  loudnorm_harness_free (h, NULL);
  g_rand_free (rand);
}

GST_END_TEST;

/* A GAP event is silence of its duration: the windows decay and the
 * message times move on as if zeros had come. */
GST_START_TEST (test_gap_event_measured_as_silence)
{
  GstAudioInfo info;
  GstCaps *caps = audio_caps (GST_AUDIO_FORMAT_F32, RATE, 2, NULL, &info);
  GstBus *bus;
  GstHarness *h = loudnorm_harness_new (caps, &bus);
  guint64 pos = 0;
  GPtrArray *msgs;
  gdouble m;

  g_object_set (h->element, "interval", (guint64) 500 * GST_MSECOND, NULL);
  push_tone (h, &info, &pos, RATE, RATE / 10, ALL_CHANNELS, -10.0);
  assert_close (get_double (h->element, "momentary-loudness"), -10.0, 0.1);
  fail_unless (gst_harness_push_event (h, gst_event_new_gap (GST_SECOND,
              GST_SECOND)));
  m = get_double (h->element, "momentary-loudness");
  fail_unless (m < -100.0, "momentary after a 1 s GAP event: %f", m);

  /* messages at 0, 0.5 s (tone) and 1.0 s, 1.5 s (gap) */
  msgs = pop_loudness_messages (bus);
  fail_unless_equals_int (msgs->len, 4);
  fail_unless_equals_uint64 (field_uint64 (msg_struct (msgs, 3), "timestamp"),
      1500 * GST_MSECOND);
  g_ptr_array_unref (msgs);
  loudnorm_harness_free (h, bus);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 9. properties                                                           */

GST_START_TEST (test_properties_ranges)
{
  static const gchar *read_only_double[] = { "momentary-loudness",
    "shortterm-loudness", "integrated-loudness", "loudness-range",
    "sample-peak", "true-peak"
  };
  GstElement *e = gst_element_factory_make ("loudnorm", NULL);
  GObjectClass *klass;
  GParamSpec *pspec;
  GParamSpecUInt64 *p64;
  GValue v = G_VALUE_INIT;
  guint64 interval = 0;
  gboolean post = FALSE;
  gint mode = -1;
  GEnumValue *ev;

  fail_unless (e != NULL);
  klass = G_OBJECT_GET_CLASS (e);

  /* interval: 10 ms .. 1 h, default 1 s */
  pspec = g_object_class_find_property (klass, "interval");
  fail_unless (pspec != NULL);
  fail_unless (G_IS_PARAM_SPEC_UINT64 (pspec));
  p64 = G_PARAM_SPEC_UINT64 (pspec);
  fail_unless_equals_uint64 (p64->minimum, MS (10));
  fail_unless_equals_uint64 (p64->maximum, 3600 * GST_SECOND);
  fail_unless_equals_uint64 (p64->default_value, GST_SECOND);
  fail_unless ((pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE);
  g_object_get (e, "interval", &interval, NULL);
  fail_unless_equals_uint64 (interval, GST_SECOND);

  /* out of range: validation clamps, g_object_set refuses with a warning */
  g_value_init (&v, G_TYPE_UINT64);
  g_value_set_uint64 (&v, MS (9));
  fail_unless (g_param_value_validate (pspec, &v));
  fail_unless_equals_uint64 (g_value_get_uint64 (&v), MS (10));
  g_value_set_uint64 (&v, 3601 * GST_SECOND);
  fail_unless (g_param_value_validate (pspec, &v));
  fail_unless_equals_uint64 (g_value_get_uint64 (&v), 3600 * GST_SECOND);
  g_value_set_uint64 (&v, MS (10));
  fail_if (g_param_value_validate (pspec, &v));
  g_value_unset (&v);

  ASSERT_WARNING (g_object_set (e, "interval", MS (9), NULL));
  g_object_get (e, "interval", &interval, NULL);
  fail_unless_equals_uint64 (interval, GST_SECOND);
  ASSERT_WARNING (g_object_set (e, "interval", 3601 * GST_SECOND, NULL));
  g_object_get (e, "interval", &interval, NULL);
  fail_unless_equals_uint64 (interval, GST_SECOND);
  g_object_set (e, "interval", MS (10), NULL);
  g_object_get (e, "interval", &interval, NULL);
  fail_unless_equals_uint64 (interval, MS (10));

  /* post-messages: default TRUE */
  pspec = g_object_class_find_property (klass, "post-messages");
  fail_unless (G_IS_PARAM_SPEC_BOOLEAN (pspec));
  fail_unless (G_PARAM_SPEC_BOOLEAN (pspec)->default_value);
  g_object_get (e, "post-messages", &post, NULL);
  fail_unless (post);

  /* mode: live is the default; measure, linear and file exist */
  pspec = g_object_class_find_property (klass, "mode");
  fail_unless (G_IS_PARAM_SPEC_ENUM (pspec));
  ev = g_enum_get_value (G_PARAM_SPEC_ENUM (pspec)->enum_class,
      G_PARAM_SPEC_ENUM (pspec)->default_value);
  fail_unless (ev != NULL);
  fail_unless_equals_string (ev->value_nick, "live");
  g_object_get (e, "mode", &mode, NULL);
  fail_unless_equals_int (mode, ev->value);
  fail_unless (g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class,
          "measure") != NULL);
  fail_unless (g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class,
          "linear") != NULL);
  fail_unless (g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class,
          "file") != NULL);

  /* the results: read-only; before any audio, silence */
  for (guint i = 0; i < G_N_ELEMENTS (read_only_double); i++) {
    pspec = g_object_class_find_property (klass, read_only_double[i]);
    fail_unless (pspec != NULL, "no %s", read_only_double[i]);
    fail_unless (G_IS_PARAM_SPEC_DOUBLE (pspec));
    fail_unless (pspec->flags & G_PARAM_READABLE);
    fail_if (pspec->flags & G_PARAM_WRITABLE, "%s is writable",
        read_only_double[i]);
  }
  pspec = g_object_class_find_property (klass, "nonfinite-samples");
  fail_unless (G_IS_PARAM_SPEC_UINT64 (pspec));
  fail_unless (pspec->flags & G_PARAM_READABLE);
  fail_if (pspec->flags & G_PARAM_WRITABLE);

  fail_unless (isinf (get_double (e, "momentary-loudness")));
  fail_unless (isinf (get_double (e, "shortterm-loudness")));
  fail_unless (isinf (get_double (e, "integrated-loudness")));
  fail_unless (get_double (e, "integrated-loudness") < 0);
  fail_unless (get_double (e, "loudness-range") == 0.0);
  fail_unless (isinf (get_double (e, "sample-peak")));
  fail_unless (isinf (get_double (e, "true-peak")));
  fail_unless_equals_uint64 (get_uint64 (e, "nonfinite-samples"), 0);

  /* writing a read-only property is refused with a warning */
  ASSERT_WARNING (g_object_set (e, "integrated-loudness", -23.0, NULL));
  fail_unless (isinf (get_double (e, "integrated-loudness")));

  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
loudnorm_suite (void)
{
  Suite *s = suite_create ("loudnorm");
  TCase *tc_chain = tcase_create ("general");

  suite_add_tcase (s, tc_chain);
  tcase_add_test (tc_chain, test_passthrough_bit_exact);
  tcase_add_test (tc_chain, test_message_fields_and_interval);
  tcase_add_test (tc_chain, test_message_times_follow_segment);
  tcase_add_test (tc_chain, test_message_timestamps_count_frames);
  tcase_add_test (tc_chain, test_last_message_before_eos);
  tcase_add_test (tc_chain, test_post_messages_false_posts_nothing);
  tcase_add_test (tc_chain, test_reset_on_flush_stop);
  tcase_add_test (tc_chain, test_reset_signal);
  tcase_add_test (tc_chain, test_reset_on_new_caps);
  tcase_add_test (tc_chain, test_channel_weights_51_lfe_ignored);
  tcase_add_test (tc_chain, test_refuses_unsupported_caps);
  tcase_add_test (tc_chain, test_nonfinite_samples_do_not_poison_meter);
  tcase_add_test (tc_chain, test_nonfinite_samples_f64);
  tcase_add_test (tc_chain, test_zero_length_buffer_ok);
  tcase_add_test (tc_chain, test_gap_buffer_measured_as_silence);
  tcase_add_test (tc_chain, test_gap_event_measured_as_silence);
  tcase_add_test (tc_chain, test_properties_ranges);

  return s;
}

/* GST_CHECK_MAIN (loudnorm), with GST_PLUGIN_LOADING_WHITELIST unset first
 * (meson 1.0 cannot unset a variable in a test's environment): only the
 * plugin under test is on the plugin path anyway. */
int
main (int argc, char **argv)
{
  Suite *s;

  g_unsetenv ("GST_PLUGIN_LOADING_WHITELIST");
  gst_check_init (&argc, &argv);
  s = loudnorm_suite ();
  return gst_check_run_suite (s, "loudnorm", __FILE__);
}
