/* GStreamer unit tests for loudnorm's normalising modes (live, linear,
 * file) and the timing contract of every mode.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only our plugin is loaded (see tests/check/meson.build).  Each test
 * synthesises a programme with a seeded PRNG (pink noise, speech-like AM
 * noise with pauses, music-like tones + drums + noise with dynamics),
 * drives loudnorm through a GstHarness and judges the OUTPUT with
 * libebur128, the independent meter (EBUR128_MODE_I | TRUE_PEAK; 5.1 as
 * L R C unused Ls Rs).
 *
 * Note on GstHarness: its src pad answers the LATENCY query with
 * live=TRUE.  mode=file refuses live upstreams, so the tests that need a
 * non-live upstream replace the harness src pad's query function with one
 * that answers live=FALSE (run_cfg.upstream_live = FALSE).
 *
 * Every measured value is printed (g_print) so the figures can be quoted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <math.h>
#include <string.h>

#include <ebur128.h>

#include "loudness.h"

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "mmharness.h"

#define TARGET (-23.0)
#define CEILING (-1.0)
/* libebur128's true-peak meter against ours: a little slack */
#define TP_TOLERANCE 0.1
#define FILE_TOLERANCE_LU 0.1
#define LINEAR_TOLERANCE_LU 0.1
#define LIVE_TOLERANCE_LU 1.0

/* ---------------------------------------------------------------------- */
/* PRNG (splitmix64): deterministic everywhere                             */

#include "mmrng.h"

/* ---------------------------------------------------------------------- */
/* Programme synthesis                                                     */

typedef enum
{
  PROG_PINK,                    /* steady pink noise, independent channels */
  PROG_SPEECH,                  /* speech-like AM noise with pauses */
  PROG_MUSIC,                   /* tones + drums + noise, sections +-8 dB */
  PROG_MIXED,                   /* music, pause, speech, speech over music */
  PROG_CLAPS,                   /* quiet speech + sparse loud claps */
  PROG_WHITE,                   /* white noise (timing tests) */
} ProgKind;

#define MAX_CH 8

typedef struct
{
  gint rate, channels;
  gboolean surround51;          /* FL FR FC LFE RL RR */
  guint64 frames;
  gfloat *data;                 /* interleaved */
  gchar name[64];
} Program;

typedef struct
{
  rng r;
  gint rate;
  guint64 n;
  /* pink (Kellet) per stem */
  gdouble pk[MAX_CH][7];
  /* music */
  guint64 next_chord;
  gdouble note_c[3], note_s[3], note_cw[3], note_sw[3], note_env[3],
      note_pan[3], note_decay;
  gdouble bass_c, bass_s, bass_cw, bass_sw;
  guint64 beat_len, next_beat;
  guint beat;
  gdouble kick_env, kick_ph, kick_f, snare_env, hat_env, drum_decay_k,
      drum_decay_s, drum_decay_h;
  gdouble sec_gain, sec_target, sec_coef;
  guint64 next_section;
  /* speech */
  gdouble f0_base, f0_ph, voice_lp, fric_lp;
  guint64 syl_start, syl_len, talk_until, pause_until;
  gdouble syl_amp;
  /* claps */
  guint64 next_clap;
  gdouble clap_env, clap_decay;
} Synth;

static void
synth_init (Synth * s, gint rate, guint64 seed)
{
  memset (s, 0, sizeof (*s));
  s->r.s = seed;
  s->rate = rate;
  s->beat_len = (guint64) rate / 2;     /* 120 bpm */
  s->drum_decay_k = exp (-1.0 / (0.08 * rate));
  s->drum_decay_s = exp (-1.0 / (0.06 * rate));
  s->drum_decay_h = exp (-1.0 / (0.015 * rate));
  s->note_decay = exp (-1.0 / (1.5 * rate));
  s->sec_gain = s->sec_target = 1.0;
  s->sec_coef = 1.0 - exp (-1.0 / (0.2 * rate));
  s->clap_decay = exp (-1.0 / (0.001 * rate));
  s->f0_base = 140.0;
}

static gdouble
pink (Synth * s, gint stem)
{
  gdouble *b = s->pk[stem];
  gdouble w = rng_gauss (&s->r) * 0.25;
  gdouble out;
  b[0] = 0.99886 * b[0] + w * 0.0555179;
  b[1] = 0.99332 * b[1] + w * 0.0750759;
  b[2] = 0.96900 * b[2] + w * 0.1538520;
  b[3] = 0.86650 * b[3] + w * 0.3104856;
  b[4] = 0.55000 * b[4] + w * 0.5329522;
  b[5] = -0.7616 * b[5] - w * 0.0168980;
  out = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
  b[6] = w * 0.115926;
  return out * 0.25;
}

static void
osc_set (gdouble freq, gint rate, gdouble * c, gdouble * s, gdouble * cw,
    gdouble * sw)
{
  gdouble w = 2.0 * G_PI * freq / rate;
  *c = 1.0;
  *s = 0.0;
  *cw = cos (w);
  *sw = sin (w);
}

static gdouble
osc_step (gdouble * c, gdouble * s, gdouble cw, gdouble sw)
{
  gdouble nc = *c * cw - *s * sw;
  gdouble ns = *s * cw + *c * sw;
  /* keep the radius at 1 */
  gdouble k = 1.5 - 0.5 * (nc * nc + ns * ns);
  *c = nc * k;
  *s = ns * k;
  return *s;
}

/* Music stems: L, R, ambience L, R, LFE. */
static void
synth_music (Synth * s, gdouble * L, gdouble * R, gdouble * aL, gdouble * aR,
    gdouble * lfe)
{
  gdouble l = 0, r = 0, notes = 0;
  gint rate = s->rate;

  if (s->n >= s->next_section) {
    s->sec_target = pow (10.0, rng_range (&s->r, -8.0, 0.0) / 20.0);
    s->next_section = s->n + (guint64) (rng_range (&s->r, 6.0, 10.0) * rate);
  }
  s->sec_gain += s->sec_coef * (s->sec_target - s->sec_gain);

  if (s->n >= s->next_chord) {
    static const gint minor[] = { 0, 3, 7 }, major[] = { 0, 4, 7 };
    gint root = 45 + (gint) rng_range (&s->r, 0, 15);
    const gint *iv = rng_unit (&s->r) < 0.5 ? minor : major;
    for (gint i = 0; i < 3; i++) {
      gdouble f = 440.0 * pow (2.0, (root + 12 + iv[i] - 69) / 12.0);
      osc_set (f, rate, &s->note_c[i], &s->note_s[i], &s->note_cw[i],
          &s->note_sw[i]);
      s->note_env[i] = rng_range (&s->r, 0.5, 1.0);
      s->note_pan[i] = rng_range (&s->r, 0.2, 0.8);
    }
    osc_set (440.0 * pow (2.0, (root - 69) / 12.0), rate, &s->bass_c,
        &s->bass_s, &s->bass_cw, &s->bass_sw);
    s->next_chord = s->n + (guint64) (rng_range (&s->r, 1.5, 3.0) * rate);
  }
  for (gint i = 0; i < 3; i++) {
    gdouble v = osc_step (&s->note_c[i], &s->note_s[i], s->note_cw[i],
        s->note_sw[i]) * s->note_env[i];
    /* a touch of second harmonic: 2 sin cos */
    v += 0.3 * 2.0 * s->note_s[i] * s->note_c[i] * s->note_env[i];
    s->note_env[i] *= s->note_decay;
    l += v * (1.0 - s->note_pan[i]);
    r += v * s->note_pan[i];
    notes += v;
  }
  l *= 0.18;
  r *= 0.18;
  gdouble bass = 0.2 * osc_step (&s->bass_c, &s->bass_s, s->bass_cw,
      s->bass_sw);

  if (s->n >= s->next_beat) {
    s->kick_env = rng_range (&s->r, 0.7, 1.0);
    s->kick_f = 110.0;
    if (s->beat % 2 == 1)
      s->snare_env = rng_range (&s->r, 0.4, 0.6);
    s->next_beat += s->beat_len;
    s->beat++;
  }
  if ((s->n + s->beat_len / 2) % s->beat_len == 0)
    s->hat_env = 0.25;
  gdouble kick = 0.0;
  if (s->kick_env > 1e-4) {
    s->kick_ph += 2.0 * G_PI * s->kick_f / rate;
    s->kick_f = 45.0 + (s->kick_f - 45.0) * 0.9995;
    kick = sin (s->kick_ph) * s->kick_env;
    s->kick_env *= s->drum_decay_k;
  }
  gdouble noise = 0.0;
  if (s->snare_env > 1e-4 || s->hat_env > 1e-4) {
    noise = rng_gauss (&s->r) * 0.3 * (s->snare_env + s->hat_env);
    s->snare_env *= s->drum_decay_s;
    s->hat_env *= s->drum_decay_h;
  }
  gdouble bedL = 0.15 * pink (s, 0), bedR = 0.15 * pink (s, 1);
  gdouble g = s->sec_gain;
  *L = g * (l + bass + 0.6 * kick + noise + bedL);
  *R = g * (r + bass + 0.6 * kick + noise + bedR);
  *aL = g * (0.5 * bedL + 0.05 * notes + 0.2 * pink (s, 2));
  *aR = g * (0.5 * bedR + 0.05 * notes + 0.2 * pink (s, 3));
  *lfe = g * (bass + 0.8 * kick);
}

/* Speech-like: a buzzy voice and fricative noise, shaped into syllables
 * (4-6 Hz), words and phrase pauses (0.4-1.2 s). */
static gdouble
synth_speech (Synth * s)
{
  gint rate = s->rate;
  gdouble env = 0.0;

  if (s->n >= s->syl_start + s->syl_len) {
    /* the syllable ended: schedule the next one */
    if (s->n >= s->talk_until) {
      s->pause_until = s->n + (guint64) (rng_range (&s->r, 0.4, 1.2) * rate);
      s->talk_until = s->pause_until +
          (guint64) (rng_range (&s->r, 2.0, 4.0) * rate);
      s->f0_base = rng_range (&s->r, 100.0, 220.0);
      s->syl_start = s->pause_until;
    } else {
      s->syl_start = s->n + (guint64) (rng_range (&s->r, 0.02, 0.12) * rate);
    }
    s->syl_len = (guint64) (rng_range (&s->r, 0.12, 0.28) * rate);
    s->syl_amp = rng_range (&s->r, 0.3, 1.0);
  }
  if (s->n >= s->syl_start) {
    gdouble x = (gdouble) (s->n - s->syl_start) / s->syl_len;
    gdouble sn = sin (G_PI * x);
    env = s->syl_amp * sn * sn;
  }
  gdouble t = (gdouble) s->n / rate;
  gdouble f0 = s->f0_base * (1.0 + 0.08 * sin (2.0 * G_PI * 0.7 * t));
  s->f0_ph += f0 / rate;
  if (s->f0_ph >= 1.0)
    s->f0_ph -= 1.0;
  gdouble buzz = 2.0 * s->f0_ph - 1.0;
  s->voice_lp += 0.25 * (buzz - s->voice_lp);
  gdouble w = rng_gauss (&s->r);
  s->fric_lp += 0.6 * (w - s->fric_lp);
  gdouble fric = w - s->fric_lp;        /* high-passed noise */
  return env * (0.8 * s->voice_lp + 0.25 * fric);
}

static gdouble
synth_clap (Synth * s)
{
  if (s->n >= s->next_clap) {
    s->clap_env = 1.0;
    s->next_clap = s->n + (guint64) (rng_range (&s->r, 0.5, 1.0) * s->rate);
  }
  gdouble v = 0.0;
  if (s->clap_env > 1e-4) {
    v = (rng_unit (&s->r) < 0.5 ? -1.0 : 1.0) * s->clap_env;
    s->clap_env *= s->clap_decay;
  }
  return v;
}

static Program *
program_new (ProgKind kind, gint rate, gint channels, gdouble seconds,
    guint64 seed)
{
  static const gchar *names[] = { "pink", "speech", "music", "mixed", "claps",
    "white"
  };
  Program *p = g_new0 (Program, 1);
  Synth s;
  guint64 frames = (guint64) (seconds * rate + 0.5);

  p->rate = rate;
  p->channels = channels;
  p->surround51 = channels == 6;
  p->frames = frames;
  p->data = g_new (gfloat, frames * channels);
  g_snprintf (p->name, sizeof (p->name), "%s %dch %d Hz %.0f s",
      names[kind], channels, rate, seconds);
  synth_init (&s, rate, seed);

  for (guint64 f = 0; f < frames; f++) {
    gdouble mL = 0, mR = 0, aL = 0, aR = 0, lfe = 0, sp = 0, gm = 0, gs = 0;
    gdouble x = (gdouble) f / frames;
    gfloat *o = p->data + f * channels;

    s.n = f;
    switch (kind) {
      case PROG_PINK:
        for (gint c = 0; c < channels; c++)
          o[c] = (gfloat) pink (&s, c);
        continue;
      case PROG_WHITE:
        for (gint c = 0; c < channels; c++)
          o[c] = (gfloat) (rng_range (&s.r, -1.0, 1.0) * 0.25);
        continue;
      case PROG_SPEECH:
        gs = 1.0;
        break;
      case PROG_MUSIC:
        gm = 1.0;
        break;
      case PROG_MIXED:
        /* music, a 1.5 s pause, speech, speech over music */
        if (x < 0.35)
          gm = 1.0;
        else if (f < 0.35 * frames + 1.5 * rate)
          gm = 0.0;
        else if (x < 0.7)
          gs = 1.0;
        else {
          gs = 0.8;
          gm = 0.35;
        }
        break;
      case PROG_CLAPS:
        gs = 0.12;
        break;
    }
    if (gm > 0)
      synth_music (&s, &mL, &mR, &aL, &aR, &lfe);
    if (gs > 0)
      sp = gs * synth_speech (&s);
    if (kind == PROG_CLAPS)
      sp += synth_clap (&s);
    mL *= gm;
    mR *= gm;
    aL *= gm;
    aR *= gm;
    lfe *= gm;

    if (channels == 1) {
      o[0] = (gfloat) (0.5 * (mL + mR) + sp);
    } else if (channels == 2) {
      o[0] = (gfloat) (mL + 0.7 * sp);
      o[1] = (gfloat) (mR + 0.7 * sp);
    } else if (channels == 6) {
      o[0] = (gfloat) mL;
      o[1] = (gfloat) mR;
      o[2] = (gfloat) sp;
      o[3] = (gfloat) lfe;
      o[4] = (gfloat) aL;
      o[5] = (gfloat) aR;
    } else {
      for (gint c = 0; c < channels; c++)
        o[c] = (gfloat) ((c % 2 ? mR : mL) + 0.7 * sp);
    }
  }
  return p;
}

static void
program_free (Program * p)
{
  if (!p)
    return;
  g_free (p->data);
  g_free (p);
}

/* ---------------------------------------------------------------------- */
/* libebur128: the independent meter                                       */

typedef struct
{
  gdouble integrated;           /* LUFS */
  gdouble true_peak;            /* dBTP, max over all channels */
  gdouble sample_peak;          /* dBFS */
} Ebu;

static Ebu
ebu_measure (const gfloat * data, guint64 frames, gint rate, gint channels,
    gboolean with_peak)
{
  Ebu e = { -INFINITY, -INFINITY, -INFINITY };
  ebur128_state *st = ebur128_init (channels, rate, EBUR128_MODE_I |
      (with_peak ? EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK : 0));
  gdouble tp = 0.0, sp = 0.0;

  fail_unless (st != NULL);
  if (channels == 6) {
    ebur128_set_channel (st, 0, EBUR128_LEFT);
    ebur128_set_channel (st, 1, EBUR128_RIGHT);
    ebur128_set_channel (st, 2, EBUR128_CENTER);
    ebur128_set_channel (st, 3, EBUR128_UNUSED);
    ebur128_set_channel (st, 4, EBUR128_LEFT_SURROUND);
    ebur128_set_channel (st, 5, EBUR128_RIGHT_SURROUND);
  }
  for (guint64 done = 0; done < frames;) {
    gsize n = (gsize) MIN ((guint64) 16384, frames - done);
    fail_unless_equals_int (ebur128_add_frames_float (st,
            data + done * channels, n), EBUR128_SUCCESS);
    done += n;
  }
  ebur128_loudness_global (st, &e.integrated);
  if (with_peak) {
    for (gint c = 0; c < channels; c++) {
      gdouble v;
      if (ebur128_true_peak (st, c, &v) == EBUR128_SUCCESS && v > tp)
        tp = v;
      if (ebur128_sample_peak (st, c, &v) == EBUR128_SUCCESS && v > sp)
        sp = v;
    }
    e.true_peak = 20.0 * log10 (tp);
    e.sample_peak = 20.0 * log10 (sp);
  }
  ebur128_destroy (&st);
  return e;
}

static Ebu
program_measure (const Program * p)
{
  return ebu_measure (p->data, p->frames, p->rate, p->channels, TRUE);
}

/* Scales the programme so that libebur128 reads `lufs`. */
static void
program_set_loudness (Program * p, gdouble lufs)
{
  Ebu e = ebu_measure (p->data, p->frames, p->rate, p->channels, FALSE);
  gdouble g;

  fail_unless (isfinite (e.integrated));
  g = pow (10.0, (lufs - e.integrated) / 20.0);
  for (guint64 i = 0; i < p->frames * p->channels; i++)
    p->data[i] *= (gfloat) g;
}

static Program *
program_make (ProgKind kind, gint rate, gint channels, gdouble seconds,
    guint64 seed, gdouble lufs)
{
  Program *p = program_new (kind, rate, channels, seconds, seed);
  Ebu e;

  program_set_loudness (p, lufs);
  e = program_measure (p);
  g_print ("  input  %-28s: I %7.2f LUFS  TP %6.2f dBTP  (PLR %.1f dB)\n",
      p->name, e.integrated, e.true_peak, e.true_peak - e.integrated);
  return p;
}

/* ---------------------------------------------------------------------- */
/* Driving loudnorm                                                        */


typedef void (*MangleFunc) (GstBuffer * buf, guint64 first_frame,
    gint channels, gpointer user_data);

typedef struct
{
  const gchar *props;           /* "mode=file max-true-peak=-1 ..." */
  gboolean upstream_live;       /* FALSE: answer LATENCY live=FALSE */
  guint buf_min, buf_max;       /* frames per input buffer (random in) */
  guint64 seed;                 /* buffer sizes */
  guint zero_length_every;      /* a zero-length buffer every N buffers */
  MangleFunc mangle;            /* edits each input buffer (NaN...) */
  gpointer mangle_data;
  gboolean keep_output;         /* collect the output samples */
  GstClockTime pts_offset;      /* timestamp of the first frame */
} RunCfg;

typedef struct
{
  GstHarness *h;
  GstBus *bus;
  gint rate, channels;
  GstClockTime pts_offset;
  guint64 in_frames, out_frames;
  guint in_buffers, out_buffers;
  gfloat *out;                  /* out_frames * channels, if kept */
  gsize out_alloc;
  /* timestamps: output buffers whose PTS differs from the input timestamp
   * of their first frame */
  guint pts_mismatches;
  guint64 first_mismatch_frame;
  GstClockTime first_mismatch_pts, first_mismatch_expected;
  GstFlowReturn flow;           /* first non-OK flow return, or OK */
  guint64 flow_frame;           /* input frame where it happened */
  GPtrArray *msgs;              /* every bus message, in order */
  GstTagList *tags;             /* the last TAG event downstream */
  GstClockTime latency;         /* LATENCY query answer (min) */
} RunResult;


static GstCaps *
program_caps (const Program * p)
{
  static const GstAudioChannelPosition pos51[] = {
    GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER,
    GST_AUDIO_CHANNEL_POSITION_LFE1,
    GST_AUDIO_CHANNEL_POSITION_REAR_LEFT,
    GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT,
  };
  GstAudioInfo info;

  gst_audio_info_init (&info);
  gst_audio_info_set_format (&info, GST_AUDIO_FORMAT_F32, p->rate,
      p->channels, p->channels == 6 ? pos51 : NULL);
  return gst_audio_info_to_caps (&info);
}


static void
take_output (RunResult * r, GstBuffer * buf)
{
  GstMapInfo map;
  gsize bpf = sizeof (gfloat) * r->channels;
  guint64 frames;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless (map.size % bpf == 0, "output buffer of %" G_GSIZE_FORMAT
      " bytes is not whole frames", map.size);
  frames = map.size / bpf;
  if (frames > 0) {
    GstClockTime expected = r->pts_offset + frame_time (r->rate,
        r->out_frames);
    if (GST_BUFFER_PTS (buf) != expected) {
      if (r->pts_mismatches++ == 0) {
        r->first_mismatch_frame = r->out_frames;
        r->first_mismatch_pts = GST_BUFFER_PTS (buf);
        r->first_mismatch_expected = expected;
      }
    }
    if (r->out) {
      gsize need = (gsize) (r->out_frames + frames) * r->channels;
      if (need > r->out_alloc) {
        r->out_alloc = MAX (need, r->out_alloc * 2);
        r->out = g_renew (gfloat, r->out, r->out_alloc);
      }
      memcpy (r->out + r->out_frames * r->channels, map.data, map.size);
    }
    r->out_frames += frames;
    r->out_buffers++;
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
  while ((ev = gst_harness_try_pull_event (r->h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_TAG) {
      GstTagList *tl;
      gst_event_parse_tag (ev, &tl);
      if (r->tags)
        gst_tag_list_unref (r->tags);
      r->tags = gst_tag_list_ref (tl);
    }
    gst_event_unref (ev);
  }
}

/* Sets up a harness with loudnorm configured by `cfg`, caps of `p`. */
static void
run_start (const Program * p, const RunCfg * cfg, RunResult * r)
{
  GstElementFactory *factory = gst_element_factory_find ("loudnorm");

  memset (r, 0, sizeof (*r));
  fail_unless (factory != NULL,
      "no loudnorm: GST_PLUGIN_PATH_1_0 must hold the built plugin");
  gst_object_unref (factory);
  r->rate = p->rate;
  r->channels = p->channels;
  r->pts_offset = cfg->pts_offset;
  r->flow = GST_FLOW_OK;
  r->latency = GST_CLOCK_TIME_NONE;
  r->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  if (cfg->keep_output) {
    r->out_alloc = (gsize) (p->frames + 1) * p->channels;
    r->out = g_new (gfloat, r->out_alloc);
  }

  r->h = gst_harness_new ("loudnorm");
  r->bus = gst_bus_new ();
  gst_element_set_bus (r->h->element, r->bus);
  set_props (r->h->element, cfg->props);
  if (!cfg->upstream_live) {
    mm_harness_set_nonlive (r->h);
  }
  gst_harness_set_src_caps (r->h, program_caps (p));
}

/* Pushes the whole programme (and EOS), collects output and messages. */
static void
run_push (const Program * p, const RunCfg * cfg, RunResult * r)
{
  rng sizes = { cfg->seed ? cfg->seed : 1 };
  guint bmin = cfg->buf_min ? cfg->buf_min : 4800;
  guint bmax = MAX (cfg->buf_max, bmin);
  gsize bpf = sizeof (gfloat) * p->channels;
  GstMessage *msg;
  GstQuery *q;

  for (guint64 pos = 0; pos < p->frames;) {
    guint64 n = bmin == bmax ? bmin :
        /* one in five tiny (1..16 frames), the rest anything */
        rng_next (&sizes) % 5 == 0 ? 1 + rng_next (&sizes) % 16 :
        bmin + rng_next (&sizes) % (bmax - bmin + 1);
    GstBuffer *buf;
    GstFlowReturn ret;

    n = MIN (n, p->frames - pos);
    buf = gst_buffer_new_allocate (NULL, n * bpf, NULL);
    gst_buffer_fill (buf, 0, p->data + pos * p->channels, n * bpf);
    GST_BUFFER_PTS (buf) = cfg->pts_offset + frame_time (p->rate, pos);
    GST_BUFFER_DURATION (buf) = frame_time (p->rate, pos + n) -
        frame_time (p->rate, pos);
    GST_BUFFER_OFFSET (buf) = pos;
    GST_BUFFER_OFFSET_END (buf) = pos + n;
    if (cfg->mangle)
      cfg->mangle (buf, pos, p->channels, cfg->mangle_data);
    ret = gst_harness_push (r->h, buf);
    r->in_buffers++;
    if (ret != GST_FLOW_OK) {
      r->flow = ret;
      r->flow_frame = pos;
      break;
    }
    pos += n;
    r->in_frames = pos;

    if (cfg->zero_length_every && r->in_buffers % cfg->zero_length_every
        == 0 && pos < p->frames) {
      GstBuffer *z = gst_buffer_new ();
      GST_BUFFER_PTS (z) = cfg->pts_offset + frame_time (p->rate, pos);
      GST_BUFFER_DURATION (z) = 0;
      ret = gst_harness_push (r->h, z);
      if (ret != GST_FLOW_OK) {
        r->flow = ret;
        r->flow_frame = pos;
        break;
      }
    }
    drain_harness (r);
  }

  q = gst_query_new_latency ();
  if (gst_pad_peer_query (r->h->sinkpad, q))
    gst_query_parse_latency (q, NULL, &r->latency, NULL);
  gst_query_unref (q);

  if (r->flow == GST_FLOW_OK)
    gst_harness_push_event (r->h, gst_event_new_eos ());
  drain_harness (r);
  while ((msg = gst_bus_pop (r->bus)))
    g_ptr_array_add (r->msgs, msg);
}

static void
run_free (RunResult * r)
{
  if (r->h)
    gst_harness_teardown (r->h);
  if (r->bus) {
    gst_bus_set_flushing (r->bus, TRUE);
    gst_object_unref (r->bus);
  }
  if (r->msgs)
    g_ptr_array_unref (r->msgs);
  if (r->tags)
    gst_tag_list_unref (r->tags);
  g_free (r->out);
  memset (r, 0, sizeof (*r));
}

static void
run_loudnorm (const Program * p, const RunCfg * cfg, RunResult * r)
{
  run_start (p, cfg, r);
  run_push (p, cfg, r);
}

static gdouble
get_double (GstElement * e, const gchar * name)
{
  gdouble v = NAN;
  g_object_get (e, name, &v, NULL);
  return v;
}

static guint
count_type (const RunResult * r, GstMessageType type)
{
  guint n = 0;
  for (guint i = 0; i < r->msgs->len; i++)
    n += GST_MESSAGE_TYPE (g_ptr_array_index (r->msgs, i)) == type;
  return n;
}

/* The text of the first WARNING/ERROR (g_free), or NULL. */
static gchar *
first_text (const RunResult * r, GstMessageType type)
{
  for (guint i = 0; i < r->msgs->len; i++) {
    GstMessage *m = g_ptr_array_index (r->msgs, i);
    GError *err = NULL;
    gchar *dbg = NULL, *s;
    if (GST_MESSAGE_TYPE (m) != type)
      continue;
    if (type == GST_MESSAGE_ERROR)
      gst_message_parse_error (m, &err, &dbg);
    else
      gst_message_parse_warning (m, &err, &dbg);
    s = g_strdup_printf ("%s [%s]", err ? err->message : "(none)",
        dbg ? dbg : "");
    g_clear_error (&err);
    g_free (dbg);
    return s;
  }
  return NULL;
}

static void
print_messages (const RunResult * r, const gchar * what)
{
  gchar *w = first_text (r, GST_MESSAGE_WARNING);
  gchar *e = first_text (r, GST_MESSAGE_ERROR);
  g_print ("  %s: %u WARNING, %u ERROR%s%s%s%s\n", what,
      count_type (r, GST_MESSAGE_WARNING), count_type (r, GST_MESSAGE_ERROR),
      w ? "\n    warning: " : "", w ? w : "", e ? "\n    error: " : "",
      e ? e : "");
  g_free (w);
  g_free (e);
}

static gboolean
is_loudness (GstMessage * m)
{
  return GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
      && gst_message_has_name (m, "loudness");
}

/* The loudness messages, in order. */
static GPtrArray *
loudness_structs (const RunResult * r)
{
  GPtrArray *a = g_ptr_array_new ();
  for (guint i = 0; i < r->msgs->len; i++) {
    GstMessage *m = g_ptr_array_index (r->msgs, i);
    if (is_loudness (m))
      g_ptr_array_add (a, (gpointer) gst_message_get_structure (m));
  }
  return a;
}

/* The last loudness message, which must be final. */
static const GstStructure *
final_struct (const RunResult * r)
{
  GPtrArray *a = loudness_structs (r);
  const GstStructure *s;
  gboolean final = FALSE;

  fail_unless (a->len > 0, "no loudness message at all");
  s = g_ptr_array_index (a, a->len - 1);
  g_ptr_array_unref (a);
  fail_unless (gst_structure_get_boolean (s, "final", &final));
  fail_unless (final, "the last loudness message is not final");
  return s;
}

static gdouble
sdouble (const GstStructure * s, const gchar * f)
{
  gdouble v = NAN;
  fail_unless (gst_structure_get_double (s, f, &v), "no gdouble %s in %"
      GST_PTR_FORMAT, f, s);
  return v;
}

static void
assert_no_error (const RunResult * r)
{
  gchar *e = first_text (r, GST_MESSAGE_ERROR);
  fail_unless (e == NULL, "unexpected ERROR: %s", e ? e : "");
  fail_unless_equals_int (r->flow, GST_FLOW_OK);
}

/* Output frames == input frames, and every output buffer stamped with the
 * input timestamp of its first frame. */
static void
assert_timing (const RunResult * r, const gchar * what)
{
  g_print ("  timing %-40s: in %" G_GUINT64_FORMAT " frames / %u buffers,"
      " out %" G_GUINT64_FORMAT " frames / %u buffers, %u PTS mismatches",
      what, r->in_frames, r->in_buffers, r->out_frames, r->out_buffers,
      r->pts_mismatches);
  if (r->pts_mismatches)
    g_print (" (first at frame %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
        " ns, expected %" G_GUINT64_FORMAT " ns)", r->first_mismatch_frame,
        r->first_mismatch_pts, r->first_mismatch_expected);
  g_print ("\n");
  fail_unless_equals_uint64 (r->out_frames, r->in_frames);
  fail_unless (r->pts_mismatches == 0,
      "%s: %u output buffers with a wrong PTS; first at output frame %"
      G_GUINT64_FORMAT ": PTS %" G_GUINT64_FORMAT ", input timestamp %"
      G_GUINT64_FORMAT, what, r->pts_mismatches, r->first_mismatch_frame,
      r->first_mismatch_pts, r->first_mismatch_expected);
}

static gboolean
all_finite (const gfloat * d, gsize n, gsize * where)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (d[i])) {
      *where = i;
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* 1. mode=file                                                            */

typedef struct
{
  Ebu in, out;
  gdouble gain, reduction, msg_out_i;
  gchar *normalization;
} FileOutcome;

/* Runs mode=file on the programme and judges the output with libebur128:
 * integrated within +-0.1 LU of the target, true peak under the ceiling. */
static void
check_file_mode (Program * p, gdouble target, gdouble ceiling,
    FileOutcome * o)
{
  gchar *props = g_strdup_printf ("mode=file loudness-target=%g "
      "max-true-peak=%g", target, ceiling);
  RunCfg cfg = { props, FALSE, 4800, 4800, 0, 0, NULL, NULL, TRUE, 0 };
  RunResult r;
  const GstStructure *fin;
  gsize bad;

  memset (o, 0, sizeof (*o));
  o->in = program_measure (p);
  run_loudnorm (p, &cfg, &r);
  assert_no_error (&r);
  assert_timing (&r, p->name);
  fail_unless (all_finite (r.out, r.out_frames * r.channels, &bad),
      "non-finite output sample %" G_GSIZE_FORMAT, bad);
  o->out = ebu_measure (r.out, r.out_frames, r.rate, r.channels, TRUE);
  fin = final_struct (&r);
  o->gain = sdouble (fin, "gain");
  o->reduction = sdouble (fin, "limiter-reduction");
  o->msg_out_i = sdouble (fin, "output-integrated-loudness");
  o->normalization = g_strdup (gst_structure_get_string (fin,
          "normalization"));
  g_print ("  file   %-28s: out I %7.2f LUFS (target %.1f, error %+.3f LU)"
      "  TP %6.2f dBTP (ceiling %.1f)\n"
      "         gain %+.2f dB, limiter-reduction %.2f dB, normalization %s,"
      " element's output-integrated %.2f\n", p->name, o->out.integrated,
      target, o->out.integrated - target, o->out.true_peak, ceiling, o->gain,
      o->reduction, o->normalization, o->msg_out_i);
  print_messages (&r, "messages");
  fail_unless (fabs (o->out.integrated - target) <= FILE_TOLERANCE_LU,
      "%s: output %.3f LUFS, target %.1f (error %+.3f LU > %.1f)", p->name,
      o->out.integrated, target, o->out.integrated - target,
      FILE_TOLERANCE_LU);
  fail_unless (o->out.true_peak <= ceiling + TP_TOLERANCE,
      "%s: output true peak %.3f dBTP over the %.1f dBTP ceiling", p->name,
      o->out.true_peak, ceiling);
  /* the tags describe the output: ReplayGain 2 track gain against -18 */
  {
    gdouble tg = NAN, tp = NAN;
    fail_unless (r.tags != NULL, "no tag event at EOS");
    fail_unless (gst_tag_list_get_double (r.tags, GST_TAG_TRACK_GAIN, &tg));
    fail_unless (gst_tag_list_get_double (r.tags, GST_TAG_TRACK_PEAK, &tp));
    g_print ("         tags: track-gain %+.2f dB (expected %+.2f), "
        "track-peak %.4f (%.2f dBTP)\n", tg, -18.0 - o->out.integrated, tp,
        20 * log10 (tp));
    fail_unless (fabs (tg - (-18.0 - o->out.integrated)) <= 0.15,
        "track-gain %.3f, output reads %.3f LUFS", tg, o->out.integrated);
  }
  run_free (&r);
  g_free (props);
}

static void
file_outcome_clear (FileOutcome * o)
{
  g_free (o->normalization);
}

static void
file_programme_test (ProgKind kind, gint rate, gint channels, gdouble secs,
    guint64 seed, gdouble in_lufs)
{
  Program *p = program_make (kind, rate, channels, secs, seed, in_lufs);
  FileOutcome o;
  check_file_mode (p, TARGET, CEILING, &o);
  file_outcome_clear (&o);
  program_free (p);
}

GST_START_TEST (test_file_stereo_44k1_programme_hits_target_under_ceiling)
{
  file_programme_test (PROG_MIXED, 44100, 2, 20, 4411, -28.0);
}

GST_END_TEST;

GST_START_TEST (test_file_stereo_48k_programme_hits_target_under_ceiling)
{
  file_programme_test (PROG_MIXED, 48000, 2, 20, 4800, -18.0);
}

GST_END_TEST;

GST_START_TEST (test_file_stereo_96k_programme_hits_target_under_ceiling)
{
  file_programme_test (PROG_MIXED, 96000, 2, 20, 9600, -31.0);
}

GST_END_TEST;

GST_START_TEST (test_file_mono_speech_hits_target_under_ceiling)
{
  file_programme_test (PROG_SPEECH, 48000, 1, 20, 1001, -26.0);
}

GST_END_TEST;

GST_START_TEST (test_file_51_programme_hits_target_under_ceiling)
{
  file_programme_test (PROG_MIXED, 48000, 6, 20, 5151, -20.0);
}

GST_END_TEST;

/* needs +20 dB */
GST_START_TEST (test_file_quiet_programme_plus20dB_hits_target)
{
  Program *p = program_make (PROG_MUSIC, 48000, 2, 20, 4320, TARGET - 20.0);
  FileOutcome o;
  check_file_mode (p, TARGET, CEILING, &o);
  fail_unless (o.gain > 19.0, "gain %.2f dB for a programme 20 dB quiet",
      o.gain);
  file_outcome_clear (&o);
  program_free (p);
}

GST_END_TEST;

/* needs -10 dB; high crest */
GST_START_TEST (test_file_hot_programme_minus10dB_hits_target)
{
  Program *p = program_make (PROG_MUSIC, 48000, 2, 20, 1310, TARGET + 10.0);
  FileOutcome o;
  check_file_mode (p, TARGET, CEILING, &o);
  fail_unless (o.gain < -9.0, "gain %.2f dB for a programme 10 dB hot",
      o.gain);
  file_outcome_clear (&o);
  program_free (p);
}

GST_END_TEST;

/* needs +12 dB, and its claps (PLR ~29 dB) then go ~6 dB over -1 dBTP:
 * the limiter works hard and the gain must be corrected until the OUTPUT
 * is on target; stereo 44.1/48/96 kHz, mono, 5.1 (claps in the centre) */
GST_START_TEST (test_file_hard_limiting_plus12dB_hits_target_under_ceiling)
{
  static const struct
  {
    gint rate, channels;
  } fmt[] = { {44100, 2}, {48000, 2}, {96000, 2}, {48000, 1}, {48000, 6} };
  GString *fails = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fmt); i++) {
    Program *p = program_make (PROG_CLAPS, fmt[i].rate, fmt[i].channels, 20,
        1212 + i, TARGET - 12.0);
    Ebu in = program_measure (p);
    FileOutcome o;

    /* the programme is what it should be: the gain alone would take the
     * claps far over the ceiling */
    fail_unless (in.true_peak + 12.0 > CEILING + 4.0,
        "test programme peaks too low: %.2f dBTP", in.true_peak);
    check_file_mode (p, TARGET, CEILING, &o);
    if (o.reduction < 3.0)
      g_string_append_printf (fails, " [%s: limiter-reduction only %.2f "
          "dB]", p->name, o.reduction);
    if (g_strcmp0 (o.normalization, "linear-limited") != 0)
      g_string_append_printf (fails, " [%s: normalization %s]", p->name,
          o.normalization);
    file_outcome_clear (&o);
    program_free (p);
  }
  fail_unless (fails->len == 0, "%s", fails->str);
  g_string_free (fails, TRUE);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 2. mode=linear with the values of mode=measure                          */

typedef struct
{
  gdouble lufs, tp;
} Measured;

/* mode=measure on the programme: the integrated-loudness and true-peak
 * properties after EOS (the final message must agree). */
static Measured
measure_pass (const Program * p)
{
  RunCfg cfg = { "mode=measure", TRUE, 4800, 4800, 0, 0, NULL, NULL, FALSE,
    0
  };
  RunResult r;
  Measured m;
  const GstStructure *fin;

  run_loudnorm (p, &cfg, &r);
  assert_no_error (&r);
  m.lufs = get_double (r.h->element, "integrated-loudness");
  m.tp = get_double (r.h->element, "true-peak");
  fin = final_struct (&r);
  fail_unless (fabs (sdouble (fin, "integrated-loudness") - m.lufs) < 1e-9);
  g_print ("  measure pass %-22s: integrated-loudness %.3f LUFS, true-peak "
      "%.3f dBTP\n", p->name, m.lufs, m.tp);
  run_free (&r);
  return m;
}

typedef struct
{
  Ebu out;
  gchar *normalization;
  gdouble msg_out_i, reduction, gain;
  guint warnings;
} LinearOutcome;

static void
linear_pass (const Program * p, Measured m, LinearOutcome * o)
{
  gchar *props = g_strdup_printf ("mode=linear loudness-target=%g "
      "max-true-peak=%g measured-loudness=%.6f measured-true-peak=%.6f",
      TARGET, CEILING, m.lufs, m.tp);
  RunCfg cfg = { props, TRUE, 4800, 4800, 0, 0, NULL, NULL, TRUE, 0 };
  RunResult r;
  const GstStructure *fin;

  run_loudnorm (p, &cfg, &r);
  assert_no_error (&r);
  assert_timing (&r, p->name);
  o->out = ebu_measure (r.out, r.out_frames, r.rate, r.channels, TRUE);
  fin = final_struct (&r);
  o->normalization = g_strdup (gst_structure_get_string (fin,
          "normalization"));
  o->msg_out_i = sdouble (fin, "output-integrated-loudness");
  o->reduction = sdouble (fin, "limiter-reduction");
  o->gain = sdouble (fin, "gain");
  o->warnings = count_type (&r, GST_MESSAGE_WARNING);
  g_print ("  linear %-28s: out I %7.2f LUFS (error %+.3f LU)  TP %6.2f "
      "dBTP\n         gain %+.2f dB, limiter-reduction %.2f dB, "
      "normalization %s, final output-integrated-loudness %.2f LUFS\n",
      p->name, o->out.integrated, o->out.integrated - TARGET,
      o->out.true_peak, o->gain, o->reduction, o->normalization,
      o->msg_out_i);
  print_messages (&r, "messages");
  fail_unless (o->out.true_peak <= CEILING + TP_TOLERANCE,
      "output true peak %.3f dBTP over the ceiling", o->out.true_peak);
  run_free (&r);
  g_free (props);
}

GST_START_TEST (test_linear_from_measure_pass_hits_target_unlimited)
{
  Program *p = program_make (PROG_MIXED, 48000, 2, 30, 7001, -29.0);
  Measured m = measure_pass (p);
  LinearOutcome o;

  linear_pass (p, m, &o);
  fail_unless (fabs (o.out.integrated - TARGET) <= LINEAR_TOLERANCE_LU,
      "linear output %.3f LUFS, target %.1f", o.out.integrated, TARGET);
  fail_unless_equals_string (o.normalization, "linear");
  fail_unless (fabs (o.gain - (TARGET - m.lufs)) < 0.01,
      "gain %.3f dB, expected %.3f", o.gain, TARGET - m.lufs);
  fail_unless_equals_int (o.warnings, 0);
  g_free (o.normalization);
  program_free (p);
}

GST_END_TEST;

GST_START_TEST (test_linear_limited_says_linear_limited_and_output_loudness)
{
  Program *p = program_make (PROG_CLAPS, 48000, 2, 30, 7002, TARGET - 12.0);
  Measured m = measure_pass (p);
  LinearOutcome o;

  fail_unless (m.tp + (TARGET - m.lufs) > CEILING + 3.0,
      "test programme would not need limiting (%.2f dBTP after gain)",
      m.tp + (TARGET - m.lufs));
  linear_pass (p, m, &o);
  fail_unless_equals_string (o.normalization, "linear-limited");
  fail_unless (o.reduction > 3.0, "limiter-reduction %.2f", o.reduction);
  /* the achieved output loudness is reported, and it is the truth */
  fail_unless (fabs (o.msg_out_i - o.out.integrated) <= 0.1,
      "final message says output %.3f LUFS, libebur128 reads %.3f",
      o.msg_out_i, o.out.integrated);
  /* and it is announced (WARNING at the start) */
  fail_unless (o.warnings >= 1, "no WARNING about the limiting");
  g_free (o.normalization);
  program_free (p);
}

GST_END_TEST;

/* Album mode: the album's combined loudness (the DSP meter's multi-meter
 * API, as the CLI computes it) set as measured-loudness gives every track
 * the same gain, and the album as a whole lands on the target. */
static gdouble
album_loudness (Program ** tracks, guint n)
{
  mm_loudness *meters[2];
  gdouble lufs = -INFINITY;
  g_assert (n == 2);
  for (guint i = 0; i < n; i++) {
    meters[i] = mm_loudness_new (tracks[i]->rate, tracks[i]->channels, 0);
    fail_unless (meters[i] != NULL);
    mm_loudness_add_frames_f32 (meters[i], tracks[i]->data, tracks[i]->frames);
  }
  fail_unless (mm_loudness_integrated_multiple ((const mm_loudness * const *)
          meters, n, &lufs) == MM_OK);
  for (guint i = 0; i < n; i++)
    mm_loudness_free (&meters[i]);
  return lufs;
}

GST_START_TEST (test_album_linear_same_gain_album_on_target)
{
  Program *tracks[2] = {
    program_make (PROG_MIXED, 48000, 2, 20, 8101, -20.0),
    program_make (PROG_MIXED, 48000, 2, 20, 8102, -27.0),
  };
  gdouble album = album_loudness (tracks, 2), gains[2];
  ebur128_state *st[2];

  g_print ("  album loudness %.3f LUFS (tracks -20, -27)\n", album);
  for (guint i = 0; i < 2; i++) {
    gchar *props = g_strdup_printf ("mode=linear loudness-target=%g "
        "max-true-peak=%g measured-loudness=%.6f", TARGET, CEILING, album);
    RunCfg cfg = { props, TRUE, 4800, 4800, 0, 0, NULL, NULL, TRUE, 0 };
    RunResult r;
    run_loudnorm (tracks[i], &cfg, &r);
    assert_no_error (&r);
    gains[i] = sdouble (final_struct (&r), "gain");
    st[i] = ebur128_init (2, 48000, EBUR128_MODE_I);
    ebur128_add_frames_float (st[i], r.out, r.out_frames);
    run_free (&r);
    g_free (props);
  }
  gdouble out_album;
  ebur128_loudness_global_multiple (st, 2, &out_album);
  g_print ("  album gains %+.3f / %+.3f dB, album output %.3f LUFS\n",
      gains[0], gains[1], out_album);
  fail_unless (fabs (gains[0] - gains[1]) < 1e-9, "tracks got different gains");
  fail_unless (fabs (gains[0] - (TARGET - album)) < 0.01);
  fail_unless (fabs (out_album - TARGET) <= LINEAR_TOLERANCE_LU,
      "album output %.3f LUFS", out_album);
  for (guint i = 0; i < 2; i++) {
    ebur128_destroy (&st[i]);
    program_free (tracks[i]);
  }
}

GST_END_TEST;

/* Properties changed while PLAYING glide: a +10 dB change of
 * loudness-target in the middle of a steady tone (linear mode) moves the
 * output/input ratio in small steps (a step change would be a click), and
 * it arrives at the new gain. */
GST_START_TEST (test_linear_target_change_while_playing_is_click_free)
{
  const gint rate = 48000, frames = 480, n_bufs = 200;
  GstHarness *h = gst_harness_new ("loudnorm");
  GstCaps *caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
      GST_AUDIO_NE (F32), "rate", G_TYPE_INT, rate, "channels", G_TYPE_INT, 1,
      "layout", G_TYPE_STRING, "interleaved", NULL);
  gfloat *in = g_new (gfloat, frames * n_bufs), *out = g_new0 (gfloat,
      frames * n_bufs);
  guint64 got = 0;
  GstBuffer *b;

  g_object_set (h->element, "mode", 2 /* linear */ , "loudness-target", -30.0,
      "measured-loudness", -30.0, NULL);
  gst_harness_set_src_caps (h, caps);
  for (gint i = 0; i < frames * n_bufs; i++)
    in[i] = (gfloat) (0.05 * sin (2.0 * G_PI * 997.0 * i / rate));
  for (gint k = 0; k < n_bufs; k++) {
    if (k == n_bufs / 2)
      g_object_set (h->element, "loudness-target", -20.0, NULL);
    b = gst_buffer_new_memdup (in + k * frames, frames * sizeof (gfloat));
    GST_BUFFER_PTS (b) = gst_util_uint64_scale (k * frames, GST_SECOND, rate);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((b = gst_harness_try_pull (h))) {
    gsize n = gst_buffer_get_size (b) / sizeof (gfloat);
    fail_unless (got + n <= (guint64) frames * n_bufs);
    gst_buffer_extract (b, 0, out + got, n * sizeof (gfloat));
    got += n;
    gst_buffer_unref (b);
  }
  fail_unless_equals_uint64 (got, (guint64) frames * n_bufs);

  /* the ratio out/in where the tone is well above zero */
  gdouble prev = -1.0, max_step = 0.0, first = -1.0, last = -1.0;
  for (gint i = 0; i < frames * n_bufs; i++) {
    if (fabs (in[i]) < 0.02)
      continue;
    gdouble r = out[i] / in[i];
    if (first < 0)
      first = r;
    if (prev >= 0)
      max_step = MAX (max_step, fabs (r - prev));
    prev = last = r;
  }
  g_print ("  target change -30 -> -20 LUFS while playing: gain %.4f -> %.4f, "
      "largest step between nearby samples %.5f\n", first, last, max_step);
  fail_unless (fabs (first - 1.0) < 1e-4, "start gain %f", first);
  fail_unless (fabs (last - pow (10.0, 0.5)) < 1e-3, "end gain %f", last);
  /* a step would jump by 2.16; a glide over >= 10 ms moves < 0.01 */
  fail_unless (max_step < 0.01, "gain jumped by %f: a click", max_step);

  g_free (in);
  g_free (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* max-true-peak other than the -1 dBTP default: it must hold from the
 * first output sample (the claps programme has a clap at frame 0). */
GST_START_TEST (test_linear_ceiling_minus6_holds_from_first_sample)
{
  Program *p = program_make (PROG_CLAPS, 48000, 2, 10, 7003, -30.0);
  Measured m = measure_pass (p);
  gchar *props = g_strdup_printf ("mode=linear loudness-target=-25 "
      "max-true-peak=-6 measured-loudness=%.6f measured-true-peak=%.6f",
      m.lufs, m.tp);
  RunCfg cfg = { props, TRUE, 4800, 4800, 0, 0, NULL, NULL, TRUE, 0 };
  RunResult r;
  Ebu head, all;
  guint64 head_frames = p->rate / 10;

  run_loudnorm (p, &cfg, &r);
  assert_no_error (&r);
  assert_timing (&r, p->name);
  head = ebu_measure (r.out, head_frames, r.rate, r.channels, TRUE);
  all = ebu_measure (r.out, r.out_frames, r.rate, r.channels, TRUE);
  g_print ("  linear, max-true-peak -6, gain %+.2f dB: TP first 100 ms %.2f "
      "dBTP, whole %.2f dBTP\n", -25.0 - m.lufs, head.true_peak,
      all.true_peak);
  fail_unless (head.true_peak <= -6.0 + TP_TOLERANCE,
      "first 100 ms of output peak at %.2f dBTP, ceiling -6", head.true_peak);
  fail_unless (all.true_peak <= -6.0 + TP_TOLERANCE,
      "output peaks at %.2f dBTP, ceiling -6", all.true_peak);
  run_free (&r);
  g_free (props);
  program_free (p);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 3. mode=live                                                            */

typedef struct
{
  Ebu out, out_all, out_mid;
  RunResult r;
} LiveOutcome;

static void
live_run (const Program * p, gdouble lookahead_ms, const gchar * extra,
    LiveOutcome * o)
{
  gchar *props = g_strdup_printf ("mode=live loudness-target=%g "
      "max-true-peak=%g lookahead=%g %s", TARGET, CEILING, lookahead_ms,
      extra ? extra : "");
  RunCfg cfg = { props, TRUE, 4800, 4800, 0, 0, NULL, NULL, TRUE, 0 };
  guint64 skip = (guint64) (lookahead_ms * p->rate / 1000.0 + 0.5);
  gsize bad;

  run_loudnorm (p, &cfg, &o->r);
  assert_no_error (&o->r);
  assert_timing (&o->r, p->name);
  fail_unless (all_finite (o->r.out, o->r.out_frames * p->channels, &bad));
  fail_unless (o->r.out_frames > skip);
  o->out = ebu_measure (o->r.out + skip * p->channels,
      o->r.out_frames - skip, p->rate, p->channels, TRUE);
  o->out_all = ebu_measure (o->r.out, o->r.out_frames, p->rate, p->channels,
      TRUE);
  /* for diagnosis: without the last lookahead too (what the EOS drain
   * does to the end shows as the difference) */
  if (o->r.out_frames > 2 * skip)
    o->out_mid = ebu_measure (o->r.out + skip * p->channels,
        o->r.out_frames - 2 * skip, p->rate, p->channels, FALSE);
  else
    o->out_mid.integrated = NAN;
  g_print ("  live   %-28s lookahead %5.0f ms: out I %7.2f LUFS after the "
      "first lookahead (error %+.2f LU; whole %.2f; without the last "
      "lookahead too %.2f)  TP %6.2f dBTP\n",
      p->name, lookahead_ms, o->out.integrated, o->out.integrated - TARGET,
      o->out_all.integrated, o->out_mid.integrated, o->out_all.true_peak);
  g_free (props);
}

static void
live_programme_test (ProgKind kind, gint rate, gint channels, gdouble secs,
    guint64 seed, gdouble in_lufs, gdouble lookahead_ms)
{
  Program *p = program_make (kind, rate, channels, secs, seed, in_lufs);
  LiveOutcome o;

  live_run (p, lookahead_ms, NULL, &o);
  fail_unless (fabs (o.out.integrated - TARGET) <= LIVE_TOLERANCE_LU,
      "%s: live output %.3f LUFS, target %.1f", p->name, o.out.integrated,
      TARGET);
  fail_unless (o.out_all.true_peak <= CEILING + TP_TOLERANCE,
      "%s: live output true peak %.3f dBTP", p->name, o.out_all.true_peak);
  run_free (&o.r);
  program_free (p);
}

GST_START_TEST (test_live_mixed_programme_within_1LU_under_ceiling)
{
  live_programme_test (PROG_MIXED, 48000, 2, 45, 3001, -30.0, 3000);
}

GST_END_TEST;

GST_START_TEST (test_live_quiet_music_plus20dB_within_1LU_under_ceiling)
{
  live_programme_test (PROG_MUSIC, 44100, 2, 40, 3002, TARGET - 20.0, 3000);
}

GST_END_TEST;

GST_START_TEST (test_live_hot_speech_minus10dB_within_1LU_under_ceiling)
{
  live_programme_test (PROG_SPEECH, 48000, 1, 40, 3003, TARGET + 10.0, 1000);
}

GST_END_TEST;

GST_START_TEST (test_live_claps_plus12dB_within_1LU_under_ceiling)
{
  live_programme_test (PROG_CLAPS, 48000, 2, 40, 3004, TARGET - 12.0, 3000);
}

GST_END_TEST;

GST_START_TEST (test_live_51_programme_within_1LU_under_ceiling)
{
  live_programme_test (PROG_MIXED, 48000, 6, 30, 3005, -27.0, 3000);
}

GST_END_TEST;

/* The longest lookahead on a programme: the criterion holds for every
 * allowed lookahead. */
GST_START_TEST (test_live_lookahead_10s_programme_within_1LU_under_ceiling)
{
  live_programme_test (PROG_MIXED, 48000, 2, 30, 3006, -30.0, 10000);
}

GST_END_TEST;

/* At EOS the base class pushes `latency` frames of zeros through to get
 * the held audio out.  Those zeros are not programme: the last lookahead
 * of real audio must get the same gain as the audio before it.  Steady
 * pink noise; the output's last lookahead against the output before it. */
GST_START_TEST (test_live_eos_drain_does_not_boost_the_last_lookahead)
{
  static const gdouble lookaheads[] = { 3000, 10000 };
  Program *p = program_make (PROG_PINK, 48000, 2, 30, 31, -30.0);
  GString *fails = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (lookaheads); i++) {
    LiveOutcome o;
    guint64 la = (guint64) (lookaheads[i] * p->rate / 1000.0 + 0.5);
    guint64 n;
    Ebu body, tail;

    live_run (p, lookaheads[i], NULL, &o);
    n = o.r.out_frames;
    fail_unless (n > 2 * la);
    body = ebu_measure (o.r.out + la * p->channels, n - 2 * la, p->rate,
        p->channels, TRUE);
    tail = ebu_measure (o.r.out + (n - la) * p->channels, la, p->rate,
        p->channels, TRUE);
    g_print ("  lookahead %5.0f ms: output before the last lookahead I %.2f "
        "LUFS TP %.2f dBTP; last lookahead I %.2f LUFS TP %.2f dBTP "
        "(%+.2f LU)\n", lookaheads[i], body.integrated, body.true_peak,
        tail.integrated, tail.true_peak, tail.integrated - body.integrated);
    if (fabs (tail.integrated - body.integrated) > 0.5)
      g_string_append_printf (fails, " [lookahead %.0f ms: the last "
          "lookahead of output is %+.2f LU off the rest]", lookaheads[i],
          tail.integrated - body.integrated);
    run_free (&o.r);
  }
  fail_unless (fails->len == 0, "%s", fails->str);
  g_string_free (fails, TRUE);
  program_free (p);
}

GST_END_TEST;

/* Steady pink noise: after settling the gain barely moves. */
GST_START_TEST (test_live_steady_pink_noise_gain_modulation_below_half_dB)
{
  Program *p = program_make (PROG_PINK, 48000, 2, 40, 2024, -30.0);
  LiveOutcome o;
  GPtrArray *a;
  gdouble gmin = G_MAXDOUBLE, gmax = -G_MAXDOUBLE;
  guint n = 0, with_gain = 0;

  live_run (p, 3000, "interval=100000000", &o);
  a = loudness_structs (&o.r);
  for (guint i = 0; i < a->len; i++) {
    const GstStructure *s = g_ptr_array_index (a, i);
    guint64 ts = 0;
    gboolean final = FALSE;
    gdouble g;
    gst_structure_get_boolean (s, "final", &final);
    if (gst_structure_has_field (s, "gain"))
      with_gain++;
    if (final)
      continue;
    fail_unless (gst_structure_get_uint64 (s, "timestamp", &ts));
    /* from 10 s to the end of the input (messages stamped later describe
     * the zeros of the EOS drain: see test_live_messages_... and
     * test_live_eos_drain_...) */
    if (ts < 10 * GST_SECOND || ts >= frame_time (p->rate, p->frames))
      continue;
    g = sdouble (s, "gain");
    gmin = MIN (gmin, g);
    gmax = MAX (gmax, g);
    n++;
  }
  g_print ("  gain over %u messages from 10 s: %.3f .. %.3f dB, peak-to-peak "
      "%.3f dB (expected about %+.1f)\n", n, gmin, gmax, gmax - gmin,
      TARGET + 30.0);
  fail_unless_equals_int (with_gain, a->len);
  /* 100 ms messages over 30 s */
  fail_unless (n >= 290 && n <= 300, "%u messages from 10 s to 40 s", n);
  fail_unless (gmax - gmin < 0.5, "gain modulation %.3f dB peak-to-peak",
      gmax - gmin);
  fail_unless (fabs (0.5 * (gmin + gmax) - (TARGET + 30.0)) < 1.0,
      "settled gain %.2f dB, expected about %.1f", 0.5 * (gmin + gmax),
      TARGET + 30.0);
  fail_unless (fabs (o.out.integrated - TARGET) <= LIVE_TOLERANCE_LU);
  g_ptr_array_unref (a);
  run_free (&o.r);
  program_free (p);
}

GST_END_TEST;

/* "Every interval of input, and once more just before EOS": the messages
 * carry the output fields, one per interval of INPUT (the zeros that drain
 * the lookahead are not input), timestamps n * interval. */
GST_START_TEST (test_live_messages_one_per_input_interval_with_output_fields)
{
  static const gchar *fields[] = { "output-momentary-loudness",
    "output-shortterm-loudness", "output-integrated-loudness",
    "output-loudness-range", "output-true-peak", "gain", "limiter-reduction",
    "normalization"
  };
  Program *p = program_make (PROG_MUSIC, 48000, 2, 12.5, 77, -26.0);
  LiveOutcome o;
  GPtrArray *a;
  const GstStructure *fin;

  live_run (p, 3000, "interval=1000000000", &o);
  a = loudness_structs (&o.r);
  g_print ("  %u loudness messages for 12.5 s of input, interval 1 s "
      "(expected 12 + 1 final); timestamps:", a->len);
  for (guint i = 0; i < a->len; i++) {
    guint64 ts = 0;
    gst_structure_get_uint64 (g_ptr_array_index (a, i), "timestamp", &ts);
    g_print (" %.1f", ts / 1e9);
  }
  g_print (" s\n");
  for (guint i = 0; i < a->len; i++) {
    const GstStructure *s = g_ptr_array_index (a, i);
    for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
      fail_unless (gst_structure_has_field (s, fields[f]),
          "message %u has no %s", i, fields[f]);
  }
  fail_unless_equals_int (a->len, 13);
  for (guint i = 0; i + 1 < a->len; i++) {
    guint64 ts = 0;
    gst_structure_get_uint64 (g_ptr_array_index (a, i), "timestamp", &ts);
    fail_unless_equals_uint64 (ts, (guint64) i * GST_SECOND);
  }
  fin = final_struct (&o.r);
  fail_unless_equals_string (gst_structure_get_string (fin, "normalization"),
      "dynamic");
  /* the final output-integrated-loudness tells the truth */
  g_print ("  final output-integrated-loudness %.2f LUFS, libebur128 on the "
      "whole output %.2f LUFS\n", sdouble (fin, "output-integrated-loudness"),
      o.out_all.integrated);
  fail_unless (fabs (sdouble (fin, "output-integrated-loudness") -
          o.out_all.integrated) < 0.1);
  g_ptr_array_unref (a);
  run_free (&o.r);
  program_free (p);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 4. timing: sample-exact in every mode, lookahead and rate               */

static const gint rates[] = { 44100, 48000, 96000 };

typedef enum
{
  ALIGN_IDENTICAL,              /* measure: bit-exact */
  ALIGN_EQUAL,                  /* linear at 0 dB: within 1e-6 */
  ALIGN_CONSTANT_GAIN,          /* file: out = G in */
  ALIGN_SMOOTH_GAIN,            /* live: out = g(t) in, g slow */
} Align;

/* Checks that output sample k belongs to input sample k. */
static void
assert_aligned (const Program * p, const RunResult * r, Align align,
    const gchar * what)
{
  const gsize n = (gsize) MIN (r->out_frames, p->frames) * p->channels;
  const gfloat *in = p->data, *out = r->out;
  gdouble maxdiff = 0.0;

  switch (align) {
    case ALIGN_IDENTICAL:
      fail_unless (memcmp (in, out, n * sizeof (gfloat)) == 0,
          "%s: measure mode output is not bit-exact", what);
      g_print ("  aligned %-39s: bit-exact\n", what);
      break;
    case ALIGN_EQUAL:
      for (gsize i = 0; i < n; i++) {
        gdouble d = fabs ((gdouble) out[i] - in[i]);
        if (d > maxdiff)
          maxdiff = d;
      }
      g_print ("  aligned %-39s: max |out - in| %.3g\n", what, maxdiff);
      fail_unless (maxdiff <= 1e-6, "%s: |out - in| up to %g", what, maxdiff);
      break;
    case ALIGN_CONSTANT_GAIN:{
      gdouble xy = 0, xx = 0, g;
      for (gsize i = 0; i < n; i++) {
        xy += (gdouble) out[i] * in[i];
        xx += (gdouble) in[i] * in[i];
      }
      g = xy / xx;
      for (gsize i = 0; i < n; i++) {
        gdouble d = fabs (out[i] - g * in[i]);
        if (d > maxdiff)
          maxdiff = d;
      }
      g_print ("  aligned %-39s: out = %.4f x in, max residual %.3g\n", what,
          g, maxdiff);
      fail_unless (maxdiff <= 1e-5, "%s: output is not %.4f x input at the "
          "same index (residual up to %g)", what, g, maxdiff);
      break;
    }
    case ALIGN_SMOOTH_GAIN:{
      /* blocks of 256 frames: least-squares gain, residual energy */
      const gsize block = 256 * p->channels;
      gdouble worst = 0.0;
      for (gsize b = 0; b + block <= n; b += block) {
        gdouble xy = 0, xx = 0, yy = 0, rr = 0, g;
        for (gsize i = b; i < b + block; i++) {
          xy += (gdouble) out[i] * in[i];
          xx += (gdouble) in[i] * in[i];
          yy += (gdouble) out[i] * out[i];
        }
        if (xx <= 0.0 || yy <= 0.0)
          continue;
        g = xy / xx;
        for (gsize i = b; i < b + block; i++) {
          gdouble d = out[i] - g * in[i];
          rr += d * d;
        }
        /* residual energy against the output's: ~1 when misaligned */
        if (rr / yy > worst)
          worst = rr / yy;
      }
      g_print ("  aligned %-39s: worst relative residual per 256 frames "
          "%.3g\n", what, worst);
      fail_unless (worst < 1e-3, "%s: output is not input x slow gain at the "
          "same index (relative residual %g)", what, worst);
      break;
    }
  }
}

static void
timing_test (const gchar * mode_props, gdouble seconds, Align align,
    const gchar * label)
{
  for (guint i = 0; i < G_N_ELEMENTS (rates); i++) {
    Program *p = program_new (PROG_WHITE, rates[i], 2, seconds, 500 + i);
    gchar *what = g_strdup_printf ("%s @ %d Hz", label, rates[i]);
    /* the stream starts at 1 h + 7 ns, off the frame grid */
    RunCfg cfg = { mode_props, TRUE, 1, 10000, 1000 + i, 0, NULL, NULL,
      TRUE, 3600 * GST_SECOND + 7
    };
    RunResult r;

    /* white noise, peaks at -12 dBFS (-7.7 dBTP), about -10.7 LUFS: under
     * the ceiling at the gains these modes choose (0 dB or less) */
    if (align == ALIGN_CONSTANT_GAIN)
      cfg.upstream_live = FALSE;
    run_loudnorm (p, &cfg, &r);
    assert_no_error (&r);
    assert_timing (&r, what);
    if (g_str_has_prefix (mode_props, "mode=live")) {
      gdouble la = get_double (r.h->element, "lookahead");
      guint64 expect = frame_time (rates[i],
          (guint64) (la * rates[i] / 1000.0 + 0.5) +
          (guint64) (5.0 * rates[i] / 1000.0 + 0.5));
      g_print ("  latency %-39s: %" G_GUINT64_FORMAT " ns (lookahead + 5 ms: "
          "%" G_GUINT64_FORMAT " ns)\n", what, r.latency, expect);
      fail_unless (GST_CLOCK_TIME_IS_VALID (r.latency));
      /* the limiter's detector adds a few frames to its 5 ms */
      fail_unless (llabs ((gint64) r.latency - (gint64) expect) <=
          (gint64) GST_MSECOND, "latency %" G_GUINT64_FORMAT
          " ns, lookahead + 5 ms is %" G_GUINT64_FORMAT, r.latency, expect);
    }
    assert_aligned (p, &r, align, what);
    run_free (&r);
    g_free (what);
    program_free (p);
  }
}

GST_START_TEST (test_timing_sample_exact_measure_all_rates)
{
  timing_test ("mode=measure", 6, ALIGN_IDENTICAL, "measure");
}

GST_END_TEST;

GST_START_TEST (test_timing_sample_exact_live_lookahead_100ms_all_rates)
{
  timing_test ("mode=live lookahead=100", 6, ALIGN_SMOOTH_GAIN,
      "live lookahead 100");
}

GST_END_TEST;

GST_START_TEST (test_timing_sample_exact_live_lookahead_3000ms_all_rates)
{
  timing_test ("mode=live lookahead=3000", 8, ALIGN_SMOOTH_GAIN,
      "live lookahead 3000");
}

GST_END_TEST;

GST_START_TEST (test_timing_sample_exact_live_lookahead_10000ms_all_rates)
{
  timing_test ("mode=live lookahead=10000", 13, ALIGN_SMOOTH_GAIN,
      "live lookahead 10000");
}

GST_END_TEST;

/* gain 0 dB (measured-loudness = target): output == input at each index */
GST_START_TEST (test_timing_sample_exact_linear_gain0_output_equals_input)
{
  timing_test ("mode=linear loudness-target=-23 measured-loudness=-23 "
      "measured-true-peak=-12", 6, ALIGN_EQUAL, "linear 0 dB");
}

GST_END_TEST;

GST_START_TEST (test_timing_sample_exact_file_all_rates)
{
  timing_test ("mode=file", 6, ALIGN_CONSTANT_GAIN, "file");
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* 5. bad input                                                            */

typedef struct
{
  guint planted;
  guint64 next;                 /* frame of the next NaN/Inf */
} NonfiniteCtx;

/* a NaN, +Inf or -Inf every 0.5 s, from 2 s on */
static void
plant_nonfinite (GstBuffer * buf, guint64 first, gint channels, gpointer data)
{
  NonfiniteCtx *ctx = data;
  gsize frames = gst_buffer_get_size (buf) / (sizeof (gfloat) * channels);
  GstMapInfo map;

  if (ctx->next >= first + frames)
    return;
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  while (ctx->next < first + frames) {
    static const gfloat bad[3] = { NAN, INFINITY, -INFINITY };
    ((gfloat *) map.data)[(ctx->next - first) * channels +
        ctx->planted % channels] = bad[ctx->planted % 3];
    ctx->planted++;
    ctx->next += 24000;
  }
  gst_buffer_unmap (buf, &map);
}

/* NaN/Inf: one WARNING naming them, counted in nonfinite-samples, never in
 * the output, and they do not move the result: the output loudness is
 * that of the same run without them (and on target for linear and file). */
GST_START_TEST (test_bad_nonfinite_samples_warned_output_finite_unchanged)
{
  static const gchar *modes[] = { "mode=live lookahead=1000",
    "mode=linear measured-loudness=-30 measured-true-peak=-14", "mode=file"
  };
  Program *p = program_make (PROG_MUSIC, 48000, 2, 20, 666, -30.0);
  GString *fails = g_string_new (NULL);

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++) {
    NonfiniteCtx ctx = { 0, 2 * 48000 };
    RunCfg clean_cfg = { modes[m], m != 2, 4800, 4800, 0, 0, NULL, NULL,
      TRUE, 0
    };
    RunCfg cfg = clean_cfg;
    RunResult r;
    guint64 nonfinite = 0;
    gsize bad = 0;
    gboolean finite;
    Ebu e, clean;
    gchar *w;

    run_loudnorm (p, &clean_cfg, &r);
    assert_no_error (&r);
    clean = ebu_measure (r.out, r.out_frames, r.rate, r.channels, TRUE);
    run_free (&r);

    cfg.mangle = plant_nonfinite;
    cfg.mangle_data = &ctx;
    run_loudnorm (p, &cfg, &r);
    g_object_get (r.h->element, "nonfinite-samples", &nonfinite, NULL);
    finite = all_finite (r.out, r.out_frames * r.channels, &bad);
    e = ebu_measure (r.out, r.out_frames, r.rate, r.channels, TRUE);
    g_print ("  %-58s: %u planted, nonfinite-samples %" G_GUINT64_FORMAT
        ", output %s, I %.2f LUFS (without NaN/Inf %.2f), TP %.2f dBTP\n",
        modes[m], ctx.planted, nonfinite, finite ? "finite" : "NOT FINITE",
        e.integrated, clean.integrated, e.true_peak);
    print_messages (&r, "messages");
    assert_no_error (&r);
    assert_timing (&r, modes[m]);
    fail_unless (finite, "%s: non-finite output at sample %" G_GSIZE_FORMAT,
        modes[m], bad);
    fail_unless_equals_uint64 (nonfinite, ctx.planted);
    w = first_text (&r, GST_MESSAGE_WARNING);
    fail_unless (w && strstr (w, "NaN"), "%s: no NaN warning", modes[m]);
    g_free (w);
    fail_unless_equals_int (count_type (&r, GST_MESSAGE_WARNING), 1);
    if (fabs (e.integrated - clean.integrated) > 0.05)
      g_string_append_printf (fails, " [%s: %.2f LUFS with NaN/Inf, %.2f "
          "without]", modes[m], e.integrated, clean.integrated);
    if (m > 0 && fabs (e.integrated - TARGET) > 0.1)
      g_string_append_printf (fails, " [%s: %.2f LUFS, target %.1f]",
          modes[m], e.integrated, TARGET);
    if (e.true_peak > CEILING + TP_TOLERANCE)
      g_string_append_printf (fails, " [%s: TP %.2f dBTP]", modes[m],
          e.true_peak);
    run_free (&r);
  }
  fail_unless (fails->len == 0, "%s", fails->str);
  g_string_free (fails, TRUE);
  program_free (p);
}

GST_END_TEST;

GST_START_TEST (test_bad_zero_length_buffers_every_mode)
{
  static const gchar *modes[] = { "mode=measure", "mode=live lookahead=500",
    "mode=linear measured-loudness=-23", "mode=file"
  };
  Program *p = program_new (PROG_WHITE, 48000, 2, 3, 42);

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++) {
    RunCfg cfg = { modes[m], m != 3, 1, 5000, 99, 3, NULL, NULL, TRUE, 0 };
    RunResult r;
    run_loudnorm (p, &cfg, &r);
    print_messages (&r, modes[m]);
    assert_no_error (&r);
    assert_timing (&r, modes[m]);
    fail_unless_equals_int (count_type (&r, GST_MESSAGE_WARNING), 0);
    run_free (&r);
  }
  program_free (p);
}

GST_END_TEST;

GST_START_TEST (test_bad_linear_without_measured_values_warns_passes_unity)
{
  Program *p = program_make (PROG_MUSIC, 48000, 2, 5, 13, -30.0);
  RunCfg cfg = { "mode=linear", TRUE, 1000, 1000, 0, 0, NULL, NULL, TRUE,
    0
  };
  RunResult r;
  const GstStructure *fin;
  gchar *w;

  run_loudnorm (p, &cfg, &r);
  print_messages (&r, "mode=linear, no measured-loudness");
  assert_no_error (&r);
  assert_timing (&r, "linear without measured values");
  w = first_text (&r, GST_MESSAGE_WARNING);
  fail_unless (w != NULL, "no WARNING for mode=linear without measured "
      "values");
  fail_unless (strstr (w, "measured-loudness") != NULL,
      "the warning does not name measured-loudness: %s", w);
  g_free (w);
  fin = final_struct (&r);
  g_print ("  final normalization %s, gain %.2f dB\n",
      gst_structure_get_string (fin, "normalization"), sdouble (fin, "gain"));
  fail_unless_equals_string (gst_structure_get_string (fin, "normalization"),
      "none");
  assert_aligned (p, &r, ALIGN_EQUAL, "linear, no measured values");
  run_free (&r);
  program_free (p);
}

GST_END_TEST;

GST_START_TEST (test_bad_file_behind_live_source_errors)
{
  Program *p = program_new (PROG_WHITE, 48000, 2, 2, 7);
  /* upstream_live = TRUE: the harness answers LATENCY live=TRUE */
  RunCfg cfg = { "mode=file", TRUE, 4800, 4800, 0, 0, NULL, NULL, TRUE,
    0
  };
  RunResult r;
  gchar *e;

  run_loudnorm (p, &cfg, &r);
  print_messages (&r, "mode=file behind a live source");
  g_print ("  flow %s at input frame %" G_GUINT64_FORMAT "\n",
      gst_flow_get_name (r.flow), r.flow_frame);
  fail_unless_equals_int (r.flow, GST_FLOW_ERROR);
  fail_unless_equals_uint64 (r.flow_frame, 0);
  fail_unless_equals_int (count_type (&r, GST_MESSAGE_ERROR), 1);
  e = first_text (&r, GST_MESSAGE_ERROR);
  fail_unless (strstr (e, "live") != NULL, "error does not say why: %s", e);
  g_free (e);
  run_free (&r);
  program_free (p);
}

GST_END_TEST;

GST_START_TEST (test_bad_file_unwritable_tmpdir_errors)
{
  Program *p = program_new (PROG_WHITE, 48000, 2, 2, 8);
  RunCfg cfg = { "mode=file", FALSE, 4800, 4800, 0, 0, NULL, NULL, TRUE,
    0
  };
  const gchar *dir = "/nonexistent-mixmaster-tmpdir/sub";
  RunResult r;
  gchar *e;

  /* GLib caches the temporary folder at its first use; this test must be
   * the first user in its process (check forks each test by default) */
  g_setenv ("TMPDIR", dir, TRUE);
  fail_unless_equals_string (g_get_tmp_dir (), dir);
  run_loudnorm (p, &cfg, &r);
  print_messages (&r, "mode=file, TMPDIR unusable");
  g_print ("  flow %s at input frame %" G_GUINT64_FORMAT "\n",
      gst_flow_get_name (r.flow), r.flow_frame);
  fail_unless_equals_int (r.flow, GST_FLOW_ERROR);
  fail_unless_equals_int (count_type (&r, GST_MESSAGE_ERROR), 1);
  e = first_text (&r, GST_MESSAGE_ERROR);
  fail_unless (strstr (e, "temporary") != NULL, "unclear error: %s", e);
  g_free (e);
  run_free (&r);
  program_free (p);
}

GST_END_TEST;

/* Out-of-range, NaN and infinite values are refused (GLib warns) and the
 * element keeps its value. */
GST_START_TEST (test_bad_absurd_property_values_refused)
{
  static const struct
  {
    const gchar *name;
    gdouble value;
  } bad[] = {
    {"loudness-target", NAN}, {"loudness-target", 10.0},
    {"loudness-target", -INFINITY}, {"loudness-target", -200.0},
    {"max-true-peak", NAN}, {"max-true-peak", 6.0}, {"max-true-peak", -50.0},
    {"loudness-range-target", 0.0}, {"loudness-range-target", NAN},
    {"lookahead", 0.0}, {"lookahead", 1e9}, {"lookahead", NAN},
    {"measured-loudness", NAN}, {"measured-loudness", 50.0},
    {"measured-true-peak", INFINITY}, {"measured-range", -5.0},
    {"offset", 100.0}, {"offset", NAN},
  };
  GstElement *e = gst_element_factory_make ("loudnorm", NULL);

  fail_unless (e != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    gdouble before = get_double (e, bad[i].name), after;
    ASSERT_WARNING (g_object_set (e, bad[i].name, bad[i].value, NULL));
    after = get_double (e, bad[i].name);
    g_print ("  %s = %g refused (stays %g)\n", bad[i].name, bad[i].value,
        after);
    fail_unless (after == before, "%s took %g", bad[i].name, after);
  }
  ASSERT_WARNING (g_object_set (e, "interval", (guint64) 0, NULL));
  ASSERT_WARNING (g_object_set (e, "mode", 17, NULL));
  gst_object_unref (e);
}

GST_END_TEST;

/* Extreme but valid settings: no crash, finite output, the ceiling holds. */
GST_START_TEST (test_bad_extreme_valid_settings_no_crash_ceiling_holds)
{
  static const gchar *cases[] = {
    "mode=live loudness-target=0 max-true-peak=-9 offset=40 lookahead=100 "
        "loudness-range-target=1 interval=10000000",
    "mode=live loudness-target=-70 offset=-40 lookahead=10000",
    "mode=linear loudness-target=0 max-true-peak=-9 offset=40 "
        "measured-loudness=-70 measured-true-peak=30",
    "mode=linear loudness-target=-70 offset=-40 measured-loudness=10 "
        "measured-true-peak=-99",
    "mode=file loudness-target=0 max-true-peak=-9 offset=40",
    "mode=file loudness-target=-70 max-true-peak=0 offset=-40",
  };
  Program *p = program_make (PROG_CLAPS, 48000, 2, 12, 999, -30.0);
  GString *fails = g_string_new (NULL);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    RunCfg cfg = { cases[c], !g_str_has_prefix (cases[c], "mode=file"),
      1, 10000, 5 + c, 0, NULL, NULL, TRUE, 0
    };
    RunResult r;
    gdouble ceiling = strstr (cases[c], "max-true-peak=-9") ? -9.0 :
        strstr (cases[c], "max-true-peak=0") ? 0.0 : CEILING;
    gsize bad = 0;
    gboolean finite;
    Ebu e;

    run_loudnorm (p, &cfg, &r);
    finite = all_finite (r.out, r.out_frames * r.channels, &bad);
    e = ebu_measure (r.out, r.out_frames, r.rate, r.channels, TRUE);
    g_print ("  %s\n    -> out I %.2f LUFS, TP %.2f dBTP (ceiling %.0f), "
        "%s\n", cases[c], e.integrated, e.true_peak, ceiling,
        finite ? "finite" : "NOT FINITE");
    print_messages (&r, "messages");
    assert_no_error (&r);
    assert_timing (&r, "extreme settings");
    fail_unless (finite, "non-finite output");
    if (e.true_peak > ceiling + TP_TOLERANCE)
      g_string_append_printf (fails, " [%s: true peak %.2f dBTP over %.0f]",
          cases[c], e.true_peak, ceiling);
    run_free (&r);
  }
  fail_unless (fails->len == 0, "%s", fails->str);
  g_string_free (fails, TRUE);
  program_free (p);
}

GST_END_TEST;

/* mode=file when the goal (target + offset) is more than 60 dB from the
 * input: whatever the element does (clamp, refuse), it must not pass the
 * audio at unity gain while saying normalization=linear and nothing else. */
GST_START_TEST (test_bad_file_gain_beyond_60dB_not_silently_unity)
{
  static const struct
  {
    gdouble in_lufs;
    const gchar *props;
    gdouble goal;
  } cases[] = {
    {-65.0, "mode=file loudness-target=0", 0.0},        /* needs +65 dB */
    {-30.0, "mode=file loudness-target=-70 offset=-40", -110.0}, /* -80 */
  };
  GString *fails = g_string_new (NULL);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    Program *p = program_make (PROG_MUSIC, 48000, 2, 10, 60 + c,
        cases[c].in_lufs);
    RunCfg cfg = { cases[c].props, FALSE, 4800, 4800, 0, 0, NULL, NULL, TRUE,
      0
    };
    RunResult r;
    const GstStructure *fin;
    const gchar *norm;
    Ebu e;
    gboolean on_goal, told;

    run_loudnorm (p, &cfg, &r);
    assert_no_error (&r);
    assert_timing (&r, cases[c].props);
    e = ebu_measure (r.out, r.out_frames, r.rate, r.channels, TRUE);
    fin = final_struct (&r);
    norm = gst_structure_get_string (fin, "normalization");
    g_print ("  %s, input %.0f LUFS (needs %+.0f dB): out I %.2f LUFS, TP "
        "%.2f dBTP, final gain %+.2f dB, normalization %s\n",
        cases[c].props, cases[c].in_lufs, cases[c].goal - cases[c].in_lufs,
        e.integrated, e.true_peak, sdouble (fin, "gain"), norm);
    print_messages (&r, "messages");
    /* -inf (everything under the gate) counts as on the way down */
    on_goal = fabs (e.integrated - cases[c].goal) <= 1.0 ||
        (cases[c].goal < -70.0 && !(e.integrated > -70.0));
    told = count_type (&r, GST_MESSAGE_WARNING) > 0 ||
        g_strcmp0 (norm, "linear") != 0;
    if (!on_goal && !told)
      g_string_append_printf (fails, " [%s, input %.0f LUFS: output %.2f "
          "LUFS, goal %.0f, yet normalization=%s and no WARNING]",
          cases[c].props, cases[c].in_lufs, e.integrated, cases[c].goal,
          norm);
    if (fabs (e.integrated - cases[c].in_lufs) < 1.0)
      g_string_append_printf (fails, " [%s: output %.2f LUFS = input: no "
          "gain applied at all]", cases[c].props, e.integrated);
    run_free (&r);
    program_free (p);
  }
  fail_unless (fails->len == 0, "%s", fails->str);
  g_string_free (fails, TRUE);
}

GST_END_TEST;

static Suite *
loudnorm_modes_suite (void)
{
  Suite *s = suite_create ("loudnorm-modes");
  TCase *tc_file = tcase_create ("file");
  TCase *tc_linear = tcase_create ("linear");
  TCase *tc_live = tcase_create ("live");
  TCase *tc_timing = tcase_create ("timing");
  TCase *tc_bad = tcase_create ("bad-input");

  tcase_set_timeout (tc_file, 120);
  tcase_set_timeout (tc_linear, 120);
  tcase_set_timeout (tc_live, 120);
  tcase_set_timeout (tc_timing, 120);
  tcase_set_timeout (tc_bad, 120);
  suite_add_tcase (s, tc_file);
  suite_add_tcase (s, tc_linear);
  suite_add_tcase (s, tc_live);
  suite_add_tcase (s, tc_timing);
  suite_add_tcase (s, tc_bad);

  tcase_add_test (tc_file,
      test_file_stereo_44k1_programme_hits_target_under_ceiling);
  tcase_add_test (tc_file,
      test_file_stereo_48k_programme_hits_target_under_ceiling);
  tcase_add_test (tc_file,
      test_file_stereo_96k_programme_hits_target_under_ceiling);
  tcase_add_test (tc_file, test_file_mono_speech_hits_target_under_ceiling);
  tcase_add_test (tc_file, test_file_51_programme_hits_target_under_ceiling);
  tcase_add_test (tc_file, test_file_quiet_programme_plus20dB_hits_target);
  tcase_add_test (tc_file, test_file_hot_programme_minus10dB_hits_target);
  tcase_add_test (tc_file,
      test_file_hard_limiting_plus12dB_hits_target_under_ceiling);

  tcase_add_test (tc_linear,
      test_linear_target_change_while_playing_is_click_free);
  tcase_add_test (tc_linear, test_album_linear_same_gain_album_on_target);
  tcase_add_test (tc_linear,
      test_linear_from_measure_pass_hits_target_unlimited);
  tcase_add_test (tc_linear,
      test_linear_limited_says_linear_limited_and_output_loudness);
  tcase_add_test (tc_linear,
      test_linear_ceiling_minus6_holds_from_first_sample);

  tcase_add_test (tc_live, test_live_mixed_programme_within_1LU_under_ceiling);
  tcase_add_test (tc_live,
      test_live_quiet_music_plus20dB_within_1LU_under_ceiling);
  tcase_add_test (tc_live,
      test_live_hot_speech_minus10dB_within_1LU_under_ceiling);
  tcase_add_test (tc_live, test_live_claps_plus12dB_within_1LU_under_ceiling);
  tcase_add_test (tc_live, test_live_51_programme_within_1LU_under_ceiling);
  tcase_add_test (tc_live,
      test_live_lookahead_10s_programme_within_1LU_under_ceiling);
  tcase_add_test (tc_live,
      test_live_eos_drain_does_not_boost_the_last_lookahead);
  tcase_add_test (tc_live,
      test_live_steady_pink_noise_gain_modulation_below_half_dB);
  tcase_add_test (tc_live,
      test_live_messages_one_per_input_interval_with_output_fields);

  tcase_add_test (tc_timing, test_timing_sample_exact_measure_all_rates);
  tcase_add_test (tc_timing,
      test_timing_sample_exact_live_lookahead_100ms_all_rates);
  tcase_add_test (tc_timing,
      test_timing_sample_exact_live_lookahead_3000ms_all_rates);
  tcase_add_test (tc_timing,
      test_timing_sample_exact_live_lookahead_10000ms_all_rates);
  tcase_add_test (tc_timing,
      test_timing_sample_exact_linear_gain0_output_equals_input);
  tcase_add_test (tc_timing, test_timing_sample_exact_file_all_rates);

  tcase_add_test (tc_bad,
      test_bad_nonfinite_samples_warned_output_finite_unchanged);
  tcase_add_test (tc_bad, test_bad_zero_length_buffers_every_mode);
  tcase_add_test (tc_bad,
      test_bad_linear_without_measured_values_warns_passes_unity);
  tcase_add_test (tc_bad, test_bad_file_behind_live_source_errors);
  tcase_add_test (tc_bad, test_bad_file_unwritable_tmpdir_errors);
  tcase_add_test (tc_bad, test_bad_absurd_property_values_refused);
  tcase_add_test (tc_bad,
      test_bad_extreme_valid_settings_no_crash_ceiling_holds);
  tcase_add_test (tc_bad, test_bad_file_gain_beyond_60dB_not_silently_unity);

  return s;
}

/* GST_CHECK_MAIN, with GST_PLUGIN_LOADING_WHITELIST unset first (see
 * tests/check/elements/loudnorm.c). */
int
main (int argc, char **argv)
{
  Suite *s;

  g_unsetenv ("GST_PLUGIN_LOADING_WHITELIST");
  gst_check_init (&argc, &argv);
  s = loudnorm_modes_suite ();
  return gst_check_run_suite (s, "loudnorm_modes", __FILE__);
}
