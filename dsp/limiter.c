/* limiter: true-peak lookahead limiter (see limiter.h).
 *
 * Non-finite samples (and, in f64, samples beyond the float range) are
 * replaced by 0 before anything else sees them; so are non-finite
 * pre-gains.
 *
 * Signal flow, per input frame n (times in input frames); x is the raw
 * input, p the pre-gain given with it (1 without one):
 *
 *   detector   every channel goes through the oversampler (factor for
 *              >= 176.4 kHz, mm_oversampler_peak_envelope); e_c[n] is the
 *              largest |value| of channel c's oversampled frame, q[n] the
 *              largest over the channels.  The oversampler delays by
 *              D = taps / 2 frames, so q[n] covers the raw signal on
 *              [n - D, n - D + 1): the sample n - D and the inter-sample
 *              values after it.
 *   required   r[m] = min (1, c / (|p[m]| max (q[m + D - 1], q[m + D])))
 *              for the audio sample m = n - D: the gain that keeps sample
 *              m of p x, and the inter-sample values of p x on both sides
 *              of it, under the detection ceiling c, where p is taken at
 *              m on both sides (the pre-gain is the caller's slow ramp:
 *              over one frame it is constant to far better than the
 *              detection margin).
 *   hold       h[m] = min r[m .. m + H - 1] over the lookahead window of
 *              H = lookahead + 1 frames: a sliding-window minimum by van
 *              Herk / Gil-Werman (frames in segments of H, aligned to the
 *              frame count: h = min (prefix minimum of this segment,
 *              suffix minimum of the previous one), exact, O(1) per frame
 *              and no data-dependent branches.
 *   release    h'[m] = h[m] when h falls; otherwise it rises towards h by
 *              a one-pole step whose time constant is the release time
 *              times 1..3 (program dependent, see above process), aiming
 *              RELEASE_EPS past h so that it arrives, and never above h:
 *              h' = min (h, (1 - k) h' + k (h + RELEASE_EPS)), which is h
 *              whenever h <= h' (the blend then lies above h).
 *              So h' <= h, and h' == 1 exactly once released.
 *   attack     two cascaded moving averages (box filters) of A and B
 *              frames, A + B - 1 = K <= H - E, smooth h' into the gain
 *              G[m].  G[m] is a weighted mean of h'[m - K + 1 .. m]; each
 *              of those is <= h[j] for some j in [m - K + 1, m] and every
 *              such h[j] is a minimum over a window that contains m (it
 *              spans j .. j + H - 1 >= m), so
 *
 *                  G[m] <= r[m]       for every m,
 *
 *              exactly but for the rounding of the final scaling (sum_b
 *              times the rounded 1 / (A B 2^40): 3 ulp, 1e-15).  With the
 *              pre-gain, the output is y = G p x, so at
 *              every detector point next to sample m (the sample and the
 *              inter-sample values on either side)
 *
 *                  |y| <= G[m] |p[m]| max (q[m+D-1], q[m+D]) <= c:
 *
 *              pre-gain and limiting share the one detector, which runs
 *              on the raw input, and the pre-gain can push the signal as
 *              far over the ceiling as it likes.
 *              The attack is an S-curve of K frames that ends E frames
 *              before the peak (E = D, at most half the window), so the
 *              gain is already flat across most of the interpolation
 *              filter's reach around the peak: the output's own
 *              inter-sample values then are the input's times the gain, as
 *              the detector assumed.  The largest gain step per frame is
 *              (gain change) / max (A, B), about 2 / lookahead.
 *   output     y[m] = G[m] p[m] x[m], from a delay line of L = H - 1 + D =
 *              lookahead + D frames holding p x: that is
 *              mm_limiter_get_latency.
 *
 * The ceiling the detector works to is the set ceiling lowered by
 * DETECT_MARGIN_DB = 0.1 dB, for what a meter may see above the
 * detector's points.  Measured (tests/dsp/test_limiter.c and heavier runs
 * of pink and white noise): libebur128's interpolator (a Hann-windowed
 * 49-tap sinc at 4x, up to +0.04 dB in its pass band and strong images
 * near Nyquist, where ours rolls off above 0.4 fs) reads heavily limited
 * noise up to 0.134 dB above ours; our own meter (the same oversampler)
 * reads up to 0.022 dB over where the gain still moves within the
 * interpolator's reach (8 kHz with 1 ms lookahead: only 8 frames).
 *
 * Gains are quantised (rounded down) to 40 fractional bits before the box
 * filters so their running sums are exact integers: no drift, gain exactly
 * 1.0 whenever nothing is limited (bit-exact pass-through), and the same
 * output for any split of the stream into calls.
 *
 * Peaks and loss come from the same detector: the input peak of channel c
 * is the largest e_c; the output peak the largest e_c[m] |p[m]| G[m]
 * (e_c delayed to meet the gain of its frame); the loss sums (p x)^2 and
 * y^2 as the frames leave the delay line.
 *
 * Work is done a block at a time, stage by stage (detector, required
 * gains, the per-frame gain recursion, peaks, output), so every stage but
 * the recursion is a flat loop the compiler vectorises; a stretch where
 * nothing needs limiting and nothing is being released skips the
 * recursion (the gain is 1, the state does not move).
 */
#include "limiter.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "oversample.h"
#include "smooth.h"
#include "vector.h"

#if defined(__GNUC__)
/* Vectors for the loops the compiler would not vectorise by itself
 * (reductions it may not reorder, selects it will not if-convert).
 * Unaligned access through the aligned(4/8) types. */
typedef float v8sf __attribute__ ((vector_size (32)));
typedef float v8sf_u __attribute__ ((vector_size (32), aligned (4)));
typedef int32_t v8si __attribute__ ((vector_size (32)));
typedef double v4df __attribute__ ((vector_size (32)));
typedef double v4df_u __attribute__ ((vector_size (32), aligned (8)));
typedef float v4sf __attribute__ ((vector_size (16)));
typedef float v4sf_u __attribute__ ((vector_size (16), aligned (4)));
typedef int32_t v4si __attribute__ ((vector_size (16)));
typedef int64_t v4di __attribute__ ((vector_size (32)));
#endif

#define BLOCK 256               /* frames per pass */
#define MIN_DETECT_RATE 176400u
#define DETECT_MARGIN_DB 0.1
#define CEILING_MIN_DB (-20.0)
#define CEILING_MAX_DB 6.0
#define RELEASE_MIN_MS 10.0
#define RELEASE_MAX_MS 2000.0
#define DEFAULT_CEILING_DB (-1.0)
#define DEFAULT_RELEASE_MS 100.0
/* Ceiling changes glide linearly over this time. */
#define CEILING_RAMP_MS 50.0
/* Sustained limiting stretches the release up to (1 + RELEASE_STRETCH)x. */
#define RELEASE_STRETCH 2.0
/* Time constant of the "limiting activity" follower. */
#define ACTIVITY_MS 1000.0
/* The activity (a 1 s follower) is updated every ACTIVITY_EVERY frames,
 * on frame numbers that are multiples of it (a power of two). */
#define ACTIVITY_EVERY 16
/* Reduction (linear 1 - h) at which the activity target is full: 6 dB. */
#define ACTIVITY_FULL 0.5
/* The release aims this far above its goal so it ends in finite time. */
#define RELEASE_EPS 1e-4

#define Q_BITS 40
#define Q_ONE ((int64_t) 1 << Q_BITS)

struct mm_limiter
{
  unsigned rate, channels;
  unsigned factor, det_delay;   /* oversampling factor, its delay D */
  unsigned hold;                /* H: window of the running minimum */
  unsigned lookahead;           /* H - 1 */
  unsigned box_a, box_b;        /* attack filter lengths */
  unsigned latency;             /* lookahead + D */

  double release_ms, release_coef;      /* base one-pole step */
  double activity_coef;         /* per ACTIVITY_EVERY frames */
  double ceiling_db;

  mm_oversampler *os;
  mm_smoother *ceiling;         /* detection ceiling, linear */

  /* Scratch for one block. */
  float *plane;                 /* channels x BLOCK: detector input */
  float *env;                   /* channels x BLOCK: e_c */
  float *peak;                  /* 1 + BLOCK: q of the previous frame, then q */
  float *ceil;                  /* BLOCK: c per frame */
  double *gain;                 /* BLOCK: G per frame */
  float *gainf;                 /* BLOCK: the same in float */
  double *wide;                 /* BLOCK x channels: G per sample (C > 2) */
  double *wide_p;               /* the same for p; per frame for C <= 2 */

  /* State (see the comment above process). */
  float *pre;                   /* D + BLOCK: |p| of the last D frames, then the block's */
  double *delay;                /* latency x channels, interleaved: p x */
  unsigned dpos;
  float *env_delay;             /* channels x lookahead: e_c |p|, awaiting G */
  unsigned epos;
  double *seg;                  /* H: r of the current segment */
  double *suffix;               /* H + 1: suffix minima of the previous one */
  unsigned seg_pos;
  int seg_any;                  /* some r of the segment is under 1 */
  int suffix_one;               /* suffix is all 1 */
  double prefix;                /* minimum of seg[0 .. seg_pos - 1] */
  uint64_t t;
  double held;                  /* h' */
  double activity;
  double rel_k;                 /* release step k for the activity now */
  int64_t *ring_a, *ring_b;
  int64_t sum_a, sum_b;
  unsigned pos_a, pos_b;
  double inv_norm;              /* 1 / (A * B * Q_ONE), rounded */
  double last_gain, min_gain;
  double in_peak[MM_CHANNELS_MAX], out_peak[MM_CHANNELS_MAX];
  double energy_in, energy_out;
  int bypass;                   /* G forced to 1 (set_bypass) */
};

static double
one_pole_coef (double ms, unsigned rate)
{
  return 1.0 - exp (-1000.0 / (ms * rate));
}

mm_limiter *
mm_limiter_new (unsigned rate, unsigned channels, double lookahead_ms)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > MM_CHANNELS_MAX
      || !(lookahead_ms >= MM_LIMITER_LOOKAHEAD_MIN_MS
          && lookahead_ms <= MM_LIMITER_LOOKAHEAD_MAX_MS))
    return NULL;

  mm_limiter *l = calloc (1, sizeof (*l));
  if (!l)
    return NULL;
  l->rate = rate;
  l->channels = channels;
  l->factor = mm_oversample_factor_for_rate (rate, MIN_DETECT_RATE);
  l->os = mm_oversampler_new (l->factor, channels);
  if (!l->os)
    goto fail;
  l->det_delay = mm_oversampler_get_latency (l->os);

  unsigned lookahead = (unsigned) lround (lookahead_ms * 0.001 * rate);
  l->lookahead = lookahead;
  l->hold = lookahead + 1;
  /* Guard E: the attack ends up to D frames (half the window at most)
   * before the peak. */
  unsigned guard = l->det_delay < l->hold / 2 ? l->det_delay : l->hold / 2;
  unsigned k = l->hold - guard;
  l->box_a = (k + 1) / 2;
  l->box_b = k + 1 - l->box_a;
  l->latency = lookahead + l->det_delay;
  /* The second sum reaches A B 2^40: it must stay under 2^63 (at the
   * largest window, 10 ms at 384 kHz, A B is 3.7e6 < 2^22). */
  if ((uint64_t) l->box_a * l->box_b >= ((uint64_t) 1 << (62 - Q_BITS)))
    goto fail;
  l->inv_norm = 1.0 / ((double) l->box_a * l->box_b * (double) Q_ONE);

  l->ceiling = mm_smoother_new (rate, CEILING_RAMP_MS,
      mm_db_to_linear (DEFAULT_CEILING_DB - DETECT_MARGIN_DB));
  if (!l->ceiling)
    goto fail;
  l->ceiling_db = DEFAULT_CEILING_DB;
  l->release_ms = DEFAULT_RELEASE_MS;
  l->release_coef = one_pole_coef (DEFAULT_RELEASE_MS, rate);
  l->activity_coef = 1.0 - exp (-1000.0 * ACTIVITY_EVERY / (ACTIVITY_MS * rate));

  const size_t C = channels;
  l->plane = malloc (C * BLOCK * sizeof (float));
  l->env = malloc (C * BLOCK * sizeof (float));
  l->peak = malloc ((1 + BLOCK) * sizeof (float));
  l->ceil = malloc (BLOCK * sizeof (float));
  l->gain = malloc (BLOCK * sizeof (double));
  l->gainf = malloc (BLOCK * sizeof (float));
  l->wide = malloc (C * BLOCK * sizeof (double));
  l->wide_p = malloc (C * BLOCK * sizeof (double));
  l->pre = malloc ((l->det_delay + BLOCK) * sizeof (float));
  l->delay = malloc ((size_t) l->latency * C * sizeof (double));
  l->env_delay = malloc ((size_t) lookahead * C * sizeof (float));
  l->seg = malloc ((size_t) l->hold * sizeof (double));
  l->suffix = malloc (((size_t) l->hold + 1) * sizeof (double));
  l->ring_a = malloc ((size_t) l->box_a * sizeof (int64_t));
  l->ring_b = malloc ((size_t) l->box_b * sizeof (int64_t));
  if (!l->plane || !l->env || !l->peak || !l->ceil || !l->gainf || !l->gain
      || !l->wide || !l->wide_p || !l->pre || !l->delay || !l->env_delay
      || !l->seg || !l->suffix || !l->ring_a || !l->ring_b)
    goto fail;

  mm_limiter_reset (l);
  return l;

fail:
  mm_limiter_free (&l);
  return NULL;
}

void
mm_limiter_free (mm_limiter ** pl)
{
  if (!pl || !*pl)
    return;
  mm_limiter *l = *pl;
  mm_oversampler_free (&l->os);
  mm_smoother_free (&l->ceiling);
  free (l->plane);
  free (l->env);
  free (l->peak);
  free (l->ceil);
  free (l->gainf);
  free (l->gain);
  free (l->wide);
  free (l->wide_p);
  free (l->pre);
  free (l->delay);
  free (l->env_delay);
  free (l->seg);
  free (l->suffix);
  free (l->ring_a);
  free (l->ring_b);
  free (l);
  *pl = NULL;
}

static void
update_release_step (mm_limiter * l)
{
  l->rel_k = l->release_coef / (1.0 + RELEASE_STRETCH * l->activity);
}

int
mm_limiter_reset (mm_limiter * l)
{
  if (!l)
    return MM_ERR_INVALID;
  const size_t C = l->channels;
  mm_oversampler_reset (l->os);
  mm_smoother_set_value (l->ceiling, mm_smoother_get_target (l->ceiling));
  memset (l->delay, 0, (size_t) l->latency * C * sizeof (double));
  l->dpos = 0;
  memset (l->env_delay, 0, (size_t) l->lookahead * C * sizeof (float));
  l->epos = 0;
  for (unsigned i = 0; i < l->det_delay; i++)
    l->pre[i] = 1.0f;
  l->peak[0] = 0.0f;
  /* Before the first frame every r counts as 1 (nothing to limit). */
  for (unsigned i = 0; i <= l->hold; i++)
    l->suffix[i] = 1.0;
  l->seg_pos = 0;
  l->seg_any = 0;
  l->suffix_one = 1;
  l->prefix = 1.0;
  l->t = 0;
  l->held = 1.0;
  l->activity = 0.0;
  update_release_step (l);
  for (unsigned i = 0; i < l->box_a; i++)
    l->ring_a[i] = Q_ONE;
  l->sum_a = (int64_t) l->box_a * Q_ONE;
  for (unsigned i = 0; i < l->box_b; i++)
    l->ring_b[i] = l->sum_a;
  l->sum_b = (int64_t) l->box_b * l->sum_a;
  l->pos_a = l->pos_b = 0;
  l->last_gain = l->min_gain = 1.0;
  for (unsigned c = 0; c < C; c++)
    l->in_peak[c] = l->out_peak[c] = 0.0;
  l->energy_in = l->energy_out = 0.0;
  return MM_OK;
}

int
mm_limiter_set_ceiling (mm_limiter * l, double dbtp)
{
  if (!l || !(dbtp >= CEILING_MIN_DB && dbtp <= CEILING_MAX_DB))
    return MM_ERR_INVALID;
  l->ceiling_db = dbtp;
  return mm_smoother_set_target (l->ceiling,
      mm_db_to_linear (dbtp - DETECT_MARGIN_DB));
}

int
mm_limiter_set_release (mm_limiter * l, double ms)
{
  if (!l || !(ms >= RELEASE_MIN_MS && ms <= RELEASE_MAX_MS))
    return MM_ERR_INVALID;
  l->release_ms = ms;
  l->release_coef = one_pole_coef (ms, l->rate);
  update_release_step (l);
  return MM_OK;
}

int
mm_limiter_set_bypass (mm_limiter * l, int bypass)
{
  if (!l)
    return MM_ERR_INVALID;
  l->bypass = bypass != 0;
  return MM_OK;
}

unsigned
mm_limiter_get_latency (const mm_limiter * l)
{
  return l ? l->latency : 0;
}

int
mm_limiter_get_reduction (mm_limiter * l, double *now_db, double *max_db)
{
  if (!l)
    return MM_ERR_INVALID;
  /* -0.0 never: a gain of 1 reads 0 dB. */
  if (now_db)
    *now_db = l->last_gain < 1.0 ? -mm_linear_to_db (l->last_gain) : 0.0;
  if (max_db)
    *max_db = l->min_gain < 1.0 ? -mm_linear_to_db (l->min_gain) : 0.0;
  l->min_gain = l->last_gain;
  return MM_OK;
}

int
mm_limiter_get_input_peak (const mm_limiter * l, unsigned ch, double *peak)
{
  if (!l || ch >= l->channels || !peak)
    return MM_ERR_INVALID;
  *peak = l->in_peak[ch];
  return MM_OK;
}

int
mm_limiter_get_output_peak (const mm_limiter * l, unsigned ch, double *peak)
{
  if (!l || ch >= l->channels || !peak)
    return MM_ERR_INVALID;
  *peak = l->out_peak[ch];
  return MM_OK;
}

int
mm_limiter_get_loss (const mm_limiter * l, double *db)
{
  if (!l || !db)
    return MM_ERR_INVALID;
  *db = l->energy_in > 0.0 && l->energy_out > 0.0 ?
      10.0 * log10 (l->energy_in / l->energy_out) : 0.0;
  return MM_OK;
}

/* ------------------------------------------------------------------ */
/* The stages of one block of n <= BLOCK frames. */

#if defined(__GNUC__)
/* m = v where v > m, lane by lane (v8sf: a NaN in v never wins); then
 * the largest lane into the float m.  (Macros: a function taking or
 * returning a vector would draw -Wpsabi in the default clone.) */
#define MAX8(m, v)                                                            \
  do {                                                                        \
    v8si gt_ = (v) > (m);                                                     \
    (m) = (v8sf) ((gt_ & (v8si) (v)) | (~gt_ & (v8si) (m)));                  \
  } while (0)
#define MAX8_REDUCE(m, lane)                                                  \
  for (unsigned u_ = 0; u_ < 8; u_++)                                         \
    (m) = (lane)[u_] > (m) ? (lane)[u_] : (m)
#endif

/* q = e (first) or max (q, e), for the n frames of a channel's envelope
 * e; returns the largest e (or 0).  The envelope is never negative or
 * NaN, so that is its largest absolute value too. */
MM_VECTOR_CLONES static float
merge_envelope (float *restrict q, const float *restrict e, size_t n,
    int first)
{
  float m = 0.0f;
  size_t i = 0;
#if defined(__GNUC__)
  if (n >= 8) {
    v8sf lane = { 0 };
    for (; i + 8 <= n; i += 8) {
      v8sf v = *(const v8sf_u *) (e + i), w = v;
      if (!first) {
        w = *(const v8sf_u *) (q + i);
        MAX8 (w, v);
      }
      *(v8sf_u *) (q + i) = w;
      MAX8 (lane, v);
    }
    MAX8_REDUCE (m, lane);
  }
#endif
  for (; i < n; i++) {
    q[i] = first || e[i] > q[i] ? e[i] : q[i];
    m = e[i] > m ? e[i] : m;
  }
  return m;
}

/* Detector: sanitises the planes, e_c into l->env, q into l->peak + 1,
 * the input peaks. */
static void
detect (mm_limiter * l, size_t n)
{
  const unsigned C = l->channels;
  float *q = l->peak + 1;
  for (unsigned c = 0; c < C; c++) {
    float *p = l->plane + (size_t) c * BLOCK, *e = l->env + (size_t) c * BLOCK;
    mm_vector_sanitize_f32 (p, n);
    memset (e, 0, n * sizeof (float));
    mm_oversampler_peak_envelope (l->os, c, p, n, e);
    double m = merge_envelope (q, e, n, c == 0);
    l->in_peak[c] = m > l->in_peak[c] ? m : l->in_peak[c];
  }
}

/* Required gains of `len` frames into r; returns non-zero when any is
 * under 1.  q holds the previous frame's q in front of the first one.
 * First |p| max (q) (exact in double) and whether any exceeds c (an OR of
 * the comparisons: no chain from one step to the next); only then the
 * divisions, where qp <= c gives c / c = 1 exactly (no branch, so the loop
 * vectorises). */
MM_VECTOR_CLONES static int
required (const float *restrict q, const float *restrict pre,
    const float *restrict ceil, double *restrict r, size_t len)
{
  int any = 0;
  size_t i = 0;
#if defined(__GNUC__)
  v4di over = { 0 };             /* some qp > c, lane by lane */
  for (; i + 4 <= len; i += 4) {
    v4sf q0 = *(const v4sf_u *) (q + i), q1 = *(const v4sf_u *) (q + i + 1);
    v4si gt = q1 > q0;
    v4sf qm = (v4sf) ((gt & (v4si) q1) | (~gt & (v4si) q0));
    v4sf pv = *(const v4sf_u *) (pre + i), cv = *(const v4sf_u *) (ceil + i);
    v4df qp = __builtin_convertvector (qm, v4df)
        * __builtin_convertvector (pv, v4df);
    over |= qp > __builtin_convertvector (cv, v4df);
    *(v4df_u *) (r + i) = qp;
  }
  any = (over[0] | over[1] | over[2] | over[3]) != 0;
#endif
  for (; i < len; i++) {
    float qm = q[i + 1] > q[i] ? q[i + 1] : q[i];
    double qp = (double) qm * (double) pre[i];
    any |= qp > (double) ceil[i];
    r[i] = qp;
  }
  if (!any) {
    for (i = 0; i < len; i++)
      r[i] = 1.0;
    return 0;
  }
  for (i = 0; i < len; i++) {
    double c = ceil[i], d = r[i] > c ? r[i] : c;
    r[i] = c / d;
  }
  return 1;
}

/* The activity, every ACTIVITY_EVERY frames: follows the required
 * reduction while there is one, holds while the gain is released, decays
 * once it is back at 1; then the release step for it. */
static void
activity_step (mm_limiter * l, double h, double held)
{
  if ((h < 1.0 || held >= 1.0) && (h < 1.0 || l->activity > 0.0)) {
    double target = (1.0 - h) * (1.0 / ACTIVITY_FULL);
    target = target > 1.0 ? 1.0 : target;
    double act = l->activity + (target - l->activity) * l->activity_coef;
    l->activity = act < 1e-12 ? 0.0 : act;
    update_release_step (l);
  }
}

/* The gain recursion over `len` frames of one segment (seg_pos + len <= H):
 * r (already in l->seg from seg_pos on) to sum_b per frame in sb.  In
 * stretches that end where an activity update is due or a box filter's
 * ring wraps, so the inner loop has no branch: the chain that sets its
 * pace is h' (a multiply-add and a minimum per frame). */
MM_VECTOR_CLONES static void
recursion (mm_limiter * l, size_t len, double *restrict sb)
{
  const double *seg = l->seg + l->seg_pos;
  const double *suffix = l->suffix + l->seg_pos + 1;
  double prefix = l->prefix, held = l->held;
  double k = l->rel_k, omk = 1.0 - k, ke = RELEASE_EPS * k;
  int64_t sum_a = l->sum_a, sum_b = l->sum_b;
  unsigned pos_a = l->pos_a, pos_b = l->pos_b;
  const unsigned A = l->box_a, B = l->box_b;
  uint64_t t = l->t;
  size_t i = 0;

  while (i < len) {
    if ((t & (ACTIVITY_EVERY - 1)) == 0) {
      double r = seg[i], s = suffix[i], p = r < prefix ? r : prefix;
      activity_step (l, p < s ? p : s, held);
      k = l->rel_k;
      omk = 1.0 - k;
      ke = RELEASE_EPS * k;
    }
    size_t n = len - i;
    n = n < ACTIVITY_EVERY - (t & (ACTIVITY_EVERY - 1)) ? n :
        ACTIVITY_EVERY - (t & (ACTIVITY_EVERY - 1));
    n = n < A - pos_a ? n : A - pos_a;
    n = n < B - pos_b ? n : B - pos_b;
    int64_t *ra = l->ring_a + pos_a, *rb = l->ring_b + pos_b;
    for (size_t j = 0; j < n; j++) {
      double r = seg[i + j], s = suffix[i + j];
      prefix = r < prefix ? r : prefix;
      double h = prefix < s ? prefix : s;
      /* (1 - k) h' + k (h + eps), never above h (and h when h <= h') */
      double rise = held * omk + (h * k + ke);
      held = rise < h ? rise : h;
      int64_t v = (int64_t) (held * (double) Q_ONE);
      sum_a += v - ra[j];
      ra[j] = v;
      sum_b += sum_a - rb[j];
      rb[j] = sum_a;
      sb[i + j] = (double) sum_b;
    }
    pos_a = pos_a + n == A ? 0 : pos_a + (unsigned) n;
    pos_b = pos_b + n == B ? 0 : pos_b + (unsigned) n;
    t += n;
    i += n;
  }
  l->prefix = prefix;
  l->held = held;
  l->sum_a = sum_a;
  l->sum_b = sum_b;
  l->pos_a = pos_a;
  l->pos_b = pos_b;
  l->t = t;
}

/* G = sum_b / (A B 2^40) for `len` frames, in place, as a product with
 * the rounded reciprocal (a division per frame costs more than all the
 * rest of this); full box filters give exactly 1.  Returns the smallest. */
MM_VECTOR_CLONES static double
divide (double *restrict g, size_t len, double full, double inv_norm)
{
  double m = 1.0;
  size_t j = 0;
#if defined(__GNUC__)
  if (len >= 4) {
    const v4df f = { full, full, full, full };
    const v4df inv = { inv_norm, inv_norm, inv_norm, inv_norm };
    const v4df one = { 1.0, 1.0, 1.0, 1.0 };
    v4df lane = one;
    for (; j + 4 <= len; j += 4) {
      v4df x = *(v4df_u *) (g + j);
      v4di eq = x == f;
      v4df y = (v4df) ((eq & (v4di) one) | (~eq & (v4di) (x * inv)));
      *(v4df_u *) (g + j) = y;
      v4di lt = y < lane;
      lane = (v4df) ((lt & (v4di) y) | (~lt & (v4di) lane));
    }
    for (unsigned u = 0; u < 4; u++)
      m = lane[u] < m ? lane[u] : m;
  }
#endif
  for (; j < len; j++) {
    g[j] = g[j] == full ? 1.0 : g[j] * inv_norm;
    m = g[j] < m ? g[j] : m;
  }
  return m;
}

/* Required gains and the gain recursion for the block: G into l->gain and
 * l->gainf.  Frames go in runs that stay within one segment of H frames;
 * a run with nothing to limit, the hold window clear (prefix and the
 * previous segment's suffix at 1), the release done and the box filters
 * full of ones leaves the state as it is: its gains are 1 and only the
 * activity decays. */
MM_VECTOR_CLONES static void
gains (mm_limiter * l, size_t n)
{
  const unsigned H = l->hold;
  const int64_t full = (int64_t) l->box_b * l->box_a * Q_ONE;
  double *g = l->gain, gmin = 1.0;
  size_t i = 0;

  while (i < n) {
    size_t len = H - l->seg_pos;
    len = len < n - i ? len : n - i;
    if (l->seg_pos == 0)
      l->prefix = 1.0;
    int any = required (l->peak + i, l->pre + i, l->ceil + i,
        l->seg + l->seg_pos, len);
    l->seg_any |= any;
    if (!any && l->prefix == 1.0 && l->suffix[l->seg_pos + 1] == 1.0
        && l->held == 1.0 && l->sum_b == full) {
      for (size_t j = 0; j < len; j++)
        g[i + j] = 1.0;
      uint64_t t = l->t, end = t + len;
      for (t = (t + ACTIVITY_EVERY - 1) & ~(uint64_t) (ACTIVITY_EVERY - 1);
          t < end; t += ACTIVITY_EVERY)
        activity_step (l, 1.0, 1.0);
      l->t = end;
    } else {
      recursion (l, len, g + i);
      double m = divide (g + i, len, (double) full, l->inv_norm);
      gmin = m < gmin ? m : gmin;
    }
    l->seg_pos += (unsigned) len;
    if (l->seg_pos == H) {
      /* The segment is complete: its suffix minima serve the next (all 1
       * when it had nothing to limit: no need to write them again). */
      if (l->seg_any) {
        double m = 1.0;
        for (unsigned j = H; j-- > 0;) {
          m = l->seg[j] < m ? l->seg[j] : m;
          l->suffix[j] = m;
        }
      } else if (!l->suffix_one) {
        for (unsigned j = 0; j < H; j++)
          l->suffix[j] = 1.0;
      }
      l->suffix_one = !l->seg_any;
      l->seg_any = 0;
      l->seg_pos = 0;
    }
    i += len;
  }
  if (l->bypass) {
    /* bypassed: the state above moved on as usual, the gain is 1 */
    for (size_t j = 0; j < n; j++)
      g[j] = 1.0;
    gmin = 1.0;
  }
  float *restrict gf = l->gainf;
  for (size_t j = 0; j < n; j++)
    gf[j] = (float) g[j];
  if (n)
    l->last_gain = g[n - 1];
  l->min_gain = gmin < l->min_gain ? gmin : l->min_gain;
}

/* A sample for the delay line: non-finite (and beyond float range, which
 * the detector cannot see) becomes 0. */
static inline double
clean (double x)
{
  return fabs (x) <= FLT_MAX ? x : 0.0;
}

/* The delay line of e |p| for one channel: len frames out (times the gain
 * of their frame; the largest, or m, is returned) and in. */
MM_VECTOR_CLONES static float
peak_through (float *restrict d, const float *restrict e,
    const float *restrict pre, const float *restrict g, size_t len, float m)
{
  size_t j = 0;
#if defined(__GNUC__)
  if (len >= 8) {
    v8sf lane = { m, m, m, m, m, m, m, m };
    for (; j + 8 <= len; j += 8) {
      v8sf v = *(v8sf_u *) (d + j) * *(const v8sf_u *) (g + j);
      *(v8sf_u *) (d + j) = *(const v8sf_u *) (e + j)
          * *(const v8sf_u *) (pre + j);
      MAX8 (lane, v);
    }
    MAX8_REDUCE (m, lane);
  }
#endif
  for (; j < len; j++) {
    float v = d[j] * g[j];
    d[j] = e[j] * pre[j];
    m = v > m ? v : m;
  }
  return m;
}

/* Output peaks: e_c |p| goes into its delay line (lookahead frames, to
 * meet the gain of its frame); what comes out, times G, is the output's
 * envelope. */
static void
output_peaks (mm_limiter * l, size_t n)
{
  const unsigned C = l->channels, N = l->lookahead;
  size_t i = 0;
  unsigned pos = l->epos;
  while (i < n) {
    size_t len = N - pos < n - i ? N - pos : n - i;
    for (unsigned c = 0; c < C; c++) {
      float m = peak_through (l->env_delay + (size_t) c * N + pos,
          l->env + (size_t) c * BLOCK + i, l->pre + i, l->gainf + i, len,
          0.0f);
      l->out_peak[c] = m > l->out_peak[c] ? m : l->out_peak[c];
    }
    pos = pos + len == N ? 0 : pos + (unsigned) len;
    i += len;
  }
  l->epos = pos;
}

/* The delay line of the audio: len samples of f (f32 or f64) go in as
 * clean (x) p (p NULL: 1), the oldest come out times g; the sums of
 * squares of what comes out, before and after g, are added to e[0] and
 * e[1].  g and p hold one value per S samples: S = 2 for stereo (one per
 * frame: no widened copies to write and read), else 1.  The vector body
 * and the scalar tail compute each sample alike (one rounding per
 * product); only the sums differ in their order. */
#define DEFINE_THROUGH(fmt, ctype)                                            \
MM_VECTOR_CLONES static void                                                  \
through_##fmt (ctype * restrict f, double *restrict d,                        \
    const double *restrict g, const double *restrict p, size_t len,           \
    unsigned S, double e[2])                                                  \
{                                                                             \
  size_t k = 0;                                                               \
  double ea = 0.0, eb = 0.0;                                                  \
  if (S == 2) {                                                               \
    THROUGH_VECTOR_##fmt (PAIRS);                                             \
  } else {                                                                    \
    THROUGH_VECTOR_##fmt (GAIN_LOAD);                                         \
  }                                                                           \
  for (; k < len; k++) {                                                      \
    size_t j = S == 2 ? k / 2 : k;                                            \
    double x = clean ((double) f[k]), o = d[k], y = o * g[j];                 \
    f[k] = (ctype) y;                                                         \
    d[k] = p ? x * p[j] : x;                                                  \
    ea += o * o;                                                              \
    eb += y * y;                                                              \
  }                                                                           \
  e[0] += ea;                                                                 \
  e[1] += eb;                                                                 \
}

#if defined(__GNUC__)
/* Four samples at a time: x = f widened, kept where |x| <= FLT_MAX (NaN
 * fails that too); GAIN reads the g and p of samples k .. k + 3. */
#define THROUGH_VECTOR(LOAD, STORE, GAIN)                                     \
  if (len >= 4) {                                                             \
    const v4df lim = { FLT_MAX, FLT_MAX, FLT_MAX, FLT_MAX };                  \
    v4df a = { 0 }, b = { 0 };                                                \
    for (; k + 4 <= len; k += 4) {                                            \
      v4df x = LOAD (f + k);                                                  \
      v4df ax = (v4df) ((v4di) x & 0x7fffffffffffffff);                       \
      x = (v4df) ((v4di) x & (ax <= lim));                                    \
      v4df o = *(v4df_u *) (d + k), y = o * GAIN (g, k);                      \
      STORE (f + k, y);                                                       \
      if (p)                                                                  \
        x *= GAIN (p, k);                                                     \
      *(v4df_u *) (d + k) = x;                                                \
      a += o * o;                                                             \
      b += y * y;                                                             \
    }                                                                         \
    ea = (a[0] + a[1]) + (a[2] + a[3]);                                       \
    eb = (b[0] + b[1]) + (b[2] + b[3]);                                       \
  }
#define LOAD_F32(q) __builtin_convertvector (*(const v4sf_u *) (q), v4df)
#define STORE_F32(q, v) (*(v4sf_u *) (q) = __builtin_convertvector (v, v4sf_u))
#define LOAD_F64(q) (*(const v4df_u *) (q))
#define STORE_F64(q, v) (*(v4df_u *) (q) = (v))
/* The values of samples k .. k + 3 from one per frame of two channels. */
#define PAIRS(q, k) ((v4df) { (q)[(k) / 2], (q)[(k) / 2],                     \
        (q)[(k) / 2 + 1], (q)[(k) / 2 + 1] })
#define GAIN_LOAD(q, k) LOAD_F64 ((q) + (k))
#define THROUGH_VECTOR_f32(GAIN) THROUGH_VECTOR (LOAD_F32, STORE_F32, GAIN)
#define THROUGH_VECTOR_f64(GAIN) THROUGH_VECTOR (LOAD_F64, STORE_F64, GAIN)
#else
#define THROUGH_VECTOR_f32(GAIN)
#define THROUGH_VECTOR_f64(GAIN)
#endif

/* One value per frame, repeated for each of C channels. */
MM_VECTOR_CLONES static void
widen (double *restrict w, const double *restrict v, unsigned C, size_t n)
{
  for (size_t i = 0; i < n; i++)
    for (unsigned c = 0; c < C; c++)
      w[i * C + c] = v[i];
}

/* The sanitised pre-gain p of n frames into pd, |p| into pre (a select
 * by mask: GCC leaves the conditional of the loop below unvectorised). */
MM_VECTOR_CLONES static void
take_pregain (double *restrict pd, float *restrict pre,
    const float *restrict pregain, size_t n)
{
  size_t i = 0;
#if defined(__GNUC__)
  const v4sf lim = { FLT_MAX, FLT_MAX, FLT_MAX, FLT_MAX };
  for (; i + 4 <= n; i += 4) {
    v4sf p = *(const v4sf_u *) (pregain + i);
    v4sf a = (v4sf) ((v4si) p & 0x7fffffff);
    v4si ok = a <= lim;
    *(v4df_u *) (pd + i) = __builtin_convertvector ((v4sf) ((v4si) p & ok),
        v4df);
    *(v4sf_u *) (pre + i) = (v4sf) ((v4si) a & ok);
  }
#endif
  for (; i < n; i++) {
    float p = fabsf (pregain[i]) <= FLT_MAX ? pregain[i] : 0.0f;
    pd[i] = p;
    pre[i] = fabsf (p);
  }
}

DEFINE_THROUGH (f32, float)
DEFINE_THROUGH (f64, double)

/* process: detector, required gains and the gain recursion, output peaks
 * over a block, then the delay line.  State, all cleared by
 * mm_limiter_reset:
 *
 *   os              the oversampler's per-channel history (detector)
 *   ceiling         the smoother gliding the detection ceiling c (linear,
 *                   set ceiling - DETECT_MARGIN_DB) over CEILING_RAMP_MS
 *   peak[0]         q of the previous frame (r covers both neighbours)
 *   pre             the sanitised pre-gain of the last D frames (the
 *                   detector's delay: r[m] uses p[m])
 *   seg, seg_pos    the hold's current segment: r of its first seg_pos
 *                   frames (segments of H frames start at frame numbers
 *                   that are multiples of H); prefix, their minimum;
 *                   seg_any, whether one is under 1
 *   suffix          suffix minima of the previous segment: suffix[j] =
 *                   min of its r[j .. H-1], suffix[H] = 1; all 1 before
 *                   there was one; suffix_one, whether all are 1.
 *                   h = min (prefix, suffix[seg_pos + 1])
 *   t               frames seen (aligns the segments and the activity)
 *   held            h', the released hold (the release's one-pole state)
 *   activity        0..1, how much and how long the limiter has worked: a
 *                   one-pole (ACTIVITY_MS) following min (1, (1 - h) / 0.5)
 *                   (full at 6 dB of required reduction) while h < 1,
 *                   frozen while the gain is being released, decaying to 0
 *                   once h' is back at 1, updated every ACTIVITY_EVERY
 *                   frames.  The release time constant is
 *                   release x (1 + 2 activity): an isolated peak recovers
 *                   at the set release, dense limiting up to 3x slower
 *                   (less pumping and distortion); rel_k is its step
 *   ring_a, sum_a   first box filter: the last A quantised h' and their sum
 *   ring_b, sum_b   second box filter: the last B values of sum_a and
 *                   their sum; G = sum_b / (A B 2^40) (1 when full)
 *   last_gain       the last G; min_gain, the smallest since get_reduction
 *   delay, dpos     the delay line: `latency` interleaved frames of p x, a
 *                   ring; dpos is the oldest frame, read then overwritten
 *   env_delay, epos e_c |p| per channel, `lookahead` frames, a ring
 *   in_peak, out_peak, energy_in, energy_out: the readouts since reset
 *
 * The delay line is double for both formats: exact for f32 and f64 alike
 * (a float times a float pre-gain is exact in double), so a gain of 1 is a
 * bit-exact (delayed) pass-through.  Nothing in the state recirculates
 * audio, so no denormal can build up: h' and G are gains (>= the smallest
 * required gain, or 0), the activity is flushed to 0 under 1e-12.  Every
 * value is computed per frame, or per frame number, so any split of the
 * stream into calls gives the same output. */
#define DEFINE_PROCESS(fmt, ctype, deinterleave)                              \
int                                                                           \
mm_limiter_process_gain_##fmt (mm_limiter * l, ctype * buf,                   \
    const float *pregain, size_t frames)                                      \
{                                                                             \
  if (!l || (!buf && frames))                                                 \
    return MM_ERR_INVALID;                                                    \
  const unsigned C = l->channels, N = l->latency, D = l->det_delay;          \
  float *planes[MM_CHANNELS_MAX];                                             \
  for (unsigned c = 0; c < C; c++)                                            \
    planes[c] = l->plane + (size_t) c * BLOCK;                                \
  while (frames > 0) {                                                        \
    size_t n = frames < BLOCK ? frames : BLOCK;                               \
    /* |p| after the D frames before the block: r[m] and the output    \
     * peak of block frame i use l->pre[i] (m = n - D). */                    \
    float *pre = l->pre + D;                                                  \
    /* p and G for through_: one per frame for one or two channels (S     \
     * samples each), widened to one per sample for more. */                  \
    const unsigned S = C <= 2 ? C : 1, per = C <= 2 ? 1 : C;                  \
    double *pw = l->wide_p, *gw = C <= 2 ? l->gain : l->wide;                 \
    if (pregain) {                                                            \
      double *pd = C <= 2 ? pw : l->gain;  /* gain: free until gains () */ \
      take_pregain (pd, pre, pregain, n);                                     \
      if (C > 2)                                                              \
        widen (pw, pd, C, n);                                                 \
    } else {                                                                  \
      for (size_t i = 0; i < n; i++)                                          \
        pre[i] = 1.0f;                                                        \
    }                                                                         \
    deinterleave (planes, buf, C, n);                                         \
    detect (l, n);                                                            \
    mm_smoother_fill (l->ceiling, l->ceil, n);                                \
    gains (l, n);                                                             \
    output_peaks (l, n);                                                      \
    if (C > 2)                                                                \
      widen (gw, l->gain, C, n);                                              \
    double e[2] = { l->energy_in, l->energy_out };                            \
    for (size_t i = 0; i < n;) {                                              \
      size_t len = N - l->dpos < n - i ? N - l->dpos : n - i;                 \
      through_##fmt (buf + i * C, l->delay + (size_t) l->dpos * C,            \
          gw + i * per, pregain ? pw + i * per : NULL, len * C, S, e);        \
      l->dpos = l->dpos + len == N ? 0 : l->dpos + (unsigned) len;            \
      i += len;                                                               \
    }                                                                         \
    l->energy_in = e[0];                                                      \
    l->energy_out = e[1];                                                     \
    l->peak[0] = l->peak[n];                                                  \
    memmove (l->pre, l->pre + n, D * sizeof (float));                         \
    buf += n * C;                                                             \
    if (pregain)                                                              \
      pregain += n;                                                           \
    frames -= n;                                                              \
  }                                                                           \
  return MM_OK;                                                               \
}                                                                             \
                                                                              \
int                                                                           \
mm_limiter_process_##fmt (mm_limiter * l, ctype * buf, size_t frames)         \
{                                                                             \
  return mm_limiter_process_gain_##fmt (l, buf, NULL, frames);                \
}

DEFINE_PROCESS (f32, float, mm_vector_deinterleave_all_f32)
DEFINE_PROCESS (f64, double, mm_vector_deinterleave_all_f64)
