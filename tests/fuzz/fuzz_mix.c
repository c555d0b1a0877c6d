/* fuzz-mix: the mixing blocks — channel strip, pan, reverb, delay.
 *
 * Byte 0 picks the block, then rate and input channels (1 or 2; other
 * counts must be refused); then up to 48 operations: parameters (valid,
 * at an end, absurd), reset, process chunks.
 * Checks: every block says non-finite input is taken as 0, so all output
 * (bus, sends, wet signal) must be finite whatever goes in; levels and
 * reductions finite or -inf, never NaN; the strip refuses a channel count
 * other than its own.
 */
#include "fuzz.h"

#include "delay.h"
#include "pan.h"
#include "reverb.h"
#include "strip.h"

#define MAX_FRAMES 4096
#define MAX_SAMPLES_PER_INPUT (1u << 19)

static float fbuf[MAX_FRAMES * 2];
static float out[MAX_FRAMES * 2], send_a[MAX_FRAMES * 2],
    send_b[MAX_FRAMES * 2];

static void
fuzz_strip_params (fz_in * in, mm_strip_params * p)
{
  uint16_t which = fz_u16 (in);

  if (which & 1)
    p->phase_invert = fz_u8 (in) & 1;
  if (which & 2)
    p->hpf_hz = fz_u8 (in) & 1 ? 0 : fz_param (in, 10, 1000);
  if (which & 4) {
    p->eq_low_gain_db = fz_param (in, -24, 24);
    p->eq_mid_freq_hz = fz_param (in, 20, 20000);
    p->eq_mid_gain_db = fz_param (in, -24, 24);
    p->eq_high_gain_db = fz_param (in, -24, 24);
  }
  if (which & 8) {
    p->comp.threshold_db = fz_param (in, -60, 0);
    p->comp.ratio = fz_param (in, 1, 20);
    p->comp.knee_db = fz_param (in, 0, 24);
    p->comp.attack_ms = fz_param (in, 0.1, 500);
    p->comp.release_ms = fz_param (in, 5, 5000);
    p->comp.makeup_db = fz_param (in, -24, 24);
    p->comp.auto_makeup = fz_u8 (in) & 1;
  }
  if (which & 16) {
    p->gain_db = fz_param (in, -90, 24);
    p->mute = fz_u8 (in) & 1;
  }
  if (which & 32) {
    p->pan_law = (mm_pan_law) fz_pick (in, 5);
    p->pan = fz_param (in, -1, 1);
  }
  for (unsigned k = 0; k < 2; k++)
    if (which & (64u << k)) {
      p->send_db[k] = fz_u8 (in) & 1 ? -INFINITY : fz_param (in, -90, 12);
      p->send_pre[k] = fz_u8 (in) & 1;
    }
}

static void
fuzz_strip (fz_in * in, unsigned rate, unsigned channels)
{
  mm_strip *s = mm_strip_new (rate, channels);
  mm_strip_params p;
  size_t budget = MAX_SAMPLES_PER_INPUT;
  unsigned ops = 0;

  if (channels > 2) {
    FZ_CHECK (s == NULL, "strip of %u channels accepted", channels);
    return;
  }
  FZ_CHECK (s != NULL, "strip refused");
  mm_strip_params_default (&p);
  while (in->n && ops++ < 48) {
    switch (fz_pick (in, 6)) {
      case 0:{
        mm_strip_params q = p;
        fuzz_strip_params (in, &q);
        if (mm_strip_set_params (s, &q) == MM_OK)
          p = q;
        break;
      }
      case 1:
        mm_strip_set_duck (s, fz_param (in, -90, 0));
        break;
      case 2:
        FZ_CHECK (mm_strip_reset (s) == MM_OK, "reset");
        break;
      default:{
        size_t n = fz_u16 (in) % MAX_FRAMES, ns = n * channels;
        unsigned sends = fz_u8 (in);
        double peak[2], rms[2], now, max, v;
        if (ns > budget) {
          mm_strip_free (&s);
          return;
        }
        budget -= ns;
        fz_fill (in, fbuf, ns);
        memset (out, 0, n * 2 * sizeof (float));
        memset (send_a, 0, n * 2 * sizeof (float));
        memset (send_b, 0, n * 2 * sizeof (float));
        FZ_CHECK (mm_strip_process_f32 (s, fbuf, channels == 1 ? 2 : 1, out,
                NULL, NULL, n) != MM_OK || n == 0, "wrong channel count "
            "taken");
        FZ_CHECK (mm_strip_process_f32 (s, fbuf, channels, out,
                sends & 1 ? send_a : NULL, sends & 2 ? send_b : NULL, n)
            == MM_OK, "process");
        fz_check_finite_f32 (out, n * 2, "strip bus");
        fz_check_finite_f32 (send_a, n * 2, "strip send a");
        fz_check_finite_f32 (send_b, n * 2, "strip send b");
        if (mm_strip_get_levels (s, peak, rms) == MM_OK)
          for (unsigned c = 0; c < 2; c++)
            FZ_CHECK (!isnan (peak[c]) && !isnan (rms[c]), "levels NaN");
        else
          FZ_CHECK (n == 0, "levels refused after %zu frames", n);
        FZ_CHECK (mm_strip_get_reduction (s, &now, &max) == MM_OK
            && isfinite (now) && isfinite (max), "reduction");
        if (mm_strip_get_duck (s, &v) == MM_OK)
          FZ_CHECK (isfinite (v), "duck %g", v);
        if (mm_strip_get_key (s, &v) == MM_OK)
          FZ_CHECK (!isnan (v), "key NaN");
        break;
      }
    }
  }
  mm_strip_free (&s);
  FZ_CHECK (s == NULL, "free did not clear the pointer");
}

static void
fuzz_pan (fz_in * in, unsigned rate, unsigned channels)
{
  mm_pan *p = mm_pan_new (rate, channels);
  unsigned ops = 0;

  if (channels > 2) {
    FZ_CHECK (p == NULL, "pan of %u channels accepted", channels);
    return;
  }
  FZ_CHECK (p != NULL, "pan refused");
  while (in->n && ops++ < 48) {
    size_t n = fz_u16 (in) % MAX_FRAMES;
    double l, r;
    switch (fz_pick (in, 5)) {
      case 0:
        mm_pan_set_law (p, (mm_pan_law) fz_pick (in, 5));
        break;
      case 1:
        mm_pan_set_position (p, fz_param (in, -1, 1));
        break;
      case 2:{
        double pos = fz_param (in, -1, 1);
        if (mm_pan_law_gains ((mm_pan_law) fz_pick (in, 4), channels, pos,
                &l, &r) == MM_OK)
          FZ_CHECK (isfinite (l) && isfinite (r) && l >= 0 && r >= 0,
              "law gains %g %g at %g", l, r, pos);
        break;
      }
      case 3:
        FZ_CHECK (mm_pan_fill_gains (p, out, send_a, n) == MM_OK, "fill");
        fz_check_finite_f32 (out, n, "pan gains left");
        fz_check_finite_f32 (send_a, n, "pan gains right");
        break;
      default:
        fz_fill (in, fbuf, n * channels);
        FZ_CHECK (mm_pan_process_f32 (p, fbuf, out, n) == MM_OK, "process");
        fz_check_finite_f32 (out, n * 2, "pan");
        break;
    }
  }
  mm_pan_free (&p);
}

static void
fuzz_reverb (fz_in * in, unsigned rate, unsigned channels)
{
  mm_reverb *r = mm_reverb_new (rate, channels);
  size_t budget = MAX_SAMPLES_PER_INPUT;
  unsigned ops = 0;

  if (channels > 2) {
    FZ_CHECK (r == NULL, "reverb of %u channels accepted", channels);
    return;
  }
  FZ_CHECK (r != NULL, "reverb refused");
  while (in->n && ops++ < 48) {
    switch (fz_pick (in, 7)) {
      case 0:
        mm_reverb_set_size (r, fz_param (in, 0, 1));
        break;
      case 1:
        mm_reverb_set_decay (r, fz_param (in, MM_REVERB_DECAY_MIN,
                MM_REVERB_DECAY_MAX));
        break;
      case 2:
        mm_reverb_set_damping (r, fz_param (in, 0, 1));
        break;
      case 3:
        mm_reverb_set_predelay (r, fz_param (in, 0, MM_REVERB_PREDELAY_MAX));
        break;
      case 4:
        FZ_CHECK (mm_reverb_reset (r) == MM_OK, "reset");
        break;
      default:{
        size_t n = fz_u16 (in) % MAX_FRAMES;
        if (n * 2 > budget) {
          mm_reverb_free (&r);
          return;
        }
        budget -= n * 2;
        /* in place is allowed for stereo input */
        float *dst = channels == 2 && (fz_u8 (in) & 1) ? fbuf : out;
        fz_fill (in, fbuf, n * channels);
        FZ_CHECK (mm_reverb_process_f32 (r, fbuf, dst, n) == MM_OK,
            "process");
        fz_check_finite_f32 (dst, n * 2, "reverb");
        break;
      }
    }
  }
  mm_reverb_free (&r);
}

static void
fuzz_delay (fz_in * in, unsigned rate)
{
  mm_delay *d = mm_delay_new (rate);
  size_t budget = MAX_SAMPLES_PER_INPUT;
  unsigned ops = 0;

  FZ_CHECK (d != NULL, "delay refused");
  while (in->n && ops++ < 48) {
    switch (fz_pick (in, 6)) {
      case 0:
        mm_delay_set_time (d, fz_param (in, MM_DELAY_TIME_MIN,
                MM_DELAY_TIME_MAX));
        break;
      case 1:
        mm_delay_set_feedback (d, fz_param (in, 0, MM_DELAY_FEEDBACK_MAX));
        break;
      case 2:
        mm_delay_set_lowpass (d, fz_param (in, 0, 20000));
        break;
      case 3:
        FZ_CHECK (mm_delay_reset (d) == MM_OK, "reset");
        break;
      default:{
        size_t n = fz_u16 (in) % MAX_FRAMES;
        int inplace = fz_u8 (in) & 1;
        if (n * 2 > budget) {
          mm_delay_free (&d);
          return;
        }
        budget -= n * 2;
        fz_fill (in, fbuf, n * 2);
        FZ_CHECK (mm_delay_process_f32 (d, fbuf, inplace ? fbuf : out, n)
            == MM_OK, "process");
        fz_check_finite_f32 (inplace ? fbuf : out, n * 2, "delay");
        break;
      }
    }
  }
  mm_delay_free (&d);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  fz_in in = { data, size };
  unsigned block = fz_pick (&in, 4);
  unsigned rate = fz_rate (&in);
  /* mostly the 1 or 2 channels the blocks take; 3 must be refused */
  unsigned channels = 1 + fz_pick (&in, 3);

  switch (block) {
    case 0:
      fuzz_strip (&in, rate, channels);
      break;
    case 1:
      fuzz_pan (&in, rate, channels);
      break;
    case 2:
      fuzz_reverb (&in, rate, channels);
      break;
    default:
      fuzz_delay (&in, rate);
      break;
  }
  return 0;
}
