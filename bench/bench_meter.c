/* bench-meter: the mixmaster loudness meter against libebur128.
 *
 * One programme-like signal (default 5 minutes, stereo, 48 kHz, float32
 * interleaved) is generated once in memory and measured by
 *   - mm_loudness (MM_LOUDNESS_TRUE_PEAK),
 *   - libebur128, M|S|I|LRA|TRUE_PEAK, exact (non-histogram) mode,
 *   - libebur128, the same plus EBUR128_MODE_HISTOGRAM,
 * each fed the same 100 ms chunks and asked for momentary and short-term
 * loudness after every chunk (as a live meter is), then for integrated,
 * loudness range and true peak at the end.  Every timed run includes
 * creating and freeing the meter.  The runs are interleaved (ours, exact,
 * histogram, ours, ...) and the best of each is reported.
 *
 * Usage: bench-meter [--seconds N] [--rate R] [--channels C] [--runs K]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <ebur128.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loudness.h"
#include "mmrng.h"

/* ------------------------------------------------------------------ */
/* The signal: segments of music-like mix, speech-like modulated noise,
 * pink noise and tones at varied levels, with a few pauses. */

enum
{ SEG_MIX, SEG_SPEECH, SEG_PINK, SEG_TONE, SEG_PAUSE, SEG_KINDS };

#define POLES 5
#define VOICES 4
#define CH_MAX MM_CHANNELS_MAX

typedef struct
{
  rng noise;
  double pink[POLES], hp_x, hp_y, lp1, lp2;
  double oc[VOICES], os[VOICES];
} chan_state;

static double pink_a[POLES], pink_g[POLES], pink_norm = 1.0;
static double sp_hp_a, sp_lp_a, speech_norm = 1.0;

static double
pink (chan_state * c)
{
  double w = 2.0 * rng_unit (&c->noise) - 1.0, y = 0.03 * w;
  for (int k = 0; k < POLES; k++) {
    c->pink[k] += pink_a[k] * (w - c->pink[k]);
    y += pink_g[k] * c->pink[k];
  }
  return y * pink_norm;
}

static double
breath (chan_state * c)
{
  double x = 2.0 * rng_unit (&c->noise) - 1.0;
  double hp = (1.0 - sp_hp_a) * (c->hp_y + x - c->hp_x);
  c->hp_x = x;
  c->hp_y = hp;
  c->lp1 += sp_lp_a * (hp - c->lp1);
  c->lp2 += sp_lp_a * (c->lp1 - c->lp2);
  return c->lp2 * speech_norm;
}

static void
generate (float *out, size_t frames, unsigned rate, unsigned channels)
{
  rng plan = { 0x6d69786dull };       /* "mixm" */
  chan_state ch[CH_MAX];
  double rc[VOICES] = { 0 }, rs[VOICES] = { 0 }, amp[VOICES] = { 0 };

  memset (ch, 0, sizeof (ch));
  for (int k = 0; k < POLES; k++) {
    double fc = 40.0 * pow (4.0, k);
    pink_a[k] = 1.0 - exp (-2.0 * MM_PI * fc / rate);
    pink_g[k] = sqrt (40.0 / fc);
  }
  sp_hp_a = 1.0 - exp (-2.0 * MM_PI * 250.0 / rate);
  sp_lp_a = 1.0 - exp (-2.0 * MM_PI * 3000.0 / rate);
  {                             /* unit RMS noise sources */
    chan_state t;
    double a = 0.0, b = 0.0;
    memset (&t, 0, sizeof (t));
    t.noise.s = 99;
    for (unsigned i = 0; i < 3 * rate; i++) {
      double x = pink (&t), y = breath (&t);
      a += x * x;
      b += y * y;
    }
    pink_norm = 1.0 / sqrt (a / (3.0 * rate));
    speech_norm = 1.0 / sqrt (b / (3.0 * rate));
  }
  for (unsigned c = 0; c < channels; c++)
    ch[c].noise.s = 1000 + c;

  size_t i = 0;
  while (i < frames) {
    int kind = (int) (rng_next (&plan) % SEG_KINDS);
    size_t len = (size_t) (rng_range (&plan, 2.0, 12.0) * rate);
    double level = pow (10.0, rng_range (&plan, -34.0, -16.0) / 20.0);
    unsigned voices = 0;
    if (kind == SEG_PAUSE)
      len /= 4;
    if (kind == SEG_MIX || kind == SEG_TONE) {
      double root = rng_range (&plan, 45.0, 90.0);
      static const double ratio[VOICES] = { 1.0, 4.0, 5.04, 5.99 };
      voices = kind == SEG_TONE ? 1 : VOICES;
      for (unsigned v = 0; v < voices; v++) {
        double f = kind == SEG_TONE ? rng_range (&plan, 200.0, 9000.0)
            : root * ratio[v];
        rc[v] = cos (2.0 * MM_PI * f / rate);
        rs[v] = sin (2.0 * MM_PI * f / rate);
        amp[v] = kind == SEG_TONE ? 1.0 : (v ? 0.2 : 0.5);
        for (unsigned c = 0; c < channels; c++) {
          ch[c].oc[v] = cos (c * 1.3 + v);
          ch[c].os[v] = sin (c * 1.3 + v);
        }
      }
    }
    double syll = rng_range (&plan, 3.0, 5.5);  /* syllables per second */
    size_t fade = rate / 100;
    for (size_t k = 0; k < len && i < frames; k++, i++) {
      double env = level;
      if (k < fade)
        env *= (double) k / fade;
      else if (len - k < fade)
        env *= (double) (len - k) / fade;
      if (kind == SEG_SPEECH) {
        double s = sin (MM_PI * syll * (double) k / rate);
        env *= 1.8 * s * s * s * s;
      }
      for (unsigned c = 0; c < channels; c++) {
        chan_state *cs = &ch[c];
        double v = 0.0;
        for (unsigned n = 0; n < voices; n++) {
          double nc = cs->oc[n] * rc[n] - cs->os[n] * rs[n];
          double ns = cs->oc[n] * rs[n] + cs->os[n] * rc[n];
          cs->oc[n] = nc;
          cs->os[n] = ns;
          v += amp[n] * ns;
        }
        if (kind == SEG_MIX)
          v += 0.35 * pink (cs);
        else if (kind == SEG_PINK)
          v = pink (cs);
        else if (kind == SEG_SPEECH)
          v = breath (cs);
        out[i * channels + c] = (float) (v * env * (c & 1 ? 0.85 : 1.0));
      }
    }
  }
}

/* ------------------------------------------------------------------ */

typedef struct
{
  double seconds;               /* best wall time */
  double i, lra, tp_db;
  double sink;                  /* keeps the live reads alive */
} result;

static double
now_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* libebur128's default channel map, as weights for our meter. */
static double
default_weight (unsigned c)
{
  static const double w[] = { 1.0, 1.0, 1.0, 0.0, 1.41, 1.41 };
  return c < 6 ? w[c] : 0.0;
}

static int
run_ours (const float *sig, size_t frames, unsigned rate, unsigned channels,
    size_t chunk, result * r)
{
  double t0 = now_seconds (), sink = 0.0, peak = 0.0, v;
  mm_loudness *m = mm_loudness_new (rate, channels, MM_LOUDNESS_TRUE_PEAK);
  if (!m)
    return 0;
  for (unsigned c = 0; c < channels; c++)
    mm_loudness_set_channel_weight (m, c, default_weight (c));
  for (size_t off = 0; off < frames; off += chunk) {
    size_t n = frames - off < chunk ? frames - off : chunk;
    mm_loudness_add_frames_f32 (m, sig + off * channels, n);
    mm_loudness_momentary (m, &v);
    sink += v;
    mm_loudness_shortterm (m, &v);
    sink += v;
  }
  mm_loudness_integrated (m, &r->i);
  mm_loudness_range (m, &r->lra);
  for (unsigned c = 0; c < channels; c++) {
    mm_loudness_true_peak (m, c, &v);
    if (v > peak)
      peak = v;
  }
  mm_loudness_free (&m);
  double t = now_seconds () - t0;
  r->tp_db = mm_linear_to_db (peak);
  r->sink = sink;
  if (r->seconds == 0.0 || t < r->seconds)
    r->seconds = t;
  return 1;
}

static int
run_ebur128 (const float *sig, size_t frames, unsigned rate, unsigned channels,
    size_t chunk, int histogram, result * r)
{
  double t0 = now_seconds (), sink = 0.0, peak = 0.0, v;
  int mode = EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I
      | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK;
  if (histogram)
    mode |= EBUR128_MODE_HISTOGRAM;
  ebur128_state *st = ebur128_init (channels, rate, mode);
  if (!st)
    return 0;
  for (size_t off = 0; off < frames; off += chunk) {
    size_t n = frames - off < chunk ? frames - off : chunk;
    ebur128_add_frames_float (st, sig + off * channels, n);
    ebur128_loudness_momentary (st, &v);
    sink += v;
    ebur128_loudness_shortterm (st, &v);
    sink += v;
  }
  ebur128_loudness_global (st, &r->i);
  ebur128_loudness_range (st, &r->lra);
  for (unsigned c = 0; c < channels; c++) {
    ebur128_true_peak (st, c, &v);
    if (v > peak)
      peak = v;
  }
  ebur128_destroy (&st);
  double t = now_seconds () - t0;
  r->tp_db = mm_linear_to_db (peak);
  r->sink = sink;
  if (r->seconds == 0.0 || t < r->seconds)
    r->seconds = t;
  return 1;
}

static void
usage (const char *prog)
{
  fprintf (stderr, "usage: %s [--seconds N] [--rate R] [--channels C]"
      " [--runs K]\n  defaults: 300 s, 48000 Hz, 2 channels, 3 runs\n", prog);
}

static void
print_row (const char *name, const result * r, double audio_seconds)
{
  printf ("%-24s %9.4f %12.1fx %10.3f %9.3f %10.3f\n", name, r->seconds,
      audio_seconds / r->seconds, r->i, r->lra, r->tp_db);
}

int
main (int argc, char **argv)
{
  double seconds = 300.0;
  long rate = 48000, channels = 2, runs = 3;

  for (int a = 1; a < argc; a++) {
    const char *v = a + 1 < argc ? argv[a + 1] : NULL;
    if (!strcmp (argv[a], "--help") || !strcmp (argv[a], "-h")) {
      usage (argv[0]);
      return 0;
    } else if (v && !strcmp (argv[a], "--seconds")) {
      seconds = strtod (v, NULL);
    } else if (v && !strcmp (argv[a], "--rate")) {
      rate = strtol (v, NULL, 10);
    } else if (v && !strcmp (argv[a], "--channels")) {
      channels = strtol (v, NULL, 10);
    } else if (v && !strcmp (argv[a], "--runs")) {
      runs = strtol (v, NULL, 10);
    } else {
      usage (argv[0]);
      return 2;
    }
    a++;
  }
  if (!(seconds >= 1.0 && seconds <= 36000.0) || rate < (long) MM_RATE_MIN
      || rate > (long) MM_RATE_MAX || channels < 1
      || channels > (long) MM_CHANNELS_MAX || runs < 1 || runs > 100) {
    fprintf (stderr, "bench-meter: argument out of range (seconds 1..36000,"
        " rate %u..%u, channels 1..%u, runs 1..100)\n", MM_RATE_MIN,
        MM_RATE_MAX, MM_CHANNELS_MAX);
    return 2;
  }

  size_t frames = (size_t) (seconds * rate);
  size_t chunk = (size_t) rate / 10;
  float *sig = malloc (frames * (size_t) channels * sizeof (float));
  if (!sig) {
    fprintf (stderr, "bench-meter: no memory for %zu frames\n", frames);
    return 1;
  }
  double tg = now_seconds ();
  generate (sig, frames, (unsigned) rate, (unsigned) channels);
  tg = now_seconds () - tg;

  int major, minor, patch;
  ebur128_get_version (&major, &minor, &patch);
  printf ("bench-meter: %.0f s, %ld ch, %ld Hz, float32 interleaved"
      " (generated in %.2f s)\n", seconds, channels, rate, tg);
  printf ("  %zu-frame (100 ms) chunks, momentary + short-term read after"
      " every chunk; I, LRA, TP at the end\n", chunk);
  printf ("  libebur128 %d.%d.%d; best of %ld interleaved runs each\n\n",
      major, minor, patch, runs);

  result ours = { 0 }, ref = { 0 }, hist = { 0 };
  for (long k = 0; k < runs; k++) {
    if (!run_ours (sig, frames, (unsigned) rate, (unsigned) channels, chunk,
            &ours)
        || !run_ebur128 (sig, frames, (unsigned) rate, (unsigned) channels,
            chunk, 0, &ref)
        || !run_ebur128 (sig, frames, (unsigned) rate, (unsigned) channels,
            chunk, 1, &hist)) {
      fprintf (stderr, "bench-meter: meter creation failed\n");
      free (sig);
      return 1;
    }
  }

  printf ("%-24s %9s %13s %10s %9s %10s\n", "meter", "time (s)", "realtime",
      "I (LUFS)", "LRA (LU)", "TP (dBTP)");
  print_row ("mixmaster", &ours, seconds);
  print_row ("libebur128", &ref, seconds);
  print_row ("libebur128 (histogram)", &hist, seconds);
  printf ("\ndeltas mixmaster - libebur128:             dI %+.4f LU,"
      " dLRA %+.4f LU, dTP %+.4f dB\n", ours.i - ref.i, ours.lra - ref.lra,
      ours.tp_db - ref.tp_db);
  printf ("deltas mixmaster - libebur128 (histogram): dI %+.4f LU,"
      " dLRA %+.4f LU, dTP %+.4f dB\n", ours.i - hist.i, ours.lra - hist.lra,
      ours.tp_db - hist.tp_db);
  printf ("\nspeed ratio (libebur128 / mixmaster): %.2fx\n",
      ref.seconds / ours.seconds);
  printf ("speed ratio (libebur128 histogram / mixmaster): %.2fx\n",
      hist.seconds / ours.seconds);

  /* print the sinks where nobody looks, so the reads are not elided */
  if (ours.sink == 1.0 && ref.sink == 1.0 && hist.sink == 1.0)
    fprintf (stderr, "\n");
  free (sig);
  return 0;
}
