/* fuzz-chain: the mastering chain (mm_chain: input gain, EQ, single or
 * 3-band compressor, width, loudness + limiter, dither) and, on their
 * own, the blocks it is built from that no other target reaches: the LR4
 * crossover, the width stage and the dither.
 *
 * Byte 0 picks chain or a block; then rate, channels, mode; then up to 48
 * operations: a whole parameter set (each value valid, at an end or
 * absurd), fixed gain, reset, f32/f64 chunks, drain.
 * Checks: the chain's output is finite whatever goes in and stays under
 * the highest ceiling set (+ tolerance + the dither's 2 LSB) while the
 * limiter is on; set_params is all-or-nothing; the blocks give finite
 * output for bounded input and finite statistics.
 */
#include "fuzz.h"

#include "chain.h"
#include "crossover.h"
#include "dither.h"
#include "loudnorm.h"
#include "width.h"

#define MAX_FRAMES 4096
#define MAX_SAMPLES_PER_INPUT (1u << 20)

static float fbuf[MAX_FRAMES * MM_CHANNELS_MAX];
static float fout[MAX_FRAMES * MM_CHANNELS_MAX];
static float band[3][MAX_FRAMES * MM_CHANNELS_MAX];
static double dbuf[MAX_FRAMES * MM_CHANNELS_MAX];
static double dout[MAX_FRAMES * MM_CHANNELS_MAX];

static void
fuzz_comp_params (fz_in * in, mm_compressor_params * p)
{
  p->threshold_db = fz_param (in, -60, 0);
  p->ratio = fz_param (in, 1, 20);
  p->knee_db = fz_param (in, 0, 24);
  p->attack_ms = fz_param (in, 0.1, 500);
  p->release_ms = fz_param (in, 5, 5000);
  p->makeup_db = fz_param (in, -24, 24);
  p->auto_makeup = fz_u8 (in) & 1;
  p->link = fz_param (in, 0, 1);
  p->detector = (mm_compressor_detector) fz_pick (in, 2);
}

/* A parameter set; each field changes only when its bit says so, so the
 * fuzzer can move one value at a time. */
static void
fuzz_chain_params (fz_in * in, mm_chain_params * p, unsigned rate)
{
  uint32_t which = fz_u32 (in);
  static const unsigned slopes[] = { 12, 24, 36, 48, 6, 0 };
  static const unsigned bits[] = { 0, 16, 24, 8 };

  if (which & (1u << 0)) {
    p->input_bypass = fz_u8 (in) & 1;
    p->input_gain_db = fz_param (in, -24, 24);
  }
  if (which & (1u << 1)) {
    p->eq_bypass = fz_u8 (in) & 1;
    p->hpf_hz = fz_u8 (in) & 1 ? 0 : fz_param (in, 10, 1000);
    p->hpf_slope = slopes[fz_pick (in, 6)];
  }
  if (which & (1u << 2)) {
    p->low_shelf_hz = fz_param (in, 20, 1000);
    p->low_shelf_gain_db = fz_param (in, -24, 24);
    p->high_shelf_hz = fz_param (in, 1000, 20000);
    p->high_shelf_gain_db = fz_param (in, -24, 24);
  }
  for (unsigned k = 0; k < MM_CHAIN_BELLS; k++)
    if (which & (1u << (3 + k))) {
      p->bell_hz[k] = fz_param (in, 20, fmin (20000, rate / 2.0));
      p->bell_gain_db[k] = fz_param (in, -24, 24);
      p->bell_q[k] = fz_param (in, 0.1, 20);
    }
  if (which & (1u << 6)) {
    p->comp_bypass = fz_u8 (in) & 1;
    p->multiband = fz_u8 (in) & 1;
    p->xover_low_hz = fz_param (in, 20, 2000);
    p->xover_high_hz = fz_param (in, 200, 20000);
  }
  if (which & (1u << 7))
    fuzz_comp_params (in, &p->comp);
  for (unsigned k = 0; k < MM_CHAIN_BANDS; k++)
    if (which & (1u << (8 + k)))
      fuzz_comp_params (in, &p->band[k]);
  if (which & (1u << 11)) {
    p->width_bypass = fz_u8 (in) & 1;
    p->width = fz_param (in, 0, 2);
    p->bass_mono_hz = fz_u8 (in) & 1 ? 0 : fz_param (in, 20, 500);
  }
  if (which & (1u << 12)) {
    p->loudness_bypass = fz_u8 (in) & 1;
    p->loudness_target = fz_param (in, -70, 0);
    p->range_target = fz_param (in, 1, 50);
  }
  if (which & (1u << 13)) {
    p->limiter_bypass = fz_u8 (in) & 1;
    p->max_true_peak = fz_param (in, -9, 0);
    p->limiter_release_ms = fz_param (in, 10, 2000);
  }
  if (which & (1u << 14))
    p->dither_bits = bits[fz_pick (in, 4)];
}

static void
fuzz_chain (fz_in * in, unsigned rate, unsigned channels)
{
  mm_chain_mode mode = fz_u8 (in) & 1 ? MM_CHAIN_FIXED : MM_CHAIN_LIVE;
  double la = fz_param (in, 100, rate <= 48000 ? 2000.0 : 500.0);
  unsigned flags = fz_u8 (in) & MM_LOUDNORM_F64;
  mm_chain *c = mm_chain_new (rate, channels, mode, la, flags);
  mm_chain_params p, cur;
  double ceiling = -1.0;        /* highest taken since the start */
  int bypassed = 0;             /* the limiter was bypassed at some point */
  size_t budget = MAX_SAMPLES_PER_INPUT;
  unsigned ops = 0;

  if (mode == MM_CHAIN_LIVE && !(la >= 100 && la <= 10000)) {
    FZ_CHECK (c == NULL, "live lookahead %g ms accepted", la);
    return;
  }
  if (!c)
    return;
  mm_chain_params_default (&cur);
  ceiling = cur.max_true_peak;
  while (in->n && ops++ < 48) {
    switch (fz_pick (in, 8)) {
      case 0:
      case 1:
        p = cur;
        fuzz_chain_params (in, &p, rate);
        if (mm_chain_set_params (c, &p) == MM_OK) {
          cur = p;
          ceiling = fmax (ceiling, p.max_true_peak);
          bypassed |= p.limiter_bypass;
        }
        break;
      case 2:
        mm_chain_set_gain (c, fz_param (in, -60, 60));
        break;
      case 3:
        FZ_CHECK (mm_chain_reset (c) == MM_OK, "reset");
        break;
      case 4:
        mm_chain_set_channel_weight (c, fz_pick (in, channels + 1),
            fz_param (in, 0, 2));
        break;
      default:{
        size_t n = fz_u16 (in) % MAX_FRAMES, ns = n * channels;
        unsigned how = fz_pick (in, 3);
        double peak, comp[MM_CHAIN_BANDS], lim, corr, sm;
        int err;
        if (ns > budget) {
          mm_chain_free (&c);
          return;
        }
        budget -= ns;
        if (how == 1) {
          fz_fill_f64 (in, dbuf, fbuf, ns);
          err = mm_chain_process_f64 (c, dbuf, dout, n);
          if (err != MM_OK) {   /* f64 needs the f64 delay line */
            FZ_CHECK (!(flags & MM_LOUDNORM_F64), "f64: %d", err);
            break;
          }
          fz_check_finite_f64 (dout, ns, "chain f64");
          peak = fz_peak_f64 (dout, ns);
        } else {
          if (how == 0)
            fz_fill (in, fbuf, ns);
          FZ_CHECK (mm_chain_process_f32 (c, how ? NULL : fbuf, fout, n)
              == MM_OK, "f32");
          fz_check_finite_f32 (fout, ns, "chain f32");
          peak = fz_peak_f32 (fout, ns);
        }
        if (!bypassed)
          FZ_CHECK (peak <= fz_ceiling_limit (ceiling) + 2.0 / 32768,
              "chain peak %.9g over ceiling %.3f dBTP", peak, ceiling);
        FZ_CHECK (isfinite (mm_chain_get_gain (c)), "gain");
        FZ_CHECK (mm_chain_get_reductions (c, comp, &lim) == MM_OK, "red");
        for (unsigned k = 0; k < MM_CHAIN_BANDS; k++)
          FZ_CHECK (isfinite (comp[k]), "band %u reduction %g", k, comp[k]);
        FZ_CHECK (isfinite (lim), "limiter reduction %g", lim);
        if (mm_chain_get_width_stats (c, &corr, &sm) == MM_OK)
          FZ_CHECK (!isnan (corr) && !isnan (sm), "width stats");
        for (unsigned ch = 0; ch < channels; ch++)
          FZ_CHECK (mm_chain_get_output_true_peak (c, ch, &peak) == MM_OK
              && isfinite (peak), "output true peak");
        break;
      }
    }
  }
  mm_chain_free (&c);
  FZ_CHECK (c == NULL, "free did not clear the pointer");
}

/* Finite, bounded audio for the inner blocks (the chain cleans its input
 * before they see it). */
static void
fill_clean (fz_in * in, float *b, size_t n)
{
  fz_fill (in, b, n);
  for (size_t i = 0; i < n; i++)
    if (!isfinite (b[i]) || fabsf (b[i]) > 16.0f)
      b[i] = 0;
}

static void
fuzz_blocks (fz_in * in, unsigned rate, unsigned channels)
{
  mm_crossover *x = mm_crossover_new (rate, channels, fz_param (in, 20,
          2000), fz_param (in, 200, 20000));
  mm_width *w = mm_width_new (rate, channels);
  mm_dither *d = mm_dither_new (channels, fz_u32 (in));
  unsigned ops = 0;

  FZ_CHECK (w != NULL && d != NULL, "width/dither refused");
  if (!x)
    x = mm_crossover_new (rate, channels, 200, fmin (2000, 0.4 * rate));
  FZ_CHECK (x != NULL, "crossover with sane frequencies refused");
  while (in->n && ops++ < 48) {
    size_t n = fz_u16 (in) % MAX_FRAMES, ns = n * channels;
    double corr, sm;
    switch (fz_pick (in, 8)) {
      case 0:
        mm_crossover_set_frequencies (x, fz_param (in, 20, 2000),
            fz_param (in, 200, 20000));
        break;
      case 1:
        mm_width_set_width (w, fz_param (in, 0, 2));
        mm_width_set_bass_mono (w, fz_u8 (in) & 1 ? 0 : fz_param (in, 20,
                500));
        break;
      case 2:
        mm_dither_set_bits (d, fz_pick (in, 30));
        break;
      case 3:
        mm_crossover_reset (x);
        mm_width_reset (w);
        mm_dither_reset (d);
        break;
      case 4:
        fill_clean (in, fbuf, ns);
        FZ_CHECK (mm_crossover_split_f32 (x, fbuf, band[0], band[1], band[2],
                n) == MM_OK, "split");
        for (unsigned k = 0; k < 3; k++)
          fz_check_finite_f32 (band[k], ns, "crossover band");
        break;
      case 5:
        fill_clean (in, fbuf, ns);
        FZ_CHECK (mm_width_process_f32 (w, fbuf, n) == MM_OK, "width f32");
        fz_check_finite_f32 (fbuf, ns, "width f32");
        if (mm_width_get_stats (w, &corr, &sm) == MM_OK)
          FZ_CHECK (!isnan (corr) && !isnan (sm), "width stats %g %g", corr,
              sm);
        break;
      case 6:
        fill_clean (in, fbuf, ns);
        for (size_t i = 0; i < ns; i++)
          dbuf[i] = fbuf[i];
        FZ_CHECK (mm_width_process_f64 (w, dbuf, n) == MM_OK, "width f64");
        fz_check_finite_f64 (dbuf, ns, "width f64");
        break;
      default:
        fill_clean (in, fbuf, ns);
        if (fz_u8 (in) & 1) {
          FZ_CHECK (mm_dither_process_f32 (d, fbuf, n) == MM_OK, "dither");
          fz_check_finite_f32 (fbuf, ns, "dither f32");
        } else {
          for (size_t i = 0; i < ns; i++)
            dbuf[i] = fbuf[i];
          FZ_CHECK (mm_dither_process_f64 (d, dbuf, n) == MM_OK, "dither");
          fz_check_finite_f64 (dbuf, ns, "dither f64");
        }
        break;
    }
  }
  mm_crossover_free (&x);
  mm_width_free (&w);
  mm_dither_free (&d);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  fz_in in = { data, size };
  unsigned what = fz_u8 (&in) & 3;
  unsigned rate = fz_rate (&in);
  unsigned channels = 1 + fz_pick (&in, MM_CHANNELS_MAX);

  if (what == 3)
    fuzz_blocks (&in, rate, channels);
  else
    fuzz_chain (&in, rate, channels);
  return 0;
}
