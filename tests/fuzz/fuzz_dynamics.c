/* fuzz-dynamics: the blocks that change levels — the true-peak limiter,
 * the loudness normaliser, the compressor and the smoother.
 *
 * Byte 0 picks the block, then rate, channels and constructor arguments;
 * then up to 64 operations (process f32/f64 chunks, parameter changes
 * with valid and absurd values, bypasses, reset, drain).
 * Checks: output always finite, whatever went in (NaN, Inf, denormals,
 * squares at +12 dBFS); limiter and normaliser output never above the
 * highest ceiling set so far (+ the true-peak tolerance) unless the
 * limiter was bypassed; setters refuse NaN/Inf; readouts finite.
 */
#include "fuzz.h"

#include "compressor.h"
#include "limiter.h"
#include "loudnorm.h"
#include "smooth.h"

#define MAX_FRAMES 4096
#define MAX_SAMPLES_PER_INPUT (1u << 20)

static float fbuf[MAX_FRAMES * MM_CHANNELS_MAX];
static float fout[MAX_FRAMES * MM_CHANNELS_MAX];
static double dbuf[MAX_FRAMES * MM_CHANNELS_MAX];
static double dout[MAX_FRAMES * MM_CHANNELS_MAX];
static float pregain[MAX_FRAMES];

/* The ceiling the output is held to: the highest accepted so far (a
 * lowered ceiling glides down), and how many frames must pass after a
 * bypass ends before the limit applies again (held frames were not
 * limited). */
typedef struct
{
  double ceiling_db;
  int bypass;
  size_t grace;
} ceiling_track;

static void
ceiling_set (ceiling_track * t, int err, double db)
{
  if (err == MM_OK && db > t->ceiling_db)
    t->ceiling_db = db;
}

static void
ceiling_check (ceiling_track * t, double peak, size_t frames,
    const char *what)
{
  if (t->bypass)
    return;
  if (t->grace >= frames) {
    t->grace -= frames;
    return;
  }
  t->grace = 0;
  FZ_CHECK (peak <= fz_ceiling_limit (t->ceiling_db), "%s: peak %.9g over "
      "ceiling %.3f dBTP", what, peak, t->ceiling_db);
}

static void
fuzz_limiter (fz_in * in, unsigned rate, unsigned channels)
{
  double la = fz_param (in, MM_LIMITER_LOOKAHEAD_MIN_MS,
      MM_LIMITER_LOOKAHEAD_MAX_MS);
  mm_limiter *l = mm_limiter_new (rate, channels, la);
  ceiling_track t = { -1.0, 0, 0 };
  size_t budget = MAX_SAMPLES_PER_INPUT;
  unsigned ops = 0;

  if (!(la >= MM_LIMITER_LOOKAHEAD_MIN_MS && la <= MM_LIMITER_LOOKAHEAD_MAX_MS)) {
    FZ_CHECK (l == NULL, "lookahead %g ms accepted", la);
    return;
  }
  FZ_CHECK (l != NULL, "limiter %u Hz x %u, %g ms refused", rate, channels,
      la);
  while (in->n && ops++ < 64) {
    switch (fz_pick (in, 8)) {
      case 0:{
        double db = fz_param (in, -20.0, 6.0);
        int err = mm_limiter_set_ceiling (l, db);
        FZ_CHECK (isfinite (db) || err != MM_OK, "ceiling %g taken", db);
        ceiling_set (&t, err, db);
        break;
      }
      case 1:{
        double ms = fz_param (in, 10.0, 2000.0);
        int err = mm_limiter_set_release (l, ms);
        FZ_CHECK (isfinite (ms) || err != MM_OK, "release %g taken", ms);
        break;
      }
      case 2:{
        int b = fz_u8 (in) & 1;
        FZ_CHECK (mm_limiter_set_bypass (l, b) == MM_OK, "bypass");
        if (t.bypass && !b)
          t.grace = mm_limiter_get_latency (l);
        t.bypass = b;
        break;
      }
      case 3:
        FZ_CHECK (mm_limiter_reset (l) == MM_OK, "reset");
        break;
      default:{
        size_t n = fz_u16 (in) % MAX_FRAMES, ns = n * channels;
        unsigned how = fz_pick (in, 4);
        double now, max, loss, peak;
        if (ns > budget) {
          mm_limiter_free (&l);
          return;
        }
        budget -= ns;
        if (how >= 2) {         /* pre-gain: a ramp, or raw (steps, NaN) */
          if (fz_u8 (in) & 1) {
            fz_fill (in, pregain, n);
          } else {
            double a = fz_range (in, 0, 16), b = fz_range (in, 0, 16);
            for (size_t i = 0; i < n; i++)
              pregain[i] = (float) (a + (b - a) * i / (n ? n : 1));
          }
        }
        if (how & 1) {
          fz_fill_f64 (in, dbuf, fbuf, ns);
          FZ_CHECK ((how >= 2 ? mm_limiter_process_gain_f64 (l, dbuf,
                      pregain, n) : mm_limiter_process_f64 (l, dbuf, n))
              == MM_OK, "process f64");
          fz_check_finite_f64 (dbuf, ns, "limiter f64");
          peak = fz_peak_f64 (dbuf, ns);
        } else {
          fz_fill (in, fbuf, ns);
          FZ_CHECK ((how >= 2 ? mm_limiter_process_gain_f32 (l, fbuf,
                      pregain, n) : mm_limiter_process_f32 (l, fbuf, n))
              == MM_OK, "process f32");
          /* bypassed, the pre-gain still applies: x p of a sample near
           * FLT_MAX does not fit a float (docs/bad-input.md) */
          if (!(t.bypass && how >= 2))
            fz_check_finite_f32 (fbuf, ns, "limiter f32");
          peak = fz_peak_f32 (fbuf, ns);
        }
        ceiling_check (&t, peak, n, "limiter");
        FZ_CHECK (mm_limiter_get_reduction (l, &now, &max) == MM_OK, "red");
        /* +inf is a fair reading for input near FLT_MAX (gain under 1e-38) */
        FZ_CHECK (!isnan (now) && !isnan (max) && now >= 0, "reduction "
            "%g %g", now, max);
        FZ_CHECK (mm_limiter_get_loss (l, &loss) == MM_OK && isfinite (loss),
            "loss %g", loss);
        for (unsigned c = 0; c < channels; c++) {
          FZ_CHECK (mm_limiter_get_input_peak (l, c, &peak) == MM_OK
              && !isnan (peak), "input peak %g", peak);
          FZ_CHECK (mm_limiter_get_output_peak (l, c, &peak) == MM_OK
              && !isnan (peak), "output peak %g", peak);
        }
        break;
      }
    }
  }
  mm_limiter_free (&l);
}

static void
fuzz_loudnorm (fz_in * in, unsigned rate, unsigned channels)
{
  mm_loudnorm_mode mode = fz_u8 (in) & 1 ? MM_LOUDNORM_LINEAR :
      MM_LOUDNORM_LIVE;
  /* long lookaheads only at low rates: memory and drain time */
  double la = fz_param (in, MM_LOUDNORM_LOOKAHEAD_MIN_MS,
      rate <= 48000 ? 2000.0 : 500.0);
  unsigned flags = fz_u8 (in) & MM_LOUDNORM_F64;
  mm_loudnorm *n = mm_loudnorm_new (rate, channels, mode, la, flags);
  ceiling_track t = { -1.0, 0, 0 };
  size_t budget = MAX_SAMPLES_PER_INPUT;
  unsigned ops = 0;

  if (mode == MM_LOUDNORM_LIVE && !(la >= MM_LOUDNORM_LOOKAHEAD_MIN_MS
          && la <= MM_LOUDNORM_LOOKAHEAD_MAX_MS)) {
    FZ_CHECK (n == NULL, "live lookahead %g ms accepted", la);
    return;
  }
  if (!n)                       /* linear mode may refuse a silly lookahead */
    return;
  while (in->n && ops++ < 64) {
    double v;
    int err;
    switch (fz_pick (in, 12)) {
      case 0:
        v = fz_param (in, -70, 0);
        err = mm_loudnorm_set_target (n, v);
        FZ_CHECK (isfinite (v) || err != MM_OK, "target %g taken", v);
        break;
      case 1:
        v = fz_param (in, -40, 40);
        err = mm_loudnorm_set_offset (n, v);
        FZ_CHECK (isfinite (v) || err != MM_OK, "offset %g taken", v);
        break;
      case 2:
        v = fz_param (in, -9, 0);
        err = mm_loudnorm_set_ceiling (n, v);
        FZ_CHECK (isfinite (v) || err != MM_OK, "ceiling %g taken", v);
        ceiling_set (&t, err, v);
        break;
      case 3:
        v = fz_param (in, 1, 50);
        FZ_CHECK (isfinite (v) || mm_loudnorm_set_range_target (n, v)
            != MM_OK, "range %g taken", v);
        mm_loudnorm_set_range_target (n, v);
        break;
      case 4:
        v = fz_param (in, -60, 60);
        err = mm_loudnorm_set_gain (n, v);
        FZ_CHECK (isfinite (v) || err != MM_OK, "gain %g taken", v);
        break;
      case 5:
        mm_loudnorm_set_release (n, fz_param (in, 10, 2000));
        break;
      case 6:{
        int b = fz_u8 (in) & 1;
        FZ_CHECK (mm_loudnorm_set_limiter_bypass (n, b) == MM_OK, "bypass");
        if (t.bypass && !b)
          t.grace = mm_loudnorm_get_latency (n);
        t.bypass = b;
        break;
      }
      case 7:
        mm_loudnorm_set_gain_bypass (n, fz_u8 (in) & 1);
        break;
      case 8:
        FZ_CHECK ((fz_u8 (in) & 1 ? mm_loudnorm_reset (n) :
                mm_loudnorm_reset_meters (n)) == MM_OK, "reset");
        break;
      case 9:
        mm_loudnorm_set_channel_weight (n, fz_pick (in, channels + 1),
            fz_param (in, 0, 2));
        break;
      default:{
        size_t k = fz_u16 (in) % MAX_FRAMES, ns = k * channels;
        unsigned how = fz_pick (in, 3);  /* f32, f64, drain */
        double now, max, tot, peak;
        if (ns > budget) {
          mm_loudnorm_free (&n);
          return;
        }
        budget -= ns;
        if (how == 1) {
          fz_fill_f64 (in, dbuf, fbuf, ns);
          err = mm_loudnorm_process_f64 (n, dbuf, dout, k);
          if (mode == MM_LOUDNORM_LIVE && !(flags & MM_LOUDNORM_F64)) {
            FZ_CHECK (err != MM_OK, "f64 into a float delay line taken");
            break;
          }
          FZ_CHECK (err == MM_OK, "process f64: %d", err);
          fz_check_finite_f64 (dout, ns, "loudnorm f64");
          peak = fz_peak_f64 (dout, ns);
        } else {
          if (how == 0)
            fz_fill (in, fbuf, ns);
          FZ_CHECK (mm_loudnorm_process_f32 (n, how ? NULL : fbuf, fout, k)
              == MM_OK, "process f32");
          /* with the limiter bypassed, gain x a sample near FLT_MAX does
           * not fit a float (docs/bad-input.md); the elements never get
           * there (loudnorm has no bypass, mm_chain clamps its input) */
          if (!t.bypass)
            fz_check_finite_f32 (fout, ns, "loudnorm f32");
          peak = fz_peak_f32 (fout, ns);
        }
        ceiling_check (&t, peak, k, "loudnorm");
        FZ_CHECK (isfinite (mm_loudnorm_get_gain (n)), "gain");
        FZ_CHECK (mm_loudnorm_get_reduction (n, &now, &max, &tot) == MM_OK
            && !isnan (now) && !isnan (max) && !isnan (tot), "reduction");
        for (unsigned c = 0; c < channels; c++) {
          FZ_CHECK (mm_loudnorm_get_input_true_peak (n, c, &peak) == MM_OK
              && !isnan (peak), "input true peak %g", peak);
          /* +inf when a sample beyond ~1e37 overflows the float
           * oversampler (the audio itself stays limited): never NaN */
          FZ_CHECK (mm_loudnorm_get_output_true_peak (n, c, &peak) == MM_OK
              && !isnan (peak), "output true peak %g", peak);
        }
        break;
      }
    }
  }
  mm_loudnorm_free (&n);
}

/* The compressor's callers (chain, strip) clamp finite input to +-1e6 or
 * less; NaN and Inf reach it as they come. */
static void
clamp_finite (float *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (isfinite (b[i]))
      b[i] = fmaxf (fminf (b[i], 1e6f), -1e6f);
}

static void
fuzz_compressor (fz_in * in, unsigned rate, unsigned channels)
{
  mm_compressor *c = mm_compressor_new (rate, channels);
  size_t budget = MAX_SAMPLES_PER_INPUT;
  unsigned ops = 0;

  FZ_CHECK (c != NULL, "compressor refused");
  while (in->n && ops++ < 64) {
    switch (fz_pick (in, 4)) {
      case 0:{
        mm_compressor_params p;
        mm_compressor_params_default (&p);
        p.threshold_db = fz_param (in, -60, 0);
        p.ratio = fz_param (in, 1, 20);
        p.knee_db = fz_param (in, 0, 24);
        p.attack_ms = fz_param (in, 0.1, 500);
        p.release_ms = fz_param (in, 5, 5000);
        p.makeup_db = fz_param (in, -24, 24);
        p.auto_makeup = fz_u8 (in) & 1;
        p.link = fz_param (in, 0, 1);
        p.detector = (mm_compressor_detector) fz_pick (in, 3);
        if (mm_compressor_set_params (c, &p) == MM_OK) {
          double g = mm_compressor_static_gain (c, fz_range (in, -200, 50));
          FZ_CHECK (isfinite (g), "static gain %g", g);
        }
        break;
      }
      case 1:
        FZ_CHECK (mm_compressor_reset (c) == MM_OK, "reset");
        break;
      default:{
        size_t n = fz_u16 (in) % MAX_FRAMES, ns = n * channels;
        double now, max;
        if (ns > budget) {
          mm_compressor_free (&c);
          return;
        }
        budget -= ns;
        if (fz_u8 (in) & 1) {
          fz_fill (in, fbuf, ns);
          clamp_finite (fbuf, ns);
          for (size_t i = 0; i < ns; i++)
            dbuf[i] = fbuf[i];
          FZ_CHECK (mm_compressor_process_f64 (c, dbuf, n) == MM_OK, "f64");
          fz_check_finite_f64 (dbuf, ns, "compressor f64");
        } else {
          fz_fill (in, fbuf, ns);
          clamp_finite (fbuf, ns);
          FZ_CHECK (mm_compressor_process_f32 (c, fbuf, n) == MM_OK, "f32");
          fz_check_finite_f32 (fbuf, ns, "compressor f32");
        }
        FZ_CHECK (mm_compressor_get_reduction (c, &now, &max) == MM_OK
            && isfinite (now) && isfinite (max), "reduction %g %g", now, max);
        break;
      }
    }
  }
  mm_compressor_free (&c);
}

static void
fuzz_smoother (fz_in * in, unsigned rate, unsigned channels)
{
  double ramp = fz_param (in, 0, 1000), init = fz_param (in, -100, 100);
  mm_smoother *s = mm_smoother_new (rate, ramp, init);
  unsigned ops = 0;

  if (!isfinite (ramp) || ramp < 0 || !isfinite (init)) {
    FZ_CHECK (s == NULL, "smoother ramp %g initial %g accepted", ramp, init);
    return;
  }
  if (!s)                       /* absurdly long ramps may be refused */
    return;
  while (in->n && ops++ < 64) {
    double v;
    int err;
    switch (fz_pick (in, 6)) {
      case 0:
        v = fz_param (in, -100, 100);
        err = mm_smoother_set_target (s, v);
        FZ_CHECK (isfinite (v) || err != MM_OK, "target %g taken", v);
        break;
      case 1:
        v = fz_param (in, -100, 100);
        err = mm_smoother_set_value (s, v);
        FZ_CHECK (isfinite (v) || err != MM_OK, "value %g taken", v);
        break;
      case 2:
        v = fz_param (in, 0, 1000);
        err = mm_smoother_set_ramp (s, v);
        FZ_CHECK ((isfinite (v) && v >= 0) || err != MM_OK, "ramp %g", v);
        break;
      case 3:{
        size_t n = fz_u16 (in) % MAX_FRAMES;
        FZ_CHECK (mm_smoother_fill (s, fbuf, n) == MM_OK, "fill");
        fz_check_finite_f32 (fbuf, n, "fill");
        break;
      }
      default:{
        size_t n = fz_u16 (in) % MAX_FRAMES, ns = n * channels;
        /* bounded finite audio: the smoother scales, it does not clean */
        for (size_t i = 0; i < ns; i++)
          dbuf[i] = fbuf[i] = (float) ((i % 7) - 3) / 3.0f;
        if (fz_u8 (in) & 1) {
          FZ_CHECK (mm_smoother_apply_f64 (s, dbuf, channels, n) == MM_OK,
              "apply f64");
          fz_check_finite_f64 (dbuf, ns, "apply f64");
        } else {
          FZ_CHECK (mm_smoother_apply_f32 (s, fbuf, channels, n) == MM_OK,
              "apply f32");
          fz_check_finite_f32 (fbuf, ns, "apply f32");
        }
        break;
      }
    }
    v = mm_smoother_get_value (s);
    FZ_CHECK (isfinite (v), "value %g", v);
  }
  mm_smoother_free (&s);
  FZ_CHECK (s == NULL, "free did not clear the pointer");
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  fz_in in = { data, size };
  unsigned block = fz_pick (&in, 4);
  unsigned rate = fz_rate (&in);
  unsigned channels = 1 + fz_pick (&in, MM_CHANNELS_MAX);

  switch (block) {
    case 0:
      fuzz_limiter (&in, rate, channels);
      break;
    case 1:
      fuzz_loudnorm (&in, rate, channels);
      break;
    case 2:
      fuzz_compressor (&in, rate, channels);
      break;
    default:
      fuzz_smoother (&in, rate, channels);
      break;
  }
  return 0;
}
