/* Unit tests of dsp/limiter: the true-peak lookahead limiter.
 *
 * What is proved, and how:
 *   - latency: an impulse under the ceiling comes out bit-exact, exactly
 *     mm_limiter_get_latency frames later (lookahead + the oversampler's
 *     delay), f32 and f64, 8 kHz .. 384 kHz;
 *   - transparency: material whose true peak stays under the ceiling is a
 *     bit-exact delayed copy (gain exactly 1.0, no colouration), also
 *     after a limited passage has been released;
 *   - safety: the output true peak, read by our BS.1770-4 meter
 *     (mm_loudness, MM_LOUDNESS_TRUE_PEAK) and by libebur128 when the
 *     build has it, stays <= ceiling + 0.05 dB on hard signals (full-scale
 *     square waves, sines at fs/4 and 0.45 fs pushed +12 dB, impulses and
 *     the worst inter-sample-peak pattern, pink noise pushed +20 dB, DC
 *     steps) at 8, 44.1, 48, 96 and 384 kHz, 1, 2 and 8 channels, 1 and
 *     5 ms lookahead; the worst value per signal is printed;
 *   - no clicks: on a constant-amplitude tone that jumps 12 dB over the
 *     ceiling, the gain (output / delayed input) moves by at most
 *     2 / lookahead per frame and its slope changes smoothly;
 *   - release: after a single burst the reduction is under 0.1 dB within
 *     5 x release; after sustained limiting it takes longer (adaptive),
 *     at most 3.5x as long as after the burst;
 *   - a ceiling change while running glides (gain steps stay small) and
 *     settles on the new ceiling;
 *   - NaN / Inf input gives finite output (the bad samples come out as 0);
 *   - reset gives the output of a fresh limiter; any split of the stream
 *     into calls gives the same output; f32 and f64 agree;
 *   - linked channels: a peak in one of 1..8 channels reduces every
 *     channel by the same gain.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "limiter.h"
#include "loudness.h"
#include "oversample.h"
#include "tcheck.h"

#ifdef HAVE_LIBEBUR128
#include <ebur128.h>
#endif

#define TWO_PI (2.0 * MM_PI)
/* Allowed true-peak excess over the ceiling, dB. */
#define TP_TOL_DB 0.05

static const unsigned rates[] = { 8000, 44100, 48000, 96000, 384000 };
#define NRATES (sizeof (rates) / sizeof (rates[0]))

/* ------------------------------------------------------------------ */
/* Helpers */

static unsigned
frames_of (double ms, unsigned rate)
{
  return (unsigned) lround (ms * 0.001 * rate);
}

/* Runs `frames` frames through l in irregular chunks (1 .. 1500 frames). */
static void
run_f32 (mm_limiter * l, float *buf, unsigned ch, size_t frames, uint64_t seed)
{
  size_t done = 0;
  while (done < frames) {
    size_t n = 1 + (size_t) (tc_random (&seed) * 1500.0);
    n = n < frames - done ? n : frames - done;
    CHECK (mm_limiter_process_f32 (l, buf + done * ch, n) == MM_OK);
    done += n;
  }
}

/* Largest true peak over channels (dBTP), by our meter. */
static double
tp_ours (const float *y, unsigned ch, unsigned rate, size_t frames)
{
  mm_loudness *m = mm_loudness_new (rate, ch, MM_LOUDNESS_TRUE_PEAK);
  double worst = 0.0;
  mm_loudness_add_frames_f32 (m, y, frames);
  for (unsigned c = 0; c < ch; c++) {
    double p;
    mm_loudness_true_peak (m, c, &p);
    worst = p > worst ? p : worst;
  }
  mm_loudness_free (&m);
  return mm_linear_to_db (worst);
}

/* The same by libebur128 (-inf without it). */
static double
tp_ebur128 (const float *y, unsigned ch, unsigned rate, size_t frames)
{
#ifdef HAVE_LIBEBUR128
  ebur128_state *st = ebur128_init (ch, rate, EBUR128_MODE_TRUE_PEAK);
  double worst = 0.0;
  ebur128_add_frames_float (st, y, frames);
  for (unsigned c = 0; c < ch; c++) {
    double p;
    ebur128_true_peak (st, c, &p);
    worst = p > worst ? p : worst;
  }
  ebur128_destroy (&st);
  return mm_linear_to_db (worst);
#else
  (void) y;
  (void) ch;
  (void) rate;
  (void) frames;
  return -HUGE_VAL;
#endif
}

/* Pink noise (Paul Kellet's economy filter on white noise), about unit
 * RMS before `gain`. */
static void
pink (float *x, unsigned ch, size_t frames, double gain, uint64_t seed)
{
  for (unsigned c = 0; c < ch; c++) {
    double b0 = 0, b1 = 0, b2 = 0;
    for (size_t i = 0; i < frames; i++) {
      double w = tc_random (&seed) * 2.0 - 1.0;
      b0 = 0.99765 * b0 + w * 0.0990460;
      b1 = 0.96300 * b1 + w * 0.2965164;
      b2 = 0.57000 * b2 + w * 1.0526913;
      double p = b0 + b1 + b2 + w * 0.1848;
      x[i * ch + c] = (float) (p * 0.33 * gain);
    }
  }
}

/* ------------------------------------------------------------------ */
/* API */

static void
test_api (void)
{
  CHECK (mm_limiter_new (7999, 2, 5.0) == NULL);
  CHECK (mm_limiter_new (384001, 2, 5.0) == NULL);
  CHECK (mm_limiter_new (48000, 0, 5.0) == NULL);
  CHECK (mm_limiter_new (48000, MM_CHANNELS_MAX + 1, 5.0) == NULL);
  CHECK (mm_limiter_new (48000, 2, 0.99) == NULL);
  CHECK (mm_limiter_new (48000, 2, 10.01) == NULL);
  CHECK (mm_limiter_new (48000, 2, NAN) == NULL);
  mm_limiter_free (NULL);
  mm_limiter *l = NULL;
  mm_limiter_free (&l);

  l = mm_limiter_new (48000, 2, 5.0);
  if (!CHECK (l != NULL))
    return;
  CHECK (mm_limiter_set_ceiling (l, -20.0) == MM_OK);
  CHECK (mm_limiter_set_ceiling (l, 6.0) == MM_OK);
  CHECK (mm_limiter_set_ceiling (l, -20.01) == MM_ERR_INVALID);
  CHECK (mm_limiter_set_ceiling (l, 6.01) == MM_ERR_INVALID);
  CHECK (mm_limiter_set_ceiling (l, NAN) == MM_ERR_INVALID);
  CHECK (mm_limiter_set_ceiling (NULL, -1.0) == MM_ERR_INVALID);
  CHECK (mm_limiter_set_release (l, 10.0) == MM_OK);
  CHECK (mm_limiter_set_release (l, 2000.0) == MM_OK);
  CHECK (mm_limiter_set_release (l, 9.9) == MM_ERR_INVALID);
  CHECK (mm_limiter_set_release (l, 2000.1) == MM_ERR_INVALID);
  CHECK (mm_limiter_set_release (l, INFINITY) == MM_ERR_INVALID);
  CHECK (mm_limiter_set_release (NULL, 100.0) == MM_ERR_INVALID);
  float f[4] = { 0 };
  double d[4] = { 0 };
  CHECK (mm_limiter_process_f32 (NULL, f, 2) == MM_ERR_INVALID);
  CHECK (mm_limiter_process_f32 (l, NULL, 2) == MM_ERR_INVALID);
  CHECK (mm_limiter_process_f32 (l, NULL, 0) == MM_OK);
  CHECK (mm_limiter_process_f64 (NULL, d, 2) == MM_ERR_INVALID);
  CHECK (mm_limiter_process_f64 (l, d, 2) == MM_OK);
  CHECK (mm_limiter_reset (NULL) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_latency (NULL) == 0);
  double now = -1, max = -1;
  CHECK (mm_limiter_get_reduction (NULL, &now, &max) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_reduction (l, &now, &max) == MM_OK);
  CHECK (now == 0.0 && max == 0.0);
  CHECK (mm_limiter_process_gain_f32 (NULL, f, NULL, 2) == MM_ERR_INVALID);
  CHECK (mm_limiter_process_gain_f32 (l, NULL, NULL, 2) == MM_ERR_INVALID);
  CHECK (mm_limiter_process_gain_f64 (l, NULL, NULL, 0) == MM_OK);
  double v;
  CHECK (mm_limiter_get_input_peak (NULL, 0, &v) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_input_peak (l, 2, &v) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_input_peak (l, 0, NULL) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_output_peak (NULL, 0, &v) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_output_peak (l, 2, &v) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_output_peak (l, 1, NULL) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_loss (NULL, &v) == MM_ERR_INVALID);
  CHECK (mm_limiter_get_loss (l, NULL) == MM_ERR_INVALID);
  mm_limiter_free (&l);
  CHECK (l == NULL);

  /* The latency formula: lookahead frames + the oversampler's delay. */
  for (size_t r = 0; r < NRATES; r++)
    for (double ms = 1.0; ms <= 10.0; ms += 4.5) {
      l = mm_limiter_new (rates[r], 1, ms);
      unsigned L = mm_oversample_factor_for_rate (rates[r], 176400);
      mm_oversampler *os = mm_oversampler_new (L, 1);
      unsigned expect = frames_of (ms, rates[r]) + mm_oversampler_get_latency (os);
      if (!CHECK (mm_limiter_get_latency (l) == expect))
        printf ("  (rate %u, %g ms: latency %u, expected %u)\n", rates[r], ms,
            mm_limiter_get_latency (l), expect);
      mm_oversampler_free (&os);
      mm_limiter_free (&l);
    }
}

/* ------------------------------------------------------------------ */
/* Latency and transparency */

/* Impulses of +-0.5 (under the -1 dBTP ceiling; an impulse's interpolated
 * values never exceed it) in every channel at different frames: each
 * comes out bit-exact exactly `latency` frames later, everything else 0. */
static void
test_latency_impulse_exact (void)
{
  for (size_t r = 0; r < NRATES; r++)
    for (unsigned ch = 1; ch <= MM_CHANNELS_MAX; ch += 3) {
      mm_limiter *l = mm_limiter_new (rates[r], ch, 2.5);
      unsigned lat = mm_limiter_get_latency (l);
      size_t frames = 4 * (size_t) lat + 3000;
      float *x = calloc (frames * ch, sizeof (float));
      double *xd = calloc (frames * ch, sizeof (double));
      for (unsigned c = 0; c < ch; c++) {
        size_t at = 100 + 37 * c;
        x[at * ch + c] = (c & 1) ? -0.5f : 0.5f;
        x[(at + 1500) * ch + c] = 0.3f;
      }
      for (size_t i = 0; i < frames * ch; i++)
        xd[i] = x[i];
      float *y = malloc (frames * ch * sizeof (float));
      memcpy (y, x, frames * ch * sizeof (float));
      run_f32 (l, y, ch, frames, 5);
      mm_limiter_reset (l);
      CHECK (mm_limiter_process_f64 (l, xd, frames) == MM_OK);
      int ok32 = 1, ok64 = 1;
      for (size_t i = 0; i < frames; i++)
        for (unsigned c = 0; c < ch; c++) {
          float e = i >= lat ? x[(i - lat) * ch + c] : 0.0f;
          ok32 &= y[i * ch + c] == e;
          ok64 &= xd[i * ch + c] == (double) e;
        }
      if (!CHECK (ok32 && ok64))
        printf ("  (rate %u, %u ch, latency %u: f32 %s, f64 %s)\n", rates[r],
            ch, lat, ok32 ? "ok" : "wrong", ok64 ? "ok" : "wrong");
      double now, max;
      mm_limiter_get_reduction (l, &now, &max);
      CHECK (now == 0.0 && max == 0.0);
      free (x);
      free (xd);
      free (y);
      mm_limiter_free (&l);
    }
}

/* Pink noise and a tone with true peak 0.3 dB under the ceiling: a
 * bit-exact delayed copy.  Then a loud passage, then the quiet material
 * again: once released, bit-exact again (gain back to exactly 1). */
static void
test_below_ceiling_bit_exact (void)
{
  const unsigned rate = 48000, ch = 2;
  const size_t frames = rate * 2;
  float *x = malloc (frames * ch * sizeof (float));
  float *y = malloc (frames * ch * sizeof (float));
  pink (x, ch, frames, 0.1, 11);
  for (size_t i = 0; i < frames; i++)
    x[i * ch + 1] += (float) (0.2 * sin (TWO_PI * 1234.5 * i / rate));
  /* Scale to a true peak of -1.3 dBTP. */
  double tp = tp_ours (x, ch, rate, frames);
  float s = (float) mm_db_to_linear (-1.3 - tp);
  for (size_t i = 0; i < frames * ch; i++)
    x[i] *= s;

  mm_limiter *l = mm_limiter_new (rate, ch, 5.0);
  unsigned lat = mm_limiter_get_latency (l);
  memcpy (y, x, frames * ch * sizeof (float));
  run_f32 (l, y, ch, frames, 3);
  int ok = 1;
  for (size_t i = lat; i < frames * ch / ch; i++)
    for (unsigned c = 0; c < ch; c++)
      ok &= y[i * ch + c] == x[(i - lat) * ch + c];
  CHECK (ok);
  double now, max;
  mm_limiter_get_reduction (l, &now, &max);
  CHECK (max == 0.0);

  /* 200 ms at +10 dB, then 1.8 s of the quiet material: bit-exact again
   * within 1.5 s (release 100 ms). */
  float *z = malloc (frames * ch * sizeof (float));
  for (size_t i = 0; i < frames * ch; i++)
    z[i] = i < (size_t) rate / 5 * ch ? x[i] * 3.16f : x[i];
  memcpy (y, z, frames * ch * sizeof (float));
  run_f32 (l, y, ch, frames, 4);
  mm_limiter_get_reduction (l, &now, &max);
  CHECK (max > 5.0);
  CHECK (now == 0.0);
  ok = 1;
  for (size_t i = rate * 3 / 2; i < frames; i++)
    for (unsigned c = 0; c < ch; c++)
      ok &= y[i * ch + c] == z[(i - lat) * ch + c];
  CHECK (ok);
  free (x);
  free (y);
  free (z);
  mm_limiter_free (&l);
}

/* ------------------------------------------------------------------ */
/* Safety: the output true peak */

typedef enum
{
  SIG_SQUARE,                   /* full-scale square wave, 997 Hz */
  SIG_SQUARE_HF,                /* full-scale square wave, fs / 7.3 */
  SIG_SINE_FS4,                 /* fs/4 sine, +12 dB (crest between samples) */
  SIG_SINE_045,                 /* 0.45 fs sine, +12 dB */
  SIG_IMPULSES,                 /* +12 dB single-sample impulses, irregular */
  SIG_ISP,                      /* +-1 fs/2 pattern with phase breaks */
  SIG_PINK,                     /* pink noise, +20 dB (RMS ~0 dBFS) */
  SIG_DC,                       /* DC steps to +6 dB and back */
  SIG_COUNT
} signal_kind;

static const char *const signal_name[SIG_COUNT] = {
  "square 997 Hz 0 dBFS", "square fs/7.3 0 dBFS", "sine fs/4 +12 dB",
  "sine 0.45 fs +12 dB", "impulses +12 dB", "ISP pattern 0 dBFS",
  "pink noise +20 dB", "DC steps +6 dB",
};

static void
make_signal (float *x, signal_kind k, unsigned rate, unsigned ch,
    size_t frames, uint64_t seed)
{
  memset (x, 0, frames * ch * sizeof (float));
  if (k == SIG_PINK) {
    pink (x, ch, frames, 10.0 * 0.1 * 3.0, seed);   /* ~-10 dBFS RMS, +20 dB */
    return;
  }
  for (unsigned c = 0; c < ch; c++) {
    double ph = tc_random (&seed) * TWO_PI;
    for (size_t i = 0; i < frames; i++) {
      double v = 0.0, t = (double) i;
      switch (k) {
        case SIG_SQUARE:
          v = sin (TWO_PI * 997.0 * t / rate + ph) >= 0.0 ? 1.0 : -1.0;
          break;
        case SIG_SQUARE_HF:
          v = sin (TWO_PI * t / 7.3 + ph) >= 0.0 ? 1.0 : -1.0;
          break;
        case SIG_SINE_FS4:
          v = 4.0 * sin (TWO_PI * 0.25 * t + MM_PI / 4 + 0.01 * c);
          break;
        case SIG_SINE_045:
          v = 4.0 * sin (TWO_PI * 0.45 * t + ph);
          break;
        case SIG_IMPULSES:
          break;
        case SIG_ISP:
          /* fs/2 at full scale with a sign break every 64 + c frames:
           * the largest inter-sample peaks a +-1 signal can have. */
          v = ((i + i / (64 + c)) & 1) ? -1.0 : 1.0;
          break;
        case SIG_DC:
          v = (i > frames / 10 && i < frames * 6 / 10) ? 2.0 : 0.0;
          v += (i > frames * 7 / 10) ? -2.0 : 0.0;
          break;
        default:
          break;
      }
      x[i * ch + c] = (float) v;
    }
    if (k == SIG_IMPULSES)
      for (size_t i = 50 + 13 * c; i < frames;
          i += 20 + (size_t) (tc_random (&seed) * 2000.0))
        x[i * ch + c] = tc_random (&seed) < 0.5 ? -4.0f : 4.0f;
  }
}

typedef struct
{
  double ours, ebu;             /* worst output true peak re ceiling, dB */
  char where_ours[64], where_ebu[64];
} worst_tp;

/* One case: signal k at rate, ch channels, lookahead la_ms, ceiling
 * ceil_db; feeds latency frames of silence after it so all comes out. */
static void
tp_case (worst_tp * w, signal_kind k, unsigned rate, unsigned ch,
    double la_ms, double ceil_db, double seconds, uint64_t seed)
{
  mm_limiter *l = mm_limiter_new (rate, ch, la_ms);
  mm_limiter_set_ceiling (l, ceil_db);
  mm_limiter_reset (l);         /* start at the ceiling, no glide */
  unsigned lat = mm_limiter_get_latency (l);
  size_t len = (size_t) (seconds * rate), frames = len + lat;
  float *x = calloc (frames * ch, sizeof (float));
  make_signal (x, k, rate, ch, len, seed + k * 7 + rate + ch);
  run_f32 (l, x, ch, frames, k + ch);
  double a = tp_ours (x, ch, rate, frames) - ceil_db;
  double b = tp_ebur128 (x, ch, rate, frames) - ceil_db;
  char where[64];
  snprintf (where, sizeof where, "%u Hz %u ch %g ms %+g dB", rate, ch,
      la_ms, ceil_db);
  if (!CHECK (a <= TP_TOL_DB))
    printf ("  (%s, %s: ours %+.3f dB over)\n", signal_name[k], where, a);
#ifdef HAVE_LIBEBUR128
  if (!CHECK (b <= TP_TOL_DB))
    printf ("  (%s, %s: libebur128 %+.3f dB over)\n", signal_name[k], where, b);
#endif
  if (a > w->ours) {
    w->ours = a;
    memcpy (w->where_ours, where, sizeof where);
  }
  if (b > w->ebu) {
    w->ebu = b;
    memcpy (w->where_ebu, where, sizeof where);
  }
  free (x);
  mm_limiter_free (&l);
}

static void
test_true_peak_hard_cases (void)
{
  static const unsigned chans[] = { 1, 2, 8 };
  printf ("output true peak re ceiling, worst case (limit +%.2f dB):\n",
      TP_TOL_DB);
  for (int k = 0; k < SIG_COUNT; k++) {
    worst_tp w = { -HUGE_VAL, -HUGE_VAL, "", "" };
    for (size_t r = 0; r < NRATES; r++)
      for (size_t ci = 0; ci < 3; ci++) {
        unsigned ch = chans[ci];
        /* Every rate at 1 and 5 ms; 8 channels at 5 ms only. */
        double secs = k == SIG_PINK ? 1.0 : 0.3;
        if (rates[r] == 384000 || ch == 8)
          secs *= 0.5;
        if (ch < 8)
          tp_case (&w, k, rates[r], ch, 1.0, -1.0, secs, 1000);
        tp_case (&w, k, rates[r], ch, 5.0, ci == 1 ? -6.0 : -1.0, secs, 1000);
      }
    /* Noise is where another interpolator reads most above ours: more
     * of it at the common rates. */
    if (k == SIG_PINK)
      for (uint64_t seed = 1; seed <= 6; seed++) {
        tp_case (&w, k, 44100, 2, 5.0, -1.0, 2.0, seed * 101);
        tp_case (&w, k, 48000, 1, 2.0, -1.0, 2.0, seed * 103);
      }
    printf ("  %-22s ours %+.3f dB (%s)", signal_name[k], w.ours, w.where_ours);
#ifdef HAVE_LIBEBUR128
    printf (", libebur128 %+.3f dB (%s)", w.ebu, w.where_ebu);
#endif
    printf ("\n");
  }
}

/* ------------------------------------------------------------------ */
/* Gain: continuity, linking, release, ceiling glide */

/* Runs a constant-frequency tone whose amplitude follows amp(i) through
 * the limiter and returns the applied gain per output frame, g[i] =
 * y[i] / x[i - latency], where |x| is large enough to divide by (else the
 * previous value). */
static double *
gain_of_tone (mm_limiter * l, unsigned rate, size_t frames,
    double (*amp) (size_t, unsigned), double freq)
{
  unsigned lat = mm_limiter_get_latency (l);
  double *x = malloc (frames * sizeof (double));
  double *y = malloc (frames * sizeof (double));
  double *g = malloc (frames * sizeof (double));
  for (size_t i = 0; i < frames; i++)
    x[i] = y[i] = amp (i, rate) * sin (TWO_PI * freq * (double) i / rate + 0.3);
  mm_limiter_process_f64 (l, y, frames);
  double last = 1.0;
  for (size_t i = 0; i < frames; i++) {
    double in = i >= lat ? x[i - lat] : 0.0;
    if (fabs (in) > 1e-6)       /* y = G x exactly: the ratio is exact */
      last = y[i] / in;
    g[i] = last;
  }
  free (x);
  free (y);
  return g;
}

/* -10 dB re ceiling for 0.3 s, +12 dB re ceiling for 0.4 s, -10 dB; the
 * steps are 5 ms raised-cosine fades (an abrupt step would itself have
 * an inter-sample overshoot). */
static double
amp_steps (size_t i, unsigned rate)
{
  double lo = mm_db_to_linear (-11.0), hi = mm_db_to_linear (11.0);
  double t = (double) i / rate, u;
  if (t < 0.3)
    u = 0.0;
  else if (t < 0.305)
    u = 0.5 - 0.5 * cos (MM_PI * (t - 0.3) / 0.005);
  else if (t < 0.7)
    u = 1.0;
  else if (t < 0.705)
    u = 0.5 + 0.5 * cos (MM_PI * (t - 0.7) / 0.005);
  else
    u = 0.0;
  return lo + (hi - lo) * u;
}

/* The gain on a tone rising 12 dB over the ceiling and back: no frame-
 * to-frame jump larger than 2 / lookahead (a click would be a jump of the
 * whole 12 dB: 0.75), and no sharp corner (second difference under
 * 6 / lookahead^2: the attack is an S-curve); it reaches the required
 * reduction (12 dB + the detection margin). */
static void
test_gain_continuity_tone (void)
{
  for (size_t r = 0; r < NRATES; r++) {
    const unsigned rate = rates[r];
    for (double la = 1.0; la <= 5.0; la += 4.0) {
      mm_limiter *l = mm_limiter_new (rate, 1, la);
      size_t frames = rate;
      double *g = gain_of_tone (l, rate, frames, amp_steps, 441.0);
      double dmax = 0.0, d2max = 0.0, gmin = 1.0;
      for (size_t i = 2; i < frames; i++) {
        double d = fabs (g[i] - g[i - 1]);
        double d2 = fabs (g[i] - 2 * g[i - 1] + g[i - 2]);
        dmax = d > dmax ? d : dmax;
        d2max = d2 > d2max ? d2 : d2max;
        gmin = g[i] < gmin ? g[i] : gmin;
      }
      double W = frames_of (la, rate);
      int ok = CHECK (dmax <= 2.0 / W) & CHECK (d2max <= 6.0 / (W * W))
          & CHECK_RANGE (mm_linear_to_db (gmin), -12.3, -11.9);
      if (!ok || (rate == 48000 && la == 5.0))
        printf ("  gain on a 12 dB tone step, %u Hz %g ms: min %.3f dB, "
            "largest step %.5f (bound %.5f), largest 2nd difference %.2e "
            "(bound %.2e)\n", rate, la, mm_linear_to_db (gmin), dmax, 2.0 / W,
            d2max, 6.0 / (W * W));
      free (g);
      mm_limiter_free (&l);
    }
  }
}

/* A peak in any one channel reduces all channels by the same gain. */
static void
test_linked_channels (void)
{
  const unsigned rate = 48000;
  for (unsigned ch = 1; ch <= MM_CHANNELS_MAX; ch++)
    for (unsigned loud = 0; loud < ch; loud += 3) {
      mm_limiter *l = mm_limiter_new (rate, ch, 3.0);
      unsigned lat = mm_limiter_get_latency (l);
      size_t frames = rate / 2;
      double *x = malloc (frames * ch * sizeof (double));
      double *y = malloc (frames * ch * sizeof (double));
      for (size_t i = 0; i < frames; i++)
        for (unsigned c = 0; c < ch; c++) {
          double a = 0.2;
          if (c == loud && i > frames / 3 && i < frames / 2)
            a = 3.0;
          x[i * ch + c] = y[i * ch + c] =
              a * sin (TWO_PI * (300.0 + 100.0 * c) * i / rate + c);
        }
      mm_limiter_process_f64 (l, y, frames);
      /* Per frame, every channel's ratio equals the others'. */
      double spread = 0.0, gmin = 1.0;
      for (size_t i = lat; i < frames; i++) {
        double g0 = NAN;
        for (unsigned c = 0; c < ch; c++) {
          double in = x[(i - lat) * ch + c];
          if (fabs (in) < 0.02)
            continue;
          double g = y[i * ch + c] / in;
          if (isnan (g0))
            g0 = g;
          spread = fmax (spread, fabs (g - g0));
          gmin = fmin (gmin, g);
        }
      }
      if (!(CHECK (spread < 1e-12) & CHECK (gmin < 0.3)))
        printf ("  (%u ch, loud channel %u: gain spread %.3g, min gain %.3f)\n",
            ch, loud, spread, gmin);
      free (x);
      free (y);
      mm_limiter_free (&l);
    }
}

/* Frames from `from` until the reduction stays under 0.1 dB, read every
 * millisecond while feeding the quiet tone. */
static size_t
recovery_frames (mm_limiter * l, unsigned rate, size_t limit)
{
  const size_t step = rate / 1000;
  double *buf = malloc (step * sizeof (double));
  size_t t = 0, below_since = 0;
  int below = 0;
  static size_t phase;
  for (; t < limit; t += step) {
    for (size_t i = 0; i < step; i++, phase++)
      buf[i] = 0.1 * sin (TWO_PI * 440.0 * phase / rate);
    mm_limiter_process_f64 (l, buf, step);
    double now;
    mm_limiter_get_reduction (l, &now, NULL);
    if (now < 0.1 && !below) {
      below = 1;
      below_since = t + step;
    } else if (now >= 0.1) {
      below = 0;
    }
  }
  free (buf);
  return below ? below_since : limit;
}

/* Feeds `ms` of a +12 dB (re ceiling) tone. */
static void
feed_loud (mm_limiter * l, unsigned rate, double ms)
{
  size_t n = frames_of (ms, rate);
  double *buf = malloc (n * sizeof (double));
  for (size_t i = 0; i < n; i++)
    buf[i] = 3.5 * sin (TWO_PI * 440.0 * i / rate);
  mm_limiter_process_f64 (l, buf, n);
  free (buf);
}

/* Release: after a 10 ms burst the reduction is under 0.1 dB within
 * 5 x release (the lookahead added: the burst leaves the delay line then);
 * after 3 s of dense limiting it takes longer, but at most 3.5x as long. */
static void
test_release_adaptive (void)
{
  const unsigned rate = 48000;
  static const double rel[] = { 20.0, 100.0, 500.0 };
  for (size_t k = 0; k < 3; k++) {
    mm_limiter *l = mm_limiter_new (rate, 1, 5.0);
    mm_limiter_set_release (l, rel[k]);
    unsigned lat = mm_limiter_get_latency (l);
    size_t limit = frames_of (40.0 * rel[k], rate) + lat;
    double now, max;
    mm_limiter_get_reduction (l, &now, &max);
    feed_loud (l, rate, 10.0);
    size_t t_burst = recovery_frames (l, rate, limit);
    mm_limiter_get_reduction (l, &now, &max);
    CHECK (now == 0.0);
    double burst_ms = 1000.0 * ((double) t_burst - lat) / rate;

    mm_limiter_reset (l);
    feed_loud (l, rate, 3000.0);
    size_t t_sust = recovery_frames (l, rate, limit);
    double sust_ms = 1000.0 * ((double) t_sust - lat) / rate;
    printf ("  release %g ms: under 0.1 dB %.1f ms after a 10 ms burst "
        "(%.2f x), %.1f ms after 3 s of limiting (%.2f x)\n", rel[k],
        burst_ms, burst_ms / rel[k], sust_ms, sust_ms / rel[k]);
    CHECK (burst_ms <= 5.0 * rel[k]);
    CHECK (sust_ms >= 1.5 * burst_ms);
    CHECK (sust_ms <= 3.5 * burst_ms);
    mm_limiter_free (&l);
  }
}

/* A constant 0 dBFS tone, ceiling -1 dBTP; at 0.5 s the ceiling drops to
 * -10, at 1.2 s it goes back to -1.  The gain never jumps (largest frame
 * step far below the 0.57 a step of the ceiling would make: < 1/1000 per
 * frame), and after each change the output settles at the new ceiling
 * (less the detection margin). */
static void
test_ceiling_glide (void)
{
  const unsigned rate = 48000;
  mm_limiter *l = mm_limiter_new (rate, 1, 5.0);
  unsigned lat = mm_limiter_get_latency (l);
  const size_t frames = rate * 22 / 10;
  const size_t seg_end[3] = { rate / 2, rate * 12 / 10, frames };
  const double ceil[3] = { -1.0, -10.0, -1.0 };
  double *x = malloc (frames * sizeof (double));
  double *y = malloc (frames * sizeof (double));
  for (size_t i = 0; i < frames; i++)
    x[i] = y[i] = sin (TWO_PI * 997.0 * i / rate + 0.3);
  size_t from = 0;
  for (int s = 0; s < 3; s++) {
    CHECK (mm_limiter_set_ceiling (l, ceil[s]) == MM_OK);
    mm_limiter_process_f64 (l, y + from, seg_end[s] - from);
    from = seg_end[s];
  }
  /* Gain per frame (y = G x exactly, so the ratio is exact). */
  double dmax = 0.0, g = 1.0, prev = NAN, settled[3];
  for (size_t i = lat; i < frames; i++) {
    double in = x[i - lat];
    if (fabs (in) > 1e-6)
      g = y[i] / in;
    if (!isnan (prev))
      dmax = fmax (dmax, fabs (g - prev));
    prev = g;
    for (int s = 0; s < 3; s++)
      if (i + 1 == seg_end[s])
        settled[s] = mm_linear_to_db (g);
  }
  for (int s = 0; s < 3; s++)
    CHECK_RANGE (settled[s], ceil[s] - 0.2, ceil[s] - 0.05);
  printf ("  ceiling glide -1 -> -10 -> -1 dBTP: largest gain step %.6f per "
      "frame; settled gains %.3f, %.3f, %.3f dB\n", dmax, settled[0],
      settled[1], settled[2]);
  CHECK (dmax < 1e-3);
  free (x);
  free (y);
  mm_limiter_free (&l);
}

/* ------------------------------------------------------------------ */
/* Robustness and state */

static void
test_nonfinite_input (void)
{
  const unsigned rate = 44100, ch = 2;
  mm_limiter *l = mm_limiter_new (rate, ch, 2.0);
  unsigned lat = mm_limiter_get_latency (l);
  size_t frames = rate / 2;
  float *x = malloc (frames * ch * sizeof (float));
  pink (x, ch, frames, 1.0, 9);
  static const float bad[] = { NAN, INFINITY, -INFINITY, FLT_MAX };
  for (size_t i = 1000; i < frames; i += 997)
    x[i * ch + (i & 1)] = bad[(i / 997) % 4];
  float *y = malloc (frames * ch * sizeof (float));
  memcpy (y, x, frames * ch * sizeof (float));
  run_f32 (l, y, ch, frames, 8);
  int finite = 1, zeroed = 1;
  for (size_t i = 0; i < frames * ch; i++)
    finite &= isfinite (y[i]);
  for (size_t i = 1000; i + lat < frames; i += 997)
    if (!isfinite (x[i * ch + (i & 1)]))
      zeroed &= y[(i + lat) * ch + (i & 1)] == 0.0f;
  CHECK (finite);
  CHECK (zeroed);
  CHECK (tp_ours (y, ch, rate, frames) <= -1.0 + TP_TOL_DB);

  /* f64: NaN, Inf and values beyond float range are silence. */
  double d[8] = { NAN, 1e300, -INFINITY, 0.5, INFINITY, -1e40, 0.0, 0.25 };
  mm_limiter_reset (l);
  size_t n = lat + 8;
  double *buf = calloc (n * ch, sizeof (double));
  for (int i = 0; i < 8; i++)
    buf[i] = d[i];
  mm_limiter_process_f64 (l, buf, n);
  finite = 1;
  for (size_t i = 0; i < n * ch; i++)
    finite &= isfinite (buf[i]);
  CHECK (finite);
  CHECK (buf[lat * ch + 3] == 0.5 && buf[lat * ch + 7] == 0.25);
  CHECK (buf[lat * ch + 0] == 0.0 && buf[lat * ch + 1] == 0.0
      && buf[lat * ch + 5] == 0.0);
  double now, max;
  CHECK (mm_limiter_get_reduction (l, &now, &max) == MM_OK);
  CHECK (isfinite (now) && isfinite (max));
  free (buf);
  free (x);
  free (y);
  mm_limiter_free (&l);
}

/* Loud pink noise through a limiter, reset, then a test signal: the same
 * output as a fresh limiter, bit-exact.  Chunking does not matter either;
 * f32 and f64 agree to float precision. */
static void
test_reset_and_split (void)
{
  const unsigned rate = 48000, ch = 3;
  size_t frames = rate;
  float *x = malloc (frames * ch * sizeof (float));
  float *a = malloc (frames * ch * sizeof (float));
  float *b = malloc (frames * ch * sizeof (float));
  double *d = malloc (frames * ch * sizeof (double));
  pink (x, ch, frames, 4.0, 21);

  mm_limiter *fresh = mm_limiter_new (rate, ch, 4.0);
  mm_limiter_set_release (fresh, 50.0);
  memcpy (a, x, frames * ch * sizeof (float));
  CHECK (mm_limiter_process_f32 (fresh, a, frames) == MM_OK);

  mm_limiter *used = mm_limiter_new (rate, ch, 4.0);
  mm_limiter_set_release (used, 50.0);
  memcpy (b, x, frames * ch * sizeof (float));
  for (size_t i = 0; i < frames * ch; i++)
    b[i] *= 3.0f;
  mm_limiter_process_f32 (used, b, frames);
  CHECK (mm_limiter_reset (used) == MM_OK);
  double now, max;
  mm_limiter_get_reduction (used, &now, &max);
  CHECK (now == 0.0);
  memcpy (b, x, frames * ch * sizeof (float));
  run_f32 (used, b, ch, frames, 77);
  CHECK (memcmp (a, b, frames * ch * sizeof (float)) == 0);

  /* f64 through a third instance, odd chunks. */
  mm_limiter *l64 = mm_limiter_new (rate, ch, 4.0);
  mm_limiter_set_release (l64, 50.0);
  for (size_t i = 0; i < frames * ch; i++)
    d[i] = x[i];
  size_t done = 0;
  for (size_t n = 1; done < frames; n = n * 3 % 2001 + 1) {
    size_t k = n < frames - done ? n : frames - done;
    mm_limiter_process_f64 (l64, d + done * ch, k);
    done += k;
  }
  double err = 0.0;
  for (size_t i = 0; i < frames * ch; i++)
    err = fmax (err, fabs (d[i] - a[i]));
  CHECK_NEAR (err, 0.0, 1e-6);
  free (x);
  free (a);
  free (b);
  free (d);
  mm_limiter_free (&fresh);
  mm_limiter_free (&used);
  mm_limiter_free (&l64);
}

/* get_reduction: max holds the deepest since the last call, then clears
 * to the current value. */
static void
test_reduction_report (void)
{
  const unsigned rate = 48000;
  mm_limiter *l = mm_limiter_new (rate, 1, 5.0);
  mm_limiter_set_release (l, 10.0);
  feed_loud (l, rate, 50.0);    /* 3.5 peak, ceiling -1: ~11.8 dB */
  double now, max;
  CHECK (mm_limiter_get_reduction (l, &now, NULL) == MM_OK);
  CHECK_RANGE (now, 11.0, 12.5);
  recovery_frames (l, rate, rate / 2);
  CHECK (mm_limiter_get_reduction (l, &now, &max) == MM_OK);
  CHECK (now == 0.0);
  CHECK_RANGE (max, 0.0, 0.1);  /* the read in recovery_frames cleared it */
  mm_limiter_free (&l);
}

/* ------------------------------------------------------------------ */
/* Pre-gain */

/* A pre-gain ramp from `from_db` to `to_db` over `ramp` frames starting
 * at `start`, in dB (as mm_smoother's ramps in the linear domain would be
 * just as smooth). */
static float *
pregain_ramp (size_t frames, size_t start, size_t ramp, double from_db,
    double to_db)
{
  float *p = malloc (frames * sizeof (float));
  for (size_t i = 0; i < frames; i++) {
    double u = i < start ? 0.0 : i >= start + ramp ? 1.0 :
        (double) (i - start) / (double) ramp;
    p[i] = (float) mm_db_to_linear (from_db + (to_db - from_db) * u);
  }
  return p;
}

/* Loud material (pink noise at -10 dBFS RMS with peaks near full scale,
 * tones and a square wave at -6 dBFS, the worst inter-sample pattern)
 * pushed by a pre-gain ramp of 0 -> +20 dB over 100 ms: the output true
 * peak stays <= ceiling + 0.05 dB, read by our meter and by libebur128,
 * at 44.1, 48 and 96 kHz, 1 and 2 channels, 1 and 5 ms lookahead. */
static void
test_pregain_ramp_ceiling (void)
{
  static const unsigned prates[] = { 44100, 48000, 96000 };
  static const char *const names[] = { "pink -10 dBFS", "sine 997 Hz -6 dB",
    "sine 0.45 fs -6 dB", "square 997 Hz -6 dB", "ISP pattern 0 dBFS"
  };
  double worst_ours = -HUGE_VAL, worst_ebu = -HUGE_VAL;
  char where_ours[96] = "", where_ebu[96] = "";
  for (size_t r = 0; r < 3; r++)
    for (unsigned ch = 1; ch <= 2; ch++)
      for (double la = 1.0; la <= 5.0; la += 4.0)
        for (int k = 0; k < 5; k++) {
          const unsigned rate = prates[r];
          mm_limiter *l = mm_limiter_new (rate, ch, la);
          unsigned lat = mm_limiter_get_latency (l);
          size_t len = rate * 6 / 10, frames = len + lat;
          float *x = calloc (frames * ch, sizeof (float));
          if (k == 0) {
            pink (x, ch, len, 1.0, 31 + ch);
          } else if (k == 4) {
            make_signal (x, SIG_ISP, rate, ch, len, 5);
          } else {
            for (size_t i = 0; i < len; i++)
              for (unsigned c = 0; c < ch; c++) {
                double ph = TWO_PI * (k == 2 ? 0.45 : 997.0 / rate) * i + c;
                double v = k == 3 ? (sin (ph) >= 0.0 ? 1.0 : -1.0) : sin (ph);
                x[i * ch + c] = (float) (0.5 * v);
              }
          }
          float *p = pregain_ramp (frames, rate / 5, rate / 10, 0.0, 20.0);
          size_t done = 0;
          uint64_t seed = 40 + k;
          while (done < frames) {
            size_t n = 1 + (size_t) (tc_random (&seed) * 1200.0);
            n = n < frames - done ? n : frames - done;
            CHECK (mm_limiter_process_gain_f32 (l, x + done * ch, p + done,
                    n) == MM_OK);
            done += n;
          }
          double a = tp_ours (x, ch, rate, frames) + 1.0;
          double b = tp_ebur128 (x, ch, rate, frames) + 1.0;
          char where[96];
          snprintf (where, sizeof where, "%s, %u Hz %u ch %g ms", names[k],
              rate, ch, la);
          if (!CHECK (a <= TP_TOL_DB))
            printf ("  (%s: ours %+.3f dB over)\n", where, a);
#ifdef HAVE_LIBEBUR128
          if (!CHECK (b <= TP_TOL_DB))
            printf ("  (%s: libebur128 %+.3f dB over)\n", where, b);
#endif
          if (a > worst_ours) {
            worst_ours = a;
            memcpy (where_ours, where, sizeof where);
          }
          if (b > worst_ebu) {
            worst_ebu = b;
            memcpy (where_ebu, where, sizeof where);
          }
          free (p);
          free (x);
          mm_limiter_free (&l);
        }
  printf ("  pre-gain 0 -> +20 dB over 100 ms: output true peak re ceiling "
      "ours %+.3f dB (%s)", worst_ours, where_ours);
#ifdef HAVE_LIBEBUR128
  printf (", libebur128 %+.3f dB (%s)", worst_ebu, where_ebu);
#endif
  printf ("\n");
}

/* The pre-gain is exact arithmetic on the path: NULL is a pre-gain of 1;
 * a constant 2 is the input doubled (every detector value doubles
 * exactly); under the ceiling the output is p x delayed, p travelling
 * with its frame, bit for bit; any split gives the same output; f32 and
 * f64 agree. */
static void
test_pregain_exact (void)
{
  const unsigned rate = 48000, ch = 2;
  const size_t frames = rate;
  float *x = malloc (frames * ch * sizeof (float));
  float *a = malloc (frames * ch * sizeof (float));
  float *b = malloc (frames * ch * sizeof (float));
  double *d = malloc (frames * ch * sizeof (double));
  float *ones = malloc (frames * sizeof (float));
  float *twos = malloc (frames * sizeof (float));
  for (size_t i = 0; i < frames; i++) {
    ones[i] = 1.0f;
    twos[i] = 2.0f;
  }
  pink (x, ch, frames, 1.5, 61);      /* limited hard at times */

  mm_limiter *l = mm_limiter_new (rate, ch, 5.0);
  memcpy (a, x, frames * ch * sizeof (float));
  mm_limiter_process_f32 (l, a, frames);
  mm_limiter_reset (l);
  memcpy (b, x, frames * ch * sizeof (float));
  mm_limiter_process_gain_f32 (l, b, ones, frames);
  CHECK (memcmp (a, b, frames * ch * sizeof (float)) == 0);

  mm_limiter_reset (l);
  for (size_t i = 0; i < frames * ch; i++)
    a[i] = 2.0f * x[i];
  mm_limiter_process_f32 (l, a, frames);
  mm_limiter_reset (l);
  memcpy (b, x, frames * ch * sizeof (float));
  mm_limiter_process_gain_f32 (l, b, twos, frames);
  CHECK (memcmp (a, b, frames * ch * sizeof (float)) == 0);

  /* A ramp, one call against odd pieces, and f64. */
  float *p = pregain_ramp (frames, rate / 4, rate / 10, -6.0, 14.0);
  mm_limiter_reset (l);
  memcpy (a, x, frames * ch * sizeof (float));
  mm_limiter_process_gain_f32 (l, a, p, frames);
  double now, max;
  mm_limiter_get_reduction (l, &now, &max);
  CHECK (max > 6.0);
  mm_limiter_reset (l);
  memcpy (b, x, frames * ch * sizeof (float));
  for (size_t i = 0; i < frames * ch; i++)
    d[i] = x[i];
  size_t done = 0;
  for (size_t n = 1; done < frames; n = n * 7 % 1999 + 1) {
    size_t k = n < frames - done ? n : frames - done;
    mm_limiter_process_gain_f32 (l, b + done * ch, p + done, k);
    done += k;
  }
  CHECK (memcmp (a, b, frames * ch * sizeof (float)) == 0);
  mm_limiter_reset (l);
  mm_limiter_process_gain_f64 (l, d, p, frames);
  double err = 0.0;
  for (size_t i = 0; i < frames * ch; i++)
    err = fmax (err, fabs (d[i] - a[i]));
  CHECK_NEAR (err, 0.0, 1e-6);

  /* Under the ceiling: y[n] = p[n - lat] x[n - lat] exactly, also where
   * the pre-gain is 0 and where it is negative (polarity), and a
   * non-finite pre-gain is 0. */
  unsigned lat = mm_limiter_get_latency (l);
  pink (x, ch, frames, 0.05, 62);
  for (size_t i = 0; i < frames; i++)
    p[i] = i < frames / 4 ? 0.0f : i < frames / 2 ? 1.5f : -1.25f;
  p[frames / 3] = NAN;
  p[frames / 3 + 1] = INFINITY;
  mm_limiter_reset (l);
  memcpy (a, x, frames * ch * sizeof (float));
  mm_limiter_process_gain_f32 (l, a, p, frames);
  int exact = 1;
  for (size_t i = lat; i < frames; i++)
    for (unsigned c = 0; c < ch; c++) {
      double pg = isfinite (p[i - lat]) ? p[i - lat] : 0.0;
      exact &= a[i * ch + c] == (float) (x[(i - lat) * ch + c] * pg);
    }
  CHECK (exact);
  mm_limiter_get_reduction (l, &now, &max);
  CHECK (max == 0.0);

  free (p);
  free (x);
  free (a);
  free (b);
  free (d);
  free (ones);
  free (twos);
  mm_limiter_free (&l);
}

/* ------------------------------------------------------------------ */
/* Readouts: peaks and loss */

/* The limiter's peaks against our meter (mm_loudness, true peak, the same
 * oversampler) on its input and on its output: the input peak within
 * 0.01 dB, the output peak (detector envelope times the gains) within
 * 0.02 dB; on noise and tones under the ceiling, hard-limited signals,
 * and a pre-gain ramp; 44.1 and 48 kHz, 1 and 5 ms.  The loss against
 * the sums of squares of what went in (times the pre-gain) and what came
 * out (6e-7 dB: the float output's rounding); exactly 0 while nothing is
 * limited. */
static void
test_peaks_and_loss (void)
{
  static const unsigned prates[] = { 44100, 48000 };
  enum
  { NOISE, TONE, TONE_HF, LIM_PINK, LIM_SINE, LIM_SQUARE, LIM_IMPULSES,
    RAMP_PINK, RAMP_TONE, CASES
  };
  static const char *const names[CASES] = { "pink -20 dBFS", "sine 997 Hz",
    "sine 0.45 fs", "pink +20 dB", "sine 0.45 fs +12 dB", "square 0 dBFS",
    "impulses +12 dB", "pink, pre-gain +20 dB", "sine, pre-gain +20 dB"
  };
  const unsigned ch = 2;
  double worst_in = 0.0, worst_out = 0.0, worst_loss = 0.0;
  char where_out[96] = "";
  for (size_t r = 0; r < 2; r++)
    for (double la = 1.0; la <= 5.0; la += 4.0)
      for (int k = 0; k < CASES; k++) {
        const unsigned rate = prates[r];
        mm_limiter *l = mm_limiter_new (rate, ch, la);
        unsigned lat = mm_limiter_get_latency (l);
        /* Silence after the signal until all of it, and the ringing of
         * its end, has come out and been read by both (the limiter reads
         * the output's envelope from the input's, the oversampler's delay
         * ahead of a meter on the output). */
        size_t len = rate / 2, frames = len + lat + 64;
        float *x = calloc (frames * ch, sizeof (float));
        float *p = NULL;
        switch (k) {
          case NOISE:
            pink (x, ch, len, 0.3, 71);
            break;
          case TONE:
          case TONE_HF:
          case RAMP_TONE:
            for (size_t i = 0; i < len; i++)
              for (unsigned c = 0; c < ch; c++)
                x[i * ch + c] = (float) (0.6 * sin (TWO_PI * (k == TONE_HF ?
                            0.45 : 997.0 / rate) * i + 0.7 * c));
            break;
          case LIM_PINK:
            make_signal (x, SIG_PINK, rate, ch, len, 72);
            break;
          case LIM_SINE:
            make_signal (x, SIG_SINE_045, rate, ch, len, 73);
            break;
          case LIM_SQUARE:
            make_signal (x, SIG_SQUARE, rate, ch, len, 74);
            break;
          case LIM_IMPULSES:
            make_signal (x, SIG_IMPULSES, rate, ch, len, 75);
            break;
          case RAMP_PINK:
            pink (x, ch, len, 1.0, 76);
            break;
          default:
            break;
        }
        if (k == RAMP_PINK || k == RAMP_TONE)
          p = pregain_ramp (frames, rate / 10, rate / 10, 0.0, 20.0);

        /* What the meter reads on the input; the energy of p x. */
        mm_loudness *m = mm_loudness_new (rate, ch, MM_LOUDNESS_TRUE_PEAK);
        mm_loudness_add_frames_f32 (m, x, frames);
        double e_in = 0.0, e_out = 0.0;
        for (size_t i = 0; i < len; i++)
          for (unsigned c = 0; c < ch; c++) {
            double v = x[i * ch + c] * (p ? (double) p[i] : 1.0);
            e_in += v * v;
          }
        run_f32 (l, x, ch, frames, 90 + k);
        if (p) {
          /* run_f32 has no pre-gain: run again with it */
          mm_limiter_reset (l);
          memset (x, 0, frames * ch * sizeof (float));
          if (k == RAMP_PINK)
            pink (x, ch, len, 1.0, 76);
          else
            for (size_t i = 0; i < len; i++)
              for (unsigned c = 0; c < ch; c++)
                x[i * ch + c] = (float) (0.6 * sin (TWO_PI * 997.0 / rate * i
                        + 0.7 * c));
          CHECK (mm_limiter_process_gain_f32 (l, x, p, frames) == MM_OK);
        }
        for (size_t i = 0; i < frames * ch; i++)
          e_out += (double) x[i] * x[i];
        mm_loudness *mo = mm_loudness_new (rate, ch, MM_LOUDNESS_TRUE_PEAK);
        mm_loudness_add_frames_f32 (mo, x, frames);

        char where[96];
        snprintf (where, sizeof where, "%s, %u Hz %g ms", names[k], rate, la);
        for (unsigned c = 0; c < ch; c++) {
          double ref_in, ref_out, in, out;
          mm_loudness_true_peak (m, c, &ref_in);
          mm_loudness_true_peak (mo, c, &ref_out);
          CHECK (mm_limiter_get_input_peak (l, c, &in) == MM_OK);
          CHECK (mm_limiter_get_output_peak (l, c, &out) == MM_OK);
          double di = mm_linear_to_db (in) - mm_linear_to_db (ref_in);
          double dout = mm_linear_to_db (out) - mm_linear_to_db (ref_out);
          if (!CHECK_NEAR (di, 0.0, 0.01))
            printf ("  (%s ch %u: input peak %+.4f dB off the meter)\n",
                where, c, di);
          if (!CHECK_NEAR (dout, 0.0, 0.02))
            printf ("  (%s ch %u: output peak %+.4f dB off the meter)\n",
                where, c, dout);
          worst_in = fmax (worst_in, fabs (di));
          if (fabs (dout) > fabs (worst_out)) {
            worst_out = dout;
            memcpy (where_out, where, sizeof where);
          }
        }

        /* Loss: the frames that have come out are all the input's. */
        double loss, reduction_max;
        CHECK (mm_limiter_get_loss (l, &loss) == MM_OK);
        mm_limiter_get_reduction (l, NULL, &reduction_max);
        double expect = 10.0 * log10 (e_in / e_out);
        if (reduction_max == 0.0) {
          CHECK (loss == 0.0);
        } else {
          CHECK (loss > 0.0);
          /* the test sums the float output: up to 2^-24 relative per
           * sample, all alike on a square wave: 5.2e-7 dB */
          if (!CHECK_NEAR (loss, expect, 6e-7))
            printf ("  (%s: loss %.9f dB, expected %.9f)\n", where, loss,
                expect);
        }
        worst_loss = fmax (worst_loss, fabs (loss - expect));

        mm_loudness_free (&m);
        mm_loudness_free (&mo);
        free (p);
        free (x);
        mm_limiter_free (&l);
      }
  printf ("  peaks against our meter: input within %.2g dB, output within "
      "%.2g dB (worst %+.2g, %s); loss within %.2g dB of the sums\n",
      worst_in, fabs (worst_out), worst_out, where_out, worst_loss);

  /* Before any audio, and after reset. */
  mm_limiter *l = mm_limiter_new (48000, 1, 5.0);
  double v = -1.0;
  CHECK (mm_limiter_get_loss (l, &v) == MM_OK && v == 0.0);
  CHECK (mm_limiter_get_input_peak (l, 0, &v) == MM_OK && v == 0.0);
  CHECK (mm_limiter_get_output_peak (l, 0, &v) == MM_OK && v == 0.0);
  feed_loud (l, 48000, 100.0);
  CHECK (mm_limiter_get_loss (l, &v) == MM_OK && v > 5.0);
  CHECK (mm_limiter_get_input_peak (l, 0, &v) == MM_OK && v > 3.4);
  mm_limiter_reset (l);
  CHECK (mm_limiter_get_loss (l, &v) == MM_OK && v == 0.0);
  CHECK (mm_limiter_get_input_peak (l, 0, &v) == MM_OK && v == 0.0);
  mm_limiter_free (&l);
}

int
main (void)
{
  test_api ();
  test_latency_impulse_exact ();
  test_below_ceiling_bit_exact ();
  test_true_peak_hard_cases ();
  test_gain_continuity_tone ();
  test_linked_channels ();
  test_release_adaptive ();
  test_ceiling_glide ();
  test_nonfinite_input ();
  test_reset_and_split ();
  test_reduction_report ();
  test_pregain_ramp_ceiling ();
  test_pregain_exact ();
  test_peaks_and_loss ();
  return tc_finish ("limiter");
}
