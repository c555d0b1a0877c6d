/* Unit tests of dsp/strip: the mixing channel strip.
 *
 *   - API: bad arguments give NULL / MM_ERR_INVALID / MM_ERR_MISMATCH;
 *   - a -20 dBFS mono sine panned hard left: left -20 dBFS, right exactly 0;
 *   - centre: each law's centre gain +-0.01 dB; gain -6: -6.00 +-0.01 dB;
 *   - two flat strips (law 0 dB, unity) summed: the exact sum of inputs;
 *   - mute: exact zeros after the ramp; send -inf: sends exactly zero;
 *     pre-fader send ignores the fader, post-fader follows it;
 *   - gain/pan/mute/duck/EQ changes on a steady sine: no step larger
 *     than the sine's own;
 *   - NaN/Inf in -> finite out; reset; any split gives the same output;
 *   - mm_strip_process_multi_f32 (mono and stereo strips, phase flips,
 *     glides, compressors, pre and post sends; strips on one chunk grid
 *     and off it): bit for bit the strips one after the other.
 */
#include <stdlib.h>
#include <string.h>

#include "strip.h"
#include "tcheck.h"

#define RATE 48000
#define N 48000

static float *
sine (size_t n, double db, double f, unsigned ch)
{
  float *x = malloc (n * ch * sizeof (float));
  double a = mm_db_to_linear (db) * sqrt (2.0);
  for (size_t i = 0; i < n; i++)
    for (unsigned c = 0; c < ch; c++)
      x[i * ch + c] = (float) (a * sin (2.0 * MM_PI * f * i / RATE + c));
  return x;
}

static double
rms_db (const float *st, unsigned ch, size_t from, size_t n)
{
  double s = 0.0;
  for (size_t i = from; i < from + n; i++)
    s += (double) st[2 * i + ch] * st[2 * i + ch];
  return mm_linear_to_db (sqrt (s / n));
}

static mm_strip *
strip_with (unsigned ch, const mm_strip_params * p)
{
  mm_strip *s = mm_strip_new (RATE, ch);
  mm_strip_set_params (s, p);
  mm_strip_reset (s);
  return s;
}

static void
test_api (void)
{
  CHECK (mm_strip_new (RATE, 0) == NULL);
  CHECK (mm_strip_new (RATE, 3) == NULL);
  CHECK (mm_strip_new (100, 1) == NULL);
  mm_strip_free (NULL);
  mm_strip *s = mm_strip_new (RATE, 1);
  if (!CHECK (s != NULL))
    return;
  mm_strip_params p;
  mm_strip_params_default (&p);
  p.gain_db = 25.0;
  CHECK (mm_strip_set_params (s, &p) == MM_ERR_INVALID);
  mm_strip_params_default (&p);
  p.pan = NAN;
  CHECK (mm_strip_set_params (s, &p) == MM_ERR_INVALID);
  mm_strip_params_default (&p);
  p.comp.ratio = 0.5;
  CHECK (mm_strip_set_params (s, &p) == MM_ERR_INVALID);
  CHECK (mm_strip_set_duck (s, NAN) == MM_ERR_INVALID);
  float f[4] = { 0 }, o[8] = { 0 };
  CHECK (mm_strip_process_f32 (s, f, 2, o, NULL, NULL, 2) == MM_ERR_MISMATCH);
  CHECK (mm_strip_process_f32 (s, NULL, 1, o, NULL, NULL, 2) == MM_ERR_INVALID);
  CHECK (mm_strip_get_levels (s, NULL, NULL) == MM_ERR_NO_DATA);
  mm_strip_free (&s);
  CHECK (s == NULL);
}

static void
test_levels (void)
{
  float *x = sine (N, -20.0, 997.0, 1);
  float *o = calloc (2 * N, sizeof (float));
  mm_strip_params p;
  mm_strip_params_default (&p);
  p.pan = -1.0;
  mm_strip *s = strip_with (1, &p);
  mm_strip_process_f32 (s, x, 1, o, NULL, NULL, N);
  double l = rms_db (o, 0, 0, N);
  CHECK_NEAR (l, -20.0, 0.01);
  int zero = 1;
  for (size_t i = 0; i < N; i++)
    zero &= o[2 * i + 1] == 0.0f;
  CHECK (zero);
  double pk[2], rm[2];
  CHECK (mm_strip_get_levels (s, pk, rm) == MM_OK);
  CHECK_NEAR (rm[0], -20.0, 0.01);
  CHECK (rm[1] < -120.0);
  printf ("pan -1: left %.4f dBFS (meter %.4f, peak %.4f), right exactly 0\n",
      l, rm[0], pk[0]);
  mm_strip_free (&s);

  for (int law = 0; law < 4; law++) {
    memset (o, 0, 2 * N * sizeof (float));
    mm_strip_params_default (&p);
    p.pan_law = (mm_pan_law) law;
    s = strip_with (1, &p);
    mm_strip_process_f32 (s, x, 1, o, NULL, NULL, N);
    double c = mm_pan_law_centre_db ((mm_pan_law) law);
    CHECK_NEAR (rms_db (o, 0, 0, N) + 20.0, c, 0.01);
    CHECK_NEAR (rms_db (o, 1, 0, N) + 20.0, c, 0.01);
    printf ("law %d centre: %.4f dB (law %.4f)\n", law,
        rms_db (o, 0, 0, N) + 20.0, c);
    mm_strip_free (&s);
  }

  memset (o, 0, 2 * N * sizeof (float));
  mm_strip_params_default (&p);
  p.pan_law = MM_PAN_LAW_0DB;
  p.gain_db = -6.0;
  s = strip_with (1, &p);
  mm_strip_process_f32 (s, x, 1, o, NULL, NULL, N);
  CHECK_NEAR (rms_db (o, 0, 0, N) + 20.0, -6.0, 0.01);
  printf ("gain -6: %.4f dB\n", rms_db (o, 0, 0, N) + 20.0);
  mm_strip_free (&s);
  free (x);
  free (o);
}

static void
test_flat_sum_exact (void)
{
  float *x = sine (N, -10.0, 440.0, 2), *y = sine (N, -3.0, 1234.5, 2);
  for (size_t i = 0; i < N; i++)
    y[2 * i + 1] *= 0.3f;
  float *o = calloc (2 * N, sizeof (float));
  float *sa = calloc (2 * N, sizeof (float));
  mm_strip_params p;
  mm_strip_params_default (&p);
  p.pan_law = MM_PAN_LAW_0DB;
  mm_strip *s1 = strip_with (2, &p), *s2 = strip_with (2, &p);
  mm_strip_process_f32 (s1, x, 2, o, sa, NULL, N);
  mm_strip_process_f32 (s2, y, 2, o, sa, NULL, N);
  int exact = 1, szero = 1;
  for (size_t i = 0; i < 2 * N; i++) {
    exact &= o[i] == x[i] + y[i];
    szero &= sa[i] == 0.0f;
  }
  CHECK (exact);
  CHECK (szero);
  printf ("two flat strips: sum bit-exact; send at -inf exactly zero\n");
  mm_strip_free (&s1);
  mm_strip_free (&s2);
  free (x);
  free (y);
  free (o);
  free (sa);
}

static void
test_mute_and_sends (void)
{
  float *x = sine (N, -20.0, 997.0, 1);
  float *o = calloc (2 * N, sizeof (float));
  float *sa = calloc (2 * N, sizeof (float)), *sb = calloc (2 * N, sizeof (float));
  mm_strip_params p;
  mm_strip_params_default (&p);
  p.gain_db = -12.0;
  p.pan_law = MM_PAN_LAW_0DB;
  p.send_db[0] = -6.0;
  p.send_pre[0] = 1;
  p.send_db[1] = -6.0;
  p.send_pre[1] = 0;
  mm_strip *s = strip_with (1, &p);
  mm_strip_process_f32 (s, x, 1, o, sa, sb, N / 2);
  CHECK_NEAR (rms_db (sa, 0, 0, N / 2) + 20.0, -6.0, 0.01);
  CHECK_NEAR (rms_db (sb, 0, 0, N / 2) + 20.0, -18.0, 0.01);
  printf ("sends: pre %.4f dB (expect -6), post %.4f dB (expect -18)\n",
      rms_db (sa, 0, 0, N / 2) + 20.0, rms_db (sb, 0, 0, N / 2) + 20.0);
  p.mute = 1;
  mm_strip_set_params (s, &p);
  memset (o, 0, 2 * N * sizeof (float));
  memset (sa, 0, 2 * N * sizeof (float));
  memset (sb, 0, 2 * N * sizeof (float));
  mm_strip_process_f32 (s, x + N / 2, 1, o + N, sa + N, sb + N, N / 2);
  int zero = 1;
  size_t after = N + 2 * (RATE / 50);   /* 20 ms ramp */
  for (size_t i = after; i < 2 * N; i++)
    zero &= o[i] == 0.0f && sa[i] == 0.0f && sb[i] == 0.0f;
  CHECK (zero);
  CHECK (o[N + 2] != 0.0f);     /* still ramping */
  printf ("mute: exact zeros after the 20 ms ramp\n");
  mm_strip_free (&s);
  free (x);
  free (o);
  free (sa);
  free (sb);
}

static double
worst_step (const float *o, size_t n)
{
  double w = 0.0;
  for (size_t i = 1; i < n; i++)
    for (int ch = 0; ch < 2; ch++)
      w = fmax (w, fabs (o[2 * i + ch] - o[2 * (i - 1) + ch]));
  return w;
}

static void
test_click_free (void)
{
  const size_t seg = 4800;
  float *x = sine (10 * seg, -6.0, 100.0, 1);
  float *o = calloc (2 * 10 * seg, sizeof (float));
  mm_strip_params p;
  mm_strip_params_default (&p);
  mm_strip *s = strip_with (1, &p);
  double own = 2.0 * MM_PI * 100.0 / RATE * mm_db_to_linear (-6.0) * sqrt (2.0);
  for (int k = 0; k < 10; k++) {
    switch (k) {
      case 1: p.gain_db = -20.0; break;
      case 2: p.pan = 0.8; break;
      case 3: p.mute = 1; break;
      case 4: p.mute = 0; p.gain_db = 0.0; break;
      case 5: mm_strip_set_duck (s, -12.0); break;
      case 6: mm_strip_set_duck (s, 0.0); p.eq_low_gain_db = -6.0; break;
      case 7: p.eq_mid_gain_db = -6.0; p.eq_low_gain_db = 0.0; break;
      case 8: p.phase_invert = 1; p.eq_mid_gain_db = 0.0; break;
      default: break;
    }
    mm_strip_set_params (s, &p);
    mm_strip_process_f32 (s, x + k * seg, 1, o + 2 * k * seg, NULL, NULL, seg);
  }
  for (int k = 0; k < 10; k++)
    if (worst_step (o + 2 * k * seg, seg) > own * 1.01)
      printf ("segment %d: step %.6f\n", k, worst_step (o + 2 * k * seg, seg));
  double w = worst_step (o, 10 * seg);
  CHECK (w <= own * 1.01);
  printf ("parameter changes: largest step %.6f (sine's own %.6f)\n", w, own);
  mm_strip_free (&s);
  free (x);
  free (o);
}

static void
run_split (const mm_strip_params * p, const float *x, float *o, size_t n,
    const size_t *cuts)
{
  mm_strip *s = strip_with (2, p);
  mm_strip_process_f32 (s, x, 2, o, o + 2 * n, NULL, 100);
  mm_strip_set_duck (s, -3.0);
  size_t at = 100;
  for (int i = 0; at < n; i++) {
    size_t c = cuts[i % 4];
    if (c > n - at)
      c = n - at;
    mm_strip_process_f32 (s, x + 2 * at, 2, o + 2 * at, o + 2 * n + 2 * at,
        NULL, c);
    at += c;
  }
  mm_strip_free (&s);
}

static void
test_split_reset_nonfinite (void)
{
  const size_t n = 20000;
  float *x = sine (n, -3.0, 300.0, 2);
  float *o1 = calloc (4 * n, sizeof (float)), *o2 = calloc (4 * n, sizeof (float));
  mm_strip_params p;
  mm_strip_params_default (&p);
  p.hpf_hz = 80.0;
  p.eq_low_gain_db = 3.0;
  p.eq_mid_gain_db = -4.0;
  p.eq_high_gain_db = 2.0;
  p.comp.ratio = 4.0;
  p.comp.threshold_db = -20.0;
  p.gain_db = -2.0;
  p.pan = 0.3;
  p.send_db[0] = -10.0;
  const size_t a[4] = { 1, 4096, 37, 333 }, b[4] = { 64, 7, 1000, 2 };
  run_split (&p, x, o1, n, a);
  run_split (&p, x, o2, n, b);
  CHECK (memcmp (o1, o2, 4 * n * sizeof (float)) == 0);

  mm_strip *s = strip_with (2, &p);
  double now, max;
  memset (o2, 0, 4 * n * sizeof (float));
  mm_strip_process_f32 (s, x, 2, o2, NULL, NULL, n);
  CHECK (mm_strip_get_reduction (s, &now, &max) == MM_OK);
  CHECK (max > 1.0);
  printf ("split invariance: bit-exact; compressor reduction now %.2f dB, max %.2f dB\n",
      now, max);
  mm_strip_reset (s);
  memset (o1, 0, 4 * n * sizeof (float));
  memset (o2, 0, 4 * n * sizeof (float));
  mm_strip_process_f32 (s, x, 2, o1, NULL, NULL, n);
  mm_strip *f = strip_with (2, &p);
  mm_strip_process_f32 (f, x, 2, o2, NULL, NULL, n);
  CHECK (memcmp (o1, o2, 2 * n * sizeof (float)) == 0);

  float bad[8] = { NAN, INFINITY, -INFINITY, 1.0f, NAN, 0.5f, 1e30f, -1e30f };
  float ob[8] = { 0 };
  mm_strip_process_f32 (s, bad, 2, ob, NULL, NULL, 4);
  int fin = 1;
  for (int i = 0; i < 8; i++)
    fin &= isfinite (ob[i]);
  CHECK (fin);
  mm_strip_free (&s);
  mm_strip_free (&f);
  free (x);
  free (o1);
  free (o2);
}

/* Four strips (two stereo, one mono, one stereo with a phase flip and a
 * pre-fader send) through mm_strip_process_multi_f32 in blocks of
 * `block`, against the same strips one after the other; offset: frames
 * the last strip was fed alone first (off the others' chunk grid). */
static void
test_multi_exact (size_t block, size_t offset)
{
  enum { S = 4 };
  const unsigned ch[S] = { 2, 1, 2, 2 };
  const size_t n = RATE / 2;
  mm_strip *a[S], *b[S];
  float *x[S], *oa[S], *ob[S];
  float *sa = calloc (4 * n, sizeof (float)), *sb = calloc (4 * n,
      sizeof (float));
  int exact = 1;

  for (int k = 0; k < S; k++) {
    mm_strip_params p;
    mm_strip_params_default (&p);
    p.hpf_hz = 40.0 + 20.0 * k;
    p.eq_low_gain_db = 2.0;
    p.eq_mid_gain_db = -3.0;
    p.eq_mid_freq_hz = 500.0 + 300.0 * k;
    p.comp.ratio = k == 2 ? 1.0 : 3.0;
    p.comp.threshold_db = -30.0;
    p.comp.makeup_db = 3.0;
    p.pan = -0.6 + 0.4 * k;
    p.gain_db = -3.0;
    p.send_db[0] = -12.0;
    p.send_db[1] = k == 3 ? -6.0 : -HUGE_VAL;
    p.send_pre[1] = k == 3;
    a[k] = strip_with (ch[k], &p);
    b[k] = strip_with (ch[k], &p);
    x[k] = sine (n, -10.0 - 3.0 * k, 110.0 * (k + 1), ch[k]);
    oa[k] = calloc (2 * n, sizeof (float));
    ob[k] = calloc (2 * n, sizeof (float));
  }
  x[1][1000] = NAN;
  x[2][3001] = INFINITY;
  if (offset) {
    mm_strip_process_f32 (a[S - 1], x[S - 1], 2, oa[S - 1], NULL, NULL,
        offset);
    mm_strip_process_f32 (b[S - 1], x[S - 1], 2, ob[S - 1], NULL, NULL,
        offset);
  }
  for (size_t o = 0; o < n; o += block) {
    const size_t m = n - o < block ? n - o : block;
    if (o == n / 3) {
      /* glides and switches mid-stream, the same for both */
      for (int k = 0; k < S; k++) {
        mm_strip_params p;
        mm_strip_params_default (&p);
        p.eq_high_gain_db = 4.0;
        p.comp.ratio = k == 0 ? 1.0 : 2.0;
        p.phase_invert = k == 3;
        p.gain_db = -9.0;
        p.pan = 0.5;
        p.send_db[0] = -6.0;
        p.send_db[1] = -20.0;
        mm_strip_set_params (a[k], &p);
        mm_strip_set_params (b[k], &p);
        mm_strip_set_duck (a[k], -6.0);
        mm_strip_set_duck (b[k], -6.0);
      }
    }
    const float *in[S];
    float *out[S];
    for (int k = 0; k < S; k++) {
      in[k] = x[k] + o * ch[k];
      out[k] = oa[k] + 2 * o;
    }
    CHECK (mm_strip_process_multi_f32 (a, S, in, out, sa + 2 * o,
            sb + 2 * o, m) == MM_OK);
    for (int k = 0; k < S; k++)
      mm_strip_process_f32 (b[k], x[k] + o * ch[k], ch[k], ob[k] + 2 * o,
          sa + 2 * (n + o), sb + 2 * (n + o), m);
  }
  for (int k = 0; k < S; k++) {
    double pa[2], ra[2], pb[2], rb[2], ga, gb;
    exact &= memcmp (oa[k], ob[k], 2 * n * sizeof (float)) == 0;
    mm_strip_get_levels (a[k], pa, ra);
    mm_strip_get_levels (b[k], pb, rb);
    mm_strip_get_reduction (a[k], NULL, &ga);
    mm_strip_get_reduction (b[k], NULL, &gb);
    exact &= memcmp (pa, pb, sizeof pa) == 0 && memcmp (ra, rb,
        sizeof ra) == 0 && ga == gb;
  }
  exact &= memcmp (sa, sa + 2 * n, 2 * n * sizeof (float)) == 0;
  exact &= memcmp (sb, sb + 2 * n, 2 * n * sizeof (float)) == 0;
  CHECK (exact);
  printf ("multi: blocks of %zu, offset %zu: %s\n", block, offset,
      exact ? "bit for bit" : "DIFFERS");
  for (int k = 0; k < S; k++) {
    mm_strip_free (&a[k]);
    mm_strip_free (&b[k]);
    free (x[k]);
    free (oa[k]);
    free (ob[k]);
  }
  free (sa);
  free (sb);
}

int
main (void)
{
  test_api ();
  test_levels ();
  test_flat_sum_exact ();
  test_mute_and_sends ();
  test_click_free ();
  test_split_reset_nonfinite ();
  test_multi_exact (480, 0);
  test_multi_exact (333, 0);
  test_multi_exact (480, 77);
  return tc_finish ("strip");
}
