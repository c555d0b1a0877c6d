/* strip: mixing channel strip (see strip.h).
 *
 * The stream is cut into chunks of CHUNK frames counted from the start of
 * the stream (a call's first chunk ends at the next multiple of CHUNK),
 * and every decision -- EQ re-design while a band glides, which sections
 * and whether the compressor run, denormal flushing -- is taken per
 * chunk: any split of the stream into calls gives the same output.
 *
 * Per chunk of n frames:
 *
 *   load       x = polarity * in (non-finite in taken as 0, |in|
 *              clamped to 1e6), into the
 *              planar double buffers a (left or mono) and b (right);
 *              polarity is a smoother between +1 and -1, so a phase flip
 *              fades through zero instead of stepping; +1 is not applied.
 *              A stereo strip at a steady polarity (+-1: exact in float)
 *              loads straight into x, and its filters run there
 *              (mm_biquad_cascade_process_stereo_f32: the same double
 *              cascade, bit for bit, without the planes).
 *   filters    up to four biquads, one mm_biquad_cascade_process(_x2)
 *              over the sections that are on: high-pass (RBJ, Q 1/sqrt 2,
 *              on when hpf_hz > 0), low shelf 100 Hz, bell (Q 0.7), high
 *              shelf 10 kHz (on while their gain is not 0 dB or gliding).
 *              EQ gains and the mid frequency glide (mm_smoother,
 *              PARAM_RAMP_MS), re-designed once per chunk while they do.
 *              A band back at 0 dB runs on until its output equals its
 *              input to SETTLED (relative), then is skipped.
 *              A band switched back on takes the signal at its input as
 *              its state (an identity section's state: x = y), so it
 *              starts without a transient; the high-pass starts from rest.
 *   to float   x = (float) filtered, interleaved (mono: one channel)
 *              (already so on the float path).
 *   compressor mm_compressor_process_f32 on x in place, one call per
 *              chunk (the chunk grid is its block grid), while on: ratio
 *              != 1 or make-up; after it is switched off it runs
 *              COMP_TAIL_MS more and until its reduction is under
 *              COMP_OFF_DB, so its glide back to unity completes before
 *              it is skipped.
 *   output     panned = x * pan gain per channel (mm_pan gains, float),
 *              post = fader * duck * mute (three smoothers); when post is
 *              constant the bus gets mm_vector_add_scaled_f32 (out,
 *              panned, post), else a per-frame loop.  Post-fader sends add
 *              panned * post * level, pre-fader sends x * mute *
 *              level; a gain that is constant 0 adds nothing.
 *   meters     peak and sum of squares of what was added to the bus, per
 *              channel, since the last read.
 *
 * mm_strip_process_multi_f32 runs strips on the same chunk grid chunk by
 * chunk, stage by stage: every strip's load and filters, then their
 * compressors side by side (mm_compressor_process_multi_f32: what one
 * call each gives), then every strip's output in order, so each send
 * sample gets the strips' contributions in the order one strip after the
 * other gives them.
 *
 * State: polarity, fader, mute, duck, two send and four EQ smoothers, the
 * pan, the compressor and its on/tail state, four biquad states per
 * channel and which sections ran last chunk, the last two loaded samples
 * per channel (hist), the stream position, the meters.  No latency.
 */
#include "strip.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "smooth.h"
#include "vector.h"

#define CHUNK 128
#define COMP_GRID CHUNK
#define PARAM_RAMP_MS 20.0
#define COMP_TAIL_MS 100.0
#define COMP_OFF_DB 1e-9
#define SETTLED 1e-9
#define SHELF_Q 0.70710678118654752
#define HPF_Q 0.70710678118654752
#define MID_Q 0.7
#define LOW_SHELF_HZ 100.0
#define HIGH_SHELF_HZ 10000.0

enum
{ SEC_HPF, SEC_LOW, SEC_MID, SEC_HIGH, SECTIONS };

struct mm_strip
{
  unsigned rate, channels;
  mm_strip_params p;

  mm_smoother *polarity, *fader, *mute, *duck, *send[2];
  mm_smoother *eq_low, *eq_mid_freq, *eq_mid, *eq_high;
  mm_pan *pan;
  mm_compressor *comp;
  int comp_running;
  uint64_t comp_tail;
  double gr_now, gr_max;

  mm_biquad_coeffs co[SECTIONS];
  mm_biquad_state st[2][SECTIONS];
  int was_on[SECTIONS];
  double hist[2][2];            /* last two loaded samples: [ch][0] newest */
  int f32_loaded;               /* this chunk was loaded into x (float path) */
  uint64_t pos;

  double peak[2], sumsq[2];
  uint64_t count;
  double key;                   /* side-chain peak since the last read */

  /* Scratch of one chunk. */
  double a[CHUNK], b[CHUNK];
  float x[2 * CHUNK];           /* the filtered signal, interleaved */
  float pol[CHUNK], fad[CHUNK], mut[CHUNK], dck[CHUNK], snd[2][CHUNK];
  float panl[CHUNK], panr[CHUNK], post[CHUNK], eqs[CHUNK];
  float panned[2 * CHUNK], pre[2 * CHUNK];
};

void
mm_strip_params_default (mm_strip_params * p)
{
  if (!p)
    return;
  memset (p, 0, sizeof (*p));
  p->phase_invert = 0;
  p->hpf_hz = 0.0;
  p->eq_low_gain_db = 0.0;
  p->eq_mid_freq_hz = 1000.0;
  p->eq_mid_gain_db = 0.0;
  p->eq_high_gain_db = 0.0;
  mm_compressor_params_default (&p->comp);
  p->comp.ratio = 1.0;
  p->gain_db = 0.0;
  p->mute = 0;
  p->pan_law = MM_PAN_LAW_DEFAULT;
  p->pan = 0.0;
  p->send_db[0] = p->send_db[1] = -HUGE_VAL;
  p->send_pre[0] = p->send_pre[1] = 0;
  p->duck_attack_ms = 20.0;
  p->duck_release_ms = 500.0;
}

static int
in_range (double v, double lo, double hi)
{
  return v >= lo && v <= hi;    /* false for NaN */
}

static int
comp_wanted (const mm_compressor_params * c)
{
  return c->ratio != 1.0 || c->makeup_db != 0.0 || c->auto_makeup;
}

static double
send_linear (double db)
{
  return db < MM_STRIP_SEND_OFF_DB ? 0.0 : mm_db_to_linear (db);
}

static double
mid_freq (const mm_strip * s, double f)
{
  return fmin (f, 0.45 * s->rate);
}

mm_strip *
mm_strip_new (unsigned rate, unsigned in_channels)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX
      || (in_channels != 1 && in_channels != 2))
    return NULL;
  mm_strip *s = calloc (1, sizeof (*s));
  if (!s)
    return NULL;
  s->rate = rate;
  s->channels = in_channels;
  mm_strip_params_default (&s->p);

  if (!(s->polarity = mm_smoother_new (rate, PARAM_RAMP_MS, 1.0)))
    goto fail;
  if (!(s->fader = mm_smoother_new (rate, PARAM_RAMP_MS, 1.0)))
    goto fail;
  if (!(s->mute = mm_smoother_new (rate, PARAM_RAMP_MS, 1.0)))
    goto fail;
  if (!(s->duck = mm_smoother_new (rate, PARAM_RAMP_MS, 1.0)))
    goto fail;
  for (int k = 0; k < 2; k++)
    if (!(s->send[k] = mm_smoother_new (rate, PARAM_RAMP_MS, 0.0)))
      goto fail;
  if (!(s->eq_low = mm_smoother_new (rate, PARAM_RAMP_MS, 0.0)))
    goto fail;
  if (!(s->eq_mid_freq = mm_smoother_new (rate, PARAM_RAMP_MS,
              s->p.eq_mid_freq_hz)))
    goto fail;
  if (!(s->eq_mid = mm_smoother_new (rate, PARAM_RAMP_MS, 0.0)))
    goto fail;
  if (!(s->eq_high = mm_smoother_new (rate, PARAM_RAMP_MS, 0.0)))
    goto fail;
  if (!(s->pan = mm_pan_new (rate, in_channels)))
    goto fail;
  if (!(s->comp = mm_compressor_new (rate, in_channels)))
    goto fail;
  if (mm_compressor_set_params (s->comp, &s->p.comp) != MM_OK)
    goto fail;
  mm_compressor_reset (s->comp);
  for (int k = 0; k < SECTIONS; k++)
    mm_biquad_identity (&s->co[k]);
  return s;

fail:
  mm_strip_free (&s);
  return NULL;
}

void
mm_strip_free (mm_strip ** ps)
{
  if (!ps || !*ps)
    return;
  mm_strip *s = *ps;
  mm_smoother_free (&s->polarity);
  mm_smoother_free (&s->fader);
  mm_smoother_free (&s->mute);
  mm_smoother_free (&s->duck);
  mm_smoother_free (&s->send[0]);
  mm_smoother_free (&s->send[1]);
  mm_smoother_free (&s->eq_low);
  mm_smoother_free (&s->eq_mid_freq);
  mm_smoother_free (&s->eq_mid);
  mm_smoother_free (&s->eq_high);
  mm_pan_free (&s->pan);
  mm_compressor_free (&s->comp);
  free (s);
  *ps = NULL;
}

static void
settle (mm_smoother * sm)
{
  mm_smoother_set_value (sm, mm_smoother_get_target (sm));
}

int
mm_strip_reset (mm_strip * s)
{
  if (!s)
    return MM_ERR_INVALID;
  settle (s->polarity);
  settle (s->fader);
  settle (s->mute);
  settle (s->duck);
  settle (s->send[0]);
  settle (s->send[1]);
  settle (s->eq_low);
  settle (s->eq_mid_freq);
  settle (s->eq_mid);
  settle (s->eq_high);
  mm_pan_reset (s->pan);
  mm_compressor_reset (s->comp);
  s->comp_running = comp_wanted (&s->p.comp);
  s->comp_tail = 0;
  s->gr_now = s->gr_max = 0.0;
  for (int ch = 0; ch < 2; ch++) {
    for (int k = 0; k < SECTIONS; k++)
      mm_biquad_reset (&s->st[ch][k]);
    s->hist[ch][0] = s->hist[ch][1] = 0.0;
    s->peak[ch] = s->sumsq[ch] = 0.0;
  }
  s->key = 0.0;
  memset (s->was_on, 0, sizeof (s->was_on));
  s->pos = 0;
  s->count = 0;
  return MM_OK;
}

int
mm_strip_set_params (mm_strip * s, const mm_strip_params * p)
{
  if (!s || !p)
    return MM_ERR_INVALID;
  if (!(p->hpf_hz == 0.0 || in_range (p->hpf_hz, 10.0, 1000.0))
      || !in_range (p->eq_low_gain_db, -24.0, 24.0)
      || !in_range (p->eq_mid_freq_hz, 20.0, 20000.0)
      || !in_range (p->eq_mid_gain_db, -24.0, 24.0)
      || !in_range (p->eq_high_gain_db, -24.0, 24.0)
      || !in_range (p->gain_db, MM_STRIP_GAIN_MIN_DB, MM_STRIP_GAIN_MAX_DB)
      || !in_range (p->pan, -1.0, 1.0)
      || !in_range (p->duck_attack_ms, 1.0, 5000.0)
      || !in_range (p->duck_release_ms, 10.0, 10000.0)
      || mm_pan_law_gains (p->pan_law, 1, 0.0, &(double) { 0 },
          &(double) { 0 }) != MM_OK)
    return MM_ERR_INVALID;
  for (int k = 0; k < 2; k++)
    if (!(p->send_db[k] <= MM_STRIP_SEND_MAX_DB))      /* NaN too */
      return MM_ERR_INVALID;

  /* The compressor last: it validates its own parameters.  When it is
   * not running its state is stale: clear it first, so it glides from
   * its off settings to the new ones. */
  int was_running = s->comp_running;
  if (!was_running)
    mm_compressor_reset (s->comp);
  if (mm_compressor_set_params (s->comp, &p->comp) != MM_OK)
    return MM_ERR_INVALID;
  if (comp_wanted (&p->comp))
    s->comp_running = 1;
  else if (was_running)
    s->comp_tail = (uint64_t) (COMP_TAIL_MS * 0.001 * s->rate);

  if (p->hpf_hz > 0.0 && p->hpf_hz != s->p.hpf_hz)
    mm_biquad_design (&s->co[SEC_HPF], MM_BIQUAD_HIGHPASS, s->rate,
        p->hpf_hz, HPF_Q, 0.0);

  mm_smoother_set_target (s->polarity, p->phase_invert ? -1.0 : 1.0);
  mm_smoother_set_target (s->eq_low, p->eq_low_gain_db);
  mm_smoother_set_target (s->eq_mid_freq, p->eq_mid_freq_hz);
  mm_smoother_set_target (s->eq_mid, p->eq_mid_gain_db);
  mm_smoother_set_target (s->eq_high, p->eq_high_gain_db);
  mm_smoother_set_target (s->fader, mm_db_to_linear (p->gain_db));
  mm_smoother_set_target (s->mute, p->mute ? 0.0 : 1.0);
  for (int k = 0; k < 2; k++)
    mm_smoother_set_target (s->send[k], send_linear (p->send_db[k]));
  mm_pan_set_law (s->pan, p->pan_law);
  mm_pan_set_position (s->pan, p->pan);
  s->p = *p;
  return MM_OK;
}

int
mm_strip_set_duck (mm_strip * s, double duck_db)
{
  if (!s || isnan (duck_db))
    return MM_ERR_INVALID;
  double g = duck_db < MM_STRIP_GAIN_MIN_DB ? 0.0
      : mm_db_to_linear (fmin (duck_db, 0.0));
  if (g == mm_smoother_get_target (s->duck))
    return MM_OK;               /* keep the ramp under way */
  /* Down at the attack rate, up at the release rate: the ramp's length is
   * chosen before it starts. */
  mm_smoother_set_ramp (s->duck, g < mm_smoother_get_value (s->duck)
      ? s->p.duck_attack_ms : s->p.duck_release_ms);
  return mm_smoother_set_target (s->duck, g);
}

int
mm_strip_get_duck (mm_strip * s, double *reduction_db)
{
  if (!s || !reduction_db)
    return MM_ERR_INVALID;
  double g = mm_smoother_get_value (s->duck);
  *reduction_db = g > 0.0 ? -mm_linear_to_db (g) : -MM_STRIP_GAIN_MIN_DB;
  if (*reduction_db <= 0.0)
    *reduction_db = 0.0;        /* no -0 */
  return MM_OK;
}

int
mm_strip_get_key (mm_strip * s, double *peak_db)
{
  if (!s || !peak_db)
    return MM_ERR_INVALID;
  *peak_db = mm_linear_to_db (s->key);
  s->key = 0.0;
  return MM_OK;
}

/* Advances a smoother by n into buf; returns 1 when it was constant over
 * the chunk (then only buf[0], its value, is written: callers read the
 * rest only while ramping). */
static int
fill (mm_smoother * sm, float *buf, size_t n)
{
  if (!mm_smoother_is_ramping (sm)) {
    buf[0] = (float) mm_smoother_get_value (sm);
    return 1;
  }
  mm_smoother_fill (sm, buf, n);
  return 0;
}

/* |input| above this (+120 dBFS) is clipped to it. */
#define INPUT_MAX 1e6

/* n samples, non-finite as 0, clamped, negated or not: in float, the
 * values the double path loads (the clamp and the sign are exact). */
MM_VECTOR_CLONES static void
load_f32 (float *x, const float *in, size_t n, int negate)
{
  const float sign = negate ? -1.0f : 1.0f;
  const float lim = (float) INPUT_MAX;
  for (size_t i = 0; i < n; i++) {
    float v = in[i];
    v = fabsf (v) <= FLT_MAX ? v : 0.0f;
    v = v < lim ? v : lim;
    v = v > -lim ? v : -lim;
    x[i] = v * sign;
  }
}

/* Loads n frames into a (and b), polarity applied, non-finite as 0; a
 * stereo strip at a steady polarity straight into x as float (the
 * filters then run on x: f32_loaded). */
static void
load (mm_strip * s, const float *in, size_t n)
{
  const unsigned nch = s->channels;
  const int pconst = fill (s->polarity, s->pol, n);
  const double pc = s->pol[0];
  s->f32_loaded = nch == 2 && pconst && (pc == 1.0 || pc == -1.0);
  if (s->f32_loaded) {
    load_f32 (s->x, in, 2 * n, pc < 0.0);
    return;
  }
  for (unsigned ch = 0; ch < nch; ch++) {
    double *d = ch ? s->b : s->a;
    for (size_t i = 0; i < n; i++) {
      float x = in[i * nch + ch];
      /* clamped as reverb and delay do: the fader and make-up (+24 dB
       * each) must not take a corrupt 1e38 past the float range into the
       * bus (found by tests/fuzz fuzz-mix) */
      double v = isfinite (x) ? (double) x : 0.0;
      v = v < INPUT_MAX ? v : INPUT_MAX;
      d[i] = v > -INPUT_MAX ? v : -INPUT_MAX;
    }
    if (!pconst) {
      for (size_t i = 0; i < n; i++)
        d[i] *= s->pol[i];
    } else if (pc != 1.0) {
      for (size_t i = 0; i < n; i++)
        d[i] *= pc;
    }
  }
}

/* Loaded sample i of channel ch. */
static double
load_at (const mm_strip * s, unsigned ch, size_t i)
{
  if (s->f32_loaded)
    return s->x[2 * i + ch];
  return ch ? s->b[i] : s->a[i];
}

/* A band back at 0 dB keeps running while its output still differs from
 * its input (the decaying transient of its earlier response): cutting it
 * off then would step the signal. */
static int
unsettled (const mm_strip * s, int k)
{
  if (!s->was_on[k])
    return 0;
  for (unsigned ch = 0; ch < s->channels; ch++) {
    const mm_biquad_state *st = &s->st[ch][k];
    double e = fabs (st->y1 - st->x1) + fabs (st->y2 - st->x2);
    if (e > SETTLED * (fabs (st->x1) + fabs (st->x2)) + 1e-20)
      return 1;
  }
  return 0;
}

/* Re-designs the EQ bands that glide and runs the sections that are on. */
static void
filters (mm_strip * s, size_t n)
{
  const unsigned nch = s->channels;
  double low = mm_smoother_get_value (s->eq_low);
  double mid = mm_smoother_get_value (s->eq_mid);
  double high = mm_smoother_get_value (s->eq_high);
  double midf = mm_smoother_get_value (s->eq_mid_freq);
  int gl = mm_smoother_is_ramping (s->eq_low);
  int gm = mm_smoother_is_ramping (s->eq_mid)
      || mm_smoother_is_ramping (s->eq_mid_freq);
  int gh = mm_smoother_is_ramping (s->eq_high);
  /* The chunk's design: the values at its end. */
  if (gl) {
    mm_smoother_fill (s->eq_low, s->eqs, n);
    low = mm_smoother_get_value (s->eq_low);
  }
  if (gm) {
    mm_smoother_fill (s->eq_mid, s->eqs, n);
    mm_smoother_fill (s->eq_mid_freq, s->eqs, n);
    mid = mm_smoother_get_value (s->eq_mid);
    midf = mm_smoother_get_value (s->eq_mid_freq);
  }
  if (gh) {
    mm_smoother_fill (s->eq_high, s->eqs, n);
    high = mm_smoother_get_value (s->eq_high);
  }

  int on[SECTIONS];
  on[SEC_HPF] = s->p.hpf_hz > 0.0;
  on[SEC_LOW] = gl || low != 0.0 || unsettled (s, SEC_LOW);
  on[SEC_MID] = gm || mid != 0.0 || unsettled (s, SEC_MID);
  on[SEC_HIGH] = gh || high != 0.0 || unsettled (s, SEC_HIGH);
  if (on[SEC_LOW] && (gl || !s->was_on[SEC_LOW]))
    mm_biquad_design (&s->co[SEC_LOW], MM_BIQUAD_LOWSHELF, s->rate,
        LOW_SHELF_HZ, SHELF_Q, low);
  if (on[SEC_MID] && (gm || !s->was_on[SEC_MID]))
    mm_biquad_design (&s->co[SEC_MID], MM_BIQUAD_PEAK, s->rate,
        mid_freq (s, midf), MID_Q, mid);
  if (on[SEC_HIGH] && (gh || !s->was_on[SEC_HIGH]))
    mm_biquad_design (&s->co[SEC_HIGH], MM_BIQUAD_HIGHSHELF, s->rate,
        mid_freq (s, HIGH_SHELF_HZ), SHELF_Q, high);

  /* Sections coming on: the high-pass from rest, an EQ band with the
   * signal at its input as state (last chunk's previous section's output,
   * or the loaded input). */
  for (int k = 0; k < SECTIONS; k++) {
    if (!on[k] || s->was_on[k])
      continue;
    for (unsigned ch = 0; ch < nch; ch++) {
      mm_biquad_state *st = &s->st[ch][k];
      if (k == SEC_HPF) {
        mm_biquad_reset (st);
        continue;
      }
      double x1 = s->hist[ch][0], x2 = s->hist[ch][1];
      for (int j = k - 1; j >= 0; j--) {
        if (s->was_on[j]) {
          x1 = s->st[ch][j].y1;
          x2 = s->st[ch][j].y2;
          break;
        }
      }
      *st = (mm_biquad_state) { x1, x2, x1, x2 };
    }
  }

  /* The loaded input's history, for the next chunk (d: channel ch's
   * sample i at d[i * step + ch]; exact as double either way). */
  for (unsigned ch = 0; ch < nch; ch++) {
    if (n >= 2) {
      s->hist[ch][0] = load_at (s, ch, n - 1);
      s->hist[ch][1] = load_at (s, ch, n - 2);
    } else {
      s->hist[ch][1] = s->hist[ch][0];
      s->hist[ch][0] = load_at (s, ch, 0);
    }
  }

  mm_biquad_coeffs c[SECTIONS];
  mm_biquad_state sa[SECTIONS], sb[SECTIONS];
  unsigned m = 0;
  for (int k = 0; k < SECTIONS; k++) {
    s->was_on[k] = on[k];
    if (on[k]) {
      c[m] = s->co[k];
      sa[m] = s->st[0][k];
      sb[m] = s->st[1][k];
      m++;
    }
  }
  if (m == 0)
    return;
  /* the float path: the same cascade on the interleaved floats, bit for
   * bit the planar double one rounded to float (biquad.h) */
  if (s->f32_loaded)
    mm_biquad_cascade_process_stereo_f32 (c, sa, sb, m, s->x, n);
  else if (nch == 2)
    mm_biquad_cascade_process_x2 (c, sa, sb, m, s->a, s->b, n);
  else
    mm_biquad_cascade_process (c, sa, m, s->a, n);
  m = 0;
  for (int k = 0; k < SECTIONS; k++) {
    if (on[k]) {
      mm_biquad_flush_denormals (&sa[m]);
      mm_biquad_flush_denormals (&sb[m]);
      s->st[0][k] = sa[m];
      s->st[1][k] = sb[m];
      m++;
    }
  }
}

/* The filtered signal as float, interleaved (mono: one channel), where
 * the compressor runs in place. */
static void
to_float (mm_strip * s, size_t n)
{
  if (s->f32_loaded)
    return;
  if (s->channels == 2) {
    for (size_t i = 0; i < n; i++) {
      s->x[2 * i] = (float) s->a[i];
      s->x[2 * i + 1] = (float) s->b[i];
    }
  } else {
    for (size_t i = 0; i < n; i++)
      s->x[i] = (float) s->a[i];
  }
}

/* After the compressor ran over a chunk of n: its reduction, its tail. */
static void
compressed (mm_strip * s, size_t n)
{
  double now, max;
  mm_compressor_get_reduction (s->comp, &now, &max);
  s->gr_now = now;
  s->gr_max = max > s->gr_max ? max : s->gr_max;
  if (!comp_wanted (&s->p.comp)) {
    s->comp_tail = s->comp_tail > n ? s->comp_tail - n : 0;
    if (s->comp_tail == 0 && now < COMP_OFF_DB)
      s->comp_running = 0;
  }
}

static void
compress (mm_strip * s, size_t n)
{
  if (!s->comp_running)
    return;
  /* The compressor's block decisions follow its calls: one call per
   * chunk, itself on a fixed grid of the stream (COMP_GRID = CHUNK), keeps
   * any split of the stream into calls giving the same output. */
  mm_compressor_process_f32 (s->comp, s->x, n);
  compressed (s, n);
}

/* The largest |x| and the sum of squares of each channel of n stereo
 * frames, in eight partial maxima and sums per channel (one chain of
 * additions per channel would set the pace; these vectorise). */
#define METER_LANES 8
MM_VECTOR_CLONES static void
peaks_and_squares (const float *restrict v, size_t n, float *pl, float *pr,
    float *sl, float *sr)
{
  float ml[METER_LANES] = { 0 }, mr[METER_LANES] = { 0 };
  float ql[METER_LANES] = { 0 }, qr[METER_LANES] = { 0 };
  size_t i = 0;
  for (; i + METER_LANES <= n; i += METER_LANES)
    for (unsigned j = 0; j < METER_LANES; j++) {
      const float l = fabsf (v[2 * (i + j)]), r = fabsf (v[2 * (i + j) + 1]);
      ml[j] = l > ml[j] ? l : ml[j];
      mr[j] = r > mr[j] ? r : mr[j];
      ql[j] += l * l;
      qr[j] += r * r;
    }
  for (; i < n; i++) {
    const float l = fabsf (v[2 * i]), r = fabsf (v[2 * i + 1]);
    ml[0] = l > ml[0] ? l : ml[0];
    mr[0] = r > mr[0] ? r : mr[0];
    ql[0] += l * l;
    qr[0] += r * r;
  }
  for (unsigned w = METER_LANES / 2; w > 0; w /= 2)    /* pairwise */
    for (unsigned j = 0; j < w; j++) {
      ml[j] = ml[j + w] > ml[j] ? ml[j + w] : ml[j];
      mr[j] = mr[j + w] > mr[j] ? mr[j + w] : mr[j];
      ql[j] += ql[j + w];
      qr[j] += qr[j + w];
    }
  *pl = ml[0];
  *pr = mr[0];
  *sl = ql[0];
  *sr = qr[0];
}

/* Peak and sum of squares of n stereo frames, scaled. */
static void
meter (mm_strip * s, const float *v, size_t n, double scale)
{
  float pl, pr, sl, sr;
  peaks_and_squares (v, n, &pl, &pr, &sl, &sr);
  const double a = fabs (scale);
  const double pk[2] = { pl * a, pr * a }, sq[2] = { sl, sr };
  for (int ch = 0; ch < 2; ch++) {
    if (pk[ch] > s->peak[ch])
      s->peak[ch] = pk[ch];
    if (pk[ch] > s->key)
      s->key = pk[ch];
    s->sumsq[ch] += sq[ch] * a * a;
  }
}

/* dst += src * g[i] per frame (stereo interleaved). */
static void
add_ramped (float *dst, const float *src, const float *g, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    dst[2 * i] += src[2 * i] * g[i];
    dst[2 * i + 1] += src[2 * i + 1] * g[i];
  }
}

/* panned = x times the steady pan gains (products only: the same in
 * every copy). */
MM_VECTOR_CLONES static void
pan_steady (float *panned, const float *x, unsigned nch, float l, float r,
    size_t n)
{
  if (nch == 2) {
    for (size_t i = 0; i < n; i++) {
      panned[2 * i] = x[2 * i] * l;
      panned[2 * i + 1] = x[2 * i + 1] * r;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      panned[2 * i] = x[i] * l;
      panned[2 * i + 1] = x[i] * r;
    }
  }
}

static void
output (mm_strip * s, size_t n, float *out, float *send_a, float *send_b)
{
  const unsigned nch = s->channels;
  const float *xl = s->x, *xr = s->x + (nch - 1);
  int fc = fill (s->fader, s->fad, n);
  int dc = fill (s->duck, s->dck, n);
  int mc = fill (s->mute, s->mut, n);
  int pc = !mm_pan_is_ramping (s->pan);
  mm_pan_fill_gains (s->pan, s->panl, s->panr, n);
  int sc[2];
  float *sends[2] = { send_a, send_b };
  for (int k = 0; k < 2; k++)
    sc[k] = fill (s->send[k], s->snd[k], n);

  /* (float products: the double product of two floats rounded to float,
   * as before) */
  if (pc) {
    pan_steady (s->panned, s->x, nch, s->panl[0], s->panr[0], n);
  } else {
    for (size_t i = 0; i < n; i++) {
      s->panned[2 * i] = xl[i * nch] * s->panl[i];
      s->panned[2 * i + 1] = xr[i * nch] * s->panr[i];
    }
  }

  const int post_const = fc && dc && mc;
  const float post = s->fad[0] * s->dck[0] * s->mut[0];
  if (post_const) {
    if (post != 0.0f)
      mm_vector_add_scaled_f32 (out, s->panned, post, 2 * n);
    meter (s, s->panned, n, post);
  } else {
    for (size_t i = 0; i < n; i++)
      s->post[i] = s->fad[fc ? 0 : i] * s->dck[dc ? 0 : i]
          * s->mut[mc ? 0 : i];
    add_ramped (out, s->panned, s->post, n);
    for (size_t i = 0; i < n; i++) {
      s->panned[2 * i] *= s->post[i];
      s->panned[2 * i + 1] *= s->post[i];
    }
    meter (s, s->panned, n, 1.0);
    /* panned now holds the post-fader signal: post-fader sends scale it
     * by their level alone. */
  }

  int pre_built = 0;
  for (int k = 0; k < 2; k++) {
    float *d = sends[k];
    if (!d || (sc[k] && s->snd[k][0] == 0.0f))
      continue;
    if (!s->p.send_pre[k]) {
      if (sc[k]) {
        float g = s->snd[k][0] * (post_const ? post : 1.0f);
        if (g != 0.0f)
          mm_vector_add_scaled_f32 (d, s->panned, g, 2 * n);
      } else {
        for (size_t i = 0; i < n; i++)
          s->post[i] = s->snd[k][i] * (post_const ? post : 1.0f);
        add_ramped (d, s->panned, s->post, n);
      }
    } else {
      if (!pre_built) {
        for (size_t i = 0; i < n; i++) {
          s->pre[2 * i] = xl[i * nch];
          s->pre[2 * i + 1] = xr[i * nch];
        }
        pre_built = 1;
      }
      if (sc[k] && mc) {
        float g = s->snd[k][0] * s->mut[0];
        if (g != 0.0f)
          mm_vector_add_scaled_f32 (d, s->pre, g, 2 * n);
      } else {
        for (size_t i = 0; i < n; i++)
          s->post[i] = s->snd[k][sc[k] ? 0 : i] * s->mut[mc ? 0 : i];
        add_ramped (d, s->pre, s->post, n);
      }
    }
  }
  s->count += n;
}

/* The frames of the chunk at the strip's position, at most frames. */
static size_t
chunk_frames (const mm_strip * s, size_t frames)
{
  size_t n = CHUNK - (size_t) (s->pos % CHUNK);
  return n < frames ? n : frames;
}

/* A chunk's input through load and filters: the compressor's input in
 * x (interleaved float). */
static void
chunk_in (mm_strip * s, const float *in, size_t n)
{
  load (s, in, n);
  filters (s, n);
  to_float (s, n);
}

int
mm_strip_process_f32 (mm_strip * s, const float *in, unsigned in_channels,
    float *out_stereo, float *send_a, float *send_b, size_t frames)
{
  if (!s || ((!in || !out_stereo) && frames))
    return MM_ERR_INVALID;
  if (in_channels != s->channels)
    return MM_ERR_MISMATCH;
  while (frames > 0) {
    size_t n = chunk_frames (s, frames);
    chunk_in (s, in, n);
    compress (s, n);
    output (s, n, out_stereo, send_a, send_b);
    s->pos += n;
    in += n * s->channels;
    out_stereo += 2 * n;
    if (send_a)
      send_a += 2 * n;
    if (send_b)
      send_b += 2 * n;
    frames -= n;
  }
  return MM_OK;
}

/* Strips run together per chunk at most. */
#define MULTI_BATCH 16

/* count <= MULTI_BATCH strips at the same place on the chunk grid. */
static void
process_batch (mm_strip * const *s, unsigned count, const float *const *in,
    float *const *out, float *send_a, float *send_b, size_t frames)
{
  for (size_t off = 0; off < frames;) {
    const size_t n = chunk_frames (s[0], frames - off);
    mm_compressor *cs[2][MULTI_BATCH];
    float *cb[2][MULTI_BATCH];
    unsigned nc[2] = { 0, 0 };
    int ran[MULTI_BATCH];
    for (unsigned k = 0; k < count; k++) {
      const unsigned g = s[k]->channels - 1;
      chunk_in (s[k], in[k] + off * s[k]->channels, n);
      ran[k] = s[k]->comp_running;
      if (ran[k]) {
        cs[g][nc[g]] = s[k]->comp;
        cb[g][nc[g]++] = s[k]->x;
      }
    }
    /* the compressors side by side: what one call each gives */
    for (unsigned g = 0; g < 2; g++)
      if (nc[g])
        mm_compressor_process_multi_f32 (cs[g], nc[g], cb[g], n);
    for (unsigned k = 0; k < count; k++) {
      if (ran[k])
        compressed (s[k], n);
      output (s[k], n, out[k] + 2 * off, send_a ? send_a + 2 * off : NULL,
          send_b ? send_b + 2 * off : NULL);
      s[k]->pos += n;
    }
    off += n;
  }
}

int
mm_strip_process_multi_f32 (mm_strip * const *s, unsigned count,
    const float *const *in, float *const *out_stereo, float *send_a,
    float *send_b, size_t frames)
{
  if (!s || !in || !out_stereo)
    return MM_ERR_INVALID;
  for (unsigned k = 0; k < count; k++)
    if (!s[k] || ((!in[k] || !out_stereo[k]) && frames))
      return MM_ERR_INVALID;
  for (unsigned k = 0; k < count; k++) {
    if (s[k]->pos % CHUNK != s[0]->pos % CHUNK) {
      /* not on one grid: one after the other (the same sums) */
      for (unsigned j = 0; j < count; j++)
        mm_strip_process_f32 (s[j], in[j], s[j]->channels, out_stereo[j],
            send_a, send_b, frames);
      return MM_OK;
    }
  }
  /* Each strip's contribution to a send sample is added in strip order,
   * batch after batch as strip after strip. */
  for (unsigned b = 0; b < count; b += MULTI_BATCH)
    process_batch (s + b, count - b < MULTI_BATCH ? count - b : MULTI_BATCH,
        in + b, out_stereo + b, send_a, send_b, frames);
  return MM_OK;
}

int
mm_strip_get_levels (mm_strip * s, double peak_db[2], double rms_db[2])
{
  if (!s)
    return MM_ERR_INVALID;
  if (s->count == 0)
    return MM_ERR_NO_DATA;
  for (int ch = 0; ch < 2; ch++) {
    if (peak_db)
      peak_db[ch] = mm_linear_to_db (s->peak[ch]);
    if (rms_db)
      rms_db[ch] = mm_linear_to_db (sqrt (s->sumsq[ch] / (double) s->count));
    s->peak[ch] = s->sumsq[ch] = 0.0;
  }
  s->count = 0;
  return MM_OK;
}

int
mm_strip_get_reduction (mm_strip * s, double *now_db, double *max_db)
{
  if (!s)
    return MM_ERR_INVALID;
  if (now_db)
    *now_db = s->gr_now;
  if (max_db)
    *max_db = s->gr_max;
  s->gr_max = s->gr_now;
  return MM_OK;
}
