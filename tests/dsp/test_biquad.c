/* Unit tests of dsp/biquad: K-weighting designs against BS.1770, RBJ
 * designs at their defining points, and the kernels against the
 * difference equation.  Tolerances are stated at each check. */
#include <float.h>
#include <string.h>

#include "biquad.h"
#include "tcheck.h"

static void
check_coeffs (const mm_biquad_coeffs * c, const double want[5], double tol,
    const char *what)
{
  const double got[5] = { c->b0, c->b1, c->b2, c->a1, c->a2 };
  static const char *names[5] = { "b0", "b1", "b2", "a1", "a2" };
  for (int i = 0; i < 5; i++)
    if (!CHECK_NEAR (got[i], want[i], tol))
      printf ("  (%s %s)\n", what, names[i]);
}

/* BS.1770-4 Table 1 and 2 (48 kHz), and the 44.1 kHz unit-test constants
 * of CONFORMANCE.md section 3, to 1e-9. */
static void
test_kweighting_coeffs (void)
{
  mm_biquad_coeffs c;
  static const double shelf48[5] = { 1.53512485958697, -2.69169618940638,
    1.19839281085285, -1.69065929318241, 0.73248077421585
  };
  static const double hp48[5] = { 1.0, -2.0, 1.0, -1.99004745483398,
    0.99007225036621
  };
  static const double shelf44[5] = { 1.53084123005035, -2.65097999515473,
    1.16907907992159, -1.66365511325602, 0.71259542807323
  };
  static const double hp44[5] = { 1.0, -2.0, 1.0, -1.98916967362980,
    0.98919903578704
  };

  CHECK (mm_biquad_design_kweight_shelf (&c, 48000) == MM_OK);
  check_coeffs (&c, shelf48, 1e-9, "shelf 48 kHz");
  CHECK (mm_biquad_design_kweight_highpass (&c, 48000) == MM_OK);
  check_coeffs (&c, hp48, 1e-9, "high-pass 48 kHz");
  CHECK (mm_biquad_design_kweight_shelf (&c, 44100) == MM_OK);
  check_coeffs (&c, shelf44, 1e-9, "shelf 44.1 kHz");
  CHECK (mm_biquad_design_kweight_highpass (&c, 44100) == MM_OK);
  check_coeffs (&c, hp44, 1e-9, "high-pass 44.1 kHz");

  /* Rates outside the design's reach. */
  CHECK (mm_biquad_design_kweight_shelf (&c, 3000) == MM_ERR_INVALID);
  CHECK (mm_biquad_design_kweight_shelf (NULL, 48000) == MM_ERR_INVALID);
  CHECK (mm_biquad_design_kweight_highpass (&c, 0) == MM_ERR_INVALID);
}

static double
kweight_db (double rate, double freq)
{
  mm_biquad_coeffs s, h;
  mm_biquad_design_kweight_shelf (&s, rate);
  mm_biquad_design_kweight_highpass (&h, rate);
  return mm_biquad_response_db (&s, rate, freq)
      + mm_biquad_response_db (&h, rate, freq);
}

/* The two stages together: +0.6910 dB at 997 Hz / 48 kHz (what the
 * -0.691 of the loudness formula cancels), +0.6977 dB at 1000 Hz
 * (CONFORMANCE.md section 3), +-0.001 dB. */
static void
test_kweighting_gain (void)
{
  CHECK_NEAR (kweight_db (48000, 997), 0.6910, 0.001);
  CHECK_NEAR (kweight_db (48000, 1000), 0.6977, 0.001);
  /* The shape: the shelf's +4 dB at high frequencies and the RLB
   * high-pass's cut at low ones (BS.1770 Fig. 1-2, +-0.1 dB / sign). */
  CHECK_NEAR (kweight_db (48000, 20000), 4.0, 0.1);
  CHECK (kweight_db (48000, 20) < -5.0);
}

/* RBJ peak and shelves at 0 dB gain are the identity: 0 dB (+-1e-9 dB)
 * at every frequency; the peak filter gives gain_db at its centre and
 * the shelves give gain_db at DC / Nyquist (+-1e-9 dB). */
static void
test_rbj (void)
{
  static const mm_biquad_type flat_types[] = { MM_BIQUAD_PEAK,
    MM_BIQUAD_LOWSHELF, MM_BIQUAD_HIGHSHELF
  };
  static const double probe[] = { 10, 31.5, 100, 997, 1000, 4000, 12000,
    20000, 23900
  };
  static const double centres[] = { 40, 250, 1000, 8000, 18000 };
  static const double qs[] = { 0.3, 0.7071067811865476, 2.0, 10.0 };
  const double rate = 48000;
  mm_biquad_coeffs c;

  for (size_t t = 0; t < 3; t++)
    for (size_t f = 0; f < 5; f++)
      for (size_t q = 0; q < 4; q++) {
        CHECK (mm_biquad_design (&c, flat_types[t], rate, centres[f], qs[q],
                0.0) == MM_OK);
        for (size_t p = 0; p < sizeof (probe) / sizeof (probe[0]); p++)
          CHECK_NEAR (mm_biquad_response_db (&c, rate, probe[p]), 0.0, 1e-9);
      }

  static const double gains[] = { -24, -12, -3, 0.5, 6, 15 };
  for (size_t g = 0; g < 6; g++)
    for (size_t f = 0; f < 5; f++)
      for (size_t q = 0; q < 4; q++) {
        CHECK (mm_biquad_design (&c, MM_BIQUAD_PEAK, rate, centres[f], qs[q],
                gains[g]) == MM_OK);
        CHECK_NEAR (mm_biquad_response_db (&c, rate, centres[f]), gains[g],
            1e-9);
        /* Far from the centre a bell returns towards 0 dB. */
        if (centres[f] == 1000 && qs[q] >= 2.0)
          CHECK_NEAR (mm_biquad_response_db (&c, rate, 20), 0.0, 0.05);
        CHECK (mm_biquad_design (&c, MM_BIQUAD_LOWSHELF, rate, centres[f],
                qs[q], gains[g]) == MM_OK);
        CHECK_NEAR (mm_biquad_response_db (&c, rate, 1e-6), gains[g], 1e-9);
        CHECK (mm_biquad_design (&c, MM_BIQUAD_HIGHSHELF, rate, centres[f],
                qs[q], gains[g]) == MM_OK);
        CHECK_NEAR (mm_biquad_response_db (&c, rate, rate / 2), gains[g], 1e-9);
      }

  /* Low/high-pass: |H(f0)| = Q, so -3.0103 dB at Q = 1/sqrt 2; unity in
   * the pass band.  Band-pass: 0 dB at its centre.  Notch: a deep null. */
  const double q707 = 0.7071067811865476;
  CHECK (mm_biquad_design (&c, MM_BIQUAD_LOWPASS, rate, 1000, q707, 0) == MM_OK);
  CHECK_NEAR (mm_biquad_response_db (&c, rate, 1000), 20 * log10 (q707), 1e-9);
  CHECK_NEAR (mm_biquad_response_db (&c, rate, 1e-6), 0.0, 1e-9);
  CHECK (mm_biquad_design (&c, MM_BIQUAD_HIGHPASS, rate, 1000, q707, 0) == MM_OK);
  CHECK_NEAR (mm_biquad_response_db (&c, rate, 1000), 20 * log10 (q707), 1e-9);
  CHECK_NEAR (mm_biquad_response_db (&c, rate, rate / 2), 0.0, 1e-9);
  CHECK (mm_biquad_design (&c, MM_BIQUAD_BANDPASS, rate, 3000, 2.0, 0) == MM_OK);
  CHECK_NEAR (mm_biquad_response_db (&c, rate, 3000), 0.0, 1e-9);
  CHECK (mm_biquad_design (&c, MM_BIQUAD_NOTCH, rate, 3000, 2.0, 0) == MM_OK);
  CHECK (mm_biquad_response_db (&c, rate, 3000) < -100.0);

  /* Identity. */
  mm_biquad_identity (&c);
  CHECK (c.b0 == 1.0 && c.b1 == 0.0 && c.b2 == 0.0 && c.a1 == 0.0
      && c.a2 == 0.0);

  /* Bad arguments. */
  CHECK (mm_biquad_design (&c, MM_BIQUAD_PEAK, rate, 0, 1, 0) == MM_ERR_INVALID);
  CHECK (mm_biquad_design (&c, MM_BIQUAD_PEAK, rate, 24000, 1, 0) == MM_ERR_INVALID);
  CHECK (mm_biquad_design (&c, MM_BIQUAD_PEAK, rate, 1000, 0, 0) == MM_ERR_INVALID);
  CHECK (mm_biquad_design (&c, MM_BIQUAD_PEAK, rate, 1000, -1, 0) == MM_ERR_INVALID);
  CHECK (mm_biquad_design (&c, MM_BIQUAD_PEAK, rate, 1000, 1, NAN) == MM_ERR_INVALID);
  CHECK (mm_biquad_design (&c, MM_BIQUAD_PEAK, rate, 1000, 1, INFINITY)
      == MM_ERR_INVALID);
  CHECK (mm_biquad_design (&c, (mm_biquad_type) 99, rate, 1000, 1, 0)
      == MM_ERR_INVALID);
  CHECK (mm_biquad_design (NULL, MM_BIQUAD_PEAK, rate, 1000, 1, 0)
      == MM_ERR_INVALID);
}

/* y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2], long
 * double, the reference for the kernels. */
static void
reference (const mm_biquad_coeffs * c, const double *x, double *y, size_t n)
{
  long double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (size_t i = 0; i < n; i++) {
    long double v = (long double) c->b0 * x[i] + (long double) c->b1 * x1
        + (long double) c->b2 * x2 - (long double) c->a1 * y1
        - (long double) c->a2 * y2;
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = v;
    y[i] = (double) v;
  }
}

#define N 4096

/* process () of an impulse and of noise equals the difference equation
 * (1e-12 of the signal's scale); state carries across calls, so any split
 * gives the same output bit for bit; cascade2_energy equals two process ()
 * passes and a sum of squares (1e-9 relative). */
static void
test_process (void)
{
  static double x[N], y[N], r[N], split[N];
  static float xf[N];
  mm_biquad_coeffs c[2];
  mm_biquad_state s[2];
  uint64_t seed = 12345;

  mm_biquad_design (&c[0], MM_BIQUAD_PEAK, 48000, 2000, 0.9, 9.0);
  mm_biquad_design_kweight_highpass (&c[1], 48000);

  for (int k = 0; k < 2; k++) {
    memset (x, 0, sizeof (x));
    x[0] = 1.0;
    memcpy (y, x, sizeof (x));
    mm_biquad_reset (&s[0]);
    mm_biquad_process (&c[k], &s[0], y, N);
    reference (&c[k], x, r, N);
    double err = 0.0;
    for (int i = 0; i < N; i++)
      err = fmax (err, fabs (y[i] - r[i]));
    CHECK_NEAR (err, 0.0, 1e-12);
    /* The first samples of the impulse response, exactly. */
    CHECK (y[0] == c[k].b0);
    CHECK_NEAR (y[1], c[k].b1 - c[k].a1 * c[k].b0, 1e-15);
  }

  for (int i = 0; i < N; i++) {
    xf[i] = (float) (tc_random (&seed) * 2.0 - 1.0);
    x[i] = xf[i];
  }
  memcpy (y, x, sizeof (x));
  mm_biquad_reset (&s[0]);
  mm_biquad_process (&c[0], &s[0], y, N);
  reference (&c[0], x, r, N);
  double err = 0.0;
  for (int i = 0; i < N; i++)
    err = fmax (err, fabs (y[i] - r[i]));
  CHECK_NEAR (err, 0.0, 1e-12);

  memcpy (split, x, sizeof (x));
  mm_biquad_reset (&s[0]);
  for (size_t off = 0, len = 1; off < N; off += len, len = len * 3 + 1) {
    if (len > N - off)
      len = N - off;
    mm_biquad_process (&c[0], &s[0], split + off, len);
  }
  CHECK (memcmp (split, y, sizeof (y)) == 0);

  /* cascade2_energy against two passes of process (). */
  memcpy (y, x, sizeof (x));
  mm_biquad_reset (&s[0]);
  mm_biquad_reset (&s[1]);
  mm_biquad_process (&c[0], &s[0], y, N);
  mm_biquad_process (&c[1], &s[1], y, N);
  double e_ref = 0.0;
  for (int i = 0; i < N; i++)
    e_ref += y[i] * y[i];
  mm_biquad_reset (&s[0]);
  mm_biquad_reset (&s[1]);
  double e = mm_biquad_cascade2_energy (c, s, xf, N / 2);
  e += mm_biquad_cascade2_energy (c, s, xf + N / 2, N / 2);
  CHECK_NEAR (e / e_ref, 1.0, 1e-9);
  CHECK (mm_biquad_cascade2_energy (c, s, xf, 0) == 0.0);

  /* flush_denormals zeroes subnormal state and keeps normal state. */
  mm_biquad_state d = { DBL_MIN / 4, -DBL_MIN / 1024, 1e-300, -0.5 };
  mm_biquad_flush_denormals (&d);
  CHECK (d.x1 == 0.0 && d.x2 == 0.0 && d.y1 == 1e-300 && d.y2 == -0.5);
}

/* cascade2_energy_x2 against two calls of cascade2_energy: the same
 * energies and the same state, bit for bit, for K-weighting at 44.1 and
 * 48 kHz and an EQ pair; pieces of uneven length (0, 1, ... samples) with
 * the state carried across; loud noise, a quiet tone, and silence after
 * sound (where the recursions decay towards the subnormal range). */
static void
test_cascade2_x2 (void)
{
  static float a[N], b[N];
  uint64_t seed = 777;
  for (int i = 0; i < N; i++) {
    a[i] = (float) (tc_random (&seed) * 2.0 - 1.0);
    b[i] = i < N / 2 ? (float) (1e-3 * sin (0.05 * i)) : 0.0f;
  }
  for (int set = 0; set < 3; set++) {
    mm_biquad_coeffs c[2];
    if (set < 2) {
      mm_biquad_design_kweight_shelf (&c[0], set ? 44100 : 48000);
      mm_biquad_design_kweight_highpass (&c[1], set ? 44100 : 48000);
    } else {
      mm_biquad_design (&c[0], MM_BIQUAD_PEAK, 48000, 2000, 0.9, 9.0);
      mm_biquad_design (&c[1], MM_BIQUAD_LOWPASS, 48000, 5000, 0.7, 0.0);
    }
    mm_biquad_state ra[2], rb[2], sa[2], sb[2];
    for (int k = 0; k < 2; k++) {
      mm_biquad_reset (&ra[k]);
      mm_biquad_reset (&rb[k]);
      mm_biquad_reset (&sa[k]);
      mm_biquad_reset (&sb[k]);
    }
    int same = 1;
    double worst = 0.0;
    for (size_t off = 0, len = 0; off < N; off += len, len = len * 2 + 1) {
      if (len > N - off)
        len = N - off;
      double ea_ref = mm_biquad_cascade2_energy (c, ra, a + off, len);
      double eb_ref = mm_biquad_cascade2_energy (c, rb, b + off, len);
      double ea = -1.0, eb = -1.0;
      mm_biquad_cascade2_energy_x2 (c, sa, sb, a + off, b + off, len, &ea, &eb);
      same &= ea == ea_ref && eb == eb_ref;
      if (ea_ref > 0.0)
        worst = fmax (worst, fabs (ea / ea_ref - 1.0));
      if (eb_ref > 0.0)
        worst = fmax (worst, fabs (eb / eb_ref - 1.0));
    }
    same &= memcmp (ra, sa, sizeof (ra)) == 0 && memcmp (rb, sb, sizeof (rb)) == 0;
    /* Bit for bit: the lanes do the single path's operations in its
     * order (and within 1e-12 relative, the meter's bound, regardless). */
    CHECK_NEAR (worst, 0.0, 1e-12);
    if (!CHECK (same))
      printf ("  (set %d: x2 differs from two single calls, by up to %.3g "
          "relative)\n", set, worst);
  }
}

/* The cascade kernels against sequential single sections: 0..9 sections
 * (every group split of the kernel), chunks of varied length, states
 * carried across calls; bit for bit, states included. */
static void
test_cascade_process (void)
{
  enum { NS = 9, LEN = 1500 };
  static double in_a[LEN], in_b[LEN];
  static double ref_a[LEN], ref_b[LEN], got_a[LEN], got_b[LEN], got1[LEN];
  uint64_t seed = 4242;
  for (int i = 0; i < LEN; i++) {
    in_a[i] = tc_random (&seed) * 2.0 - 1.0;
    in_b[i] = 0.3 * sin (0.013 * i) + 1e-3 * (tc_random (&seed) - 0.5);
  }
  mm_biquad_coeffs c[NS];
  mm_biquad_design (&c[0], MM_BIQUAD_HIGHPASS, 48000, 30, 0.54, 0.0);
  mm_biquad_design (&c[1], MM_BIQUAD_HIGHPASS, 48000, 30, 1.31, 0.0);
  mm_biquad_design (&c[2], MM_BIQUAD_LOWSHELF, 48000, 120, 0.707, 2.0);
  mm_biquad_design (&c[3], MM_BIQUAD_PEAK, 48000, 400, 1.0, -2.0);
  mm_biquad_design (&c[4], MM_BIQUAD_PEAK, 48000, 2500, 0.8, 1.5);
  mm_biquad_design (&c[5], MM_BIQUAD_PEAK, 48000, 6000, 2.0, -1.0);
  mm_biquad_design (&c[6], MM_BIQUAD_HIGHSHELF, 48000, 9000, 0.707, 2.0);
  mm_biquad_design (&c[7], MM_BIQUAD_LOWPASS, 48000, 12000, 0.707, 0.0);
  mm_biquad_design (&c[8], MM_BIQUAD_NOTCH, 48000, 50, 5.0, 0.0);

  for (unsigned ns = 0; ns <= NS; ns++) {
    mm_biquad_state ra[NS], rb[NS], sa[NS], sb[NS], s1[NS];
    for (unsigned k = 0; k < NS; k++) {
      mm_biquad_reset (&ra[k]);
      mm_biquad_reset (&rb[k]);
      mm_biquad_reset (&sa[k]);
      mm_biquad_reset (&sb[k]);
      mm_biquad_reset (&s1[k]);
    }
    memcpy (ref_a, in_a, sizeof (ref_a));
    memcpy (ref_b, in_b, sizeof (ref_b));
    memcpy (got_a, in_a, sizeof (got_a));
    memcpy (got_b, in_b, sizeof (got_b));
    memcpy (got1, in_a, sizeof (got1));
    for (size_t off = 0, len = 0; off < LEN; off += len, len = len * 2 + 1) {
      if (len > LEN - off)
        len = LEN - off;
      for (unsigned k = 0; k < ns; k++) {
        mm_biquad_process (&c[k], &ra[k], ref_a + off, len);
        mm_biquad_process (&c[k], &rb[k], ref_b + off, len);
      }
      mm_biquad_cascade_process (c, s1, ns, got1 + off, len);
      mm_biquad_cascade_process_x2 (c, sa, sb, ns, got_a + off, got_b + off,
          len);
    }
    int same1 = memcmp (ref_a, got1, sizeof (ref_a)) == 0
        && memcmp (ra, s1, sizeof (ra)) == 0;
    int same2 = memcmp (ref_a, got_a, sizeof (ref_a)) == 0
        && memcmp (ref_b, got_b, sizeof (ref_b)) == 0
        && memcmp (ra, sa, sizeof (ra)) == 0 && memcmp (rb, sb, sizeof (rb)) == 0;
    if (!CHECK (same1))
      printf ("  (%u sections: cascade differs from sequential sections)\n",
          ns);
    if (!CHECK (same2))
      printf ("  (%u sections: x2 differs from two single channels)\n", ns);
  }
}

/* The four-lane and the stereo-float kernels against the one-lane
 * cascade: four lanes with their own coefficients (the crossover's
 * low-pass, all-pass and EQ shapes) and states, 0..9 sections, chunks of
 * varied length with the states carried across; bit for bit, states
 * included.  stereo_f32 equals x2 on the widened channels, rounded. */
static void
test_cascade_x4_stereo (void)
{
  enum { NS = 9, LEN = 1500 };
  static double in[4][LEN], ref[4][LEN], got[LEN][4];
  static double pa[LEN], pb[LEN];
  static float st[2 * LEN];
  uint64_t seed = 99;
  for (int i = 0; i < LEN; i++)
    for (int j = 0; j < 4; j++)
      in[j][i] = j == 3 ? 0.5 * sin (0.021 * i) : tc_random (&seed) * 2.0 - 1.0;
  static const mm_biquad_type types[4] = { MM_BIQUAD_LOWPASS,
    MM_BIQUAD_HIGHPASS, MM_BIQUAD_PEAK, MM_BIQUAD_HIGHSHELF };
  mm_biquad_coeffs c[NS][4], cl[4][NS];
  for (int k = 0; k < NS; k++)
    for (int j = 0; j < 4; j++) {
      mm_biquad_design (&c[k][j], types[(j + k) % 4], 48000,
          40.0 * (k + 1) * (j + 1), 0.6 + 0.1 * k, -3.0 + j);
      if (j == 2 && k == 1) {           /* an all-pass from a low-pass */
        mm_biquad_coeffs lp = c[k][j];
        c[k][j] = (mm_biquad_coeffs) { lp.a2, lp.a1, 1.0, lp.a1, lp.a2 };
      }
      cl[j][k] = c[k][j];
    }
  int same4 = 1, same2 = 1;
  for (unsigned ns = 0; ns <= NS; ns++) {
    mm_biquad_state s4[NS][4], sl[4][NS];
    mm_biquad_state sa[NS], sb[NS], ra[NS], rb[NS];
    memset (s4, 0, sizeof (s4));
    memset (sl, 0, sizeof (sl));
    memset (sa, 0, sizeof (sa));
    memset (sb, 0, sizeof (sb));
    memset (ra, 0, sizeof (ra));
    memset (rb, 0, sizeof (rb));
    for (int i = 0; i < LEN; i++) {
      for (int j = 0; j < 4; j++) {
        ref[j][i] = in[j][i];
        got[i][j] = in[j][i];
      }
      st[2 * i] = (float) in[0][i];
      st[2 * i + 1] = (float) in[3][i];
      pa[i] = st[2 * i];
      pb[i] = st[2 * i + 1];
    }
    for (size_t off = 0, len = 0; off < LEN; off += len, len = len * 2 + 1) {
      if (len > LEN - off)
        len = LEN - off;
      for (int j = 0; j < 4; j++)
        mm_biquad_cascade_process (cl[j], sl[j], ns, ref[j] + off, len);
      mm_biquad_cascade_process_x4 (&c[0][0], &s4[0][0], ns, got[off], len);
      /* stereo: lanes 0's sections on channels 0 and 3 */
      mm_biquad_cascade_process_x2 (cl[0], ra, rb, ns, pa + off, pb + off,
          len);
      mm_biquad_cascade_process_stereo_f32 (cl[0], sa, sb, ns, st + 2 * off,
          len);
    }
    for (int i = 0; i < LEN; i++) {
      for (int j = 0; j < 4; j++)
        same4 &= memcmp (&ref[j][i], &got[i][j], sizeof (double)) == 0;
      same2 &= st[2 * i] == (float) pa[i] && st[2 * i + 1] == (float) pb[i];
    }
    for (unsigned k = 0; k < ns; k++)
      for (int j = 0; j < 4; j++)
        same4 &= memcmp (&sl[j][k], &s4[k][j], sizeof (mm_biquad_state)) == 0;
    same2 &= memcmp (ra, sa, sizeof (ra)) == 0 && memcmp (rb, sb, sizeof (rb)) == 0;
  }
  if (!CHECK (same4))
    printf ("  (x4 differs from four single lanes)\n");
  if (!CHECK (same2))
    printf ("  (stereo_f32 differs from x2 on the widened channels)\n");
}

/* cascade2_energy_x4 against four calls of cascade2_energy: the same
 * energies and states, bit for bit, pieces of uneven length. */
static void
test_cascade2_x4 (void)
{
  static float in[4][N];
  uint64_t seed = 4711;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < 4; j++)
      in[j][i] = j == 2 ? (float) (1e-3 * sin (0.05 * i))
          : (float) (tc_random (&seed) * 2.0 - 1.0) * (j == 3 && i > N / 2 ? 0.0f : 1.0f);
  mm_biquad_coeffs c[2];
  mm_biquad_design_kweight_shelf (&c[0], 44100);
  mm_biquad_design_kweight_highpass (&c[1], 44100);
  mm_biquad_state r[4][2], s[4][2];
  memset (r, 0, sizeof (r));
  memset (s, 0, sizeof (s));
  int same = 1;
  for (size_t off = 0, len = 0; off < N; off += len, len = len * 2 + 1) {
    if (len > N - off)
      len = N - off;
    double e[4], er[4];
    for (int j = 0; j < 4; j++)
      er[j] = mm_biquad_cascade2_energy (c, r[j], in[j] + off, len);
    mm_biquad_state *const sp[4] = { s[0], s[1], s[2], s[3] };
    const float *const ip[4] = { in[0] + off, in[1] + off, in[2] + off,
      in[3] + off
    };
    mm_biquad_cascade2_energy_x4 (c, sp, ip, len, e);
    for (int j = 0; j < 4; j++)
      same &= e[j] == er[j];
  }
  same &= memcmp (r, s, sizeof (r)) == 0;
  if (!CHECK (same))
    printf ("  (cascade2_energy_x4 differs from four single calls)\n");
}

/* Four sections of four lanes for the fork tests: low-passes and bells. */
static void
fork_coeffs (mm_biquad_coeffs c[4][4])
{
  for (int k = 0; k < 4; k++)
    for (int j = 0; j < 4; j++)
      mm_biquad_design (&c[k][j], (j + k) % 2 ? MM_BIQUAD_LOWPASS :
          MM_BIQUAD_PEAK, 48000, 150.0 * (k + 1) + 700.0 * j, 0.7 + 0.2 * j,
          2.0 - k);
}

/* cascade_process_x4_fork against x4, the lane copy and x4 again: both
 * outputs and every state bit for bit, for the shapes 1..2 + 1..2 (one
 * loop) and 3 + 1 (two passes), chunks of varied length. */
static void
test_cascade_x4_fork (void)
{
  enum { LEN = 1500 };
  static double in[LEN][4], r1[LEN][4], r2[LEN][4], g1[LEN][4], g2[LEN][4];
  uint64_t seed = 515;
  for (int i = 0; i < LEN; i++)
    for (int j = 0; j < 4; j++)
      in[i][j] = tc_random (&seed) * 2.0 - 1.0;
  mm_biquad_coeffs c[4][4];
  fork_coeffs (c);
  static const unsigned shapes[][2] = { {1, 1}, {1, 2}, {2, 1}, {2, 2}, {3, 1} };
  int same = 1;
  for (unsigned sh = 0; sh < 5; sh++) {
    const unsigned f = shapes[sh][0], g = shapes[sh][1];
    mm_biquad_state rs[4][4], gs[4][4];
    memset (rs, 0, sizeof (rs));
    memset (gs, 0, sizeof (gs));
    memcpy (r1, in, sizeof (in));
    memcpy (g1, in, sizeof (in));
    for (size_t off = 0, len = 0; off < LEN; off += len, len = len * 2 + 1) {
      if (len > LEN - off)
        len = LEN - off;
      mm_biquad_cascade_process_x4 (&c[0][0], &rs[0][0], f, r1[off], len);
      for (size_t i = off; i < off + len; i++) {
        r2[i][0] = r2[i][2] = r1[i][0];
        r2[i][1] = r2[i][3] = r1[i][1];
      }
      mm_biquad_cascade_process_x4 (&c[f][0], &rs[f][0], g, r2[off], len);
      mm_biquad_cascade_process_x4_fork (&c[0][0], &gs[0][0], f, g, g1[off],
          g2[off], len);
    }
    same &= memcmp (r1, g1, sizeof (r1)) == 0 && memcmp (r2, g2, sizeof (r2)) == 0;
    same &= memcmp (rs, gs, (f + g) * 4 * sizeof (mm_biquad_state)) == 0;
  }
  if (!CHECK (same))
    printf ("  (x4_fork differs from x4, copy, x4)\n");
}

/* cascade_process_x4_fork_stereo against the lanes (a, b, a, b) built by
 * hand and x4_fork (2 + 2): both outputs and every state bit for bit,
 * chunks of varied length (up to 1500 frames, over the kernel's block),
 * non-finite input samples taken as 0. */
static void
test_cascade_x4_fork_stereo (void)
{
  enum { LEN = 3000 };
  static float in[2 * LEN];
  static double r1[LEN][4], r2[LEN][4], g1[LEN][4], g2[LEN][4];
  uint64_t seed = 616;
  for (int i = 0; i < 2 * LEN; i++)
    in[i] = (float) (tc_random (&seed) * 2.0 - 1.0);
  in[77] = NAN;
  in[1000] = INFINITY;
  in[2001] = -INFINITY;
  mm_biquad_coeffs c[4][4];
  fork_coeffs (c);
  mm_biquad_state rs[4][4], gs[4][4];
  memset (rs, 0, sizeof (rs));
  memset (gs, 0, sizeof (gs));
  for (int i = 0; i < LEN; i++) {
    const double a = isfinite (in[2 * i]) ? in[2 * i] : 0.0;
    const double b = isfinite (in[2 * i + 1]) ? in[2 * i + 1] : 0.0;
    r1[i][0] = r1[i][2] = a;
    r1[i][1] = r1[i][3] = b;
  }
  for (size_t off = 0, len = 0; off < LEN; off += len, len = len * 2 + 1) {
    if (len > LEN - off)
      len = LEN - off;
    mm_biquad_cascade_process_x4_fork (&c[0][0], &rs[0][0], 2, 2, r1[off],
        r2[off], len);
    mm_biquad_cascade_process_x4_fork_stereo (&c[0][0], &gs[0][0],
        in + 2 * off, g1[off], g2[off], len);
  }
  int same = memcmp (r1, g1, sizeof (r1)) == 0
      && memcmp (r2, g2, sizeof (r2)) == 0
      && memcmp (rs, gs, sizeof (rs)) == 0;
  if (!CHECK (same))
    printf ("  (x4_fork_stereo differs from the lanes by hand and x4_fork)\n");
}

/* cascade2_energy_stereo against single calls per channel: 1..4 pairs
 * of interleaved stereo, energies and states bit for bit. */
static void
test_cascade2_stereo (void)
{
  static float in[4][2 * N], pl[8][N];
  uint64_t seed = 99;
  for (int i = 0; i < N; i++)
    for (int k = 0; k < 4; k++)
      for (int c = 0; c < 2; c++) {
        float v = (float) ((tc_random (&seed) * 2.0 - 1.0) * (1.0 + k + c));
        in[k][2 * i + c] = v;
        pl[2 * k + c][i] = v;
      }
  mm_biquad_coeffs co[2];
  mm_biquad_design_kweight_shelf (&co[0], 48000);
  mm_biquad_design_kweight_highpass (&co[1], 48000);
  int same = 1;
  for (unsigned pairs = 1; pairs <= 4; pairs++) {
    mm_biquad_state r[8][2], st[8][2];
    memset (r, 0, sizeof (r));
    memset (st, 0, sizeof (st));
    for (size_t off = 0, len = 0; off < N; off += len, len = len * 2 + 1) {
      if (len > N - off)
        len = N - off;
      double e[8], er[8];
      for (unsigned j = 0; j < 2 * pairs; j++)
        er[j] = mm_biquad_cascade2_energy (co, r[j], pl[j] + off, len);
      mm_biquad_state *const sp[8] = { st[0], st[1], st[2], st[3], st[4],
        st[5], st[6], st[7]
      };
      const float *const ip[4] = { in[0] + 2 * off, in[1] + 2 * off,
        in[2] + 2 * off, in[3] + 2 * off
      };
      mm_biquad_cascade2_energy_stereo (co, sp, ip, pairs, len, e);
      for (unsigned j = 0; j < 2 * pairs; j++)
        same &= e[j] == er[j];
    }
    same &= memcmp (r, st, 2 * pairs * sizeof (r[0])) == 0;
  }
  if (!CHECK (same))
    printf ("  (cascade2_energy_stereo differs from single calls)\n");
}

int
main (void)
{
  test_kweighting_coeffs ();
  test_kweighting_gain ();
  test_rbj ();
  test_process ();
  test_cascade2_x2 ();
  test_cascade_process ();
  test_cascade_x4_stereo ();
  test_cascade2_x4 ();
  test_cascade_x4_fork ();
  test_cascade_x4_fork_stereo ();
  test_cascade2_stereo ();
  return tc_finish ("biquad");
}
