/* Unit tests of the mastering chain (dsp/chain.c) on synthesised signals.
 *
 *   bypass          every stage bypassed (or neutral), no dither: the
 *                   output is the input delayed by the latency, bit for
 *                   bit (f32 and f64, live and fixed)
 *   EQ              magnitude on steady sines against the product of the
 *                   RBJ designs (mm_biquad_response_db), +-0.05 dB
 *   true peak       EBU Tech 3341 cases 15-23 driven 10 dB over the
 *                   ceiling: output true peak (mm_loudness, 4x) <= ceiling
 *                   + 0.05 dB
 *   glides          steps of input gain, a bell and width on a steady sine:
 *                   no sample-to-sample change beyond the signal's own
 *   live            pink noise reaches the target +-1 LU
 *   fixed           output = input x gain (no limiting) within 1e-5
 *   robustness      NaN / Inf in -> finite out; reset; any split into
 *                   calls gives the same output; invalid parameters refused
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "chain.h"
#include "loudnorm.h"
#include "mmrng.h"
#include "tcheck.h"

#define TWO_PI 6.28318530717958647692

/* Runs x (frames x ch, interleaved) through c in f32 or f64, in one call
 * (seed 0) or in random chunks of 1..3000 frames, then drains the
 * latency; y receives the output aligned with x (frames x ch). */
static void
run (mm_chain * c, const double *x, double *y, size_t frames, unsigned ch,
    int f64, uint64_t seed)
{
  const size_t lat = mm_chain_get_latency (c), total = frames + lat;
  double *o64 = calloc (total * ch, sizeof (double));
  float *i32 = malloc (frames * ch * sizeof (float) + 1);
  float *o32 = calloc (total * ch, sizeof (float));
  for (size_t i = 0; i < frames * ch; i++)
    i32[i] = (float) x[i];
  size_t done = 0;
  while (done < frames) {
    size_t n = frames - done;
    if (seed) {
      size_t r = 1 + (size_t) (tc_random (&seed) * 3000.0);
      n = r < n ? r : n;
    }
    int err = f64 ? mm_chain_process_f64 (c, x + done * ch, o64 + done * ch, n)
        : mm_chain_process_f32 (c, i32 + done * ch, o32 + done * ch, n);
    if (err != MM_OK) {
      CHECK (err == MM_OK);
      break;
    }
    done += n;
  }
  if (f64)
    mm_chain_process_f64 (c, NULL, o64 + frames * ch, lat);
  else
    mm_chain_process_f32 (c, NULL, o32 + frames * ch, lat);
  for (size_t i = 0; i < frames * ch; i++)
    y[i] = f64 ? o64[lat * ch + i] : (double) o32[lat * ch + i];
  free (o64);
  free (i32);
  free (o32);
}

static double *
noise (size_t frames, unsigned ch, double amp, uint64_t seed)
{
  rng r = { seed };
  double *x = malloc (frames * ch * sizeof (double));
  for (size_t i = 0; i < frames * ch; i++)
    x[i] = amp * rng_range (&r, -1.0, 1.0);
  return x;
}

/* Every stage bypassed, the loudness gain at 0 dB, the limiter off. */
static void
all_bypassed (mm_chain_params * p)
{
  mm_chain_params_default (p);
  p->input_bypass = p->eq_bypass = p->comp_bypass = p->width_bypass = 1;
  p->loudness_bypass = p->limiter_bypass = 1;
  p->dither_bits = 0;
}

/* ---- bit-exact bypass ------------------------------------------------ */

static void
test_bypass_is_delayed_input_bit_exact (void)
{
  const unsigned rate = 48000;
  const size_t frames = 3 * rate + 123;
  for (int neutral = 0; neutral < 2; neutral++)
    for (int mode = 0; mode < 2; mode++)
      for (int f64 = 0; f64 < 2; f64++)
        for (unsigned ch = 1; ch <= 2; ch++) {
          mm_chain *c = mm_chain_new (rate, ch, mode ? MM_CHAIN_FIXED :
              MM_CHAIN_LIVE, 500.0, f64 ? MM_LOUDNORM_F64 : 0);
          CHECK (c != NULL);
          if (!c)
            continue;
          mm_chain_params p;
          all_bypassed (&p);
          if (neutral) {
            /* on but neutral: 0 dB input, flat EQ, width 1 */
            p.input_bypass = p.eq_bypass = p.width_bypass = 0;
          }
          CHECK (mm_chain_set_params (c, &p) == MM_OK);
          /* loud enough that the limiter would act if it could */
          double *x = noise (frames, ch, 1.5, 11 + ch);
          double *y = malloc (frames * ch * sizeof (double));
          run (c, x, y, frames, ch, f64, f64 ? 99 : 0);
          size_t bad = 0;
          for (size_t i = 0; i < frames * ch; i++) {
            double want = f64 ? x[i] : (double) (float) x[i];
            bad += memcmp (&y[i], &want, sizeof (double)) != 0;
          }
          if (bad)
            printf ("  bypass neutral=%d mode=%d f64=%d ch=%u: %zu samples "
                "differ\n", neutral, mode, f64, ch, bad);
          CHECK (bad == 0);
          mm_chain_free (&c);
          free (x);
          free (y);
        }
  printf ("  bypass: output == input delayed, bit for bit (live/fixed, "
      "f32/f64, 1-2 ch, bypassed and neutral)\n");
}

/* ---- EQ responses ---------------------------------------------------- */

static double
bw_q (unsigned n, unsigned k)
{
  return 1.0 / (2.0 * cos ((2.0 * k + 1.0) * MM_PI / (4.0 * n)));
}

/* Expected response: the product (sum in dB) of the RBJ sections. */
static double
expected_db (const mm_chain_params * p, double rate, double f)
{
  mm_biquad_coeffs k;
  double db = 0.0;
  if (p->hpf_hz > 0.0) {
    unsigned n = p->hpf_slope / 12;
    for (unsigned i = 0; i < n; i++) {
      mm_biquad_design (&k, MM_BIQUAD_HIGHPASS, rate, p->hpf_hz, bw_q (n, i),
          0.0);
      db += mm_biquad_response_db (&k, rate, f);
    }
  }
  mm_biquad_design (&k, MM_BIQUAD_LOWSHELF, rate, p->low_shelf_hz,
      1.0 / sqrt (2.0), p->low_shelf_gain_db);
  db += mm_biquad_response_db (&k, rate, f);
  for (unsigned i = 0; i < MM_CHAIN_BELLS; i++) {
    mm_biquad_design (&k, MM_BIQUAD_PEAK, rate, p->bell_hz[i], p->bell_q[i],
        p->bell_gain_db[i]);
    db += mm_biquad_response_db (&k, rate, f);
  }
  mm_biquad_design (&k, MM_BIQUAD_HIGHSHELF, rate, p->high_shelf_hz,
      1.0 / sqrt (2.0), p->high_shelf_gain_db);
  db += mm_biquad_response_db (&k, rate, f);
  return db;
}

/* The chain's gain at f (dB): RMS of the last 0.4 s of 1 s of sine. */
static double
measure_db (const mm_chain_params * p, unsigned rate, double f, int f64)
{
  const size_t frames = rate, tail = (size_t) (0.4 * rate);
  mm_chain *c = mm_chain_new (rate, 2, MM_CHAIN_FIXED, 0.0,
      f64 ? MM_LOUDNORM_F64 : 0);
  mm_chain_set_params (c, p);
  double *x = malloc (frames * 2 * sizeof (double));
  double *y = malloc (frames * 2 * sizeof (double));
  for (size_t i = 0; i < frames; i++)
    x[2 * i] = x[2 * i + 1] = 0.01 * sin (TWO_PI * f * (double) i / rate);
  run (c, x, y, frames, 2, f64, 0);
  double ex = 0.0, ey = 0.0;
  for (size_t i = frames - tail; i < frames; i++) {
    ex += x[2 * i] * x[2 * i];
    ey += y[2 * i] * y[2 * i] + y[2 * i + 1] * y[2 * i + 1];
  }
  mm_chain_free (&c);
  free (x);
  free (y);
  return 10.0 * log10 (ey / (2.0 * ex));
}

static void
test_eq_matches_rbj_designs (void)
{
  /* f * 0.4 s whole cycles */
  static const double freqs[] = { 20, 50, 80, 100, 150, 300, 700, 1000, 2500,
    5000, 8000, 10000, 15000, 19000
  };
  const unsigned rate = 48000;
  double worst = 0.0;
  for (int cfg = 0; cfg < 5; cfg++) {
    mm_chain_params p;
    all_bypassed (&p);
    p.eq_bypass = 0;
    if (cfg < 4) {
      /* the high-pass alone at each slope */
      p.hpf_hz = 120.0;
      p.hpf_slope = 12 * (cfg + 1);
    } else {
      p.hpf_hz = 30.0;
      p.hpf_slope = 24;
      p.low_shelf_hz = 150.0;
      p.low_shelf_gain_db = 4.5;
      p.bell_hz[0] = 400.0, p.bell_gain_db[0] = -6.0, p.bell_q[0] = 0.7;
      p.bell_hz[1] = 2500.0, p.bell_gain_db[1] = 9.0, p.bell_q[1] = 2.0;
      p.bell_hz[2] = 7000.0, p.bell_gain_db[2] = -3.0, p.bell_q[2] = 4.0;
      p.high_shelf_hz = 10000.0;
      p.high_shelf_gain_db = -8.0;
    }
    for (size_t i = 0; i < sizeof (freqs) / sizeof (freqs[0]); i++) {
      double want = expected_db (&p, rate, freqs[i]);
      double got = measure_db (&p, rate, freqs[i], cfg == 4 ? (int) (i & 1) : 1);
      if (want < -80.0)
        continue;               /* below what 0.01 x float resolves */
      CHECK_NEAR (got, want, 0.05);
      worst = fabs (got - want) > worst ? fabs (got - want) : worst;
    }
  }
  printf ("  EQ: high-pass 12/24/36/48 dB/oct and a full curve against the "
      "RBJ designs, worst %.4f dB (tolerance 0.05)\n", worst);
}

/* ---- true peak, Tech 3341 15-23 -------------------------------------- */

static double
bessel_i0 (double x)
{
  double sum = 1.0, term = 1.0, q = x * x / 4.0;
  for (int k = 1; k < 200 && term > sum * 1e-18; k++) {
    term *= q / ((double) k * k);
    sum += term;
  }
  return sum;
}

/* Cases 20-23 (as tests/conformance/test_ebu.c builds them): at 4 fs, 200
 * periods of fs/6 at 0.5, one of fs/4 at 1.0, 200 of fs/6, low-passed by
 * a 513-tap Kaiser-windowed sinc (0.47 fs); case 20 + k takes every 4th
 * sample from offset k.  Nominal true peak 0 dBTP. */
static double *
isp_signal (unsigned offset, size_t *frames)
{
  const size_t pad = 1024, body = 200 * 24 + 16 + 200 * 24, n = body + 2 * pad;
  const int taps = 513, mid = taps / 2;
  double *x = calloc (n, sizeof (double)), *f = calloc (n, sizeof (double));
  double h[513], hs = 0.0;
  size_t i = pad;
  for (size_t k = 0; k < 200 * 24; k++)
    x[i++] = 0.5 * sin (TWO_PI * (double) k / 24.0);
  for (size_t k = 0; k < 16; k++)
    x[i++] = sin (TWO_PI * (double) k / 16.0);
  for (size_t k = 0; k < 200 * 24; k++)
    x[i++] = 0.5 * sin (TWO_PI * (double) k / 24.0);
  const double fc = 0.47 / 4.0;
  for (int k = 0; k < taps; k++) {
    double t = k - mid, r = t / mid;
    double s = t == 0 ? 2.0 * fc : sin (TWO_PI * fc * t) / (MM_PI * t);
    h[k] = s * bessel_i0 (10.0 * sqrt (1.0 - r * r)) / bessel_i0 (10.0);
    hs += h[k];
  }
  for (size_t j = 0; j < n; j++) {
    double acc = 0.0;
    for (int k = 0; k < taps; k++) {
      long s = (long) j + mid - k;
      if (s >= 0 && (size_t) s < n)
        acc += h[k] * x[s];
    }
    f[j] = acc / hs;
  }
  size_t m = (n - offset) / 4;
  double *out = malloc (m * 2 * sizeof (double));
  for (size_t j = 0; j < m; j++)
    out[2 * j] = out[2 * j + 1] = f[offset + 4 * j];
  free (x);
  free (f);
  *frames = m;
  return out;
}

/* Cases 15-19: A sin (2 pi n / div + phase), 1 s, 10 ms raised-cosine
 * fades; nominal true peak 20 log10 (A). */
static double *
tp_sine (unsigned rate, double div, double amp, double phase_deg,
    size_t *frames)
{
  size_t n = rate, fade = rate / 100;
  double *x = malloc (n * 2 * sizeof (double)), ph = phase_deg * MM_PI / 180;
  for (size_t i = 0; i < n; i++) {
    double g = 1.0;
    if (i < fade)
      g = 0.5 - 0.5 * cos (MM_PI * (double) i / (double) fade);
    else if (n - 1 - i < fade)
      g = 0.5 - 0.5 * cos (MM_PI * (double) (n - 1 - i) / (double) fade);
    x[2 * i] = x[2 * i + 1] = amp * g * sin (TWO_PI * (double) i / div + ph);
  }
  *frames = n;
  return x;
}

static void
test_true_peak_ceiling_tech3341_15_23 (void)
{
  static const struct
  {
    double div, amp, phase, tp;
  } sines[] = {
    {4, 0.5, 0, -6.02}, {4, 0.5, 45, -6.02}, {6, 0.5, 60, -6.02},
    {8, 0.5, 67.5, -6.02}, {4, 1.41, 45, 2.98}
  };
  static const unsigned rates[] = { 44100, 48000 };
  const double ceiling = -1.0;
  double worst = -HUGE_VAL;
  for (size_t ri = 0; ri < 2; ri++)
    for (unsigned cs = 15; cs <= 23; cs++)
      for (int f64 = 0; f64 < 2; f64++) {
        unsigned rate = rates[ri];
        size_t n;
        double *x, nominal;
        if (cs <= 19) {
          const double *s = &sines[cs - 15].div;
          x = tp_sine (rate, s[0], s[1], s[2], &n);
          nominal = s[3];
        } else {
          x = isp_signal (cs - 20, &n);
          nominal = 0.0;
        }
        double g = mm_db_to_linear (ceiling + 10.0 - nominal);
        for (size_t i = 0; i < 2 * n; i++)
          x[i] *= g;
        mm_chain *c = mm_chain_new (rate, 2, MM_CHAIN_FIXED, 0.0,
            MM_LOUDNORM_F64);
        mm_chain_params p;
        all_bypassed (&p);
        p.limiter_bypass = 0;
        p.max_true_peak = ceiling;
        mm_chain_set_params (c, &p);
        double *y = malloc (2 * n * sizeof (double));
        run (c, x, y, n, 2, f64, 0);
        mm_loudness *m = mm_loudness_new (rate, 2, MM_LOUDNESS_TRUE_PEAK);
        if (f64) {
          mm_loudness_add_frames_f64 (m, y, n);
        } else {
          float *yf = malloc (2 * n * sizeof (float));
          for (size_t i = 0; i < 2 * n; i++)
            yf[i] = (float) y[i];
          mm_loudness_add_frames_f32 (m, yf, n);
          free (yf);
        }
        double tp = 0.0, t;
        for (unsigned ch = 0; ch < 2; ch++) {
          mm_loudness_true_peak (m, ch, &t);
          tp = t > tp ? t : tp;
        }
        double db = mm_linear_to_db (tp);
        CHECK (db <= ceiling + 0.05);
        /* and it is limiting, not silencing */
        CHECK (db > ceiling - 1.0);
        worst = db > worst ? db : worst;
        mm_loudness_free (&m);
        mm_chain_free (&c);
        free (x);
        free (y);
      }
  printf ("  true peak: Tech 3341 cases 15-23 +10 dB over -1 dBTP, 44.1/48 "
      "kHz, f32/f64: largest output %.3f dBTP\n", worst);
}

/* ---- glides ---------------------------------------------------------- */

static double
max_step (const double *y, unsigned ch, size_t from, size_t to)
{
  double m = 0.0;
  for (size_t i = from + 1; i < to; i++)
    for (unsigned c = 0; c < ch; c++) {
      double d = fabs (y[i * ch + c] - y[(i - 1) * ch + c]);
      m = d > m ? d : m;
    }
  return m;
}

static void
test_parameter_steps_glide (void)
{
  const unsigned rate = 48000;
  const size_t half = rate / 2, frames = 2 * half;
  for (int f64 = 0; f64 < 2; f64++) {
    mm_chain *c = mm_chain_new (rate, 2, MM_CHAIN_FIXED, 0.0, 0);
    mm_chain_params p;
    all_bypassed (&p);
    p.input_bypass = p.eq_bypass = p.width_bypass = 0;
    p.bell_hz[0] = 1000.0;
    p.bell_q[0] = 1.0;
    mm_chain_set_params (c, &p);
    double *x = malloc (frames * 2 * sizeof (double));
    double *y = malloc (frames * 2 * sizeof (double));
    for (size_t i = 0; i < frames; i++) {
      x[2 * i] = 0.05 * sin (TWO_PI * 1000.0 * (double) i / rate);
      x[2 * i + 1] = 0.05 * sin (TWO_PI * 1000.0 * (double) i / rate + 1.0);
    }
    /* first half, then the step, then the second half (the output of
     * each call is the input of latency frames before) */
    const size_t lat = mm_chain_get_latency (c);
    double *o = calloc ((frames + lat) * 2, sizeof (double));
    float *xf = malloc (frames * 2 * sizeof (float)), *of =
        calloc ((frames + lat) * 2, sizeof (float));
    for (size_t i = 0; i < 2 * frames; i++)
      xf[i] = (float) x[i];
    for (int part = 0; part < 2; part++) {
      size_t at = part * half;
      if (part == 1) {
        p.input_gain_db = 6.0;
        p.bell_gain_db[0] = 12.0;
        p.width = 2.0;
        CHECK (mm_chain_set_params (c, &p) == MM_OK);
      }
      if (f64)
        mm_chain_process_f64 (c, x + 2 * at, o + 2 * at, half);
      else
        mm_chain_process_f32 (c, xf + 2 * at, of + 2 * at, half);
    }
    if (f64)
      mm_chain_process_f64 (c, NULL, o + 2 * frames, lat);
    else
      mm_chain_process_f32 (c, NULL, of + 2 * frames, lat);
    for (size_t i = 0; i < 2 * frames; i++)
      y[i] = f64 ? o[2 * lat + i] : of[2 * lat + i];
    double before = max_step (y, 2, half - rate / 10, half);
    double during = max_step (y, 2, half, half + rate / 5);
    double after = max_step (y, 2, frames - rate / 10, frames);
    double own = before > after ? before : after;
    CHECK (during <= own * 1.01);
    CHECK (after > 3.0 * before);       /* the step did happen */
    printf ("  glides (%s): +6 dB input, +12 dB bell, width 1->2: largest "
        "step %.5f during, %.5f before, %.5f after\n", f64 ? "f64" : "f32",
        during, before, after);
    mm_chain_free (&c);
    free (x);
    free (y);
    free (o);
    free (xf);
    free (of);
  }
}

/* EQ bypass on and off mid-stream: the bells and shelves glide to 0 dB
 * and drop out, the high-pass glides out to 10 Hz first; coming back,
 * the reverse.  No step beyond the signal's own on a steady sine. */
static void
test_eq_bypass_toggle_glides (void)
{
  const unsigned rate = 48000;
  const size_t part = rate / 2, frames = 3 * part;
  mm_chain *c = mm_chain_new (rate, 1, MM_CHAIN_FIXED, 0.0, 0);
  mm_chain_params p;
  all_bypassed (&p);
  p.eq_bypass = 0;
  p.hpf_hz = 200.0;
  p.hpf_slope = 48;
  p.bell_hz[1] = 700.0;
  p.bell_gain_db[1] = 12.0;
  p.low_shelf_gain_db = -6.0;
  mm_chain_set_params (c, &p);
  const size_t lat = mm_chain_get_latency (c);
  float *x = malloc (frames * sizeof (float));
  float *o = calloc (frames + lat, sizeof (float));
  for (size_t i = 0; i < frames; i++)
    x[i] = (float) (0.05 * sin (TWO_PI * 700.0 * (double) i / rate));
  for (int k = 0; k < 3; k++) {
    if (k > 0) {
      p.eq_bypass = k == 1;
      mm_chain_set_params (c, &p);
    }
    mm_chain_process_f32 (c, x + k * part, o + k * part, part);
  }
  mm_chain_process_f32 (c, NULL, o + frames, lat);
  double *y = malloc (frames * sizeof (double));
  for (size_t i = 0; i < frames; i++)
    y[i] = o[lat + i];
  double on = max_step (y, 1, part - rate / 10, part);
  double off = max_step (y, 1, 2 * part - rate / 10, 2 * part);
  double t1 = max_step (y, 1, part, part + rate / 5);
  double t2 = max_step (y, 1, 2 * part, 2 * part + rate / 5);
  double own = on > off ? on : off;
  CHECK (t1 <= own * 1.01);
  CHECK (t2 <= own * 1.01);
  CHECK (on > 3.0 * off);
  printf ("  EQ bypass on/off mid-stream: largest step %.5f / %.5f "
      "(steady %.5f on, %.5f off)\n", t1, t2, on, off);
  mm_chain_free (&c);
  free (x);
  free (o);
  free (y);
}

/* ---- live and fixed -------------------------------------------------- */

static double *
pink (size_t frames, unsigned ch, double amp, uint64_t seed)
{
  rng r = { seed };
  double *x = malloc (frames * ch * sizeof (double));
  for (unsigned c = 0; c < ch; c++) {
    double b0 = 0, b1 = 0, b2 = 0;
    for (size_t i = 0; i < frames; i++) {
      double w = rng_gauss (&r);
      b0 = 0.99765 * b0 + w * 0.0990460;
      b1 = 0.96300 * b1 + w * 0.2965164;
      b2 = 0.57000 * b2 + w * 1.0526913;
      x[i * ch + c] = amp * (b0 + b1 + b2 + w * 0.1848);
    }
  }
  return x;
}

static void
test_live_pink_reaches_target (void)
{
  const unsigned rate = 48000, ch = 2;
  const size_t frames = 40 * (size_t) rate, skip = 15 * (size_t) rate;
  double *x = pink (frames, ch, 0.01, 7);
  for (int f64 = 0; f64 < 2; f64++) {
    mm_chain *c = mm_chain_new (rate, ch, MM_CHAIN_LIVE, 1000.0,
        MM_LOUDNORM_F64);
    mm_chain_params p;
    mm_chain_params_default (&p);       /* every stage on, flat */
    p.loudness_target = -16.0;
    p.hpf_hz = 20.0;
    p.bell_gain_db[1] = 2.0;
    mm_chain_set_params (c, &p);
    double *y = malloc (frames * ch * sizeof (double));
    run (c, x, y, frames, ch, f64, f64 ? 5 : 0);
    mm_loudness *m = mm_loudness_new (rate, ch, 0), *mi =
        mm_loudness_new (rate, ch, 0);
    mm_loudness_add_frames_f64 (m, y + skip * ch, frames - skip);
    mm_loudness_add_frames_f64 (mi, x, frames);
    double out_i, in_i;
    mm_loudness_integrated (m, &out_i);
    mm_loudness_integrated (mi, &in_i);
    CHECK_NEAR (out_i, -16.0, 1.0);
    printf ("  live (%s): pink noise at %.1f LUFS -> %.2f LUFS after 15 s "
        "(target -16 +-1), gain %.2f dB\n", f64 ? "f64" : "f32", in_i, out_i,
        mm_chain_get_gain (c));
    double in_meter;
    mm_loudness_integrated (mm_chain_get_input_meter (c), &in_meter);
    CHECK_NEAR (in_meter, in_i, 0.01);
    mm_loudness_free (&m);
    mm_loudness_free (&mi);
    mm_chain_free (&c);
    free (y);
  }
  free (x);
}

static void
test_fixed_gain_is_linear (void)
{
  const unsigned rate = 44100, ch = 2;
  const size_t frames = 2 * rate;
  static const double gains[] = { -6.0, 3.0, 0.0 };
  double worst = 0.0;
  double *x = noise (frames, ch, 0.1, 3);
  for (int f64 = 0; f64 < 2; f64++)
    for (size_t gi = 0; gi < 3; gi++) {
      mm_chain *c = mm_chain_new (rate, ch, MM_CHAIN_FIXED, 0.0, 0);
      mm_chain_params p;
      all_bypassed (&p);
      p.loudness_bypass = 0;
      p.limiter_bypass = 0;     /* on, but nothing reaches the ceiling */
      mm_chain_set_params (c, &p);
      CHECK (mm_chain_set_gain (c, gains[gi]) == MM_OK);
      double *y = malloc (frames * ch * sizeof (double));
      run (c, x, y, frames, ch, f64, 0);
      double g = mm_db_to_linear (gains[gi]), e = 0.0;
      for (size_t i = 0; i < frames * ch; i++) {
        double d = fabs (y[i] - x[i] * g);
        e = d > e ? d : e;
      }
      CHECK (e <= 1e-5);
      CHECK_NEAR (mm_chain_get_gain (c), gains[gi], 1e-9);
      worst = e > worst ? e : worst;
      double comp[3], lim = -1.0;
      mm_chain_get_reductions (c, comp, &lim);
      CHECK (lim == 0.0);
      mm_chain_free (&c);
      free (y);
    }
  free (x);
  printf ("  fixed: output = input x gain (-6, +3, 0 dB), largest error "
      "%.2g\n", worst);
  /* set_gain is for fixed mode only */
  mm_chain *c = mm_chain_new (48000, 2, MM_CHAIN_LIVE, 500.0, 0);
  CHECK (mm_chain_set_gain (c, 3.0) == MM_ERR_INVALID);
  mm_chain_free (&c);
}

/* ---- robustness ------------------------------------------------------ */

/* Every stage working: a chain to test the plumbing on. */
static void
busy_params (mm_chain_params * p, int multiband)
{
  mm_chain_params_default (p);
  p->input_gain_db = 3.0;
  p->hpf_hz = 40.0;
  p->hpf_slope = 36;
  p->low_shelf_gain_db = 2.0;
  p->bell_gain_db[0] = -3.0;
  p->bell_gain_db[1] = 4.0;
  p->bell_gain_db[2] = 1.5;
  p->high_shelf_gain_db = 2.0;
  p->multiband = multiband;
  p->comp.ratio = 3.0;
  p->comp.threshold_db = -24.0;
  for (unsigned b = 0; b < MM_CHAIN_BANDS; b++) {
    p->band[b].ratio = 2.0 + b;
    p->band[b].threshold_db = -30.0;
  }
  p->width = 1.4;
  p->bass_mono_hz = 120.0;
  p->loudness_target = -12.0;
  p->dither_bits = 16;
}

static void
test_nonfinite_in_finite_out (void)
{
  const unsigned rate = 48000, ch = 2;
  const size_t frames = 3 * rate;
  for (int mb = 0; mb < 2; mb++)
    for (int f64 = 0; f64 < 2; f64++) {
      double *x = pink (frames, ch, 0.05, 21);
      for (size_t i = rate; i < rate + 300; i += 7) {
        x[i * ch] = NAN;
        x[i * ch + 1] = (i & 8) ? HUGE_VAL : -HUGE_VAL;
      }
      x[(rate + 1000) * ch] = 1e300;
      mm_chain *c = mm_chain_new (rate, ch, MM_CHAIN_LIVE, 200.0,
          MM_LOUDNORM_F64);
      mm_chain_params p;
      busy_params (&p, mb);
      mm_chain_set_params (c, &p);
      double *y = malloc (frames * ch * sizeof (double));
      run (c, x, y, frames, ch, f64, 0);
      size_t bad = 0;
      double tail = 0.0;
      for (size_t i = 0; i < frames * ch; i++) {
        bad += !isfinite (y[i]);
        if (i >= (frames - rate / 2) * ch)
          tail += y[i] * y[i];
      }
      CHECK (bad == 0);
      if (!CHECK (tail > 1e-3))  /* still alive after it */
        printf ("  mb=%d f64=%d tail energy %g\n", mb, f64, tail);
      mm_chain_free (&c);
      free (x);
      free (y);
    }
  printf ("  NaN/Inf/1e300 in: finite out, audio goes on (single and "
      "multiband, f32/f64)\n");
}

static int
same (const double *a, const double *b, size_t n)
{
  return memcmp (a, b, n * sizeof (double)) == 0;
}

static void
test_reset_and_split_invariance (void)
{
  const unsigned rate = 48000, ch = 2;
  const size_t frames = 4 * rate;
  double *x = pink (frames, ch, 0.05, 33);
  double *a = malloc (frames * ch * sizeof (double));
  double *b = malloc (frames * ch * sizeof (double));
  for (int mb = 0; mb < 2; mb++)
    for (int f64 = 0; f64 < 2; f64++) {
      mm_chain_params p;
      busy_params (&p, mb);
      mm_chain *c = mm_chain_new (rate, ch, MM_CHAIN_LIVE, 300.0,
          MM_LOUDNORM_F64);
      mm_chain_set_params (c, &p);
      run (c, x, a, frames, ch, f64, 0);
      /* reset: the same as a new chain */
      mm_chain_reset (c);
      run (c, x, b, frames, ch, f64, 0);
      CHECK (same (a, b, frames * ch));
      /* random splits */
      mm_chain_reset (c);
      run (c, x, b, frames, ch, f64, 1234 + mb);
      CHECK (same (a, b, frames * ch));
      mm_chain_free (&c);
    }
  printf ("  reset gives a new chain's output; random splits give the same "
      "output bit for bit\n");

  /* a parameter change (mid-glide EQ, input gain, width) at a frame off
   * the EQ grid, the same frame in both runs */
  for (int f64 = 0; f64 < 2; f64++) {
    const size_t at = rate + 17;
    double *out[2] = { a, b };
    for (int split = 0; split < 2; split++) {
      mm_chain_params p;
      busy_params (&p, 1);
      mm_chain *c = mm_chain_new (rate, ch, MM_CHAIN_FIXED, 0.0,
          MM_LOUDNORM_F64);
      mm_chain_set_params (c, &p);
      const size_t lat = mm_chain_get_latency (c);
      double *o = calloc ((frames + lat) * ch, sizeof (double));
      float *xf = malloc (frames * ch * sizeof (float));
      float *of = calloc ((frames + lat) * ch, sizeof (float));
      for (size_t i = 0; i < frames * ch; i++)
        xf[i] = (float) x[i];
      uint64_t seed = 77;
      size_t done = 0;
      while (done < frames) {
        size_t end = done < at ? at : frames, n = end - done;
        if (split) {
          size_t r = 1 + (size_t) (tc_random (&seed) * 700.0);
          n = r < n ? r : n;
        }
        if (f64)
          mm_chain_process_f64 (c, x + done * ch, o + done * ch, n);
        else
          mm_chain_process_f32 (c, xf + done * ch, of + done * ch, n);
        done += n;
        if (done == at) {
          p.bell_gain_db[1] = -8.0;
          p.bell_hz[1] = 3000.0;
          p.hpf_hz = 0.0;
          p.input_gain_db = -2.0;
          p.width = 0.5;
          mm_chain_set_params (c, &p);
          mm_chain_set_gain (c, 4.0);
        }
      }
      if (f64)
        mm_chain_process_f64 (c, NULL, o + frames * ch, lat);
      else
        mm_chain_process_f32 (c, NULL, of + frames * ch, lat);
      for (size_t i = 0; i < frames * ch; i++)
        out[split][i] = f64 ? o[lat * ch + i] : of[lat * ch + i];
      mm_chain_free (&c);
      free (o);
      free (xf);
      free (of);
    }
    CHECK (same (a, b, frames * ch));
  }
  printf ("  a parameter change mid-stream: any split gives the same "
      "output\n");
  free (x);
  free (a);
  free (b);
}

static void
test_invalid_params_take_nothing (void)
{
  mm_chain *c = mm_chain_new (48000, 2, MM_CHAIN_FIXED, 0.0, 0);
  mm_chain_params p, q;
  mm_chain_params_default (&p);
  CHECK (mm_chain_set_params (c, &p) == MM_OK);
  q = p;
  q.hpf_slope = 18;
  CHECK (mm_chain_set_params (c, &q) == MM_ERR_INVALID);
  q = p;
  q.input_gain_db = 6.0;
  q.comp.ratio = 0.5;
  CHECK (mm_chain_set_params (c, &q) == MM_ERR_INVALID);
  q = p;
  q.bell_gain_db[2] = NAN;
  CHECK (mm_chain_set_params (c, &q) == MM_ERR_INVALID);
  q = p;
  q.dither_bits = 8;
  CHECK (mm_chain_set_params (c, &q) == MM_ERR_INVALID);
  q = p;
  q.xover_high_hz = q.xover_low_hz;
  CHECK (mm_chain_set_params (c, &q) == MM_ERR_INVALID);
  CHECK (mm_chain_new (48000, 9, MM_CHAIN_FIXED, 0.0, 0) == NULL);
  CHECK (mm_chain_new (48000, 2, MM_CHAIN_LIVE, 50.0, 0) == NULL);
  /* nothing was taken: a neutral chain passes audio at 0 dB */
  p.input_bypass = 1;
  p.loudness_bypass = p.limiter_bypass = 1;
  p.comp_bypass = 1;
  CHECK (mm_chain_set_params (c, &p) == MM_OK);
  double x[64], y[64];
  for (int i = 0; i < 64; i++)
    x[i] = 0.01 * i;
  mm_chain_process_f64 (c, x, y, 32);
  CHECK (mm_chain_process_f64 (c, x, x, 32) == MM_ERR_INVALID);
  CHECK (mm_chain_get_latency (c) > 0);
  double corr = 0, sm = 0;
  CHECK (mm_chain_get_width_stats (c, &corr, &sm) == MM_OK);
  mm_chain_free (&c);
  CHECK (c == NULL);
  printf ("  invalid parameters refused, nothing taken\n");
}

int
main (void)
{
  test_bypass_is_delayed_input_bit_exact ();
  test_eq_matches_rbj_designs ();
  test_true_peak_ceiling_tech3341_15_23 ();
  test_parameter_steps_glide ();
  test_eq_bypass_toggle_glides ();
  test_live_pink_reaches_target ();
  test_fixed_gain_is_linear ();
  test_nonfinite_in_finite_out ();
  test_reset_and_split_invariance ();
  test_invalid_params_take_nothing ();
  return tc_finish ("chain");
}
