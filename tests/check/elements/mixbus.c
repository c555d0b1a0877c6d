/* GStreamer unit tests for mixbus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only our plugin is loaded (see tests/check/meson.build).  Most tests
 * push synthesised buffers through one GstHarness per sink pad (the
 * audiointerleave pattern: the first harness also takes the output),
 * non-live, in 10 ms buffers pushed pad after pad.  The PLAYING tests
 * (pads added and removed, live sources) run a real pipeline of appsrc
 * -> mixbus -> appsink, the app elements registered by the test itself.
 *
 * Every measured value is printed (g_print) so the figures can be quoted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/app/app.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "mmharness.h"

#define RATE 48000
#define BLOCK 480                /* frames per pushed buffer: 10 ms */
#define OUT_CAPS "audio/x-raw, format=(string)F32LE, rate=(int)48000, " \
  "channels=(int)2, layout=(string)interleaved"

/* ---------------------------------------------------------------------- */
/* Signals and measures                                                    */

typedef struct
{
  gint channels;
  gfloat *data;                 /* interleaved F32, `frames` frames */
  const gchar *props;           /* pad properties "k=v k=v" */
} Track;

/* amplitude 10^(db/20) (dBFS = peak), f Hz, channels copies */
static gfloat *
sine (guint64 frames, gint channels, gdouble db, gdouble f)
{
  gfloat *x = g_new (gfloat, frames * channels);
  gdouble a = pow (10.0, db / 20.0);

  for (guint64 i = 0; i < frames; i++)
    for (gint c = 0; c < channels; c++)
      x[i * channels + c] = (gfloat) (a * sin (2.0 * G_PI * f * i / RATE));
  return x;
}

static gdouble
db (gdouble lin)
{
  return lin > 0.0 ? 20.0 * log10 (lin) : -INFINITY;
}

static gdouble
peak_db (const gfloat * st, gint ch, guint64 from, guint64 to)
{
  gdouble p = 0.0;

  for (guint64 i = from; i < to; i++)
    p = MAX (p, fabs (st[2 * i + ch]));
  return db (p);
}

/* RMS of a channel over [from, to) in dB, + 3.0103: a sine's peak level */
static gdouble
sine_level_db (const gfloat * st, gint ch, guint64 from, guint64 to)
{
  gdouble s = 0.0;

  for (guint64 i = from; i < to; i++)
    s += (gdouble) st[2 * i + ch] * st[2 * i + ch];
  return db (sqrt (2.0 * s / (gdouble) (to - from)));
}

/* ---------------------------------------------------------------------- */
/* Harness runs                                                            */

static void
pad_props (GstPad * pad, const gchar * props)
{
  gchar **kv = g_strsplit (props ? props : "", " ", -1);

  for (gchar ** p = kv; *p; p++) {
    gchar *eq = strchr (*p, '=');
    if (!**p)
      continue;
    fail_unless (eq != NULL, "bad property spec %s", *p);
    *eq = '\0';
    fail_unless (g_object_class_find_property (G_OBJECT_GET_CLASS (pad), *p)
        != NULL, "pad has no property %s", *p);
    gst_util_set_object_arg (G_OBJECT (pad), *p, eq + 1);
  }
  g_strfreev (kv);
}

static GstPad *
element_pad (GstHarness * h)
{
  GstPad *pad = gst_pad_get_peer (h->srcpad);
  gst_object_unref (pad);       /* the element keeps it */
  return pad;
}

static GstBuffer *
make_buffer (const gfloat * data, gint channels, guint64 first, guint n)
{
  GstBuffer *b = gst_buffer_new_memdup (data + first * channels,
      (gsize) n * channels * sizeof (gfloat));

  GST_BUFFER_PTS (b) = frame_time (RATE, first);
  GST_BUFFER_DURATION (b) = frame_time (RATE, first + n) - GST_BUFFER_PTS (b);
  GST_BUFFER_OFFSET (b) = first;
  return b;
}

static gchar *
track_caps (gint channels)
{
  return g_strdup_printf ("audio/x-raw, format=(string)F32LE, "
      "rate=(int)%d, channels=(int)%d, layout=(string)interleaved%s",
      RATE, channels, channels == 2 ? ", channel-mask=(bitmask)0x3" : "");
}

/* Mixes `n` tracks of `frames` frames through a mixbus with `props`;
 * returns the stereo output (*out_frames frames) and, when `messages`
 * is not NULL, the element's `mixbus` messages (GstStructure copies). */
static gfloat *
run_mix (const gchar * props, const Track * tracks, guint n, guint64 frames,
    guint64 * out_frames, GPtrArray * messages)
{
  GstElement *mix = gst_element_factory_make ("mixbus", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h[8];
  gfloat *out = g_new0 (gfloat, 2 * (frames + BLOCK));
  guint64 got = 0;
  GstBuffer *b;
  GstMessage *m;

  fail_unless (mix != NULL);
  fail_unless (n >= 1 && n <= G_N_ELEMENTS (h));
  gst_element_set_bus (mix, bus);
  set_props (mix, props);
  for (guint i = 0; i < n; i++) {
    gchar *caps = track_caps (tracks[i].channels);
    h[i] = gst_harness_new_with_element (mix, "sink_%u", i ? NULL : "src");
    mm_harness_set_nonlive (h[i]);
    pad_props (element_pad (h[i]), tracks[i].props);
    gst_harness_set_src_caps_str (h[i], caps);
    g_free (caps);
  }
  gst_harness_set_sink_caps_str (h[0], OUT_CAPS);

  for (guint64 pos = 0; pos < frames; pos += BLOCK) {
    guint len = (guint) MIN ((guint64) BLOCK, frames - pos);
    for (guint i = 0; i < n; i++)
      fail_unless_equals_int (gst_harness_push (h[i],
              make_buffer (tracks[i].data, tracks[i].channels, pos, len)),
          GST_FLOW_OK);
    while ((b = gst_harness_try_pull (h[0]))) {
      gsize size = gst_buffer_get_size (b);
      fail_unless (got + size / 8 <= frames + BLOCK);
      gst_buffer_extract (b, 0, out + 2 * got, size);
      got += size / 8;
      gst_buffer_unref (b);
    }
  }
  for (guint i = 0; i < n; i++)
    gst_harness_push_event (h[i], gst_event_new_eos ());
  while (got < frames && (b = gst_harness_pull (h[0]))) {
    gsize size = gst_buffer_get_size (b);
    gst_buffer_extract (b, 0, out + 2 * got, size);
    got += size / 8;
    gst_buffer_unref (b);
  }
  *out_frames = got;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);
    if (messages && gst_structure_has_name (s, "mixbus"))
      g_ptr_array_add (messages, gst_structure_copy (s));
    gst_message_unref (m);
  }
  for (guint i = 0; i < n; i++)
    gst_harness_teardown (h[i]);
  gst_element_set_bus (mix, NULL);
  gst_object_unref (bus);
  gst_object_unref (mix);
  return out;
}

/* One track, its output. */
static gfloat *
run_one (const gchar * props, gint channels, gfloat * data, guint64 frames,
    const gchar * pad, guint64 * got)
{
  Track t = { channels, data, pad };
  return run_mix (props, &t, 1, frames, got, NULL);
}

/* ---------------------------------------------------------------------- */
/* Exact values                                                            */

GST_START_TEST (test_pan_hard_left_minus20_left_silent_right)
{
  guint64 frames = RATE, got;
  gfloat *x = sine (frames, 1, -20.0, 1000.0);
  gfloat *y = run_one (NULL, 1, x, frames, "pan=-1", &got);
  gdouble l = peak_db (y, 0, 0, got), r = peak_db (y, 1, 0, got);

  g_print ("pan=-1: left %.4f dBFS, right %.1f dBFS\n", l, r);
  fail_unless_equals_uint64 (got, frames);
  fail_unless (fabs (l - -20.0) <= 0.01, "left %f", l);
  fail_unless (r < -120.0, "right %f", r);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

GST_START_TEST (test_pan_centre_gives_each_law_centre_level)
{
  static const struct
  {
    const gchar *law;
    gdouble centre;
  } laws[] = { {"0", 0.0}, {"-3", -3.0}, {"-4.5", -4.5}, {"-6", -6.0} };
  guint64 frames = RATE / 2, got;
  gfloat *x = sine (frames, 1, -20.0, 1000.0);

  for (guint i = 0; i < G_N_ELEMENTS (laws); i++) {
    gchar *props = g_strdup_printf ("pan-law=%s", laws[i].law);
    gfloat *y = run_one (props, 1, x, frames, "pan=0", &got);
    gdouble l = peak_db (y, 0, 0, got) + 20.0, r = peak_db (y, 1, 0, got)
        + 20.0;
    g_print ("pan-law %s: centre L %.4f dB, R %.4f dB\n", laws[i].law, l, r);
    fail_unless (fabs (l - laws[i].centre) <= 0.01, "law %s L %f",
        laws[i].law, l);
    fail_unless (fabs (r - laws[i].centre) <= 0.01, "law %s R %f",
        laws[i].law, r);
    g_free (props);
    g_free (y);
  }
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_gain_minus6_gives_minus6)
{
  guint64 frames = RATE / 2, got;
  gfloat *x = sine (frames, 2, -20.0, 1000.0);
  gfloat *y = run_one (NULL, 2, x, frames, "gain=-6", &got);
  gdouble l = peak_db (y, 0, 0, got) + 20.0, r = peak_db (y, 1, 0, got)
      + 20.0;

  g_print ("gain=-6: L %.4f dB, R %.4f dB\n", l, r);
  fail_unless (fabs (l - -6.0) <= 0.01 && fabs (r - -6.0) <= 0.01);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* Deterministic noise, different per seed. */
static gfloat *
noise (guint64 frames, gint channels, guint32 seed)
{
  gfloat *x = g_new (gfloat, frames * channels);

  for (guint64 i = 0; i < frames * channels; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = ((gfloat) (seed >> 8) / 16777216.0f - 0.5f) * 0.5f;
  }
  return x;
}

GST_START_TEST (test_two_flat_pads_sum_sample_exact)
{
  guint64 frames = RATE / 2, got, diff = 0;
  Track t[2] = { {2, noise (frames, 2, 1), NULL}, {2, noise (frames, 2, 2),
          NULL}
  };
  gfloat *y = run_mix (NULL, t, 2, frames, &got, NULL);

  fail_unless_equals_uint64 (got, frames);
  for (guint64 i = 0; i < 2 * frames; i++)
    diff += y[i] != t[0].data[i] + t[1].data[i];
  g_print ("two flat stereo pads: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
      " samples differ from the float sum\n", diff, 2 * frames);
  fail_unless_equals_uint64 (diff, 0);
  g_free (t[0].data);
  g_free (t[1].data);
  g_free (y);
}

GST_END_TEST;

/* DC per pad, stereo: the output's level tells which pads are heard. */
static gfloat *
dc (guint64 frames, gfloat v)
{
  gfloat *x = g_new (gfloat, 2 * frames);
  for (guint64 i = 0; i < 2 * frames; i++)
    x[i] = v;
  return x;
}

GST_START_TEST (test_mute_solo_truth_table)
{
  const gfloat level[2] = { 0.25f, 0.0625f };
  guint64 frames = 4 * BLOCK, got;
  gfloat *x[2] = { dc (frames, level[0]), dc (frames, level[1]) };

  /* a pad is heard when not muted and (nobody soloed or it is soloed) */
  for (guint bits = 0; bits < 16; bits++) {
    gboolean mute[2] = { bits & 1, (bits >> 1) & 1 };
    gboolean solo[2] = { (bits >> 2) & 1, (bits >> 3) & 1 };
    gboolean any_solo = solo[0] || solo[1];
    gchar *p[2];
    gfloat want = 0.0f, *y;
    Track t[2];

    for (gint i = 0; i < 2; i++) {
      p[i] = g_strdup_printf ("mute=%d solo=%d", mute[i], solo[i]);
      t[i] = (Track) {
      2, x[i], p[i]};
      if (!mute[i] && (!any_solo || solo[i]))
        want += level[i];
    }
    y = run_mix (NULL, t, 2, frames, &got, NULL);
    g_print ("mute %d %d solo %d %d: out %.4f (want %.4f)\n", mute[0],
        mute[1], solo[0], solo[1], y[2 * (got - 1)], want);
    for (guint64 i = 0; i < got; i++)
      fail_unless (y[2 * i] == want && y[2 * i + 1] == want,
          "case %u frame %" G_GUINT64_FORMAT ": %f, want %f", bits, i,
          y[2 * i], want);
    g_free (p[0]);
    g_free (p[1]);
    g_free (y);
  }
  g_free (x[0]);
  g_free (x[1]);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Sends and returns                                                       */

static gfloat *
impulse (guint64 frames, gint channels)
{
  gfloat *x = g_new0 (gfloat, frames * channels);
  for (gint c = 0; c < channels; c++)
    x[c] = 1.0f;
  return x;
}

GST_START_TEST (test_reverb_send_off_contributes_nothing)
{
  guint64 frames = RATE, got, diff = 0;
  gfloat *x = noise (frames, 2, 7);
  gfloat *y = run_one ("reverb-return=6 delay-return=6", 2, x, frames,
      NULL, &got);

  for (guint64 i = 0; i < 2 * got; i++)
    diff += y[i] != x[i];
  g_print ("sends off, returns at +6 dB: %" G_GUINT64_FORMAT
      " samples differ from the input\n", diff);
  fail_unless_equals_uint64 (got, frames);
  fail_unless_equals_uint64 (diff, 0);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* RT60 from the Schroeder backward integral of the left output after the
 * direct impulse: the -5..-25 dB slope, extrapolated to 60 dB. */
static gdouble
rt60 (const gfloat * st, guint64 from, guint64 to)
{
  gdouble *edc = g_new (gdouble, to - from), acc = 0.0, t5 = -1, t25 = -1;

  for (guint64 i = to; i > from; i--) {
    gdouble v = st[2 * (i - 1)] + st[2 * (i - 1) + 1];
    acc += v * v;
    edc[i - 1 - from] = acc;
  }
  for (guint64 i = 0; i < to - from; i++) {
    gdouble d = 10.0 * log10 (edc[i] / edc[0]);
    if (t5 < 0 && d <= -5.0)
      t5 = (gdouble) i / RATE;
    if (t25 < 0 && d <= -25.0)
      t25 = (gdouble) i / RATE;
  }
  g_free (edc);
  return (t25 - t5) * 3.0;
}

GST_START_TEST (test_reverb_impulse_rt60_follows_decay)
{
  const gdouble decays[] = { 0.5, 1.0, 2.0 };

  for (guint k = 0; k < G_N_ELEMENTS (decays); k++) {
    guint64 frames = (guint64) ((decays[k] * 1.6 + 0.2) * RATE), got;
    gfloat *x = impulse (frames, 1);
    gchar *props = g_strdup_printf ("reverb-decay=%g reverb-damping=0 "
        "reverb-predelay=0", decays[k]);
    gfloat *y = run_one (props, 1, x, frames, "reverb-send=0", &got);
    gdouble t = rt60 (y, 1, got);
    gdouble tail = peak_db (y, 0, RATE / 10, RATE / 5);

    g_print ("reverb-decay %.1f s: impulse RT60 %.3f s (%+.1f %%), tail at "
        "100-200 ms %.1f dBFS\n", decays[k], t,
        100.0 * (t / decays[k] - 1.0), tail);
    fail_unless (fabs (t / decays[k] - 1.0) <= 0.2, "RT60 %f", t);
    fail_unless (tail > -80.0);
    g_free (props);
    g_free (x);
    g_free (y);
  }
}

GST_END_TEST;

GST_START_TEST (test_delay_echoes_at_time_with_feedback_ratio)
{
  const guint64 d = 4800;       /* 100 ms */
  guint64 frames = 5 * d, got;
  gfloat *x = impulse (frames, 2);
  gfloat *y = run_one ("delay-time=100 delay-feedback=0.5", 2, x, frames,
      "delay-send=0", &got);
  guint64 at[3];
  gdouble lv[3];

  fail_unless_equals_uint64 (got, frames);
  /* the loudest sample in each window around the echoes */
  for (gint e = 0; e < 3; e++) {
    guint64 best = (e + 1) * d - d / 2;
    for (guint64 i = best; i < (e + 1) * d + d / 2; i++)
      if (fabs (y[2 * i]) > fabs (y[2 * best]))
        best = i;
    at[e] = best;
    lv[e] = db (fabs (y[2 * best]));
  }
  g_print ("delay 100 ms fb 0.5: echoes at %" G_GUINT64_FORMAT ", %"
      G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT " (want %" G_GUINT64_FORMAT
      " x n); levels %.3f, %.3f, %.3f dB; ratios %.3f, %.3f dB (want %.3f)\n",
      at[0], at[1], at[2], d, lv[0], lv[1], lv[2], lv[1] - lv[0],
      lv[2] - lv[1], db (0.5));
  for (gint e = 0; e < 3; e++)
    fail_unless (llabs ((gint64) at[e] - (gint64) ((e + 1) * d)) <= 1);
  fail_unless (fabs (lv[0]) <= 0.1, "first echo %f dB", lv[0]);
  fail_unless (fabs (lv[1] - lv[0] - db (0.5)) <= 0.1);
  fail_unless (fabs (lv[2] - lv[1] - db (0.5)) <= 0.1);
  g_free (x);
  g_free (y);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Ducking                                                                 */

GST_START_TEST (test_voice_ducks_music_by_depth_and_releases)
{
  const guint64 frames = (guint64) (2.4 * RATE), on = RATE / 2, off =
      (guint64) (1.5 * RATE);
  gfloat *voice = sine (frames, 1, -20.0, 1000.0);
  gfloat *music = sine (frames, 2, -20.0, 300.0);
  guint64 got;
  Track t[2];
  GPtrArray *msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  gdouble before, during, after, max_duck = 0.0;
  gfloat *y;

  /* the voice is present from 0.5 s to 1.5 s, hard left; the music is
   * on the right only, so the right channel measures the music alone */
  for (guint64 i = 0; i < frames; i++) {
    if (i < on || i >= off)
      voice[i] = 0.0f;
    music[2 * i] = 0.0f;
  }
  t[0] = (Track) {
  1, voice, "pan=-1"};
  t[1] = (Track) {
  2, music, "duck-source=sink_0 duck-depth=12 duck-attack=20 "
        "duck-release=200"};
  y = run_mix (NULL, t, 2, frames, &got, msgs);
  fail_unless_equals_uint64 (got, frames);
  before = sine_level_db (y, 1, RATE / 10, on);
  during = sine_level_db (y, 1, on + RATE / 10, off);
  after = sine_level_db (y, 1, off + RATE / 2, frames);
  for (guint i = 0; i < msgs->len; i++) {
    const GValue *pads = gst_structure_get_value (g_ptr_array_index (msgs,
            i), "pads");
    const GstStructure *p1 =
        gst_value_get_structure (gst_value_array_get_value (pads, 1));
    gdouble v;
    fail_unless (gst_structure_get_double (p1, "duck-reduction", &v));
    max_duck = MAX (max_duck, v);
  }
  g_print ("ducking 12 dB: music %.3f dB before, %.3f dB with voice "
      "(drop %.3f dB), %.3f dB 0.5 s after (release 200 ms); largest "
      "duck-reduction in messages %.3f dB\n", before, during,
      before - during, after, max_duck);
  fail_unless (fabs ((before - during) - 12.0) <= 0.5);
  fail_unless (fabs (after - before) <= 0.5);
  fail_unless (fabs (max_duck - 12.0) <= 0.5);
  g_ptr_array_unref (msgs);
  g_free (voice);
  g_free (music);
  g_free (y);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Meters                                                                  */

GST_START_TEST (test_messages_every_interval_with_pad_and_bus_meters)
{
  guint64 frames = RATE, got;
  Track t[2] = { {1, sine (frames, 1, -20.0, 1000.0), "pan=-1"},
  {2, sine (frames, 2, -26.0, 500.0), "comp-ratio=4 comp-threshold=-40"}
  };
  GPtrArray *msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  gfloat *y = run_mix ("interval=200000000", t, 2, frames, &got, msgs);
  const GstStructure *last, *p0, *p1;
  const GValue *pads;
  gdouble m0, m1, mb, c1, pk0;
  guint64 ts;

  g_print ("%u messages over 1 s at 200 ms\n", msgs->len);
  fail_unless_equals_int (msgs->len, 5);
  for (guint i = 0; i < msgs->len; i++) {
    fail_unless (gst_structure_get_uint64 (g_ptr_array_index (msgs, i),
            "timestamp", &ts));
    fail_unless_equals_uint64 (ts, i * 200 * GST_MSECOND);
  }
  last = g_ptr_array_index (msgs, msgs->len - 1);
  pads = gst_structure_get_value (last, "pads");
  fail_unless_equals_int (gst_value_array_get_size (pads), 2);
  p0 = gst_value_get_structure (gst_value_array_get_value (pads, 0));
  p1 = gst_value_get_structure (gst_value_array_get_value (pads, 1));
  fail_unless (gst_structure_get_double (p0, "momentary-loudness", &m0));
  fail_unless (gst_structure_get_double (p1, "momentary-loudness", &m1));
  fail_unless (gst_structure_get_double (last, "momentary-loudness", &mb));
  fail_unless (gst_structure_get_double (p1, "comp-reduction", &c1));
  pk0 = g_value_get_double (gst_value_array_get_value
      (gst_structure_get_value (p0, "peak"), 0));
  g_print ("last message: pad 0 peak L %.3f dBFS, M %.2f LUFS; pad 1 M "
      "%.2f LUFS, comp-reduction %.2f dB; bus M %.2f LUFS\n", pk0, m0, m1,
      c1, mb);
  /* a -20 dBFS 1 kHz tone in one channel reads about -23.0 LUFS (-20 - 3.01
   * + 0.69 K-weighting - 0.69) */
  fail_unless (fabs (pk0 - -20.0) <= 0.01);
  fail_unless (fabs (m0 - -23.0) <= 0.3, "pad 0 M %f", m0);
  fail_unless (c1 > 5.0, "comp reduction %f", c1);
  fail_unless (mb > MAX (m0, m1) && mb < MAX (m0, m1) + 3.1);
  g_ptr_array_unref (msgs);
  g_free (t[0].data);
  g_free (t[1].data);
  g_free (y);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Robustness: GAP, EOS on one pad, flush on one pad, formats, latency     */

GST_START_TEST (test_gap_eos_and_flush_on_one_pad)
{
  GstElement *mix = gst_element_factory_make ("mixbus", NULL);
  GstHarness *h0 = gst_harness_new_with_element (mix, "sink_%u", "src");
  GstHarness *h1 = gst_harness_new_with_element (mix, "sink_%u", NULL);
  gfloat *a = dc (20 * BLOCK, 0.25f), *b = dc (20 * BLOCK, 0.0625f);
  guint64 pos = 0, out = 0;
  gchar *caps = track_caps (2);
  GstBuffer *o;
  guint gaps = 0;

  mm_harness_set_nonlive (h0);
  mm_harness_set_nonlive (h1);
  gst_harness_set_src_caps_str (h0, caps);
  gst_harness_set_src_caps_str (h1, caps);
  gst_harness_set_sink_caps_str (h0, OUT_CAPS);

  /* blocks 0-3 both; 4-5: pad 1 GAP; 6-7 both; flush on pad 1; 8-9 both;
   * then pad 1 EOS and pad 0 alone for 10-19.  Each block is pulled
   * before the next is pushed, so the flush drops nothing in flight. */
  for (gint k = 0; k < 20; k++, pos += BLOCK) {
    GstBuffer *buf;
    GstMapInfo map;
    gfloat want = (k < 10 && k != 4 && k != 5) ? 0.3125f : 0.25f;

    if (k == 8) {
      GstSegment seg;
      fail_unless (gst_harness_push_event (h1, gst_event_new_flush_start ()));
      fail_unless (gst_harness_push_event (h1,
              gst_event_new_flush_stop (TRUE)));
      gst_segment_init (&seg, GST_FORMAT_TIME);
      fail_unless (gst_harness_push_event (h1, gst_event_new_segment (&seg)));
    }
    if (k == 10)
      fail_unless (gst_harness_push_event (h1, gst_event_new_eos ()));
    fail_unless_equals_int (gst_harness_push (h0, make_buffer (a, 2, pos,
                BLOCK)), GST_FLOW_OK);
    if (k < 10) {
      buf = make_buffer (b, 2, pos, BLOCK);
      if (k == 4 || k == 5)
        GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
      fail_unless_equals_int (gst_harness_push (h1, buf), GST_FLOW_OK);
    }
    o = gst_harness_pull (h0);
    fail_unless (o != NULL);
    gst_buffer_map (o, &map, GST_MAP_READ);
    fail_unless_equals_int (map.size, BLOCK * 8);
    for (gsize i = 0; i < map.size / 4; i++)
      fail_unless (((gfloat *) map.data)[i] == want,
          "block %d: %f want %f", k, ((gfloat *) map.data)[i], want);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (o), frame_time (RATE, out));
    gaps += GST_BUFFER_FLAG_IS_SET (o, GST_BUFFER_FLAG_GAP);
    out += map.size / 8;
    gst_buffer_unmap (o, &map);
    gst_buffer_unref (o);
  }
  g_print ("GAP on pad 1 (2 blocks), flush on pad 1, EOS on pad 1 at 100 "
      "ms: %" G_GUINT64_FORMAT " frames out, every block exact, %u GAP "
      "output buffers\n", out, gaps);
  fail_unless_equals_uint64 (out, 20 * BLOCK);
  fail_unless_equals_int (gaps, 0);
  gst_harness_teardown (h1);
  gst_harness_teardown (h0);
  gst_object_unref (mix);
  g_free (a);
  g_free (b);
  g_free (caps);
}

GST_END_TEST;

GST_START_TEST (test_any_format_and_channels_converted)
{
  /* S16 mono, F64 stereo, F32 5.1 in; F64 stereo out */
  GstElement *mix = gst_element_factory_make ("mixbus", NULL);
  GstHarness *h[3];
  const gchar *caps[3] = {
    "audio/x-raw, format=S16LE, rate=48000, channels=1, layout=interleaved",
    "audio/x-raw, format=F64LE, rate=48000, channels=2, layout=interleaved",
    "audio/x-raw, format=F32LE, rate=48000, channels=6, layout=interleaved, "
        "channel-mask=(bitmask)0x3f"
  };
  const gsize bpf[3] = { 2, 16, 24 };
  GstBuffer *o;
  gdouble maxv = 0.0;
  guint64 out = 0;

  for (gint i = 0; i < 3; i++) {
    h[i] = gst_harness_new_with_element (mix, "sink_%u", i ? NULL : "src");
    mm_harness_set_nonlive (h[i]);
    gst_harness_set_src_caps_str (h[i], caps[i]);
  }
  gst_harness_set_sink_caps_str (h[0], "audio/x-raw, format=F64LE, "
      "rate=48000, channels=2, layout=interleaved");
  for (gint k = 0; k < 10; k++) {
    for (gint i = 0; i < 3; i++) {
      GstBuffer *b = gst_buffer_new_allocate (NULL, BLOCK * bpf[i], NULL);
      gst_buffer_memset (b, 0, 0, BLOCK * bpf[i]);
      GST_BUFFER_PTS (b) = frame_time (RATE, k * BLOCK);
      GST_BUFFER_DURATION (b) = frame_time (RATE, BLOCK);
      fail_unless_equals_int (gst_harness_push (h[i], b), GST_FLOW_OK);
    }
  }
  for (gint i = 0; i < 3; i++)
    gst_harness_push_event (h[i], gst_event_new_eos ());
  while (out < 10 * BLOCK && (o = gst_harness_pull (h[0]))) {
    GstMapInfo map;
    gst_buffer_map (o, &map, GST_MAP_READ);
    for (gsize i = 0; i < map.size / 8; i++)
      maxv = MAX (maxv, fabs (((gdouble *) map.data)[i]));
    out += map.size / 16;
    gst_buffer_unmap (o, &map);
    gst_buffer_unref (o);
  }
  g_print ("S16 mono + F64 stereo + F32 5.1 -> F64 stereo: %"
      G_GUINT64_FORMAT " frames, max |x| %g\n", out, maxv);
  fail_unless_equals_uint64 (out, 10 * BLOCK);
  fail_unless (maxv == 0.0);
  for (gint i = 2; i >= 0; i--)
    gst_harness_teardown (h[i]);
  gst_object_unref (mix);
}

GST_END_TEST;

GST_START_TEST (test_latency_reported_for_live_upstream)
{
  GstElement *mix = gst_element_factory_make ("mixbus", NULL);
  GstHarness *h = gst_harness_new_with_element (mix, "sink_%u", "src");
  GstQuery *q = gst_query_new_latency ();
  gboolean live;
  GstClockTime min, max;
  gchar *caps = track_caps (2);

  g_object_set (mix, "latency", 20 * GST_MSECOND, NULL);
  gst_harness_set_src_caps_str (h, caps);
  gst_harness_set_sink_caps_str (h, OUT_CAPS);
  gst_harness_set_upstream_latency (h, 5 * GST_MSECOND);
  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  g_print ("latency: live %d, min %" GST_TIME_FORMAT ", max %"
      GST_TIME_FORMAT "\n", live, GST_TIME_ARGS (min), GST_TIME_ARGS (max));
  fail_unless (live);
  fail_unless (min >= 25 * GST_MSECOND);
  gst_query_unref (q);
  gst_harness_teardown (h);
  gst_object_unref (mix);
  g_free (caps);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* PLAYING pipelines (appsrc -> mixbus -> appsink)                         */

#define MAIN_AMP 0.25

static gfloat
main_sample (guint64 frame)
{
  return (gfloat) (MAIN_AMP * sin (2.0 * G_PI * 441.0 * frame / RATE));
}

typedef struct
{
  guint64 next;                 /* next main frame to produce */
  guint64 checked;              /* output frames checked */
  guint64 bad;                  /* output samples not the main pad's */
  guint64 discont;              /* output buffers not where expected */
  guint64 limit;                /* frames the main pad plays */
  GMutex lock;
} MainState;

static void
main_need_data (GstAppSrc * src, guint length, gpointer user_data)
{
  MainState *st = user_data;
  gfloat data[2 * BLOCK];
  GstBuffer *b;

  if (st->next >= st->limit) {
    gst_app_src_end_of_stream (src);
    return;
  }
  for (guint i = 0; i < BLOCK; i++)
    data[2 * i] = data[2 * i + 1] = main_sample (st->next + i);
  b = make_buffer (data, 2, 0, BLOCK);
  GST_BUFFER_PTS (b) = frame_time (RATE, st->next);
  GST_BUFFER_DURATION (b) = frame_time (RATE, st->next + BLOCK) -
      GST_BUFFER_PTS (b);
  st->next += BLOCK;
  gst_app_src_push_buffer (src, b);
}

/* The output must be the main pad's sine, sample for sample, without a
 * gap: the other pads are muted. */
static GstFlowReturn
check_output (GstAppSink * sink, gpointer user_data)
{
  MainState *st = user_data;
  GstSample *s = gst_app_sink_pull_sample (sink);
  GstBuffer *b = gst_sample_get_buffer (s);
  GstMapInfo map;
  guint64 first = gst_util_uint64_scale_round (GST_BUFFER_PTS (b), RATE,
      GST_SECOND);

  gst_buffer_map (b, &map, GST_MAP_READ);
  g_mutex_lock (&st->lock);
  if (first != st->checked)
    st->discont++;
  for (gsize i = 0; i < map.size / 8; i++) {
    gfloat want = main_sample (first + i);
    const gfloat *f = (const gfloat *) map.data + 2 * i;
    st->bad += (f[0] != want) + (f[1] != want);
  }
  st->checked = first + map.size / 8;
  g_mutex_unlock (&st->lock);
  gst_buffer_unmap (b, &map);
  gst_sample_unref (s);
  return GST_FLOW_OK;
}

static GstElement *
main_pipeline (MainState * st, gboolean live, GstElement ** mix)
{
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("appsrc", "main");
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstCaps *caps = gst_caps_from_string (OUT_CAPS);
  GstAppSrcCallbacks scb = { 0 };
  GstAppSinkCallbacks kcb = { 0 };

  scb.need_data = main_need_data;
  kcb.new_sample = check_output;

  *mix = gst_element_factory_make ("mixbus", NULL);
  fail_unless (src && sink && *mix);
  g_object_set (src, "format", GST_FORMAT_TIME, "caps", caps, "is-live",
      live, "max-bytes", (guint64) 8 * BLOCK * 8, NULL);
  g_object_set (sink, "caps", caps, "sync", TRUE, NULL);
  /* live: the aggregator waits up to its latency for late input before it
   * mixes without it; 2 s covers a test machine busy with other test
   * programs or a sanitizer build (what is checked is that nothing is lost
   * when input comes in time, not how the scheduler behaves under load) */
  if (live)
    g_object_set (*mix, "latency", 2 * GST_SECOND, NULL);
  gst_app_src_set_callbacks (GST_APP_SRC (src), &scb, st, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &kcb, st, NULL);
  gst_bin_add_many (GST_BIN (pipe), src, *mix, sink, NULL);
  fail_unless (gst_element_link_pads (src, "src", *mix, "sink_%u"));
  fail_unless (gst_element_link (*mix, sink));
  gst_caps_unref (caps);
  return pipe;
}

static void
count_finalized (gpointer data, GObject * where_the_object_was)
{
  g_atomic_int_inc ((gint *) data);
}

static GstClockTime
output_position (MainState * st)
{
  guint64 f;
  g_mutex_lock (&st->lock);
  f = st->checked;
  g_mutex_unlock (&st->lock);
  return frame_time (RATE, f);
}

static GstPadProbeReturn
eos_seen (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_set ((gint *) user_data, 1);
  return GST_PAD_PROBE_OK;
}

/* A muted pad for a moment: S16 mono from its own appsrc, one buffer
 * ahead of the output, then EOS; removed again once the EOS reached it
 * (the appsrc pushes nothing more: no not-linked error). */
static void
add_and_remove_pad (GstElement * pipe, GstElement * mix, MainState * st,
    gint * finalized)
{
  GstElement *src = gst_element_factory_make ("appsrc", NULL);
  GstCaps *caps = gst_caps_from_string ("audio/x-raw, format=S16LE, "
      "rate=48000, channels=1, layout=interleaved");
  GstPad *pad = gst_element_request_pad_simple (mix, "sink_%u");
  GstPad *srcpad = gst_element_get_static_pad (src, "src");
  GstBuffer *b = gst_buffer_new_allocate (NULL, 2 * BLOCK, NULL);
  gint eos = 0;

  fail_unless (pad != NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, eos_seen,
      &eos, NULL);
  g_object_weak_ref (G_OBJECT (pad), count_finalized, finalized);
  g_object_set (pad, "mute", TRUE, "gain", 6.0, NULL);
  g_object_set (src, "format", GST_FORMAT_TIME, "caps", caps, NULL);
  gst_bin_add (GST_BIN (pipe), src);
  fail_unless_equals_int (gst_pad_link (srcpad, pad), GST_PAD_LINK_OK);
  gst_element_sync_state_with_parent (src);
  gst_buffer_memset (b, 0, 0x40, 2 * BLOCK);
  GST_BUFFER_PTS (b) = output_position (st) + 50 * GST_MSECOND;
  GST_BUFFER_DURATION (b) = frame_time (RATE, BLOCK);
  gst_app_src_push_buffer (GST_APP_SRC (src), b);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  for (gint i = 0; i < 1000 && !g_atomic_int_get (&eos); i++)
    g_usleep (1000);
  fail_unless (g_atomic_int_get (&eos));

  gst_element_release_request_pad (mix, pad);
  gst_object_unref (pad);
  gst_element_set_state (src, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pipe), src);
  gst_object_unref (srcpad);
  gst_caps_unref (caps);
}

GST_START_TEST (test_pads_added_removed_200_times_while_playing)
{
  MainState st = { 0 };
  GstElement *mix, *pipe;
  gint finalized = 0;
  GstMessage *msg;
  guint remaining;

  g_mutex_init (&st.lock);
  st.limit = G_MAXUINT64;
  pipe = main_pipeline (&st, FALSE, &mix);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_usleep (50000);
  for (gint i = 0; i < 200; i++)
    add_and_remove_pad (pipe, mix, &st, &finalized);
  remaining = GST_ELEMENT (mix)->numsinkpads;
  /* let the main pad end: EOS after what was produced so far */
  g_mutex_lock (&st.lock);
  st.limit = st.next + RATE / 10;
  g_mutex_unlock (&st.lock);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err;
    gst_message_parse_error (msg, &err, NULL);
    fail ("error from %s: %s", GST_MESSAGE_SRC_NAME (msg), err->message);
  }
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_print ("200 pads added and removed while PLAYING: %u sink pad left, "
      "%d pads finalized; main pad %" G_GUINT64_FORMAT " frames checked, %"
      G_GUINT64_FORMAT " samples wrong, %" G_GUINT64_FORMAT
      " discontinuities\n", remaining, finalized, st.checked, st.bad,
      st.discont);
  fail_unless_equals_int (remaining, 1);
  fail_unless_equals_int (finalized, 200);
  fail_unless_equals_uint64 (st.bad, 0);
  fail_unless_equals_uint64 (st.discont, 0);
  fail_unless (st.checked >= st.limit - BLOCK);
  gst_object_unref (pipe);
  g_mutex_clear (&st.lock);
}

GST_END_TEST;

GST_START_TEST (test_live_and_nonlive_inputs_together)
{
  MainState st = { 0 };
  GstElement *mix, *pipe, *src2;
  GstCaps *caps = gst_caps_from_string ("audio/x-raw, format=F32LE, "
      "rate=48000, channels=1, layout=interleaved");
  GstMessage *msg;
  GstQuery *q = gst_query_new_latency ();
  gboolean live = FALSE;

  g_mutex_init (&st.lock);
  st.limit = RATE / 2;
  pipe = main_pipeline (&st, TRUE, &mix);
  /* a non-live second input, muted, that ends early */
  src2 = gst_element_factory_make ("appsrc", NULL);
  g_object_set (src2, "format", GST_FORMAT_TIME, "caps", caps, NULL);
  gst_bin_add (GST_BIN (pipe), src2);
  fail_unless (gst_element_link_pads (src2, "src", mix, "sink_%u"));
  {
    GstPad *p1 = gst_element_get_static_pad (mix, "sink_1");
    fail_unless (p1 != NULL);
    g_object_set (p1, "mute", TRUE, NULL);
    gst_object_unref (p1);
  }
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  {
    GstBuffer *b = gst_buffer_new_allocate (NULL, 4 * BLOCK, NULL);
    gst_buffer_memset (b, 0, 0, 4 * BLOCK);
    GST_BUFFER_PTS (b) = 0;
    GST_BUFFER_DURATION (b) = frame_time (RATE, BLOCK);
    gst_app_src_push_buffer (GST_APP_SRC (src2), b);
    gst_app_src_end_of_stream (GST_APP_SRC (src2));
  }
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless (gst_element_query (pipe, q));
  gst_query_parse_latency (q, &live, NULL, NULL);
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_print ("live main + non-live second input: %" G_GUINT64_FORMAT
      " frames, %" G_GUINT64_FORMAT " samples wrong, %" G_GUINT64_FORMAT
      " discontinuities, pipeline live %d\n", st.checked, st.bad, st.discont,
      live);
  fail_unless (live);
  fail_unless_equals_uint64 (st.bad, 0);
  fail_unless_equals_uint64 (st.discont, 0);
  fail_unless (st.checked >= st.limit - BLOCK);
  gst_query_unref (q);
  gst_caps_unref (caps);
  gst_object_unref (pipe);
  g_mutex_clear (&st.lock);
}

GST_END_TEST;

/* Input buffers that do not line up with the output blocks: the aggregator
 * hands a block's pieces over in several calls (a pad's buffer ends inside
 * the block, NEED_DATA, the next buffer in the next call), and the second
 * pad ends inside a block.  Nothing may be lost, doubled or moved: the
 * output is the float sum of the two flat pads, sample for sample. */
static void
push_chunks (GstElement * src, const gfloat * data, guint64 frames,
    guint chunk)
{
  for (guint64 pos = 0; pos < frames; pos += chunk) {
    guint len = (guint) MIN ((guint64) chunk, frames - pos);
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src),
            make_buffer (data, 2, pos, len)), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
}

GST_START_TEST (test_unaligned_input_buffers_mix_whole_blocks)
{
  const guint64 frames[2] = { RATE / 2, 57 * 130 };
  const guint chunk[2] = { 300, 130 };
  gfloat *x[2] = { sine (frames[0], 2, -12.0, 441.0),
    sine (frames[1], 2, -18.0, 1000.0)
  };
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *mix = gst_element_factory_make ("mixbus", NULL);
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstElement *src[2];
  GstCaps *caps = gst_caps_from_string (OUT_CAPS);
  gchar *in_caps = track_caps (2);
  GstCaps *icaps = gst_caps_from_string (in_caps);
  GstSample *sample;
  guint64 got = 0, bad = 0, discont = 0;

  g_object_set (sink, "caps", caps, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipe), mix, sink, NULL);
  fail_unless (gst_element_link (mix, sink));
  for (gint i = 0; i < 2; i++) {
    src[i] = gst_element_factory_make ("appsrc", NULL);
    g_object_set (src[i], "format", GST_FORMAT_TIME, "caps", icaps,
        "max-bytes", (guint64) 0, NULL);
    gst_bin_add (GST_BIN (pipe), src[i]);
    fail_unless (gst_element_link_pads (src[i], "src", mix, "sink_%u"));
  }
  for (gint i = 0; i < 2; i++)
    push_chunks (src[i], x[i], frames[i], chunk[i]);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstBuffer *b = gst_sample_get_buffer (sample);
    GstMapInfo map;
    guint64 first = gst_util_uint64_scale_round (GST_BUFFER_PTS (b), RATE,
        GST_SECOND);

    discont += first != got;
    gst_buffer_map (b, &map, GST_MAP_READ);
    for (gsize i = 0; i < map.size / sizeof (gfloat); i++) {
      guint64 f = first + i / 2;
      gfloat want = f < frames[0] ? x[0][2 * f + i % 2] : 0.0f;
      if (f < frames[1])
        want += x[1][2 * f + i % 2];
      bad += ((const gfloat *) map.data)[i] != want;
    }
    got = first + map.size / 8;
    gst_buffer_unmap (b, &map);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_print ("unaligned inputs (%u- and %u-frame buffers, %u-frame blocks): %"
      G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " samples not the sum, %"
      G_GUINT64_FORMAT " discontinuities\n", chunk[0], chunk[1], BLOCK, got,
      bad, discont);
  fail_unless_equals_uint64 (got, frames[0]);
  fail_unless_equals_uint64 (bad, 0);
  fail_unless_equals_uint64 (discont, 0);
  gst_object_unref (pipe);
  gst_caps_unref (caps);
  gst_caps_unref (icaps);
  g_free (in_caps);
  g_free (x[0]);
  g_free (x[1]);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Properties                                                              */

GST_START_TEST (test_every_property_documented_and_controllable)
{
  GstElement *mix = gst_element_factory_make ("mixbus", NULL);
  GstPad *pad = gst_element_request_pad_simple (mix, "sink_%u");
  GObject *objs[2] = { G_OBJECT (mix), G_OBJECT (pad) };
  GType own[2] = { G_OBJECT_TYPE (mix), G_OBJECT_TYPE (pad) };
  guint total = 0;

  for (gint o = 0; o < 2; o++) {
    guint n;
    GParamSpec **ps = g_object_class_list_properties (G_OBJECT_GET_CLASS
        (objs[o]), &n);
    for (guint i = 0; i < n; i++) {
      const gchar *blurb = g_param_spec_get_blurb (ps[i]);
      if (ps[i]->owner_type != own[o])
        continue;
      total++;
      fail_unless (strstr (blurb, "default") != NULL, "%s: no default",
          ps[i]->name);
      if (G_IS_PARAM_SPEC_DOUBLE (ps[i]))
        fail_unless (strstr (blurb, " to ") != NULL, "%s: no range",
            ps[i]->name);
      if (strcmp (ps[i]->name, "duck-source")
          && strcmp (ps[i]->name, "interval")
          && strcmp (ps[i]->name, "post-messages"))
        fail_unless (ps[i]->flags & GST_PARAM_CONTROLLABLE, "%s",
            ps[i]->name);
    }
    g_free (ps);
  }
  g_print ("%u own element and pad properties: each blurb has a range and "
      "a default, strip and bus settings controllable\n", total);
  /* child proxy: pad properties by path */
  gst_child_proxy_set (GST_CHILD_PROXY (mix), "sink_0::pan", -0.5, NULL);
  {
    gdouble pan;
    g_object_get (pad, "pan", &pan, NULL);
    fail_unless (pan == -0.5);
  }
  gst_element_release_request_pad (mix, pad);
  gst_object_unref (pad);
  gst_object_unref (mix);
}

GST_END_TEST;

static Suite *
mixbus_suite (void)
{
  Suite *s = suite_create ("mixbus");
  TCase *tc_values = tcase_create ("values");
  TCase *tc_effects = tcase_create ("effects");
  TCase *tc_stream = tcase_create ("stream");

  tcase_set_timeout (tc_values, 60);
  tcase_set_timeout (tc_effects, 60);
  tcase_set_timeout (tc_stream, 60);
  suite_add_tcase (s, tc_values);
  suite_add_tcase (s, tc_effects);
  suite_add_tcase (s, tc_stream);

  tcase_add_test (tc_values, test_pan_hard_left_minus20_left_silent_right);
  tcase_add_test (tc_values, test_pan_centre_gives_each_law_centre_level);
  tcase_add_test (tc_values, test_gain_minus6_gives_minus6);
  tcase_add_test (tc_values, test_two_flat_pads_sum_sample_exact);
  tcase_add_test (tc_values, test_mute_solo_truth_table);
  tcase_add_test (tc_values, test_every_property_documented_and_controllable);

  tcase_add_test (tc_effects, test_reverb_send_off_contributes_nothing);
  tcase_add_test (tc_effects, test_reverb_impulse_rt60_follows_decay);
  tcase_add_test (tc_effects, test_delay_echoes_at_time_with_feedback_ratio);
  tcase_add_test (tc_effects, test_voice_ducks_music_by_depth_and_releases);
  tcase_add_test (tc_effects,
      test_messages_every_interval_with_pad_and_bus_meters);

  tcase_add_test (tc_stream, test_gap_eos_and_flush_on_one_pad);
  tcase_add_test (tc_stream, test_any_format_and_channels_converted);
  tcase_add_test (tc_stream, test_latency_reported_for_live_upstream);
  tcase_add_test (tc_stream, test_pads_added_removed_200_times_while_playing);
  tcase_add_test (tc_stream, test_live_and_nonlive_inputs_together);
  tcase_add_test (tc_stream, test_unaligned_input_buffers_mix_whole_blocks);
  return s;
}

/* GST_CHECK_MAIN, with GST_PLUGIN_LOADING_WHITELIST unset first (see
 * tests/check/elements/loudnorm.c) and the app elements registered (no
 * system plugin is visible). */
int
main (int argc, char **argv)
{
  Suite *s;

  g_unsetenv ("GST_PLUGIN_LOADING_WHITELIST");
  gst_check_init (&argc, &argv);
  gst_element_register (NULL, "appsrc", GST_RANK_NONE, GST_TYPE_APP_SRC);
  gst_element_register (NULL, "appsink", GST_RANK_NONE, GST_TYPE_APP_SINK);
  s = mixbus_suite ();
  return gst_check_run_suite (s, "mixbus", __FILE__);
}
