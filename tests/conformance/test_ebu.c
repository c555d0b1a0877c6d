/* EBU Tech 3341 (V4, 2023) and Tech 3342 (2023) conformance of the
 * loudness meter, every signal synthesised in code
 * (/work/shared/CONFORMANCE.md sections 1-3).
 *
 * Tolerances are the standards' own and are never loosened:
 *   M, S, I  +-0.1 LU;  LRA  +-1 LU;  true peak  +0.2 / -0.4 dB.
 *
 * Not run (they need the EBU's authentic programme files, which cannot be
 * synthesised): Tech 3341 cases 7 and 8, Tech 3342 cases 5 and 6.
 *
 * The loudness cases (3341 1-6, 9-14, 3342 1-4, calibration) do not
 * depend on the sample rate and run at 48, 44.1, 96 kHz and the prime rate
 * 69313 Hz.  The true-peak cases (15-23) are defined relative to fs and
 * run at 48 and 44.1 kHz (4x oversampling at both).  Input is float32;
 * the cases marked f64 run again with float64 input at 48 kHz.
 *
 * Output: one line per measured value, e.g.
 *   3341-1   48000 f32 I=-23.003 expect -23.0+-0.1 ok
 * then the worst deviation per group.  Exit status 1 if any value is out
 * of tolerance.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loudness.h"
#include "synth.h"

#define SIL SYNTH_SILENCE
#define NFAM 20                 /* signals of the family cases 10,11,13,14 */
#define MAXSEGS 8

typedef enum
{
  K_MSI,                        /* M, S and I at the end */
  K_I,                          /* I at the end */
  K_S_CONST,                    /* S at every 10 ms reading after 3 s */
  K_M_CONST,                    /* M at every 10 ms reading after 1 s */
  K_FILE_MAX_S,                 /* max S of NFAM separate signals */
  K_FILE_MAX_M,
  K_LIVE_MAX_S,                 /* max S per segment of one stream */
  K_LIVE_MAX_M,
  K_LRA,                        /* loudness range, also repeated twice */
  K_TP,                         /* true peak of a faded sine at fs/div */
  K_TP_ISP                      /* true peak of the 4fs-synthesised burst */
} kind;

typedef enum
{
  RATES_LOUDNESS,
  RATES_TP
} rate_set;

/* Signal i (0..NFAM-1) of cases 10, 11, 13, 14: i*pre_step s silence,
 * tone s at level0 + i*level_step dBFS, post0 + i*post_step s silence. */
typedef struct
{
  double pre_step, tone, level0, level_step, post0, post_step;
} family;

typedef struct
{
  const char *name, *group;
  kind kind;
  rate_set rates;
  int f64;                      /* also run with float64 input at 48 kHz */
  unsigned channels;            /* 0: stereo */
  unsigned freq;                /* Hz, 0: 1000 */
  const double *ch_db;          /* per-channel level offsets, NULL: 0 dB */
  const double *weights;        /* BS.1770 channel weights, NULL: 1.0 */
  synth_seg segs[MAXSEGS];      /* up to the first with dur == 0 */
  unsigned repeat;              /* 0: 1 */
  family fam;
  double tp_div, tp_amp, tp_phase_deg;  /* K_TP: f = fs / tp_div */
  unsigned tp_offset;           /* K_TP_ISP: decimation offset */
  double expect, lo, hi;        /* pass: expect + lo <= value <= expect + hi */
} tcase;

#define TOL_LU -0.1, 0.1
#define TOL_LRA -1.0, 1.0
#define TOL_TP -0.4, 0.2

static const tcase cases[] = {
  /* EBU Tech 3341 Table 1 */
  {.name = "3341-1", .group = "3341 1-6 M/S/I", .kind = K_MSI, .f64 = 1,
      .segs = {{20, -23}}, .expect = -23, TOL_LU},
  {.name = "3341-2", .group = "3341 1-6 M/S/I", .kind = K_MSI,
      .segs = {{20, -33}}, .expect = -33, TOL_LU},
  {.name = "3341-3", .group = "3341 1-6 M/S/I", .kind = K_I, .f64 = 1,
      .segs = {{10, -36}, {60, -23}, {10, -36}}, .expect = -23, TOL_LU},
  {.name = "3341-4", .group = "3341 1-6 M/S/I", .kind = K_I,
        .segs = {{10, -72}, {10, -36}, {60, -23}, {10, -36}, {10, -72}},
      .expect = -23, TOL_LU},
  {.name = "3341-5", .group = "3341 1-6 M/S/I", .kind = K_I,
      .segs = {{20, -26}, {20.1, -20}, {20, -26}}, .expect = -23, TOL_LU},
  /* 5.0: L, R, C, Ls, Rs; surrounds weighted 1.41 (BS.1770). */
  {.name = "3341-6", .group = "3341 1-6 M/S/I", .kind = K_I, .channels = 5,
        .ch_db = (const double[]) {-28, -28, -24, -30, -30},
        .weights = (const double[]) {1.0, 1.0, 1.0, 1.41, 1.41},
      .segs = {{20, 0}}, .expect = -23, TOL_LU},
  {.name = "3341-9", .group = "3341 9-14 M/S", .kind = K_S_CONST,
        .segs = {{1.34, -20}, {1.66, -30}}, .repeat = 5,
      .expect = -23, TOL_LU},
  {.name = "3341-10", .group = "3341 9-14 M/S", .kind = K_FILE_MAX_S,
      .fam = {0.15, 3.0, -23, 0, 1.0, 0}, .expect = -23, TOL_LU},
  {.name = "3341-11", .group = "3341 9-14 M/S", .kind = K_LIVE_MAX_S,
      .fam = {0.15, 3.0, -38, 1, 3.0, -0.15}, .expect = -38, TOL_LU},
  {.name = "3341-12", .group = "3341 9-14 M/S", .kind = K_M_CONST,
        .segs = {{0.18, -20}, {0.22, -30}}, .repeat = 25,
      .expect = -23, TOL_LU},
  {.name = "3341-13", .group = "3341 9-14 M/S", .kind = K_FILE_MAX_M,
      .fam = {0.02, 0.4, -23, 0, 1.0, 0}, .expect = -23, TOL_LU},
  {.name = "3341-14", .group = "3341 9-14 M/S", .kind = K_LIVE_MAX_M,
      .fam = {0.02, 0.4, -38, 1, 0.4, -0.02}, .expect = -38, TOL_LU},

  /* True peak: f = fs / div, amplitude in FFS, 10 ms fades. */
  {.name = "3341-15", .group = "3341 15-19 TP", .kind = K_TP, .rates = RATES_TP,
        .f64 = 1, .tp_div = 4, .tp_amp = 0.5, .tp_phase_deg = 0,
      .expect = -6.0, TOL_TP},
  {.name = "3341-16", .group = "3341 15-19 TP", .kind = K_TP, .rates = RATES_TP,
        .tp_div = 4, .tp_amp = 0.5, .tp_phase_deg = 45,
      .expect = -6.0, TOL_TP},
  {.name = "3341-17", .group = "3341 15-19 TP", .kind = K_TP, .rates = RATES_TP,
        .tp_div = 6, .tp_amp = 0.5, .tp_phase_deg = 60,
      .expect = -6.0, TOL_TP},
  {.name = "3341-18", .group = "3341 15-19 TP", .kind = K_TP, .rates = RATES_TP,
        .tp_div = 8, .tp_amp = 0.5, .tp_phase_deg = 67.5,
      .expect = -6.0, TOL_TP},
  {.name = "3341-19", .group = "3341 15-19 TP", .kind = K_TP, .rates = RATES_TP,
        .tp_div = 4, .tp_amp = 1.41, .tp_phase_deg = 45,
      .expect = 3.0, TOL_TP},
  {.name = "3341-20", .group = "3341 20-23 TP", .kind = K_TP_ISP,
      .rates = RATES_TP, .tp_offset = 0, .expect = 0.0, TOL_TP},
  {.name = "3341-21", .group = "3341 20-23 TP", .kind = K_TP_ISP,
      .rates = RATES_TP, .tp_offset = 1, .expect = 0.0, TOL_TP},
  {.name = "3341-22", .group = "3341 20-23 TP", .kind = K_TP_ISP,
      .rates = RATES_TP, .tp_offset = 2, .expect = 0.0, TOL_TP},
  {.name = "3341-23", .group = "3341 20-23 TP", .kind = K_TP_ISP,
      .rates = RATES_TP, .tp_offset = 3, .expect = 0.0, TOL_TP},

  /* EBU Tech 3342: stereo in-phase tones back to back. */
  {.name = "3342-1", .group = "3342 1-4 LRA", .kind = K_LRA,
      .segs = {{20, -20}, {20, -30}}, .expect = 10, TOL_LRA},
  {.name = "3342-2", .group = "3342 1-4 LRA", .kind = K_LRA,
      .segs = {{20, -20}, {20, -15}}, .expect = 5, TOL_LRA},
  {.name = "3342-3", .group = "3342 1-4 LRA", .kind = K_LRA,
      .segs = {{20, -40}, {20, -20}}, .expect = 20, TOL_LRA},
  {.name = "3342-4", .group = "3342 1-4 LRA", .kind = K_LRA,
        .segs = {{20, -50}, {20, -35}, {20, -20}, {20, -35}, {20, -50}},
      .expect = 15, TOL_LRA},

  /* Calibration (Tech 3341 / BS.1770).  A 0 dBFS 997 Hz sine in one
   * channel of a stereo meter: z = 1/2 * 10^(0.691/10) (K-weighting gains
   * +0.691 dB at 997 Hz), L = -0.691 + 10 log10 (z) = 10 log10 (1/2)
   * = -3.0103 LUFS: the standard's -3.01 is what its own formula gives. */
  {.name = "cal-1ch", .group = "calibration", .kind = K_MSI, .freq = 997,
        .ch_db = (const double[]) {0, SIL}, .segs = {{20, 0}},
      .expect = -3.0103, TOL_LU},
  {.name = "cal-18", .group = "calibration", .kind = K_MSI,
      .segs = {{20, -18}}, .expect = -18, TOL_LU},
};

#define NCASES (sizeof (cases) / sizeof (cases[0]))

static const unsigned loudness_rates[] = { 48000, 44100, 96000, 69313 };
static const unsigned tp_rates[] = { 48000, 44100 };

/* ---- results ---------------------------------------------------------- */

typedef struct
{
  const char *group;
  double worst;                 /* signed deviation of largest magnitude */
  int n, fails;
} group_stat;

static group_stat groups[16];
static int ngroups, total_fails, total_checks;

static void
check (const tcase * tc, unsigned rate, int f64, const char *what,
    double v, double expect, const char *detail)
{
  double dev = v - expect;
  int ok = dev >= tc->lo - 1e-12 && dev <= tc->hi + 1e-12;
  char tol[32];

  if (tc->lo == -tc->hi)
    snprintf (tol, sizeof (tol), "+-%.1f", tc->hi);
  else
    snprintf (tol, sizeof (tol), "+%.1f/%.1f", tc->hi, tc->lo);
  printf ("%-8s %6u %s %s=%.3f expect %.1f%s %s%s%s\n", tc->name, rate,
      f64 ? "f64" : "f32", what, v, expect, tol, ok ? "ok" : "FAIL",
      detail ? "  " : "", detail ? detail : "");

  group_stat *g = NULL;
  for (int i = 0; i < ngroups; i++)
    if (strcmp (groups[i].group, tc->group) == 0)
      g = &groups[i];
  if (!g) {
    g = &groups[ngroups++];
    g->group = tc->group;
    g->worst = 0.0;
  }
  if (!isfinite (dev) || fabs (dev) > fabs (g->worst))
    g->worst = isfinite (dev) ? dev : HUGE_VAL;
  g->n++;
  total_checks++;
  if (!ok) {
    g->fails++;
    total_fails++;
  }
}

static void
die (const char *msg)
{
  fprintf (stderr, "fatal: %s\n", msg);
  exit (2);
}

/* ---- feeding the meter -------------------------------------------------- */

#define STEP_FRAMES_MAX (384000 / 100 + 1)
static double dbuf[STEP_FRAMES_MAX * SYNTH_CHANNELS_MAX];
static float fbuf[STEP_FRAMES_MAX * SYNTH_CHANNELS_MAX];

static void
add_frames (mm_loudness * m, const double *in, size_t frames, int f64)
{
  unsigned ch = mm_loudness_get_channels (m);
  int err;
  if (f64) {
    err = mm_loudness_add_frames_f64 (m, in, frames);
  } else {
    size_t done = 0;
    err = MM_OK;
    while (done < frames && err == MM_OK) {
      size_t n = frames - done < STEP_FRAMES_MAX ? frames - done : STEP_FRAMES_MAX;
      for (size_t i = 0; i < n * ch; i++)
        fbuf[i] = (float) in[done * ch + i];
      err = mm_loudness_add_frames_f32 (m, fbuf, n);
      done += n;
    }
  }
  if (err != MM_OK)
    die ("add_frames failed");
}

/* Called after each completed 10 ms step k (1-based: k * 10 ms of input)
 * with the tag of the segment the step ended in. */
typedef void (*step_fn) (void *ctx, const mm_loudness * m, uint64_t k,
    int tag);

/* Feeds the whole signal in pieces that end exactly on the meter's 10 ms
 * grid (frame floor (k * rate / 100)), so a reading after each piece is the
 * reading "after each 10 ms of input".  The meter must be fresh or reset. */
static void
feed (mm_loudness * m, synth * s, int f64, step_fn fn, void *ctx)
{
  const uint64_t rate = s->rate;
  for (uint64_t k = 0;; k++) {
    size_t want = (size_t) ((k + 1) * rate / 100 - k * rate / 100);
    size_t got = synth_render (s, dbuf, want);
    if (got == 0)
      break;
    add_frames (m, dbuf, got, f64);
    if (got < want)
      break;
    if (fn)
      fn (ctx, m, k + 1, s->tag);
  }
}

static size_t
count_segs (const tcase * tc)
{
  size_t n = 0;
  while (n < MAXSEGS && tc->segs[n].dur > 0.0)
    n++;
  return n;
}

static mm_loudness *
new_meter (const tcase * tc, unsigned rate, unsigned flags)
{
  unsigned ch = tc->channels ? tc->channels : 2;
  mm_loudness *m = mm_loudness_new (rate, ch, flags);
  if (!m)
    die ("mm_loudness_new failed");
  if (tc->weights)
    for (unsigned c = 0; c < ch; c++)
      if (mm_loudness_set_channel_weight (m, c, tc->weights[c]) != MM_OK)
        die ("set_channel_weight failed");
  return m;
}

static void
start_synth (synth * s, const tcase * tc, unsigned rate,
    const synth_seg * segs, size_t nsegs, unsigned repeat)
{
  if (synth_init (s, rate, tc->channels ? tc->channels : 2,
          tc->freq ? tc->freq : 1000, segs, nsegs, repeat, tc->ch_db) != 0)
    die ("synth_init failed");
}

static double
read_value (const mm_loudness * m, int (*get) (const mm_loudness *, double *))
{
  double v;
  if (get (m, &v) != MM_OK)
    die ("meter read failed");
  return v;
}

/* ---- case kinds ------------------------------------------------------- */

static void
run_end_values (const tcase * tc, unsigned rate, int f64)
{
  mm_loudness *m = new_meter (tc, rate, 0);
  synth s;
  start_synth (&s, tc, rate, tc->segs, count_segs (tc),
      tc->repeat ? tc->repeat : 1);
  feed (m, &s, f64, NULL, NULL);
  if (tc->kind == K_MSI) {
    check (tc, rate, f64, "M", read_value (m, mm_loudness_momentary),
        tc->expect, NULL);
    check (tc, rate, f64, "S", read_value (m, mm_loudness_shortterm),
        tc->expect, NULL);
  }
  check (tc, rate, f64, "I", read_value (m, mm_loudness_integrated),
      tc->expect, NULL);
  synth_clear (&s);
  mm_loudness_free (&m);
}

typedef struct
{
  uint64_t from;                /* first step checked */
  int (*get) (const mm_loudness *, double *);
  double min, max;
  uint64_t n;
} const_ctx;

static void
const_step (void *p, const mm_loudness * m, uint64_t k, int tag)
{
  const_ctx *c = p;
  if (k < c->from)
    return;
  double v = read_value (m, c->get);
  if (v < c->min)
    c->min = v;
  if (v > c->max)
    c->max = v;
  c->n++;
}

/* Cases 9 and 12: the reading must be right at every 10 ms step after the
 * window first covers a whole period of the signal. */
static void
run_constant (const tcase * tc, unsigned rate, int f64)
{
  int is_s = tc->kind == K_S_CONST;
  const_ctx c = { is_s ? 300 : 100,
    is_s ? mm_loudness_shortterm : mm_loudness_momentary,
    HUGE_VAL, -HUGE_VAL, 0
  };
  mm_loudness *m = new_meter (tc, rate, 0);
  synth s;
  start_synth (&s, tc, rate, tc->segs, count_segs (tc), tc->repeat);
  feed (m, &s, f64, const_step, &c);

  char detail[96];
  snprintf (detail, sizeof (detail), "(%llu readings after %s: %.3f .. %.3f)",
      (unsigned long long) c.n, is_s ? "3 s" : "1 s", c.min, c.max);
  double worst = fabs (c.min - tc->expect) > fabs (c.max - tc->expect) ?
      c.min : c.max;
  if (c.n == 0)
    worst = -HUGE_VAL;
  check (tc, rate, f64, is_s ? "S" : "M", worst, tc->expect, detail);
  synth_clear (&s);
  mm_loudness_free (&m);
}

static size_t
family_segs (const family * f, int i, synth_seg * out)
{
  const synth_seg segs[3] = {
    {i * f->pre_step, SIL, i},
    {f->tone, f->level0 + i * f->level_step, i},
    {f->post0 + i * f->post_step, SIL, i},
  };
  memcpy (out, segs, sizeof (segs));
  return 3;
}

/* Cases 10 and 13: file meters, a fresh (reset) meter per signal. */
static void
run_file_max (const tcase * tc, unsigned rate, int f64)
{
  int is_s = tc->kind == K_FILE_MAX_S;
  mm_loudness *m = new_meter (tc, rate, 0);
  double worst = tc->expect, lo = HUGE_VAL, hi = -HUGE_VAL;
  int worst_i = 0;

  for (int i = 0; i < NFAM; i++) {
    synth_seg segs[3];
    synth s;
    size_t n = family_segs (&tc->fam, i, segs);
    double expect = tc->fam.level0 + i * tc->fam.level_step;
    mm_loudness_reset (m);
    start_synth (&s, tc, rate, segs, n, 1);
    feed (m, &s, f64, NULL, NULL);
    double v = read_value (m,
        is_s ? mm_loudness_shortterm_max : mm_loudness_momentary_max) - expect;
    if (v < lo)
      lo = v;
    if (v > hi)
      hi = v;
    if (!(fabs (v) <= fabs (worst - tc->expect))) {
      worst = tc->expect + v;
      worst_i = i;
    }
    synth_clear (&s);
  }
  char detail[96];
  snprintf (detail, sizeof (detail), "(worst of %d signals: i=%d; dev %+.3f .. %+.3f)",
      NFAM, worst_i, lo, hi);
  check (tc, rate, f64, is_s ? "maxS" : "maxM", worst, tc->expect, detail);
  mm_loudness_free (&m);
}

typedef struct
{
  int (*get) (const mm_loudness *, double *);
  double max[NFAM];
} live_ctx;

static void
live_step (void *p, const mm_loudness * m, uint64_t k, int tag)
{
  live_ctx *c = p;
  double v = read_value (m, c->get);
  if (tag >= 0 && tag < NFAM && v > c->max[tag])
    c->max[tag] = v;
}

/* Cases 11 and 14: live meters, one stream, read after each 10 ms; the
 * largest reading while segment i plays must be level0 + i. */
static void
run_live_max (const tcase * tc, unsigned rate, int f64)
{
  int is_s = tc->kind == K_LIVE_MAX_S;
  synth_seg segs[3 * NFAM];
  size_t n = 0;
  live_ctx c;
  c.get = is_s ? mm_loudness_shortterm : mm_loudness_momentary;
  for (int i = 0; i < NFAM; i++) {
    n += family_segs (&tc->fam, i, segs + n);
    c.max[i] = -HUGE_VAL;
  }
  mm_loudness *m = new_meter (tc, rate, 0);
  synth s;
  start_synth (&s, tc, rate, segs, n, 1);
  feed (m, &s, f64, live_step, &c);

  /* Report the segment furthest from its expected value, as a deviation
   * from that segment's level added to level0 (the check is per segment). */
  int wi = 0;
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (int i = 0; i < NFAM; i++) {
    double d = c.max[i] - (tc->fam.level0 + i * tc->fam.level_step);
    double dw = c.max[wi] - (tc->fam.level0 + wi * tc->fam.level_step);
    if (d < lo)
      lo = d;
    if (d > hi)
      hi = d;
    if (!(fabs (d) <= fabs (dw)))
      wi = i;
  }
  double wexp = tc->fam.level0 + wi * tc->fam.level_step;
  char detail[128], what[32];
  snprintf (detail, sizeof (detail),
      "(segment i=%d of %d, expect -38+i; dev %+.3f .. %+.3f)", wi, NFAM, lo, hi);
  snprintf (what, sizeof (what), "%s[%d]", is_s ? "maxS" : "maxM", wi);
  check (tc, rate, f64, what, c.max[wi], wexp, detail);
  synth_clear (&s);
  mm_loudness_free (&m);
}

/* Tech 3342: LRA of the signal; of the signal played twice on the same
 * (reset) meter, which must not change the result; and of the signal
 * followed by 1.5 s of silence, as a file measurement ends
 * (CONFORMANCE.md section 2). */
static void
run_lra (const tcase * tc, unsigned rate, int f64)
{
  mm_loudness *m = new_meter (tc, rate, 0);
  size_t n = count_segs (tc);
  synth_seg segs[MAXSEGS + 1];
  double lra[3];

  memcpy (segs, tc->segs, n * sizeof (synth_seg));
  segs[n].dur = 1.5;
  segs[n].db = SIL;
  segs[n].tag = 0;
  for (int v = 0; v < 3; v++) {
    synth s;
    mm_loudness_reset (m);
    start_synth (&s, tc, rate, segs, v == 2 ? n + 1 : n, v == 1 ? 2 : 1);
    feed (m, &s, f64, NULL, NULL);
    lra[v] = read_value (m, mm_loudness_range);
    synth_clear (&s);
  }
  check (tc, rate, f64, "LRA", lra[0], tc->expect, NULL);
  char detail[64];
  snprintf (detail, sizeof (detail), "(signal x2; change %+.3f LU)",
      lra[1] - lra[0]);
  check (tc, rate, f64, "LRAx2", lra[1], tc->expect, detail);
  check (tc, rate, f64, "LRAx2-LRA", lra[1] - lra[0], 0.0, NULL);
  snprintf (detail, sizeof (detail), "(+1.5 s silence; change %+.3f LU)",
      lra[2] - lra[0]);
  check (tc, rate, f64, "LRA+sil", lra[2], tc->expect, detail);
  mm_loudness_free (&m);
}

/* ---- true peak -------------------------------------------------------- */

/* Cases 15-19: A sin (2 pi n / div + phase) for 1 s with raised-cosine
 * fades of 10 ms at both ends, both channels. */
static double *
tp_sine (const tcase * tc, unsigned rate, size_t *frames)
{
  size_t n = rate, fade = rate / 100;
  double *x = malloc (n * 2 * sizeof (double));
  if (!x)
    die ("no memory");
  double ph = tc->tp_phase_deg * MM_PI / 180.0;
  for (size_t i = 0; i < n; i++) {
    double g = 1.0;
    if (i < fade)
      g = 0.5 - 0.5 * cos (MM_PI * (double) i / (double) fade);
    else if (n - 1 - i < fade)
      g = 0.5 - 0.5 * cos (MM_PI * (double) (n - 1 - i) / (double) fade);
    double v = tc->tp_amp * g * sin (2.0 * MM_PI * (double) i / tc->tp_div + ph);
    x[2 * i] = x[2 * i + 1] = v;
  }
  *frames = n;
  return x;
}

/* Bessel I0 (series), for the Kaiser window. */
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

/* Cases 20-23, built at 4 fs as CONFORMANCE.md describes (the EBU's own
 * low-pass is unpublished): 200 periods of fs/6 (24 samples at 4 fs) at
 * 0.5 FFS, one period of fs/4 (16 samples) at 1.0 FFS, 200 periods of fs/6,
 * all starting at phase 0 so the waveform is continuous; zero padding;
 * low-pass with a 513-tap Kaiser (beta 10) windowed sinc, cutoff 0.47 fs,
 * unity DC gain.  The sequence does not depend on fs. */
#define ISP_TAPS 513
#define ISP_PAD 1024
static double *isp4;            /* the filtered 4 fs signal */
static size_t isp4_len;

static void
build_isp (void)
{
  const size_t body = 200 * 24 + 16 + 200 * 24;
  size_t n = body + 2 * ISP_PAD;
  double *x = calloc (n, sizeof (double));
  double h[ISP_TAPS], hs = 0.0;
  isp4 = calloc (n, sizeof (double));
  if (!x || !isp4)
    die ("no memory");
  size_t i = ISP_PAD;
  for (size_t k = 0; k < 200 * 24; k++)
    x[i++] = 0.5 * sin (2.0 * MM_PI * (double) k / 24.0);
  for (size_t k = 0; k < 16; k++)
    x[i++] = 1.0 * sin (2.0 * MM_PI * (double) k / 16.0);
  for (size_t k = 0; k < 200 * 24; k++)
    x[i++] = 0.5 * sin (2.0 * MM_PI * (double) k / 24.0);

  const double fc = 0.47 / 4.0, beta = 10.0;   /* cycles per 4 fs sample */
  const int c = ISP_TAPS / 2;
  for (int k = 0; k < ISP_TAPS; k++) {
    double t = k - c, r = t / c;
    double sinc = t == 0 ? 2.0 * fc : sin (2.0 * MM_PI * fc * t) / (MM_PI * t);
    h[k] = sinc * bessel_i0 (beta * sqrt (1.0 - r * r)) / bessel_i0 (beta);
    hs += h[k];
  }
  for (size_t j = 0; j < n; j++) {
    double acc = 0.0;
    for (int k = 0; k < ISP_TAPS; k++) {
      long src = (long) j + c - k;
      if (src >= 0 && (size_t) src < n)
        acc += h[k] * x[src];
    }
    isp4[j] = acc / hs;
  }
  isp4_len = n;
  free (x);
}

static double *
tp_isp (const tcase * tc, size_t *frames)
{
  if (!isp4)
    build_isp ();
  size_t n = (isp4_len - tc->tp_offset) / 4;
  double *x = malloc (n * 2 * sizeof (double));
  if (!x)
    die ("no memory");
  for (size_t i = 0; i < n; i++)
    x[2 * i] = x[2 * i + 1] = isp4[tc->tp_offset + 4 * i];
  *frames = n;
  return x;
}

static void
run_tp (const tcase * tc, unsigned rate, int f64)
{
  size_t n;
  double *x = tc->kind == K_TP ? tp_sine (tc, rate, &n) : tp_isp (tc, &n);
  mm_loudness *m = new_meter (tc, rate, MM_LOUDNESS_TRUE_PEAK);
  add_frames (m, x, n, f64);
  double tp = 0.0, sp = 0.0;
  for (unsigned c = 0; c < 2; c++) {
    double v;
    if (mm_loudness_true_peak (m, c, &v) != MM_OK)
      die ("true_peak failed");
    tp = v > tp ? v : tp;
    if (mm_loudness_sample_peak (m, c, &v) != MM_OK)
      die ("sample_peak failed");
    sp = v > sp ? v : sp;
  }
  char detail[128];
  int len = snprintf (detail, sizeof (detail),
      "(%ux oversampling; sample peak %.3f dBFS", mm_loudness_get_true_peak_factor (m),
      mm_linear_to_db (sp));
  if (tc->kind == K_TP_ISP) {
    /* The 4 fs signal it was decimated from: its peak is (within the
     * small under-read of 4x sampling) the band-limited true peak. */
    double p4 = 0.0;
    for (size_t i = 0; i < isp4_len; i++)
      p4 = fabs (isp4[i]) > p4 ? fabs (isp4[i]) : p4;
    snprintf (detail + len, sizeof (detail) - (size_t) len,
        "; 4fs source peak %.3f dBFS)", mm_linear_to_db (p4));
  } else {
    snprintf (detail + len, sizeof (detail) - (size_t) len,
        "; true %.3f dBTP)", mm_linear_to_db (tc->tp_amp));
  }
  check (tc, rate, f64, "TP", mm_linear_to_db (tp), tc->expect, detail);
  free (x);
  mm_loudness_free (&m);
}

/* ---- driver ----------------------------------------------------------- */

static void
run_case (const tcase * tc, unsigned rate, int f64)
{
  switch (tc->kind) {
    case K_MSI:
    case K_I:
      run_end_values (tc, rate, f64);
      break;
    case K_S_CONST:
    case K_M_CONST:
      run_constant (tc, rate, f64);
      break;
    case K_FILE_MAX_S:
    case K_FILE_MAX_M:
      run_file_max (tc, rate, f64);
      break;
    case K_LIVE_MAX_S:
    case K_LIVE_MAX_M:
      run_live_max (tc, rate, f64);
      break;
    case K_LRA:
      run_lra (tc, rate, f64);
      break;
    case K_TP:
    case K_TP_ISP:
      run_tp (tc, rate, f64);
      break;
  }
}

int
main (int argc, char **argv)
{
  /* Optional argument: run only the cases whose name starts with it. */
  const char *only = argc > 1 ? argv[1] : NULL;

  for (size_t i = 0; i < NCASES; i++) {
    const tcase *tc = &cases[i];
    if (only && strncmp (tc->name, only, strlen (only)) != 0)
      continue;
    const unsigned *rates = tc->rates == RATES_TP ? tp_rates : loudness_rates;
    size_t nrates = tc->rates == RATES_TP ?
        sizeof (tp_rates) / sizeof (tp_rates[0]) :
        sizeof (loudness_rates) / sizeof (loudness_rates[0]);
    for (size_t r = 0; r < nrates; r++)
      run_case (tc, rates[r], 0);
    if (tc->f64)
      run_case (tc, 48000, 1);
    fflush (stdout);
  }

  printf ("\nworst deviation per group (measured - expected):\n");
  for (int i = 0; i < ngroups; i++)
    printf ("  %-16s %+.3f  (%d values, %d failed)\n", groups[i].group,
        groups[i].worst, groups[i].n, groups[i].fails);
  printf ("%d of %d values out of tolerance\n", total_fails, total_checks);
  free (isp4);
  return total_fails ? 1 : 0;
}
