/* chain: the mastering chain (see chain.h), built from the core's blocks:
 * mm_smoother (input gain, EQ parameter glides), mm_biquad (EQ sections),
 * mm_compressor + mm_crossover (dynamics), mm_width, mm_loudnorm (loudness
 * gain + true-peak limiter + meters) and mm_dither.  Nothing here filters,
 * detects or limits by itself: this file only routes, ramps and designs.
 *
 * Latency: every stage before the loudness stage has none, so the chain's
 * latency is mm_loudnorm_get_latency (live: lookahead + limiter; fixed:
 * the limiter's), whatever is bypassed: bypassing the loudness gain holds
 * it at exactly 0 dB and bypassing the limiter forces its gain to exactly
 * 1, both keep the delay line.  With every stage bypassed (or neutral) and
 * no dither the output is the input delayed, bit for bit.
 *
 * Dither comes last, after the limiter: its +-1 LSB of the target word
 * length may take a sample that LSB over the ceiling (at 16 bits, 3e-5:
 * 0.0003 dB at -1 dBTP).
 *
 * Input samples that are not finite become 0, finite ones are clipped to
 * +-SAMPLE_MAX (+80 dBFS) so no later stage can overflow; an EQ section
 * whose state went non-finite anyway is cleared.
 */
#include "chain.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "crossover.h"
#include "dither.h"
#include "loudnorm.h"
#include "smooth.h"
#include "vector.h"
#include "width.h"

#define CHUNK 1024              /* frames per pass through the stages */
#define EQ_BLOCK 32             /* EQ coefficients are redesigned this often */
#define INPUT_RAMP_MS 50.0      /* input gain glide */
#define EQ_RAMP_MS 50.0         /* EQ gain / frequency / Q glide */
#define HPF_MIN_HZ 10.0         /* the high-pass glides in from and out to here */
#define SAMPLE_MAX 1e4
#define SHELF_Q 0.70710678118654752440     /* RBJ shelf slope S = 1 */
#define DITHER_SEED 0x6d697864697468ull

/* EQ sections, in signal order. */
enum
{
  SEC_HPF = 0,                  /* 4 sections: 0..3 */
  SEC_LS = 4,
  SEC_BELL = 5,                 /* 3 sections: 5..7 */
  SEC_HS = 8,
  NSEC = 9
};

/* Smoothed EQ parameters: frequencies and Q in log2, gains in dB. */
enum
{
  SM_HPF_F,
  SM_LS_F, SM_LS_G,
  SM_BELL = 3,                  /* f, g, q per bell */
  SM_HS_F = SM_BELL + 3 * MM_CHAIN_BELLS, SM_HS_G,
  NSM
};

#define SM_BELL_F(i) (SM_BELL + 3 * (i))
#define SM_BELL_G(i) (SM_BELL + 3 * (i) + 1)
#define SM_BELL_Q(i) (SM_BELL + 3 * (i) + 2)

struct mm_chain
{
  unsigned rate, channels;
  mm_chain_mode mode;
  mm_chain_params p;            /* the parameters last taken */
  int started;                  /* audio since new / reset: changes glide */

  mm_loudness *in_meter;
  mm_smoother *in_gain;         /* linear */

  /* EQ (see eq_step) */
  mm_smoother *sm[NSM];
  mm_biquad_coeffs coef[NSEC];
  mm_biquad_state st[NSEC][MM_CHANNELS_MAX];
  int sec_on[NSEC];
  int dirty;                    /* parameters changed: redesign all */
  int hpf_want;                 /* the high-pass is (to be) on */
  unsigned hpf_n;               /* high-pass sections in use (0..4) */
  uint64_t t;                   /* frames through the EQ: its block grid */
  float ramp_scratch[EQ_BLOCK];
  double plane[2][CHUNK];       /* two channels of one EQ run */

  /* dynamics */
  mm_compressor *comp;
  mm_crossover *xover;
  mm_compressor *band[MM_CHAIN_BANDS];
  float *band_buf[MM_CHAIN_BANDS];      /* CHUNK x channels each */
  float *xin;                   /* CHUNK x channels: f64 input to the crossover */

  mm_width *width;              /* stereo only, else NULL */
  mm_loudnorm *ln;
  mm_dither *dither;

  float *work_f32;              /* CHUNK x channels */
  double *work_f64;
};

/* ---- parameters ------------------------------------------------------ */

void
mm_chain_params_default (mm_chain_params * p)
{
  static const double bell_hz[MM_CHAIN_BELLS] = { 250.0, 1000.0, 4000.0 };
  if (!p)
    return;
  memset (p, 0, sizeof (*p));
  p->input_gain_db = 0.0;
  p->hpf_hz = 0.0;
  p->hpf_slope = 12;
  p->low_shelf_hz = 100.0;
  p->high_shelf_hz = 8000.0;
  for (unsigned i = 0; i < MM_CHAIN_BELLS; i++) {
    p->bell_hz[i] = bell_hz[i];
    p->bell_q[i] = 1.0;
  }
  p->xover_low_hz = 200.0;
  p->xover_high_hz = 2000.0;
  mm_compressor_params_default (&p->comp);
  p->comp.ratio = 1.0;
  for (unsigned b = 0; b < MM_CHAIN_BANDS; b++) {
    mm_compressor_params_default (&p->band[b]);
    p->band[b].ratio = 1.0;
  }
  p->width = 1.0;
  p->bass_mono_hz = 0.0;
  p->loudness_target = -14.0;
  p->range_target = 7.0;
  p->max_true_peak = -1.0;
  p->limiter_release_ms = 100.0;
  p->dither_bits = 0;
}

static int
in_range (double v, double lo, double hi)
{
  return v >= lo && v <= hi;    /* false for NaN */
}

/* The ranges of compressor.h (checked here so set_params takes all or
 * nothing). */
static int
valid_comp (const mm_compressor_params * c)
{
  return in_range (c->threshold_db, -60.0, 0.0) && in_range (c->ratio, 1.0, 20.0)
      && in_range (c->knee_db, 0.0, 24.0) && in_range (c->attack_ms, 0.1, 500.0)
      && in_range (c->release_ms, 5.0, 5000.0)
      && in_range (c->makeup_db, -24.0, 24.0) && in_range (c->link, 0.0, 1.0)
      && (c->detector == MM_COMPRESSOR_PEAK || c->detector == MM_COMPRESSOR_RMS);
}

static int
valid_params (const mm_chain * c, const mm_chain_params * p)
{
  if (!in_range (p->input_gain_db, -24.0, 24.0))
    return 0;
  if (!(p->hpf_hz == 0.0 || in_range (p->hpf_hz, HPF_MIN_HZ, 1000.0))
      || !(p->hpf_slope == 12 || p->hpf_slope == 24 || p->hpf_slope == 36
          || p->hpf_slope == 48))
    return 0;
  if (!in_range (p->low_shelf_hz, 20.0, 1000.0)
      || !in_range (p->low_shelf_gain_db, -24.0, 24.0)
      || !in_range (p->high_shelf_hz, 1000.0, 20000.0)
      || !in_range (p->high_shelf_gain_db, -24.0, 24.0))
    return 0;
  for (unsigned i = 0; i < MM_CHAIN_BELLS; i++)
    if (!in_range (p->bell_hz[i], 20.0, 20000.0)
        || !in_range (p->bell_gain_db[i], -24.0, 24.0)
        || !in_range (p->bell_q[i], 0.1, 20.0))
      return 0;
  if (!in_range (p->xover_low_hz, 20.0, HUGE_VAL)
      || !(p->xover_high_hz > p->xover_low_hz)
      || !(p->xover_high_hz < 0.45 * c->rate) || !valid_comp (&p->comp))
    return 0;
  for (unsigned b = 0; b < MM_CHAIN_BANDS; b++)
    if (!valid_comp (&p->band[b]))
      return 0;
  if (!in_range (p->width, 0.0, 2.0)
      || !(p->bass_mono_hz == 0.0 || in_range (p->bass_mono_hz, 20.0, 500.0)))
    return 0;
  if (!in_range (p->loudness_target, -70.0, 0.0)
      || !in_range (p->range_target, 1.0, 50.0)
      || !in_range (p->max_true_peak, -9.0, 0.0)
      || !in_range (p->limiter_release_ms, 10.0, 2000.0))
    return 0;
  return p->dither_bits == 0 || p->dither_bits == 16 || p->dither_bits == 24;
}

/* A smoothed parameter: glides once audio has passed, else jumps. */
static void
smooth_to (const mm_chain * c, mm_smoother * s, double v)
{
  if (c->started)
    mm_smoother_set_target (s, v);
  else
    mm_smoother_set_value (s, v);
}

/* The EQ targets of p (bypass: every gain to 0 dB, the high-pass out). */
static void
eq_take (mm_chain * c, const mm_chain_params * p)
{
  const int byp = p->eq_bypass != 0;
  smooth_to (c, c->sm[SM_LS_F], log2 (p->low_shelf_hz));
  smooth_to (c, c->sm[SM_LS_G], byp ? 0.0 : p->low_shelf_gain_db);
  for (unsigned i = 0; i < MM_CHAIN_BELLS; i++) {
    smooth_to (c, c->sm[SM_BELL_F (i)], log2 (p->bell_hz[i]));
    smooth_to (c, c->sm[SM_BELL_G (i)], byp ? 0.0 : p->bell_gain_db[i]);
    smooth_to (c, c->sm[SM_BELL_Q (i)], log2 (p->bell_q[i]));
  }
  smooth_to (c, c->sm[SM_HS_F], log2 (p->high_shelf_hz));
  smooth_to (c, c->sm[SM_HS_G], byp ? 0.0 : p->high_shelf_gain_db);

  /* The high-pass glides in from HPF_MIN_HZ when switched on and out to it
   * before it is switched off (eq_step); a slope change switches at once. */
  mm_smoother *hf = c->sm[SM_HPF_F];
  const double lo = log2 (HPF_MIN_HZ);
  if (!byp && p->hpf_hz > 0.0) {
    if (c->hpf_n == 0 && c->started)
      mm_smoother_set_value (hf, lo);
    smooth_to (c, hf, log2 (p->hpf_hz));
    c->hpf_want = 1;
    c->hpf_n = p->hpf_slope / 12;
  } else {
    c->hpf_want = 0;
    if (c->hpf_n > 0 && c->started) {
      smooth_to (c, hf, lo);
    } else {
      mm_smoother_set_value (hf, lo);
      c->hpf_n = 0;
    }
  }
  c->dirty = 1;
}

int
mm_chain_set_params (mm_chain * c, const mm_chain_params * p)
{
  if (!c || !p || !valid_params (c, p))
    return MM_ERR_INVALID;
  const mm_chain_params old = c->p;
  int err = MM_OK;

  smooth_to (c, c->in_gain, p->input_bypass ? 1.0 :
      mm_db_to_linear (p->input_gain_db));
  eq_take (c, p);

  /* dynamics: a stage (or the split) coming in starts from clear state */
  int comp_on = !p->comp_bypass, was_on = !old.comp_bypass;
  if (comp_on && (!was_on || p->multiband != old.multiband)) {
    if (p->multiband) {
      mm_crossover_reset (c->xover);
      for (unsigned b = 0; b < MM_CHAIN_BANDS; b++)
        mm_compressor_reset (c->band[b]);
    } else {
      mm_compressor_reset (c->comp);
    }
  }
  if (p->xover_low_hz != old.xover_low_hz
      || p->xover_high_hz != old.xover_high_hz)
    err |= mm_crossover_set_frequencies (c->xover, p->xover_low_hz,
        p->xover_high_hz);
  err |= mm_compressor_set_params (c->comp, &p->comp);
  for (unsigned b = 0; b < MM_CHAIN_BANDS; b++)
    err |= mm_compressor_set_params (c->band[b], &p->band[b]);

  if (c->width) {
    err |= mm_width_set_width (c->width, p->width);
    err |= mm_width_set_bass_mono (c->width, p->bass_mono_hz);
  }

  err |= mm_loudnorm_set_target (c->ln, p->loudness_target);
  err |= mm_loudnorm_set_range_target (c->ln, p->range_target);
  err |= mm_loudnorm_set_ceiling (c->ln, p->max_true_peak);
  err |= mm_loudnorm_set_release (c->ln, p->limiter_release_ms);
  err |= mm_loudnorm_set_limiter_bypass (c->ln, p->limiter_bypass);
  err |= mm_loudnorm_set_gain_bypass (c->ln, p->loudness_bypass);
  err |= mm_dither_set_bits (c->dither, p->dither_bits);

  if (!c->started) {
    /* before any audio the values are simply there (the blocks' resets
     * end their glides; nothing else of theirs has moved yet) */
    mm_compressor_reset (c->comp);
    for (unsigned b = 0; b < MM_CHAIN_BANDS; b++)
      mm_compressor_reset (c->band[b]);
    if (c->width)
      mm_width_reset (c->width);
  }
  c->p = *p;
  /* every value was checked above: a failure here is a block's own limit
   * narrower than the chain's (reported, the rest taken) */
  return err ? MM_ERR_INVALID : MM_OK;
}

int
mm_chain_set_gain (mm_chain * c, double db)
{
  if (!c || c->mode != MM_CHAIN_FIXED)
    return MM_ERR_INVALID;
  return mm_loudnorm_set_gain (c->ln, db);
}

int
mm_chain_set_channel_weight (mm_chain * c, unsigned ch, double w)
{
  if (!c)
    return MM_ERR_INVALID;
  int err = mm_loudness_set_channel_weight (c->in_meter, ch, w);
  return err ? err : mm_loudnorm_set_channel_weight (c->ln, ch, w);
}

/* ---- life cycle ------------------------------------------------------ */

mm_chain *
mm_chain_new (unsigned rate, unsigned channels, mm_chain_mode mode,
    double lookahead_ms, unsigned flags)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > MM_CHANNELS_MAX || (flags & ~MM_LOUDNORM_F64)
      || (mode != MM_CHAIN_LIVE && mode != MM_CHAIN_FIXED))
    return NULL;

  mm_chain *c = calloc (1, sizeof (*c));
  if (!c)
    return NULL;
  c->rate = rate;
  c->channels = channels;
  c->mode = mode;
  mm_chain_params_default (&c->p);

  const size_t S = (size_t) CHUNK * channels;
  c->in_meter = mm_loudness_new (rate, channels, 0);
  c->in_gain = mm_smoother_new (rate, INPUT_RAMP_MS, 1.0);
  for (unsigned j = 0; j < NSM; j++)
    if (!(c->sm[j] = mm_smoother_new (rate, EQ_RAMP_MS, 0.0)))
      goto fail;
  c->comp = mm_compressor_new (rate, channels);
  c->xover = mm_crossover_new (rate, channels, c->p.xover_low_hz,
      c->p.xover_high_hz);
  for (unsigned b = 0; b < MM_CHAIN_BANDS; b++) {
    c->band[b] = mm_compressor_new (rate, channels);
    c->band_buf[b] = malloc (S * sizeof (float));
    if (!c->band[b] || !c->band_buf[b])
      goto fail;
  }
  c->xin = malloc (S * sizeof (float));
  if (channels == 2 && !(c->width = mm_width_new (rate, channels)))
    goto fail;
  c->ln = mm_loudnorm_new (rate, channels, mode == MM_CHAIN_LIVE ?
      MM_LOUDNORM_LIVE : MM_LOUDNORM_LINEAR, lookahead_ms, flags);
  c->dither = mm_dither_new (channels, DITHER_SEED);
  c->work_f32 = malloc (S * sizeof (float));
  c->work_f64 = malloc (S * sizeof (double));
  if (!c->in_meter || !c->in_gain || !c->comp || !c->xover || !c->xin
      || !c->ln || !c->dither || !c->work_f32 || !c->work_f64)
    goto fail;

  for (unsigned k = 0; k < NSEC; k++)
    mm_biquad_identity (&c->coef[k]);
  mm_chain_params p;
  mm_chain_params_default (&p);
  c->p.comp_bypass = 1;         /* nothing to reset on the first take */
  if (mm_chain_set_params (c, &p) != MM_OK)
    goto fail;
  mm_chain_reset (c);
  return c;

fail:
  mm_chain_free (&c);
  return NULL;
}

void
mm_chain_free (mm_chain ** pc)
{
  if (!pc || !*pc)
    return;
  mm_chain *c = *pc;
  mm_loudness_free (&c->in_meter);
  mm_smoother_free (&c->in_gain);
  for (unsigned j = 0; j < NSM; j++)
    mm_smoother_free (&c->sm[j]);
  mm_compressor_free (&c->comp);
  mm_crossover_free (&c->xover);
  for (unsigned b = 0; b < MM_CHAIN_BANDS; b++) {
    mm_compressor_free (&c->band[b]);
    free (c->band_buf[b]);
  }
  free (c->xin);
  mm_width_free (&c->width);
  mm_loudnorm_free (&c->ln);
  mm_dither_free (&c->dither);
  free (c->work_f32);
  free (c->work_f64);
  free (c);
  *pc = NULL;
}

int
mm_chain_reset (mm_chain * c)
{
  if (!c)
    return MM_ERR_INVALID;
  mm_loudness_reset (c->in_meter);
  mm_smoother_set_value (c->in_gain, mm_smoother_get_target (c->in_gain));
  for (unsigned j = 0; j < NSM; j++)
    mm_smoother_set_value (c->sm[j], mm_smoother_get_target (c->sm[j]));
  if (!c->hpf_want)
    c->hpf_n = 0;
  for (unsigned k = 0; k < NSEC; k++) {
    c->sec_on[k] = 0;
    for (unsigned ch = 0; ch < c->channels; ch++)
      mm_biquad_reset (&c->st[k][ch]);
  }
  c->dirty = 1;
  c->t = 0;
  mm_compressor_reset (c->comp);
  mm_crossover_reset (c->xover);
  for (unsigned b = 0; b < MM_CHAIN_BANDS; b++)
    mm_compressor_reset (c->band[b]);
  if (c->width)
    mm_width_reset (c->width);
  mm_loudnorm_reset (c->ln);
  mm_dither_reset (c->dither);
  c->started = 0;
  return MM_OK;
}

/* ---- readouts -------------------------------------------------------- */

unsigned
mm_chain_get_latency (const mm_chain * c)
{
  return c ? mm_loudnorm_get_latency (c->ln) : 0;
}

const mm_loudness *
mm_chain_get_input_meter (const mm_chain * c)
{
  return c ? c->in_meter : NULL;
}

const mm_loudness *
mm_chain_get_output_meter (const mm_chain * c)
{
  return c ? mm_loudnorm_get_output_meter (c->ln) : NULL;
}

int
mm_chain_get_output_true_peak (const mm_chain * c, unsigned ch, double *peak)
{
  return c ? mm_loudnorm_get_output_true_peak (c->ln, ch, peak) :
      MM_ERR_INVALID;
}

double
mm_chain_get_gain (const mm_chain * c)
{
  return c ? mm_loudnorm_get_gain (c->ln) : 0.0;
}

int
mm_chain_get_reductions (mm_chain * c, double comp_db[MM_CHAIN_BANDS],
    double *limiter_db)
{
  if (!c)
    return MM_ERR_INVALID;
  double now, max[MM_CHAIN_BANDS] = { 0.0, 0.0, 0.0 };
  if (c->p.multiband) {
    for (unsigned b = 0; b < MM_CHAIN_BANDS; b++)
      mm_compressor_get_reduction (c->band[b], &now, &max[b]);
  } else {
    mm_compressor_get_reduction (c->comp, &now, &max[0]);
  }
  if (c->p.comp_bypass)
    max[0] = max[1] = max[2] = 0.0;
  if (comp_db)
    for (unsigned b = 0; b < MM_CHAIN_BANDS; b++)
      comp_db[b] = max[b];
  double lim = 0.0;
  mm_loudnorm_get_reduction (c->ln, NULL, &lim, NULL);
  if (limiter_db)
    *limiter_db = lim;
  return MM_OK;
}

int
mm_chain_get_width_stats (mm_chain * c, double *correlation, double *side_mid)
{
  if (!c)
    return MM_ERR_INVALID;
  if (!c->width)
    return MM_ERR_NO_DATA;      /* not stereo: no width stage */
  return mm_width_get_stats (c->width, correlation, side_mid);
}

/* ---- EQ -------------------------------------------------------------- */

/* Butterworth high-pass of order 2n as n sections: Q of section k is
 * 1 / (2 cos ((2k + 1) pi / (4n))). */
static double
butterworth_q (unsigned n, unsigned k)
{
  return 1.0 / (2.0 * cos ((2.0 * k + 1.0) * MM_PI / (4.0 * n)));
}

static double
design_freq (const mm_chain * c, double log2_hz)
{
  double f = exp2 (log2_hz), top = 0.45 * c->rate;
  return f < top ? f : top;
}

static void
design (mm_chain * c, unsigned k)
{
  mm_smoother *const *sm = c->sm;
  double r = c->rate;
  if (k < SEC_LS) {
    mm_biquad_design (&c->coef[k], MM_BIQUAD_HIGHPASS, r,
        design_freq (c, mm_smoother_get_value (sm[SM_HPF_F])),
        butterworth_q (c->hpf_n, k), 0.0);
  } else if (k == SEC_LS) {
    mm_biquad_design (&c->coef[k], MM_BIQUAD_LOWSHELF, r,
        design_freq (c, mm_smoother_get_value (sm[SM_LS_F])), SHELF_Q,
        mm_smoother_get_value (sm[SM_LS_G]));
  } else if (k < SEC_HS) {
    unsigned i = k - SEC_BELL;
    mm_biquad_design (&c->coef[k], MM_BIQUAD_PEAK, r,
        design_freq (c, mm_smoother_get_value (sm[SM_BELL_F (i)])),
        exp2 (mm_smoother_get_value (sm[SM_BELL_Q (i)])),
        mm_smoother_get_value (sm[SM_BELL_G (i)]));
  } else {
    mm_biquad_design (&c->coef[k], MM_BIQUAD_HIGHSHELF, r,
        design_freq (c, mm_smoother_get_value (sm[SM_HS_F])), SHELF_Q,
        mm_smoother_get_value (sm[SM_HS_G]));
  }
}

/* The gain smoother of a shelf or bell section. */
static mm_smoother *
sec_gain (mm_chain * c, unsigned k)
{
  return k == SEC_LS ? c->sm[SM_LS_G] : k == SEC_HS ? c->sm[SM_HS_G] :
      c->sm[SM_BELL_G (k - SEC_BELL)];
}

/* At each point of the EQ_BLOCK grid (frame numbers since reset): the
 * gliding parameters move on by EQ_BLOCK frames, and the sections they
 * touch are redesigned for the block ahead with the values its end
 * reaches (a step of at most EQ_BLOCK / ramp of the change: 1/75 at
 * 48 kHz).  Sections are on while they shape the sound: the high-pass
 * while wanted or gliding out, a shelf or bell while its gain is not 0 dB
 * or moving.  A section off costs nothing but its state following the
 * audio (eq_track), so it comes back in without a click. */
static void
eq_step (mm_chain * c)
{
  int moved[NSM];
  for (unsigned j = 0; j < NSM; j++) {
    moved[j] = mm_smoother_is_ramping (c->sm[j]);
    if (moved[j])
      mm_smoother_fill (c->sm[j], c->ramp_scratch, EQ_BLOCK);
  }
  if (!c->hpf_want && c->hpf_n > 0 && !mm_smoother_is_ramping (c->sm[SM_HPF_F]))
    c->hpf_n = 0;               /* glided out */

  for (unsigned k = 0; k < NSEC; k++) {
    int on, touched;
    if (k < SEC_LS) {
      on = k < c->hpf_n;
      touched = moved[SM_HPF_F];
    } else {
      mm_smoother *g = sec_gain (c, k);
      on = mm_smoother_get_value (g) != 0.0 || mm_smoother_is_ramping (g);
      if (k == SEC_LS)
        touched = moved[SM_LS_F] | moved[SM_LS_G];
      else if (k == SEC_HS)
        touched = moved[SM_HS_F] | moved[SM_HS_G];
      else
        touched = moved[SM_BELL_F (k - SEC_BELL)]
            | moved[SM_BELL_G (k - SEC_BELL)] | moved[SM_BELL_Q (k - SEC_BELL)];
    }
    if (on && (touched || c->dirty || !c->sec_on[k]))
      design (c, k);
    c->sec_on[k] = on;
  }
  c->dirty = 0;
}

/* Nothing glides and no section is due to go: eq_step would leave the
 * sections as they are at every grid point ahead, so one run of the
 * cascade may go through them (denormals are flushed at its end). */
static int
eq_steady (const mm_chain * c)
{
  if (c->dirty || (!c->hpf_want && c->hpf_n > 0))
    return 0;
  for (unsigned j = 0; j < NSM; j++)
    if (mm_smoother_is_ramping (c->sm[j]))
      return 0;
  return 1;
}

/* An idle section's state follows its input (which is also its output). */
static void
eq_track (mm_biquad_state * s, double x1, double x2)
{
  s->x1 = s->y1 = x1;
  s->x2 = s->y2 = x2;
}

/* After the cascade has run over one channel's block: each section that
 * ran is flushed (and reset if it blew up); each idle section tracks its
 * input, which is the output of the last section before it that ran (its
 * y1, y2 before the flush) or, before any, the block's input (in1, in2). */
static void
eq_settle (mm_chain * c, unsigned ch, size_t n, double in1, double in2)
{
  double l1 = in1, l2 = in2;
  for (unsigned k = 0; k < NSEC; k++) {
    mm_biquad_state *s = &c->st[k][ch];
    if (c->sec_on[k]) {
      l1 = s->y1;
      l2 = s->y2;
      mm_biquad_flush_denormals (s);
      if (!isfinite (s->y1) || !isfinite (s->y2))
        mm_biquad_reset (s);
    } else {
      eq_track (s, l1, n >= 2 ? l2 : s->x1);
    }
  }
}

/* One EQ run of the interleaved buffer (within one grid step, or over
 * several while eq_steady): the sections that are on run as one cascade,
 * two channels at a time (mm_biquad_cascade_process_x2) through double
 * planes, or in place for stereo float
 * (mm_biquad_cascade_process_stereo_f32: the same values). */
#define DEFINE_EQ_RUN(T, SUFFIX)                                             \
static void                                                                  \
eq_run_##SUFFIX (mm_chain * c, T * buf, size_t n)                            \
{                                                                            \
  const unsigned C = c->channels;                                            \
  mm_biquad_coeffs cf[NSEC];                                                 \
  unsigned on[NSEC], m = 0;                                                  \
  for (unsigned k = 0; k < NSEC; k++)                                        \
    if (c->sec_on[k]) {                                                      \
      cf[m] = c->coef[k];                                                    \
      on[m++] = k;                                                           \
    }                                                                        \
  if (m == 0) {                                                              \
    for (unsigned ch = 0; ch < C; ch++) {                                    \
      double a = n >= 1 ? buf[(n - 1) * C + ch] : 0.0;                       \
      for (unsigned k = 0; k < NSEC; k++)                                    \
        eq_track (&c->st[k][ch], a,                                          \
            n >= 2 ? buf[(n - 2) * C + ch] : c->st[k][ch].x1);               \
    }                                                                        \
    return;                                                                  \
  }                                                                          \
  mm_biquad_state sa[NSEC], sb[NSEC];                                        \
  double *x = c->plane[0], *y = c->plane[1];                                 \
  unsigned ch = 0;                                                           \
  if (sizeof (T) == sizeof (float) && C == 2) {                              \
    /* stereo float: in place, no planes (the same values bit for bit) */    \
    double xa1 = buf[2 * n - 2], xa2 = n >= 2 ? buf[2 * n - 4] : 0.0;        \
    double xb1 = buf[2 * n - 1], xb2 = n >= 2 ? buf[2 * n - 3] : 0.0;        \
    for (unsigned j = 0; j < m; j++) {                                       \
      sa[j] = c->st[on[j]][0];                                               \
      sb[j] = c->st[on[j]][1];                                               \
    }                                                                        \
    mm_biquad_cascade_process_stereo_f32 (cf, sa, sb, m, (float *) buf, n);  \
    for (unsigned j = 0; j < m; j++) {                                       \
      c->st[on[j]][0] = sa[j];                                               \
      c->st[on[j]][1] = sb[j];                                               \
    }                                                                        \
    eq_settle (c, 0, n, xa1, xa2);                                           \
    eq_settle (c, 1, n, xb1, xb2);                                           \
    return;                                                                  \
  }                                                                          \
  for (; ch + 1 < C; ch += 2) {                                              \
    for (size_t i = 0; i < n; i++) {                                         \
      x[i] = buf[i * C + ch];                                                \
      y[i] = buf[i * C + ch + 1];                                            \
    }                                                                        \
    double xa1 = x[n - 1], xa2 = n >= 2 ? x[n - 2] : 0.0;                    \
    double xb1 = y[n - 1], xb2 = n >= 2 ? y[n - 2] : 0.0;                    \
    for (unsigned j = 0; j < m; j++) {                                       \
      sa[j] = c->st[on[j]][ch];                                              \
      sb[j] = c->st[on[j]][ch + 1];                                          \
    }                                                                        \
    mm_biquad_cascade_process_x2 (cf, sa, sb, m, x, y, n);                   \
    for (unsigned j = 0; j < m; j++) {                                       \
      c->st[on[j]][ch] = sa[j];                                              \
      c->st[on[j]][ch + 1] = sb[j];                                          \
    }                                                                        \
    eq_settle (c, ch, n, xa1, xa2);                                          \
    eq_settle (c, ch + 1, n, xb1, xb2);                                      \
    for (size_t i = 0; i < n; i++) {                                         \
      buf[i * C + ch] = (T) x[i];                                            \
      buf[i * C + ch + 1] = (T) y[i];                                        \
    }                                                                        \
  }                                                                          \
  if (ch < C) {                                                              \
    for (size_t i = 0; i < n; i++)                                           \
      x[i] = buf[i * C + ch];                                                \
    double xa1 = x[n - 1], xa2 = n >= 2 ? x[n - 2] : 0.0;                    \
    for (unsigned j = 0; j < m; j++)                                         \
      sa[j] = c->st[on[j]][ch];                                              \
    mm_biquad_cascade_process (cf, sa, m, x, n);                             \
    for (unsigned j = 0; j < m; j++)                                         \
      c->st[on[j]][ch] = sa[j];                                              \
    eq_settle (c, ch, n, xa1, xa2);                                          \
    for (size_t i = 0; i < n; i++)                                           \
      buf[i * C + ch] = (T) x[i];                                            \
  }                                                                          \
}                                                                            \
                                                                             \
static void                                                                  \
eq_##SUFFIX (mm_chain * c, T * buf, size_t n)                                \
{                                                                            \
  while (n > 0) {                                                            \
    size_t pos = (size_t) (c->t % EQ_BLOCK), len = EQ_BLOCK - pos;           \
    if (pos == 0)                                                            \
      eq_step (c);                                                           \
    if (eq_steady (c))                                                       \
      len = n;                  /* the grid points ahead change nothing */   \
    len = len < n ? len : n;                                                 \
    eq_run_##SUFFIX (c, buf, len);                                           \
    c->t += len;                                                             \
    buf += len * c->channels;                                                \
    n -= len;                                                                \
  }                                                                          \
}

DEFINE_EQ_RUN (float, f32)
DEFINE_EQ_RUN (double, f64)

/* ---- dynamics -------------------------------------------------------- */

/* Three bands from the crossover, each through its compressor (side by
 * side: mm_compressor_process_multi_f32), summed. */
static void
multiband (mm_chain * c, const float *in, size_t n)
{
  float **b = c->band_buf;
  mm_crossover_split_f32 (c->xover, in, b[0], b[1], b[2], n);
  mm_compressor_process_multi_f32 (c->band, MM_CHAIN_BANDS, b, n);
}

static void
dynamics_f32 (mm_chain * c, float *buf, size_t n)
{
  if (c->p.comp_bypass)
    return;
  if (!c->p.multiband) {
    mm_compressor_process_f32 (c->comp, buf, n);
    return;
  }
  /* the bands, each through its compressor, summed in one pass */
  mm_crossover_split_f32 (c->xover, buf, c->band_buf[0], c->band_buf[1],
      c->band_buf[2], n);
  mm_compressor_process_multi_sum_f32 (c->band, MM_CHAIN_BANDS, c->band_buf,
      buf, n);
}

/* The crossover works in float: in f64 the multiband path has float
 * precision (the single band keeps double). */
static void
dynamics_f64 (mm_chain * c, double *buf, size_t n)
{
  if (c->p.comp_bypass)
    return;
  if (!c->p.multiband) {
    mm_compressor_process_f64 (c->comp, buf, n);
    return;
  }
  const size_t m = n * c->channels;
  for (size_t i = 0; i < m; i++)
    c->xin[i] = (float) buf[i];
  multiband (c, c->xin, n);
  const float *b0 = c->band_buf[0], *b1 = c->band_buf[1], *b2 = c->band_buf[2];
  for (size_t i = 0; i < m; i++)
    buf[i] = (double) b0[i] + (double) b1[i] + (double) b2[i];
}

/* ---- process --------------------------------------------------------- */

/* The input into the work buffer, clipped (an AVX2 copy: a flat loop). */
#define DEFINE_CLIP(T, SUFFIX)                                               \
MM_VECTOR_CLONES static void                                                 \
clip_##SUFFIX (T * restrict w, const T * restrict in, size_t m)              \
{                                                                            \
  for (size_t i = 0; i < m; i++) {                                           \
    const double x = in[i];                                                  \
    const double y = x > SAMPLE_MAX ? SAMPLE_MAX : x < -SAMPLE_MAX ?         \
        -SAMPLE_MAX : x;                                                     \
    w[i] = (T) (fabs (x) <= DBL_MAX ? y : 0.0);                              \
  }                                                                          \
}

DEFINE_CLIP (double, f64)

/* The same for float, in float (the same values: SAMPLE_MAX is exact in
 * float; twice the lanes per vector). */
MM_VECTOR_CLONES static void
clip_f32 (float *restrict w, const float *restrict in, size_t m)
{
  for (size_t i = 0; i < m; i++) {
    const float x = in[i];
    const float y = x > (float) SAMPLE_MAX ? (float) SAMPLE_MAX :
        x < (float) -SAMPLE_MAX ? (float) -SAMPLE_MAX : x;
    w[i] = fabsf (x) <= FLT_MAX ? y : 0.0f;
  }
}

/* process: per pass of <= CHUNK frames, input gain, EQ, dynamics and
 * width in a work buffer, the loudness stage from the work buffer into
 * out (which meters the chunk's input as well, with its own meters), dither
 * in out.  State: the blocks' own, the EQ grid
 * position t (frames since reset; the EQ is redesigned on multiples of
 * EQ_BLOCK), the EQ sections' states and on/off flags; `started` once
 * audio has passed (from then on parameter changes glide).  Every stage
 * is sample-accurate and the EQ grid counts frames, so any split of the
 * stream into calls gives the same output.  Draining (in == NULL) feeds
 * the loudness stage silence directly (the stages before it have no
 * latency: nothing of the stream is held there). */
#define DEFINE_PROCESS(T, SUFFIX)                                            \
int                                                                          \
mm_chain_process_##SUFFIX (mm_chain * c, const T * in, T * out,              \
    size_t frames)                                                           \
{                                                                            \
  if (!c || (!out && frames) || (in && in == out && frames))                 \
    return MM_ERR_INVALID;                                                   \
  const unsigned C = c->channels;                                            \
  int err = MM_OK;                                                           \
  while (frames > 0) {                                                       \
    size_t n = frames < CHUNK ? frames : CHUNK;                              \
    if (!in) {                                                               \
      err = mm_loudnorm_process_##SUFFIX (c->ln, NULL, out, n);              \
    } else {                                                                 \
      T *w = c->work_##SUFFIX;                                               \
      clip_##SUFFIX (w, in, n * C);                                          \
      c->started = 1;                                                        \
      mm_smoother_apply_##SUFFIX (c->in_gain, w, C, n);                      \
      eq_##SUFFIX (c, w, n);                                                 \
      dynamics_##SUFFIX (c, w, n);                                           \
      if (c->width && !c->p.width_bypass)                                    \
        mm_width_process_##SUFFIX (c->width, w, n);                          \
      /* the input meter along with the normaliser's (one pass) */          \
      err = mm_loudnorm_process_metered_##SUFFIX (c->ln, w, out, n,          \
          c->in_meter, in);                                                  \
      in += n * C;                                                           \
    }                                                                        \
    if (err != MM_OK)                                                        \
      return err;                                                            \
    if (c->p.dither_bits)                                                    \
      mm_dither_process_##SUFFIX (c->dither, out, n);                        \
    out += n * C;                                                            \
    frames -= n;                                                             \
  }                                                                          \
  return MM_OK;                                                              \
}

DEFINE_PROCESS (float, f32)
DEFINE_PROCESS (double, f64)
