/* Unit tests of dsp/width: mid/side stereo width with bass mono.
 *
 *   - API: bad arguments give NULL / MM_ERR_INVALID;
 *   - width 1 with bass mono off is a bit-exact pass-through (f32, f64),
 *     also after a ramp back to 1;
 *   - a mono signal (L == R) is unchanged bit-exact at widths 0..2, with
 *     bass mono on and while the width ramps;
 *   - bass mono 120 Hz: a side-only 40 Hz tone is attenuated > 12 dB
 *     (2nd-order high-pass: -19 dB), a 1 kHz side tone passes;
 *   - width 2 doubles a 1 kHz side tone (+6.02 dB +-0.1 dB), width 0
 *     gives L == R exactly; width changes ramp (small steps per frame);
 *   - stats: correlation and side/mid ratio of mono, out-of-phase,
 *     independent and silent signals; cleared by reading;
 *   - NaN/Inf in -> finite out; any split into calls gives the same output
 *     (bit-exact); reset gives a fresh block's output; other channel
 *     counts pass unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "mmrng.h"
#include "tcheck.h"
#include "width.h"

#define TWO_PI (2.0 * MM_PI)
#define RATE 48000

static void
test_api (void)
{
  CHECK (mm_width_new (7999, 2) == NULL);
  CHECK (mm_width_new (48000, 0) == NULL);
  CHECK (mm_width_new (48000, MM_CHANNELS_MAX + 1) == NULL);
  mm_width_free (NULL);
  mm_width *w = mm_width_new (RATE, 2);
  if (!CHECK (w != NULL))
    return;
  CHECK (mm_width_set_width (w, -0.1) == MM_ERR_INVALID);
  CHECK (mm_width_set_width (w, 2.1) == MM_ERR_INVALID);
  CHECK (mm_width_set_width (w, NAN) == MM_ERR_INVALID);
  CHECK (mm_width_set_width (NULL, 1) == MM_ERR_INVALID);
  CHECK (mm_width_set_bass_mono (w, 10) == MM_ERR_INVALID);
  CHECK (mm_width_set_bass_mono (w, 501) == MM_ERR_INVALID);
  CHECK (mm_width_set_bass_mono (w, NAN) == MM_ERR_INVALID);
  CHECK (mm_width_set_bass_mono (w, 0) == MM_OK);
  CHECK (mm_width_set_bass_mono (w, 500) == MM_OK);
  CHECK (mm_width_set_width (w, 2) == MM_OK);
  float f[4] = { 0 };
  CHECK (mm_width_process_f32 (NULL, f, 2) == MM_ERR_INVALID);
  CHECK (mm_width_process_f32 (w, NULL, 2) == MM_ERR_INVALID);
  CHECK (mm_width_process_f64 (w, NULL, 0) == MM_OK);
  CHECK (mm_width_get_stats (NULL, NULL, NULL) == MM_ERR_INVALID);
  CHECK (mm_width_reset (NULL) == MM_ERR_INVALID);
  mm_width_free (&w);
  CHECK (w == NULL);
}

static float *
stereo_noise (size_t n, uint64_t seed, double corr)
{
  float *p = malloc (2 * n * sizeof (float));
  rng g = { seed };
  for (size_t i = 0; i < n; i++) {
    double a = rng_gauss (&g), b = rng_gauss (&g);
    p[2 * i] = (float) (0.2 * a);
    p[2 * i + 1] = (float) (0.2 * (corr * a + sqrt (1 - corr * corr) * b));
  }
  return p;
}

static void
test_unity_bit_exact (void)
{
  const size_t n = 20000;
  float *in = stereo_noise (n, 1, 0.3);
  float *b = malloc (2 * n * sizeof (float));
  double *d = malloc (2 * n * sizeof (double));
  memcpy (b, in, 2 * n * sizeof (float));
  for (size_t i = 0; i < 2 * n; i++)
    d[i] = in[i] * (1.0 + 1e-9);        /* not float-representable */
  mm_width *w = mm_width_new (RATE, 2);
  mm_width_process_f32 (w, b, n);
  CHECK (memcmp (in, b, 2 * n * sizeof (float)) == 0);
  int same = 1;
  mm_width_process_f64 (w, d, n);
  for (size_t i = 0; i < 2 * n; i++)
    same &= d[i] == in[i] * (1.0 + 1e-9);
  CHECK (same);
  /* ramp away and back to 1, bass mono on and off again */
  mm_width_set_width (w, 1.7);
  mm_width_set_bass_mono (w, 100);
  memcpy (b, in, 2 * n * sizeof (float));
  mm_width_process_f32 (w, b, 5000);
  mm_width_set_width (w, 1.0);
  mm_width_set_bass_mono (w, 0);
  mm_width_process_f32 (w, b, 5000);
  memcpy (b, in, 2 * n * sizeof (float));
  mm_width_process_f32 (w, b, n);
  CHECK (memcmp (in, b, 2 * n * sizeof (float)) == 0);
  free (in);
  free (b);
  free (d);
  mm_width_free (&w);
}

static void
test_mono_unchanged (void)
{
  const size_t n = 12000;
  float *in = malloc (2 * n * sizeof (float)), *b = malloc (2 * n * sizeof (float));
  rng g = { 3 };
  for (size_t i = 0; i < n; i++)
    in[2 * i] = in[2 * i + 1] = (float) (0.5 * rng_gauss (&g));
  static const double widths[] = { 0.0, 0.5, 1.0, 1.5, 2.0 };
  int all = 1;
  for (int bm = 0; bm < 2; bm++)
    for (int k = 0; k < 5; k++) {
      mm_width *w = mm_width_new (RATE, 2);
      mm_width_set_bass_mono (w, bm ? 150 : 0);
      mm_width_set_width (w, widths[k]);        /* ramps from 1 */
      memcpy (b, in, 2 * n * sizeof (float));
      mm_width_process_f32 (w, b, n);
      all &= memcmp (in, b, 2 * n * sizeof (float)) == 0;
      double corr, sm;
      mm_width_get_stats (w, &corr, &sm);
      all &= corr == 1.0 && sm == 0.0;
      mm_width_free (&w);
    }
  CHECK (all);
  free (in);
  free (b);
}

/* Side-only tone of `freq` through w; the output side RMS over the last
 * half, relative to the input side RMS, dB. */
static double
side_gain_db (mm_width * w, double freq)
{
  const size_t n = RATE;
  float *b = malloc (2 * n * sizeof (float));
  for (size_t i = 0; i < n; i++) {
    float s = (float) (0.25 * sin (TWO_PI * freq * i / RATE));
    b[2 * i] = s;
    b[2 * i + 1] = -s;
  }
  mm_width_process_f32 (w, b, n);
  double e_in = 0, e_out = 0;
  for (size_t i = n / 2; i < n; i++) {
    double s = 0.25 * sin (TWO_PI * freq * i / RATE);
    double so = 0.5 * (b[2 * i] - b[2 * i + 1]);
    e_in += s * s;
    e_out += so * so;
  }
  free (b);
  return 10.0 * log10 (e_out / e_in);
}

static void
test_bass_mono_and_width (void)
{
  mm_width *w = mm_width_new (RATE, 2);
  mm_width_set_bass_mono (w, 120);
  double g40 = side_gain_db (w, 40);
  mm_width_reset (w);
  double g1k = side_gain_db (w, 1000);
  printf ("bass mono 120 Hz: side at 40 Hz %.2f dB, at 1 kHz %.4f dB\n", g40, g1k);
  CHECK (g40 < -12.0);
  CHECK_NEAR (g1k, 0.0, 0.1);
  mm_width_set_width (w, 2.0);
  mm_width_reset (w);           /* ramp done */
  double g2 = side_gain_db (w, 1000);
  mm_width_set_bass_mono (w, 0);
  mm_width_reset (w);
  double g2b = side_gain_db (w, 1000);
  printf ("width 2: 1 kHz side %+.4f dB (bass mono 120), %+.4f dB (off)\n", g2, g2b);
  CHECK_NEAR (g2, 20 * log10 (2.0), 0.1);
  CHECK_NEAR (g2b, 20 * log10 (2.0), 1e-5);
  mm_width_free (&w);

  /* width 1 -> 0 ramps, ends mono */
  w = mm_width_new (RATE, 2);
  const size_t n = 9600;
  float *b = malloc (2 * n * sizeof (float));
  for (size_t i = 0; i < n; i++) {
    b[2 * i] = 0.5f;
    b[2 * i + 1] = -0.5f;
  }
  mm_width_set_width (w, 0.0);
  mm_width_process_f32 (w, b, n);
  double step = 0.0;
  for (size_t i = 1; i < n; i++)
    step = fmax (step, fabs (b[2 * i] - b[2 * i - 2]));
  printf ("width 1 -> 0 on a constant side: largest step %.2e per frame, "
      "ramp %.1f ms\n", step, 0.5 / step * 1000.0 / RATE);
  CHECK (step < 0.5 / 1000);
  CHECK (b[2 * n - 2] == b[2 * n - 1]);
  free (b);
  mm_width_free (&w);
}

static void
test_stats (void)
{
  const size_t n = 48000;
  mm_width *w = mm_width_new (RATE, 2);
  double corr, sm;
  mm_width_get_stats (w, &corr, &sm);
  CHECK (corr == 1.0 && sm == 0.0);     /* silence */
  float *p = stereo_noise (n, 11, 0.0);
  mm_width_process_f32 (w, p, n);
  mm_width_get_stats (w, &corr, &sm);
  printf ("independent noise: correlation %.4f, side/mid %.4f\n", corr, sm);
  CHECK_NEAR (corr, 0.0, 0.03);
  CHECK_NEAR (sm, 1.0, 0.06);
  mm_width_get_stats (w, &corr, &sm);
  CHECK (corr == 1.0 && sm == 0.0);     /* cleared */
  for (size_t i = 0; i < n; i++)
    p[2 * i + 1] = -p[2 * i];
  mm_width_process_f32 (w, p, n);
  mm_width_get_stats (w, &corr, &sm);
  CHECK_NEAR (corr, -1.0, 1e-12);
  CHECK (sm == 1e6);
  free (p);
  p = stereo_noise (n, 12, 0.6);        /* corr 0.6 -> S/M = 0.4/1.6 */
  mm_width_process_f32 (w, p, n);
  mm_width_get_stats (w, &corr, &sm);
  printf ("correlated noise (0.6): correlation %.4f, side/mid %.4f\n", corr, sm);
  CHECK_NEAR (corr, 0.6, 0.02);
  CHECK_NEAR (sm, 0.25, 0.02);
  free (p);
  mm_width_free (&w);
}

static void
test_nonfinite_split_reset (void)
{
  const size_t n = 30000;
  float *in = stereo_noise (n, 21, 0.5);
  in[100] = NAN;
  in[101] = INFINITY;
  in[7777] = -INFINITY;
  float *a = malloc (2 * n * sizeof (float)), *b = malloc (2 * n * sizeof (float));
  double *d = malloc (2 * n * sizeof (double));
  mm_width *w = mm_width_new (RATE, 2);
  mm_width_set_bass_mono (w, 90);
  memcpy (a, in, 2 * n * sizeof (float));
  mm_width_process_f32 (w, a, 10000);
  mm_width_set_width (w, 1.8);
  mm_width_process_f32 (w, a + 20000, 5000);
  mm_width_set_width (w, 1.0);
  mm_width_set_bass_mono (w, 0);
  mm_width_process_f32 (w, a + 30000, n - 15000);
  int finite = 1;
  for (size_t i = 0; i < 2 * n; i++)
    finite &= isfinite (a[i]);
  CHECK (finite);
  /* reset + chunks */
  mm_width_reset (w);
  mm_width_set_width (w, 1.0);
  mm_width_reset (w);
  mm_width_set_bass_mono (w, 90);
  memcpy (b, in, 2 * n * sizeof (float));
  size_t o = 0, k = 1;
  static const size_t marks[] = { 10000, 15000, SIZE_MAX };
  unsigned m = 0;
  while (o < n) {
    size_t len = (k++ * 4099) % 900 + 1;
    if (o + len > marks[m])
      len = marks[m] - o;
    len = len < n - o ? len : n - o;
    mm_width_process_f32 (w, b + 2 * o, len);
    o += len;
    if (o == marks[m]) {
      if (m == 0)
        mm_width_set_width (w, 1.8);
      else {
        mm_width_set_width (w, 1.0);
        mm_width_set_bass_mono (w, 0);
      }
      m++;
    }
  }
  CHECK (memcmp (a, b, 2 * n * sizeof (float)) == 0);
  /* f64 agrees */
  mm_width *w2 = mm_width_new (RATE, 2);
  mm_width_set_bass_mono (w2, 90);
  for (size_t i = 0; i < 2 * n; i++)
    d[i] = in[i];
  mm_width_process_f64 (w2, d, 10000);
  mm_width_set_width (w2, 1.8);
  mm_width_process_f64 (w2, d + 20000, 5000);
  mm_width_set_width (w2, 1.0);
  mm_width_set_bass_mono (w2, 0);
  mm_width_process_f64 (w2, d + 30000, n - 15000);
  double dev = 0.0;
  for (size_t i = 0; i < 2 * n; i++) {
    dev = fmax (dev, fabs (d[i] - a[i]));
    finite &= isfinite (d[i]);
  }
  CHECK (finite);
  CHECK (dev < 1e-6);
  mm_width_free (&w2);
  mm_width_free (&w);

  /* other channel counts pass (non-finite samples as 0) */
  w = mm_width_new (RATE, 3);
  mm_width_set_width (w, 2.0);
  memcpy (b, in, 30000 * sizeof (float));
  mm_width_process_f32 (w, b, 10000);
  int same = 1;
  for (size_t i = 0; i < 30000; i++)
    same &= isfinite (in[i]) ? b[i] == in[i] : b[i] == 0.0f;
  CHECK (same);
  double corr, sm;
  mm_width_get_stats (w, &corr, &sm);
  CHECK (corr == 1.0 && sm == 0.0);
  mm_width_free (&w);
  free (in);
  free (a);
  free (b);
  free (d);
}

int
main (void)
{
  test_api ();
  test_unity_bit_exact ();
  test_mono_unchanged ();
  test_bass_mono_and_width ();
  test_stats ();
  test_nonfinite_split_reset ();
  return tc_finish ("width");
}
