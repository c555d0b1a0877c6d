/* Unit tests of dsp/dither: TPDF dither.
 *
 *   - API: bad arguments give NULL / MM_ERR_INVALID;
 *   - bits 0 (the default) passes f32 and f64 bit-exact;
 *   - bits 16 and 24: the added noise has RMS LSB / sqrt 6 (+-10 %, in
 *     practice +-1 %), mean ~0, stays inside (-LSB, LSB), is triangular
 *     (75 % of it within half an LSB) and white (lag-1 correlation ~0),
 *     channels uncorrelated;
 *   - deterministic: the same seed gives the same noise (also a fixed
 *     golden sum of the first values, so other runs and machines agree),
 *     another seed other noise; any split into calls and a reset repeat
 *     it; f32 and f64 carry the same noise;
 *   - NaN/Inf in -> finite out.
 */
#include <stdlib.h>
#include <string.h>

#include "dither.h"
#include "mmrng.h"
#include "tcheck.h"

/* The golden sum below for seed 777 (printed by the test as well). */
#define GOLDEN_777 0x1.2f0dd625d0000p-8

static void
test_api (void)
{
  CHECK (mm_dither_new (0, 1) == NULL);
  CHECK (mm_dither_new (MM_CHANNELS_MAX + 1, 1) == NULL);
  mm_dither_free (NULL);
  mm_dither *d = mm_dither_new (2, 1);
  if (!CHECK (d != NULL))
    return;
  CHECK (mm_dither_set_bits (d, 8) == MM_ERR_INVALID);
  CHECK (mm_dither_set_bits (d, 32) == MM_ERR_INVALID);
  CHECK (mm_dither_set_bits (NULL, 16) == MM_ERR_INVALID);
  CHECK (mm_dither_set_bits (d, 24) == MM_OK);
  CHECK (mm_dither_set_bits (d, 0) == MM_OK);
  float f[4] = { 0 };
  CHECK (mm_dither_process_f32 (NULL, f, 2) == MM_ERR_INVALID);
  CHECK (mm_dither_process_f32 (d, NULL, 2) == MM_ERR_INVALID);
  CHECK (mm_dither_process_f64 (d, NULL, 0) == MM_OK);
  CHECK (mm_dither_reset (NULL) == MM_ERR_INVALID);
  mm_dither_free (&d);
  CHECK (d == NULL);
}

static void
test_bits0_bit_exact (void)
{
  const size_t n = 10000;
  float *a = malloc (2 * n * sizeof (float)), *b = malloc (2 * n * sizeof (float));
  double *x = malloc (2 * n * sizeof (double)), *y = malloc (2 * n * sizeof (double));
  rng g = { 4 };
  for (size_t i = 0; i < 2 * n; i++) {
    a[i] = b[i] = (float) rng_range (&g, -1, 1);
    x[i] = y[i] = rng_range (&g, -1, 1);
  }
  mm_dither *d = mm_dither_new (2, 99);        /* default: off */
  mm_dither_process_f32 (d, b, n);
  mm_dither_process_f64 (d, y, n);
  CHECK (memcmp (a, b, 2 * n * sizeof (float)) == 0);
  CHECK (memcmp (x, y, 2 * n * sizeof (double)) == 0);
  mm_dither_set_bits (d, 16);
  mm_dither_set_bits (d, 0);
  mm_dither_process_f32 (d, b, n);
  CHECK (memcmp (a, b, 2 * n * sizeof (float)) == 0);
  free (a);
  free (b);
  free (x);
  free (y);
  mm_dither_free (&d);
}

static void
test_noise_statistics (void)
{
  static const unsigned bits[] = { 16, 24 };
  const size_t n = 1 << 20;
  double *buf = malloc (2 * n * sizeof (double));
  for (int k = 0; k < 2; k++) {
    const double lsb = ldexp (1.0, -(int) (bits[k] - 1));
    mm_dither *d = mm_dither_new (2, 12345);
    mm_dither_set_bits (d, bits[k]);
    rng g = { 8 };
    for (size_t i = 0; i < 2 * n; i++)
      buf[i] = 0.5 * rng_range (&g, -1, 1);
    double *in = malloc (2 * n * sizeof (double));
    memcpy (in, buf, 2 * n * sizeof (double));
    mm_dither_process_f64 (d, buf, n);
    for (unsigned ch = 0; ch < 2; ch++) {
      double sum = 0, sum2 = 0, lag = 0, prev = 0, worst = 0;
      size_t half = 0;
      for (size_t i = 0; i < n; i++) {
        double e = (buf[2 * i + ch] - in[2 * i + ch]) / lsb;
        sum += e;
        sum2 += e * e;
        lag += e * prev;
        prev = e;
        worst = fmax (worst, fabs (e));
        half += fabs (e) < 0.5;
      }
      double mean = sum / n, rms = sqrt (sum2 / n);
      printf ("%u bits ch %u: RMS %.5f LSB (1/sqrt6 = %.5f), mean %+.5f LSB, "
          "max %.4f LSB, %.4f within 1/2 LSB, lag-1 corr %+.4f\n", bits[k], ch,
          rms, 1 / sqrt (6.0), mean, worst, (double) half / n, lag / sum2);
      CHECK_NEAR (rms, 1 / sqrt (6.0), 0.1 / sqrt (6.0));
      CHECK_NEAR (rms, 1 / sqrt (6.0), 0.01);
      CHECK_NEAR (mean, 0.0, 0.005);
      CHECK (worst < 1.0 + 1e-6);       /* +1e-6: the sum's rounding */
      CHECK_NEAR ((double) half / n, 0.75, 0.005);
      CHECK_NEAR (lag / sum2, 0.0, 0.01);
    }
    /* channels independent */
    double c01 = 0, e0 = 0, e1 = 0;
    for (size_t i = 0; i < n; i++) {
      double a = buf[2 * i] - in[2 * i], b = buf[2 * i + 1] - in[2 * i + 1];
      c01 += a * b;
      e0 += a * a;
      e1 += b * b;
    }
    CHECK_NEAR (c01 / sqrt (e0 * e1), 0.0, 0.01);
    free (in);
    mm_dither_free (&d);
  }
  free (buf);
}

static void
test_deterministic_split_reset (void)
{
  const unsigned nch = 3;
  const size_t n = 20000;
  float *a = calloc (nch * n, sizeof (float)), *b = calloc (nch * n, sizeof (float));
  double *x = calloc (nch * n, sizeof (double));
  mm_dither *d1 = mm_dither_new (nch, 777), *d2 = mm_dither_new (nch, 777),
      *d3 = mm_dither_new (nch, 778);
  mm_dither_set_bits (d1, 16);
  mm_dither_set_bits (d2, 16);
  mm_dither_set_bits (d3, 16);
  mm_dither_process_f32 (d1, a, n);
  /* golden: the first 64 noise values of channel 0 (exact in double:
   * sums of multiples of 2^-47) */
  double golden = 0.0;
  for (int i = 0; i < 64; i++)
    golden += a[i * nch] * (double) (i + 1);
  printf ("seed 777, 16 bits: golden weighted sum %a\n", golden);
  CHECK (golden == GOLDEN_777);
  size_t o = 0, k = 1;
  while (o < n) {
    size_t len = (k++ * 3571) % 500 + 1;
    len = len < n - o ? len : n - o;
    mm_dither_process_f32 (d2, b + o * nch, len);
    o += len;
  }
  CHECK (memcmp (a, b, nch * n * sizeof (float)) == 0);
  mm_dither_reset (d2);
  memset (b, 0, nch * n * sizeof (float));
  mm_dither_process_f32 (d2, b, n);
  CHECK (memcmp (a, b, nch * n * sizeof (float)) == 0);
  mm_dither_reset (d2);
  mm_dither_process_f64 (d2, x, n);
  int same = 1;
  for (size_t i = 0; i < nch * n; i++)
    same &= (float) x[i] == a[i];
  CHECK (same);
  memset (b, 0, nch * n * sizeof (float));
  mm_dither_process_f32 (d3, b, n);
  CHECK (memcmp (a, b, nch * n * sizeof (float)) != 0);
  free (a);
  free (b);
  free (x);
  mm_dither_free (&d1);
  mm_dither_free (&d2);
  mm_dither_free (&d3);
}

static void
test_nonfinite (void)
{
  float f[8] = { NAN, INFINITY, -INFINITY, 0.5f, NAN, 1.0f, -1.0f, 0.0f };
  double x[8] = { NAN, INFINITY, -INFINITY, 0.5, NAN, 1.0, -1.0, 0.0 };
  for (unsigned bits = 0; bits <= 24; bits += bits ? 8 : 16) {
    float g[8];
    double y[8];
    memcpy (g, f, sizeof g);
    memcpy (y, x, sizeof y);
    mm_dither *d = mm_dither_new (2, 3);
    mm_dither_set_bits (d, bits);
    mm_dither_process_f32 (d, g, 4);
    mm_dither_process_f64 (d, y, 4);
    int finite = 1;
    for (int i = 0; i < 8; i++)
      finite &= isfinite (g[i]) && isfinite (y[i]) && fabs (g[i]) <= 1.001
          && fabs (y[i]) <= 1.001;
    CHECK (finite);
    if (bits == 0)
      CHECK (g[0] == 0.0f && g[1] == 0.0f && g[3] == 0.5f && y[2] == 0.0);
    mm_dither_free (&d);
  }
}

int
main (void)
{
  test_api ();
  test_bits0_bit_exact ();
  test_noise_statistics ();
  test_deterministic_split_reset ();
  test_nonfinite ();
  return tc_finish ("dither");
}
