/* Unit tests of dsp/delay: echo times and levels, click-free time changes,
 * non-finite input, reset and split invariance.  Tolerances are stated at
 * each check. */
#include <stdlib.h>
#include <string.h>

#include "delay.h"
#include "mmrng.h"
#include "tcheck.h"

/* worst errors over every echo checked (reported at the end) */
static double worst_ratio_db, worst_first_db;

static mm_delay *
make (unsigned rate, double ms, double fb, double lp)
{
  mm_delay *d = mm_delay_new (rate);
  CHECK (d != NULL);
  CHECK (mm_delay_set_time (d, ms) == MM_OK);
  CHECK (mm_delay_set_feedback (d, fb) == MM_OK);
  CHECK (mm_delay_set_lowpass (d, lp) == MM_OK);
  CHECK (mm_delay_reset (d) == MM_OK);        /* targets reached at once */
  return d;
}

/* An impulse (1 left, -0.5 right): echo k (k = 1..4) at k d samples,
 * within +-1 sample, the first at the input's level (+-0.01 dB), each next
 * one fb times the one before (+-0.1 dB); nothing else above -120 dB. */
static void
test_echo_times_and_feedback_ratio (unsigned rate, double ms, double fb)
{
  const size_t d = (size_t) llround (ms * 0.001 * rate);
  const int echoes = 4;
  const size_t n = d * echoes + d / 2 + 16;
  float *buf = calloc (2 * n, sizeof (float));
  buf[0] = 1.0f;
  buf[1] = -0.5f;
  mm_delay *dl = make (rate, ms, fb, 0.0);
  CHECK (mm_delay_process_f32 (dl, buf, buf, n) == MM_OK);

  double prev[2] = { 0, 0 };
  int bad_pos = 0, stray = 0;
  for (int k = 1; k <= echoes; k++) {
    for (int c = 0; c < 2; c++) {
      size_t at = k * d, best = at;
      for (size_t i = at - 1; i <= at + 1; i++)
        if (fabs (buf[2 * i + c]) > fabs (buf[2 * best + c]))
          best = i;
      if (best != at)
        bad_pos++;
      double v = buf[2 * best + c];
      double in = c ? -0.5 : 1.0;
      if (k == 1) {
        double e = fabs (mm_linear_to_db (v / in));
        worst_first_db = e > worst_first_db ? e : worst_first_db;
        CHECK_NEAR (mm_linear_to_db (v / in), 0.0, 0.01);
      } else if (fb > 0.0) {
        double e = fabs (mm_linear_to_db (v / prev[c]) - mm_linear_to_db (fb));
        worst_ratio_db = e > worst_ratio_db ? e : worst_ratio_db;
        if (!CHECK_NEAR (mm_linear_to_db (v / prev[c]),
                mm_linear_to_db (fb), 0.1))
          printf ("  (rate %u, %g ms, fb %g, echo %d)\n", rate, ms, fb, k);
      } else {
        CHECK (v == 0.0);
      }
      prev[c] = v;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (i % d <= 1 || i % d >= d - 1)
      continue;
    if (fabs (buf[2 * i]) > 1e-6 || fabs (buf[2 * i + 1]) > 1e-6)
      stray++;
  }
  CHECK (bad_pos == 0);
  CHECK (stray == 0);
  printf ("echoes: %u Hz %g ms (%zu samples) fb %g ok\n", rate, ms, d, fb);
  free (buf);
  mm_delay_free (&dl);
  CHECK (dl == NULL);
}

/* A steady 1 kHz sine (no feedback, so its level does not depend on the
 * time): time changes while running, one during a crossfade.  The
 * largest step between output samples stays within 1 % of the sine's own
 * largest step (a hard switch of the read position would jump by up to
 * twice the amplitude). */
static void
test_time_change_glides_without_click (void)
{
  const unsigned rate = 48000;
  const double amp = 0.5, f = 1000.0;
  const size_t n = rate * 2;
  float *buf = malloc (2 * n * sizeof (float));
  mm_delay *dl = make (rate, 300.0, 0.0, 0.0);
  double phase = 0.0, w = 2.0 * MM_PI * f / rate;
  double own = 2.0 * amp * sin (w / 2.0);
  double worst = 0.0, last[2] = { 0, 0 };
  int first = 1;
  size_t t = 0;
  for (int round = 0; round < 4; round++) {
    for (size_t i = 0; i < n; i++, t++) {
      buf[2 * i] = buf[2 * i + 1] = (float) (amp * sin (phase));
      phase = fmod (phase + w, 2.0 * MM_PI);
    }
    if (round == 1)
      mm_delay_set_time (dl, 437.3);
    if (round == 2)
      mm_delay_set_time (dl, 3.0);
    /* round 3: two changes 20 ms apart (the second waits for the first
     * crossfade to end) */
    size_t split = round == 3 ? rate / 50 : n;
    mm_delay_process_f32 (dl, buf, buf, split);
    if (round == 3) {
      mm_delay_set_time (dl, 1200.0);
      mm_delay_set_time (dl, 750.0);
      mm_delay_process_f32 (dl, buf + 2 * split, buf + 2 * split, n - split);
    }
    /* skip the start-up (silence, then the sine's first arrival) */
    size_t from = round == 0 ? (size_t) (0.31 * rate) : 0;
    for (size_t i = from; i < n; i++)
      for (int c = 0; c < 2; c++) {
        if (!first) {
          double s = fabs (buf[2 * i + c] - last[c]);
          worst = s > worst ? s : worst;
        }
        last[c] = buf[2 * i + c];
      }
    first = 0;
  }
  printf ("time change: largest step %.5f, the sine's own %.5f\n", worst,
      own);
  CHECK (worst <= own * 1.01);
  free (buf);
  mm_delay_free (&dl);
}

/* The same with feedback 0.6 and the low-pass on: the sine's level now
 * depends on the time (the echoes add with a phase of their own), up to
 * amp / (1 - fb); the largest step stays within 1 % of that level's. */
static void
test_time_change_with_feedback_stays_smooth (void)
{
  const unsigned rate = 48000;
  const double amp = 0.25, f = 500.0, fb = 0.6;
  const size_t n = rate * 3;
  float *buf = malloc (2 * n * sizeof (float));
  double w = 2.0 * MM_PI * f / rate;
  for (size_t i = 0; i < n; i++)
    buf[2 * i] = buf[2 * i + 1] = (float) (amp * sin (w * (double) i));
  mm_delay *dl = make (rate, 100.0, fb, 8000.0);
  const size_t t1 = rate, t2 = rate + rate / 3;
  mm_delay_process_f32 (dl, buf, buf, t1);
  mm_delay_set_time (dl, 1500.0);
  mm_delay_process_f32 (dl, buf + 2 * t1, buf + 2 * t1, t2 - t1);
  mm_delay_set_time (dl, 7.0);
  mm_delay_set_lowpass (dl, 1000.0);
  mm_delay_process_f32 (dl, buf + 2 * t2, buf + 2 * t2, n - t2);
  double worst = 0.0;
  for (size_t i = rate / 2; i < n; i++)
    for (int c = 0; c < 2; c++) {
      double s = fabs (buf[2 * i + c] - buf[2 * (i - 1) + c]);
      worst = s > worst ? s : worst;
    }
  double bound = 2.0 * amp / (1.0 - fb) * sin (w / 2.0);
  printf ("time change with feedback %.1f: largest step %.5f, bound %.5f\n",
      fb, worst, bound);
  CHECK (worst <= bound * 1.01);
  free (buf);
  mm_delay_free (&dl);
}

static void
test_nonfinite_input_gives_finite_output (void)
{
  const unsigned rate = 48000;
  const size_t n = rate;
  float *buf = calloc (2 * n, sizeof (float));
  buf[0] = NAN;
  buf[1] = INFINITY;
  buf[10] = -INFINITY;
  buf[11] = 3e38f;
  buf[21] = -3e38f;
  buf[40] = 0.5f;
  mm_delay *dl = make (rate, 5.0, 0.95, 2000.0);
  mm_delay_process_f32 (dl, buf, buf, n);
  int finite = 1;
  for (size_t i = 0; i < 2 * n; i++)
    finite &= isfinite (buf[i]) != 0;
  CHECK (finite);
  mm_delay_free (&dl);
  free (buf);
}

static void
fill_noise (float *b, size_t n, uint64_t seed)
{
  rng r = { seed };
  for (size_t i = 0; i < n; i++)
    b[i] = (float) rng_range (&r, -0.5, 0.5);
}

static void
test_reset_clears_echoes (void)
{
  const unsigned rate = 44100;
  const size_t n = rate;
  float *buf = malloc (2 * n * sizeof (float));
  fill_noise (buf, 2 * n, 1);
  mm_delay *dl = make (rate, 123.0, 0.8, 3000.0);
  mm_delay_process_f32 (dl, buf, buf, n);
  CHECK (mm_delay_reset (dl) == MM_OK);
  memset (buf, 0, 2 * n * sizeof (float));
  mm_delay_process_f32 (dl, buf, buf, n);
  int zero = 1;
  for (size_t i = 0; i < 2 * n; i++)
    zero &= buf[i] == 0.0f;
  CHECK (zero);
  mm_delay_free (&dl);
  free (buf);
}

/* Noise with every parameter moving (time crossfade, feedback ramp,
 * cutoff glide), in one call and in calls of random sizes: bit-exact. */
static void
test_split_invariance (void)
{
  const unsigned rate = 48000;
  const size_t n = rate * 2;
  float *in = malloc (2 * n * sizeof (float));
  float *a = malloc (2 * n * sizeof (float));
  float *b = malloc (2 * n * sizeof (float));
  fill_noise (in, 2 * n, 7);
  mm_delay *d1 = make (rate, 2.0, 0.5, 5000.0);
  mm_delay *d2 = make (rate, 2.0, 0.5, 5000.0);
  mm_delay *ds[2] = { d1, d2 };
  for (int k = 0; k < 2; k++) {
    mm_delay_set_time (ds[k], 333.3);
    mm_delay_set_feedback (ds[k], 0.9);
    mm_delay_set_lowpass (ds[k], 800.0);
  }
  mm_delay_process_f32 (d1, in, a, n);
  rng r = { 99 };
  for (size_t done = 0; done < n;) {
    size_t m = 1 + (size_t) (rng_unit (&r) * 700);
    if (m > n - done)
      m = n - done;
    mm_delay_process_f32 (d2, in + 2 * done, b + 2 * done, m);
    done += m;
  }
  CHECK (memcmp (a, b, 2 * n * sizeof (float)) == 0);
  mm_delay_free (&d1);
  mm_delay_free (&d2);
  free (in);
  free (a);
  free (b);
}

static void
test_bad_arguments (void)
{
  CHECK (mm_delay_new (1000) == NULL);
  mm_delay *d = mm_delay_new (48000);
  float x[2] = { 0, 0 };
  CHECK (mm_delay_set_time (d, NAN) == MM_ERR_INVALID);
  CHECK (mm_delay_set_lowpass (d, -1.0) == MM_ERR_INVALID);
  CHECK (mm_delay_process_f32 (NULL, x, x, 1) == MM_ERR_INVALID);
  CHECK (mm_delay_process_f32 (d, NULL, x, 1) == MM_ERR_INVALID);
  CHECK (mm_delay_process_f32 (d, x, x, 0) == MM_OK);
  mm_delay_free (&d);
  mm_delay_free (&d);
  mm_delay_free (NULL);
}

int
main (void)
{
  static const double times[] = { 1.0, 10.0, 250.0, 1000.0, 4000.0 };
  static const double fbs[] = { 0.0, 0.3, 0.7, 0.95 };
  for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
    for (size_t j = 0; j < sizeof fbs / sizeof fbs[0]; j++)
      test_echo_times_and_feedback_ratio (48000, times[i], fbs[j]);
  test_echo_times_and_feedback_ratio (44100, 333.0, 0.5);
  test_echo_times_and_feedback_ratio (96000, 1.0, 0.9);
  printf ("echoes: all at k d exactly; first echo level off by at most "
      "%.2g dB, echo ratios off fb by at most %.2g dB\n", worst_first_db,
      worst_ratio_db);
  test_time_change_glides_without_click ();
  test_time_change_with_feedback_stays_smooth ();
  test_nonfinite_input_gives_finite_output ();
  test_reset_clears_echoes ();
  test_split_invariance ();
  test_bad_arguments ();
  return tc_finish ("delay");
}
