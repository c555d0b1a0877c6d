/* width: mid/side stereo width (see width.h).
 *
 * Per stereo frame (non-finite samples taken as 0 first):
 *
 *   M = (L + R) / 2,  S = (L - R) / 2
 *   S' = w HP (S)     w: the width (mm_smoother, WIDTH_RAMP_MS linear)
 *                     HP: RBJ 2nd-order Butterworth high-pass at the
 *                     bass-mono frequency (the one biquad block); off: not
 *                     run at all
 *   L' = M + S',  R' = M - S'
 *
 * Width 1 with bass mono off (and no ramp under way) leaves the samples
 * bit-exact (the arithmetic is skipped: M + S is not always L in floating
 * point).  A mono signal (L == R) comes out bit-exact at any width: S = 0,
 * M = L exactly.  Turning bass mono on or moving its frequency re-designs
 * the section at once; DF-I state tolerates it.
 *
 * Statistics over the output since the last get_stats: sums of L^2, R^2
 * and L R (double).  correlation = sum LR / sqrt (sum L^2 sum R^2), 1 when
 * both channels are silent, 0 when only one is; side_mid = sum S'^2 /
 * sum M^2 (with S'^2 and M^2 from the same three sums), 0 for silence,
 * at most SIDE_MID_MAX (side without mid).  Channel counts other than 2
 * pass unchanged (but non-finite samples come out as 0) and read
 * correlation 1, side_mid 0.
 *
 * State: the smoother, the high-pass state (flushed of denormals every
 * BLOCK frames of the stream, counted from the start, so any split of the
 * stream into calls gives the same output), the three sums.  No latency.
 */
#include "width.h"

#include <float.h>
#include <stdlib.h>

#include "biquad.h"
#include "smooth.h"
#include "vector.h"

#define BLOCK 256
#define WIDTH_RAMP_MS 50.0
#define SIDE_MID_MAX 1e6
#define BUTTERWORTH_Q 0.70710678118654752

struct mm_width
{
  unsigned rate, channels;
  double bass_mono_hz;
  mm_smoother *width;
  mm_biquad_coeffs hp;
  mm_biquad_state hp_state;
  uint64_t pos;
  double sum_ll, sum_rr, sum_lr;
  float wb[BLOCK];              /* the width per frame of one block */
  double side[BLOCK];           /* S of one block */
};

mm_width *
mm_width_new (unsigned rate, unsigned channels)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > MM_CHANNELS_MAX)
    return NULL;
  mm_width *w = calloc (1, sizeof (*w));
  if (!w)
    return NULL;
  w->rate = rate;
  w->channels = channels;
  w->width = mm_smoother_new (rate, WIDTH_RAMP_MS, 1.0);
  if (!w->width)
    goto fail;
  mm_biquad_identity (&w->hp);
  return w;

fail:
  mm_width_free (&w);
  return NULL;
}

void
mm_width_free (mm_width ** pw)
{
  if (!pw || !*pw)
    return;
  mm_smoother_free (&(*pw)->width);
  free (*pw);
  *pw = NULL;
}

int
mm_width_reset (mm_width * w)
{
  if (!w)
    return MM_ERR_INVALID;
  mm_smoother_set_value (w->width, mm_smoother_get_target (w->width));
  mm_biquad_reset (&w->hp_state);
  w->pos = 0;
  w->sum_ll = w->sum_rr = w->sum_lr = 0.0;
  return MM_OK;
}

int
mm_width_set_width (mm_width * w, double width)
{
  if (!w || !(width >= 0.0 && width <= 2.0))
    return MM_ERR_INVALID;
  return mm_smoother_set_target (w->width, width);
}

int
mm_width_set_bass_mono (mm_width * w, double hz)
{
  if (!w || !(hz == 0.0 || (hz >= 20.0 && hz <= 500.0)))
    return MM_ERR_INVALID;
  if (hz == w->bass_mono_hz)
    return MM_OK;
  if (hz == 0.0)
    mm_biquad_identity (&w->hp);
  else if (mm_biquad_design (&w->hp, MM_BIQUAD_HIGHPASS, w->rate, hz,
          BUTTERWORTH_Q, 0.0) != MM_OK)
    return MM_ERR_INVALID;
  if (w->bass_mono_hz == 0.0)   /* the section starts from rest */
    mm_biquad_reset (&w->hp_state);
  w->bass_mono_hz = hz;
  return MM_OK;
}

int
mm_width_get_stats (mm_width * w, double *correlation, double *side_mid)
{
  if (!w)
    return MM_ERR_INVALID;
  double ll = w->sum_ll, rr = w->sum_rr, lr = w->sum_lr;
  double corr, sm;
  if (ll == 0.0 && rr == 0.0)
    corr = 1.0;
  else if (ll == 0.0 || rr == 0.0)
    corr = 0.0;
  else {
    corr = lr / sqrt (ll * rr);
    corr = corr > 1.0 ? 1.0 : corr < -1.0 ? -1.0 : corr;
  }
  double mm = 0.25 * (ll + rr + 2.0 * lr), ss = 0.25 * (ll + rr - 2.0 * lr);
  mm = mm > 0.0 ? mm : 0.0;
  ss = ss > 0.0 ? ss : 0.0;
  if (ss == 0.0)
    sm = 0.0;
  else if (ss >= SIDE_MID_MAX * mm)
    sm = SIDE_MID_MAX;
  else
    sm = ss / mm;
  if (correlation)
    *correlation = corr;
  if (side_mid)
    *side_mid = sm;
  w->sum_ll = w->sum_rr = w->sum_lr = 0.0;
  return MM_OK;
}

static void
sanitize_f32 (float *d, size_t n)
{
  mm_vector_sanitize_f32 (d, n);
}

static void
sanitize_f64 (double *d, size_t n)
{
  for (size_t i = 0; i < n; i++)
    d[i] = isfinite (d[i]) ? d[i] : 0.0;
}

/* S of n stereo frames (non-finite samples taken as 0). */
static void
side_f32 (const float *buf, double *side, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    double l = buf[2 * i], r = buf[2 * i + 1];
    l = isfinite (l) ? l : 0.0;
    r = isfinite (r) ? r : 0.0;
    side[i] = 0.5 * (l - r);
  }
}

static void
side_f64 (const double *buf, double *side, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    double l = buf[2 * i], r = buf[2 * i + 1];
    l = isfinite (l) ? l : 0.0;
    r = isfinite (r) ? r : 0.0;
    side[i] = 0.5 * (l - r);
  }
}

/* One frame of the steady bass-mono path (in block_: buf, hp, hs, wv and
 * the sums ll, rr, lr). */
#define WIDTH_FRAME(T, j)                                                       \
  do {                                                                          \
    double l = buf[2 * (j)], r = buf[2 * (j) + 1];                              \
    l = fabs (l) <= DBL_MAX ? l : 0.0;                                          \
    r = fabs (r) <= DBL_MAX ? r : 0.0;                                          \
    const double sh = mm_biquad_tick (&hp, &hs, 0.5 * (l - r));                 \
    const double m = 0.5 * (l + r), sd = wv * sh;                               \
    const T lo = (T) (m + sd), ro = (T) (m - sd);                               \
    buf[2 * (j)] = lo;                                                          \
    buf[2 * (j) + 1] = ro;                                                      \
    ll += (double) lo * lo;                                                     \
    rr += (double) ro * ro;                                                     \
    lr += (double) lo * ro;                                                     \
  } while (0)

/* n <= BLOCK stereo frames, in place. */
#define DEFINE_WIDTH_PROCESS(sfx, T)                                            \
MM_VECTOR_CLONES static void                                                    \
block_##sfx (mm_width * w, T * buf, size_t n)                                   \
{                                                                               \
  double ll = w->sum_ll, rr = w->sum_rr, lr = w->sum_lr;                        \
  if (w->bass_mono_hz == 0.0 && !mm_smoother_is_ramping (w->width)              \
      && mm_smoother_get_value (w->width) == 1.0) {                             \
    for (size_t i = 0; i < n; i++) {                                            \
      T l = buf[2 * i], r = buf[2 * i + 1];                                     \
      if (!isfinite (l))                                                        \
        buf[2 * i] = l = 0;                                                     \
      if (!isfinite (r))                                                        \
        buf[2 * i + 1] = r = 0;                                                 \
      ll += (double) l * l;                                                     \
      rr += (double) r * r;                                                     \
      lr += (double) l * r;                                                     \
    }                                                                           \
  } else if (w->bass_mono_hz > 0.0 && !mm_smoother_is_ramping (w->width)) {   \
    /* steady width, bass mono on: one width for the block, the side's   */ \
    /* high-pass in the same loop (its recursion, all that is serial,     */ \
    /* then overlaps the rest)                                            */ \
    /* (two frames per turn: the compiler then keeps the recursion's     */ \
    /* values in place instead of moving them through a merge each frame) */ \
    const double wv = (float) mm_smoother_get_value (w->width);                 \
    const mm_biquad_coeffs hp = w->hp;                                          \
    mm_biquad_state hs = w->hp_state;                                           \
    size_t i = 0;                                                               \
    for (; i + 2 <= n; i += 2) {                                                \
      WIDTH_FRAME (T, i);                                                       \
      WIDTH_FRAME (T, i + 1);                                                   \
    }                                                                           \
    if (i < n)                                                                  \
      WIDTH_FRAME (T, i);                                                       \
    w->hp_state = hs;                                                           \
  } else {                                                                      \
    double *side = w->side;                                                     \
    mm_smoother_fill (w->width, w->wb, n);                                      \
    side_##sfx (buf, side, n);                                                  \
    if (w->bass_mono_hz > 0.0)                                                  \
      mm_biquad_process (&w->hp, &w->hp_state, side, n);                        \
    for (size_t i = 0; i < n; i++) {                                            \
      double l = buf[2 * i], r = buf[2 * i + 1];                                \
      l = isfinite (l) ? l : 0.0;                                               \
      r = isfinite (r) ? r : 0.0;                                               \
      T lo, ro;                                                                 \
      if (w->wb[i] == 1.0f && w->bass_mono_hz == 0.0) {                         \
        lo = (T) l;             /* as the fast path: bit-exact */               \
        ro = (T) r;                                                             \
      } else {                                                                  \
        double m = 0.5 * (l + r), s = w->wb[i] * side[i];                       \
        lo = (T) (m + s);                                                       \
        ro = (T) (m - s);                                                       \
      }                                                                         \
      buf[2 * i] = lo;                                                          \
      buf[2 * i + 1] = ro;                                                      \
      ll += (double) lo * lo;                                                   \
      rr += (double) ro * ro;                                                   \
      lr += (double) lo * ro;                                                   \
    }                                                                           \
  }                                                                             \
  w->sum_ll = ll;                                                               \
  w->sum_rr = rr;                                                               \
  w->sum_lr = lr;                                                               \
}                                                                               \
                                                                                \
int                                                                             \
mm_width_process_##sfx (mm_width * w, T * buf, size_t frames)                   \
{                                                                               \
  if (!w || (!buf && frames))                                                   \
    return MM_ERR_INVALID;                                                      \
  if (w->channels != 2) {                                                       \
    sanitize_##sfx (buf, frames * w->channels);                                 \
    return MM_OK;                                                               \
  }                                                                             \
  size_t o = 0;                                                                 \
  while (o < frames) {                                                          \
    size_t room = BLOCK - (size_t) (w->pos % BLOCK);                            \
    size_t n = frames - o < room ? frames - o : room;                           \
    block_##sfx (w, buf + 2 * o, n);                                            \
    w->pos += n;                                                                \
    o += n;                                                                     \
    if (w->pos % BLOCK == 0)                                                    \
      mm_biquad_flush_denormals (&w->hp_state);                                 \
  }                                                                             \
  return MM_OK;                                                                 \
}

DEFINE_WIDTH_PROCESS (f32, float)
DEFINE_WIDTH_PROCESS (f64, double)
