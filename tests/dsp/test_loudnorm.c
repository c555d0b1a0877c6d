/* test_loudnorm: the loudness normaliser (dsp/loudnorm.c) on its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loudnorm.h"
#include "mmrng.h"
#include "tcheck.h"

#define RATE 48000
#define TWO_PI 6.283185307179586

/* Stereo pink-ish noise (one-pole low-passed white) at linear gain `amp`,
 * silence for the first `silent` frames. */
static float *
noise (size_t frames, size_t silent, double amp, uint64_t seed)
{
  float *x = calloc (frames * 2, sizeof (float));
  rng r = { seed };
  double lp[2] = { 0, 0 };
  for (size_t i = silent; i < frames; i++)
    for (int c = 0; c < 2; c++) {
      lp[c] += 0.3 * (rng_gauss (&r) - lp[c]);
      x[2 * i + c] = (float) (amp * lp[c]);
    }
  return x;
}

/* Output frame k + latency is input frame k times the gain: the delay is
 * exact, and a constant gain is exact (linear mode, below the ceiling). */
static void
test_linear_latency_and_gain_exact (void)
{
  mm_loudnorm *n = mm_loudnorm_new (RATE, 2, MM_LOUDNORM_LINEAR, 0, 0);
  size_t frames = RATE, lat = mm_loudnorm_get_latency (n);
  float *x = noise (frames, 0, 0.01, 1), *y = calloc (frames * 2, 4);
  CHECK (lat > 0 && lat < RATE / 50);   /* the limiter's few ms */
  CHECK (mm_loudnorm_set_gain (n, 6.0) == MM_OK);
  /* uneven calls: the result does not depend on the split */
  for (size_t done = 0, len = 1; done < frames; done += len, len = len * 3 + 1)
    mm_loudnorm_process_f32 (n, x + 2 * done, y + 2 * done,
        done + len > frames ? (len = frames - done) : len);
  double g = pow (10.0, 6.0 / 20.0), err = 0.0;
  for (size_t i = lat; i < frames; i++)
    for (int c = 0; c < 2; c++)
      err = fmax (err, fabs (y[2 * i + c] - g * x[2 * (i - lat) + c]));
  CHECK_NEAR (err, 0.0, 1e-6);
  CHECK_NEAR (mm_loudnorm_get_gain (n), 6.0, 1e-6);
  mm_loudnorm_free (&n);
  CHECK (n == NULL);
  free (x);
  free (y);
}

/* Live: after leading silence the first sound is already at the settled
 * gain (no jump when it starts), and steady noise keeps a steady gain. */
static void
test_live_leading_silence_no_gain_jump (void)
{
  size_t silent = 5 * RATE, frames = 25 * RATE;
  mm_loudnorm *n = mm_loudnorm_new (RATE, 2, MM_LOUDNORM_LIVE, 3000, 0);
  float *x = noise (frames, silent, 0.02, 2), *y = calloc (frames * 2, 4);
  size_t lat = mm_loudnorm_get_latency (n);
  mm_loudnorm_process_f32 (n, x, y, frames);

  /* gain seen on the output: energy ratio over 200 ms windows */
  double first = 0, last = 0, lo = 1e9, hi = -1e9;
  for (size_t w = silent; w + RATE / 5 + lat < frames; w += RATE / 5) {
    double ei = 0, eo = 0;
    for (size_t i = w; i < w + RATE / 5; i++) {
      ei += x[2 * i] * x[2 * i];
      eo += y[2 * (i + lat)] * y[2 * (i + lat)];
    }
    double g = 10.0 * log10 (eo / ei);
    if (w == silent)
      first = g;
    last = g;
    lo = fmin (lo, g);
    hi = fmax (hi, g);
  }
  printf ("live after 5 s silence: first 200 ms of sound at %+.2f dB, "
      "settled %+.2f dB, range %.2f dB\n", first, last, hi - lo);
  CHECK_NEAR (first, last, 0.5);
  CHECK_RANGE (hi - lo, 0.0, 0.5);
  double out;
  mm_loudness_integrated (mm_loudnorm_get_output_meter (n), &out);
  CHECK_NEAR (out, -23.0, 0.5);
  mm_loudnorm_free (&n);
  free (x);
  free (y);
}

/* NaN/Inf in, finite out; f64 needs the F64 flag in live mode. */
static void
test_bad_input (void)
{
  CHECK (mm_loudnorm_new (RATE, 2, MM_LOUDNORM_LIVE, 50, 0) == NULL);
  CHECK (mm_loudnorm_new (RATE, 9, MM_LOUDNORM_LINEAR, 0, 0) == NULL);
  CHECK (mm_loudnorm_new (RATE, 2, MM_LOUDNORM_LINEAR, 0, 1u << 5) == NULL);
  mm_loudnorm *n = mm_loudnorm_new (RATE, 2, MM_LOUDNORM_LIVE, 100, 0);
  CHECK (mm_loudnorm_set_target (n, 1.0) == MM_ERR_INVALID);
  CHECK (mm_loudnorm_set_target (n, NAN) == MM_ERR_INVALID);
  CHECK (mm_loudnorm_set_ceiling (n, -10.0) == MM_ERR_INVALID);
  CHECK (mm_loudnorm_set_gain (n, 3.0) == MM_ERR_INVALID);      /* live */
  double d[4] = { 0 };
  CHECK (mm_loudnorm_process_f64 (n, d, d + 2, 1) == MM_ERR_INVALID);
  size_t frames = RATE;
  float *x = noise (frames, 0, 0.5, 3), *y = calloc (frames * 2, 4);
  for (size_t i = 0; i < frames * 2; i += 997)
    x[i] = (i / 997) % 2 ? NAN : INFINITY;
  mm_loudnorm_process_f32 (n, x, y, frames);
  int finite = 1;
  for (size_t i = 0; i < frames * 2; i++)
    finite &= isfinite (y[i]) != 0;
  CHECK (finite);
  mm_loudnorm_free (&n);
  free (x);
  free (y);
}

int
main (void)
{
  test_linear_latency_and_gain_exact ();
  test_live_leading_silence_no_gain_jump ();
  test_bad_input ();
  return tc_finish ("loudnorm");
}
