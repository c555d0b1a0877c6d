/* oversample: polyphase windowed-sinc up-sampler. */
#include "oversample.h"

#include <stdlib.h>
#include <string.h>

#include "vector.h"

#define TAPS_MAX 24
#define BLOCK 256               /* input samples per inner pass */

/* Kaiser beta: with the taps below, pass-band ripple stays within 0.1 dB
 * to 0.40 fs (tests/dsp/test_oversample.c checks the response). */
#define KAISER_BETA 5.0

struct mm_oversampler
{
  unsigned factor, channels, taps;
  float *coef;                  /* factor x taps; phase p, tap k multiplies x[i + k] */
  float *hist;                  /* channels x (taps - 1 + BLOCK): history then block */
  float *work;                  /* BLOCK: one phase's outputs */
};

unsigned
mm_oversample_factor_for_rate (unsigned rate, unsigned min_rate)
{
  if (rate == 0)
    return 0;
  unsigned f = (min_rate + rate - 1) / rate;
  return f < 1 ? 1 : f;
}

static unsigned
taps_for_factor (unsigned factor)
{
  return factor <= 1 ? 1 : factor == 2 ? 24 : 16;
}

/* Modified Bessel function of the first kind, order 0 (series). */
static double
bessel_i0 (double x)
{
  double sum = 1.0, term = 1.0, q = x * x / 4.0;
  for (int k = 1; k < 60; k++) {
    term *= q / ((double) k * k);
    sum += term;
    if (term < sum * 1e-17)
      break;
  }
  return sum;
}

/* Prototype of length taps * L + 1, centred at (taps / 2) * L: its zeros
 * fall on every other multiple of L, which makes phase 0 a pure delay. */
static void
design (float *coef, unsigned L, unsigned taps)
{
  double centre = (double) (taps / 2) * L, norm = bessel_i0 (KAISER_BETA);

  for (unsigned p = 0; p < L; p++) {
    double h[TAPS_MAX], sum = 0.0;
    for (unsigned j = 0; j < taps; j++) {
      /* y[nL + p] = sum_j proto[p + jL] x[n - j] */
      double d = p + (double) j * L - centre;
      double t = d / L, r = d / (centre + 1.0);
      double sinc = d == 0.0 ? 1.0 : sin (MM_PI * t) / (MM_PI * t);
      if (p == 0)
        sinc = d == 0.0 ? 1.0 : 0.0;    /* exact zeros, not 1e-17 */
      double w = bessel_i0 (KAISER_BETA * sqrt (1.0 - r * r)) / norm;
      h[j] = sinc * w;
      sum += h[j];
    }
    /* Tap k multiplies x[i + k] where x[i + taps - 1] is the newest. */
    for (unsigned j = 0; j < taps; j++)
      coef[p * taps + (taps - 1 - j)] = (float) (h[j] / sum);
  }
}

mm_oversampler *
mm_oversampler_new (unsigned factor, unsigned channels)
{
  if (factor < 1 || factor > MM_OVERSAMPLE_FACTOR_MAX || channels < 1
      || channels > MM_CHANNELS_MAX)
    return NULL;

  mm_oversampler *os = calloc (1, sizeof (*os));
  if (!os)
    goto fail;
  os->factor = factor;
  os->channels = channels;
  os->taps = taps_for_factor (factor);
  os->coef = calloc ((size_t) factor * os->taps, sizeof (float));
  if (!os->coef)
    goto fail;
  os->hist = calloc ((size_t) channels * (os->taps - 1 + BLOCK), sizeof (float));
  if (!os->hist)
    goto fail;
  os->work = calloc (BLOCK, sizeof (float));
  if (!os->work)
    goto fail;
  design (os->coef, factor, os->taps);
  return os;

fail:
  mm_oversampler_free (&os);
  return NULL;
}

void
mm_oversampler_free (mm_oversampler ** pos)
{
  if (!pos || !*pos)
    return;
  mm_oversampler *os = *pos;
  free (os->coef);
  free (os->hist);
  free (os->work);
  free (os);
  *pos = NULL;
}

int
mm_oversampler_reset (mm_oversampler * os)
{
  if (!os)
    return MM_ERR_INVALID;
  memset (os->hist, 0,
      (size_t) os->channels * (os->taps - 1 + BLOCK) * sizeof (float));
  return MM_OK;
}

unsigned
mm_oversampler_get_factor (const mm_oversampler * os)
{
  return os ? os->factor : 0;
}

unsigned
mm_oversampler_get_taps (const mm_oversampler * os)
{
  return os ? os->taps : 0;
}

unsigned
mm_oversampler_get_latency (const mm_oversampler * os)
{
  return os && os->factor > 1 ? os->taps / 2 : 0;
}

#if defined(__GNUC__)
/* Sixteen outputs at a time in two 8-lane vectors; the coefficient is
 * broadcast once per tap.  Unaligned loads through an aligned(4) type. */
typedef float v8sf __attribute__ ((vector_size (32)));
typedef float v8sf_u __attribute__ ((vector_size (32), aligned (4)));

MM_VECTOR_CLONES static size_t
phase_dot_vec (const float *restrict g, unsigned taps, const float *restrict x,
    float *restrict out, size_t n)
{
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v8sf a0 = { 0 }, a1 = { 0 };
    for (unsigned k = 0; k < taps; k++) {
      v8sf c = { g[k], g[k], g[k], g[k], g[k], g[k], g[k], g[k] };
      a0 += c * *(const v8sf_u *) (x + i + k);
      a1 += c * *(const v8sf_u *) (x + i + 8 + k);
    }
    *(v8sf_u *) (out + i) = a0;
    *(v8sf_u *) (out + i + 8) = a1;
  }
  return i;
}
#else
static size_t
phase_dot_vec (const float *g, unsigned taps, const float *x, float *out,
    size_t n)
{
  return 0;
}
#endif

/* One phase: out[i] = sum_k g[k] x[i + k], i < n. */
static void
phase_dot (const float *restrict g, unsigned taps, const float *restrict x,
    float *restrict out, size_t n)
{
  for (size_t i = phase_dot_vec (g, taps, x, out, n); i < n; i++) {
    float a = 0.0f;
    for (unsigned k = 0; k < taps; k++)
      a += g[k] * x[i + k];
    out[i] = a;
  }
}

/* Runs the phases on each BLOCK of input with the channel history in front
 * of it (x[0 .. taps-2] = previous samples), then keeps the newest taps-1.
 * Peak mode skips phase 0: it is the input itself, delayed. */
static float
feed (mm_oversampler * os, unsigned ch, const float *in, size_t n, float *out)
{
  const unsigned T = os->taps, L = os->factor;
  float *x = os->hist + (size_t) ch * (T - 1 + BLOCK);
  float peak = 0.0f;

  while (n > 0) {
    size_t len = n < BLOCK ? n : BLOCK;
    memcpy (x + T - 1, in, len * sizeof (float));
    if (!out)
      peak = mm_vector_abs_max_f32 (x + T - 1, len, peak);
    for (unsigned p = out ? 0 : 1; p < L; p++) {
      phase_dot (os->coef + p * T, T, x, os->work, len);
      if (out) {
        for (size_t i = 0; i < len; i++)
          out[i * L + p] = os->work[i];
      } else {
        peak = mm_vector_abs_max_f32 (os->work, len, peak);
      }
    }
    memmove (x, x + len, (T - 1) * sizeof (float));
    in += len;
    n -= len;
    if (out)
      out += len * L;
  }
  return peak;
}

int
mm_oversampler_peak (mm_oversampler * os, unsigned ch, const float *in,
    size_t n, float *peak)
{
  if (!os || ch >= os->channels || (!in && n) || !peak)
    return MM_ERR_INVALID;
  if (os->factor == 1) {
    *peak = mm_vector_abs_max_f32 (in, n, 0.0f);
    return MM_OK;
  }
  *peak = feed (os, ch, in, n, NULL);
  return MM_OK;
}

int
mm_oversampler_upsample (mm_oversampler * os, unsigned ch, const float *in,
    size_t n, float *out)
{
  if (!os || ch >= os->channels || (!in && n) || (!out && n))
    return MM_ERR_INVALID;
  if (os->factor == 1) {
    memmove (out, in, n * sizeof (float));
    return MM_OK;
  }
  feed (os, ch, in, n, out);
  return MM_OK;
}
