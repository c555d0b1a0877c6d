/* Unit tests of dsp/compressor: the feed-forward compressor.
 *
 *   - API: bad arguments give NULL / MM_ERR_INVALID and change nothing;
 *   - static curve (mm_compressor_static_gain) at known points, hard and
 *     soft knee, +-1e-9 dB; make-up (manual, automatic = half the 0 dBFS
 *     reduction) included;
 *   - processed static curve: T -20, R 4, W 0, a -10 dBFS 1 kHz sine with
 *     the peak detector settles at 7.5 dB reduction (+-0.1 dB, also read
 *     off the output level); RMS detector: 7.5 - 0.75 * 3.01 dB; DC in
 *     the soft knee: the knee formula;
 *   - time constants: a level step reaches 63.2 % of its reduction after
 *     the attack time, and falls to 36.8 % after the release time
 *     (+-10 %), at 44.1, 48 and 96 kHz;
 *   - link: 1 = both channels the loud one's gain, 0 = own gains (the
 *     quiet channel bit-exact), 0.5 in between as documented;
 *   - ratio 1 without make-up is a bit-exact pass-through;
 *   - parameter changes glide: a 12 dB make-up change and a threshold
 *     change move the gain by small steps per frame and settle;
 *   - NaN/Inf in -> finite out (the bad samples as 0), the stream goes on;
 *   - any split of the stream into calls gives the same output (bit-exact,
 *     also while parameters glide); reset gives a fresh compressor's
 *     output; f32 and f64 agree.
 */
#include <stdlib.h>
#include <string.h>

#include "compressor.h"
#include "mmrng.h"
#include "tcheck.h"

#define TWO_PI (2.0 * MM_PI)

static mm_compressor_params
params (double t, double r, double w, double att, double rel)
{
  mm_compressor_params p;
  mm_compressor_params_default (&p);
  p.threshold_db = t;
  p.ratio = r;
  p.knee_db = w;
  p.attack_ms = att;
  p.release_ms = rel;
  return p;
}

/* A compressor that has the parameters already (no glide). */
static mm_compressor *
make (unsigned rate, unsigned ch, const mm_compressor_params * p)
{
  mm_compressor *c = mm_compressor_new (rate, ch);
  if (!c)
    return NULL;
  mm_compressor_set_params (c, p);
  mm_compressor_reset (c);
  return c;
}

static void
test_api (void)
{
  CHECK (mm_compressor_new (7999, 2) == NULL);
  CHECK (mm_compressor_new (384001, 2) == NULL);
  CHECK (mm_compressor_new (48000, 0) == NULL);
  CHECK (mm_compressor_new (48000, MM_CHANNELS_MAX + 1) == NULL);
  mm_compressor_free (NULL);
  mm_compressor *c = mm_compressor_new (48000, 2);
  if (!CHECK (c != NULL))
    return;
  mm_compressor_params p, bad;
  mm_compressor_params_default (&p);
  CHECK (p.threshold_db == -18.0 && p.ratio == 2.0 && p.knee_db == 6.0);
  CHECK (p.attack_ms == 10.0 && p.release_ms == 150.0 && p.link == 1.0);
  CHECK (p.makeup_db == 0.0 && !p.auto_makeup && p.detector == MM_COMPRESSOR_PEAK);
  double before = mm_compressor_static_gain (c, 0.0);
#define BAD(field, v) do { bad = p; bad.field = v; \
    CHECK (mm_compressor_set_params (c, &bad) == MM_ERR_INVALID); } while (0)
  BAD (threshold_db, -60.1);
  BAD (threshold_db, 0.1);
  BAD (threshold_db, NAN);
  BAD (ratio, 0.99);
  BAD (ratio, 20.1);
  BAD (knee_db, -0.1);
  BAD (knee_db, 24.1);
  BAD (attack_ms, 0.09);
  BAD (attack_ms, 501);
  BAD (release_ms, 4.9);
  BAD (release_ms, 5001);
  BAD (makeup_db, 24.1);
  BAD (link, 1.1);
  BAD (link, NAN);
  BAD (detector, (mm_compressor_detector) 7);
#undef BAD
  CHECK (mm_compressor_static_gain (c, 0.0) == before);
  CHECK (mm_compressor_set_params (c, NULL) == MM_ERR_INVALID);
  CHECK (mm_compressor_set_params (NULL, &p) == MM_ERR_INVALID);
  CHECK (mm_compressor_set_params (c, &p) == MM_OK);
  float f[4] = { 0 };
  double d[4] = { 0 };
  CHECK (mm_compressor_process_f32 (NULL, f, 2) == MM_ERR_INVALID);
  CHECK (mm_compressor_process_f32 (c, NULL, 2) == MM_ERR_INVALID);
  CHECK (mm_compressor_process_f32 (c, NULL, 0) == MM_OK);
  CHECK (mm_compressor_process_f64 (c, d, 2) == MM_OK);
  CHECK (mm_compressor_reset (NULL) == MM_ERR_INVALID);
  CHECK (mm_compressor_get_reduction (NULL, NULL, NULL) == MM_ERR_INVALID);
  double now = -1, max = -1;
  CHECK (mm_compressor_get_reduction (c, &now, &max) == MM_OK);
  CHECK (now == 0.0 && max == 0.0);
  mm_compressor_free (&c);
  CHECK (c == NULL);
}

static void
test_static_curve (void)
{
  mm_compressor *c = mm_compressor_new (48000, 1);
  mm_compressor_params p = params (-20, 4, 0, 10, 150);
  mm_compressor_set_params (c, &p);
  CHECK_NEAR (mm_compressor_static_gain (c, -10.0), -7.5, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, -20.0), 0.0, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, -40.0), 0.0, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, 0.0), -15.0, 1e-9);
  CHECK (mm_compressor_static_gain (c, -HUGE_VAL) == 0.0);
  /* Soft knee W = 10: (1/R - 1) (x - T + W/2)^2 / (2W) inside. */
  p.knee_db = 10.0;
  mm_compressor_set_params (c, &p);
  CHECK_NEAR (mm_compressor_static_gain (c, -25.0), 0.0, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, -22.5), -0.75 * 2.5 * 2.5 / 20, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, -20.0), -0.9375, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, -17.5), -0.75 * 7.5 * 7.5 / 20, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, -15.0), -3.75, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, -10.0), -7.5, 1e-9);
  /* Make-up: manual, then automatic (half the 0 dBFS reduction: 7.5). */
  p.knee_db = 0.0;
  p.makeup_db = 3.0;
  mm_compressor_set_params (c, &p);
  CHECK_NEAR (mm_compressor_static_gain (c, -40.0), 3.0, 1e-9);
  p.auto_makeup = 1;
  mm_compressor_set_params (c, &p);
  CHECK_NEAR (mm_compressor_static_gain (c, -40.0), 10.5, 1e-9);
  CHECK_NEAR (mm_compressor_static_gain (c, 0.0), -15.0 + 10.5, 1e-9);
  mm_compressor_free (&c);
}

/* Peak of |buf| over n frames of channel ch. */
static double
peak_of (const float *buf, unsigned nch, unsigned ch, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    m = fmax (m, fabs (buf[i * nch + ch]));
  return m;
}

/* A steady 1 kHz sine of peak `db` dBFS through c for `sec` seconds; the
 * settled reduction (get_reduction now) and the output peak over the
 * last 100 ms, in dB. */
static void
run_sine (mm_compressor * c, unsigned rate, double db, double sec,
    double *gr, double *out_db)
{
  size_t n = (size_t) (sec * rate), tail = rate / 10;
  float *buf = malloc (n * sizeof (float));
  double a = mm_db_to_linear (db);
  for (size_t i = 0; i < n; i++)
    buf[i] = (float) (a * sin (TWO_PI * 1000.0 * i / rate));
  mm_compressor_process_f32 (c, buf, n);
  mm_compressor_get_reduction (c, gr, NULL);
  *out_db = mm_linear_to_db (peak_of (buf + (n - tail), 1, 0, tail));
  free (buf);
}

static void
test_sine_static_reduction (void)
{
  double gr, out;
  mm_compressor_params p = params (-20, 4, 0, 0.1, 1000);
  mm_compressor *c = make (48000, 1, &p);
  run_sine (c, 48000, -10.0, 3.0, &gr, &out);
  printf ("peak, 1 kHz -10 dBFS, T -20 R 4 W 0, 0.1/1000 ms: reduction %.4f dB, "
      "output peak %.4f dBFS\n", gr, out);
  CHECK_NEAR (gr, 7.5, 0.1);
  CHECK_NEAR (out, -17.5, 0.1);
  mm_compressor_free (&c);

  /* Default ballistics (10/150 ms): the sine's troughs pull the peak
   * detector down a little; reported, not held to 0.1 dB. */
  p = params (-20, 4, 0, 10, 150);
  c = make (48000, 1, &p);
  run_sine (c, 48000, -10.0, 3.0, &gr, &out);
  printf ("peak, same at 10/150 ms: reduction %.4f dB\n", gr);
  CHECK_RANGE (gr, 5.5, 7.5);
  mm_compressor_free (&c);

  /* RMS: the sine's RMS is 3.01 dB under its peak. */
  p = params (-20, 4, 0, 10, 150);
  p.detector = MM_COMPRESSOR_RMS;
  c = make (48000, 1, &p);
  run_sine (c, 48000, -10.0, 3.0, &gr, &out);
  double want = 0.75 * (-10.0 - 10.0 * log10 (2.0) + 20.0);
  printf ("RMS, 1 kHz -10 dBFS, T -20 R 4: reduction %.4f dB (want %.4f)\n",
      gr, want);
  CHECK_NEAR (gr, want, 0.1);
  mm_compressor_free (&c);

  /* DC at points of a 12 dB knee (T -20, R 4): exact formula. */
  static const double lv[] = { -26.0, -23.0, -20.0, -17.0, -14.0, -8.0 };
  for (unsigned k = 0; k < 6; k++) {
    p = params (-20, 4, 12, 1, 50);
    c = make (48000, 2, &p);
    size_t n = 48000;
    float *buf = malloc (2 * n * sizeof (float));
    for (size_t i = 0; i < 2 * n; i++)
      buf[i] = (float) mm_db_to_linear (lv[k]);
    mm_compressor_process_f32 (c, buf, n);
    double x = 20.0 * log10 ((double) (float) mm_db_to_linear (lv[k]));
    double expect = -mm_compressor_static_gain (c, x);
    mm_compressor_get_reduction (c, &gr, NULL);
    CHECK_NEAR (gr, expect, 1e-6);
    CHECK_NEAR (20.0 * log10 (buf[2 * n - 1]) - x, -expect, 1e-4);
    if (k == 2)
      printf ("soft knee 12 dB, DC at T: reduction %.6f dB (formula 1.125)\n", gr);
    free (buf);
    mm_compressor_free (&c);
  }
}

/* Frames after a step until the reduction crosses `frac` of the way from
 * its start to its end (per-frame reads). */
static void
test_time_constants (void)
{
  static const unsigned rates[] = { 44100, 48000, 96000 };
  for (unsigned k = 0; k < 3; k++) {
    unsigned rate = rates[k];
    const double att = 10.0, rel = 150.0;
    mm_compressor_params p = params (-20, 4, 0, att, rel);
    mm_compressor *c = make (rate, 1, &p);
    float lo = (float) mm_db_to_linear (-60), hi = (float) mm_db_to_linear (-10);
    double final = -mm_compressor_static_gain (c, 20.0 * log10 (hi));
    /* attack */
    long hit = -1;
    for (long i = 0; i < (long) rate; i++) {
      float v = hi;
      double gr;
      mm_compressor_process_f32 (c, &v, 1);
      mm_compressor_get_reduction (c, &gr, NULL);
      if (hit < 0 && gr >= (1.0 - exp (-1.0)) * final)
        hit = i + 1;
    }
    double t_att = 1000.0 * hit / rate;
    double gr;
    mm_compressor_get_reduction (c, &gr, NULL);
    CHECK_NEAR (gr, final, 1e-6);
    /* release */
    hit = -1;
    for (long i = 0; i < 2 * (long) rate; i++) {
      float v = lo;
      mm_compressor_process_f32 (c, &v, 1);
      mm_compressor_get_reduction (c, &gr, NULL);
      if (hit < 0 && gr <= exp (-1.0) * final)
        hit = i + 1;
    }
    double t_rel = 1000.0 * hit / rate;
    printf ("%u Hz: 63%% attack after %.3f ms (set %.0f), release to 37%% after "
        "%.3f ms (set %.0f)\n", rate, t_att, att, t_rel, rel);
    CHECK_NEAR (t_att, att, 0.1 * att);
    CHECK_NEAR (t_rel, rel, 0.1 * rel);
    mm_compressor_free (&c);
  }
}

static void
test_link (void)
{
  const size_t n = 48000;
  float *buf = malloc (2 * n * sizeof (float));
  const float l = (float) mm_db_to_linear (-10), r = (float) mm_db_to_linear (-40);
  static const double links[] = { 1.0, 0.0, 0.5 };
  for (unsigned k = 0; k < 3; k++) {
    mm_compressor_params p = params (-20, 4, 0, 1, 50);
    p.link = links[k];
    mm_compressor *c = make (48000, 2, &p);
    for (size_t i = 0; i < n; i++) {
      buf[2 * i] = l;
      buf[2 * i + 1] = r;
    }
    mm_compressor_process_f32 (c, buf, n);
    double gl = 20.0 * log10 (buf[2 * n - 2] / l);
    double gr = 20.0 * log10 (buf[2 * n - 1] / r);
    double lvl = links[k] * l + (1 - links[k]) * r;
    double exp_r = mm_compressor_static_gain (c, 20.0 * log10 (lvl));
    double exp_l = mm_compressor_static_gain (c, 20.0 * log10 ((double) l));
    printf ("link %.1f: left %.4f dB, right %.4f dB\n", links[k], gl, gr);
    CHECK_NEAR (gl, exp_l, 1e-4);
    CHECK_NEAR (gr, exp_r, 1e-4);
    if (links[k] == 0.0)
      CHECK (buf[2 * n - 1] == r);
    mm_compressor_free (&c);
  }
  free (buf);
}

static void
test_ratio1_bit_exact (void)
{
  mm_compressor_params p = params (-40, 1, 6, 10, 100);
  mm_compressor *c = make (48000, 2, &p);
  rng g = { 7 };
  size_t n = 20000;
  float *a = malloc (2 * n * sizeof (float)), *b = malloc (2 * n * sizeof (float));
  for (size_t i = 0; i < 2 * n; i++)
    a[i] = b[i] = (float) rng_range (&g, -1, 1);
  mm_compressor_process_f32 (c, b, n);
  CHECK (memcmp (a, b, 2 * n * sizeof (float)) == 0);
  free (a);
  free (b);
  mm_compressor_free (&c);
}

/* Largest per-frame change of the gain in dB on a steady DC input when
 * the parameters change from p to q. */
static double
glide_max_step (const mm_compressor_params * p, const mm_compressor_params * q,
    double level_db, double *final_gain)
{
  mm_compressor *c = make (48000, 1, p);
  const float x = (float) mm_db_to_linear (level_db);
  size_t n = 48000;
  float *buf = malloc (n * sizeof (float));
  for (size_t i = 0; i < n; i++)
    buf[i] = x;
  mm_compressor_process_f32 (c, buf, n / 2);
  mm_compressor_set_params (c, q);
  mm_compressor_process_f32 (c, buf + n / 2, n / 2);
  double step = 0.0;
  for (size_t i = n / 2; i < n; i++)   /* from the change on */
    step = fmax (step, fabs (20.0 * log10 (buf[i] / (double) buf[i - 1])));
  *final_gain = 20.0 * log10 (buf[n - 1] / (double) x);
  free (buf);
  mm_compressor_free (&c);
  return step;
}

static void
test_parameter_glide (void)
{
  double fin;
  mm_compressor_params p = params (-20, 4, 0, 10, 150), q = p;
  q.makeup_db = 12.0;
  double s = glide_max_step (&p, &q, -30, &fin);
  printf ("make-up 0 -> 12 dB: largest step %.5f dB/frame, final %.4f dB\n",
      s, fin);
  CHECK (s < 0.01);
  CHECK_NEAR (fin, 12.0, 1e-4);
  /* A threshold jump of 20 dB on a compressed signal, 0.1 ms attack. */
  p = params (-10, 4, 0, 0.1, 150);
  q = p;
  q.threshold_db = -30;
  s = glide_max_step (&p, &q, -5, &fin);
  printf ("threshold -10 -> -30 dB (0.1 ms attack): largest step %.5f dB/frame, "
      "final %.4f dB\n", s, fin);
  CHECK (s < 0.02);
  CHECK_NEAR (fin, -0.75 * 25.0, 1e-3);
  /* Auto make-up switched on glides too. */
  p = params (-20, 4, 0, 10, 150);
  q = p;
  q.auto_makeup = 1;
  s = glide_max_step (&p, &q, -40, &fin);
  CHECK (s < 0.01);
  CHECK_NEAR (fin, 7.5, 1e-4);
}

static void
test_nonfinite (void)
{
  mm_compressor_params p = params (-20, 4, 6, 5, 50);
  p.detector = MM_COMPRESSOR_RMS;
  for (int pass = 0; pass < 2; pass++) {
    p.link = pass ? 0.3 : 1.0;
    mm_compressor *c = make (48000, 2, &p);
    size_t n = 4800;
    float *f = malloc (2 * n * sizeof (float));
    double *d = malloc (2 * n * sizeof (double));
    for (size_t i = 0; i < 2 * n; i++)
      f[i] = (float) (d[i] = 0.5 * sin (0.01 * i));
    f[100] = d[100] = NAN;
    f[101] = d[101] = INFINITY;
    f[2001] = d[2001] = -INFINITY;
    for (size_t i = 3000; i < 3100; i++)
      f[i] = d[i] = NAN;
    mm_compressor_process_f32 (c, f, n);
    mm_compressor_reset (c);
    mm_compressor_process_f64 (c, d, n);
    int finite = 1;
    for (size_t i = 0; i < 2 * n; i++)
      finite &= isfinite (f[i]) && isfinite (d[i]) && fabs (f[i]) < 1.0;
    CHECK (finite);
    CHECK (f[100] == 0.0f && f[101] == 0.0f && d[2001] == 0.0 && f[3050] == 0.0f);
    CHECK (f[2 * n - 1] != 0.0f);       /* the stream goes on */
    double now;
    mm_compressor_get_reduction (c, &now, NULL);
    CHECK (isfinite (now));
    free (f);
    free (d);
    mm_compressor_free (&c);
  }
}

static void
test_split_reset_f64 (void)
{
  const unsigned nch = 3;
  const size_t n = 30000;
  float *in = malloc (nch * n * sizeof (float));
  float *a = malloc (nch * n * sizeof (float)), *b = malloc (nch * n * sizeof (float));
  double *d = malloc (nch * n * sizeof (double));
  rng g = { 42 };
  for (size_t i = 0; i < n; i++)
    for (unsigned ch = 0; ch < nch; ch++)
      in[i * nch + ch] = (float) (0.3 * (1 + ch) * rng_gauss (&g)
          * (0.6 + 0.5 * sin (TWO_PI * i / 9000.0)));
  mm_compressor_params p = params (-25, 5, 8, 3, 80), q = p;
  p.detector = MM_COMPRESSOR_RMS;
  p.link = 0.6;
  q.threshold_db = -15;
  q.ratio = 2;
  q.makeup_db = 4;
  q.auto_makeup = 1;

  mm_compressor *c = mm_compressor_new (48000, nch);
  mm_compressor_set_params (c, &p);
  memcpy (a, in, nch * n * sizeof (float));
  mm_compressor_process_f32 (c, a, 10000);
  mm_compressor_set_params (c, &q);
  mm_compressor_process_f32 (c, a + 10000 * nch, n - 10000);

  /* reset, then irregular chunks */
  mm_compressor_reset (c);
  mm_compressor_set_params (c, &p);
  mm_compressor_reset (c);
  memcpy (b, in, nch * n * sizeof (float));
  mm_compressor *fresh = mm_compressor_new (48000, nch);
  mm_compressor_set_params (fresh, &p);
  /* c was created with defaults and glided to p; fresh likewise: compare
   * reset-with-p (no glide) against a new one reset to p. */
  mm_compressor_reset (fresh);
  size_t o = 0, k = 1;
  while (o < n) {
    size_t len = (k * 7919) % 1500 + 1;
    if (o < 10000 && o + len > 10000)
      len = 10000 - o;
    if (len > n - o)
      len = n - o;
    if (o == 10000)
      mm_compressor_set_params (c, &q);
    mm_compressor_process_f32 (c, b + o * nch, len);
    o += len;
    k++;
  }
  /* fresh, one call each side of the change */
  float *e = malloc (nch * n * sizeof (float));
  memcpy (e, in, nch * n * sizeof (float));
  mm_compressor_process_f32 (fresh, e, 10000);
  mm_compressor_set_params (fresh, &q);
  mm_compressor_process_f32 (fresh, e + 10000 * nch, n - 10000);
  CHECK (memcmp (b, e, nch * n * sizeof (float)) == 0);

  /* f64 against f32 on the same input */
  mm_compressor_reset (fresh);
  mm_compressor_set_params (fresh, &p);
  mm_compressor_reset (fresh);
  for (size_t i = 0; i < nch * n; i++)
    d[i] = in[i];
  mm_compressor_process_f64 (fresh, d, 10000);
  mm_compressor_set_params (fresh, &q);
  mm_compressor_process_f64 (fresh, d + 10000 * nch, n - 10000);
  double dev = 0.0;
  for (size_t i = 0; i < nch * n; i++)
    dev = fmax (dev, fabs (d[i] - e[i]));
  printf ("f64 vs f32: largest difference %.3g\n", dev);
  CHECK (dev < 1e-6);

  /* the first run (created with defaults, glided to p) differs: sanity
   * that the glide is really there */
  CHECK (memcmp (a, e, nch * n * sizeof (float)) != 0);
  free (in);
  free (a);
  free (b);
  free (d);
  free (e);
  mm_compressor_free (&c);
  mm_compressor_free (&fresh);
}

static void
test_reduction_meter (void)
{
  mm_compressor_params p = params (-20, 4, 0, 0.1, 50);
  mm_compressor *c = make (48000, 1, &p);
  size_t n = 4800;
  float *buf = malloc (n * sizeof (float));
  for (size_t i = 0; i < n; i++)
    buf[i] = i < 2400 ? 1.0f : 0.0f;
  mm_compressor_process_f32 (c, buf, n);
  double now, max;
  mm_compressor_get_reduction (c, &now, &max);
  CHECK_NEAR (max, 15.0, 1e-6);
  CHECK (now < max && now > 0.0);
  double max2;
  mm_compressor_get_reduction (c, NULL, &max2);
  CHECK (max2 == now);          /* cleared to the current value */
  free (buf);
  mm_compressor_free (&c);
}

/* process_multi against one process call per compressor: three bands
 * (peak and RMS, linked and not, a parameter glide, a quiet stretch, a
 * band that never reaches its knee), irregular chunks: the same samples
 * and the same reduction readouts, bit for bit, f32 and f64. */
static void
test_multi_equals_single (void)
{
  enum { NB = 3, N = 40000, NCH = 2 };
  static float in[NB][NCH * N], a[NB][NCH * N], b[NB][NCH * N];
  static double ad[NB][NCH * N], bd[NB][NCH * N];
  rng g = { 77 };
  for (size_t i = 0; i < N; i++)
    for (unsigned k = 0; k < NB; k++)
      for (unsigned ch = 0; ch < NCH; ch++) {
        double env = i > 15000 && i < 21000 ? 1e-4 : 0.4 + 0.3 * sin (TWO_PI * i / 7000.0);
        in[k][i * NCH + ch] = (float) ((k == 2 ? 0.01 : 1.0) * env * rng_gauss (&g));
      }
  mm_compressor_params p[NB] = { params (-24, 3, 6, 5, 120),
    params (-20, 2.5, 0, 1, 80), params (-30, 4, 12, 20, 300) };
  p[1].detector = MM_COMPRESSOR_RMS;
  p[2].link = 0.5;
  mm_compressor *s[NB], *m[NB];
  for (unsigned k = 0; k < NB; k++) {
    s[k] = make (48000, NCH, &p[k]);
    m[k] = make (48000, NCH, &p[k]);
    memcpy (a[k], in[k], sizeof (in[k]));
    memcpy (b[k], in[k], sizeof (in[k]));
    for (size_t i = 0; i < NCH * N; i++)
      ad[k][i] = bd[k][i] = in[k][i];
  }
  int same = 1;
  size_t o = 0, step = 1;
  while (o < N) {
    size_t len = (step++ * 4099) % 900 + 1;
    len = len < N - o ? len : N - o;
    if (o <= 20000 && o + len > 20000)
      for (unsigned k = 0; k < NB; k++) {
        mm_compressor_params q = p[k];
        q.threshold_db -= 6.0;
        q.makeup_db = 2.0;
        mm_compressor_set_params (s[k], &q);
        mm_compressor_set_params (m[k], &q);
      }
    float *bufs[NB];
    for (unsigned k = 0; k < NB; k++) {
      mm_compressor_process_f32 (s[k], a[k] + o * NCH, len);
      bufs[k] = b[k] + o * NCH;
    }
    CHECK (mm_compressor_process_multi_f32 (m, NB, bufs, len) == MM_OK);
    for (unsigned k = 0; k < NB; k++) {
      double n1, x1, n2, x2;
      mm_compressor_get_reduction (s[k], &n1, &x1);
      mm_compressor_get_reduction (m[k], &n2, &x2);
      same &= n1 == n2 && x1 == x2;
    }
    o += len;
  }
  for (unsigned k = 0; k < NB; k++)
    same &= memcmp (a[k], b[k], sizeof (a[k])) == 0;
  /* f64, one call each */
  double *dbufs[NB];
  for (unsigned k = 0; k < NB; k++) {
    mm_compressor_reset (s[k]);
    mm_compressor_reset (m[k]);
    mm_compressor_process_f64 (s[k], ad[k], N);
    dbufs[k] = bd[k];
  }
  mm_compressor_process_multi_f64 (m, NB, dbufs, N);
  for (unsigned k = 0; k < NB; k++)
    same &= memcmp (ad[k], bd[k], sizeof (ad[k])) == 0;
  if (!CHECK (same))
    printf ("  (process_multi differs from single calls)\n");
  CHECK (mm_compressor_process_multi_f32 (NULL, 1, NULL, 1) == MM_ERR_INVALID);

  /* process_multi_sum: the same as process_multi and a sum, bit for bit */
  static float sum_ref[NCH * N], sum_got[NCH * N];
  for (unsigned k = 0; k < NB; k++) {
    mm_compressor_reset (s[k]);
    mm_compressor_reset (m[k]);
    memcpy (a[k], in[k], sizeof (in[k]));
    memcpy (b[k], in[k], sizeof (in[k]));
  }
  same = 1;
  o = 0;
  step = 1;
  while (o < N) {
    size_t len = (step++ * 3089) % 1100 + 1;
    len = len < N - o ? len : N - o;
    float *ab[NB], *bb[NB];
    for (unsigned k = 0; k < NB; k++) {
      ab[k] = a[k] + o * NCH;
      bb[k] = b[k] + o * NCH;
    }
    mm_compressor_process_multi_f32 (s, NB, ab, len);
    for (size_t j = 0; j < len * NCH; j++)
      sum_ref[o * NCH + j] = ab[0][j] + ab[1][j] + ab[2][j];
    CHECK (mm_compressor_process_multi_sum_f32 (m, NB, bb, sum_got + o * NCH,
            len) == MM_OK);
    o += len;
  }
  same &= memcmp (sum_ref, sum_got, sizeof (sum_ref)) == 0;
  for (unsigned k = 0; k < NB; k++) {
    double n1, x1, n2, x2;
    mm_compressor_get_reduction (s[k], &n1, &x1);
    mm_compressor_get_reduction (m[k], &n2, &x2);
    same &= n1 == n2 && x1 == x2;
  }
  if (!CHECK (same))
    printf ("  (process_multi_sum differs from process_multi and a sum)\n");
  for (unsigned k = 0; k < NB; k++) {
    mm_compressor_free (&s[k]);
    mm_compressor_free (&m[k]);
  }
}

int
main (void)
{
  test_api ();
  test_static_curve ();
  test_sine_static_reduction ();
  test_time_constants ();
  test_link ();
  test_ratio1_bit_exact ();
  test_parameter_glide ();
  test_nonfinite ();
  test_split_reset_f64 ();
  test_reduction_meter ();
  test_multi_equals_single ();
  return tc_finish ("compressor");
}
