/* oversample: polyphase windowed-sinc up-sampler. */
#include "oversample.h"

#include <stdlib.h>
#include <string.h>

#include "vector.h"

#define TAPS_MAX 24
#define BLOCK 256               /* input samples per pass (a multiple of every group) */

/* AVX-512 kernels next to the cloned ones, chosen at run time: GCC
 * target_clones cannot give one clone other vector types than another. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define WIDE_KERNELS 1
#else
#define WIDE_KERNELS 0
#endif

/* Kaiser beta: with the taps below, pass-band ripple stays within 0.1 dB
 * to 0.40 fs (tests/dsp/test_oversample.c checks the response). */
#define KAISER_BETA 5.0

struct mm_oversampler
{
  unsigned factor, channels, taps;
  float *coef;                  /* factor x taps; phase p, tap k multiplies x[i + k] */
  float *hist;                  /* channels x (taps - 1 + BLOCK): history then block */
  float *work;                  /* BLOCK: the envelope behind peak () */
  int wide;                     /* the CPU runs the AVX-512 kernels */
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
#if WIDE_KERNELS
  os->wide = mm_vector_avx512 ();
#endif
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

/* The kernels.  Outputs are computed a group of lanes at a time, always
 * whole: the last group of a block reads past its end into the history
 * buffer (which has room, BLOCK being a multiple of every group) and only
 * its valid lanes are kept.  With no scalar tail every output is summed
 * the same way wherever a call starts or ends, so any split of a stream
 * into calls gives bit-identical results, and the envelope, the peak and
 * upsample () agree exactly.  Phase p, output i: sum over k = 0 .. T-1, in
 * that order, of coef[p T + k] x[i + k] (a phase computed alone, as
 * factor 2's one interpolating phase or the last of 5's, sums the two
 * halves of that separately, then adds them); phase 0 is
 * x[i + T - 1 - T / 2] itself.  The phases go in groups of GROUP_MAX from
 * phase 1, fixed by the factor, so every kernel sums a phase the same way
 * (each lane on its own: the lanes of a group never mix, so the width of
 * the vectors does not change a bit). */
#define GROUP_MAX 3             /* interpolating phases per pass over the taps */

#if defined(__GNUC__)
/* A group is U vectors of W lanes.  One load of the input per tap (and
 * half) and vector feeds up to GROUP_MAX phase accumulators, the
 * coefficient broadcast, so the multiply-adds outnumber the loads.
 * Unaligned loads through the aligned(4) types. */
typedef float v8sf __attribute__ ((vector_size (32)));
typedef float v8sf_u __attribute__ ((vector_size (32), aligned (4)));
typedef float v16sf __attribute__ ((vector_size (64)));
typedef float v16sf_u __attribute__ ((vector_size (64), aligned (4)));

/* m = max (m, |a|) lane by lane, for either vector type; NaN in a never
 * wins.  (A macro: a function returning a vector would draw -Wpsabi in
 * the default clone.) */
#define MAX_ABS(m, a)                                                         \
  do {                                                                        \
    typedef __typeof__ ((m) > (m)) vi_;                                       \
    __typeof__ (m) b_ = (__typeof__ (m)) ((vi_) (a) & 0x7fffffff);           \
    vi_ gt_ = b_ > (m);                                                       \
    (m) = (__typeof__ (m)) ((gt_ & (vi_) b_) | (~gt_ & (vi_) (m)));           \
  } while (0)

/* Phases p0 .. p0 + np - 1 (np <= GROUP_MAX) into acc, by dot (a
 * dot_group of DEFINE_KERNELS).  The tap counts the oversampler uses are
 * constants here, so the tap loops unroll. */
#define DOT_GROUP_NP(dot, T_)                                                 \
  switch (np) {                                                               \
    case 1:                                                                   \
      dot (g, T_, x, 1, acc);                                                 \
      break;                                                                  \
    case 2:                                                                   \
      dot (g, T_, x, 2, acc);                                                 \
      break;                                                                  \
    default:                                                                  \
      dot (g, T_, x, 3, acc);                                                 \
      break;                                                                  \
  }

/* The kernels for groups of U vectors of type V (V_U unaligned): LANES
 * outputs.  LOAD reads the input of one vector.
 *
 * dot_group: np (1..GROUP_MAX, constant once inlined) phases from g,
 * spaced T apart, for the LANES outputs whose first input is x[0]:
 * acc[U q + u] is vector u of phase q (the rest of acc is set to 0).
 * envelope_kernel: env[i] = max (env[i], |every phase of output i|),
 * i < n.  upsample_kernel: out[i L + p] = phase p of output i, i < n. */
#define DEFINE_KERNELS(sfx, ATTR, V, V_U, U, LOAD)                            \
enum { LANES##sfx = U * (int) (sizeof (V) / sizeof (float)) };                \
                                                                              \
static inline __attribute__ ((always_inline)) void                            \
dot_group##sfx (const float *restrict g, unsigned T,                          \
    const float *restrict x, unsigned np, V * acc)                            \
{                                                                             \
  const unsigned W = sizeof (V) / sizeof (float);                             \
  V a[GROUP_MAX * U];                                                         \
  for (unsigned q = 0; q < GROUP_MAX * U; q++)                                \
    a[q] = (V) { 0 };                                                         \
  if (np == 1) {                                                              \
    /* A phase alone (factor 2's, the last of 5's): its taps in two           \
     * halves, added at the end, for twice the independent chains. */         \
    const unsigned h = T / 2;                                                 \
    for (unsigned k = 0; k < h; k++)                                          \
      for (unsigned u = 0; u < U; u++) {                                      \
        a[u] += g[k] * LOAD (x + k + u * W);                                  \
        a[U + u] += g[h + k] * LOAD (x + h + k + u * W);                      \
      }                                                                       \
    for (unsigned u = 0; u < U; u++)                                          \
      acc[u] = a[u] + a[U + u];                                               \
    for (unsigned q = U; q < GROUP_MAX * U; q++)                              \
      acc[q] = a[2 * U];                                                      \
    return;                                                                   \
  }                                                                           \
  for (unsigned k = 0; k < T; k++)                                            \
    for (unsigned u = 0; u < U; u++) {                                        \
      V xv = LOAD (x + k + u * W);                                            \
      for (unsigned q = 0; q < np; q++)                                       \
        a[q * U + u] += g[q * T + k] * xv;                                    \
    }                                                                         \
  for (unsigned q = 0; q < GROUP_MAX * U; q++)                                \
    acc[q] = a[q];                                                            \
}                                                                             \
                                                                              \
static inline __attribute__ ((always_inline)) void                            \
dot_phases##sfx (const float *restrict coef, unsigned T,                      \
    const float *restrict x, unsigned p0, unsigned np, V * acc)               \
{                                                                             \
  const float *g = coef + (size_t) p0 * T;                                    \
  if (T == 16) {                                                              \
    DOT_GROUP_NP (dot_group##sfx, 16);                                        \
  } else if (T == 24) {                                                       \
    DOT_GROUP_NP (dot_group##sfx, 24);                                        \
  } else {                                                                    \
    DOT_GROUP_NP (dot_group##sfx, T);                                         \
  }                                                                           \
}                                                                             \
                                                                              \
ATTR static void                                                              \
envelope_kernel##sfx (const float *restrict coef, unsigned T, unsigned L,     \
    const float *restrict x, float *restrict env, size_t n)                   \
{                                                                             \
  const unsigned c0 = T - 1 - T / 2, W = sizeof (V) / sizeof (float);         \
  for (size_t i = 0; i < n; i += LANES##sfx) {                                \
    V m[U], acc[GROUP_MAX * U];                                               \
    for (unsigned u = 0; u < U; u++) {                                        \
      m[u] = (V) { 0 };                                                       \
      MAX_ABS (m[u], *(const V_U *) (x + i + c0 + u * W));                    \
    }                                                                         \
    for (unsigned p = 1; p < L; p += GROUP_MAX) {                             \
      unsigned np = L - p < GROUP_MAX ? L - p : GROUP_MAX;                    \
      dot_phases##sfx (coef, T, x + i, p, np, acc);                           \
      for (unsigned q = 0; q < np * U; q++)                                   \
        MAX_ABS (m[q % U], acc[q]);                                           \
    }                                                                         \
    if (n - i >= LANES##sfx) {                                                \
      for (unsigned u = 0; u < U; u++) {                                      \
        V e = *(V_U *) (env + i + u * W);                                     \
        MAX_ABS (e, m[u]);                                                    \
        *(V_U *) (env + i + u * W) = e;                                       \
      }                                                                       \
    } else {                                                                  \
      float v[LANES##sfx];                                                    \
      for (unsigned u = 0; u < U; u++)                                        \
        *(V_U *) (v + u * W) = m[u];                                          \
      for (size_t j = 0; j < n - i; j++)                                      \
        env[i + j] = v[j] > env[i + j] ? v[j] : env[i + j];                   \
    }                                                                         \
  }                                                                           \
}                                                                             \
                                                                              \
ATTR static void                                                              \
upsample_kernel##sfx (const float *restrict coef, unsigned T, unsigned L,     \
    const float *restrict x, float *restrict out, size_t n)                   \
{                                                                             \
  const unsigned c0 = T - 1 - T / 2, W = sizeof (V) / sizeof (float);         \
  for (size_t i = 0; i < n; i += LANES##sfx) {                                \
    size_t len = n - i < LANES##sfx ? n - i : LANES##sfx;                     \
    for (size_t j = 0; j < len; j++)                                          \
      out[(i + j) * L] = x[i + j + c0];                                       \
    for (unsigned p = 1; p < L; p += GROUP_MAX) {                             \
      unsigned np = L - p < GROUP_MAX ? L - p : GROUP_MAX;                    \
      V acc[GROUP_MAX * U];                                                   \
      float v[GROUP_MAX][LANES##sfx];                                         \
      dot_phases##sfx (coef, T, x + i, p, np, acc);                           \
      for (unsigned q = 0; q < np * U; q++)                                   \
        *(V_U *) (v[q / U] + q % U * W) = acc[q];                             \
      for (size_t j = 0; j < len; j++)                                        \
        for (unsigned q = 0; q < np; q++)                                     \
          out[(i + j) * L + p + q] = v[q][j];                                 \
    }                                                                         \
  }                                                                           \
}

/* Everywhere: two 8-lane vectors (AVX2 registers in the x86-64-v3 clone;
 * a 16-lane type would be lowered through memory there). */
#define LOAD_8(p) (*(const v8sf_u *) (p))
DEFINE_KERNELS (, MM_VECTOR_CLONES, v8sf, v8sf_u, 2, LOAD_8)

#if WIDE_KERNELS
/* With AVX-512: four 16-lane vectors, twice the work per instruction (a
 * CPU with full-width units does a 16-lane multiply-add as fast as an
 * 8-lane one) and twelve independent accumulators at 4x, enough to cover
 * the multiply-add latency (two vectors measured 1.4x slower).  The input
 * is loaded once per tap and vector, into a register (volatile: GCC would
 * otherwise fold the load into each of the np multiply-adds, and these
 * unaligned 64-byte loads, each across two cache lines, would set the
 * pace, not the multiply-adds: twice as slow). */
#define LOAD_16(p) (*(const volatile v16sf_u *) (p))
DEFINE_KERNELS (_16, MM_AVX512, v16sf,
    v16sf_u, 4, LOAD_16)
#endif

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

/* The envelope kernel (env set) or the upsampling one (out), n <= BLOCK:
 * the AVX-512 one where the CPU has it (fixed at mm_oversampler_new) for
 * its whole groups of lanes, the cloned one for the rest (a short call's
 * few samples: fewer lanes computed in vain; every lane is computed alike
 * by both). */
static void
run_kernel (const mm_oversampler * os, const float *x, float *env,
    float *out, size_t n)
{
  const unsigned T = os->taps, L = os->factor;
#if WIDE_KERNELS
  if (os->wide && n >= LANES_16) {
    size_t m = n - n % LANES_16;
    if (env) {
      envelope_kernel_16 (os->coef, T, L, x, env, m);
      env += m;
    } else {
      upsample_kernel_16 (os->coef, T, L, x, out, m);
      out += m * L;
    }
    x += m;
    n -= m;
  }
#endif
  if (env)
    envelope_kernel (os->coef, T, L, x, env, n);
  else
    upsample_kernel (os->coef, T, L, x, out, n);
}

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
    run_kernel (os, x, env, out, len);
    if (env)
      env += len;
    else
      out += len * L;
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
