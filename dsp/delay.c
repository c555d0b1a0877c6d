/* delay: stereo feedback delay with crossfaded time changes (see delay.h).
 *
 * Per channel and frame (non-finite input taken as 0, |x| clamped to 1e6):
 *
 *   y[n]    = (1 - c) line[n - d_cur] + c line[n - d_next]   (output)
 *   line[n] = x[n] + fb LP (y[n])
 *
 * so the first echo is x delayed d, echo n is fb^(n-1) of it (LP off).
 *
 *   d_cur, d_next  read distances in whole samples; d_next is used only
 *                  during a crossfade
 *   c              the crossfade position 0 -> 1, an mm_smoother linear
 *                  ramp of XFADE_MS; when it reaches 1, d_cur = d_next
 *   d_target       the time asked for; a crossfade towards it starts at
 *                  the next BLOCK boundary of the stream where no
 *                  crossfade is under way
 *   fb             feedback, an mm_smoother (per-frame values)
 *   lp, lp_state   2nd-order Butterworth low-pass (the biquad block) per
 *                  channel, designed at BLOCK boundaries from the cutoff
 *                  smoother (log2 Hz); skipped while off
 *
 * The frames of one block are run in chunks no longer than the shorter
 * read distance, so a chunk reads only what earlier chunks wrote: the
 * feedback signal of a chunk can then go through the biquad as a block.
 * The result is the same for any chunking and any split into calls.
 */
#include "delay.h"

#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "smooth.h"

#define BLOCK 64
#define XFADE_MS 50.0
#define PARAM_RAMP_MS 50.0
#define INPUT_MAX 1e6f
#define LP_MIN 20.0
#define LP_MAX 20000.0
#define BUTTERWORTH_Q 0.70710678118654752

struct mm_delay
{
  unsigned rate;
  double time_ms, feedback, lp_hz;      /* targets */

  float *line[2];
  size_t mask, wpos;

  size_t d_cur, d_next, d_target;
  int fading;
  mm_smoother *xfade, *fb, *lp_log2;

  int lp_on;
  double lp_designed;           /* log2 Hz of the current design */
  mm_biquad_coeffs lp;
  mm_biquad_state lp_state[2];

  uint64_t pos;
  float cbuf[BLOCK], fbbuf[BLOCK];
  double fbsig[2][BLOCK];
  float xin[2][BLOCK];
};

static double
clampd (double v, double lo, double hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

static size_t
ms_to_samples (unsigned rate, double ms)
{
  size_t n = (size_t) llround (ms * 0.001 * rate);
  return n < 1 ? 1 : n;
}

static double
lp_clamp (const mm_delay * d, double hz)
{
  double hi = 0.45 * d->rate < LP_MAX ? 0.45 * d->rate : LP_MAX;
  return clampd (hz, LP_MIN, hi);
}

void
mm_delay_free (mm_delay ** pd)
{
  if (!pd || !*pd)
    return;
  mm_delay *d = *pd;
  free (d->line[0]);
  free (d->line[1]);
  mm_smoother_free (&d->xfade);
  mm_smoother_free (&d->fb);
  mm_smoother_free (&d->lp_log2);
  free (d);
  *pd = NULL;
}

mm_delay *
mm_delay_new (unsigned rate)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX)
    return NULL;
  mm_delay *d = calloc (1, sizeof (*d));
  if (!d)
    return NULL;
  d->rate = rate;
  d->time_ms = 500.0;
  d->feedback = 0.3;
  d->lp_hz = 0.0;

  size_t n = 1, need = ms_to_samples (rate, MM_DELAY_TIME_MAX) + 1;
  while (n < need)
    n <<= 1;
  d->mask = n - 1;
  d->line[0] = calloc (n, sizeof (float));
  d->line[1] = calloc (n, sizeof (float));
  if (!d->line[0] || !d->line[1])
    goto fail;
  d->xfade = mm_smoother_new (rate, XFADE_MS, 0.0);
  d->fb = mm_smoother_new (rate, PARAM_RAMP_MS, d->feedback);
  d->lp_log2 = mm_smoother_new (rate, PARAM_RAMP_MS, log2 (LP_MAX));
  if (!d->xfade || !d->fb || !d->lp_log2)
    goto fail;
  mm_delay_reset (d);
  return d;

fail:
  mm_delay_free (&d);
  return NULL;
}

int
mm_delay_reset (mm_delay * d)
{
  if (!d)
    return MM_ERR_INVALID;
  memset (d->line[0], 0, (d->mask + 1) * sizeof (float));
  memset (d->line[1], 0, (d->mask + 1) * sizeof (float));
  d->wpos = 0;
  d->pos = 0;
  d->d_cur = d->d_next = d->d_target = ms_to_samples (d->rate, d->time_ms);
  d->fading = 0;
  mm_smoother_set_value (d->xfade, 0.0);
  mm_smoother_set_value (d->fb, d->feedback);
  d->lp_on = d->lp_hz > 0.0;
  mm_smoother_set_value (d->lp_log2, log2 (d->lp_on ? d->lp_hz : LP_MAX));
  d->lp_designed = -1.0;
  mm_biquad_reset (&d->lp_state[0]);
  mm_biquad_reset (&d->lp_state[1]);
  return MM_OK;
}

int
mm_delay_set_time (mm_delay * d, double ms)
{
  if (!d || isnan (ms))
    return MM_ERR_INVALID;
  d->time_ms = clampd (ms, MM_DELAY_TIME_MIN, MM_DELAY_TIME_MAX);
  d->d_target = ms_to_samples (d->rate, d->time_ms);
  return MM_OK;
}

int
mm_delay_set_feedback (mm_delay * d, double feedback)
{
  if (!d || isnan (feedback))
    return MM_ERR_INVALID;
  d->feedback = clampd (feedback, 0.0, MM_DELAY_FEEDBACK_MAX);
  return mm_smoother_set_target (d->fb, d->feedback);
}

int
mm_delay_set_lowpass (mm_delay * d, double hz)
{
  if (!d || isnan (hz) || hz < 0.0)
    return MM_ERR_INVALID;
  if (hz == 0.0) {
    d->lp_hz = 0.0;
    d->lp_on = 0;
    return MM_OK;
  }
  d->lp_hz = lp_clamp (d, hz);
  if (!d->lp_on) {
    /* Off -> on: start from the new cutoff itself (no glide from a stale
     * value) with fresh filter state. */
    mm_smoother_set_value (d->lp_log2, log2 (d->lp_hz));
    mm_biquad_reset (&d->lp_state[0]);
    mm_biquad_reset (&d->lp_state[1]);
    d->lp_on = 1;
    return MM_OK;
  }
  return mm_smoother_set_target (d->lp_log2, log2 (d->lp_hz));
}

/* At a BLOCK boundary: start a pending crossfade, redesign the low-pass. */
static void
block_start (mm_delay * d)
{
  if (!d->fading && d->d_target != d->d_cur) {
    d->d_next = d->d_target;
    mm_smoother_set_value (d->xfade, 0.0);
    mm_smoother_set_target (d->xfade, 1.0);
    d->fading = 1;
  }
  if (d->lp_on) {
    double l2 = mm_smoother_get_value (d->lp_log2);
    if (l2 != d->lp_designed) {
      mm_biquad_design (&d->lp, MM_BIQUAD_LOWPASS, d->rate, exp2 (l2),
          BUTTERWORTH_Q, 0.0);
      d->lp_designed = l2;
    }
  }
}

static inline float
clean (float x)
{
  if (!isfinite (x))
    return 0.0f;
  return x > INPUT_MAX ? INPUT_MAX : x < -INPUT_MAX ? -INPUT_MAX : x;
}

/* n frames, n <= the shorter read distance in use: every read is of a
 * sample written before this chunk. */
static void
process_chunk (mm_delay * d, const float *in, float *out, size_t n)
{
  const size_t mask = d->mask, w0 = d->wpos;
  mm_smoother_fill (d->fb, d->fbbuf, n);
  if (d->fading)
    mm_smoother_fill (d->xfade, d->cbuf, n);

  /* read the input first: in == out is allowed */
  for (size_t k = 0; k < n; k++) {
    d->xin[0][k] = clean (in[2 * k]);
    d->xin[1][k] = clean (in[2 * k + 1]);
  }
  for (int c = 0; c < 2; c++) {
    float *line = d->line[c];
    double *s = d->fbsig[c];
    if (d->fading) {
      for (size_t k = 0; k < n; k++) {
        float a = line[(w0 + k - d->d_cur) & mask];
        float b = line[(w0 + k - d->d_next) & mask];
        s[k] = a + d->cbuf[k] * (b - a);
      }
    } else {
      for (size_t k = 0; k < n; k++)
        s[k] = line[(w0 + k - d->d_cur) & mask];
    }
    for (size_t k = 0; k < n; k++)
      out[2 * k + c] = (float) s[k];
    if (d->lp_on)
      mm_biquad_process (&d->lp, &d->lp_state[c], s, n);
    for (size_t k = 0; k < n; k++)
      line[(w0 + k) & mask] = d->xin[c][k] + d->fbbuf[k] * (float) s[k];
  }
  d->wpos += n;
  if (d->fading && !mm_smoother_is_ramping (d->xfade)) {
    d->d_cur = d->d_next;
    d->fading = 0;
  }
}

int
mm_delay_process_f32 (mm_delay * d, const float *in, float *out,
    size_t frames)
{
  if (!d || (frames && (!in || !out)))
    return MM_ERR_INVALID;
  while (frames > 0) {
    size_t off = (size_t) (d->pos % BLOCK);
    size_t n = BLOCK - off;
    if (n > frames)
      n = frames;
    if (off == 0)
      block_start (d);
    /* the cutoff smoother advances per block segment, whatever the
     * chunking */
    mm_smoother_fill (d->lp_log2, d->cbuf, n);
    for (size_t done = 0; done < n;) {
      size_t m = n - done;
      size_t lim = d->fading && d->d_next < d->d_cur ? d->d_next : d->d_cur;
      if (m > lim)
        m = lim;
      process_chunk (d, in + 2 * done, out + 2 * done, m);
      done += m;
    }
    d->pos += n;
    in += 2 * n;
    out += 2 * n;
    frames -= n;
  }
  return MM_OK;
}
