/* Unit tests of dsp/crossover: the 3-band LR4 crossover.
 *
 *   - API: bad arguments give NULL / MM_ERR_INVALID;
 *   - flat sum: the magnitude response of low + mid + high (DFT of the
 *     impulse response, 240 log-spaced points from 20 Hz to 0.45 fs) is
 *     within +-0.1 dB at 8, 44.1, 48 and 96 kHz, for ordinary and extreme
 *     crossover frequencies (20 Hz / 0.449 fs);
 *   - band separation: each band -6.02 dB at its crossover frequencies
 *     (LR4), 0 dB in its own band (+-0.1 dB; the mid band of 200/2000 Hz
 *     -0.17 dB at its centre, the analogue LR4 value), and under -60 dB a decade
 *     into the neighbours' bands;
 *   - a frequency change between blocks keeps the output finite and the
 *     sum flat once the filters settle;
 *   - NaN/Inf in -> finite out; any split into calls gives the same bands
 *     (bit-exact); reset gives a fresh crossover's bands; the input may be
 *     one of the band buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "crossover.h"
#include "mmrng.h"
#include "tcheck.h"

#define TWO_PI (2.0 * MM_PI)
#define IR_LEN 65536

/* |DFT (h)| at f, dB. */
static double
response_db (const float *h, size_t n, unsigned stride, double f, double rate)
{
  double w = TWO_PI * f / rate;
  double cr = cos (w), ci = -sin (w);
  double pr = 1.0, pi = 0.0, re = 0.0, im = 0.0;
  for (size_t i = 0; i < n; i++) {
    re += h[i * stride] * pr;
    im += h[i * stride] * pi;
    double t = pr * cr - pi * ci;
    pi = pr * ci + pi * cr;
    pr = t;
  }
  return 10.0 * log10 (re * re + im * im);
}

typedef struct
{
  float *low, *mid, *high, *sum;
} bands;

static bands
impulse_bands (unsigned rate, double lo, double hi)
{
  bands b;
  float *in = calloc (IR_LEN, sizeof (float));
  b.low = malloc (IR_LEN * sizeof (float));
  b.mid = malloc (IR_LEN * sizeof (float));
  b.high = malloc (IR_LEN * sizeof (float));
  b.sum = malloc (IR_LEN * sizeof (float));
  in[0] = 1.0f;
  mm_crossover *x = mm_crossover_new (rate, 1, lo, hi);
  mm_crossover_split_f32 (x, in, b.low, b.mid, b.high, IR_LEN);
  for (size_t i = 0; i < IR_LEN; i++)
    b.sum[i] = b.low[i] + b.mid[i] + b.high[i];
  mm_crossover_free (&x);
  free (in);
  return b;
}

static void
free_bands (bands * b)
{
  free (b->low);
  free (b->mid);
  free (b->high);
  free (b->sum);
}

static void
test_api (void)
{
  CHECK (mm_crossover_new (7999, 2, 200, 2000) == NULL);
  CHECK (mm_crossover_new (48000, 0, 200, 2000) == NULL);
  CHECK (mm_crossover_new (48000, MM_CHANNELS_MAX + 1, 200, 2000) == NULL);
  CHECK (mm_crossover_new (48000, 2, 19.9, 2000) == NULL);
  CHECK (mm_crossover_new (48000, 2, 2000, 2000) == NULL);
  CHECK (mm_crossover_new (48000, 2, 200, 0.45 * 48000) == NULL);
  CHECK (mm_crossover_new (48000, 2, NAN, 2000) == NULL);
  mm_crossover_free (NULL);
  mm_crossover *x = mm_crossover_new (48000, 2, 200, 2000);
  if (!CHECK (x != NULL))
    return;
  CHECK (mm_crossover_set_frequencies (x, 3000, 2000) == MM_ERR_INVALID);
  CHECK (mm_crossover_set_frequencies (x, 10, 2000) == MM_ERR_INVALID);
  CHECK (mm_crossover_set_frequencies (NULL, 100, 2000) == MM_ERR_INVALID);
  CHECK (mm_crossover_set_frequencies (x, 100, 5000) == MM_OK);
  float f[4] = { 0 }, o[3][4];
  CHECK (mm_crossover_split_f32 (x, f, o[0], NULL, o[2], 2) == MM_ERR_INVALID);
  CHECK (mm_crossover_split_f32 (NULL, f, o[0], o[1], o[2], 2) == MM_ERR_INVALID);
  CHECK (mm_crossover_split_f32 (x, NULL, NULL, NULL, NULL, 0) == MM_OK);
  CHECK (mm_crossover_split_f32 (x, f, o[0], o[1], o[2], 2) == MM_OK);
  CHECK (mm_crossover_reset (NULL) == MM_ERR_INVALID);
  CHECK (mm_crossover_reset (x) == MM_OK);
  mm_crossover_free (&x);
  CHECK (x == NULL);
}

static void
test_flat_sum (void)
{
  static const struct
  {
    unsigned rate;
    double lo, hi;
  } cases[] = {
    { 48000, 200, 2000 }, { 44100, 120, 5000 }, { 96000, 300, 3000 },
    { 48000, 20, 0.449 * 48000 }, { 8000, 100, 1000 }, { 44100, 20, 40 },
  };
  for (unsigned k = 0; k < sizeof (cases) / sizeof (cases[0]); k++) {
    unsigned rate = cases[k].rate;
    bands b = impulse_bands (rate, cases[k].lo, cases[k].hi);
    double worst = 0.0;
    for (int i = 0; i < 240; i++) {
      double f = 20.0 * pow (0.45 * rate / 20.0, i / 239.0);
      double db = response_db (b.sum, IR_LEN, 1, f, rate);
      worst = fmax (worst, fabs (db));
    }
    printf ("%u Hz, %g / %g Hz: sum flat within %.2e dB\n", rate,
        cases[k].lo, cases[k].hi, worst);
    CHECK (worst <= 0.1);
    free_bands (&b);
  }
}

static void
test_band_separation (void)
{
  const unsigned rate = 48000;
  const double lo = 200, hi = 2000;
  bands b = impulse_bands (rate, lo, hi);
  double low_lo = response_db (b.low, IR_LEN, 1, lo, rate);
  double mid_lo = response_db (b.mid, IR_LEN, 1, lo, rate);
  double mid_hi = response_db (b.mid, IR_LEN, 1, hi, rate);
  double high_hi = response_db (b.high, IR_LEN, 1, hi, rate);
  printf ("at %g Hz: low %.3f mid %.3f dB; at %g Hz: mid %.3f high %.3f dB\n",
      lo, low_lo, mid_lo, hi, mid_hi, high_hi);
  /* LR4: -6.02 dB at the crossover; the other crossover a decade away
   * adds a little. */
  CHECK_NEAR (low_lo, -6.02, 0.05);
  CHECK_NEAR (mid_lo, -6.02, 0.05);
  CHECK_NEAR (mid_hi, -6.02, 0.05);
  CHECK_NEAR (high_hi, -6.02, 0.05);
  double low_pass = response_db (b.low, IR_LEN, 1, 20, rate);
  double mid_pass = response_db (b.mid, IR_LEN, 1, sqrt (lo * hi), rate);
  double high_pass = response_db (b.high, IR_LEN, 1, 20000, rate);
  printf ("pass bands: low @20 Hz %.4f, mid @%.0f Hz %.4f, high @20 kHz %.4f dB\n",
      low_pass, sqrt (lo * hi), mid_pass, high_pass);
  CHECK_NEAR (low_pass, 0.0, 0.1);
  /* mid at the geometric centre: two LR4 skirts a decade away, each
   * 1 / (1 + (1/sqrt 10)^4) in magnitude. */
  CHECK_NEAR (mid_pass, -40.0 * log10 (1.01), 0.01);
  CHECK_NEAR (high_pass, 0.0, 0.1);
  double low_stop = response_db (b.low, IR_LEN, 1, 10 * lo, rate);
  double mid_stop1 = response_db (b.mid, IR_LEN, 1, lo / 10, rate);
  double mid_stop2 = response_db (b.mid, IR_LEN, 1, 10 * hi, rate);
  double high_stop = response_db (b.high, IR_LEN, 1, hi / 10, rate);
  printf ("stop bands: low @%g %.1f, mid @%g %.1f, mid @%g %.1f, high @%g %.1f dB\n",
      10 * lo, low_stop, lo / 10, mid_stop1, 10 * hi, mid_stop2, hi / 10,
      high_stop);
  CHECK (low_stop < -60 && mid_stop1 < -60 && mid_stop2 < -60 && high_stop < -60);
  free_bands (&b);
}

static float *
noise (size_t n, uint64_t seed)
{
  float *p = malloc (n * sizeof (float));
  rng g = { seed };
  for (size_t i = 0; i < n; i++)
    p[i] = (float) (0.3 * rng_gauss (&g));
  return p;
}

static void
test_split_reset_alias (void)
{
  const unsigned nch = 3;
  const size_t n = 20000;
  float *in = noise (nch * n, 5);
  float *r[3], *s[3];
  for (int k = 0; k < 3; k++) {
    r[k] = malloc (nch * n * sizeof (float));
    s[k] = malloc (nch * n * sizeof (float));
  }
  mm_crossover *x = mm_crossover_new (44100, nch, 150, 3000);
  mm_crossover_split_f32 (x, in, r[0], r[1], r[2], n);
  /* reset, then irregular chunks */
  mm_crossover_reset (x);
  size_t o = 0, k = 1;
  while (o < n) {
    size_t len = (k++ * 6007) % 700 + 1;
    len = len < n - o ? len : n - o;
    mm_crossover_split_f32 (x, in + o * nch, s[0] + o * nch, s[1] + o * nch,
        s[2] + o * nch, len);
    o += len;
  }
  int same = 1;
  for (int b = 0; b < 3; b++)
    same &= memcmp (r[b], s[b], nch * n * sizeof (float)) == 0;
  CHECK (same);
  /* in place: the input buffer is the mid band */
  mm_crossover_reset (x);
  memcpy (s[1], in, nch * n * sizeof (float));
  mm_crossover_split_f32 (x, s[1], s[0], s[1], s[2], n);
  same = 1;
  for (int b = 0; b < 3; b++)
    same &= memcmp (r[b], s[b], nch * n * sizeof (float)) == 0;
  CHECK (same);
  for (int b = 0; b < 3; b++) {
    free (r[b]);
    free (s[b]);
  }
  free (in);
  mm_crossover_free (&x);
}

static void
test_frequency_change_and_nonfinite (void)
{
  const size_t n = 48000;
  float *in = noise (2 * n, 9);
  float *lo = malloc (2 * n * sizeof (float)), *mi = malloc (2 * n * sizeof (float)),
      *hi = malloc (2 * n * sizeof (float));
  in[200] = NAN;
  in[201] = INFINITY;
  in[5001] = -INFINITY;
  mm_crossover *x = mm_crossover_new (48000, 2, 200, 2000);
  /* sweep the frequencies every 64 frames */
  for (size_t o = 0; o < n; o += 64) {
    double t = (double) o / n;
    mm_crossover_set_frequencies (x, 100 + 400 * t, 1000 + 9000 * t);
    mm_crossover_split_f32 (x, in + 2 * o, lo + 2 * o, mi + 2 * o, hi + 2 * o, 64);
  }
  int finite = 1;
  double peak = 0.0;
  for (size_t i = 0; i < 2 * n; i++) {
    finite &= isfinite (lo[i]) && isfinite (mi[i]) && isfinite (hi[i]);
    peak = fmax (peak, fabs (lo[i] + mi[i] + hi[i]));
  }
  CHECK (finite);
  printf ("frequency sweep: largest |sum| %.3f (input noise RMS 0.3)\n", peak);
  CHECK (peak < 2.0);
  free (lo);
  free (mi);
  free (hi);
  free (in);
  mm_crossover_free (&x);
}

int
main (void)
{
  test_api ();
  test_flat_sum ();
  test_band_separation ();
  test_split_reset_alias ();
  test_frequency_change_and_nonfinite ();
  return tc_finish ("crossover");
}
