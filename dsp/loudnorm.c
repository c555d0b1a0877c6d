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
#define WINDOW_BLOCKS 300       /* live level: gated loudness of the last 30 s */
#define MAKEUP_MAX_DB 20.0      /* live: most loudness given back to the limiter */
#define LOSS_SECONDS 3.0        /* live: the limiter's loss is averaged this long */

struct mm_loudnorm
{
  unsigned rate, channels;
  mm_loudnorm_mode mode;

  /* parameters (targets; the gain ramps, the ceiling glides) */
  double target, offset, range_target, linear_gain;
  /* gain bypass: the gain aims at 1.0; live_gain, the last live decision
   * (linear; 1.0 before the first) to return to */
  int gain_bypass;
  double live_gain;

  mm_loudness *in_meter, *out_meter;
  mm_smoother *gain;            /* linear gain factor applied before the limiter */
  mm_limiter *limiter;

  /* live: the lookahead delay line, `delay` interleaved frames (float, or
   * double with MM_LOUDNORM_F64), written at `ring_pos` (the oldest frame
   * sits there too) */
  void *ring;
  int ring_f64;
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
  float *pregain;               /* ZERO_FRAMES: the gain of each frame */

  /* live: energies of the 400 ms blocks of the last 30 s (one per gain
   * decision), `blocks` of them so far, the newest at `block_pos` - 1 */
  double window[WINDOW_BLOCKS];
  unsigned blocks, block_pos;

  /* live: K-weighted energy into and out of the limiter, decaying over
   * LOSS_SECONDS (their ratio is the loudness the limiter takes away now) */
  double energy_pre, energy_post, energy_decay;
};

static int
valid_lookahead (double ms)
{
  return ms >= MM_LOUDNORM_LOOKAHEAD_MIN_MS && ms <= MM_LOUDNORM_LOOKAHEAD_MAX_MS;
}

mm_loudnorm *
mm_loudnorm_new (unsigned rate, unsigned channels, mm_loudnorm_mode mode,
    double lookahead_ms, unsigned flags)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > MM_CHANNELS_MAX || (flags & ~MM_LOUDNORM_F64)
      || (mode != MM_LOUDNORM_LIVE && mode != MM_LOUDNORM_LINEAR)
      || (mode == MM_LOUDNORM_LIVE && !valid_lookahead (lookahead_ms)))
    return NULL;

  mm_loudnorm *n = calloc (1, sizeof (*n));
  if (!n)
    goto fail;
  n->rate = rate;
  n->channels = channels;
  n->mode = mode;
  n->energy_decay = exp (-1.0 / (UPDATES_PER_SECOND * LOSS_SECONDS));
  n->target = -23.0;
  n->range_target = 7.0;

  /* true peaks come from the limiter's detector (one oversampler) */
  n->in_meter = mm_loudness_new (rate, channels, 0);
  n->out_meter = mm_loudness_new (rate, channels, 0);
  n->gain = mm_smoother_new (rate, mode == MM_LOUDNORM_LIVE ? GAIN_RAMP_MS :
      LINEAR_RAMP_MS, 1.0);
  n->limiter = mm_limiter_new (rate, channels, MM_LOUDNORM_LIMITER_LOOKAHEAD_MS);
  n->zeros = calloc ((size_t) ZERO_FRAMES * channels, sizeof (double));
  n->pregain = calloc (ZERO_FRAMES, sizeof (float));
  if (!n->in_meter || !n->out_meter || !n->gain || !n->limiter || !n->zeros
      || !n->pregain)
    goto fail;
  mm_limiter_set_ceiling (n->limiter, -1.0);

  if (mode == MM_LOUDNORM_LIVE) {
    n->delay = (size_t) (lookahead_ms * rate / 1000.0 + 0.5);
    n->ring_f64 = (flags & MM_LOUDNORM_F64) != 0;
    n->ring = calloc (n->delay * channels,
        n->ring_f64 ? sizeof (double) : sizeof (float));
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
  free (n->pregain);
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
    memset (n->ring, 0, n->delay * n->channels *
        (n->ring_f64 ? sizeof (double) : sizeof (float)));
  n->ring_pos = 0;
  n->frames_in = 0;
  n->next_update = n->rate / UPDATES_PER_SECOND;
  n->first_block_frame = -1;
  n->have_gain = 0;
  n->reduction_max = n->reduction_total = 0.0;
  n->blocks = n->block_pos = 0;
  n->energy_pre = n->energy_post = 0.0;
  n->live_gain = 1.0;
  mm_smoother_set_value (n->gain, n->mode == MM_LOUDNORM_LINEAR
      && !n->gain_bypass ? mm_db_to_linear (n->linear_gain) : 1.0);
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
  n->blocks = n->block_pos = 0;
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
  int err = mm_limiter_set_ceiling (n->limiter, dbtp);
  /* before any audio the ceiling is simply there (no glide from the
   * default through the first peaks) */
  if (err == MM_OK && n->frames_in == 0)
    err = mm_limiter_reset (n->limiter);
  return err;
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
  if (n->gain_bypass)
    return MM_OK;               /* taken when the bypass ends */
  /* before any audio the gain is simply there; later it glides */
  if (n->frames_in == 0)
    return mm_smoother_set_value (n->gain, mm_db_to_linear (db));
  return mm_smoother_set_target (n->gain, mm_db_to_linear (db));
}

int
mm_loudnorm_set_release (mm_loudnorm * n, double ms)
{
  return n ? mm_limiter_set_release (n->limiter, ms) : MM_ERR_INVALID;
}

int
mm_loudnorm_set_limiter_bypass (mm_loudnorm * n, int bypass)
{
  return n ? mm_limiter_set_bypass (n->limiter, bypass) : MM_ERR_INVALID;
}

int
mm_loudnorm_set_gain_bypass (mm_loudnorm * n, int bypass)
{
  if (!n)
    return MM_ERR_INVALID;
  bypass = bypass != 0;
  if (bypass == n->gain_bypass)
    return MM_OK;
  n->gain_bypass = bypass;
  double g = bypass ? 1.0 : n->mode == MM_LOUDNORM_LINEAR ?
      mm_db_to_linear (n->linear_gain) : n->live_gain;
  if (n->frames_in == 0)
    return mm_smoother_set_value (n->gain, g);
  return mm_smoother_set_target (n->gain, g);
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

int
mm_loudnorm_get_input_true_peak (const mm_loudnorm * n, unsigned ch,
    double *peak)
{
  return n ? mm_limiter_get_input_peak (n->limiter, ch, peak) : MM_ERR_INVALID;
}

int
mm_loudnorm_get_output_true_peak (const mm_loudnorm * n, unsigned ch,
    double *peak)
{
  return n ? mm_limiter_get_output_peak (n->limiter, ch, peak) :
      MM_ERR_INVALID;
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

static double
energy_lufs (double e)
{
  return e > 0.0 ? -0.691 + 10.0 * log10 (e) : -HUGE_VAL;
}

/* BS.1770 gating (absolute -70 LUFS, relative -10 LU) over the blocks of
 * the window: the programme's level, following a live stream that runs for
 * hours (the integrated loudness since the start would freeze). */
static double
window_level (const mm_loudnorm * n)
{
  const double abs_gate = pow (10.0, (-70.0 + 0.691) / 10.0);
  double sum = 0.0, rel_gate;
  unsigned cnt = 0;
  for (unsigned i = 0; i < n->blocks; i++)
    if (n->window[i] > abs_gate) {
      sum += n->window[i];
      cnt++;
    }
  if (cnt == 0)
    return -HUGE_VAL;
  rel_gate = sum / cnt * 0.1;   /* -10 LU */
  sum = 0.0;
  cnt = 0;
  for (unsigned i = 0; i < n->blocks; i++)
    if (n->window[i] > abs_gate && n->window[i] > rel_gate) {
      sum += n->window[i];
      cnt++;
    }
  return energy_lufs (sum / cnt);
}

static void
push_block (mm_loudnorm * n)
{
  double m;
  mm_loudness_momentary (n->in_meter, &m);
  n->window[n->block_pos] = isfinite (m) ? pow (10.0, (m + 0.691) / 10.0) : 0.0;
  n->block_pos = (n->block_pos + 1) % WINDOW_BLOCKS;
  if (n->blocks < WINDOW_BLOCKS)
    n->blocks++;
}

/* The loudness the limiter takes away now, in dB: what went in is the
 * input block that is leaving the delay line (pushed `delay` ago) times
 * the gain now; what came out, the output's momentary loudness.  Both are
 * K-weighted, as the target is, and averaged over LOSS_SECONDS. */
static double
limiter_loss (mm_loudnorm * n)
{
  const double abs_gate = pow (10.0, (-70.0 + 0.691) / 10.0);
  unsigned back = (unsigned) (n->delay / (n->rate / UPDATES_PER_SECOND));
  double m_out;

  if (back >= n->blocks)
    return 0.0;                 /* the first sound has not come out yet */
  double e_in = n->window[(n->block_pos + WINDOW_BLOCKS - 1 - back)
      % WINDOW_BLOCKS];
  double g = mm_smoother_get_value (n->gain);
  mm_loudness_momentary (n->out_meter, &m_out);
  n->energy_pre *= n->energy_decay;
  n->energy_post *= n->energy_decay;
  if (e_in * g * g > abs_gate) {
    n->energy_pre += e_in * g * g;
    n->energy_post += isfinite (m_out) ? pow (10.0, (m_out + 0.691) / 10.0) : 0;
  }
  return n->energy_post > 0.0 ?
      10.0 * log10 (n->energy_pre / n->energy_post) : 0.0;
}

/* The live gain decision, every 100 ms of input (see loudnorm.h). */
static void
update_live_gain (mm_loudnorm * n)
{
  double S, I;
  push_block (n);
  mm_loudness_shortterm (n->in_meter, &S);
  I = window_level (n);
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
  /* what the limiter takes away is given back: the output, not the gain
   * stage, is what must meet the target (a fixed point: more gain, more
   * limiting, but less than the gain added, so it converges) */
  double loss = limiter_loss (n);
  double g = n->target + n->offset - est
      + (loss > MAKEUP_MAX_DB ? MAKEUP_MAX_DB : loss > 0.0 ? loss : 0.0);
  if (g > MM_LOUDNORM_GAIN_MAX_DB)
    g = MM_LOUDNORM_GAIN_MAX_DB;
  if (g < -MM_LOUDNORM_GAIN_MAX_DB)
    g = -MM_LOUDNORM_GAIN_MAX_DB;

  n->live_gain = mm_db_to_linear (g);
  if (n->gain_bypass) {
    n->have_gain = 1;           /* decided, not applied */
    return;
  }
  /* The first estimate: if the sound has not reached the output yet, the
   * gain is simply there when it does (no ramp over the first syllable). */
  if (!n->have_gain && heard < n->delay)
    mm_smoother_set_value (n->gain, mm_db_to_linear (g));
  else
    mm_smoother_set_target (n->gain, mm_db_to_linear (g));
  n->have_gain = 1;
}

/* Live delay line: out = the input of `delay` frames ago (T: the sample
 * type of the call, R: the ring's).  In runs up to the ring's wrap: each
 * slot is read out, then overwritten with the input of the same frame. */
#define DEFINE_DELAY(T, R, SUFFIX)                                           \
static void                                                                  \
delay_##SUFFIX (mm_loudnorm * n, const T * in, T * out, size_t frames)       \
{                                                                            \
  const size_t C = n->channels;                                              \
  R *ring = n->ring;                                                         \
  while (frames > 0) {                                                       \
    size_t len = n->delay - n->ring_pos;                                     \
    len = len < frames ? len : frames;                                       \
    R *slot = ring + n->ring_pos * C;                                        \
    if (sizeof (T) == sizeof (R)) {                                          \
      memcpy (out, slot, len * C * sizeof (T));                              \
      memcpy (slot, in, len * C * sizeof (R));                               \
    } else {                                                                 \
      for (size_t i = 0; i < len * C; i++) {                                 \
        out[i] = (T) slot[i];                                                \
        slot[i] = (R) in[i];                                                 \
      }                                                                      \
    }                                                                        \
    n->ring_pos += len;                                                      \
    if (n->ring_pos == n->delay)                                             \
      n->ring_pos = 0;                                                       \
    in += len * C;                                                           \
    out += len * C;                                                          \
    frames -= len;                                                           \
  }                                                                          \
}

DEFINE_DELAY (float, float, f32_f32)
DEFINE_DELAY (float, double, f32_f64)
DEFINE_DELAY (double, double, f64_f64)

static void
delay_f32 (mm_loudnorm * n, const float *in, float *out, size_t frames)
{
  if (n->ring_f64)
    delay_f32_f64 (n, in, out, frames);
  else
    delay_f32_f32 (n, in, out, frames);
}

static void
delay_f64 (mm_loudnorm * n, const double *in, double *out, size_t frames)
{
  delay_f64_f64 (n, in, out, frames);   /* checked: ring_f64 */
}

/* One process function per sample type: delay (live), gain, limiter,
 * then the input and output meters (together: their K-weighting side by
 * side); cut at the live gain decisions so any split of the stream into
 * calls gives the same output. */
#define DEFINE_PROCESS(T, SUFFIX)                                            \
int                                                                          \
mm_loudnorm_process_##SUFFIX (mm_loudnorm * n, const T * in, T * out,        \
    size_t frames)                                                           \
{                                                                            \
  return mm_loudnorm_process_metered_##SUFFIX (n, in, out, frames, NULL,      \
      NULL);                                                                 \
}                                                                            \
                                                                             \
int                                                                          \
mm_loudnorm_process_metered_##SUFFIX (mm_loudnorm * n, const T * in,         \
    T * out, size_t frames, mm_loudness * extra, const T * extra_in)         \
{                                                                            \
  if (!n || (!out && frames) || (sizeof (T) == sizeof (double)              \
          && n->ring && !n->ring_f64) || (extra && !extra_in && frames))     \
    return MM_ERR_INVALID;                                                   \
  const int drain = in == NULL;                                              \
  while (frames > 0) {                                                       \
    size_t len = frames;                                                     \
    if (n->mode == MM_LOUDNORM_LIVE && n->next_update - n->frames_in < len)  \
      len = (size_t) (n->next_update - n->frames_in);                        \
    len = len < ZERO_FRAMES ? len : ZERO_FRAMES;                             \
    if (drain)                                                               \
      in = (const T *) n->zeros;                                             \
    if (n->mode == MM_LOUDNORM_LIVE)                                         \
      delay_##SUFFIX (n, in, out, len);                                      \
    else                                                                     \
      memcpy (out, in, len * n->channels * sizeof (T));                      \
    mm_smoother_fill (n->gain, n->pregain, len);                             \
    mm_limiter_process_gain_##SUFFIX (n->limiter, out, n->pregain, len);     \
    /* the meters of what came in and of what goes out (and the        */   \
    /* caller's), together                                              */   \
    if (drain) {                                                             \
      mm_loudness_add_frames_##SUFFIX (n->out_meter, out, len);              \
    } else {                                                                 \
      mm_loudness *const m[3] = { n->in_meter, n->out_meter, extra };        \
      const T *const mi[3] = { in, out, extra_in };                          \
      mm_loudness_add_frames_multi_##SUFFIX (m, mi, extra ? 3 : 2, len);     \
    }                                                                        \
    n->frames_in += len;                                                     \
    if (n->mode == MM_LOUDNORM_LIVE && n->frames_in == n->next_update) {     \
      update_live_gain (n);                                                  \
      n->next_update += n->rate / UPDATES_PER_SECOND;                        \
    }                                                                        \
    in = drain ? NULL : in + len * n->channels;                              \
    if (extra && !drain)                                                     \
      extra_in += len * mm_loudness_get_channels (extra);                    \
    out += len * n->channels;                                                \
    frames -= len;                                                           \
  }                                                                          \
  return MM_OK;                                                              \
}

DEFINE_PROCESS (float, f32)
DEFINE_PROCESS (double, f64)
