/* loudnorm: gain (live or linear) + true-peak limiter, metered. */
#include "loudnorm.h"

#include <stdlib.h>
#include <string.h>

#include "limiter.h"
#include "smooth.h"

#define UPDATES_PER_SECOND 10   /* live gain decisions every 100 ms */
#define GAIN_RAMP_MS 400.0      /* live: each new gain is reached over this */
#define LINEAR_RAMP_MS 50.0     /* linear: a changed gain glides this fast */
#define PAUSE_LU 20.0           /* short-term this far under I: a pause */
#define SETTLE_SECONDS 3        /* I alone until this much sound was heard */
#define FIRST_BLOCK_MS 400      /* sound precedes the first gated block */
#define ZERO_FRAMES 1024        /* silence fed in when draining */

struct mm_loudnorm
{
  unsigned rate, channels;
  mm_loudnorm_mode mode;

  /* parameters (targets; the gain ramps, the ceiling glides) */
  double target, offset, range_target, linear_gain;

  mm_loudness *in_meter, *out_meter;
  mm_smoother *gain;            /* linear gain factor applied before the limiter */
  mm_limiter *limiter;

  /* live: the lookahead delay line, `delay` frames of interleaved double,
   * written at `ring_pos` (the oldest frame sits there too) */
  double *ring;
  size_t delay, ring_pos;

  /* live: frames in since reset, the frame of the next gain decision, the
   * input frame at which the first gated block appeared (or -1), and
   * whether a gain has been chosen yet */
  uint64_t frames_in, next_update;
  int64_t first_block_frame;
  int have_gain;

  /* limiter reduction: largest since the last read, and since reset */
  double reduction_max, reduction_total;

  double *zeros;                /* ZERO_FRAMES x channels, for draining */
};

static int
valid_lookahead (double ms)
{
  return ms >= MM_LOUDNORM_LOOKAHEAD_MIN_MS && ms <= MM_LOUDNORM_LOOKAHEAD_MAX_MS;
}

mm_loudnorm *
mm_loudnorm_new (unsigned rate, unsigned channels, mm_loudnorm_mode mode,
    double lookahead_ms)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > MM_CHANNELS_MAX
      || (mode != MM_LOUDNORM_LIVE && mode != MM_LOUDNORM_LINEAR)
      || (mode == MM_LOUDNORM_LIVE && !valid_lookahead (lookahead_ms)))
    return NULL;

  mm_loudnorm *n = calloc (1, sizeof (*n));
  if (!n)
    goto fail;
  n->rate = rate;
  n->channels = channels;
  n->mode = mode;
  n->target = -23.0;
  n->range_target = 7.0;

  n->in_meter = mm_loudness_new (rate, channels, MM_LOUDNESS_TRUE_PEAK);
  n->out_meter = mm_loudness_new (rate, channels, MM_LOUDNESS_TRUE_PEAK);
  n->gain = mm_smoother_new (rate, mode == MM_LOUDNORM_LIVE ? GAIN_RAMP_MS :
      LINEAR_RAMP_MS, 1.0);
  n->limiter = mm_limiter_new (rate, channels, MM_LOUDNORM_LIMITER_LOOKAHEAD_MS);
  n->zeros = calloc ((size_t) ZERO_FRAMES * channels, sizeof (double));
  if (!n->in_meter || !n->out_meter || !n->gain || !n->limiter || !n->zeros)
    goto fail;
  mm_limiter_set_ceiling (n->limiter, -1.0);

  if (mode == MM_LOUDNORM_LIVE) {
    n->delay = (size_t) (lookahead_ms * rate / 1000.0 + 0.5);
    n->ring = calloc (n->delay * channels, sizeof (double));
    if (!n->ring)
      goto fail;
  }
  mm_loudnorm_reset (n);
  return n;

fail:
  mm_loudnorm_free (&n);
  return NULL;
}

void
mm_loudnorm_free (mm_loudnorm ** pn)
{
  if (!pn || !*pn)
    return;
  mm_loudnorm *n = *pn;
  mm_loudness_free (&n->in_meter);
  mm_loudness_free (&n->out_meter);
  mm_smoother_free (&n->gain);
  mm_limiter_free (&n->limiter);
  free (n->ring);
  free (n->zeros);
  free (n);
  *pn = NULL;
}

int
mm_loudnorm_reset (mm_loudnorm * n)
{
  if (!n)
    return MM_ERR_INVALID;
  mm_loudness_reset (n->in_meter);
  mm_loudness_reset (n->out_meter);
  mm_limiter_reset (n->limiter);
  if (n->ring)
    memset (n->ring, 0, n->delay * n->channels * sizeof (double));
  n->ring_pos = 0;
  n->frames_in = 0;
  n->next_update = n->rate / UPDATES_PER_SECOND;
  n->first_block_frame = -1;
  n->have_gain = 0;
  n->reduction_max = n->reduction_total = 0.0;
  mm_smoother_set_value (n->gain, n->mode == MM_LOUDNORM_LINEAR ?
      mm_db_to_linear (n->linear_gain) : 1.0);
  return MM_OK;
}

int
mm_loudnorm_reset_meters (mm_loudnorm * n)
{
  if (!n)
    return MM_ERR_INVALID;
  mm_loudness_reset (n->in_meter);
  mm_loudness_reset (n->out_meter);
  n->first_block_frame = -1;
  n->reduction_max = n->reduction_total = 0.0;
  return MM_OK;
}

int
mm_loudnorm_set_channel_weight (mm_loudnorm * n, unsigned ch, double w)
{
  if (!n)
    return MM_ERR_INVALID;
  int err = mm_loudness_set_channel_weight (n->in_meter, ch, w);
  return err ? err : mm_loudness_set_channel_weight (n->out_meter, ch, w);
}

int
mm_loudnorm_set_target (mm_loudnorm * n, double lufs)
{
  if (!n || !(lufs >= -70.0 && lufs <= 0.0))
    return MM_ERR_INVALID;
  n->target = lufs;
  return MM_OK;
}

int
mm_loudnorm_set_offset (mm_loudnorm * n, double lu)
{
  if (!n || !(lu >= -40.0 && lu <= 40.0))
    return MM_ERR_INVALID;
  n->offset = lu;
  return MM_OK;
}

int
mm_loudnorm_set_ceiling (mm_loudnorm * n, double dbtp)
{
  if (!n || !(dbtp >= -9.0 && dbtp <= 0.0))
    return MM_ERR_INVALID;
  return mm_limiter_set_ceiling (n->limiter, dbtp);
}

int
mm_loudnorm_set_range_target (mm_loudnorm * n, double lu)
{
  if (!n || !(lu >= 1.0 && lu <= 50.0))
    return MM_ERR_INVALID;
  n->range_target = lu;
  return MM_OK;
}

int
mm_loudnorm_set_gain (mm_loudnorm * n, double db)
{
  if (!n || n->mode != MM_LOUDNORM_LINEAR || !(db >= -60.0 && db <= 60.0))
    return MM_ERR_INVALID;
  n->linear_gain = db;
  /* before any audio the gain is simply there; later it glides */
  if (n->frames_in == 0)
    return mm_smoother_set_value (n->gain, mm_db_to_linear (db));
  return mm_smoother_set_target (n->gain, mm_db_to_linear (db));
}

unsigned
mm_loudnorm_get_latency (const mm_loudnorm * n)
{
  return n ? (unsigned) n->delay + mm_limiter_get_latency (n->limiter) : 0;
}

double
mm_loudnorm_get_gain (const mm_loudnorm * n)
{
  return n ? mm_linear_to_db (mm_smoother_get_value (n->gain)) : 0.0;
}

int
mm_loudnorm_get_reduction (mm_loudnorm * n, double *now_db, double *max_db,
    double *max_total_db)
{
  if (!n)
    return MM_ERR_INVALID;
  double now = 0.0, max = 0.0;
  mm_limiter_get_reduction (n->limiter, &now, &max);
  if (max > n->reduction_max)
    n->reduction_max = max;
  if (max > n->reduction_total)
    n->reduction_total = max;
  if (now_db)
    *now_db = now;
  if (max_db)
    *max_db = n->reduction_max;
  if (max_total_db)
    *max_total_db = n->reduction_total;
  n->reduction_max = 0.0;
  return MM_OK;
}

const mm_loudness *
mm_loudnorm_get_input_meter (const mm_loudnorm * n)
{
  return n ? n->in_meter : NULL;
}

const mm_loudness *
mm_loudnorm_get_output_meter (const mm_loudnorm * n)
{
  return n ? n->out_meter : NULL;
}

/* The live gain decision, every 100 ms of input (see loudnorm.h). */
static void
update_live_gain (mm_loudnorm * n)
{
  double S, I;
  mm_loudness_shortterm (n->in_meter, &S);
  mm_loudness_integrated (n->in_meter, &I);
  if (!(I > -70.0))
    return;                     /* nothing heard yet: hold */
  if (n->first_block_frame < 0)
    n->first_block_frame = (int64_t) n->frames_in;

  uint64_t heard = n->frames_in - (uint64_t) n->first_block_frame
      + (uint64_t) n->rate * FIRST_BLOCK_MS / 1000;
  double est = I;
  int pause = !(S > -70.0) || S < I - PAUSE_LU;
  if (pause && n->have_gain)
    return;
  if (!pause && heard >= (uint64_t) SETTLE_SECONDS * n->rate) {
    /* only the part of the deviation beyond half the range target moves
     * the gain: the programme keeps its dynamics up to that range */
    double dev = S - I, half = n->range_target / 2.0;
    est += dev > half ? dev - half : dev < -half ? dev + half : 0.0;
  }
  double g = n->target + n->offset - est;
  if (g > MM_LOUDNORM_GAIN_MAX_DB)
    g = MM_LOUDNORM_GAIN_MAX_DB;
  if (g < -MM_LOUDNORM_GAIN_MAX_DB)
    g = -MM_LOUDNORM_GAIN_MAX_DB;

  /* The first estimate: if the sound has not reached the output yet, the
   * gain is simply there when it does (no ramp over the first syllable). */
  if (!n->have_gain && heard < n->delay)
    mm_smoother_set_value (n->gain, mm_db_to_linear (g));
  else
    mm_smoother_set_target (n->gain, mm_db_to_linear (g));
  n->have_gain = 1;
}

/* Live delay line: out = the input of `delay` frames ago. */
#define DEFINE_DELAY(T, SUFFIX)                                              \
static void                                                                  \
delay_##SUFFIX (mm_loudnorm * n, const T * in, T * out, size_t frames)       \
{                                                                            \
  const size_t C = n->channels;                                              \
  for (size_t i = 0; i < frames; i++) {                                      \
    double *slot = n->ring + n->ring_pos * C;                                \
    for (size_t c = 0; c < C; c++) {                                         \
      out[i * C + c] = (T) slot[c];                                          \
      slot[c] = in[i * C + c];                                               \
    }                                                                        \
    if (++n->ring_pos == n->delay)                                           \
      n->ring_pos = 0;                                                       \
  }                                                                          \
}

DEFINE_DELAY (float, f32)
DEFINE_DELAY (double, f64)

/* One process function per sample type: meter in, delay (live), gain,
 * limiter, meter out; cut at the live gain decisions so any split of the
 * stream into calls gives the same output. */
#define DEFINE_PROCESS(T, SUFFIX)                                            \
int                                                                          \
mm_loudnorm_process_##SUFFIX (mm_loudnorm * n, const T * in, T * out,        \
    size_t frames)                                                           \
{                                                                            \
  if (!n || (!out && frames))                                                \
    return MM_ERR_INVALID;                                                   \
  const int drain = in == NULL;                                              \
  while (frames > 0) {                                                       \
    size_t len = frames;                                                     \
    if (n->mode == MM_LOUDNORM_LIVE && n->next_update - n->frames_in < len)  \
      len = (size_t) (n->next_update - n->frames_in);                        \
    if (drain) {                                                             \
      len = len < ZERO_FRAMES ? len : ZERO_FRAMES;                           \
      in = (const T *) n->zeros;                                             \
    } else {                                                                 \
      mm_loudness_add_frames_##SUFFIX (n->in_meter, in, len);                \
    }                                                                        \
    if (n->mode == MM_LOUDNORM_LIVE)                                         \
      delay_##SUFFIX (n, in, out, len);                                      \
    else                                                                     \
      memcpy (out, in, len * n->channels * sizeof (T));                      \
    mm_smoother_apply_##SUFFIX (n->gain, out, n->channels, len);             \
    mm_limiter_process_##SUFFIX (n->limiter, out, len);                      \
    mm_loudness_add_frames_##SUFFIX (n->out_meter, out, len);                \
    n->frames_in += len;                                                     \
    if (n->mode == MM_LOUDNORM_LIVE && n->frames_in == n->next_update) {     \
      update_live_gain (n);                                                  \
      n->next_update += n->rate / UPDATES_PER_SECOND;                        \
    }                                                                        \
    in = drain ? NULL : in + len * n->channels;                              \
    out += len * n->channels;                                                \
    frames -= len;                                                           \
  }                                                                          \
  return MM_OK;                                                              \
}

DEFINE_PROCESS (float, f32)
DEFINE_PROCESS (double, f64)
