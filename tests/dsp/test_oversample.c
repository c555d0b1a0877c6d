/* Unit tests of dsp/oversample: factor choice, latency, true-peak reading
 * of sines, and the up-sampled signal against the analytic one.
 *
 * Theory for the bounds (BS.1770-4 Annex 2): a sine of normalised
 * frequency f (cycles per input sample) sampled at L x the input rate has
 * 2 pi f / L radians between output samples, so the largest sample can
 * miss the crest by up to half that: an under-read of at most
 * 20 log10 (cos (pi f / L)), which at L = 4 is 0.554 dB at f = 0.45 and
 * 0.688 dB at f = 0.5 (CONFORMANCE.md section 3).  Over a long signal whose
 * frequency is not a simple fraction of the rate the sampling phase sweeps
 * past the crest and that loss shrinks towards 0; what remains is the
 * interpolation filter's own pass-band error and image leakage.  The
 * bounds below are therefore the sampling bound (-0.7 dB, 4x) plus the
 * standard's +0.2 dB over-read allowance, and +-0.3 dB where the
 * interpolator ought to be flat (f <= 0.25).
 */
#include <stdlib.h>
#include <string.h>

#include "oversample.h"
#include "tcheck.h"

#define TWO_PI (2.0 * MM_PI)

static void
test_factor (void)
{
  CHECK (mm_oversample_factor_for_rate (44100, 176400) == 4);
  CHECK (mm_oversample_factor_for_rate (48000, 176400) == 4);
  CHECK (mm_oversample_factor_for_rate (88200, 176400) == 2);
  CHECK (mm_oversample_factor_for_rate (96000, 176400) == 2);
  CHECK (mm_oversample_factor_for_rate (176400, 176400) == 1);
  CHECK (mm_oversample_factor_for_rate (192000, 176400) == 1);
  CHECK (mm_oversample_factor_for_rate (384000, 176400) == 1);
  CHECK (mm_oversample_factor_for_rate (8000, 176400) == 23);
  CHECK (mm_oversample_factor_for_rate (22050, 176400) == 8);
}

/* The exact group delay of the prototype in input samples: (N - 1) / 2
 * output samples for its N = TAPS * L taps. */
/* Taps per phase the oversampler uses at factor L. */
static unsigned
taps_of (unsigned L)
{
  mm_oversampler *os = mm_oversampler_new (L, 1);
  unsigned t = mm_oversampler_get_taps (os);
  mm_oversampler_free (&os);
  return t;
}

/* The prototype is centred on an input sample: taps / 2 input samples. */
static double
group_delay (unsigned L)
{
  return L > 1 ? taps_of (L) / 2 : 0.0;
}

static void
test_api (void)
{
  CHECK (mm_oversampler_new (0, 1) == NULL);
  CHECK (mm_oversampler_new (MM_OVERSAMPLE_FACTOR_MAX + 1, 1) == NULL);
  CHECK (mm_oversampler_new (4, 0) == NULL);
  CHECK (mm_oversampler_new (4, MM_CHANNELS_MAX + 1) == NULL);
  mm_oversampler_free (NULL);
  mm_oversampler *os = NULL;
  mm_oversampler_free (&os);

  /* Latency: 0 at 1x; otherwise the group delay rounded up, i.e. about
   * half the taps of a phase. */
  for (unsigned L = 1; L <= MM_OVERSAMPLE_FACTOR_MAX; L++) {
    os = mm_oversampler_new (L, 2);
    if (!CHECK (os != NULL))
      continue;
    CHECK (mm_oversampler_get_factor (os) == L);
    unsigned lat = mm_oversampler_get_latency (os);
    if (L == 1)
      CHECK (lat == 0);
    else {
      CHECK (lat == (unsigned) group_delay (L));
      CHECK (taps_of (L) >= 16 && taps_of (L) <= 24);
    }
    mm_oversampler_free (&os);
    CHECK (os == NULL);
  }

  os = mm_oversampler_new (4, 2);
  float in[4] = { 0 }, out[16], peak;
  CHECK (mm_oversampler_peak (os, 2, in, 4, &peak) == MM_ERR_INVALID);
  CHECK (mm_oversampler_peak (os, 0, NULL, 4, &peak) == MM_ERR_INVALID);
  CHECK (mm_oversampler_peak (os, 0, in, 4, NULL) == MM_ERR_INVALID);
  CHECK (mm_oversampler_peak (os, 0, NULL, 0, &peak) == MM_OK);
  CHECK (mm_oversampler_upsample (os, 2, in, 4, out) == MM_ERR_INVALID);
  CHECK (mm_oversampler_upsample (os, 0, in, 4, NULL) == MM_ERR_INVALID);
  CHECK (mm_oversampler_upsample (NULL, 0, in, 4, out) == MM_ERR_INVALID);
  CHECK (mm_oversampler_reset (NULL) == MM_ERR_INVALID);
  CHECK (mm_oversampler_get_factor (NULL) == 0);
  mm_oversampler_free (&os);
}

#define SINE_LEN 16384
#define WARMUP 64

/* Peak (dB re amplitude) read from A sin (2 pi f n + phase), n < len,
 * ignoring what the first WARMUP samples produce (the filter filling). */
static double
sine_peak_db (mm_oversampler * os, double f, double phase, double amp,
    size_t len)
{
  float *x = malloc (len * sizeof (float));
  float peak;
  for (size_t i = 0; i < len; i++)
    x[i] = (float) (amp * sin (TWO_PI * f * (double) i + phase));
  mm_oversampler_reset (os);
  mm_oversampler_peak (os, 0, x, WARMUP, &peak);
  mm_oversampler_peak (os, 0, x + WARMUP, len - WARMUP, &peak);
  free (x);
  return mm_linear_to_db (peak / amp);
}

/* True-peak reading of sines 0.02 .. 0.45 fs, several random phases,
 * amplitude 0.5, at 4x: within [-0.7, +0.2] dB, and +-0.3 dB for
 * f <= 0.25 fs (see the theory at the top).  Also simple fractions of the
 * rate (fs/4, fs/6, fs/8 as in Tech 3341 cases 15-18), where the sampling
 * phase does not sweep: there the sampling loss itself is allowed. */
static void
test_true_peak_sines (void)
{
  mm_oversampler *os = mm_oversampler_new (4, 1);
  uint64_t seed = 777;
  double worst_lo = 0.0, worst_hi = -HUGE_VAL, worst_flat = 0.0;
  double f_lo = 0, f_hi = 0, f_flat = 0;

  for (double f = 0.02; f <= 0.4501; f += 0.01) {
    /* Nudge off the simple fractions so the phase sweeps. */
    double fr = f + 0.000123;
    for (int k = 0; k < 4; k++) {
      double ph = tc_random (&seed) * TWO_PI;
      double d = sine_peak_db (os, fr, ph, 0.5, SINE_LEN);
      CHECK_RANGE (d, -0.7, 0.2);
      if (fr <= 0.25)
        CHECK_RANGE (d, -0.3, 0.3);
      if (d < worst_lo) {
        worst_lo = d;
        f_lo = fr;
      }
      if (d > worst_hi) {
        worst_hi = d;
        f_hi = fr;
      }
      if (fr <= 0.25 && fabs (d) > fabs (worst_flat)) {
        worst_flat = d;
        f_flat = fr;
      }
    }
  }
  printf ("4x sines 0.02..0.45 fs: lowest %+.3f dB (f=%.4f), highest %+.3f dB "
      "(f=%.4f); f<=0.25 worst %+.3f dB (f=%.4f)\n", worst_lo, f_lo, worst_hi,
      f_hi, worst_flat, f_flat);

  /* Simple fractions, random phases: sampling loss up to
   * 20 log10 (cos (pi f / 4)) plus 0.3 dB for the filter, never over
   * +0.2 dB. */
  static const double div[] = { 4, 6, 8, 3, 5 };
  for (size_t i = 0; i < 5; i++) {
    double f = 1.0 / div[i];
    double loss = 20.0 * log10 (cos (MM_PI * f / 4.0));
    for (int k = 0; k < 4; k++) {
      double d = sine_peak_db (os, f, tc_random (&seed) * TWO_PI, 0.5, 4096);
      if (!CHECK_RANGE (d, loss - 0.3, 0.2))
        printf ("  (fs/%g: sampling loss alone %.3f dB)\n", div[i], loss);
    }
  }
  mm_oversampler_free (&os);
}

/* upsample () of a constant gives the constant (+-1e-4) once the filter
 * has filled: each phase has unity DC gain. */
static void
test_constant (void)
{
  for (unsigned L = 2; L <= 8; L++) {
    mm_oversampler *os = mm_oversampler_new (L, 1);
    size_t n = 1000;
    float *x = malloc (n * sizeof (float)), *y = malloc (n * L * sizeof (float));
    for (size_t i = 0; i < n; i++)
      x[i] = 0.75f;
    mm_oversampler_upsample (os, 0, x, n, y);
    double err = 0.0;
    for (size_t i = taps_of (L) * L; i < n * L; i++)
      err = fmax (err, fabs (y[i] - 0.75));
    if (!CHECK_NEAR (err, 0.0, 1e-4))
      printf ("  (factor %u)\n", L);
    free (x);
    free (y);
    mm_oversampler_free (&os);
  }
}

/* Up-sampled sine against the analytic oversampled sine delayed by the
 * prototype's group delay: error below -40 dB of the amplitude (max
 * abs error <= 0.01 A) for f <= 0.35 fs.  Done in uneven pieces on two
 * interleaved channels, which must give the same output as one call on
 * a fresh channel, bit for bit (every output is summed the same way
 * wherever a piece ends). */
static void
test_upsample_sine (void)
{
  static const unsigned factors[] = { 2, 4, 5, 8 };
  uint64_t seed = 99;
  double worst = -HUGE_VAL, wf = 0, split_diff = 0.0;
  unsigned wl = 0;

  for (size_t fi = 0; fi < 4; fi++) {
    unsigned L = factors[fi];
    double D = group_delay (L);
    mm_oversampler *os = mm_oversampler_new (L, 2);
    size_t n = 4000;
    float *x = malloc (n * sizeof (float));
    float *y = malloc (n * L * sizeof (float));
    float *y2 = malloc (n * L * sizeof (float));

    for (double f = 0.01; f <= 0.3501; f += 0.0175) {
      double ph = tc_random (&seed) * TWO_PI;
      for (size_t i = 0; i < n; i++)
        x[i] = (float) (0.8 * sin (TWO_PI * f * (double) i + ph));
      mm_oversampler_reset (os);
      /* channel 1 gets garbage in between, to show channels are apart */
      size_t off = 0, len = 1;
      while (off < n) {
        if (len > n - off)
          len = n - off;
        mm_oversampler_upsample (os, 0, x + off, len, y + off * L);
        mm_oversampler_upsample (os, 1, x, len < 100 ? len : 100, y2);
        off += len;
        len = len * 2 + 3;
      }
      double err = 0.0;
      for (size_t m = (size_t) (2 * taps_of (L)) * L;
          m < n * L; m++) {
        double t = (double) m / L - D;
        double ref = 0.8 * sin (TWO_PI * f * t + ph);
        err = fmax (err, fabs (y[m] - ref));
      }
      double err_db = 20.0 * log10 (err / 0.8);
      if (!CHECK_RANGE (err_db, -HUGE_VAL, -40.0))
        printf ("  (factor %u, f = %.4f fs)\n", L, f);
      if (err_db > worst) {
        worst = err_db;
        wf = f;
        wl = L;
      }
      /* One call on a fresh channel gives the same samples. */
      mm_oversampler_reset (os);
      mm_oversampler_upsample (os, 1, x, n, y2);
      double dmax = 0.0;
      for (size_t m = 0; m < n * L; m++)
        dmax = fmax (dmax, fabs (y[m] - y2[m]));
      if (!CHECK (dmax == 0.0))
        printf ("  (factor %u, f = %.4f fs: split vs one call)\n", L, f);
      split_diff = fmax (split_diff, dmax);    }
    free (x);
    free (y);
    free (y2);
    mm_oversampler_free (&os);
  }
  printf ("upsampled sines f<=0.35 fs: worst error %.1f dB (factor %u, f=%.4f); "
      "split vs one call differ by up to %.3g\n", worst, wl, wf, split_diff);
}

/* Factor 1 passes samples through; peak is the sample peak. */
static void
test_passthrough (void)
{
  mm_oversampler *os = mm_oversampler_new (1, 1);
  float x[5] = { 0.1f, -0.7f, 0.3f, 0.0f, 0.5f }, y[5], p;
  CHECK (mm_oversampler_get_latency (os) == 0);
  CHECK (mm_oversampler_upsample (os, 0, x, 5, y) == MM_OK);
  CHECK (memcmp (x, y, sizeof (x)) == 0);
  CHECK (mm_oversampler_peak (os, 0, x, 5, &p) == MM_OK);
  CHECK (p == 0.7f);
  mm_oversampler_free (&os);
}

/* Phase 0 is the input itself, delayed by the latency: the oversampled
 * signal passes exactly through the samples (no under-read at the sample
 * instants, none above them either). */
static void
test_phase0_is_delayed_input (void)
{
  const unsigned factors[] = { 2, 3, 4, 5, 23 };
  for (size_t fi = 0; fi < sizeof factors / sizeof factors[0]; fi++) {
    unsigned L = factors[fi];
    mm_oversampler *os = mm_oversampler_new (L, 1);
    unsigned lat = mm_oversampler_get_latency (os);
    size_t n = 1000;
    float *x = malloc (n * sizeof (float)), *y = malloc (n * L * sizeof (float));
    for (size_t i = 0; i < n; i++)
      x[i] = (float) sin (0.37 * i) * (float) (i % 7) / 7.0f;
    mm_oversampler_upsample (os, 0, x, n, y);
    int exact = 1;
    for (size_t i = lat; i < n; i++)
      exact &= y[i * L] == x[i - lat];
    if (!CHECK (exact))
      printf ("  (factor %u)\n", L);
    free (x);
    free (y);
    mm_oversampler_free (&os);
  }
}

/* Pass-band of every interpolating phase: within +-0.1 dB from DC to
 * 0.40 fs at the factors the true-peak meter uses from 8 to 96 kHz. */
static void
test_phase_response (void)
{
  const unsigned factors[] = { 2, 3, 4, 5, 8, 23 };
  for (size_t fi = 0; fi < sizeof factors / sizeof factors[0]; fi++) {
    unsigned L = factors[fi];
    mm_oversampler *os = mm_oversampler_new (L, 1);
    unsigned lat = mm_oversampler_get_latency (os);
    size_t n = 4096;
    float *x = malloc (n * sizeof (float)), *y = malloc (n * L * sizeof (float));
    double worst = 0.0;
    for (double f = 0.01; f <= 0.4001; f += 0.013) {
      for (size_t i = 0; i < n; i++)
        x[i] = (float) cos (TWO_PI * f * i);
      mm_oversampler_reset (os);
      mm_oversampler_upsample (os, 0, x, n, y);
      for (unsigned p = 1; p < L; p++) {
        /* amplitude of phase p by correlation with the delayed sine */
        double re = 0.0, im = 0.0;
        size_t cnt = 0;
        for (size_t i = 4 * lat + 8; i < n; i++, cnt++) {
          double t = (double) i + (double) p / L - lat;
          re += y[i * L + p] * cos (TWO_PI * f * t);
          im += y[i * L + p] * sin (TWO_PI * f * t);
        }
        double gain_db = 20.0 * log10 (2.0 * sqrt (re * re + im * im) / cnt);
        if (fabs (gain_db) > fabs (worst))
          worst = gain_db;
      }
    }
    if (!CHECK_RANGE (worst, -0.1, 0.1))
      printf ("  (factor %u)\n", L);
    printf ("phase response factor %2u: worst %+.4f dB up to 0.40 fs\n", L,
        worst);
    free (x);
    free (y);
    mm_oversampler_free (&os);
  }
}

/* peak_envelope: env[i] becomes max (env[i], |each of the factor values
 * upsample () produces for input i|), exactly, at factors 1, 2, 4, 5 (and
 * 8, 23); over a running envelope (the max is taken, not overwritten);
 * in one call or in pieces of any length on interleaved channels; with a
 * NaN in the input (it never wins, the other values still count).  peak ()
 * is the largest of the envelope. */
static void
test_peak_envelope (void)
{
  static const unsigned factors[] = { 1, 2, 4, 5, 8, 23 };
  const size_t n = 3000;
  uint64_t seed = 4242;
  float *x = malloc (n * sizeof (float));
  float *init = malloc (n * sizeof (float));
  float *env = malloc (n * sizeof (float));
  float *env2 = malloc (n * sizeof (float));
  for (size_t i = 0; i < n; i++) {
    x[i] = (float) (0.7 * sin (0.61 * i) + 0.3 * (tc_random (&seed) - 0.5));
    init[i] = i % 5 == 0 ? (float) tc_random (&seed) : 0.0f;
  }
  x[1234] = NAN;
  for (size_t fi = 0; fi < sizeof factors / sizeof factors[0]; fi++) {
    unsigned L = factors[fi];
    mm_oversampler *os = mm_oversampler_new (L, 3);
    float *y = malloc (n * L * sizeof (float));
    CHECK (mm_oversampler_upsample (os, 0, x, n, y) == MM_OK);

    /* One call on channel 1; pieces of 0, 1, 3, 7, ... on channel 2 with
     * channel 0 fed garbage in between (pieces shorter and longer than a
     * group of the AVX-512 kernels: where the CPU has them, they and the
     * cloned kernels must agree bit for bit). */
    memcpy (env, init, n * sizeof (float));
    CHECK (mm_oversampler_peak_envelope (os, 1, x, n, env) == MM_OK);
    memcpy (env2, init, n * sizeof (float));
    for (size_t off = 0, len = 0; off < n; off += len, len = len * 2 + 1) {
      if (len > n - off)
        len = n - off;
      CHECK (mm_oversampler_peak_envelope (os, 2, x + off, len, env2 + off)
          == MM_OK);
      mm_oversampler_upsample (os, 0, init, len < 50 ? len : 50, y);
    }
    mm_oversampler_reset (os);
    mm_oversampler_upsample (os, 0, x, n, y);

    int exact = 1, split = 1;
    for (size_t i = 0; i < n; i++) {
      float m = init[i];
      for (unsigned p = 0; p < L; p++) {
        float a = fabsf (y[i * L + p]);
        m = a > m ? a : m;
      }
      exact &= env[i] == m;
      split &= env2[i] == env[i];
    }
    if (!(CHECK (exact) & CHECK (split)))
      printf ("  (factor %u: envelope %s upsample's maxima, %s in pieces)\n",
          L, exact ? "equals" : "differs from", split ? "same" : "differs");

    /* peak () over the same input is the largest envelope value. */
    float pk = -1.0f;
    memset (env, 0, n * sizeof (float));
    mm_oversampler_reset (os);
    mm_oversampler_peak_envelope (os, 0, x, n, env);
    mm_oversampler_reset (os);
    CHECK (mm_oversampler_peak (os, 0, x, n, &pk) == MM_OK);
    float emax = 0.0f;
    for (size_t i = 0; i < n; i++)
      emax = env[i] > emax ? env[i] : emax;
    CHECK (pk == emax && isfinite (pk) && pk > 0.5f);
    free (y);
    mm_oversampler_free (&os);
  }

  mm_oversampler *os = mm_oversampler_new (4, 2);
  CHECK (mm_oversampler_peak_envelope (NULL, 0, x, 4, env) == MM_ERR_INVALID);
  CHECK (mm_oversampler_peak_envelope (os, 2, x, 4, env) == MM_ERR_INVALID);
  CHECK (mm_oversampler_peak_envelope (os, 0, NULL, 4, env) == MM_ERR_INVALID);
  CHECK (mm_oversampler_peak_envelope (os, 0, x, 4, NULL) == MM_ERR_INVALID);
  CHECK (mm_oversampler_peak_envelope (os, 0, NULL, 0, NULL) == MM_OK);
  mm_oversampler_free (&os);
  free (x);
  free (init);
  free (env);
  free (env2);
}

int
main (void)
{
  test_factor ();
  test_api ();
  test_true_peak_sines ();
  test_constant ();
  test_upsample_sine ();
  test_passthrough ();
  test_phase0_is_delayed_input ();
  test_phase_response ();
  test_peak_envelope ();
  return tc_finish ("oversample");
}
