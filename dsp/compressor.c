/* compressor: feed-forward compressor (see compressor.h).
 *
 * Signal flow, per frame n and channel c (x the input, non-finite samples
 * replaced by 0 first, so they come out as silence):
 *
 *   detector   peak: l_c = |x_c|;
 *              RMS:  m_c = a_A m_c + (1 - a_A) x_c^2, l_c = sqrt (m_c): a
 *              one-pole mean square whose time constant is the attack
 *              time (a_A = exp (-1 / (attack fs))), so the RMS window
 *              follows the attack setting.
 *   link       L_c = link max_k l_k + (1 - link) l_c (linear amplitude).
 *   curve      target reduction r_c = -G (20 log10 L_c) with the soft-knee
 *              gain computer G (T threshold, R ratio, W knee, d = x - T):
 *                2d <= -W:        0
 *                2d >=  W:        (1/R - 1) d
 *                otherwise:       (1/R - 1) (d + W/2)^2 / (2W)
 *   ballistics the reduction in dB is smoothed by a branching one-pole
 *              (Giannoulis, Massberg & Reiss, JAES 2012, "smooth branching
 *              peak detector" on the gain reduction):
 *                y_c = a y_c + (1 - a) r_c,  a = a_A when r_c > y_c
 *                                            (attack), else a_R (release),
 *              a = exp (-1 / (t fs)): a step in level reaches 63 % of its
 *              final reduction after the attack time, and a release falls
 *              to 37 % after the release time.  With the peak detector a
 *              steady tone settles a little under its static reduction
 *              (|x| dips between the peaks; the attack/release ratio sets
 *              how far: 1 kHz at -10 dBFS, T -20, R 4, attack 0.1 ms,
 *              release 1 s: 0.01 dB).
 *   output     x_c 10^((M - y_c) / 20), M the make-up in dB.
 *
 * Make-up M = makeup_db + (auto_makeup ? -G(0 dBFS) / 2 : 0): the automatic
 * part is half the reduction the curve gives a full-scale (0 dBFS) signal
 * (T -20, R 4: 7.5 dB).  NOTE: compressor.h describes the automatic make-up
 * as the reduction at threshold + half the knee; that is (1 - 1/R) W / 2,
 * zero for a hard knee, so half the 0 dBFS reduction is used instead.
 *
 * Threshold, ratio, knee, make-up and the auto make-up switch glide over
 * PARAM_RAMP_MS (mm_smoother, linear, sample-accurate); the curve is
 * evaluated per sample with the gliding values.  Attack, release, link
 * and detector take effect at once: they act through the ballistics, so
 * they cannot step the gain.
 *
 * State: m_c (RMS mean square), y_c (reduction in dB, >= 0), the four
 * parameter smoothers, and the reduction meters.  m_c is flushed to 0
 * under 1e-30 per sample; y_c per sample on the general path, at the end
 * of each block on the linked one (a reduction under 1e-30 dB is exactly
 * no gain change either way: 10^(-y/20) rounds to 1, so the samples are
 * the same for any split of the stream into calls; no denormals).
 *
 * Several compressors (the bands of a multiband compressor) can run side
 * by side (mm_compressor_process_multi_*): their blocks are taken as
 * process_* takes them, the ballistics of the linked ones in one loop
 * (three recurrences overlap), and process_multi_sum_* adds the outputs
 * in the pass that applies the gains.
 */
#include "compressor.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smooth.h"
#include "vector.h"

#define BLOCK 256
/* The block passes run over the block's frames rounded up to LANES (a
 * multiple of GROUP below), in groups of LANES: every slot through the
 * same vector code (no scalar tail), whatever n. */
#define LANES 16
#define PARAM_RAMP_MS 50.0
#define FLUSH_EPS 1e-30
#define DB_TO_NEPER 0.11512925464970228 /* ln 10 / 20 */

struct mm_compressor
{
  unsigned rate, channels;
  mm_compressor_params p;       /* the parameters taken */
  double coef_attack, coef_release;

  mm_smoother *threshold, *ratio, *knee, *makeup, *auto_on;

  /* State (see above). */
  double ms[MM_CHANNELS_MAX];
  double gr[MM_CHANNELS_MAX];
  double gr_now, gr_max;
  /* The linked path's quiet-block test: knee start (dB) and its level. */
  double quiet_ks, quiet_lin;

  /* Scratch: the smoothed parameters of one block. */
  float thr_b[BLOCK], ratio_b[BLOCK], knee_b[BLOCK], makeup_b[BLOCK],
      auto_b[BLOCK];

  /* The linked path's block (see block_params): steady parameters (no
   * smoother gliding) as constants and their make-up; the quiet test and
   * whether the block passes unchanged; per frame the levels (then the
   * gain factors), the make-ups (not steady) and the reductions. */
  int steady, quiet, unity;
  size_t nr;                    /* the block's frames rounded up to LANES */
  float st_thr, st_ratio, st_knee;
  double st_mk;
  double lev[BLOCK], mk[BLOCK], yv[BLOCK];
};

void
mm_compressor_params_default (mm_compressor_params * p)
{
  if (!p)
    return;
  p->threshold_db = -18.0;
  p->ratio = 2.0;
  p->knee_db = 6.0;
  p->attack_ms = 10.0;
  p->release_ms = 150.0;
  p->makeup_db = 0.0;
  p->auto_makeup = 0;
  p->link = 1.0;
  p->detector = MM_COMPRESSOR_PEAK;
}

static int
in_range (double v, double lo, double hi)
{
  return v >= lo && v <= hi;    /* false for NaN */
}

static int
params_valid (const mm_compressor_params * p)
{
  return in_range (p->threshold_db, -60.0, 0.0)
      && in_range (p->ratio, 1.0, 20.0)
      && in_range (p->knee_db, 0.0, 24.0)
      && in_range (p->attack_ms, 0.1, 500.0)
      && in_range (p->release_ms, 5.0, 5000.0)
      && in_range (p->makeup_db, -24.0, 24.0)
      && in_range (p->link, 0.0, 1.0)
      && (p->detector == MM_COMPRESSOR_PEAK || p->detector == MM_COMPRESSOR_RMS);
}

static double
time_coef (double ms, unsigned rate)
{
  return exp (-1000.0 / (ms * rate));
}

/* The gain computer: gain change in dB (<= 0) for level x dB. */
static inline double
curve (double x, double t, double slope, double w)
{
  double d = x - t;
  if (2.0 * d <= -w)
    return 0.0;
  if (2.0 * d >= w)
    return slope * d;
  double k = d + 0.5 * w;
  return slope * k * k / (2.0 * w);
}

/* Fast natural log and exp for the per-sample gain path (libm's log10 and
 * exp were most of the compressor's time).  Both are accurate to about
 * 1e-12 relative, far below anything audible or measurable in dB.
 *
 * fast_ln: x > 0, finite and normal (the caller only passes levels above
 * the knee start, >= -72 dBFS).  x = 2^e m, m in [sqrt(1/2), sqrt(2));
 * ln m = 2 atanh (s), s = (m - 1) / (m + 1), |s| <= 0.1716, the series
 * to s^13 (truncation < 1e-12). */
static inline double
fast_ln (double x)
{
  uint64_t bits, mbits;
  memcpy (&bits, &x, sizeof bits);
  /* exponent such that the mantissa lands in [sqrt(1/2), sqrt(2)) */
  int64_t e = (int64_t) (bits - UINT64_C (0x3fe6a09e667f3bcd)) >> 52;
  mbits = bits - ((uint64_t) e << 52);
  double m;
  memcpy (&m, &mbits, sizeof m);
  double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double p = 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  p = p * s2 + 1.0;
  return (double) e * 0.69314718055994530942 + 2.0 * s * p;
}

/* fast_exp: e^x = 2^k e^r, k = round (x / ln 2), |r| <= ln 2 / 2, Taylor
 * to r^11 (truncation < 1e-14).  Outside |x| <= 700 (and for NaN) libm
 * decides. */
static inline double
fast_exp (double x)
{
  if (!(x >= -700.0 && x <= 700.0))
    return exp (x);
  const double shifter = 0x1.8p52;
  double kd = x * 1.44269504088896340736 + shifter;
  kd -= shifter;                /* round to nearest */
  double r = x - kd * 0.69314718055994528623;   /* ln 2, hi */
  r -= kd * 2.3190468138462996e-17;     /* ln 2, lo */
  double p = 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  int64_t k = (int64_t) kd;
  /* 2^k in two halves, so k down to -1010 stays exact */
  int64_t k1 = k / 2, k2 = k - k1;
  uint64_t b1 = (uint64_t) (k1 + 1023) << 52, b2 = (uint64_t) (k2 + 1023) << 52;
  double f1, f2;
  memcpy (&f1, &b1, sizeof f1);
  memcpy (&f2, &b2, sizeof f2);
  return p * f1 * f2;
}

/* Level in dB (20 log10) of a linear level > 0. */
static inline double
level_db (double level)
{
  if (!(level < 1e300))         /* inf: as libm has it */
    return 20.0 * log10 (level);
  return (20.0 / 2.30258509299404568402) * fast_ln (level);
}

/* Automatic make-up: half the reduction at 0 dBFS. */
static inline double
auto_makeup_db (double t, double slope, double w)
{
  return -0.5 * curve (0.0, t, slope, w);
}

mm_compressor *
mm_compressor_new (unsigned rate, unsigned channels)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > MM_CHANNELS_MAX)
    return NULL;
  mm_compressor *c = calloc (1, sizeof (*c));
  if (!c)
    return NULL;
  c->rate = rate;
  c->channels = channels;
  c->quiet_ks = NAN;
  mm_compressor_params_default (&c->p);
  c->coef_attack = time_coef (c->p.attack_ms, rate);
  c->coef_release = time_coef (c->p.release_ms, rate);
  c->threshold = mm_smoother_new (rate, PARAM_RAMP_MS, c->p.threshold_db);
  if (!c->threshold)
    goto fail;
  c->ratio = mm_smoother_new (rate, PARAM_RAMP_MS, c->p.ratio);
  if (!c->ratio)
    goto fail;
  c->knee = mm_smoother_new (rate, PARAM_RAMP_MS, c->p.knee_db);
  if (!c->knee)
    goto fail;
  c->makeup = mm_smoother_new (rate, PARAM_RAMP_MS, c->p.makeup_db);
  if (!c->makeup)
    goto fail;
  c->auto_on = mm_smoother_new (rate, PARAM_RAMP_MS, c->p.auto_makeup ? 1 : 0);
  if (!c->auto_on)
    goto fail;
  return c;

fail:
  mm_compressor_free (&c);
  return NULL;
}

void
mm_compressor_free (mm_compressor ** pc)
{
  if (!pc || !*pc)
    return;
  mm_compressor *c = *pc;
  mm_smoother_free (&c->threshold);
  mm_smoother_free (&c->ratio);
  mm_smoother_free (&c->knee);
  mm_smoother_free (&c->makeup);
  mm_smoother_free (&c->auto_on);
  free (c);
  *pc = NULL;
}

int
mm_compressor_reset (mm_compressor * c)
{
  if (!c)
    return MM_ERR_INVALID;
  for (unsigned ch = 0; ch < MM_CHANNELS_MAX; ch++)
    c->ms[ch] = c->gr[ch] = 0.0;
  c->gr_now = c->gr_max = 0.0;
  /* Glides end at their targets. */
  mm_smoother_set_value (c->threshold, c->p.threshold_db);
  mm_smoother_set_value (c->ratio, c->p.ratio);
  mm_smoother_set_value (c->knee, c->p.knee_db);
  mm_smoother_set_value (c->makeup, c->p.makeup_db);
  mm_smoother_set_value (c->auto_on, c->p.auto_makeup ? 1.0 : 0.0);
  return MM_OK;
}

int
mm_compressor_set_params (mm_compressor * c, const mm_compressor_params * p)
{
  if (!c || !p || !params_valid (p))
    return MM_ERR_INVALID;
  c->p = *p;
  c->p.auto_makeup = p->auto_makeup ? 1 : 0;
  c->coef_attack = time_coef (p->attack_ms, c->rate);
  c->coef_release = time_coef (p->release_ms, c->rate);
  mm_smoother_set_target (c->threshold, p->threshold_db);
  mm_smoother_set_target (c->ratio, p->ratio);
  mm_smoother_set_target (c->knee, p->knee_db);
  mm_smoother_set_target (c->makeup, p->makeup_db);
  mm_smoother_set_target (c->auto_on, c->p.auto_makeup ? 1.0 : 0.0);
  return MM_OK;
}

double
mm_compressor_static_gain (const mm_compressor * c, double level_db)
{
  if (!c)
    return 0.0;
  const mm_compressor_params *p = &c->p;
  double slope = 1.0 / p->ratio - 1.0;
  double g = curve (level_db, p->threshold_db, slope, p->knee_db) + p->makeup_db;
  if (p->auto_makeup)
    g += auto_makeup_db (p->threshold_db, slope, p->knee_db);
  return g;
}

int
mm_compressor_get_reduction (mm_compressor * c, double *now_db, double *max_db)
{
  if (!c)
    return MM_ERR_INVALID;
  if (now_db)
    *now_db = c->gr_now;
  if (max_db)
    *max_db = c->gr_max;
  c->gr_max = c->gr_now;
  return MM_OK;
}

/* Branch-free kernels for the linked block passes.  Each runs over the
 * block's frames rounded up to LANES, in groups of LANES (the slots past
 * the frames hold harmless stale values): every frame goes through the
 * same vector code (no scalar tail), so the output does not depend on
 * how the stream is cut into calls.  MM_VECTOR_CLONES: an AVX2/FMA copy as well. */
static inline double
bits_f64 (uint64_t u)
{
  double d;
  memcpy (&d, &u, sizeof d);
  return d;
}

static inline uint64_t
f64_bits (double d)
{
  uint64_t u;
  memcpy (&u, &d, sizeof u);
  return u;
}

/* c ? a : b on the bits: both arms are computed, so the compiler does
 * not sink one into a branch (which -ftrapping-math keeps it from
 * if-converting back, and then the loop is not vectorised). */
static inline double
select_nb (int c, double a, double b)
{
  uint64_t m = -(uint64_t) (c != 0);
  return bits_f64 ((f64_bits (a) & m) | (f64_bits (b) & ~m));
}

/* 20 log10 (x) for a normal x > 0, about 1e-12 relative (fast_ln's
 * series), without integer/float conversions or arithmetic shifts that
 * AVX2 lacks: the biased exponent eb of x / sqrt (1/2) comes out of a
 * logical shift, and as a double by the 2^52 trick. */
static inline double
db_nb (double x)
{
  const uint64_t one = UINT64_C (1023) << 52;
  uint64_t bits = f64_bits (x);
  uint64_t eb = (bits - UINT64_C (0x3fe6a09e667f3bcd) + one) >> 52;
  double m = bits_f64 (bits - (eb << 52) + one);       /* [sqrt(1/2), sqrt(2)) */
  double e = bits_f64 (UINT64_C (0x4330000000000000) | eb) - (0x1p52 + 1023.0);
  double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double p = 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  p = p * s2 + 1.0;
  /* 20 log10 (2) e + (20 / ln 10) 2 atanh (s) */
  return e * 6.020599913279624 + (17.37177927613007 * s) * p;
}

/* e^x = 2^k e^r: returns r (|r| <= ln 2 / 2) and sets *scale = 2^k, put
 * straight into the exponent bits (the low bits of ks hold k, two's
 * complement).  Shared by exp_nb and exp7_nb, which differ in the series. */
static inline double
exp_reduce (double x, double *scale)
{
  const double shifter = 0x1.8p52;
  double ks = x * 1.44269504088896340736 + shifter;
  double kd = ks - shifter;
  double r = x - kd * 0.69314718055994528623;
  r -= kd * 2.3190468138462996e-17;
  *scale = bits_f64 ((f64_bits (ks) + 1023) << 52);
  return r;
}

/* The end of e^r's Taylor series in Horner form, from the 1/6! term down:
 * both exp series below finish with it (exp_nb starts at 1/11!, exp7_nb
 * at 1/7!). */
static inline double
exp_series_tail (double p, double r)
{
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  return p * r + 1.0;
}

/* e^x for x clamped to [-700, 700] (NaN not allowed): fast_exp's
 * reduction and series, 2^k put straight into the exponent bits. */
static inline double
exp_nb (double x)
{
  x = select_nb (x < -700.0, -700.0, x);
  x = select_nb (x > 700.0, 700.0, x);
  double scale, r = exp_reduce (x, &scale);
  double p = 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  return exp_series_tail (p, r) * scale;
}

/* 1 / (2 w) of the knee (1 for a hard knee, where it is not used). */
static inline double
knee_inv (double w)
{
  return 1.0 / (2.0 * w + (w == 0.0));
}

/* The curve without branches: as curve () for w >= 0, iw = knee_inv (w)
 * (a multiply per sample, the division once where w is steady). */
static inline double
curve_nb (double x, double t, double slope, double w, double iw)
{
  double d = x - t;
  double k = d + 0.5 * w;
  double knee = slope * k * k * iw;
  double r = select_nb (2.0 * d >= w, slope * d, knee);
  return select_nb (2.0 * d <= -w, 0.0, r);
}

/* The make-up of every slot: manual + the gliding share of the automatic
 * one. */
MM_VECTOR_CLONES static void
makeup_pass (const float *restrict thr, const float *restrict ratio,
    const float *restrict knee, const float *restrict makeup,
    const float *restrict auto_on, double *restrict mk, size_t nr)
{
  for (size_t o = 0; o < nr; o += LANES)
    for (size_t i = o; i < o + LANES; i++) {
      const double t = thr[i], w = knee[i];
      const double slope = 1.0 / ratio[i] - 1.0;
      mk[i] = makeup[i] + auto_on[i] * (-0.5 * curve_nb (0.0, t, slope, w,
              knee_inv (w)));
    }
}

/* Target reductions r (>= 0) of the levels lev (>= 0; those under 1e-30,
 * -600 dB, taken as 1e-30: under any knee). */
MM_VECTOR_CLONES static void
reduction_pass (const double *restrict lev, const float *restrict thr,
    const float *restrict ratio, const float *restrict knee,
    double *restrict r, size_t nr)
{
  for (size_t o = 0; o < nr; o += LANES)
    for (size_t i = o; i < o + LANES; i++) {
      const double x = select_nb (lev[i] > 1e-30, lev[i], 1e-30);
      const double slope = 1.0 / ratio[i] - 1.0;
      r[i] = -curve_nb (db_nb (x), thr[i], slope, knee[i],
          knee_inv (knee[i]));
    }
}

/* The same with steady parameters (each slot's value the one given):
 * the same values as reduction_pass on constant arrays.  Groups of GROUP
 * levels all at or under `quiet` (1e-6 dB under the knee start, where the
 * curve is 0 exactly) skip the log: r = 0, the value the curve gives. */
#define GROUP 8
MM_VECTOR_CLONES static void
reduction_pass_steady (const double *restrict lev, float thr, float ratio,
    float knee, double quiet, double *restrict r, size_t nr)
{
  const double t = thr, w = knee, slope = 1.0 / ratio - 1.0;
  const double iw = knee_inv (w);
  for (size_t o = 0; o < nr; o += GROUP) {
    int loud = 0;               /* (an integer count: a vector reduction) */
    for (size_t i = o; i < o + GROUP; i++)
      loud += lev[i] > quiet;
    if (!loud) {
      for (size_t i = o; i < o + GROUP; i++)
        r[i] = 0.0;
      continue;
    }
    for (size_t i = o; i < o + GROUP; i++) {
      const double x = select_nb (lev[i] > 1e-30, lev[i], 1e-30);
      r[i] = -curve_nb (db_nb (x), t, slope, w, iw);
    }
  }
}

/* e^x as exp_nb to the series' 7th power (relative error under 5e-9,
 * far under a float's rounding): the factors of float output.  No clamp:
 * here |x| < 700 always (the linked path takes levels under 1e300, so a
 * reduction stays under 6000 dB, and the make-up within +-100 dB). */
static inline double
exp7_nb (double x)
{
  double scale, r = exp_reduce (x, &scale);
  double p = 1.0 / 5040.0;
  return exp_series_tail (p, r) * scale;
}

/* Gain factors 10^((mk - y) / 20); exactly 1 where the gain is 0 dB
 * (exp_nb (0) and exp7_nb (0): k = 0, r = 0, the series' constant term
 * 1), so that the samples then pass bit-exactly.  One make-up for every
 * slot (steady), or each slot's own; lite: the factors of float output
 * (exp7_nb), for every block alike. */
#define DEFINE_FACTOR_STEADY(name, EXP)                                         \
MM_VECTOR_CLONES static void                                                    \
name (double mk, const double *restrict yv, double *restrict fac, size_t nr)    \
{                                                                               \
  for (size_t o = 0; o < nr; o += LANES)                                        \
    for (size_t i = o; i < o + LANES; i++)                                      \
      fac[i] = EXP ((mk - yv[i]) * DB_TO_NEPER);                                \
}

DEFINE_FACTOR_STEADY (factor_pass_steady, exp_nb)
DEFINE_FACTOR_STEADY (factor_pass_steady_lite, exp7_nb)

#define DEFINE_FACTOR(name, EXP)                                                \
MM_VECTOR_CLONES static void                                                    \
name (const double *restrict mk, const double *restrict yv,                     \
    double *restrict fac, size_t nr)                                            \
{                                                                               \
  for (size_t o = 0; o < nr; o += LANES)                                        \
    for (size_t i = o; i < o + LANES; i++)                                      \
      fac[i] = EXP ((mk[i] - yv[i]) * DB_TO_NEPER);                             \
}

DEFINE_FACTOR (factor_pass, exp_nb)
DEFINE_FACTOR (factor_pass_lite, exp7_nb)

/* The block's parameters (see struct mm_compressor): constants while no
 * smoother glides (the values mm_smoother_fill would repeat), else the
 * filled slots and their make-ups.  Then the quiet test: no reduction to
 * release and every level 1e-6 dB or more under a steady knee start
 * (ramps are monotonic: equal ends, a constant). */
static void
block_params (mm_compressor * c, size_t n, double bmax)
{
  c->nr = (n + LANES - 1) / LANES * LANES;
  c->steady = !mm_smoother_is_ramping (c->threshold)
      && !mm_smoother_is_ramping (c->ratio)
      && !mm_smoother_is_ramping (c->knee)
      && !mm_smoother_is_ramping (c->makeup)
      && !mm_smoother_is_ramping (c->auto_on);
  float t0, tn, w0, wn;
  if (c->steady) {
    const float t = (float) mm_smoother_get_value (c->threshold);
    const float r = (float) mm_smoother_get_value (c->ratio);
    const float w = (float) mm_smoother_get_value (c->knee);
    const float m = (float) mm_smoother_get_value (c->makeup);
    const float a = (float) mm_smoother_get_value (c->auto_on);
    const double slope = 1.0 / r - 1.0;
    c->st_thr = t;
    c->st_ratio = r;
    c->st_knee = w;
    c->st_mk = m + a * (-0.5 * curve_nb (0.0, t, slope, w, knee_inv (w)));
    t0 = tn = t;
    w0 = wn = w;
  } else {
    mm_smoother_fill (c->threshold, c->thr_b, n);
    mm_smoother_fill (c->ratio, c->ratio_b, n);
    mm_smoother_fill (c->knee, c->knee_b, n);
    mm_smoother_fill (c->makeup, c->makeup_b, n);
    mm_smoother_fill (c->auto_on, c->auto_b, n);
    makeup_pass (c->thr_b, c->ratio_b, c->knee_b, c->makeup_b, c->auto_b,
        c->mk, c->nr);
    t0 = c->thr_b[0];
    tn = c->thr_b[n - 1];
    w0 = c->knee_b[0];
    wn = c->knee_b[n - 1];
  }
  for (size_t i = n; i < c->nr; i++)
    c->lev[i] = 0.0;

  c->quiet = 0;
  if (t0 == tn && w0 == wn) {
    const double ks = (double) t0 - 0.5 * (double) w0;
    if (ks != c->quiet_ks) {
      c->quiet_ks = ks;
      c->quiet_lin = exp ((ks - 1e-6) * DB_TO_NEPER);
    }
    c->quiet = c->gr[0] == 0.0 && bmax <= c->quiet_lin;
  }
  c->unity = 0;
  if (c->quiet) {
    if (c->steady) {
      c->unity = c->st_mk == 0.0;
    } else {
      int unity = 1;
      for (size_t i = 0; i < n; i++)
        unity &= c->mk[i] == 0.0;
      c->unity = unity;
    }
  }
}

/* The target reductions of the block into yv (0 for a quiet block). */
static void
block_reductions (mm_compressor * c)
{
  if (c->quiet) {
    for (size_t i = 0; i < c->nr; i++)
      c->yv[i] = 0.0;
  } else if (c->steady) {
    reduction_pass_steady (c->lev, c->st_thr, c->st_ratio, c->st_knee,
        c->quiet_lin, c->yv, c->nr);
  } else {
    reduction_pass (c->lev, c->thr_b, c->ratio_b, c->knee_b, c->yv, c->nr);
  }
}

/* One ballistics step: y moves toward r with the attack coefficient when
 * r is above it, else the release one (y' = a y + (1 - a) r).  Without a
 * branch (the compiler turned the choice into one, mispredicted wherever
 * the level turns): both candidates are formed, and since
 * y_a - y_r = (a_A - a_R) (y - r), the attack one is the larger exactly
 * when r > y if the attack is the faster (a_A <= a_R), the smaller
 * otherwise -- one max or min, not a compare and a blend, after the one
 * multiply-add that takes y (the product with y is the one fused: one
 * operation on the recurrence). */
static inline double
ballistics_step (double y, double r, double aa, double ia, double ar,
    double ir, int attack_faster)
{
  double pa = ia * r, pr = ir * r;
#if defined(__GNUC__) && defined(__x86_64__)
  /* (opaque to the compiler, so it fuses the multiply by y, not these) */
  __asm__ ("" : "+x" (pa), "+x" (pr));
#endif
  const double ya = aa * y + pa;
  const double yr = ar * y + pr;
  if (attack_faster)
    return ya > yr ? ya : yr;
  return ya < yr ? ya : yr;
}

/* The ballistics over the target reductions in yv (n frames), in place:
 * yv becomes the smoothed reduction; the state and meters follow.  y is
 * flushed to 0 under FLUSH_EPS at the end of the block (a reduction that
 * small is exactly no gain change: 10^(-y/20) rounds to 1). */
MM_VECTOR_CLONES static void
block_ballistics (mm_compressor * c, size_t n)
{
  const double aa = c->coef_attack, ar = c->coef_release;
  const double ia = 1.0 - aa, ir = 1.0 - ar;
  const int fast = aa <= ar;
  double y = c->gr[0], gr_max = c->gr_max;
  if (!c->quiet) {
    double *yv = c->yv;
    for (size_t i = 0; i < n; i++) {
      const double r = yv[i];
      y = ballistics_step (y, r, aa, ia, ar, ir, fast);
      yv[i] = y;
      gr_max = y > gr_max ? y : gr_max;
    }
    y = y < FLUSH_EPS ? 0.0 : y;
  }
  for (unsigned ch = 0; ch < c->channels; ch++)
    c->gr[ch] = y;
  c->gr_now = y;
  c->gr_max = gr_max;
}

/* Several compressors' ballistics in one sample loop (their recurrences
 * overlap in the pipeline): for each, exactly block_ballistics.  K is a
 * constant at every call site. */
#define MULTI_MAX 4

static inline __attribute__ ((always_inline)) void
ballistics_k (mm_compressor * const *cs, const unsigned K, size_t n)
{
  double aa[MULTI_MAX], ar[MULTI_MAX], ia[MULTI_MAX], ir[MULTI_MAX];
  double y[MULTI_MAX], gm[MULTI_MAX];
  double *yv[MULTI_MAX];
  int fast[MULTI_MAX];
  for (unsigned b = 0; b < K; b++) {
    mm_compressor *c = cs[b];
    aa[b] = c->coef_attack;
    ar[b] = c->coef_release;
    fast[b] = aa[b] <= ar[b];
    ia[b] = 1.0 - aa[b];
    ir[b] = 1.0 - ar[b];
    y[b] = c->gr[0];
    gm[b] = c->gr_max;
    yv[b] = c->yv;
  }
  for (size_t i = 0; i < n; i++)
    for (unsigned b = 0; b < K; b++) {
      const double r = yv[b][i];
      y[b] = ballistics_step (y[b], r, aa[b], ia[b], ar[b], ir[b], fast[b]);
      yv[b][i] = y[b];
      gm[b] = y[b] > gm[b] ? y[b] : gm[b];
    }
  for (unsigned b = 0; b < K; b++) {
    mm_compressor *c = cs[b];
    const double yb = y[b] < FLUSH_EPS ? 0.0 : y[b];
    for (unsigned ch = 0; ch < c->channels; ch++)
      c->gr[ch] = yb;
    c->gr_now = yb;
    c->gr_max = gm[b];
  }
}

MM_VECTOR_CLONES static void
block_ballistics_multi (mm_compressor * const *cs, unsigned k, size_t n)
{
  switch (k) {
    case 1:
      block_ballistics (cs[0], n);
      break;
    case 2:
      ballistics_k (cs, 2, n);
      break;
    case 3:
      ballistics_k (cs, 3, n);
      break;
    default:
      ballistics_k (cs, 4, n);
      break;
  }
}

/* The gain factor of every frame into lev (1 exactly for g = 0); lite:
 * for float output (the shorter series, in every block alike, so any
 * split of the stream gives the same factors). */
static void
block_factors (mm_compressor * c, int lite)
{
  if (c->steady && lite)
    factor_pass_steady_lite (c->st_mk, c->yv, c->lev, c->nr);
  else if (c->steady)
    factor_pass_steady (c->st_mk, c->yv, c->lev, c->nr);
  else if (lite)
    factor_pass_lite (c->mk, c->yv, c->lev, c->nr);
  else
    factor_pass (c->mk, c->yv, c->lev, c->nr);
}

/* The peak detector's levels of n stereo float frames (non-finite
 * samples 0), widened to double (the values the double path gives), and
 * their largest: in float, the largest found on the bit patterns (for
 * non-negative floats their order), so that all of it vectorises. */
MM_VECTOR_CLONES static double
levels_stereo_f32 (const float *restrict buf, double *restrict lev, size_t n)
{
  uint32_t top = 0;
  for (size_t i = 0; i < n; i++) {
    float a = fabsf (buf[2 * i]), b = fabsf (buf[2 * i + 1]);
    a = a <= FLT_MAX ? a : 0.0f;
    b = b <= FLT_MAX ? b : 0.0f;
    const float m = a > b ? a : b;
    uint32_t u;
    memcpy (&u, &m, sizeof u);
    top = u > top ? u : top;
    lev[i] = m;
  }
  float t;
  memcpy (&t, &top, sizeof t);
  return t;
}

/* The linked path applies: link 1 (or one channel), every channel's
 * reduction the same. */
static int
linked_ready (const mm_compressor * c)
{
  if (!(c->p.link == 1.0 || c->channels == 1))
    return 0;
  for (unsigned ch = 1; ch < c->channels; ch++)
    if (c->gr[ch] != c->gr[0])
      return 0;
  return 1;
}

/* One block of n <= BLOCK frames, in place; T is float or double.
 *
 * Fast paths (same results up to the ~1e-12 of fast_ln / fast_exp):
 *   - a level at or under the knee start (T - W/2, compared in the linear
 *     domain against its cached 10^((T - W/2)/20)) has r = 0 exactly, no
 *     log;
 *   - linked channels (link 1, or one channel) share one level, hence one
 *     r; channels whose reduction ends up equal share one exp, and the
 *     gain factor is cached from frame to frame while g does not change
 *     (steady make-up, no reduction: no exp at all);
 *   - g = 0 passes the sample through bit-exactly, as before. */
#define DEFINE_COMPRESSOR_BLOCK(sfx, T)                                         \
static void                                                                     \
block_##sfx (mm_compressor * c, T * buf, size_t n)                              \
{                                                                               \
  const unsigned nch = c->channels;                                             \
  const int rms = c->p.detector == MM_COMPRESSOR_RMS;                           \
  const double link = c->p.link;                                                \
  const int linked = link == 1.0 || nch == 1;                                   \
  const double aa = c->coef_attack, ar = c->coef_release;                       \
  const double ia = 1.0 - aa;                                                   \
  double gr_max = c->gr_max;                                                    \
  double ms[MM_CHANNELS_MAX], gr[MM_CHANNELS_MAX];                              \
  for (unsigned ch = 0; ch < nch; ch++) {                                       \
    ms[ch] = c->ms[ch];                                                         \
    gr[ch] = c->gr[ch];                                                         \
  }                                                                             \
                                                                                \
  mm_smoother_fill (c->threshold, c->thr_b, n);                                 \
  mm_smoother_fill (c->ratio, c->ratio_b, n);                                   \
  mm_smoother_fill (c->knee, c->knee_b, n);                                     \
  mm_smoother_fill (c->makeup, c->makeup_b, n);                                 \
  mm_smoother_fill (c->auto_on, c->auto_b, n);                                  \
                                                                                \
  /* knee start T - W/2 (dB) and its linear level, cached */                    \
  double ks_db = NAN, ks_lin = 0.0;                                             \
  /* the last gain (dB) and its factor, cached */                               \
  double last_g = 0.0, last_fac = 1.0;                                          \
  double gr_now = c->gr_now;                                                    \
                                                                                \
  for (size_t i = 0; i < n; i++) {                                              \
    T *f = buf + i * nch;                                                       \
    double x[MM_CHANNELS_MAX], l[MM_CHANNELS_MAX];                              \
    double lmax = 0.0;                                                          \
    for (unsigned ch = 0; ch < nch; ch++) {                                     \
      double v = f[ch];                                                         \
      if (!isfinite (v))                                                        \
        v = 0.0;                                                                \
      x[ch] = v;                                                                \
      if (rms) {                                                                \
        double m = aa * ms[ch] + ia * v * v;                                    \
        m = m < FLUSH_EPS ? 0.0 : m;                                            \
        ms[ch] = m;                                                             \
        l[ch] = m;              /* squared for now */                           \
      } else {                                                                  \
        l[ch] = fabs (v);                                                       \
      }                                                                         \
      lmax = l[ch] > lmax ? l[ch] : lmax;                                       \
    }                                                                           \
    if (rms) {                                                                  \
      lmax = sqrt (lmax);                                                       \
      if (!linked)                                                              \
        for (unsigned ch = 0; ch < nch; ch++)                                   \
          l[ch] = sqrt (l[ch]);                                                 \
    }                                                                           \
    const double t = c->thr_b[i], w = c->knee_b[i];                             \
    const double slope = 1.0 / c->ratio_b[i] - 1.0;                             \
    double makeup = c->makeup_b[i];                                             \
    if (c->auto_b[i] != 0.0)                                                    \
      makeup += c->auto_b[i] * auto_makeup_db (t, slope, w);                    \
    const double ks = t - 0.5 * w;                                              \
    if (ks != ks_db) {                                                          \
      ks_db = ks;                                                               \
      ks_lin = exp (ks * DB_TO_NEPER);                                          \
    }                                                                           \
    double last_level = -1.0, last_r = 0.0, frame_gr = 0.0;                     \
    for (unsigned ch = 0; ch < nch; ch++) {                                     \
      double level = linked ? lmax : link * lmax + (1.0 - link) * l[ch];        \
      double r;                                                                 \
      if (level == last_level)  /* the same level as before */                  \
        r = last_r;                                                             \
      else if (level <= ks_lin) /* also 0: under the knee */                    \
        r = 0.0;                                                                \
      else                                                                      \
        r = -curve (level_db (level), t, slope, w);                             \
      last_level = level;                                                       \
      last_r = r;                                                               \
      double y = gr[ch];                                                        \
      y = ballistics_step (y, r, aa, ia, ar, 1.0 - ar, aa <= ar);                \
      y = y < FLUSH_EPS ? 0.0 : y;                                              \
      gr[ch] = y;                                                               \
      frame_gr = y > frame_gr ? y : frame_gr;                                   \
      double g = makeup - y;                                                    \
      if (g == 0.0)                                                             \
        f[ch] = (T) x[ch];                                                      \
      else {                                                                    \
        if (g != last_g) {                                                      \
          last_g = g;                                                           \
          last_fac = fast_exp (g * DB_TO_NEPER);                                \
        }                                                                       \
        f[ch] = (T) (x[ch] * last_fac);                                         \
      }                                                                         \
    }                                                                           \
    gr_max = frame_gr > gr_max ? frame_gr : gr_max;                             \
    gr_now = frame_gr;                                                          \
  }                                                                             \
  for (unsigned ch = 0; ch < nch; ch++) {                                       \
    c->ms[ch] = ms[ch];                                                         \
    c->gr[ch] = gr[ch];                                                         \
  }                                                                             \
  c->gr_now = gr_now;                                                           \
  c->gr_max = gr_max;                                                           \
}                                                                               \
                                                                                \
/* The linked path (link 1 or mono, the channels' reductions equal at the */ \
/* start, so they stay equal): one level, one r, one y and one gain      */ \
/* factor per frame, in passes: detector (serial only for RMS),          */ \
/* reductions (vector: log + curve), ballistics (the only recurrence),   */ \
/* factors (vector: exp), output.  A block whose levels all lie clearly  */ \
/* under a steady knee start, entered with no reduction, has r = 0 and   */ \
/* y = 0 throughout: the reduction pass is skipped (the same values),    */ \
/* and with a 0 dB make-up the factors as well (the samples pass         */ \
/* through).                                                             */ \
                                                                                \
/* Detector: the frame levels into c->lev; the block's largest level, or */ \
/* -1 (nothing changed) for a level >= 1e300 (the general path then      */ \
/* takes the block).                                                     */ \
MM_VECTOR_CLONES static double                                                  \
detect_##sfx (mm_compressor * c, const T * buf, size_t n)                       \
{                                                                               \
  const unsigned nch = c->channels;                                             \
  double *lev = c->lev;                                                         \
  double bmax = 0.0;                                                            \
  if (c->p.detector == MM_COMPRESSOR_RMS) {                                     \
    const double aa = c->coef_attack, ia = 1.0 - aa;                            \
    double ms[MM_CHANNELS_MAX];                                                 \
    for (unsigned ch = 0; ch < nch; ch++)                                       \
      ms[ch] = c->ms[ch];                                                       \
    for (size_t i = 0; i < n; i++) {                                            \
      const T *f = buf + i * nch;                                               \
      double lmax = 0.0;                                                        \
      for (unsigned ch = 0; ch < nch; ch++) {                                   \
        double v = f[ch];                                                       \
        v = fabs (v) <= DBL_MAX ? v : 0.0;                                      \
        double m = aa * ms[ch] + ia * v * v;                                    \
        m = m < FLUSH_EPS ? 0.0 : m;                                            \
        ms[ch] = m;                                                             \
        lmax = m > lmax ? m : lmax;                                             \
      }                                                                         \
      lmax = sqrt (lmax);                                                       \
      lev[i] = lmax;                                                            \
      bmax = lmax > bmax ? lmax : bmax;                                         \
    }                                                                           \
    if (!(bmax < 1e300))                                                        \
      return -1.0;                                                              \
    for (unsigned ch = 0; ch < nch; ch++)                                       \
      c->ms[ch] = ms[ch];                                                       \
    return bmax;                                                                \
  }                                                                             \
  if (nch == 2 && sizeof (T) == sizeof (float))                                 \
    return levels_stereo_f32 ((const float *) buf, lev, n);                     \
  if (nch == 2) {                                                               \
    for (size_t i = 0; i < n; i++) {                                            \
      double a = fabs ((double) buf[2 * i]), b = fabs ((double) buf[2 * i + 1]); \
      a = a <= DBL_MAX ? a : 0.0;                                               \
      b = b <= DBL_MAX ? b : 0.0;                                               \
      lev[i] = a > b ? a : b;                                                   \
    }                                                                           \
  } else {                                                                      \
    for (size_t i = 0; i < n; i++) {                                            \
      const T *f = buf + i * nch;                                               \
      double lmax = 0.0;                                                        \
      for (unsigned ch = 0; ch < nch; ch++) {                                   \
        double v = fabs ((double) f[ch]);                                       \
        v = v <= DBL_MAX ? v : 0.0;                                             \
        lmax = v > lmax ? v : lmax;                                             \
      }                                                                         \
      lev[i] = lmax;                                                            \
    }                                                                           \
  }                                                                             \
  /* the largest level (no NaN here: the order of the comparisons does  */ \
  /* not matter), four running maxima side by side                       */ \
  double m4[4] = { 0.0, 0.0, 0.0, 0.0 };                                        \
  size_t i = 0;                                                                 \
  for (; i + 4 <= n; i += 4)                                                    \
    for (unsigned j = 0; j < 4; j++)                                            \
      m4[j] = lev[i + j] > m4[j] ? lev[i + j] : m4[j];                          \
  for (; i < n; i++)                                                            \
    m4[0] = lev[i] > m4[0] ? lev[i] : m4[0];                                    \
  for (unsigned j = 0; j < 4; j++)                                              \
    bmax = m4[j] > bmax ? m4[j] : bmax;                                         \
  return bmax < 1e300 ? bmax : -1.0;                                            \
}                                                                               \
                                                                                \
/* Output: the samples times the factors in c->lev (non-finite ones 0);  */ \
/* unity: the samples as they are (non-finite ones 0).                   */ \
MM_VECTOR_CLONES static void                                                    \
apply_##sfx (const mm_compressor * c, T * buf, size_t n, int unity)             \
{                                                                               \
  const unsigned nch = c->channels;                                             \
  const double *fac = c->lev;                                                   \
  if (unity) {                                                                  \
    for (size_t i = 0; i < n * nch; i++) {                                      \
      double v = buf[i];                                                        \
      buf[i] = (T) (fabs (v) <= DBL_MAX ? v : 0.0);                             \
    }                                                                           \
  } else if (nch == 2) {                                                        \
    for (size_t i = 0; i < n; i++) {                                            \
      double a = buf[2 * i], b = buf[2 * i + 1];                                \
      a = fabs (a) <= DBL_MAX ? a : 0.0;                                        \
      b = fabs (b) <= DBL_MAX ? b : 0.0;                                        \
      buf[2 * i] = (T) (a * fac[i]);                                            \
      buf[2 * i + 1] = (T) (b * fac[i]);                                        \
    }                                                                           \
  } else {                                                                      \
    for (size_t i = 0; i < n; i++) {                                            \
      T *f = buf + i * nch;                                                     \
      for (unsigned ch = 0; ch < nch; ch++) {                                   \
        double v = f[ch];                                                       \
        v = fabs (v) <= DBL_MAX ? v : 0.0;                                      \
        f[ch] = (T) (v * fac[i]);                                               \
      }                                                                         \
    }                                                                           \
  }                                                                             \
}                                                                               \
                                                                                \
/* The linked path of one block; 0 (nothing changed) when it does not   */ \
/* apply (see above).                                                    */ \
static int                                                                      \
block_linked_##sfx (mm_compressor * c, T * buf, size_t n)                       \
{                                                                               \
  if (!linked_ready (c))                                                        \
    return 0;                                                                   \
  const double bmax = detect_##sfx (c, buf, n);                                 \
  if (bmax < 0.0)                                                               \
    return 0;                                                                   \
  block_params (c, n, bmax);                                                    \
  if (!c->unity) {                                                              \
    block_reductions (c);                                                       \
    block_ballistics (c, n);                                                    \
    block_factors (c, sizeof (T) == sizeof (float));                                                          \
  } else {                                                                      \
    block_ballistics (c, n);    /* quiet: y stays 0 */                          \
  }                                                                             \
  apply_##sfx (c, buf, n, c->unity);                                            \
  return 1;                                                                     \
}                                                                               \
                                                                                \
int                                                                             \
mm_compressor_process_##sfx (mm_compressor * c, T * buf, size_t frames)         \
{                                                                               \
  if (!c || (!buf && frames))                                                   \
    return MM_ERR_INVALID;                                                      \
  for (size_t o = 0; o < frames; o += BLOCK) {                                  \
    size_t n = frames - o < BLOCK ? frames - o : BLOCK;                         \
    T *b = buf + o * c->channels;                                               \
    if (!block_linked_##sfx (c, b, n))                                          \
      block_##sfx (c, b, n);                                                    \
  }                                                                             \
  return MM_OK;                                                                 \
}                                                                               \
                                                                                \
/* The sum of three bands' outputs, each band's samples times its       */ \
/* factors (non-finite samples 0; factor 1: a band already processed in */ \
/* place), rounded to T and added in band order: exactly what applying  */ \
/* the factors in place and then summing the bands gives.               */ \
MM_VECTOR_CLONES static void                                                    \
sum3_##sfx (T * restrict out, const T * restrict b0, const T * restrict b1,     \
    const T * restrict b2, const double *restrict f0,                           \
    const double *restrict f1, const double *restrict f2, unsigned nch,         \
    size_t n)                                                                   \
{                                                                               \
  if (nch == 2) {                                                               \
    for (size_t i = 0; i < n; i++) {                                            \
      double l0 = b0[2 * i], l1 = b1[2 * i], l2 = b2[2 * i];                    \
      double r0 = b0[2 * i + 1], r1 = b1[2 * i + 1], r2 = b2[2 * i + 1];        \
      l0 = fabs (l0) <= DBL_MAX ? l0 : 0.0;                                     \
      l1 = fabs (l1) <= DBL_MAX ? l1 : 0.0;                                     \
      l2 = fabs (l2) <= DBL_MAX ? l2 : 0.0;                                     \
      r0 = fabs (r0) <= DBL_MAX ? r0 : 0.0;                                     \
      r1 = fabs (r1) <= DBL_MAX ? r1 : 0.0;                                     \
      r2 = fabs (r2) <= DBL_MAX ? r2 : 0.0;                                     \
      const T x0 = (T) (l0 * f0[i]), x1 = (T) (l1 * f1[i]), x2 = (T) (l2 * f2[i]); \
      const T y0 = (T) (r0 * f0[i]), y1 = (T) (r1 * f1[i]), y2 = (T) (r2 * f2[i]); \
      out[2 * i] = x0 + x1 + x2;                                                \
      out[2 * i + 1] = y0 + y1 + y2;                                            \
    }                                                                           \
    return;                                                                     \
  }                                                                             \
  for (size_t i = 0; i < n; i++)                                                \
    for (unsigned ch = 0; ch < nch; ch++) {                                     \
      const size_t j = i * nch + ch;                                            \
      double v0 = b0[j], v1 = b1[j], v2 = b2[j];                                \
      v0 = fabs (v0) <= DBL_MAX ? v0 : 0.0;                                     \
      v1 = fabs (v1) <= DBL_MAX ? v1 : 0.0;                                     \
      v2 = fabs (v2) <= DBL_MAX ? v2 : 0.0;                                     \
      const T y0 = (T) (v0 * f0[i]), y1 = (T) (v1 * f1[i]), y2 = (T) (v2 * f2[i]); \
      out[j] = y0 + y1 + y2;                                                    \
    }                                                                           \
}                                                                               \
                                                                                \
/* The multiband step: count compressors over their buffers; with sum   */ \
/* (count 3 only) the outputs are not written back but summed into sum. */ \
static void                                                                     \
multi_##sfx (mm_compressor * const *cs, unsigned count, T * const *bufs,        \
    T * sum, size_t frames)                                                     \
{                                                                               \
  const unsigned nch = cs[0]->channels;                                         \
  for (size_t o = 0; o < frames; o += BLOCK) {                                  \
    const size_t n = frames - o < BLOCK ? frames - o : BLOCK;                   \
    for (unsigned b0 = 0; b0 < count; b0 += MULTI_MAX) {                        \
      const unsigned m = count - b0 < MULTI_MAX ? count - b0 : MULTI_MAX;       \
      mm_compressor *run[MULTI_MAX];                                            \
      T *rb[MULTI_MAX];                                                         \
      unsigned k = 0;                                                           \
      /* each block as mm_compressor_process_##sfx takes it; the linked   */ \
      /* ones that reduce have their ballistics side by side; with sum,   */ \
      /* the factors stay in lev (1 for a band done in place)             */ \
      for (unsigned b = b0; b < b0 + m; b++) {                                  \
        mm_compressor *c = cs[b];                                               \
        T *buf = bufs[b] + o * nch;                                             \
        double bmax = linked_ready (c) ? detect_##sfx (c, buf, n) : -1.0;       \
        if (bmax < 0.0) {                                                       \
          block_##sfx (c, buf, n);                                              \
          if (sum)                                                              \
            for (size_t i = 0; i < n; i++)                                      \
              c->lev[i] = 1.0;                                                  \
          continue;                                                             \
        }                                                                       \
        block_params (c, n, bmax);                                              \
        if (c->unity) {                                                         \
          block_ballistics (c, n);                                              \
          if (sum)                                                              \
            for (size_t i = 0; i < n; i++)                                      \
              c->lev[i] = 1.0;                                                  \
          else                                                                  \
            apply_##sfx (c, buf, n, 1);                                         \
          continue;                                                             \
        }                                                                       \
        block_reductions (c);                                                   \
        if (c->quiet) {                                                         \
          block_ballistics (c, n);                                              \
          block_factors (c, sizeof (T) == sizeof (float));                      \
          if (!sum)                                                             \
            apply_##sfx (c, buf, n, 0);                                         \
        } else {                                                                \
          run[k] = c;                                                           \
          rb[k++] = buf;                                                        \
        }                                                                       \
      }                                                                         \
      if (k > 0)                                                                \
        block_ballistics_multi (run, k, n);                                     \
      for (unsigned j = 0; j < k; j++) {                                        \
        block_factors (run[j], sizeof (T) == sizeof (float));                   \
        if (!sum)                                                               \
          apply_##sfx (run[j], rb[j], n, 0);                                    \
      }                                                                         \
    }                                                                           \
    if (sum)                                                                    \
      sum3_##sfx (sum + o * nch, bufs[0] + o * nch, bufs[1] + o * nch,          \
          bufs[2] + o * nch, cs[0]->lev, cs[1]->lev, cs[2]->lev, nch, n);       \
  }                                                                             \
}                                                                               \
                                                                                \
static int                                                                      \
multi_valid_##sfx (mm_compressor * const *cs, unsigned count,                   \
    T * const *bufs, size_t frames)                                             \
{                                                                               \
  if (!cs || !bufs || count == 0)                                               \
    return 0;                                                                   \
  for (unsigned b = 0; b < count; b++)                                          \
    if (!cs[b] || (!bufs[b] && frames) || cs[b]->channels != cs[0]->channels)   \
      return 0;                                                                 \
  return 1;                                                                     \
}                                                                               \
                                                                                \
int                                                                             \
mm_compressor_process_multi_##sfx (mm_compressor * const *cs, unsigned count,   \
    T * const *bufs, size_t frames)                                             \
{                                                                               \
  if (!multi_valid_##sfx (cs, count, bufs, frames))                             \
    return MM_ERR_INVALID;                                                      \
  multi_##sfx (cs, count, bufs, NULL, frames);                                  \
  return MM_OK;                                                                 \
}                                                                               \
                                                                                \
int                                                                             \
mm_compressor_process_multi_sum_##sfx (mm_compressor * const *cs,               \
    unsigned count, T * const *bufs, T * out, size_t frames)                    \
{                                                                               \
  if (!multi_valid_##sfx (cs, count, bufs, frames) || (!out && frames))         \
    return MM_ERR_INVALID;                                                      \
  const unsigned nch = cs[0]->channels;                                         \
  if (count == 3) {                                                             \
    multi_##sfx (cs, count, bufs, out, frames);                                 \
    return MM_OK;                                                               \
  }                                                                             \
  multi_##sfx (cs, count, bufs, NULL, frames);                                  \
  for (size_t j = 0; j < frames * nch; j++) {                                   \
    T v = bufs[0][j];                                                           \
    for (unsigned b = 1; b < count; b++)                                        \
      v += bufs[b][j];                                                          \
    out[j] = v;                                                                 \
  }                                                                             \
  return MM_OK;                                                                 \
}

DEFINE_COMPRESSOR_BLOCK (f32, float)
DEFINE_COMPRESSOR_BLOCK (f64, double)
