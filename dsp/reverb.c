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
 * Frames run in runs no longer than the shortest read distance (the
 * shortest diffuser and line, process_segment): every read of a run is
 * of a sample written before it, so the run goes stage by stage (the
 * pre-delay, each all-pass, the line reads, the damping, the Hadamard
 * mix, the line writes), each stage over all its frames, with the
 * arithmetic of each frame unchanged: the same output as frame by frame.
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
  /* the smoother values g and a were last computed from (NAN: none) */
  double g_len[NLINES], g_decay, a_damping;

  mm_smoother *len[NLINES];     /* samples */
  mm_smoother *pre_len;         /* samples */
  mm_smoother *decay_s, *damping_s;

  uint64_t pos;                 /* frames processed since reset */
  uint64_t quiet, quiet_need;
  int idle;

  unsigned diff_min;            /* the shortest diffuser */
  int held[NLINES + 1];          /* lenbuf[i] (prebuf: NLINES) holds a
                                   steady smoother's value throughout */
  float lenbuf[NLINES][BLOCK];
  float o[NLINES][BLOCK], f[NLINES][BLOCK];     /* run_frames scratch */
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
    /* room for a block written ahead of its reads (run_frames) */
    if (ring_alloc (&r->pre[c], pre_max + 2 + BLOCK) != MM_OK)
      goto fail;
    for (int k = 0; k < NDIFF; k++) {
      unsigned d = (unsigned) lround (diff_ms[c][k] * 0.001 * rate);
      r->diff_len[c][k] = d;
      if (c + k == 0 || d < r->diff_min)
        r->diff_min = d;
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
  for (int i = 0; i < NLINES; i++)
    r->g_len[i] = NAN;
  r->g_decay = r->a_damping = NAN;
  for (int i = 0; i < NLINES + 1; i++)
    r->held[i] = 0;
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
    if (d == r->g_len[i] && t == r->g_decay)
      continue;                 /* the same values give the same gain */
    r->g[i] = (float) pow (10.0, -3.0 * d / (r->rate * t));
    r->g_len[i] = d;
  }
  r->g_decay = t;
  if (dmp == r->a_damping) {
    /* as computed */
  } else if (dmp <= 0.0) {
    r->a = 0.0f;
  } else {
    double fc = DAMP_FC_HI * pow (DAMP_FC_LO / DAMP_FC_HI, dmp);
    if (fc > 0.45 * r->rate)
      fc = 0.45 * r->rate;
    r->a = (float) exp (-2.0 * MM_PI * fc / r->rate);
  }
  r->a_damping = dmp;
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

/* Line i (or the pre-delay) read for frames k0..k0+m-1 at distances
 * d[0..m-1]: ring_read per frame; when the distance is constant and the
 * reads do not wrap, as contiguous loads (the same arithmetic). */
static void
ring_read_block (const ring * rg, size_t w0, const float *d, int dconst,
    float *o, size_t m)
{
  if (dconst) {
    const size_t di = (size_t) d[0];
    const float f = d[0] - (float) di;
    const size_t base = (w0 - di) & rg->mask;
    if (base >= 1 && base + m <= rg->mask + 1) {
      const float *s0 = rg->buf + base;
      for (size_t k = 0; k < m; k++)
        o[k] = s0[k] + f * (s0[k - 1] - s0[k]);
      return;
    }
  }
  for (size_t k = 0; k < m; k++)
    o[k] = ring_read (rg, w0 + k, d[k]);
}

/* m samples into a ring from w0. */
static void
ring_write_block (ring * rg, size_t w0, const float *v, size_t m)
{
  const size_t wi = w0 & rg->mask;
  if (wi + m <= rg->mask + 1) {
    memcpy (rg->buf + wi, v, m * sizeof (float));
    return;
  }
  for (size_t k = 0; k < m; k++)
    rg->buf[(w0 + k) & rg->mask] = v[k];
}

/* An all-pass over m <= d frames from w0, in place on x: every read is of
 * a sample written before the block, so the reads go first (as a copy),
 * then the frames, each exactly allpass (). */
static void
allpass_block (ring * rg, size_t w0, unsigned d, float g, float *x, size_t m)
{
  float wd[BLOCK], w[BLOCK];
  const size_t r = (w0 - d) & rg->mask;
  if (r + m <= rg->mask + 1)
    memcpy (wd, rg->buf + r, m * sizeof (float));
  else
    for (size_t k = 0; k < m; k++)
      wd[k] = rg->buf[(r + k) & rg->mask];
  for (size_t k = 0; k < m; k++) {
    w[k] = x[k] + g * wd[k];
    x[k] = wd[k] - g * w[k];
  }
  ring_write_block (rg, w0, w, m);
}

/* Frames k0..k0+m-1 of the segment through the network, m no longer than
 * any read distance (every read is of a sample written before these
 * frames: the frames run stage by stage, each stage over all of them,
 * with the per-frame arithmetic of the network unchanged).  xl, xr: the
 * cleaned input.  Returns the frames done: m, or fewer when the silence
 * gate cleared the state after one of them (the rest is then the
 * caller's again, from the cleared state). */
static size_t
run_frames (mm_reverb * r, const float *xl, const float *xr, float *out,
    size_t k0, size_t m, const int *lconst, int pconst)
{
  const size_t w0 = r->wpos;
  float dl[BLOCK], dr[BLOCK], yl[BLOCK], yr[BLOCK], peak[BLOCK];
  float (*o)[BLOCK] = r->o, (*f)[BLOCK] = r->f;

  /* pre-delay: write first so a 0 ms pre-delay reads this frame */
  ring_write_block (&r->pre[0], w0, xl, m);
  ring_write_block (&r->pre[1], w0, xr, m);
  ring_read_block (&r->pre[0], w0, r->prebuf + k0, pconst, dl, m);
  ring_read_block (&r->pre[1], w0, r->prebuf + k0, pconst, dr, m);
  for (int j = 0; j < NDIFF; j++) {
    allpass_block (&r->diff[0][j], w0, r->diff_len[0][j], diff_g[j], dl, m);
    allpass_block (&r->diff[1][j], w0, r->diff_len[1][j], diff_g[j], dr, m);
  }

  for (int i = 0; i < NLINES; i++)
    ring_read_block (&r->line[i], w0, r->lenbuf[i] + k0, lconst[i], o[i], m);
  for (size_t k = 0; k < m; k++) {
    yl[k] = yr[k] = peak[k] = 0.0f;
  }
  for (int i = 0; i < NLINES; i++) {
    for (size_t k = 0; k < m; k++) {
      yl[k] += out_l[i] * o[i][k];
      yr[k] += out_r[i] * o[i][k];
      float a = fabsf (o[i][k]);
      peak[k] = a > peak[k] ? a : peak[k];
    }
  }
  /* the damping low-passes: the one recurrence, the lines side by side */
  float z[NLINES], g[NLINES];
  const float a = r->a;
  memcpy (z, r->z, sizeof (z));
  memcpy (g, r->g, sizeof (g));
  for (size_t k = 0; k < m; k++)
    for (int i = 0; i < NLINES; i++) {
      z[i] = o[i][k] + a * (z[i] - o[i][k]);
      f[i][k] = g[i] * z[i];
    }
  memcpy (r->z, z, sizeof (z));
  /* fast Hadamard transform, 3 butterfly stages */
  for (int h = 1; h < NLINES; h <<= 1)
    for (int i = 0; i < NLINES; i += h << 1)
      for (int j = i; j < i + h; j++)
        for (size_t k = 0; k < m; k++) {
          float u = f[j][k], v = f[j + h][k];
          f[j][k] = u + v;
          f[j + h][k] = u - v;
        }
  const float norm = 0.35355339059327373f;      /* 1 / sqrt 8 */
  for (int i = 0; i < NLINES; i++) {
    for (size_t k = 0; k < m; k++)
      f[i][k] = norm * f[i][k] + IN_GAIN * (in_l[i] * dl[k] + in_r[i] * dr[k]);
    ring_write_block (&r->line[i], w0, f[i], m);
  }
  for (size_t k = 0; k < m; k++) {
    out[2 * k] = OUT_GAIN * yl[k];
    out[2 * k + 1] = OUT_GAIN * yr[k];
  }

  /* the silence gate, frame by frame */
  for (size_t k = 0; k < m; k++) {
    if (xl[k] == 0.0f && xr[k] == 0.0f && peak[k] < QUIET_LEVEL) {
      if (++r->quiet >= r->quiet_need) {
        clear_state (r);
        r->wpos = w0 + k + 1;
        return k + 1;
      }
    } else {
      r->quiet = 0;
    }
  }
  r->wpos = w0 + m;
  return m;
}

/* A length smoother's next n values into buf; a steady one's value is
 * written once and kept (*held) while it stays.  Returns 1 when steady. */
static int
fill_lengths (mm_smoother * sm, float *buf, int *held, size_t n)
{
  if (mm_smoother_is_ramping (sm)) {
    mm_smoother_fill (sm, buf, n);
    *held = 0;
    return 0;
  }
  if (!*held || buf[0] != (float) mm_smoother_get_value (sm)) {
    mm_smoother_fill (sm, buf, BLOCK);
    *held = 1;
  }
  return 1;
}

static void
process_segment (mm_reverb * r, const float *in, float *out, size_t n)
{
  const unsigned ch = r->channels;
  int lconst[NLINES], pconst;
  for (int i = 0; i < NLINES; i++)
    lconst[i] = fill_lengths (r->len[i], r->lenbuf[i], &r->held[i], n);
  pconst = fill_lengths (r->pre_len, r->prebuf, &r->held[NLINES], n);
  /* decay and damping are read at block starts: only advance them (a
   * steady smoother does not move) */
  if (mm_smoother_is_ramping (r->decay_s))
    mm_smoother_fill (r->decay_s, r->scratch, n);
  if (mm_smoother_is_ramping (r->damping_s))
    mm_smoother_fill (r->damping_s, r->scratch, n);

  /* the longest run of frames whose reads are all of earlier frames:
   * the shortest read distance (line lengths glide linearly: their
   * least is at an end of the segment) */
  size_t limit = r->diff_min;
  for (int i = 0; i < NLINES; i++) {
    float d = fminf (r->lenbuf[i][0], r->lenbuf[i][n - 1]);
    if ((size_t) d < limit)
      limit = (size_t) d;
  }

  float xl[BLOCK], xr[BLOCK];
  for (size_t k = 0; k < n; k++) {
    xl[k] = clean (in[k * ch]);
    xr[k] = ch == 2 ? clean (in[k * ch + 1]) : xl[k];
  }
  for (size_t k = 0; k < n;) {
    if (r->idle) {
      /* exact zeros while the input is silent */
      while (k < n && xl[k] == 0.0f && xr[k] == 0.0f) {
        out[2 * k] = out[2 * k + 1] = 0.0f;
        r->wpos++;
        k++;
      }
      if (k == n)
        break;
      r->idle = 0;
    }
    size_t m = n - k < limit ? n - k : limit;
    k += run_frames (r, xl + k, xr + k, out + 2 * k, k, m, lconst, pconst);
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
