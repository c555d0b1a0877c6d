/* Unit tests of dsp/reverb: exact silence, RT60 against the decay setting
 * (Schroeder backward integration), stereo decorrelation, damping,
 * non-finite input, reset and split invariance.  Tolerances are stated at
 * each check. */
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "mmrng.h"
#include "reverb.h"
#include "tcheck.h"

static mm_reverb *
make (unsigned rate, unsigned channels, double size, double decay,
    double damping, double predelay)
{
  mm_reverb *r = mm_reverb_new (rate, channels);
  CHECK (r != NULL);
  CHECK (mm_reverb_set_size (r, size) == MM_OK);
  CHECK (mm_reverb_set_decay (r, decay) == MM_OK);
  CHECK (mm_reverb_set_damping (r, damping) == MM_OK);
  CHECK (mm_reverb_set_predelay (r, predelay) == MM_OK);
  CHECK (mm_reverb_reset (r) == MM_OK);       /* targets at once */
  return r;
}

/* Stereo impulse response (n frames) of a mono-input reverb. */
static float *
impulse_response (mm_reverb * r, size_t n)
{
  float *in = calloc (n, sizeof (float));
  float *out = malloc (2 * n * sizeof (float));
  in[0] = 1.0f;
  CHECK (mm_reverb_process_f32 (r, in, out, n) == MM_OK);
  free (in);
  return out;
}

/* RT60 from the energy e[0..n-1]: Schroeder's backward integral, a
 * least-squares line through its -5..-25 dB part, extrapolated to -60. */
static double
rt60 (const double *e, size_t n, unsigned rate)
{
  double *edc = malloc (n * sizeof (double));
  double acc = 0.0;
  for (size_t i = n; i-- > 0;) {
    acc += e[i];
    edc[i] = acc;
  }
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    double db = 10.0 * log10 (edc[i] / edc[0]);
    if (db > -5.0 || db < -25.0)
      continue;
    double t = (double) i / rate;
    sx += t;
    sy += db;
    sxx += t * t;
    sxy += t * db;
    m++;
  }
  free (edc);
  if (m < 2)
    return 0.0;
  double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);      /* dB/s */
  return -60.0 / slope;
}

static double
rt60_of (const float *st, size_t n, unsigned rate)
{
  double *e = malloc (n * sizeof (double));
  for (size_t i = 0; i < n; i++)
    e[i] = (double) st[2 * i] * st[2 * i] + (double) st[2 * i + 1] * st[2 * i + 1];
  double t = rt60 (e, n, rate);
  free (e);
  return t;
}

/* RT60 of the stereo response through a 4th-order filter (two RBJ
 * sections) of the given type and frequency. */
static double
rt60_band (const float *st, size_t n, unsigned rate, mm_biquad_type type,
    double freq)
{
  mm_biquad_coeffs c;
  mm_biquad_state s[2][2];
  memset (s, 0, sizeof s);
  mm_biquad_design (&c, type, rate, freq, 0.70710678, 0.0);
  double *ch[2];
  for (int k = 0; k < 2; k++) {
    ch[k] = malloc (n * sizeof (double));
    for (size_t i = 0; i < n; i++)
      ch[k][i] = st[2 * i + k];
    mm_biquad_process (&c, &s[k][0], ch[k], n);
    mm_biquad_process (&c, &s[k][1], ch[k], n);
  }
  double *e = malloc (n * sizeof (double));
  for (size_t i = 0; i < n; i++)
    e[i] = ch[0][i] * ch[0][i] + ch[1][i] * ch[1][i];
  double t = rt60 (e, n, rate);
  free (e);
  free (ch[0]);
  free (ch[1]);
  return t;
}

static int
all_zero (const float *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (b[i] != 0.0f)
      return 0;
  return 1;
}

static void
test_silence_in_gives_exact_silence (void)
{
  const unsigned rate = 48000;
  const size_t n = rate;
  float *in = calloc (2 * n, sizeof (float));
  float *out = malloc (2 * n * sizeof (float));
  mm_reverb *r = make (rate, 2, 0.7, 3.0, 0.3, 20.0);
  mm_reverb_process_f32 (r, in, out, n);
  CHECK (all_zero (out, 2 * n));

  /* After a tail has decayed: exact zeros again (decay 0.5 s: -180 dB
   * at 1.5 s, then the gate clears the state). */
  mm_reverb_set_decay (r, 0.5);
  in[0] = 1.0f;
  in[1] = -1.0f;
  mm_reverb_process_f32 (r, in, out, n);
  CHECK (!all_zero (out, 2 * n));
  in[0] = in[1] = 0.0f;
  size_t first_zero = 0;
  for (int s = 1; s < 6; s++) {
    mm_reverb_process_f32 (r, in, out, n);
    if (!first_zero && all_zero (out, 2 * n))
      first_zero = s;
  }
  CHECK (first_zero > 0 && first_zero < 5);
  mm_reverb_process_f32 (r, in, out, n);
  CHECK (all_zero (out, 2 * n));
  printf ("silence: exact zeros in, exact zeros out; tail of 0.5 s gone "
      "to exact zeros within %zu s\n", first_zero + 1);
  mm_reverb_free (&r);
  CHECK (r == NULL);
  free (in);
  free (out);
}

/* RT60 of the impulse response within 20 % of `decay` (no damping). */
static void
test_rt60_matches_decay (unsigned rate, double size, double decay)
{
  size_t n = (size_t) ((1.5 * decay + 0.3) * rate);
  mm_reverb *r = make (rate, 1, size, decay, 0.0, 0.0);
  float *ir = impulse_response (r, n);
  double t = rt60_of (ir, n, rate);
  printf ("rt60: %u Hz size %.2f decay %.2f s: measured %.3f s (%+.1f %%)\n",
      rate, size, decay, t, 100.0 * (t / decay - 1.0));
  CHECK_NEAR (t, decay, 0.2 * decay);
  mm_reverb_free (&r);
  free (ir);
}

/* Over the tail (from 50 ms), |correlation of L and R| < 0.5: for a mono
 * impulse, a left-only impulse and mono noise. */
static double
correlation (const float *st, size_t from, size_t n)
{
  double ll = 0, rr = 0, lr = 0;
  for (size_t i = from; i < n; i++) {
    ll += (double) st[2 * i] * st[2 * i];
    rr += (double) st[2 * i + 1] * st[2 * i + 1];
    lr += (double) st[2 * i] * st[2 * i + 1];
  }
  return lr / sqrt (ll * rr);
}

static void
test_outputs_decorrelated (void)
{
  const unsigned rate = 48000;
  const size_t n = rate * 2, from = rate / 20;
  mm_reverb *r = make (rate, 1, 0.5, 1.5, 0.3, 0.0);
  float *ir = impulse_response (r, n);
  double c1 = correlation (ir, from, n);
  mm_reverb_free (&r);
  free (ir);

  r = make (rate, 2, 0.8, 2.5, 0.5, 0.0);
  float *in = calloc (2 * n, sizeof (float));
  float *out = malloc (2 * n * sizeof (float));
  in[0] = 1.0f;
  mm_reverb_process_f32 (r, in, out, n);
  double c2 = correlation (out, from, n);

  rng g = { 3 };
  for (size_t i = 0; i < n; i++)
    in[2 * i] = in[2 * i + 1] = (float) (0.3 * rng_gauss (&g));
  mm_reverb_reset (r);
  mm_reverb_process_f32 (r, in, out, n);
  double c3 = correlation (out, from, n);
  printf ("correlation L/R: mono impulse %.3f, left impulse %.3f, "
      "mono noise %.3f\n", c1, c2, c3);
  CHECK (fabs (c1) < 0.5);
  CHECK (fabs (c2) < 0.5);
  CHECK (fabs (c3) < 0.5);
  mm_reverb_free (&r);
  free (in);
  free (out);
}

/* Damping 0.7 shortens the decay above 4 kHz to under 60 % of that
 * without damping, and keeps the decay below 300 Hz within 20 % of the
 * setting. */
static void
test_damping_shortens_hf_decay (void)
{
  const unsigned rate = 48000;
  const double decay = 2.0;
  const size_t n = (size_t) ((1.5 * decay + 0.3) * rate);
  mm_reverb *r0 = make (rate, 1, 0.5, decay, 0.0, 0.0);
  mm_reverb *r1 = make (rate, 1, 0.5, decay, 0.7, 0.0);
  float *ir0 = impulse_response (r0, n);
  float *ir1 = impulse_response (r1, n);
  double hf0 = rt60_band (ir0, n, rate, MM_BIQUAD_HIGHPASS, 4000.0);
  double hf1 = rt60_band (ir1, n, rate, MM_BIQUAD_HIGHPASS, 4000.0);
  double lf1 = rt60_band (ir1, n, rate, MM_BIQUAD_LOWPASS, 300.0);
  printf ("damping: RT60 > 4 kHz %.3f s (damping 0), %.3f s (0.7); "
      "< 300 Hz %.3f s (0.7)\n", hf0, hf1, lf1);
  CHECK (hf1 < 0.6 * hf0);
  CHECK_NEAR (lf1, decay, 0.2 * decay);
  mm_reverb_free (&r0);
  mm_reverb_free (&r1);
  free (ir0);
  free (ir1);
}

static void
test_nonfinite_input_gives_finite_output (void)
{
  const unsigned rate = 48000;
  const size_t n = rate;
  float *in = calloc (2 * n, sizeof (float));
  float *out = malloc (2 * n * sizeof (float));
  in[0] = NAN;
  in[1] = INFINITY;
  in[10] = -INFINITY;
  in[11] = 3e38f;
  in[21] = -3e38f;
  in[40] = 0.5f;
  mm_reverb *r = make (rate, 2, 1.0, 20.0, 0.0, 5.0);
  mm_reverb_process_f32 (r, in, out, n);
  int finite = 1;
  for (size_t i = 0; i < 2 * n; i++)
    finite &= isfinite (out[i]) != 0;
  CHECK (finite);
  CHECK (!all_zero (out, 2 * n));
  mm_reverb_free (&r);
  free (in);
  free (out);
}

static void
test_reset_clears_tail (void)
{
  const unsigned rate = 44100;
  const size_t n = rate;
  float *buf = malloc (2 * n * sizeof (float));
  rng g = { 5 };
  for (size_t i = 0; i < 2 * n; i++)
    buf[i] = (float) rng_range (&g, -0.5, 0.5);
  mm_reverb *r = make (rate, 2, 0.9, 10.0, 0.2, 30.0);
  mm_reverb_process_f32 (r, buf, buf, n);
  CHECK (!all_zero (buf, 2 * n));
  CHECK (mm_reverb_reset (r) == MM_OK);
  memset (buf, 0, 2 * n * sizeof (float));
  mm_reverb_process_f32 (r, buf, buf, n);
  CHECK (all_zero (buf, 2 * n));
  mm_reverb_free (&r);
  free (buf);
}

/* Noise with every parameter gliding, one call against calls of random
 * sizes: bit-exact. */
static void
test_split_invariance (void)
{
  const unsigned rate = 48000;
  const size_t n = rate * 2;
  float *in = malloc (n * sizeof (float));
  float *a = malloc (2 * n * sizeof (float));
  float *b = malloc (2 * n * sizeof (float));
  rng g = { 11 };
  for (size_t i = 0; i < n; i++)
    in[i] = (float) rng_range (&g, -0.5, 0.5);
  mm_reverb *r1 = make (rate, 1, 0.2, 1.0, 0.1, 10.0);
  mm_reverb *r2 = make (rate, 1, 0.2, 1.0, 0.1, 10.0);
  mm_reverb *rs[2] = { r1, r2 };
  for (int k = 0; k < 2; k++) {
    mm_reverb_set_size (rs[k], 0.9);
    mm_reverb_set_decay (rs[k], 3.0);
    mm_reverb_set_damping (rs[k], 0.6);
    mm_reverb_set_predelay (rs[k], 40.0);
  }
  mm_reverb_process_f32 (r1, in, a, n);
  rng s = { 12 };
  for (size_t done = 0; done < n;) {
    size_t m = 1 + (size_t) (rng_unit (&s) * 500);
    if (m > n - done)
      m = n - done;
    mm_reverb_process_f32 (r2, in + done, b + 2 * done, m);
    done += m;
  }
  CHECK (memcmp (a, b, 2 * n * sizeof (float)) == 0);
  mm_reverb_free (&r1);
  mm_reverb_free (&r2);
  free (in);
  free (a);
  free (b);
}

/* Steady noise, the size moved from 0.1 to 1 and back while running: the
 * line lengths glide, the output stays finite and its largest
 * sample-to-sample step after the changes stays within 1.5 times the
 * largest before them. */
static void
test_size_change_glides (void)
{
  const unsigned rate = 48000;
  const size_t n = rate * 3;
  float *in = malloc (n * sizeof (float));
  float *out = malloc (2 * n * sizeof (float));
  rng g = { 21 };
  for (size_t i = 0; i < n; i++)
    in[i] = (float) (0.25 * rng_gauss (&g));
  mm_reverb *r = make (rate, 1, 0.1, 2.0, 0.2, 0.0);
  const size_t t1 = rate, t2 = 2 * rate;
  mm_reverb_process_f32 (r, in, out, t1);
  mm_reverb_set_size (r, 1.0);
  mm_reverb_set_predelay (r, 80.0);
  mm_reverb_process_f32 (r, in + t1, out + 2 * t1, t2 - t1);
  mm_reverb_set_size (r, 0.0);
  mm_reverb_process_f32 (r, in + t2, out + 2 * t2, n - t2);
  double before = 0.0, after = 0.0;
  int finite = 1;
  for (size_t i = 1; i < n; i++)
    for (int c = 0; c < 2; c++) {
      finite &= isfinite (out[2 * i + c]) != 0;
      double s = fabs (out[2 * i + c] - out[2 * (i - 1) + c]);
      if (i < t1)
        before = s > before ? s : before;
      else
        after = s > after ? s : after;
    }
  printf ("size glide: largest step %.4f after the changes, %.4f before\n",
      after, before);
  CHECK (finite);
  CHECK (after < 1.5 * before);
  mm_reverb_free (&r);
  free (in);
  free (out);
}

static void
test_bad_arguments (void)
{
  CHECK (mm_reverb_new (48000, 3) == NULL);
  CHECK (mm_reverb_new (4000, 2) == NULL);
  mm_reverb *r = mm_reverb_new (48000, 2);
  float x[2] = { 0, 0 };
  CHECK (mm_reverb_set_decay (r, NAN) == MM_ERR_INVALID);
  CHECK (mm_reverb_process_f32 (NULL, x, x, 1) == MM_ERR_INVALID);
  CHECK (mm_reverb_process_f32 (r, x, NULL, 1) == MM_ERR_INVALID);
  CHECK (mm_reverb_process_f32 (r, x, x, 0) == MM_OK);
  mm_reverb_free (&r);
  mm_reverb_free (&r);
  mm_reverb_free (NULL);
}

int
main (void)
{
  test_silence_in_gives_exact_silence ();
  static const double decays[] = { 0.5, 1.5, 4.0 };
  for (int i = 0; i < 3; i++) {
    test_rt60_matches_decay (48000, 0.5, decays[i]);
    test_rt60_matches_decay (48000, 1.0, decays[i]);
  }
  test_rt60_matches_decay (48000, 0.0, 1.5);
  test_rt60_matches_decay (44100, 0.5, 1.5);
  test_outputs_decorrelated ();
  test_damping_shortens_hf_decay ();
  test_nonfinite_input_gives_finite_output ();
  test_reset_clears_tail ();
  test_split_invariance ();
  test_size_change_glides ();
  test_bad_arguments ();
  return tc_finish ("reverb");
}
