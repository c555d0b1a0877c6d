/* smooth: linear-ramp parameter smoother. */
#include "smooth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vector.h"

/* Longest ramp accepted: one hour.  Keeps the sample count far inside
 * 64 bits whatever the rate. */
#define RAMP_MS_MAX 3600000.0

/* The value is a function of the ramp position, not a running sum, so it
 * never drifts and any split of n samples into calls gives the same
 * values:
 *
 *   start      the value when the current ramp began
 *   target     where the ramp ends (also the value once it has ended)
 *   len        samples of the current ramp (0: not ramping)
 *   pos        samples of the current ramp done, 0 < pos <= len while
 *              ramping; value = start + (target - start) * (pos inv_len),
 *              and exactly target when pos == len (then len is cleared)
 *   inv_len    1 / len of the current ramp (a multiply per value, not a
 *              division)
 *   ramp       samples for the next ramp (set_ramp does not touch a ramp
 *              under way)
 *
 * The n-th value written after set_target is the value after n samples:
 * the first is one step along the ramp, the ramp-th is the target. */
struct mm_smoother
{
  unsigned rate;
  uint64_t ramp;
  double start, target, value;
  uint64_t len, pos;
  double inv_len;
};

static int
ramp_samples (unsigned rate, double ramp_ms, uint64_t *out)
{
  if (!(ramp_ms >= 0.0 && ramp_ms <= RAMP_MS_MAX))
    return MM_ERR_INVALID;
  *out = (uint64_t) llround (ramp_ms * 0.001 * rate);
  return MM_OK;
}

mm_smoother *
mm_smoother_new (unsigned rate, double ramp_ms, double initial)
{
  uint64_t ramp;
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || !isfinite (initial)
      || ramp_samples (rate, ramp_ms, &ramp) != MM_OK)
    return NULL;

  mm_smoother *s = calloc (1, sizeof (*s));
  if (!s)
    return NULL;
  s->rate = rate;
  s->ramp = ramp;
  s->start = s->target = s->value = initial;
  return s;
}

void
mm_smoother_free (mm_smoother ** ps)
{
  if (!ps || !*ps)
    return;
  free (*ps);
  *ps = NULL;
}

int
mm_smoother_set_target (mm_smoother * s, double target)
{
  if (!s || !isfinite (target))
    return MM_ERR_INVALID;
  /* The same target again (a caller re-applying its properties every
   * buffer) must not restart the ramp. */
  if (target == s->target)
    return MM_OK;
  s->start = s->value;
  s->target = target;
  s->pos = 0;
  s->len = s->ramp;
  if (s->len == 0)
    s->value = target;
  else
    s->inv_len = 1.0 / (double) s->len;
  return MM_OK;
}

int
mm_smoother_set_value (mm_smoother * s, double value)
{
  if (!s || !isfinite (value))
    return MM_ERR_INVALID;
  s->start = s->target = s->value = value;
  s->len = s->pos = 0;
  return MM_OK;
}

int
mm_smoother_set_ramp (mm_smoother * s, double ramp_ms)
{
  if (!s)
    return MM_ERR_INVALID;
  return ramp_samples (s->rate, ramp_ms, &s->ramp);
}

double
mm_smoother_get_value (const mm_smoother * s)
{
  return s ? s->value : 0.0;
}

double
mm_smoother_get_target (const mm_smoother * s)
{
  return s ? s->target : 0.0;
}

int
mm_smoother_is_ramping (const mm_smoother * s)
{
  return s && s->len > 0;
}

/* Value after `pos` samples of the ramp; the last one is the target
 * itself, not a rounding of it. */
static inline double
ramp_value (const mm_smoother * s, uint64_t pos)
{
  if (pos >= s->len)
    return s->target;
  return s->start + (s->target - s->start) * ((double) pos * s->inv_len);
}

/* Samples left in the current ramp (0 when constant). */
static inline uint64_t
ramp_left (const mm_smoother * s)
{
  return s->len - s->pos;
}

static void
advance (mm_smoother * s, size_t n)
{
  s->pos += n;
  if (s->pos >= s->len) {
    s->value = s->target;
    s->len = s->pos = 0;
  } else {
    s->value = ramp_value (s, s->pos);
  }
}

/* A sample count (< 2^52) as a double, exactly, through the exponent
 * bits (no 64-bit integer conversion in the vector units). */
static inline double
count_to_double (uint64_t v)
{
  const uint64_t b = UINT64_C (0x4330000000000000) | v;
  double d;
  memcpy (&d, &b, sizeof d);
  return d - 0x1p52;
}

/* ramp_value for positions pos0 + 1 .. pos0 + r (all <= len), in one
 * branch-free loop the compiler vectorises (an AVX2 copy as well, with
 * the multiply and the add rounded apart as ramp_value has them: the
 * same values). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize ("fp-contract=off")
#endif
MM_VECTOR_CLONES static void
ramp_fill (const mm_smoother * s, float *out, size_t r)
{
  const double start = s->start, delta = s->target - s->start;
  const double target = s->target, inv_len = s->inv_len;
  const uint64_t pos0 = s->pos, end = s->len;
  for (size_t i = 0; i < r; i++) {
    const uint64_t p = pos0 + i + 1;
    const double v = start + delta * (count_to_double (p) * inv_len);
    out[i] = (float) (p >= end ? target : v);
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

int
mm_smoother_fill (mm_smoother * s, float *out, size_t n)
{
  if (!s || (!out && n))
    return MM_ERR_INVALID;
  size_t i = 0;
  if (s->len > 0) {
    uint64_t left = ramp_left (s);
    size_t r = left < n ? (size_t) left : n;
    if (s->len < (UINT64_C (1) << 52))
      ramp_fill (s, out, r);
    else
      for (; i < r; i++)
        out[i] = (float) ramp_value (s, s->pos + i + 1);
    i = r;
    advance (s, r);
  }
  float v = (float) s->value;
  for (; i < n; i++)
    out[i] = v;
  return MM_OK;
}

int
mm_smoother_apply_f32 (mm_smoother * s, float *buf, unsigned channels,
    size_t frames)
{
  if (!s || channels < 1 || channels > MM_CHANNELS_MAX || (!buf && frames))
    return MM_ERR_INVALID;
  size_t i = 0;
  if (s->len > 0) {
    uint64_t left = ramp_left (s);
    size_t r = left < frames ? (size_t) left : frames;
    for (; i < r; i++) {
      float g = (float) ramp_value (s, s->pos + i + 1);
      float *f = buf + i * channels;
      for (unsigned c = 0; c < channels; c++)
        f[c] *= g;
    }
    advance (s, r);
  }
  /* The constant rest; a gain of exactly 1 leaves the samples as they are. */
  if (i < frames && s->value != 1.0)
    mm_vector_scale_f32 (buf + i * channels, (float) s->value,
        (frames - i) * channels);
  return MM_OK;
}

int
mm_smoother_apply_f64 (mm_smoother * s, double *buf, unsigned channels,
    size_t frames)
{
  if (!s || channels < 1 || channels > MM_CHANNELS_MAX || (!buf && frames))
    return MM_ERR_INVALID;
  size_t i = 0;
  if (s->len > 0) {
    uint64_t left = ramp_left (s);
    size_t r = left < frames ? (size_t) left : frames;
    for (; i < r; i++) {
      double g = ramp_value (s, s->pos + i + 1);
      double *f = buf + i * channels;
      for (unsigned c = 0; c < channels; c++)
        f[c] *= g;
    }
    advance (s, r);
  }
  if (i < frames && s->value != 1.0) {
    const double g = s->value;
    double *d = buf + i * channels;
    for (size_t k = 0, n = (frames - i) * channels; k < n; k++)
      d[k] *= g;
  }
  return MM_OK;
}
