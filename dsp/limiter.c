/* limiter: true-peak lookahead limiter (see limiter.h).
 *
 * Non-finite samples (and, in f64, samples beyond the float range) are
 * replaced by 0 before anything else sees them.
 *
 * Signal flow, per input frame n (times in input frames):
 *
 *   detector   every channel goes through the oversampler (factor for
 *              >= 176.4 kHz); q[n] is the largest |value| of the
 *              oversampled frame over all channels and phases.  The
 *              oversampler delays by D = taps / 2 frames, so q[n] covers
 *              the signal on [n - D, n - D + 1): the sample n - D and the
 *              inter-sample values after it.
 *   required   r[m] = min (1, c / max (q[m + D - 1], q[m + D])) for the
 *              audio sample m = n - D: the gain that keeps sample m and
 *              the inter-sample values on both sides of it under the
 *              detection ceiling c.
 *   hold       h[m] = min r[m .. m + H - 1], a sliding-window minimum
 *              (monotonic deque in a ring, O(1) amortised) over the
 *              lookahead window of H = lookahead + 1 frames.
 *   release    h'[m] = h[m] when h falls; otherwise it rises towards h by
 *              a one-pole step whose time constant is the release time
 *              times 1..3 (program dependent, see above process), aiming
 *              RELEASE_EPS past h so that it arrives, and never above h.
 *              So h' <= h, and h' == 1 exactly once released.
 *   attack     two cascaded moving averages (box filters) of A and B
 *              frames, A + B - 1 = K <= H - E, smooth h' into the gain
 *              G[m].  G[m] is a weighted mean of h'[m - K + 1 .. m]; each
 *              of those is <= h[j] for some j in [m - K + 1, m] and every
 *              such h[j] is a minimum over a window that contains m (it
 *              spans j .. j + H - 1 >= m), so
 *
 *                  G[m] <= r[m]       for every m, exactly.
 *
 *              The attack is an S-curve of K frames that ends E frames
 *              before the peak (E = D, at most half the window), so the
 *              gain is already flat across most of the interpolation
 *              filter's reach around the peak: the output's own
 *              inter-sample values then are the input's times the gain, as
 *              the detector assumed.  The largest gain step per frame is
 *              (gain change) / max (A, B), about 2 / lookahead.
 *   output     y[m] = G[m] x[m], from a delay line of L = H - 1 + D =
 *              lookahead + D frames: that is mm_limiter_get_latency.
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
 */
#include "limiter.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "oversample.h"
#include "smooth.h"
#include "vector.h"

#define BLOCK 256               /* frames per detector pass */
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
  unsigned box_a, box_b;        /* attack filter lengths */
  unsigned latency;             /* lookahead + D */

  double release_ms, release_coef;      /* base one-pole step */
  double activity_coef;
  double ceiling_db;

  mm_oversampler *os;
  mm_smoother *ceiling;         /* detection ceiling, linear */

  /* Scratch for one block. */
  float *plane;                 /* channels x BLOCK: detector input */
  float *up;                    /* BLOCK x factor: one channel oversampled */
  float *peak;                  /* BLOCK: q per frame */
  float *ceil;                  /* BLOCK: c per frame */

  /* State (see the comment above process). */
  double *delay;                /* latency x channels, interleaved */
  unsigned dpos;
  double *dq_val;               /* hold deque: values ... */
  uint64_t *dq_time;            /* ... and their frame numbers */
  unsigned dq_head, dq_count;
  uint64_t t;
  float q_prev;
  double held;                  /* h' */
  double activity;
  int64_t *ring_a, *ring_b;
  int64_t sum_a, sum_b;
  unsigned pos_a, pos_b;
  double norm;                  /* A * B * Q_ONE */
  double gain, min_gain;
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
  l->norm = (double) l->box_a * l->box_b * (double) Q_ONE;

  l->ceiling = mm_smoother_new (rate, CEILING_RAMP_MS,
      mm_db_to_linear (DEFAULT_CEILING_DB - DETECT_MARGIN_DB));
  if (!l->ceiling)
    goto fail;
  l->ceiling_db = DEFAULT_CEILING_DB;
  l->release_ms = DEFAULT_RELEASE_MS;
  l->release_coef = one_pole_coef (DEFAULT_RELEASE_MS, rate);
  l->activity_coef = one_pole_coef (ACTIVITY_MS, rate);

  l->plane = malloc ((size_t) channels * BLOCK * sizeof (float));
  l->up = malloc ((size_t) BLOCK * l->factor * sizeof (float));
  l->peak = malloc (BLOCK * sizeof (float));
  l->ceil = malloc (BLOCK * sizeof (float));
  l->delay = malloc ((size_t) l->latency * channels * sizeof (double));
  l->dq_val = malloc ((size_t) l->hold * sizeof (double));
  l->dq_time = malloc ((size_t) l->hold * sizeof (uint64_t));
  l->ring_a = malloc ((size_t) l->box_a * sizeof (int64_t));
  l->ring_b = malloc ((size_t) l->box_b * sizeof (int64_t));
  if (!l->plane || !l->up || !l->peak || !l->ceil || !l->delay || !l->dq_val
      || !l->dq_time || !l->ring_a || !l->ring_b)
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
  free (l->up);
  free (l->peak);
  free (l->ceil);
  free (l->delay);
  free (l->dq_val);
  free (l->dq_time);
  free (l->ring_a);
  free (l->ring_b);
  free (l);
  *pl = NULL;
}

int
mm_limiter_reset (mm_limiter * l)
{
  if (!l)
    return MM_ERR_INVALID;
  mm_oversampler_reset (l->os);
  mm_smoother_set_value (l->ceiling, mm_smoother_get_target (l->ceiling));
  memset (l->delay, 0, (size_t) l->latency * l->channels * sizeof (double));
  l->dpos = 0;
  l->dq_head = l->dq_count = 0;
  l->t = 0;
  l->q_prev = 0.0f;
  l->held = 1.0;
  l->activity = 0.0;
  for (unsigned i = 0; i < l->box_a; i++)
    l->ring_a[i] = Q_ONE;
  l->sum_a = (int64_t) l->box_a * Q_ONE;
  for (unsigned i = 0; i < l->box_b; i++)
    l->ring_b[i] = l->sum_a;
  l->sum_b = (int64_t) l->box_b * l->sum_a;
  l->pos_a = l->pos_b = 0;
  l->gain = l->min_gain = 1.0;
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
    *now_db = l->gain < 1.0 ? -mm_linear_to_db (l->gain) : 0.0;
  if (max_db)
    *max_db = l->min_gain < 1.0 ? -mm_linear_to_db (l->min_gain) : 0.0;
  l->min_gain = l->gain;
  return MM_OK;
}

/* Detector for one block: sanitises the deinterleaved planes in l->plane,
 * writes q per frame to l->peak.  Phase 0 of the oversampler is the
 * sample itself, so q never misses a sample peak; a NaN the interpolator
 * might make of huge inputs never wins the comparison. */
static void
detect (mm_limiter * l, size_t n)
{
  const unsigned L = l->factor;
  for (unsigned c = 0; c < l->channels; c++) {
    float *p = l->plane + (size_t) c * BLOCK;
    mm_vector_sanitize_f32 (p, n);
    mm_oversampler_upsample (l->os, c, p, n, l->up);
    for (size_t i = 0; i < n; i++) {
      float m = c ? l->peak[i] : 0.0f;
      const float *u = l->up + i * L;
      for (unsigned k = 0; k < L; k++) {
        float a = fabsf (u[k]);
        m = a > m ? a : m;
      }
      l->peak[i] = m;
    }
  }
}

/* The gain computer, one frame: from q (the detector's newest frame) and
 * c (the detection ceiling) to the gain G for the frame leaving the delay
 * line now (the state is described above process). */
static inline double
gain_step (mm_limiter * l, float q, double c)
{
  /* Required gain. */
  float qm = q > l->q_prev ? q : l->q_prev;
  l->q_prev = q;
  double r = qm > c ? c / qm : 1.0;

  /* Running minimum over the last H frames. */
  const unsigned H = l->hold;
  uint64_t t = l->t++;
  if (l->dq_count && l->dq_time[l->dq_head] + H <= t) {
    l->dq_head = l->dq_head + 1 == H ? 0 : l->dq_head + 1;
    l->dq_count--;
  }
  while (l->dq_count) {
    unsigned back = l->dq_head + l->dq_count - 1;
    back = back >= H ? back - H : back;
    if (l->dq_val[back] < r)
      break;
    l->dq_count--;
  }
  unsigned slot = l->dq_head + l->dq_count;
  slot = slot >= H ? slot - H : slot;
  l->dq_val[slot] = r;
  l->dq_time[slot] = t;
  l->dq_count++;
  double h = l->dq_val[l->dq_head];

  /* Program-dependent release: the activity follows the required
   * reduction while there is one, holds while the gain is released, and
   * decays once it is back at 1. */
  double held = l->held;
  if (h < 1.0 || held >= 1.0) {
    double target = (1.0 - h) * (1.0 / ACTIVITY_FULL);
    target = target > 1.0 ? 1.0 : target;
    double act = l->activity + (target - l->activity) * l->activity_coef;
    l->activity = act < 1e-12 ? 0.0 : act;
  }

  if (h <= held) {
    held = h;
  } else {
    double k = l->release_coef / (1.0 + RELEASE_STRETCH * l->activity);
    held += (h - held + RELEASE_EPS) * k;
    held = held > h ? h : held;
  }
  l->held = held;

  /* Attack: two box filters on the quantised gain (exact integer sums). */
  int64_t v = (int64_t) (held * (double) Q_ONE);
  l->sum_a += v - l->ring_a[l->pos_a];
  l->ring_a[l->pos_a] = v;
  l->pos_a = l->pos_a + 1 == l->box_a ? 0 : l->pos_a + 1;
  l->sum_b += l->sum_a - l->ring_b[l->pos_b];
  l->ring_b[l->pos_b] = l->sum_a;
  l->pos_b = l->pos_b + 1 == l->box_b ? 0 : l->pos_b + 1;

  double g = (double) l->sum_b / l->norm;
  l->gain = g;
  l->min_gain = g < l->min_gain ? g : l->min_gain;
  return g;
}

/* A sample for the delay line: non-finite (and beyond float range, which
 * the detector cannot see) becomes 0. */
static inline double
clean (double x)
{
  return fabs (x) <= FLT_MAX ? x : 0.0;
}

/* process: detector over a block, then per frame the gain computer and
 * the delay line.  State, all cleared by mm_limiter_reset:
 *
 *   os              the oversampler's per-channel history (detector)
 *   ceiling         the smoother gliding the detection ceiling c (linear,
 *                   set ceiling - DETECT_MARGIN_DB) over CEILING_RAMP_MS
 *   q_prev          q of the previous frame (r covers both neighbours)
 *   dq_val/dq_time  the hold deque: a ring of H slots from dq_head,
 *                   dq_count used; values increase from front to back,
 *                   each with its frame number; the front is the minimum
 *                   of r over the last H frames, h
 *   t               frames seen (the deque's clock)
 *   held            h', the released hold (the release's one-pole state)
 *   activity        0..1, how much and how long the limiter has worked: a
 *                   one-pole (ACTIVITY_MS) following min (1, (1 - h) / 0.5)
 *                   (full at 6 dB of required reduction) while h < 1,
 *                   frozen while the gain is being released, decaying to 0
 *                   once h' is back at 1.  The release time constant is
 *                   release x (1 + 2 activity): an isolated peak recovers
 *                   at the set release, dense limiting up to 3x slower
 *                   (less pumping and distortion)
 *   ring_a, sum_a   first box filter: the last A quantised h' and their sum
 *   ring_b, sum_b   second box filter: the last B values of sum_a and
 *                   their sum; G = sum_b / (A B 2^40)
 *   gain, min_gain  the last G, and the smallest since get_reduction
 *   delay, dpos     the delay line: `latency` interleaved frames, a ring;
 *                   dpos is the oldest frame, read then overwritten
 *
 * The delay line is double for both formats: exact for f32 and f64 alike,
 * so a gain of 1 is a bit-exact (delayed) pass-through.  Nothing in the
 * state recirculates audio, so no denormal can build up: h' and G are
 * gains (>= the smallest required gain, or 0), the activity is flushed to
 * 0 under 1e-12.  Every value is computed per frame, so any split of the
 * stream into calls gives the same output. */
#define DEFINE_PROCESS(fmt, ctype, deinterleave)                              \
int                                                                           \
mm_limiter_process_##fmt (mm_limiter * l, ctype * buf, size_t frames)         \
{                                                                             \
  if (!l || (!buf && frames))                                                 \
    return MM_ERR_INVALID;                                                    \
  const unsigned C = l->channels, N = l->latency;                            \
  float *planes[MM_CHANNELS_MAX];                                             \
  for (unsigned c = 0; c < C; c++)                                            \
    planes[c] = l->plane + (size_t) c * BLOCK;                                \
  while (frames > 0) {                                                        \
    size_t n = frames < BLOCK ? frames : BLOCK;                               \
    deinterleave (planes, buf, C, n);                                         \
    detect (l, n);                                                            \
    mm_smoother_fill (l->ceiling, l->ceil, n);                                \
    for (size_t i = 0; i < n; i++) {                                          \
      double g = gain_step (l, l->peak[i], l->ceil[i]);                       \
      double *d = l->delay + (size_t) l->dpos * C;                            \
      ctype *f = buf + i * C;                                                 \
      for (unsigned c = 0; c < C; c++) {                                      \
        double x = clean ((double) f[c]);                                     \
        f[c] = (ctype) (d[c] * g);                                            \
        d[c] = x;                                                             \
      }                                                                       \
      l->dpos = l->dpos + 1 == N ? 0 : l->dpos + 1;                           \
    }                                                                         \
    buf += n * C;                                                             \
    frames -= n;                                                              \
  }                                                                           \
  return MM_OK;                                                               \
}

DEFINE_PROCESS (f32, float, mm_vector_deinterleave_all_f32)
DEFINE_PROCESS (f64, double, mm_vector_deinterleave_all_f64)
