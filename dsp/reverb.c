/* reverb: 8-line feedback delay network (see reverb.h).
 *
 * Per frame (non-finite input samples taken as 0, |x| clamped to 1e6):
 *
 *   xl, xr      the input (mono: both the same)
 *   pre-delay   one stereo line read at the smoothed pre-delay (linear
 *               interpolation)
 *   diffusion   four Schroeder all-passes per side,
 *                 w[n] = x[n] + g w[n-D],  y[n] = w[n-D] - g w[n]
 *               with different lengths left and right
 *   o_i         line i read at its smoothed length d_i (linear
 *               interpolation; exact once the glide has ended, the
 *               lengths being whole samples)
 *   z_i         one-pole low-pass, z_i = o_i + a (z_i - o_i)  (DC gain 1)
 *   f           = H (g_i z_i) / sqrt 8, H the 8x8 Hadamard matrix
 *               (orthogonal: the loop loses energy only through g_i)
 *   line i      <- f_i + IN_GAIN (pl_i dl + pr_i dr)
 *   out L, R    = OUT_GAIN sum (ol_i o_i),  OUT_GAIN sum (or_i o_i),
 *               ol and or orthogonal sign vectors (decorrelated outputs)
 *
 *   g_i = 10^(-3 d_i / (rate RT60)): a pass through line i takes d_i
 *   samples and loses 60 dB * d_i / (rate RT60), so every path through
 *   the network decays at 60 dB per RT60.
 *
 * State: the pre-delay, diffuser and line buffers (powers of two, indexed
 * by one write position each), z_i, the smoothers (line lengths in
 * samples, pre-delay in samples, decay, damping), the per-block gains g_i
 * and pole a (computed at every BLOCK-th frame of the stream from the
 * smoothers' values then, so any split into calls gives the same output),
 * and the silence gate: `quiet` counts frames with zero input and every
 * |o_i| < QUIET_LEVEL; when it reaches `quiet_need` (longer than any
 * buffer) all state is cleared and `idle` set: frames of zero input then
 * give exact zeros without running the network.
 */
#include "reverb.h"

#include <stdlib.h>
#include <string.h>

#include "smooth.h"

#define NLINES 8
#define NDIFF 4
#define BLOCK 32
#define LEN_RAMP_MS 100.0
#define PARAM_RAMP_MS 50.0
#define IN_GAIN 0.35f
#define OUT_GAIN 0.35f
#define INPUT_MAX 1e6f
#define QUIET_LEVEL 1e-9f
#define SIZE_MIN_SCALE 0.15
#define DAMP_FC_HI 20000.0
#define DAMP_FC_LO 1000.0

/* Line lengths at size 1, ms (ratios of no simple fraction). */
static const double line_ms[NLINES] = {
  31.1, 36.7, 41.9, 47.3, 53.9, 59.3, 66.1, 73.7
};

/* Dattorro's input diffusers (142, 107, 379, 277 samples at 29761 Hz) and
 * a detuned set for the right side. */
static const double diff_ms[2][NDIFF] = {
  {4.771, 3.595, 12.73, 9.307},
  {5.011, 3.371, 13.19, 8.893},
};
static const float diff_g[NDIFF] = { 0.75f, 0.75f, 0.625f, 0.625f };

/* Input and output sign vectors. */
static const float in_l[NLINES] = { 1, 1, 1, -1, 1, -1, -1, 1 };
static const float in_r[NLINES] = { 1, -1, -1, -1, 1, 1, 1, -1 };
static const float out_l[NLINES] = { 1, -1, 1, 1, -1, -1, 1, -1 };
static const float out_r[NLINES] = { 1, 1, -1, 1, 1, -1, -1, -1 };

typedef struct
{
  float *buf;
  size_t mask;
} ring;

struct mm_reverb
{
  unsigned rate, channels;
  double size, decay, damping, predelay_ms;     /* targets */

  ring line[NLINES];
  ring pre[2];
  ring diff[2][NDIFF];
  unsigned diff_len[2][NDIFF];
  size_t wpos;                  /* write position shared by every ring */

  float z[NLINES];
  float g[NLINES];
  float a;

  mm_smoother *len[NLINES];     /* samples */
  mm_smoother *pre_len;         /* samples */
  mm_smoother *decay_s, *damping_s;

  uint64_t pos;                 /* frames processed since reset */
  uint64_t quiet, quiet_need;
  int idle;

  float lenbuf[NLINES][BLOCK];
  float prebuf[BLOCK];
  float scratch[BLOCK];
};

static int
ring_alloc (ring * r, size_t min_len)
{
  size_t n = 1;
  while (n < min_len)
    n <<= 1;
  r->buf = calloc (n, sizeof (float));
  r->mask = n - 1;
  return r->buf ? MM_OK : MM_ERR_NOMEM;
}

static void
ring_clear (ring * r)
{
  memset (r->buf, 0, (r->mask + 1) * sizeof (float));
}

static int
is_prime (unsigned n)
{
  if (n < 2)
    return 0;
  for (unsigned d = 2; d * d <= n; d++)
    if (n % d == 0)
      return 0;
  return 1;
}

/* The line lengths for `size`: the first prime at or above each scaled
 * length, each above the one before (distinct primes: mutually prime). */
static void
line_lengths (unsigned rate, double size, unsigned out[NLINES])
{
  double scale = SIZE_MIN_SCALE + (1.0 - SIZE_MIN_SCALE) * size;
  unsigned prev = 1;
  for (int i = 0; i < NLINES; i++) {
    unsigned n = (unsigned) lround (line_ms[i] * scale * 0.001 * rate);
    if (n <= prev)
      n = prev + 1;
    while (!is_prime (n))
      n++;
    out[i] = prev = n;
  }
}

static double
clampd (double v, double lo, double hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

void
mm_reverb_free (mm_reverb ** pr)
{
  if (!pr || !*pr)
    return;
  mm_reverb *r = *pr;
  for (int i = 0; i < NLINES; i++) {
    free (r->line[i].buf);
    mm_smoother_free (&r->len[i]);
  }
  for (int c = 0; c < 2; c++) {
    free (r->pre[c].buf);
    for (int k = 0; k < NDIFF; k++)
      free (r->diff[c][k].buf);
  }
  mm_smoother_free (&r->pre_len);
  mm_smoother_free (&r->decay_s);
  mm_smoother_free (&r->damping_s);
  free (r);
  *pr = NULL;
}

mm_reverb *
mm_reverb_new (unsigned rate, unsigned channels)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > 2)
    return NULL;
  mm_reverb *r = calloc (1, sizeof (*r));
  if (!r)
    return NULL;
  r->rate = rate;
  r->channels = channels;
  r->size = 0.5;
  r->decay = 1.5;
  r->damping = 0.3;
  r->predelay_ms = 10.0;

  unsigned maxlen[NLINES], cur[NLINES];
  line_lengths (rate, 1.0, maxlen);
  line_lengths (rate, r->size, cur);
  size_t pre_max = (size_t) ceil (MM_REVERB_PREDELAY_MAX * 0.001 * rate);
  size_t longest = pre_max;

  for (int i = 0; i < NLINES; i++) {
    if (ring_alloc (&r->line[i], maxlen[i] + 2) != MM_OK)
      goto fail;
    r->len[i] = mm_smoother_new (rate, LEN_RAMP_MS, cur[i]);
    if (!r->len[i])
      goto fail;
    if (maxlen[i] > longest)
      longest = maxlen[i];
  }
  for (int c = 0; c < 2; c++) {
    if (ring_alloc (&r->pre[c], pre_max + 2) != MM_OK)
      goto fail;
    for (int k = 0; k < NDIFF; k++) {
      unsigned d = (unsigned) lround (diff_ms[c][k] * 0.001 * rate);
      r->diff_len[c][k] = d;
      if (ring_alloc (&r->diff[c][k], d + 1) != MM_OK)
        goto fail;
      longest += d;
    }
  }
  r->pre_len = mm_smoother_new (rate, LEN_RAMP_MS,
      r->predelay_ms * 0.001 * rate);
  r->decay_s = mm_smoother_new (rate, PARAM_RAMP_MS, r->decay);
  r->damping_s = mm_smoother_new (rate, PARAM_RAMP_MS, r->damping);
  if (!r->pre_len || !r->decay_s || !r->damping_s)
    goto fail;
  /* Every buffer has been read through at least once (twice over). */
  r->quiet_need = 2 * (uint64_t) longest;

  mm_reverb_reset (r);
  return r;

fail:
  mm_reverb_free (&r);
  return NULL;
}

static void
clear_state (mm_reverb * r)
{
  for (int i = 0; i < NLINES; i++) {
    ring_clear (&r->line[i]);
    r->z[i] = 0.0f;
  }
  for (int c = 0; c < 2; c++) {
    ring_clear (&r->pre[c]);
    for (int k = 0; k < NDIFF; k++)
      ring_clear (&r->diff[c][k]);
  }
  r->quiet = 0;
  r->idle = 1;
}

int
mm_reverb_reset (mm_reverb * r)
{
  if (!r)
    return MM_ERR_INVALID;
  unsigned cur[NLINES];
  line_lengths (r->rate, r->size, cur);
  for (int i = 0; i < NLINES; i++)
    mm_smoother_set_value (r->len[i], cur[i]);
  mm_smoother_set_value (r->pre_len, r->predelay_ms * 0.001 * r->rate);
  mm_smoother_set_value (r->decay_s, r->decay);
  mm_smoother_set_value (r->damping_s, r->damping);
  clear_state (r);
  r->wpos = 0;
  r->pos = 0;
  return MM_OK;
}

int
mm_reverb_set_size (mm_reverb * r, double size)
{
  if (!r || isnan (size))
    return MM_ERR_INVALID;
  r->size = clampd (size, 0.0, 1.0);
  unsigned cur[NLINES];
  line_lengths (r->rate, r->size, cur);
  for (int i = 0; i < NLINES; i++)
    mm_smoother_set_target (r->len[i], cur[i]);
  return MM_OK;
}

int
mm_reverb_set_decay (mm_reverb * r, double seconds)
{
  if (!r || isnan (seconds))
    return MM_ERR_INVALID;
  r->decay = clampd (seconds, MM_REVERB_DECAY_MIN, MM_REVERB_DECAY_MAX);
  return mm_smoother_set_target (r->decay_s, r->decay);
}

int
mm_reverb_set_damping (mm_reverb * r, double damping)
{
  if (!r || isnan (damping))
    return MM_ERR_INVALID;
  r->damping = clampd (damping, 0.0, 1.0);
  return mm_smoother_set_target (r->damping_s, r->damping);
}

int
mm_reverb_set_predelay (mm_reverb * r, double ms)
{
  if (!r || isnan (ms))
    return MM_ERR_INVALID;
  r->predelay_ms = clampd (ms, 0.0, MM_REVERB_PREDELAY_MAX);
  return mm_smoother_set_target (r->pre_len, r->predelay_ms * 0.001 * r->rate);
}

/* Gains and damping pole from the smoothers' present values. */
static void
update_coeffs (mm_reverb * r)
{
  double t = mm_smoother_get_value (r->decay_s);
  double dmp = mm_smoother_get_value (r->damping_s);
  for (int i = 0; i < NLINES; i++) {
    double d = mm_smoother_get_value (r->len[i]);
    r->g[i] = (float) pow (10.0, -3.0 * d / (r->rate * t));
  }
  if (dmp <= 0.0) {
    r->a = 0.0f;
  } else {
    double fc = DAMP_FC_HI * pow (DAMP_FC_LO / DAMP_FC_HI, dmp);
    if (fc > 0.45 * r->rate)
      fc = 0.45 * r->rate;
    r->a = (float) exp (-2.0 * MM_PI * fc / r->rate);
  }
  /* Flush decayed filter state out of the subnormal range. */
  for (int i = 0; i < NLINES; i++)
    if (fabsf (r->z[i]) < 1e-30f)
      r->z[i] = 0.0f;
}

/* Linear-interpolated read `d` samples back, 0 <= d <= buffer - 2 (0:
 * the sample written at wpos). */
static inline float
ring_read (const ring * rg, size_t wpos, float d)
{
  size_t di = (size_t) d;
  float f = d - (float) di;
  float s0 = rg->buf[(wpos - di) & rg->mask];
  float s1 = rg->buf[(wpos - di - 1) & rg->mask];
  return s0 + f * (s1 - s0);
}

static inline float
allpass (ring * rg, size_t wpos, unsigned d, float g, float x)
{
  float wd = rg->buf[(wpos - d) & rg->mask];
  float w = x + g * wd;
  rg->buf[wpos & rg->mask] = w;
  return wd - g * w;
}

static inline float
clean (float x)
{
  if (!isfinite (x))
    return 0.0f;
  return x > INPUT_MAX ? INPUT_MAX : x < -INPUT_MAX ? -INPUT_MAX : x;
}

static void
process_segment (mm_reverb * r, const float *in, float *out, size_t n)
{
  const unsigned ch = r->channels;
  for (int i = 0; i < NLINES; i++)
    mm_smoother_fill (r->len[i], r->lenbuf[i], n);
  mm_smoother_fill (r->pre_len, r->prebuf, n);
  /* decay and damping are read at block starts: only advance them */
  mm_smoother_fill (r->decay_s, r->scratch, n);
  mm_smoother_fill (r->damping_s, r->scratch, n);

  for (size_t k = 0; k < n; k++) {
    float xl = clean (in[k * ch]);
    float xr = ch == 2 ? clean (in[k * ch + 1]) : xl;
    int silent_in = xl == 0.0f && xr == 0.0f;

    if (r->idle) {
      if (silent_in) {
        out[2 * k] = out[2 * k + 1] = 0.0f;
        r->wpos++;
        continue;
      }
      r->idle = 0;
    }

    const size_t w = r->wpos;
    /* pre-delay: write first so a 0 ms pre-delay reads this frame */
    r->pre[0].buf[w & r->pre[0].mask] = xl;
    r->pre[1].buf[w & r->pre[1].mask] = xr;
    float dl = ring_read (&r->pre[0], w, r->prebuf[k]);
    float dr = ring_read (&r->pre[1], w, r->prebuf[k]);
    for (int j = 0; j < NDIFF; j++) {
      dl = allpass (&r->diff[0][j], w, r->diff_len[0][j], diff_g[j], dl);
      dr = allpass (&r->diff[1][j], w, r->diff_len[1][j], diff_g[j], dr);
    }

    float o[NLINES], f[NLINES];
    float yl = 0.0f, yr = 0.0f, peak = 0.0f;
    for (int i = 0; i < NLINES; i++) {
      o[i] = ring_read (&r->line[i], w, r->lenbuf[i][k]);
      yl += out_l[i] * o[i];
      yr += out_r[i] * o[i];
      float m = fabsf (o[i]);
      peak = m > peak ? m : peak;
      r->z[i] = o[i] + r->a * (r->z[i] - o[i]);
      f[i] = r->g[i] * r->z[i];
    }
    /* fast Hadamard transform, 3 butterfly stages */
    for (int h = 1; h < NLINES; h <<= 1)
      for (int i = 0; i < NLINES; i += h << 1)
        for (int j = i; j < i + h; j++) {
          float u = f[j], v = f[j + h];
          f[j] = u + v;
          f[j + h] = u - v;
        }
    const float norm = 0.35355339059327373f;    /* 1 / sqrt 8 */
    for (int i = 0; i < NLINES; i++)
      r->line[i].buf[w & r->line[i].mask] =
          norm * f[i] + IN_GAIN * (in_l[i] * dl + in_r[i] * dr);

    out[2 * k] = OUT_GAIN * yl;
    out[2 * k + 1] = OUT_GAIN * yr;
    r->wpos++;

    if (silent_in && peak < QUIET_LEVEL) {
      if (++r->quiet >= r->quiet_need)
        clear_state (r);
    } else {
      r->quiet = 0;
    }
  }
}

int
mm_reverb_process_f32 (mm_reverb * r, const float *in, float *out,
    size_t frames)
{
  if (!r || (frames && (!in || !out)))
    return MM_ERR_INVALID;
  while (frames > 0) {
    size_t off = (size_t) (r->pos % BLOCK);
    size_t n = BLOCK - off;
    if (n > frames)
      n = frames;
    if (off == 0)
      update_coeffs (r);
    process_segment (r, in, out, n);
    r->pos += n;
    in += n * r->channels;
    out += 2 * n;
    frames -= n;
  }
  return MM_OK;
}
