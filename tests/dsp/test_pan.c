/* Unit tests of dsp/pan: pan laws and balance.
 *
 *   - API: bad arguments give NULL / MM_ERR_INVALID;
 *   - a -20 dBFS mono sine hard left: left -20 dBFS, right exactly 0
 *     (and the mirror image), for every law;
 *   - centre: each law's centre gain +-0.01 dB (0, -3.0000, -4.5000,
 *     -6.0000 dB), left == right;
 *   - stereo balance: centre unity both, hard right: left 0, right unity;
 *   - position changes ramp: no step larger than the sine's own;
 *   - NaN/Inf in -> finite out; reset ends a ramp.
 */
#include <stdlib.h>
#include <string.h>

#include "pan.h"
#include "tcheck.h"

#define RATE 48000
#define N 48000

static double
rms_db (const float *st, unsigned ch, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += (double) st[2 * i + ch] * st[2 * i + ch];
  return mm_linear_to_db (sqrt (s / n));
}

static float *
sine (size_t n, double db, double f)
{
  float *x = malloc (n * sizeof (float));
  double a = mm_db_to_linear (db) * sqrt (2.0);
  for (size_t i = 0; i < n; i++)
    x[i] = (float) (a * sin (2.0 * MM_PI * f * i / RATE));
  return x;
}

static void
test_api (void)
{
  CHECK (mm_pan_new (7999, 1) == NULL);
  CHECK (mm_pan_new (RATE, 0) == NULL);
  CHECK (mm_pan_new (RATE, 3) == NULL);
  mm_pan_free (NULL);
  mm_pan *p = mm_pan_new (RATE, 1);
  if (!CHECK (p != NULL))
    return;
  CHECK (mm_pan_set_position (p, 1.01) == MM_ERR_INVALID);
  CHECK (mm_pan_set_position (p, NAN) == MM_ERR_INVALID);
  CHECK (mm_pan_set_law (p, (mm_pan_law) 9) == MM_ERR_INVALID);
  CHECK (mm_pan_process_f32 (NULL, NULL, NULL, 0) == MM_ERR_INVALID);
  CHECK (mm_pan_process_f32 (p, NULL, NULL, 4) == MM_ERR_INVALID);
  CHECK (mm_pan_reset (NULL) == MM_ERR_INVALID);
  mm_pan_free (&p);
  CHECK (p == NULL);
}

static void
test_hard_left_right (void)
{
  float *x = sine (N, -20.0, 997.0);
  float *o = malloc (2 * N * sizeof (float));
  for (int law = 0; law < 4; law++) {
    for (int side = -1; side <= 1; side += 2) {
      mm_pan *p = mm_pan_new (RATE, 1);
      mm_pan_set_law (p, (mm_pan_law) law);
      mm_pan_set_position (p, side);
      mm_pan_reset (p);
      mm_pan_process_f32 (p, x, o, N);
      unsigned near = side < 0 ? 0 : 1;
      CHECK_NEAR (rms_db (o, near, N), -20.0, 0.01);
      int exact = 1, zero = 1;
      for (size_t i = 0; i < N; i++) {
        exact &= o[2 * i + near] == x[i];
        zero &= o[2 * i + 1 - near] == 0.0f;
      }
      CHECK (exact);
      CHECK (zero);
      CHECK (rms_db (o, 1 - near, N) < -120.0);
      double l, r;
      mm_pan_law_gains ((mm_pan_law) law, 1, side, &l, &r);
      CHECK (side < 0 ? (l == 1.0 && r == 0.0) : (l == 0.0 && r == 1.0));
      mm_pan_free (&p);
    }
  }
  printf ("hard left/right: near -20.00 dBFS bit-exact, far exactly 0\n");
  free (x);
  free (o);
}

static void
test_centre (void)
{
  const double expect[4] = { 0.0, -3.0000, -4.5000, -6.0000 };
  float *x = sine (N, -20.0, 997.0);
  float *o = malloc (2 * N * sizeof (float));
  for (int law = 0; law < 4; law++) {
    CHECK_NEAR (mm_pan_law_centre_db ((mm_pan_law) law), expect[law], 0.001);
    mm_pan *p = mm_pan_new (RATE, 1);
    mm_pan_set_law (p, (mm_pan_law) law);
    mm_pan_reset (p);
    mm_pan_process_f32 (p, x, o, N);
    double l = rms_db (o, 0, N) + 20.0, r = rms_db (o, 1, N) + 20.0;
    CHECK_NEAR (l, expect[law], 0.01);
    CHECK_NEAR (r, expect[law], 0.01);
    printf ("law %d centre: L %.4f dB, R %.4f dB (law %.4f)\n", law, l, r,
        mm_pan_law_centre_db ((mm_pan_law) law));
    mm_pan_free (&p);
  }
  free (x);
  free (o);
}

static void
test_balance (void)
{
  for (int law = 0; law < 4; law++) {
    double l, r;
    mm_pan_law_gains ((mm_pan_law) law, 2, 0.0, &l, &r);
    CHECK (l == 1.0 && r == 1.0);
    mm_pan_law_gains ((mm_pan_law) law, 2, 1.0, &l, &r);
    CHECK (l == 0.0 && r == 1.0);
    mm_pan_law_gains ((mm_pan_law) law, 2, -0.5, &l, &r);
    CHECK (l == 1.0 && r > 0.0 && r < 1.0);
  }
  float in[8] = { 0.5f, -0.25f, 0.5f, -0.25f, 0.5f, -0.25f, 0.5f, -0.25f };
  float o[8];
  mm_pan *p = mm_pan_new (RATE, 2);
  mm_pan_set_position (p, 1.0);
  mm_pan_reset (p);
  mm_pan_process_f32 (p, in, o, 4);
  CHECK (o[0] == 0.0f && o[1] == -0.25f && o[6] == 0.0f && o[7] == -0.25f);
  mm_pan_free (&p);
}

static void
test_ramp_and_nonfinite (void)
{
  float *x = sine (N, -6.0, 100.0);
  float *o = malloc (2 * N * sizeof (float));
  mm_pan *p = mm_pan_new (RATE, 1);
  mm_pan_process_f32 (p, x, o, N / 2);
  mm_pan_set_position (p, -1.0);
  mm_pan_process_f32 (p, x + N / 2, o + N, N / 2);
  /* the sine's own largest step: 2 pi f / rate * amplitude */
  double own = 2.0 * MM_PI * 100.0 / RATE * mm_db_to_linear (-6.0) * sqrt (2.0);
  double worst = 0.0;
  for (size_t i = 1; i < N; i++)
    for (int ch = 0; ch < 2; ch++)
      worst = fmax (worst, fabs (o[2 * i + ch] - o[2 * (i - 1) + ch]));
  CHECK (worst <= own * 1.01);
  printf ("pan ramp: largest step %.6f (sine's own %.6f)\n", worst, own);
  CHECK (o[2 * (N - 1) + 1] == 0.0f);
  float bad[4] = { NAN, INFINITY, -INFINITY, 1.0f }, ob[8];
  mm_pan_process_f32 (p, bad, ob, 4);
  int fin = 1;
  for (int i = 0; i < 8; i++)
    fin &= isfinite (ob[i]);
  CHECK (fin);
  mm_pan_free (&p);
  free (x);
  free (o);
}

int
main (void)
{
  test_api ();
  test_hard_left_right ();
  test_centre ();
  test_balance ();
  test_ramp_and_nonfinite ();
  return tc_finish ("pan");
}
