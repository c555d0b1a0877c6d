/* Unit tests of the dsp/loudness API: argument checking, silence, reset,
 * non-finite input, float32/float64 agreement, the whole rate range,
 * multi-meter (programme) values, chunk-size independence and channel
 * weights.  The EBU conformance cases are in tests/conformance. */
#include <stdlib.h>
#include <string.h>

#include "loudness.h"
#include "tcheck.h"

#define TWO_PI (2.0 * MM_PI)

/* ---- signals ---------------------------------------------------------- */

/* frames of `ch` identical channels: A sin (2 pi freq n / rate), A from
 * dBFS (per-channel peak), n counted from `start`. */
static double *
tone (unsigned rate, unsigned ch, double freq, double db, double seconds,
    size_t *frames)
{
  size_t n = (size_t) llround (seconds * rate);
  double *x = malloc ((n * ch + 1) * sizeof (double));
  double a = pow (10.0, db / 20.0);
  for (size_t i = 0; i < n; i++) {
    double v = a * sin (TWO_PI * freq * (double) i / rate);
    for (unsigned c = 0; c < ch; c++)
      x[i * ch + c] = v;
  }
  *frames = n;
  return x;
}

/* Something like programme: a tone plus noise whose level jumps every
 * 0.5 s between -45 and -12 dBFS, channels decorrelated. */
static double *
programme (unsigned rate, unsigned ch, double seconds, uint64_t seed,
    size_t *frames)
{
  size_t n = (size_t) llround (seconds * rate), seg = rate / 2;
  double *x = malloc ((n * ch + 1) * sizeof (double));
  double a = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (i % seg == 0)
      a = pow (10.0, (-45.0 + 33.0 * tc_random (&seed)) / 20.0);
    for (unsigned c = 0; c < ch; c++)
      x[i * ch + c] = a * (0.6 * sin (TWO_PI * (220.0 + 110.0 * c) * i / rate)
          + 0.4 * (2.0 * tc_random (&seed) - 1.0));
  }
  *frames = n;
  return x;
}

static float *
to_f32 (const double *x, size_t samples)
{
  float *f = malloc ((samples + 1) * sizeof (float));
  for (size_t i = 0; i < samples; i++)
    f[i] = (float) x[i];
  return f;
}

/* Every reading of a meter, to compare meters. */
typedef struct
{
  double m, s, mmax, smax, i, lra, gate, sp[8], tp[8];
  uint64_t frames, nonfinite;
} readings;

static readings
read_all (const mm_loudness * m)
{
  readings r;
  memset (&r, 0, sizeof (r));
  CHECK (mm_loudness_momentary (m, &r.m) == MM_OK);
  CHECK (mm_loudness_shortterm (m, &r.s) == MM_OK);
  CHECK (mm_loudness_momentary_max (m, &r.mmax) == MM_OK);
  CHECK (mm_loudness_shortterm_max (m, &r.smax) == MM_OK);
  CHECK (mm_loudness_integrated (m, &r.i) == MM_OK);
  CHECK (mm_loudness_range (m, &r.lra) == MM_OK);
  CHECK (mm_loudness_relative_threshold (m, &r.gate) == MM_OK);
  for (unsigned c = 0; c < mm_loudness_get_channels (m); c++) {
    CHECK (mm_loudness_sample_peak (m, c, &r.sp[c]) == MM_OK);
    if (mm_loudness_get_true_peak_factor (m) > 1)
      CHECK (mm_loudness_true_peak (m, c, &r.tp[c]) == MM_OK);
  }
  r.frames = mm_loudness_get_frames (m);
  r.nonfinite = mm_loudness_get_nonfinite (m);
  return r;
}

/* Readings equal within tol (LU) and peaks within peak_tol (linear). */
static int
readings_near (const readings * a, const readings * b, double tol,
    double peak_tol)
{
  int ok = 1;
  ok &= CHECK_NEAR (a->m, b->m, tol);
  ok &= CHECK_NEAR (a->s, b->s, tol);
  ok &= CHECK_NEAR (a->mmax, b->mmax, tol);
  ok &= CHECK_NEAR (a->smax, b->smax, tol);
  ok &= CHECK_NEAR (a->i, b->i, tol);
  ok &= CHECK_NEAR (a->lra, b->lra, tol);
  ok &= CHECK_NEAR (a->gate, b->gate, tol);
  for (int c = 0; c < 8; c++) {
    ok &= CHECK_NEAR (a->sp[c], b->sp[c], peak_tol);
    ok &= CHECK_NEAR (a->tp[c], b->tp[c], peak_tol);
  }
  ok &= CHECK (a->frames == b->frames);
  ok &= CHECK (a->nonfinite == b->nonfinite);
  return ok;
}

static void
feed64 (mm_loudness * m, const double *x, size_t frames)
{
  CHECK (mm_loudness_add_frames_f64 (m, x, frames) == MM_OK);
}

static void
feed32 (mm_loudness * m, const double *x, size_t frames)
{
  float *f = to_f32 (x, frames * mm_loudness_get_channels (m));
  CHECK (mm_loudness_add_frames_f32 (m, f, frames) == MM_OK);
  free (f);
}

/* ---- tests ------------------------------------------------------------ */

static void
test_new_free (void)
{
  mm_loudness *m;
  CHECK (mm_loudness_new (7999, 2, 0) == NULL);
  CHECK (mm_loudness_new (384001, 2, 0) == NULL);
  CHECK (mm_loudness_new (0, 2, 0) == NULL);
  CHECK (mm_loudness_new (48000, 0, 0) == NULL);
  CHECK (mm_loudness_new (48000, 9, 0) == NULL);
  CHECK (mm_loudness_new (48000, 2, 1u << 2) == NULL);
  CHECK (mm_loudness_new (48000, 2, 0x80000000u) == NULL);
  CHECK (mm_loudness_new (48000, 2, ~0u) == NULL);

  static const unsigned ok_rates[] = { 8000, 384000 };
  for (int r = 0; r < 2; r++)
    for (unsigned ch = 1; ch <= 8; ch += 7) {
      m = mm_loudness_new (ok_rates[r], ch, MM_LOUDNESS_TRUE_PEAK);
      if (CHECK (m != NULL)) {
        CHECK (mm_loudness_get_rate (m) == ok_rates[r]);
        CHECK (mm_loudness_get_channels (m) == ch);
      }
      mm_loudness_free (&m);
      CHECK (m == NULL);
    }

  mm_loudness_free (NULL);
  m = NULL;
  mm_loudness_free (&m);
  CHECK (m == NULL);

  /* True-peak factor: 4x at 44.1/48 kHz, 2x at 96 kHz, none from
   * 176.4 kHz or without the flag; the true peak is refused without it. */
  static const unsigned rates[] = { 44100, 48000, 96000, 192000, 8000 };
  static const unsigned factors[] = { 4, 4, 2, 1, 23 };
  for (int i = 0; i < 5; i++) {
    m = mm_loudness_new (rates[i], 2, MM_LOUDNESS_TRUE_PEAK);
    CHECK (mm_loudness_get_true_peak_factor (m) == factors[i]);
    mm_loudness_free (&m);
  }
  m = mm_loudness_new (48000, 2, 0);
  double v;
  CHECK (mm_loudness_get_true_peak_factor (m) == 1);
  CHECK (mm_loudness_true_peak (m, 0, &v) == MM_ERR_INVALID);

  /* Reading and feeding argument checks. */
  CHECK (mm_loudness_integrated (NULL, &v) == MM_ERR_INVALID);
  CHECK (mm_loudness_integrated (m, NULL) == MM_ERR_INVALID);
  CHECK (mm_loudness_momentary (m, NULL) == MM_ERR_INVALID);
  CHECK (mm_loudness_range (NULL, &v) == MM_ERR_INVALID);
  CHECK (mm_loudness_sample_peak (m, 2, &v) == MM_ERR_INVALID);
  CHECK (mm_loudness_add_frames_f32 (m, NULL, 0) == MM_OK);
  CHECK (mm_loudness_add_frames_f64 (m, NULL, 0) == MM_OK);
  CHECK (mm_loudness_add_frames_f32 (m, NULL, 1) == MM_ERR_INVALID);
  CHECK (mm_loudness_add_frames_f64 (NULL, &v, 0) == MM_ERR_INVALID);
  CHECK (mm_loudness_reset (NULL) == MM_ERR_INVALID);
  CHECK (mm_loudness_get_frames (m) == 0);
  mm_loudness_free (&m);
}

static void
test_weights (void)
{
  mm_loudness *m = mm_loudness_new (48000, 6, 0);
  double w;
  for (unsigned c = 0; c < 6; c++)
    CHECK (mm_loudness_get_channel_weight (m, c, &w) == MM_OK && w == 1.0);
  CHECK (mm_loudness_set_channel_weight (m, 4, 1.41) == MM_OK);
  CHECK (mm_loudness_set_channel_weight (m, 3, 0.0) == MM_OK);
  CHECK (mm_loudness_set_channel_weight (m, 4, -0.5) == MM_ERR_INVALID);
  CHECK (mm_loudness_set_channel_weight (m, 4, -0.0 - 1e-300) == MM_ERR_INVALID);
  CHECK (mm_loudness_set_channel_weight (m, 4, NAN) == MM_ERR_INVALID);
  CHECK (mm_loudness_set_channel_weight (m, 4, INFINITY) == MM_ERR_INVALID);
  CHECK (mm_loudness_set_channel_weight (m, 4, 10.5) == MM_ERR_INVALID);
  CHECK (mm_loudness_set_channel_weight (m, 6, 1.0) == MM_ERR_INVALID);
  CHECK (mm_loudness_set_channel_weight (NULL, 0, 1.0) == MM_ERR_INVALID);
  CHECK (mm_loudness_get_channel_weight (m, 6, &w) == MM_ERR_INVALID);
  CHECK (mm_loudness_get_channel_weight (m, 0, NULL) == MM_ERR_INVALID);
  /* rejected values leave the weight alone */
  CHECK (mm_loudness_get_channel_weight (m, 4, &w) == MM_OK && w == 1.41);
  CHECK (mm_loudness_get_channel_weight (m, 3, &w) == MM_OK && w == 0.0);
  mm_loudness_free (&m);
}

/* Silence: -inf for M, S, I and their maxima; LRA 0. */
static void
test_silence (void)
{
  mm_loudness *m = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
  readings r = read_all (m);    /* before any input */
  CHECK (r.i == -HUGE_VAL && r.m == -HUGE_VAL && r.s == -HUGE_VAL);
  CHECK (r.lra == 0.0);
  double *z = calloc (48000 * 2 * 10, sizeof (double));
  feed64 (m, z, 48000 * 10);
  r = read_all (m);
  CHECK (r.i == -HUGE_VAL && r.m == -HUGE_VAL && r.s == -HUGE_VAL);
  CHECK (r.mmax == -HUGE_VAL && r.smax == -HUGE_VAL);
  CHECK (r.lra == 0.0);
  CHECK (r.sp[0] == 0.0 && r.tp[1] == 0.0);
  CHECK (r.frames == 480000 && r.nonfinite == 0);
  free (z);
  mm_loudness_free (&m);
}

/* A meter fed loud material, reset, then fed a quieter signal reads
 * exactly what a fresh meter fed the quieter signal reads. */
static void
test_reset (void)
{
  size_t nl, nq;
  double *loud = programme (48000, 2, 12.0, 1, &nl);
  double *quiet = tone (48000, 2, 1000, -30.0, 7.3, &nq);
  mm_loudness *a = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
  mm_loudness *b = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
  double *nan1 = malloc (2 * sizeof (double));
  nan1[0] = NAN;
  nan1[1] = 0.0;

  feed32 (a, loud, nl);
  feed64 (a, nan1, 1);
  feed32 (a, loud, 1001);       /* end mid-step */
  CHECK (mm_loudness_get_nonfinite (a) == 1);
  CHECK (mm_loudness_reset (a) == MM_OK);
  readings fresh = read_all (b), after = read_all (a);
  readings_near (&after, &fresh, 0.0, 0.0);
  feed32 (a, quiet, nq);
  feed32 (b, quiet, nq);
  after = read_all (a);
  fresh = read_all (b);
  readings_near (&after, &fresh, 0.0, 0.0);
  CHECK_NEAR (after.i, -30.0, 0.1);
  free (loud);
  free (quiet);
  free (nan1);
  mm_loudness_free (&a);
  mm_loudness_free (&b);
}

/* Sporadic NaN / +-Inf samples are counted and measured as silence: the
 * integrated loudness stays within 0.01 LU of the clean signal, and no
 * reading becomes NaN or Inf. */
static void
test_nonfinite (void)
{
  size_t n;
  double *clean = programme (48000, 2, 20.0, 7, &n);
  double *dirty = malloc (n * 2 * sizeof (double));
  memcpy (dirty, clean, n * 2 * sizeof (double));
  uint64_t seed = 5, bad = 0;
  static const double specials[] = { NAN, INFINITY, -INFINITY, -NAN };
  for (size_t i = 0; i < n * 2; i += 500 + (size_t) (tc_random (&seed) * 1000)) {
    dirty[i] = specials[bad % 4];
    bad++;
  }

  for (int f64 = 0; f64 < 2; f64++) {
    mm_loudness *mc = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
    mm_loudness *md = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
    if (f64) {
      feed64 (mc, clean, n);
      feed64 (md, dirty, n);
    } else {
      feed32 (mc, clean, n);
      feed32 (md, dirty, n);
    }
    readings c = read_all (mc), d = read_all (md);
    CHECK (d.nonfinite == bad);
    CHECK (c.nonfinite == 0);
    CHECK_NEAR (d.i, c.i, 0.01);
    CHECK_NEAR (d.lra, c.lra, 0.1);
    CHECK (isfinite (d.i) && isfinite (d.m) && isfinite (d.s)
        && isfinite (d.lra) && isfinite (d.mmax) && isfinite (d.smax));
    CHECK (isfinite (d.sp[0]) && isfinite (d.sp[1]) && isfinite (d.tp[0])
        && isfinite (d.tp[1]));
    CHECK (d.sp[0] <= c.sp[0] && d.sp[1] <= c.sp[1]);
    printf ("non-finite (%s): %llu bad samples, I %.4f vs clean %.4f\n",
        f64 ? "f64" : "f32", (unsigned long long) bad, d.i, c.i);
    mm_loudness_free (&mc);
    mm_loudness_free (&md);
  }
  free (clean);
  free (dirty);
}

/* Float32 and float64 input of the same signal agree within 0.001 LU. */
static void
test_f32_f64 (void)
{
  size_t n;
  double *x = programme (44100, 2, 25.0, 11, &n);
  mm_loudness *a = mm_loudness_new (44100, 2, MM_LOUDNESS_TRUE_PEAK);
  mm_loudness *b = mm_loudness_new (44100, 2, MM_LOUDNESS_TRUE_PEAK);
  feed32 (a, x, n);
  feed64 (b, x, n);
  readings ra = read_all (a), rb = read_all (b);
  readings_near (&ra, &rb, 0.001, 1e-6);
  free (x);
  mm_loudness_free (&a);
  mm_loudness_free (&b);
}

/* The whole rate range: a -23 dBFS stereo tone (1 kHz; 997 Hz at 8 kHz)
 * reads -23.0 +-0.1 LUFS for M, S and I. */
static void
test_rates (void)
{
  static const unsigned rates[] = { 8000, 11025, 22050, 32000, 48000,
    88200, 192000, 384000
  };
  for (size_t r = 0; r < sizeof (rates) / sizeof (rates[0]); r++) {
    size_t n;
    double f = rates[r] == 8000 ? 997 : 1000;
    double *x = tone (rates[r], 2, f, -23.0, 5.0, &n);
    mm_loudness *m = mm_loudness_new (rates[r], 2, 0);
    feed32 (m, x, n);
    readings v = read_all (m);
    int ok = CHECK_NEAR (v.i, -23.0, 0.1);
    ok &= CHECK_NEAR (v.m, -23.0, 0.1);
    ok &= CHECK_NEAR (v.s, -23.0, 0.1);
    printf ("rate %6u: %g Hz at -23 dBFS reads I %.4f M %.4f S %.4f%s\n",
        rates[r], f, v.i, v.m, v.s, ok ? "" : "  FAIL");
    free (x);
    mm_loudness_free (&m);
  }
}

/* Programme values: integrated_multiple / range_multiple over meters fed
 * consecutive parts equal one meter fed the concatenation (+-0.01 LU for
 * I, +-0.1 LU for LRA).  They cannot be identical: the concatenation has
 * 3 gating blocks (and 29 LRA blocks) straddling each join that no part
 * has.  Two parts of equal length keep those blocks at the mean energy,
 * so here the difference is well inside the tolerance; with unequal parts
 * (20 s -20, 20 s -30, 15 s -25 dBFS) it reaches 0.0105 LU from those 6
 * blocks alone, which is the definition, not an error of the meter. */
static void
test_multiple (void)
{
  static const double levels[2] = { -20.0, -30.0 };
  static const double secs[2] = { 20.0, 20.0 };
  mm_loudness *parts[2];
  mm_loudness *all = mm_loudness_new (48000, 2, 0);
  for (int k = 0; k < 2; k++) {
    size_t n;
    double *x = tone (48000, 2, 1000, levels[k], secs[k], &n);
    parts[k] = mm_loudness_new (48000, 2, 0);
    feed32 (parts[k], x, n);
    feed32 (all, x, n);
    free (x);
  }
  double i_all, i_mul, r_all, r_mul;
  mm_loudness_integrated (all, &i_all);
  mm_loudness_range (all, &r_all);
  CHECK (mm_loudness_integrated_multiple ((const mm_loudness * const *) parts,
          2, &i_mul) == MM_OK);
  CHECK (mm_loudness_range_multiple ((const mm_loudness * const *) parts, 2,
          &r_mul) == MM_OK);
  CHECK_NEAR (i_mul, i_all, 0.01);
  CHECK_NEAR (r_mul, r_all, 0.1);
  printf ("multiple: I %.4f vs concatenated %.4f; LRA %.3f vs %.3f\n",
      i_mul, i_all, r_mul, r_all);

  /* One meter: the same as the meter's own values. */
  double v;
  mm_loudness_integrated_multiple ((const mm_loudness * const *) &all, 1, &v);
  CHECK (v == i_all);
  mm_loudness_range_multiple ((const mm_loudness * const *) &all, 1, &v);
  CHECK (v == r_all);

  mm_loudness *bad[2] = { parts[0], NULL };
  CHECK (mm_loudness_integrated_multiple ((const mm_loudness * const *) bad, 2,
          &v) == MM_ERR_INVALID);
  CHECK (mm_loudness_integrated_multiple ((const mm_loudness * const *) parts,
          0, &v) == MM_ERR_INVALID);
  CHECK (mm_loudness_integrated_multiple (NULL, 1, &v) == MM_ERR_INVALID);
  CHECK (mm_loudness_range_multiple ((const mm_loudness * const *) parts, 2,
          NULL) == MM_ERR_INVALID);

  for (int k = 0; k < 2; k++)
    mm_loudness_free (&parts[k]);
  mm_loudness_free (&all);
}

/* Feeding one frame at a time or 4096 at a time (or uneven pieces) gives
 * the same results: I, M, S, LRA identical to 1e-9 LU. */
static void
test_chunking (void)
{
  size_t n;
  double *x = programme (48000, 2, 8.0, 3, &n);
  float *f = to_f32 (x, n * 2);
  mm_loudness *one = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
  mm_loudness *big = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
  mm_loudness *odd = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
  for (size_t i = 0; i < n; i++)
    mm_loudness_add_frames_f32 (one, f + 2 * i, 1);
  for (size_t i = 0; i < n; i += 4096)
    mm_loudness_add_frames_f32 (big, f + 2 * i, n - i < 4096 ? n - i : 4096);
  uint64_t seed = 8;
  for (size_t i = 0, len; i < n; i += len) {
    len = 1 + (size_t) (tc_random (&seed) * 3000);
    if (len > n - i)
      len = n - i;
    mm_loudness_add_frames_f32 (odd, f + 2 * i, len);
  }
  readings r1 = read_all (one), rb = read_all (big), ro = read_all (odd);
  /* Peaks to 1e-6: the oversampler's vector body and scalar tail may
   * round a sample differently (1 float ulp seen), and the piece
   * boundaries decide which path a sample takes (test_oversample). */
  readings_near (&r1, &rb, 1e-9, 1e-6);
  readings_near (&ro, &rb, 1e-9, 1e-6);
  free (x);
  free (f);
  mm_loudness_free (&one);
  mm_loudness_free (&big);
  mm_loudness_free (&odd);
}

/* A channel of weight 0 (LFE) does not count, however loud; surround
 * weight 1.41 adds 10 log10 (1.41) = 1.49 dB of that channel's power. */
static void
test_channel_weights (void)
{
  size_t n;
  double *x = programme (48000, 6, 10.0, 4, &n);
  double *y = malloc (n * 6 * sizeof (double));
  memcpy (y, x, n * 6 * sizeof (double));
  for (size_t i = 0; i < n; i++) {
    x[i * 6 + 3] = 0.9 * sin (TWO_PI * 60.0 * i / 48000.0);     /* loud LFE */
    y[i * 6 + 3] = 0.0;
  }
  mm_loudness *a = mm_loudness_new (48000, 6, 0);
  mm_loudness *b = mm_loudness_new (48000, 6, 0);
  mm_loudness_set_channel_weight (a, 3, MM_LOUDNESS_WEIGHT_LFE);
  feed64 (a, x, n);
  feed64 (b, y, n);
  double ia, ib;
  mm_loudness_integrated (a, &ia);
  mm_loudness_integrated (b, &ib);
  CHECK (ia == ib);

  /* One channel only, weight 1.41 against weight 1. */
  size_t nt;
  double *t = tone (48000, 1, 1000, -20.0, 5.0, &nt);
  mm_loudness *s = mm_loudness_new (48000, 1, 0);
  mm_loudness *u = mm_loudness_new (48000, 1, 0);
  mm_loudness_set_channel_weight (s, 0, MM_LOUDNESS_WEIGHT_SURROUND);
  feed64 (s, t, nt);
  feed64 (u, t, nt);
  mm_loudness_integrated (s, &ia);
  mm_loudness_integrated (u, &ib);
  CHECK_NEAR (ia - ib, 10.0 * log10 (1.41), 0.01);

  free (x);
  free (y);
  free (t);
  mm_loudness_free (&a);
  mm_loudness_free (&b);
  mm_loudness_free (&s);
  mm_loudness_free (&u);
}

/* Frame counting, sample peak and the relative gate on a plain tone. */
static void
test_basics (void)
{
  size_t n;
  double *x = tone (48000, 2, 1000, -23.0, 6.0, &n);
  mm_loudness *m = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
  feed32 (m, x, n);
  readings r = read_all (m);
  CHECK (r.frames == n);
  CHECK_NEAR (mm_linear_to_db (r.sp[0]), -23.0, 0.01);
  CHECK_NEAR (mm_linear_to_db (r.tp[1]), -23.0, 0.2);
  CHECK_NEAR (r.gate, r.i - 10.0, 0.01);
  CHECK_NEAR (r.mmax, -23.0, 0.1);
  CHECK_NEAR (r.smax, -23.0, 0.1);
  /* A steady tone has no loudness range. */
  CHECK_NEAR (r.lra, 0.0, 0.1);
  free (x);
  mm_loudness_free (&m);
}

/* Interleaved float input is a float array: 4-byte alignment is all C
 * promises (e.g. a buffer that starts one sample into an allocation).
 * The meter must read it like any other pointer.  Each layout runs in a
 * child process (tcheck.h) so a crash is reported, not fatal. */
static void
unaligned_case (void *p)
{
  unsigned ch = *(const unsigned *) p;
  size_t n;
  double *x = programme (48000, ch, 3.0, 21, &n);
  float *base = malloc ((n * ch + 4) * sizeof (float));
  float *odd = base + 1;        /* 4 mod 8 (malloc gives >= 8) */
  for (size_t i = 0; i < n * ch; i++)
    odd[i] = (float) x[i];
  mm_loudness *a = mm_loudness_new (48000, ch, MM_LOUDNESS_TRUE_PEAK);
  mm_loudness *b = mm_loudness_new (48000, ch, MM_LOUDNESS_TRUE_PEAK);
  CHECK (mm_loudness_add_frames_f32 (a, odd, n) == MM_OK);
  feed32 (b, x, n);
  readings ra = read_all (a), rb = read_all (b);
  readings_near (&ra, &rb, 0.0, 0.0);
  free (x);
  free (base);
  mm_loudness_free (&a);
  mm_loudness_free (&b);
}

static void
test_unaligned (void)
{
  for (unsigned ch = 1; ch <= 3; ch++) {
    char what[80];
    snprintf (what, sizeof (what),
        "add_frames_f32, %u channel(s), input at 4 mod 8 bytes", ch);
    tc_isolated (unaligned_case, &ch, what);
  }
}

/* add_frames_pair against two add_frames calls: every reading the same,
 * bit for bit, for two stereo meters fed together in uneven pieces
 * (their K-weighting then runs four channels side by side), and for
 * pairs that cannot go together (a weight 0, different places on the
 * 10 ms grid), which take the one-meter path. */
static void
test_pair (void)
{
  size_t n;
  double *x = programme (48000, 2, 6.0, 5, &n);
  float *f = to_f32 (x, n * 2);
  float *g = malloc (n * 2 * sizeof (float));
  for (size_t i = 0; i < 2 * n; i++)
    g[i] = 0.5f * f[(i + 7777) % (2 * n)];
  for (int kase = 0; kase < 3; kase++) {
    mm_loudness *a = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
    mm_loudness *b = mm_loudness_new (48000, 2, 0);
    mm_loudness *ra = mm_loudness_new (48000, 2, MM_LOUDNESS_TRUE_PEAK);
    mm_loudness *rb = mm_loudness_new (48000, 2, 0);
    if (kase == 1) {
      mm_loudness_set_channel_weight (b, 1, 0.0);
      mm_loudness_set_channel_weight (rb, 1, 0.0);
    }
    size_t start = 0;
    if (kase == 2) {            /* b one piece ahead on the grid */
      mm_loudness_add_frames_f32 (b, g, 100);
      mm_loudness_add_frames_f32 (rb, g, 100);
      start = 100;
    }
    uint64_t seed = 31;
    for (size_t i = start, len; i < n; i += len) {
      len = 1 + (size_t) (tc_random (&seed) * 2500);
      if (len > n - i)
        len = n - i;
      CHECK (mm_loudness_add_frames_pair_f32 (a, f + 2 * i, b, g + 2 * i,
              len) == MM_OK);
      mm_loudness_add_frames_f32 (ra, f + 2 * i, len);
      mm_loudness_add_frames_f32 (rb, g + 2 * i, len);
    }
    readings r1 = read_all (a), r2 = read_all (ra);
    readings r3 = read_all (b), r4 = read_all (rb);
    if (!CHECK (memcmp (&r1, &r2, sizeof (r1)) == 0
            && memcmp (&r3, &r4, sizeof (r3)) == 0))
      printf ("  (case %d: the paired meters differ from single ones)\n", kase);
    mm_loudness_free (&a);
    mm_loudness_free (&b);
    mm_loudness_free (&ra);
    mm_loudness_free (&rb);
  }
  CHECK (mm_loudness_add_frames_pair_f32 (NULL, f, NULL, f, 1) == MM_ERR_INVALID);

  /* three meters at once (add_frames_multi), f64 input */
  {
    double *dg = malloc (n * 2 * sizeof (double));
    for (size_t i = 0; i < 2 * n; i++)
      dg[i] = g[i];
    mm_loudness *mm[3], *rr[3];
    const double *src[3] = { x, dg, x };
    for (int k = 0; k < 3; k++) {
      mm[k] = mm_loudness_new (48000, 2, 0);
      rr[k] = mm_loudness_new (48000, 2, 0);
    }
    uint64_t seed = 5;
    for (size_t i = 0, len; i < n; i += len) {
      len = 1 + (size_t) (tc_random (&seed) * 3000);
      if (len > n - i)
        len = n - i;
      const double *in3[3] = { src[0] + 2 * i, src[1] + 2 * i, src[2] + 2 * i };
      CHECK (mm_loudness_add_frames_multi_f64 (mm, in3, 3, len) == MM_OK);
      for (int k = 0; k < 3; k++)
        mm_loudness_add_frames_f64 (rr[k], src[k] + 2 * i, len);
    }
    int same = 1;
    for (int k = 0; k < 3; k++) {
      readings q1 = read_all (mm[k]), q2 = read_all (rr[k]);
      same &= memcmp (&q1, &q2, sizeof (q1)) == 0;
      mm_loudness_free (&mm[k]);
      mm_loudness_free (&rr[k]);
    }
    if (!CHECK (same))
      printf ("  (three meters together differ from single ones)\n");
    free (dg);
  }
  free (x);
  free (f);
  free (g);
}

int
main (void)
{
  test_new_free ();
  test_weights ();
  test_silence ();
  test_reset ();
  test_nonfinite ();
  test_f32_f64 ();
  test_rates ();
  test_multiple ();
  test_chunking ();
  test_channel_weights ();
  test_basics ();
  test_unaligned ();
  test_pair ();
  return tc_finish ("loudness");
}
