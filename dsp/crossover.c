/* crossover: 3-band LR4 crossover (see crossover.h).
 *
 * Per channel, with LP2/HP2 the RBJ 2nd-order Butterworth (Q = 1/sqrt 2)
 * low- and high-pass of the one biquad block at f_l or f_h:
 *
 *   low  = AP_h (LP2_l (LP2_l (x)))
 *   mid  = LP2_h (LP2_h (HP2_l (HP2_l (x))))
 *   high = HP2_h (HP2_h (HP2_l (HP2_l (x))))
 *
 * AP_h is the high crossover's all-pass LP4_h + HP4_h.  For Butterworth
 * sections (1 + s^4) / B(s)^2 = (s^2 - sqrt2 s + 1) / (s^2 + sqrt2 s + 1)
 * (B(s) = s^2 + sqrt2 s + 1), and the RBJ designs are the same prewarped
 * bilinear transform, so AP_h is exactly one 2nd-order all-pass section:
 * the LP2_h denominator with its mirror image as numerator
 * (b0 = a2, b1 = a1, b2 = 1).  Then low + mid + high = AP_h AP_l: an
 * all-pass, flat in magnitude (to rounding), phase that of two LR4s.
 *
 * State: the nine DF-I sections per channel (mm_biquad_state).  Their
 * denormals are flushed every BLOCK frames of the stream (counted from
 * the start, so the output does not depend on how the stream is split
 * into calls).  Non-finite input samples are taken as 0.  No latency.
 * `in` may be the same memory as one of the band buffers (each sample is
 * read before its frame's band samples are written).
 */
#include "crossover.h"

#include <stdlib.h>

#include "biquad.h"

#define BLOCK 256
#define BUTTERWORTH_Q 0.70710678118654752

enum
{
  LP_L1, LP_L2, AP_H, HP_L1, HP_L2, LP_H1, LP_H2, HP_H1, HP_H2, N_SECTIONS
};

struct mm_crossover
{
  unsigned rate, channels;
  double low_hz, high_hz;
  mm_biquad_coeffs lp_l, hp_l, lp_h, hp_h, ap_h;
  mm_biquad_state st[MM_CHANNELS_MAX][N_SECTIONS];
  uint64_t pos;                 /* frames since reset, for the flush */
  double a[2][BLOCK], b[2][BLOCK], c[2][BLOCK];  /* two channels of a block */
};

static int
valid_freqs (unsigned rate, double low_hz, double high_hz)
{
  return low_hz >= 20.0 && low_hz < high_hz && high_hz < 0.45 * rate;
}

static void
design (mm_crossover * x)
{
  mm_biquad_design (&x->lp_l, MM_BIQUAD_LOWPASS, x->rate, x->low_hz,
      BUTTERWORTH_Q, 0.0);
  mm_biquad_design (&x->hp_l, MM_BIQUAD_HIGHPASS, x->rate, x->low_hz,
      BUTTERWORTH_Q, 0.0);
  mm_biquad_design (&x->lp_h, MM_BIQUAD_LOWPASS, x->rate, x->high_hz,
      BUTTERWORTH_Q, 0.0);
  mm_biquad_design (&x->hp_h, MM_BIQUAD_HIGHPASS, x->rate, x->high_hz,
      BUTTERWORTH_Q, 0.0);
  /* All-pass with the poles of the high sections. */
  x->ap_h.b0 = x->lp_h.a2;
  x->ap_h.b1 = x->lp_h.a1;
  x->ap_h.b2 = 1.0;
  x->ap_h.a1 = x->lp_h.a1;
  x->ap_h.a2 = x->lp_h.a2;
}

mm_crossover *
mm_crossover_new (unsigned rate, unsigned channels, double low_hz,
    double high_hz)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > MM_CHANNELS_MAX || !valid_freqs (rate, low_hz, high_hz))
    return NULL;
  mm_crossover *x = calloc (1, sizeof (*x));
  if (!x)
    return NULL;
  x->rate = rate;
  x->channels = channels;
  x->low_hz = low_hz;
  x->high_hz = high_hz;
  design (x);
  return x;
}

void
mm_crossover_free (mm_crossover ** px)
{
  if (!px || !*px)
    return;
  free (*px);
  *px = NULL;
}

int
mm_crossover_reset (mm_crossover * x)
{
  if (!x)
    return MM_ERR_INVALID;
  for (unsigned ch = 0; ch < MM_CHANNELS_MAX; ch++)
    for (unsigned k = 0; k < N_SECTIONS; k++)
      mm_biquad_reset (&x->st[ch][k]);
  x->pos = 0;
  return MM_OK;
}

int
mm_crossover_set_frequencies (mm_crossover * x, double low_hz, double high_hz)
{
  if (!x || !valid_freqs (x->rate, low_hz, high_hz))
    return MM_ERR_INVALID;
  if (low_hz == x->low_hz && high_hz == x->high_hz)
    return MM_OK;
  x->low_hz = low_hz;
  x->high_hz = high_hz;
  design (x);
  return MM_OK;
}

/* n <= BLOCK frames of every channel, two channels at a time (the lanes
 * of mm_biquad_cascade_process_x2), each chain of sections as one
 * cascade: bit for bit the section-by-section result. */
static void
split_block (mm_crossover * x, const float *in, float *low, float *mid,
    float *high, size_t n)
{
  const unsigned nch = x->channels;
  const mm_biquad_coeffs lo[3] = { x->lp_l, x->lp_l, x->ap_h };
  const mm_biquad_coeffs hl[2] = { x->hp_l, x->hp_l };
  const mm_biquad_coeffs lh[2] = { x->lp_h, x->lp_h };
  const mm_biquad_coeffs hh[2] = { x->hp_h, x->hp_h };
  for (unsigned ch = 0; ch < nch; ch += 2) {
    const unsigned pair = ch + 1 < nch;
    const unsigned w = pair + 1;
    for (unsigned q = 0; q < w; q++) {
      double *a = x->a[q], *b = x->b[q];
      for (size_t i = 0; i < n; i++) {
        float v = in[i * nch + ch + q];
        a[i] = b[i] = isfinite (v) ? v : 0.0;
      }
    }
    mm_biquad_state *s0 = x->st[ch], *s1 = x->st[ch + pair];
    double *a0 = x->a[0], *b0 = x->b[0], *c0 = x->c[0];
    double *a1 = x->a[1], *b1 = x->b[1], *c1 = x->c[1];
    if (pair) {
      /* low */
      mm_biquad_cascade_process_x2 (lo, &s0[LP_L1], &s1[LP_L1], 3, a0, a1, n);
      /* above the low crossover, then mid and high */
      mm_biquad_cascade_process_x2 (hl, &s0[HP_L1], &s1[HP_L1], 2, b0, b1, n);
      for (size_t i = 0; i < n; i++) {
        c0[i] = b0[i];
        c1[i] = b1[i];
      }
      mm_biquad_cascade_process_x2 (lh, &s0[LP_H1], &s1[LP_H1], 2, b0, b1, n);
      mm_biquad_cascade_process_x2 (hh, &s0[HP_H1], &s1[HP_H1], 2, c0, c1, n);
    } else {
      mm_biquad_cascade_process (lo, &s0[LP_L1], 3, a0, n);
      mm_biquad_cascade_process (hl, &s0[HP_L1], 2, b0, n);
      for (size_t i = 0; i < n; i++)
        c0[i] = b0[i];
      mm_biquad_cascade_process (lh, &s0[LP_H1], 2, b0, n);
      mm_biquad_cascade_process (hh, &s0[HP_H1], 2, c0, n);
    }
    for (unsigned q = 0; q < w; q++) {
      const double *a = x->a[q], *b = x->b[q], *c = x->c[q];
      for (size_t i = 0; i < n; i++) {
        low[i * nch + ch + q] = (float) a[i];
        mid[i * nch + ch + q] = (float) b[i];
        high[i * nch + ch + q] = (float) c[i];
      }
    }
  }
}

int
mm_crossover_split_f32 (mm_crossover * x, const float *in, float *low,
    float *mid, float *high, size_t frames)
{
  if (!x || (frames && (!in || !low || !mid || !high)))
    return MM_ERR_INVALID;
  const unsigned nch = x->channels;
  size_t o = 0;
  while (o < frames) {
    /* Chunks end on multiples of BLOCK frames of the stream. */
    size_t room = BLOCK - (size_t) (x->pos % BLOCK);
    size_t n = frames - o < room ? frames - o : room;
    size_t off = o * nch;
    split_block (x, in + off, low + off, mid + off, high + off, n);
    x->pos += n;
    o += n;
    if (x->pos % BLOCK == 0)
      for (unsigned ch = 0; ch < nch; ch++)
        for (unsigned k = 0; k < N_SECTIONS; k++)
          mm_biquad_flush_denormals (&x->st[ch][k]);
  }
  return MM_OK;
}
