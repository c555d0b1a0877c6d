/* GStreamer unit tests for masterchain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only our plugin is loaded (see tests/check/meson.build).  Programmes are
 * synthesised with the seeded PRNG (tests/common/mmrng.h) and the OUTPUT is
 * judged by libebur128, the independent meter (EBUR128_MODE_I |
 * EBUR128_MODE_TRUE_PEAK).
 *
 * GstHarness's src pad answers the LATENCY query with live=TRUE; the
 * file-mode tests replace its query function with one that answers
 * live=FALSE (as tests/check/elements/loudnorm_modes.c does).
 *
 * Every measured value is printed (g_print) so the figures can be quoted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <ebur128.h>

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "mmharness.h"

#include "mmrng.h"

#define LOUDNESS_TOLERANCE_LU 0.2
#define TP_TOLERANCE 0.1

/* ---------------------------------------------------------------------- */
/* Programmes                                                              */

typedef struct
{
  gint rate, channels;
  guint64 frames;
  gfloat *data;                 /* interleaved */
} Program;

/* Music-like stereo: drums (kick, snare noise, hats), a chord of three
 * detuned tones with a bass, pink-ish noise bed, sections +-6 dB. */
static Program *
program_music (gint rate, gdouble seconds, guint64 seed)
{
  Program *p = g_new0 (Program, 1);
  rng r = { seed };
  gdouble ph[4] = { 0 }, f[4] = { 220.0, 277.2, 329.6, 55.0 };
  gdouble kick = 0, kick_ph = 0, snare = 0, hat = 0, lp_l = 0, lp_r = 0;
  gdouble sec = 1.0, sec_target = 1.0;
  gdouble kd = exp (-1.0 / (0.08 * rate)), sd = exp (-1.0 / (0.05 * rate));
  gdouble hd = exp (-1.0 / (0.01 * rate));
  guint64 beat = rate / 2;

  p->rate = rate;
  p->channels = 2;
  p->frames = (guint64) (seconds * rate);
  p->data = g_new (gfloat, p->frames * 2);
  for (guint64 n = 0; n < p->frames; n++) {
    if (n % (4 * (guint64) rate) == 0) {
      gdouble root = 110.0 * pow (2.0, (gint) rng_range (&r, 0, 7) / 12.0);
      f[0] = 2 * root;
      f[1] = 2 * root * 1.2599;
      f[2] = 2 * root * 1.4983;
      f[3] = root / 2;
    }
    if (n % (6 * (guint64) rate) == 0)
      sec_target = pow (10.0, rng_range (&r, -6.0, 0.0) / 20.0);
    sec += (sec_target - sec) * (1.0 / (0.3 * rate));
    if (n % beat == 0) {
      kick = 1.0;
      kick_ph = 0;
      if ((n / beat) % 2)
        snare = 1.0;
    }
    if (n % (beat / 2) == 0)
      hat = 1.0;
    kick *= kd;
    snare *= sd;
    hat *= hd;
    kick_ph += 2 * G_PI * (50.0 + 80.0 * kick) / rate;
    gdouble d = 0.9 * kick * sin (kick_ph);
    gdouble nz = rng_gauss (&r);
    d += 0.35 * snare * nz + 0.15 * hat * rng_gauss (&r);
    gdouble tones_l = 0, tones_r = 0;
    for (gint i = 0; i < 4; i++) {
      ph[i] += 2 * G_PI * f[i] / rate;
      if (ph[i] > 2 * G_PI)
        ph[i] -= 2 * G_PI;
      gdouble v = sin (ph[i]) * (i == 3 ? 0.3 : 0.12);
      tones_l += v * (i % 2 ? 0.7 : 1.0);
      tones_r += v * (i % 2 ? 1.0 : 0.7);
    }
    lp_l += 0.05 * (rng_gauss (&r) - lp_l);
    lp_r += 0.05 * (rng_gauss (&r) - lp_r);
    p->data[2 * n] = (gfloat) (sec * (d + tones_l + 0.1 * lp_l));
    p->data[2 * n + 1] = (gfloat) (sec * (0.9 * d + tones_r + 0.1 * lp_r));
  }
  return p;
}

static Program *
program_sine (gint rate, gint channels, gdouble seconds, gdouble freq,
    gdouble amp)
{
  Program *p = g_new0 (Program, 1);

  p->rate = rate;
  p->channels = channels;
  p->frames = (guint64) (seconds * rate);
  p->data = g_new (gfloat, p->frames * channels);
  for (guint64 n = 0; n < p->frames; n++)
    for (gint c = 0; c < channels; c++)
      p->data[n * channels + c] = (gfloat) (amp * sin (2 * G_PI * freq * n /
              rate));
  return p;
}

static void
program_free (Program * p)
{
  g_free (p->data);
  g_free (p);
}

typedef struct
{
  gdouble integrated, true_peak;
} Ebu;

static Ebu
ebu_measure (const gfloat * data, guint64 frames, gint rate, gint channels)
{
  Ebu e = { -INFINITY, -INFINITY };
  ebur128_state *st = ebur128_init (channels, rate,
      EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
  gdouble tp = 0.0;

  fail_unless (st != NULL);
  for (guint64 done = 0; done < frames;) {
    gsize n = (gsize) MIN ((guint64) 16384, frames - done);
    fail_unless_equals_int (ebur128_add_frames_float (st,
            data + done * channels, n), EBUR128_SUCCESS);
    done += n;
  }
  ebur128_loudness_global (st, &e.integrated);
  for (gint c = 0; c < channels; c++) {
    gdouble v;
    if (ebur128_true_peak (st, c, &v) == EBUR128_SUCCESS && v > tp)
      tp = v;
  }
  e.true_peak = 20.0 * log10 (tp);
  ebur128_destroy (&st);
  return e;
}

static void
program_set_loudness (Program * p, gdouble lufs)
{
  Ebu e = ebu_measure (p->data, p->frames, p->rate, p->channels);
  gdouble g = pow (10.0, (lufs - e.integrated) / 20.0);
  for (guint64 i = 0; i < p->frames * p->channels; i++)
    p->data[i] *= (gfloat) g;
}

/* ---------------------------------------------------------------------- */
/* Driving masterchain                                                     */


typedef void (*StepFunc) (GstElement * e, guint64 frame, gpointer data);

typedef struct
{
  const gchar *props;
  gboolean upstream_live;
  guint buf_min, buf_max;       /* random sizes in between when they differ */
  guint64 seed;
  gboolean mangle_nonfinite;    /* NaN/Inf into the input */
  StepFunc step;                /* called before each input buffer */
  gpointer step_data;
} RunCfg;

typedef struct
{
  GstHarness *h;
  GstBus *bus;
  gint rate, channels;
  guint64 in_frames, out_frames;
  gfloat *out;
  guint pts_mismatches;
  GstFlowReturn flow;
  GPtrArray *msgs;
} RunResult;



static void
take_output (RunResult * r, GstBuffer * buf)
{
  GstMapInfo map;
  gsize bpf = sizeof (gfloat) * r->channels;
  guint64 frames;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless (map.size % bpf == 0);
  frames = map.size / bpf;
  if (frames > 0) {
    if (GST_BUFFER_PTS (buf) != frame_time (r->rate, r->out_frames))
      r->pts_mismatches++;
    r->out = g_renew (gfloat, r->out, (r->out_frames + frames) * r->channels);
    memcpy (r->out + r->out_frames * r->channels, map.data, map.size);
    r->out_frames += frames;
  }
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
}

static void
drain_harness (RunResult * r)
{
  GstBuffer *buf;
  GstEvent *ev;

  while ((buf = gst_harness_try_pull (r->h)))
    take_output (r, buf);
  while ((ev = gst_harness_try_pull_event (r->h)))
    gst_event_unref (ev);
}

static void
run (const Program * p, const RunCfg * cfg, RunResult * r)
{
  rng sizes = { cfg->seed ? cfg->seed : 1 };
  guint bmin = cfg->buf_min ? cfg->buf_min : 4800;
  guint bmax = MAX (cfg->buf_max, bmin);
  gsize bpf = sizeof (gfloat) * p->channels;
  GstAudioInfo info;
  GstMessage *msg;

  memset (r, 0, sizeof (*r));
  r->rate = p->rate;
  r->channels = p->channels;
  r->flow = GST_FLOW_OK;
  r->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  r->h = gst_harness_new ("masterchain");
  r->bus = gst_bus_new ();
  gst_element_set_bus (r->h->element, r->bus);
  set_props (r->h->element, cfg->props);
  if (!cfg->upstream_live) {
    mm_harness_set_nonlive (r->h);
  }
  gst_audio_info_init (&info);
  gst_audio_info_set_format (&info, GST_AUDIO_FORMAT_F32, p->rate,
      p->channels, NULL);
  gst_harness_set_src_caps (r->h, gst_audio_info_to_caps (&info));

  for (guint64 pos = 0; pos < p->frames;) {
    guint64 n = bmin == bmax ? bmin :
        rng_next (&sizes) % 5 == 0 ? 1 + rng_next (&sizes) % 16 :
        bmin + rng_next (&sizes) % (bmax - bmin + 1);
    GstBuffer *buf;
    GstMapInfo map;

    n = MIN (n, p->frames - pos);
    if (cfg->step)
      cfg->step (r->h->element, pos, cfg->step_data);
    buf = gst_buffer_new_allocate (NULL, n * bpf, NULL);
    gst_buffer_fill (buf, 0, p->data + pos * p->channels, n * bpf);
    if (cfg->mangle_nonfinite) {
      gst_buffer_map (buf, &map, GST_MAP_WRITE);
      gfloat *d = (gfloat *) map.data;
      for (guint64 i = 0; i < n * p->channels; i++) {
        guint64 k = pos * p->channels + i;
        if (k % 997 == 0)
          d[i] = NAN;
        else if (k % 1499 == 0)
          d[i] = (k / 1499) % 2 ? INFINITY : -INFINITY;
      }
      gst_buffer_unmap (buf, &map);
    }
    GST_BUFFER_PTS (buf) = frame_time (p->rate, pos);
    GST_BUFFER_DURATION (buf) = frame_time (p->rate, pos + n) -
        frame_time (p->rate, pos);
    r->flow = gst_harness_push (r->h, buf);
    if (r->flow != GST_FLOW_OK)
      break;
    pos += n;
    r->in_frames = pos;
    drain_harness (r);
  }
  if (r->flow == GST_FLOW_OK)
    gst_harness_push_event (r->h, gst_event_new_eos ());
  drain_harness (r);
  while ((msg = gst_bus_pop (r->bus)))
    g_ptr_array_add (r->msgs, msg);
}

static void
run_free (RunResult * r)
{
  gst_harness_teardown (r->h);
  gst_bus_set_flushing (r->bus, TRUE);
  gst_object_unref (r->bus);
  g_ptr_array_unref (r->msgs);
  g_free (r->out);
}

static const GstStructure *
final_message (const RunResult * r)
{
  const GstStructure *last = NULL;
  for (guint i = 0; i < r->msgs->len; i++) {
    GstMessage *m = g_ptr_array_index (r->msgs, i);
    const GstStructure *s = gst_message_get_structure (m);
    gboolean final = FALSE;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && s
        && gst_structure_has_name (s, "masterchain")
        && gst_structure_get_boolean (s, "final", &final) && final)
      last = s;
  }
  return last;
}

static guint
count_messages (const RunResult * r, const gchar * name)
{
  guint n = 0;
  for (guint i = 0; i < r->msgs->len; i++) {
    const GstStructure *s =
        gst_message_get_structure (g_ptr_array_index (r->msgs, i));
    if (s && gst_structure_has_name (s, name))
      n++;
  }
  return n;
}

/* ---------------------------------------------------------------------- */
/* Acceptance: profiles in file mode                                       */

static void
check_profile (const gchar * profile, gdouble target, gdouble ceiling)
{
  static const gint rates[] = { 44100, 48000 };
  static const gdouble needs[] = { 12.0, -6.0 };

  for (guint ri = 0; ri < G_N_ELEMENTS (rates); ri++) {
    for (guint ni = 0; ni < G_N_ELEMENTS (needs); ni++) {
      Program *p = program_music (rates[ri], 20.0, 42 + ri);
      gchar *props = g_strdup_printf ("profile=%s mode=file", profile);
      RunCfg cfg = { .props = props, .buf_min = 1000, .buf_max = 9000,
        .seed = 7 + ni };
      RunResult r;
      Ebu in, out;
      const GstStructure *s;
      gdouble msg_out = NAN, gain = NAN;

      program_set_loudness (p, target - needs[ni]);
      in = ebu_measure (p->data, p->frames, p->rate, 2);
      run (p, &cfg, &r);
      fail_unless_equals_int (r.flow, GST_FLOW_OK);
      fail_unless_equals_uint64 (r.out_frames, r.in_frames);
      out = ebu_measure (r.out, r.out_frames, p->rate, 2);
      s = final_message (&r);
      fail_unless (s != NULL, "no final masterchain message");
      gst_structure_get_double (s, "output-integrated-loudness", &msg_out);
      gst_structure_get_double (s, "gain", &gain);
      g_print ("%s %d Hz need %+.0f dB: in I %.2f LUFS TP %.2f dBTP -> "
          "out I %.2f LUFS (message %.2f, gain %.2f dB) TP %.2f dBTP "
          "[target %.0f/%.0f]\n", profile, rates[ri], needs[ni],
          in.integrated, in.true_peak, out.integrated, msg_out, gain,
          out.true_peak, target, ceiling);
      fail_unless (fabs (out.integrated - target) <= LOUDNESS_TOLERANCE_LU,
          "%s: output %.3f LUFS, target %.1f", profile, out.integrated,
          target);
      fail_unless (out.true_peak <= ceiling + TP_TOLERANCE,
          "%s: true peak %.3f dBTP over %.1f", profile, out.true_peak,
          ceiling);
      run_free (&r);
      g_free (props);
      program_free (p);
    }
  }
}

GST_START_TEST (test_file_streaming_hits_minus14_under_minus1)
{
  check_profile ("streaming", -14.0, -1.0);
}

GST_END_TEST;

GST_START_TEST (test_file_ebu_r128_hits_minus23_under_minus1)
{
  check_profile ("ebu-r128", -23.0, -1.0);
}

GST_END_TEST;

GST_START_TEST (test_file_atsc_a85_hits_minus24_under_minus2)
{
  check_profile ("atsc-a85", -24.0, -2.0);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Live mode: loudnorm's live contract (issue 3) through the whole chain   */

#define LIVE_TOLERANCE_LU 1.0

/* profile=streaming mode=live behind a live source, 60 s of music that
 * needs +12 dB or -6 dB: judged, as loudnorm's live mode is, after the
 * first lookahead (the gain cannot know the programme before it has seen
 * one lookahead of it), within +-1 LU of the target; the ceiling holds
 * over the whole output. */
static void
check_live (gint rate, gdouble need)
{
  const gdouble target = -14.0, ceiling = -1.0, lookahead_ms = 3000.0;
  Program *p = program_music (rate, 60.0, 91);
  RunCfg cfg = { .props = "profile=streaming mode=live lookahead=3000",
    .upstream_live = TRUE, .buf_min = 480, .buf_max = 4800, .seed = 5 };
  guint64 skip = (guint64) (lookahead_ms * rate / 1000.0 + 0.5);
  RunResult r;
  Ebu in, after, whole;

  program_set_loudness (p, target - need);
  in = ebu_measure (p->data, p->frames, p->rate, 2);
  run (p, &cfg, &r);
  fail_unless_equals_int (r.flow, GST_FLOW_OK);
  fail_unless_equals_uint64 (r.out_frames, r.in_frames);
  fail_unless_equals_int (r.pts_mismatches, 0);
  fail_unless (r.out_frames > skip);
  after = ebu_measure (r.out + skip * 2, r.out_frames - skip, rate, 2);
  whole = ebu_measure (r.out, r.out_frames, rate, 2);
  g_print ("live streaming %d Hz need %+.0f dB: in I %.2f LUFS -> out I "
      "%.2f LUFS after the first lookahead (whole %.2f), TP %.2f dBTP\n",
      rate, need, in.integrated, after.integrated, whole.integrated,
      whole.true_peak);
  fail_unless (fabs (after.integrated - target) <= LIVE_TOLERANCE_LU,
      "live: output %.3f LUFS, target %.1f", after.integrated, target);
  fail_unless (whole.true_peak <= ceiling + TP_TOLERANCE,
      "live: true peak %.3f dBTP over %.1f", whole.true_peak, ceiling);
  run_free (&r);
  program_free (p);
}

GST_START_TEST (test_live_streaming_within_1lu_under_minus1)
{
  check_live (48000, 12.0);
  check_live (48000, -6.0);
  check_live (44100, 12.0);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Bypass                                                                  */

#define ALL_BYPASSED "input-bypass=true eq-bypass=true comp-bypass=true " \
  "width-bypass=true loudness-bypass=true limiter-bypass=true dither-bits=0"

static void
check_bit_exact (const gchar * mode, gboolean live)
{
  Program *p = program_music (48000, 6.0, 3);
  gchar *props = g_strdup_printf ("mode=%s lookahead=200 " ALL_BYPASSED
      " input-gain=6 comp-ratio=4 eq-bell1-gain=6 width=1.5", mode);
  RunCfg cfg = { .props = props, .upstream_live = live, .buf_min = 100,
    .buf_max = 3000, .seed = 11 };
  RunResult r;
  guint64 first_diff = G_MAXUINT64;

  program_set_loudness (p, -10.0);
  run (p, &cfg, &r);
  fail_unless_equals_int (r.flow, GST_FLOW_OK);
  fail_unless_equals_uint64 (r.out_frames, p->frames);
  for (guint64 i = 0; i < p->frames * 2 && first_diff == G_MAXUINT64; i++)
    if (memcmp (&r.out[i], &p->data[i], sizeof (gfloat)))
      first_diff = i / 2;
  g_print ("bypass %s: %" G_GUINT64_FORMAT " frames, first differing frame "
      "%" G_GINT64_FORMAT "\n", mode, r.out_frames,
      first_diff == G_MAXUINT64 ? (gint64) - 1 : (gint64) first_diff);
  fail_unless (first_diff == G_MAXUINT64, "%s: frame %" G_GUINT64_FORMAT
      " differs", mode, first_diff);
  fail_unless_equals_int (r.pts_mismatches, 0);
  run_free (&r);
  g_free (props);
  program_free (p);
}

GST_START_TEST (test_all_stages_bypassed_bit_exact_live)
{
  check_bit_exact ("live", TRUE);
}

GST_END_TEST;

GST_START_TEST (test_all_stages_bypassed_bit_exact_file)
{
  check_bit_exact ("file", FALSE);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Parameter step while playing                                            */

static void
step_input_gain (GstElement * e, guint64 frame, gpointer data)
{
  guint64 at = *(guint64 *) data;
  if (frame >= at && frame < at + 480)
    g_object_set (e, "input-gain", 6.0, NULL);
}

static void
check_step (const gchar * prop_desc, const gchar * props)
{
  const gint rate = 48000;
  Program *p = program_sine (rate, 2, 4.0, 1000.0, 0.1);
  guint64 at = 2 * rate;
  RunCfg cfg = { .props = props, .upstream_live = TRUE, .buf_min = 480,
    .buf_max = 480, .seed = 1, .step = step_input_gain, .step_data = &at };
  RunResult r;
  gdouble max_before = 0, max_after = 0, max_all = 0, peak_before = 0,
      peak_after = 0;

  run (p, &cfg, &r);
  fail_unless_equals_uint64 (r.out_frames, p->frames);
  for (guint64 n = 1; n < r.out_frames; n++) {
    gdouble d = fabs (r.out[2 * n] - r.out[2 * n - 2]);
    gdouble v = fabs (r.out[2 * n]);
    max_all = MAX (max_all, d);
    if (n > rate / 2 && n < at - rate / 2) {
      max_before = MAX (max_before, d);
      peak_before = MAX (peak_before, v);
    }
    if (n > at + rate && n < r.out_frames - rate / 4) {
      max_after = MAX (max_after, d);
      peak_after = MAX (peak_after, v);
    }
  }
  g_print ("step %s: max |dy| before %.5f, after %.5f, overall %.5f; "
      "level change %.2f dB\n", prop_desc, max_before, max_after, max_all,
      20 * log10 (peak_after / peak_before));
  fail_unless (fabs (20 * log10 (peak_after / peak_before) - 6.0) < 0.3);
  /* the largest change anywhere is no larger than the sine's own */
  fail_unless (max_all <= max_after * 1.001, "discontinuity %.5f > %.5f",
      max_all, max_after);
  run_free (&r);
  program_free (p);
}

GST_START_TEST (test_input_gain_step_while_playing_is_click_free)
{
  check_step ("input-gain +6 dB (live, loudness bypassed)",
      "mode=live lookahead=100 loudness-bypass=true");
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Timing                                                                  */

static void
check_timing (const gchar * props, gboolean live, gint rate)
{
  Program *p = program_music (rate, 7.3, 5);
  RunCfg cfg = { .props = props, .upstream_live = live, .buf_min = 1,
    .buf_max = 7000, .seed = 99 };
  RunResult r;

  program_set_loudness (p, -20.0);
  run (p, &cfg, &r);
  g_print ("timing %s at %d Hz: in %" G_GUINT64_FORMAT " out %"
      G_GUINT64_FORMAT " frames, %u PTS mismatches\n", props, rate,
      r.in_frames, r.out_frames, r.pts_mismatches);
  fail_unless_equals_int (r.flow, GST_FLOW_OK);
  fail_unless_equals_uint64 (r.out_frames, r.in_frames);
  fail_unless_equals_uint64 (r.out_frames, p->frames);
  fail_unless_equals_int (r.pts_mismatches, 0);
  fail_unless (final_message (&r) != NULL);
  run_free (&r);
  program_free (p);
}

GST_START_TEST (test_timing_sample_exact_live_random_buffers)
{
  check_timing ("mode=live lookahead=100", TRUE, 44100);
  check_timing ("mode=live lookahead=1000", TRUE, 48000);
  check_timing ("mode=auto lookahead=500", TRUE, 48000);
}

GST_END_TEST;

GST_START_TEST (test_timing_sample_exact_file_random_buffers)
{
  check_timing ("mode=file", FALSE, 44100);
  check_timing ("mode=auto", FALSE, 48000);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Messages                                                                */

GST_START_TEST (test_messages_every_interval_with_fields)
{
  Program *p = program_music (48000, 5.0, 8);
  RunCfg cfg = { .props = "mode=live lookahead=100 interval=500000000 "
        "comp-multiband=true comp-low-ratio=3", .upstream_live = TRUE,
    .buf_min = 4800, .buf_max = 4800, .seed = 1
  };
  RunResult r;
  const GstStructure *s;
  const GValue *arr;
  static const gchar *fields[] = { "timestamp", "running-time",
    "stream-time", "duration", "input-momentary-loudness",
    "input-shortterm-loudness", "input-integrated-loudness",
    "output-momentary-loudness", "output-shortterm-loudness",
    "output-integrated-loudness", "output-true-peak", "gain",
    "comp-reduction", "limiter-reduction", "width", "correlation", "final"
  };

  program_set_loudness (p, -20.0);
  run (p, &cfg, &r);
  g_print ("messages: %u masterchain messages for 5 s at 0.5 s\n",
      count_messages (&r, "masterchain"));
  fail_unless_equals_int (count_messages (&r, "masterchain"), 10 + 1);
  s = final_message (&r);
  fail_unless (s != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    fail_unless (gst_structure_has_field (s, fields[i]), "no field %s",
        fields[i]);
  arr = gst_structure_get_value (s, "comp-reduction");
  fail_unless (GST_VALUE_HOLDS_ARRAY (arr));
  fail_unless_equals_int (gst_value_array_get_size (arr), 3);
  run_free (&r);
  program_free (p);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Profile / custom                                                        */

static void
count_notify (GObject * o, GParamSpec * pspec, gpointer data)
{
  GHashTable *t = data;
  const gchar *name = g_param_spec_get_name (pspec);
  g_hash_table_insert (t, (gpointer) name,
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (t,
                  name)) + 1));
}

static guint
notified (GHashTable * t, const gchar * name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (t, name));
}

static gint
get_profile (GstElement * e)
{
  gint v;
  g_object_get (e, "profile", &v, NULL);
  return v;
}

GST_START_TEST (test_profile_sets_levels_and_hand_setting_makes_custom)
{
  GstElement *e = gst_element_factory_make ("masterchain", NULL);
  GHashTable *t = g_hash_table_new (g_str_hash, g_str_equal);
  gdouble target, tp;

  fail_unless (e != NULL);
  g_object_get (e, "loudness-target", &target, "max-true-peak", &tp, NULL);
  fail_unless_equals_float (target, -14.0);
  fail_unless_equals_float (tp, -1.0);
  g_signal_connect (e, "notify", G_CALLBACK (count_notify), t);

  gst_util_set_object_arg (G_OBJECT (e), "profile", "atsc-a85");
  g_object_get (e, "loudness-target", &target, "max-true-peak", &tp, NULL);
  fail_unless_equals_float (target, -24.0);
  fail_unless_equals_float (tp, -2.0);
  fail_unless_equals_int (notified (t, "loudness-target"), 1);
  fail_unless_equals_int (notified (t, "max-true-peak"), 1);

  /* the profile's own value keeps the profile */
  g_object_set (e, "loudness-target", -24.0, NULL);
  fail_unless_equals_int (get_profile (e), 3);
  fail_unless_equals_int (notified (t, "profile"), 1);     /* its own set */

  g_object_set (e, "loudness-target", -18.0, NULL);
  fail_unless_equals_int (get_profile (e), 5);     /* custom */
  fail_unless_equals_int (notified (t, "profile"), 2);
  g_object_get (e, "max-true-peak", &tp, NULL);
  fail_unless_equals_float (tp, -2.0);

  gst_util_set_object_arg (G_OBJECT (e), "profile", "ebu-r128");
  g_object_set (e, "max-true-peak", -3.0, NULL);
  fail_unless_equals_int (get_profile (e), 5);
  g_object_get (e, "loudness-target", &target, NULL);
  fail_unless_equals_float (target, -23.0);

  /* custom keeps the values */
  gst_util_set_object_arg (G_OBJECT (e), "profile", "custom");
  g_object_get (e, "loudness-target", &target, "max-true-peak", &tp, NULL);
  fail_unless_equals_float (target, -23.0);
  fail_unless_equals_float (tp, -3.0);

  g_hash_table_unref (t);
  gst_object_unref (e);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* GstPreset                                                               */

GST_START_TEST (test_preset_round_trip)
{
  GstElement *e = gst_element_factory_make ("masterchain", NULL);
  GstPreset *preset = GST_PRESET (e);
  gdouble gain, q, target, tp;
  gint slope, profile;
  gboolean mb;

  fail_unless (e != NULL);
  gst_util_set_object_arg (G_OBJECT (e), "profile", "ebu-r128");
  g_object_set (e, "input-gain", 3.5, "eq-bell2-q", 2.5, "comp-multiband",
      TRUE, "max-true-peak", -2.5, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "eq-hpf-slope", "36");
  fail_unless (gst_preset_save_preset (preset, "mc-test"));

  gst_object_unref (e);
  e = gst_element_factory_make ("masterchain", NULL);
  preset = GST_PRESET (e);
  g_object_get (e, "input-gain", &gain, NULL);
  fail_unless_equals_float (gain, 0.0);

  fail_unless (gst_preset_load_preset (preset, "mc-test"));
  g_object_get (e, "input-gain", &gain, "eq-bell2-q", &q, "comp-multiband",
      &mb, "loudness-target", &target, "max-true-peak", &tp, "eq-hpf-slope",
      &slope, "profile", &profile, NULL);
  g_print ("preset: input-gain %.2f, eq-bell2-q %.2f, multiband %d, "
      "target %.1f, tp %.1f, hpf-slope %d, profile %d\n", gain, q, mb,
      target, tp, slope, profile);
  fail_unless_equals_float (gain, 3.5);
  fail_unless_equals_float (q, 2.5);
  fail_unless (mb);
  fail_unless_equals_float (target, -23.0);
  fail_unless_equals_float (tp, -2.5);
  fail_unless_equals_int (slope, 36);
  fail_unless_equals_int (profile, 5);     /* custom: tp set by hand */
  fail_unless (gst_preset_delete_preset (preset, "mc-test"));
  gst_object_unref (e);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Caps and bad input                                                      */

GST_START_TEST (test_caps_refused_outside_f32_f64_1_8ch_8k_384k)
{
  GstElement *e = gst_element_factory_make ("masterchain", NULL);
  GstPad *sink = gst_element_get_static_pad (e, "sink");
  static const gchar *bad[] = {
    "audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved",
    "audio/x-raw,format=F32LE,rate=48000,channels=9,layout=interleaved",
    "audio/x-raw,format=F32LE,rate=4000,channels=2,layout=interleaved",
    "audio/x-raw,format=F32LE,rate=768000,channels=2,layout=interleaved",
    "audio/x-raw,format=F32LE,rate=48000,channels=2,"
        "layout=non-interleaved",
  };
  static const gchar *good[] = {
    "audio/x-raw,format=F32LE,rate=44100,channels=2,layout=interleaved",
    "audio/x-raw,format=F64LE,rate=8000,channels=1,layout=interleaved",
    "audio/x-raw,format=F32LE,rate=384000,channels=8,layout=interleaved,"
        "channel-mask=(bitmask)0xc3f",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstCaps *c = gst_caps_from_string (bad[i]);
    fail_if (gst_pad_query_accept_caps (sink, c), "accepted %s", bad[i]);
    gst_caps_unref (c);
  }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    GstCaps *c = gst_caps_from_string (good[i]);
    fail_unless (gst_pad_query_accept_caps (sink, c), "refused %s", good[i]);
    gst_caps_unref (c);
  }
  gst_object_unref (sink);
  gst_object_unref (e);
}

GST_END_TEST;

static void
check_nonfinite (const gchar * props, gboolean live)
{
  Program *p = program_music (48000, 4.0, 9);
  RunCfg cfg = { .props = props, .upstream_live = live, .buf_min = 500,
    .buf_max = 5000, .seed = 3, .mangle_nonfinite = TRUE };
  RunResult r;
  guint64 bad = 0;

  program_set_loudness (p, -18.0);
  run (p, &cfg, &r);
  fail_unless_equals_int (r.flow, GST_FLOW_OK);
  fail_unless_equals_uint64 (r.out_frames, p->frames);
  for (guint64 i = 0; i < r.out_frames * 2; i++)
    if (!isfinite (r.out[i]))
      bad++;
  g_print ("nonfinite input (%s): %" G_GUINT64_FORMAT " non-finite output "
      "samples of %" G_GUINT64_FORMAT "\n", props, bad, r.out_frames * 2);
  fail_unless_equals_uint64 (bad, 0);
  run_free (&r);
  program_free (p);
}

GST_START_TEST (test_nonfinite_input_gives_finite_output)
{
  check_nonfinite ("mode=live lookahead=100 comp-ratio=3 eq-bell1-gain=4",
      TRUE);
  check_nonfinite ("mode=file comp-ratio=3 comp-multiband=true", FALSE);
}

GST_END_TEST;

GST_START_TEST (test_file_mode_behind_live_source_errors)
{
  Program *p = program_sine (48000, 2, 0.5, 440.0, 0.1);
  RunCfg cfg = { .props = "mode=file", .upstream_live = TRUE };
  RunResult r;

  run (p, &cfg, &r);
  fail_unless_equals_int (r.flow, GST_FLOW_ERROR);
  run_free (&r);
  program_free (p);
}

GST_END_TEST;

static Suite *
masterchain_suite (void)
{
  Suite *s = suite_create ("masterchain");
  TCase *tc_file = tcase_create ("file");
  TCase *tc_general = tcase_create ("general");

  tcase_set_timeout (tc_file, 300);
  tcase_set_timeout (tc_general, 300);
  suite_add_tcase (s, tc_file);
  suite_add_tcase (s, tc_general);

  tcase_add_test (tc_file, test_file_streaming_hits_minus14_under_minus1);
  tcase_add_test (tc_file, test_file_ebu_r128_hits_minus23_under_minus1);
  tcase_add_test (tc_file, test_file_atsc_a85_hits_minus24_under_minus2);
  tcase_add_test (tc_file, test_live_streaming_within_1lu_under_minus1);

  tcase_add_test (tc_general, test_all_stages_bypassed_bit_exact_live);
  tcase_add_test (tc_general, test_all_stages_bypassed_bit_exact_file);
  tcase_add_test (tc_general, test_input_gain_step_while_playing_is_click_free);
  tcase_add_test (tc_general, test_timing_sample_exact_live_random_buffers);
  tcase_add_test (tc_general, test_timing_sample_exact_file_random_buffers);
  tcase_add_test (tc_general, test_messages_every_interval_with_fields);
  tcase_add_test (tc_general,
      test_profile_sets_levels_and_hand_setting_makes_custom);
  tcase_add_test (tc_general, test_preset_round_trip);
  tcase_add_test (tc_general, test_caps_refused_outside_f32_f64_1_8ch_8k_384k);
  tcase_add_test (tc_general, test_nonfinite_input_gives_finite_output);
  tcase_add_test (tc_general, test_file_mode_behind_live_source_errors);
  return s;
}

/* GST_CHECK_MAIN, with GST_PLUGIN_LOADING_WHITELIST unset first (see
 * tests/check/elements/loudnorm.c) and presets kept in a private folder. */
int
main (int argc, char **argv)
{
  Suite *s;
  gchar *home = g_dir_make_tmp ("masterchain-presets-XXXXXX", NULL);

  g_unsetenv ("GST_PLUGIN_LOADING_WHITELIST");
  if (home)
    g_setenv ("XDG_DATA_HOME", home, TRUE);
  gst_check_init (&argc, &argv);
  s = masterchain_suite ();
  return gst_check_run_suite (s, "masterchain", __FILE__);
}
