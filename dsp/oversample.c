/* oversample: polyphase windowed-sinc up-sampler. */
#include "oversample.h"

#include <stdlib.h>
#include <string.h>

#include "vector.h"

#define TAPS_MAX 24
#define BLOCK 256               /* input samples per inner pass (a multiple of LANES) */

/* Kaiser beta: with the taps below, pass-band ripple stays within 0.1 dB
 * to 0.40 fs (tests/dsp/test_oversample.c checks the response). */
#define KAISER_BETA 5.0

struct mm_oversampler
{
  unsigned factor, channels, taps;
  float *coef;                  /* factor x taps; phase p, tap k multiplies x[i + k] */
  float *hist;                  /* channels x (taps - 1 + BLOCK): history then block */
  float *work;                  /* BLOCK: the envelope behind peak () */
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

/* The kernels.  Outputs are computed LANES at a time, always whole: the
 * last group of a block reads past its end into the history buffer (which
 * has room, BLOCK being a multiple of LANES) and only its valid lanes are
 * kept.  With no scalar tail every output is summed the same way wherever
 * a call starts or ends, so any split of a stream into calls gives
 * bit-identical results, and the envelope, the peak and upsample () agree
 * exactly.  Phase p, output i: sum over k = 0 .. T-1, in that order, of
 * coef[p T + k] x[i + k] (a phase computed alone, as factor 2's one
 * interpolating phase or the last of 5's, sums the two halves of that
 * separately, then adds them); phase 0 is x[i + T - 1 - T / 2] itself.
 * The phases go in groups of GROUP_MAX from phase 1, fixed by the factor,
 * so every kernel sums a phase the same way. */
#define LANES 16
#define GROUP_MAX 3             /* interpolating phases per pass over the taps */

#if defined(__GNUC__)
/* LANES outputs as two 8-lane vectors (AVX2 registers in the x86-64-v3
 * clone; a 16-lane type would be lowered through memory there, and an
 * AVX-512 clone measured no faster).  One load of the input per tap and
 * half feeds up to GROUP_MAX phase accumulators, the coefficient
 * broadcast, so the multiply-adds outnumber the loads: 2 + np loads for
 * 2 np multiply-adds.  Unaligned loads through an aligned(4) type. */
typedef float v8sf __attribute__ ((vector_size (32)));
typedef float v8sf_u __attribute__ ((vector_size (32), aligned (4)));
typedef int32_t v8si __attribute__ ((vector_size (32)));

/* np (1..GROUP_MAX, constant once inlined) phases from g, spaced T apart,
 * for the LANES outputs whose first input is x[0]: acc[2 q], acc[2 q + 1]
 * are phase q's outputs 0..7 and 8..15 (the rest of acc is set to 0). */
static inline __attribute__ ((always_inline)) void
dot_group (const float *restrict g, unsigned T, const float *restrict x,
    unsigned np, v8sf * acc)
{
  v8sf a[2 * GROUP_MAX];
  for (unsigned q = 0; q < 2 * GROUP_MAX; q++)
    a[q] = (v8sf) { 0 };
  if (np == 1) {
    /* A phase alone (factor 2's, the last of 5's): its taps in two
     * halves, added at the end, for four independent chains, not two. */
    const unsigned h = T / 2;
    for (unsigned k = 0; k < h; k++) {
      float c = g[k], d = g[h + k];
      v8sf cv = { c, c, c, c, c, c, c, c }, dv = { d, d, d, d, d, d, d, d };
      a[0] += cv * *(const v8sf_u *) (x + k);
      a[1] += cv * *(const v8sf_u *) (x + 8 + k);
      a[2] += dv * *(const v8sf_u *) (x + h + k);
      a[3] += dv * *(const v8sf_u *) (x + h + 8 + k);
    }
    acc[0] = a[0] + a[2];
    acc[1] = a[1] + a[3];
    for (unsigned q = 2; q < 2 * GROUP_MAX; q++)
      acc[q] = a[4];
    return;
  }
  for (unsigned k = 0; k < T; k++) {
    v8sf x0 = *(const v8sf_u *) (x + k), x1 = *(const v8sf_u *) (x + 8 + k);
    for (unsigned q = 0; q < np; q++) {
      float c = g[q * T + k];
      v8sf cv = { c, c, c, c, c, c, c, c };
      a[2 * q] += cv * x0;
      a[2 * q + 1] += cv * x1;
    }
  }
  for (unsigned q = 0; q < 2 * GROUP_MAX; q++)
    acc[q] = a[q];
}

/* Phases p0 .. p0 + np - 1 (np <= GROUP_MAX) into acc.  The tap counts
 * the oversampler uses are constants here, so the tap loops unroll. */
#define DOT_GROUP_T(T_)                                                       \
  switch (np) {                                                               \
    case 1:                                                                   \
      dot_group (g, T_, x, 1, acc);                                           \
      break;                                                                  \
    case 2:                                                                   \
      dot_group (g, T_, x, 2, acc);                                           \
      break;                                                                  \
    default:                                                                  \
      dot_group (g, T_, x, 3, acc);                                           \
      break;                                                                  \
  }

static inline __attribute__ ((always_inline)) void
dot_phases (const float *restrict coef, unsigned T, const float *restrict x,
    unsigned p0, unsigned np, v8sf * acc)
{
  const float *g = coef + (size_t) p0 * T;
  if (T == 16) {
    DOT_GROUP_T (16);
  } else if (T == 24) {
    DOT_GROUP_T (24);
  } else {
    DOT_GROUP_T (T);
  }
}

/* m = max (m, |a|) lane by lane; NaN in a never wins.  (A macro: a
 * function returning a vector would draw -Wpsabi in the default clone.) */
#define MAX_ABS(m, a)                                                         \
  do {                                                                        \
    v8sf b_ = (v8sf) ((v8si) (a) & 0x7fffffff);                               \
    v8si gt_ = b_ > (m);                                                      \
    (m) = (v8sf) ((gt_ & (v8si) b_) | (~gt_ & (v8si) (m)));                   \
  } while (0)

/* env[i] = max (env[i], |every phase of output i|), i < n. */
MM_VECTOR_CLONES static void
envelope_kernel (const float *restrict coef, unsigned T, unsigned L,
    const float *restrict x, float *restrict env, size_t n)
{
  const unsigned c0 = T - 1 - T / 2;
  for (size_t i = 0; i < n; i += LANES) {
    v8sf m0 = { 0 }, m1 = { 0 }, acc[2 * GROUP_MAX];
    MAX_ABS (m0, *(const v8sf_u *) (x + i + c0));
    MAX_ABS (m1, *(const v8sf_u *) (x + i + 8 + c0));
    for (unsigned p = 1; p < L; p += GROUP_MAX) {
      unsigned np = L - p < GROUP_MAX ? L - p : GROUP_MAX;
      dot_phases (coef, T, x + i, p, np, acc);
      for (unsigned q = 0; q < np; q++) {
        MAX_ABS (m0, acc[2 * q]);
        MAX_ABS (m1, acc[2 * q + 1]);
      }
    }
    if (n - i >= LANES) {
      v8sf e0 = *(v8sf_u *) (env + i), e1 = *(v8sf_u *) (env + i + 8);
      v8si g0 = m0 > e0, g1 = m1 > e1;
      *(v8sf_u *) (env + i) = (v8sf) ((g0 & (v8si) m0) | (~g0 & (v8si) e0));
      *(v8sf_u *) (env + i + 8) = (v8sf) ((g1 & (v8si) m1) | (~g1 & (v8si) e1));
    } else {
      float v[LANES];
      *(v8sf_u *) v = m0;
      *(v8sf_u *) (v + 8) = m1;
      for (size_t j = 0; j < n - i; j++)
        env[i + j] = v[j] > env[i + j] ? v[j] : env[i + j];
    }
  }
}

/* out[i L + p] = phase p of output i, i < n. */
MM_VECTOR_CLONES static void
upsample_kernel (const float *restrict coef, unsigned T, unsigned L,
    const float *restrict x, float *restrict out, size_t n)
{
  const unsigned c0 = T - 1 - T / 2;
  for (size_t i = 0; i < n; i += LANES) {
    size_t len = n - i < LANES ? n - i : LANES;
    for (size_t j = 0; j < len; j++)
      out[(i + j) * L] = x[i + j + c0];
    for (unsigned p = 1; p < L; p += GROUP_MAX) {
      unsigned np = L - p < GROUP_MAX ? L - p : GROUP_MAX;
      v8sf acc[2 * GROUP_MAX];
      float v[GROUP_MAX][LANES];
      dot_phases (coef, T, x + i, p, np, acc);
      for (unsigned q = 0; q < np; q++) {
        *(v8sf_u *) v[q] = acc[2 * q];
        *(v8sf_u *) (v[q] + 8) = acc[2 * q + 1];
      }
      for (size_t j = 0; j < len; j++)
        for (unsigned q = 0; q < np; q++)
          out[(i + j) * L + p + q] = v[q][j];
    }
  }
}
#else
/* Plain C, the same sums in the same order. */
static float
dot (const float *g, unsigned T, const float *x)
{
  float a = 0.0f;
  for (unsigned k = 0; k < T; k++)
    a += g[k] * x[k];
  return a;
}

static void
envelope_kernel (const float *coef, unsigned T, unsigned L, const float *x,
    float *env, size_t n)
{
  const unsigned c0 = T - 1 - T / 2;
  for (size_t i = 0; i < n; i++) {
    float m = fabsf (x[i + c0]);
    for (unsigned p = 1; p < L; p++) {
      float a = fabsf (dot (coef + (size_t) p * T, T, x + i));
      m = a > m ? a : m;
    }
    env[i] = m > env[i] ? m : env[i];
  }
}

static void
upsample_kernel (const float *coef, unsigned T, unsigned L, const float *x,
    float *out, size_t n)
{
  const unsigned c0 = T - 1 - T / 2;
  for (size_t i = 0; i < n; i++) {
    out[i * L] = x[i + c0];
    for (unsigned p = 1; p < L; p++)
      out[i * L + p] = dot (coef + (size_t) p * T, T, x + i);
  }
}
#endif

/* Runs the kernel on each BLOCK of input with the channel history in front
 * of it (x[0 .. taps-2] = previous samples), then keeps the newest taps-1.
 * Exactly one of env and out is set. */
static void
feed (mm_oversampler * os, unsigned ch, const float *in, size_t n, float *env,
    float *out)
{
  const unsigned T = os->taps, L = os->factor;
  float *x = os->hist + (size_t) ch * (T - 1 + BLOCK);

  while (n > 0) {
    size_t len = n < BLOCK ? n : BLOCK;
    memcpy (x + T - 1, in, len * sizeof (float));
    if (env) {
      envelope_kernel (os->coef, T, L, x, env, len);
      env += len;
    } else {
      upsample_kernel (os->coef, T, L, x, out, len);
      out += len * L;
    }
    memmove (x, x + len, (T - 1) * sizeof (float));
    in += len;
    n -= len;
  }
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
  float p = 0.0f;
  while (n > 0) {
    size_t len = n < BLOCK ? n : BLOCK;
    memset (os->work, 0, len * sizeof (float));
    feed (os, ch, in, len, os->work, NULL);
    p = mm_vector_abs_max_f32 (os->work, len, p);
    in += len;
    n -= len;
  }
  *peak = p;
  return MM_OK;
}

int
mm_oversampler_peak_envelope (mm_oversampler * os, unsigned ch,
    const float *in, size_t n, float *env)
{
  if (!os || ch >= os->channels || (!in && n) || (!env && n))
    return MM_ERR_INVALID;
  if (os->factor == 1) {
    for (size_t i = 0; i < n; i++) {
      float a = fabsf (in[i]);
      env[i] = a > env[i] ? a : env[i];
    }
    return MM_OK;
  }
  feed (os, ch, in, n, env, NULL);
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
  feed (os, ch, in, n, NULL, out);
  return MM_OK;
}
