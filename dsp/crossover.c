/* crossover: 3-band LR4 crossover (see crossover.h).
 *
 * Per channel, with LP2/HP2 the RBJ 2nd-order Butterworth (Q = 1/sqrt 2)
 * low- and high-pass of the one biquad block at f_l or f_h, LR4 = two
 * cascaded LP2 (or HP2), and AP the crossover's all-pass LP4 + HP4:
 *
 *   P    = LP2_h LP2_h x                 (below the high crossover)
 *   S    = AP_l AP_h x                   (the whole signal, all-passed)
 *   low  = LP2_l LP2_l P
 *   T    = AP_l P
 *   mid  = T - low          = HP4_l LP4_h x
 *   high = S - T            = AP_l (AP_h x - LP4_h x) = AP_l HP4_h x
 *
 * For Butterworth sections (1 + s^4) / B(s)^2 = (s^2 - sqrt2 s + 1) /
 * (s^2 + sqrt2 s + 1) (B(s) = s^2 + sqrt2 s + 1), and the RBJ designs are
 * the same prewarped bilinear transform, so each AP is exactly one
 * 2nd-order all-pass section: the LP2 denominator with its mirror image
 * as numerator (b0 = a2, b1 = a1, b2 = 1); then the high-pass halves need
 * no sections of their own (AP - LP4 = HP4).  low + mid + high = S: an
 * all-pass, flat in magnitude (to rounding), the phase of two LR4s.  The
 * subtractions are done in double (the bands leave as float).
 *
 * Seven sections per channel, run as two four-lane cascades in one loop
 * (mm_biquad_cascade_process_x4_fork, lanes: two channels x two
 * branches; pass 2 is fed lanes 0, 1 of pass 1):
 *
 *   pass 1 on (x_a, x_b, x_a, x_b): LP2_h, LP2_h | AP_h, AP_l  -> P, S
 *   pass 2 on (P_a, P_b, P_a, P_b): LP2_l, LP2_l | AP_l, (none) -> low, T
 *
 * (the free slot runs an identity section).  A lone last channel (odd
 * counts) takes two lanes of its own, the other two idle.
 *
 * State: four sections of four lanes per channel pair (mm_biquad_state,
 * the lanes' layout of mm_biquad_cascade_process_x4).  Their denormals are
 * flushed every BLOCK frames of the stream (counted from the start, so
 * the output does not depend on how the stream is split into calls).
 * Non-finite input samples are taken as 0.  No latency.  `in` may be the
 * same memory as one of the band buffers (each sample is read before its
 * frame's band samples are written).
 */
#include "crossover.h"

#include <float.h>
#include <stdlib.h>

#include "biquad.h"
#include "vector.h"

#define BLOCK 256
#define BUTTERWORTH_Q 0.70710678118654752
#define PAIRS ((MM_CHANNELS_MAX + 1) / 2)

struct mm_crossover
{
  unsigned rate, channels;
  double low_hz, high_hz;
  /* the two passes' sections (pass 1: c[0..1], pass 2: c[2..3]), lanes
   * as mm_biquad_cascade_process_x4 */
  mm_biquad_coeffs c[4][4];
  mm_biquad_state st[PAIRS][4][4];
  uint64_t pos;                 /* frames since reset, for the flush */
  double v1[BLOCK][4], v2[BLOCK][4];    /* one block of a channel pair */
};

static int
valid_freqs (unsigned rate, double low_hz, double high_hz)
{
  return low_hz >= 20.0 && low_hz < high_hz && high_hz < 0.45 * rate;
}

/* The all-pass LP4 + HP4 of a crossover: one section with the poles of
 * its LP2 (see above). */
static void
allpass_of (mm_biquad_coeffs * ap, const mm_biquad_coeffs * lp)
{
  ap->b0 = lp->a2;
  ap->b1 = lp->a1;
  ap->b2 = 1.0;
  ap->a1 = lp->a1;
  ap->a2 = lp->a2;
}

static void
design (mm_crossover * x)
{
  mm_biquad_coeffs lp_l, lp_h, ap_l, ap_h, id;
  mm_biquad_design (&lp_l, MM_BIQUAD_LOWPASS, x->rate, x->low_hz,
      BUTTERWORTH_Q, 0.0);
  mm_biquad_design (&lp_h, MM_BIQUAD_LOWPASS, x->rate, x->high_hz,
      BUTTERWORTH_Q, 0.0);
  allpass_of (&ap_l, &lp_l);
  allpass_of (&ap_h, &lp_h);
  mm_biquad_identity (&id);
  for (unsigned j = 0; j < 2; j++) {
    /* pass 1: P in lanes 0, 1; S in lanes 2, 3 */
    x->c[0][j] = lp_h;
    x->c[1][j] = lp_h;
    x->c[0][2 + j] = ap_h;
    x->c[1][2 + j] = ap_l;
    /* pass 2: low in lanes 0, 1; T in lanes 2, 3 */
    x->c[2][j] = lp_l;
    x->c[3][j] = lp_l;
    x->c[2][2 + j] = ap_l;
    x->c[3][2 + j] = id;
  }
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
  for (unsigned p = 0; p < PAIRS; p++)
    for (unsigned k = 0; k < 4; k++)
      for (unsigned j = 0; j < 4; j++)
        mm_biquad_reset (&x->st[p][k][j]);
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

/* (a comparison, not isfinite: it vectorises) */
static inline double
finite_or_0 (float v)
{
  return fabsf (v) <= FLT_MAX ? (double) v : 0.0;
}

/* The flat loops around the two passes (AVX2 copies: they are a good
 * part of the crossover's time otherwise).  The pass-1 input of channels
 * a and b (frames of nch channels, nch > 2: stereo goes straight to the
 * kernel) as (a, b, a, b), non-finite as 0. */
MM_VECTOR_CLONES static void
spread_in (double (*restrict v1)[4], const float *restrict in, unsigned nch,
    unsigned ca, unsigned cb, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const double a = finite_or_0 (in[i * nch + ca]);
    const double b = finite_or_0 (in[i * nch + cb]);
    v1[i][0] = v1[i][2] = a;
    v1[i][1] = v1[i][3] = b;
  }
}

/* The bands: low, mid = T - low, high = S - T (b last: a lone channel is
 * both a and b). */
MM_VECTOR_CLONES static void
bands_out (float *restrict low, float *restrict mid, float *restrict high,
    const double (*restrict v1)[4], const double (*restrict v2)[4],
    unsigned nch, unsigned ca, unsigned cb, size_t n)
{
  if (nch == 2) {               /* (constant strides: a vector loop) */
    for (size_t i = 0; i < n; i++) {
      low[2 * i] = (float) v2[i][0];
      low[2 * i + 1] = (float) v2[i][1];
      mid[2 * i] = (float) (v2[i][2] - v2[i][0]);
      mid[2 * i + 1] = (float) (v2[i][3] - v2[i][1]);
      high[2 * i] = (float) (v1[i][2] - v2[i][2]);
      high[2 * i + 1] = (float) (v1[i][3] - v2[i][3]);
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const size_t fa = i * nch + ca, fb = i * nch + cb;
    low[fb] = (float) v2[i][1];
    mid[fb] = (float) (v2[i][3] - v2[i][1]);
    high[fb] = (float) (v1[i][3] - v2[i][3]);
    low[fa] = (float) v2[i][0];
    mid[fa] = (float) (v2[i][2] - v2[i][0]);
    high[fa] = (float) (v1[i][2] - v2[i][2]);
  }
}

/* n <= BLOCK frames of every channel, a channel pair at a time (a lone
 * last channel in both halves of the lanes, see above).  `in` is read
 * whole before the bands are written (it may be one of them). */
static void
split_block (mm_crossover * x, const float *in, float *low, float *mid,
    float *high, size_t n)
{
  const unsigned nch = x->channels;
  double (*v1)[4] = x->v1, (*v2)[4] = x->v2;
  for (unsigned ch = 0; ch < nch; ch += 2) {
    const unsigned cb = ch + (ch + 1 < nch);
    if (nch == 2) {             /* the kernel reads the frames itself */
      mm_biquad_cascade_process_x4_fork_stereo (&x->c[0][0], &x->st[0][0][0],
          in, &v1[0][0], &v2[0][0], n);
    } else {
      spread_in (v1, in, nch, ch, cb, n);
      mm_biquad_cascade_process_x4_fork (&x->c[0][0], &x->st[ch / 2][0][0],
          2, 2, &v1[0][0], &v2[0][0], n);
    }
    bands_out (low, mid, high, (const double (*)[4]) v1,
        (const double (*)[4]) v2, nch, ch, cb, n);
  }
}

/* Zero state that has decayed into the subnormal range. */
static void
flush (mm_crossover * x)
{
  for (unsigned p = 0; p < (x->channels + 1) / 2; p++)
    for (unsigned k = 0; k < 4; k++)
      for (unsigned j = 0; j < 4; j++)
        mm_biquad_flush_denormals (&x->st[p][k][j]);
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
      flush (x);
  }
  return MM_OK;
}
