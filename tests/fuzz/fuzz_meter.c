/* fuzz-meter: the BS.1770 meter (mm_loudness), the oversampler and the
 * biquad, the measuring path of the DSP core.
 *
 * Header: rate, channels, meter flags.  Then up to 64 operations: feed
 * f32 or f64 chunks, reset, change a channel weight, read every value,
 * run the oversampler, design and run a biquad, combine two meters.
 * Checks: constructors refuse bad arguments with NULL and accept good
 * ones; no reading is NaN (finite or -inf); peaks are finite; the
 * non-finite counter counts exactly the NaN/Inf samples fed; designed
 * biquads have finite coefficients and give finite output for bounded
 * input; oversampled values are finite.
 */
#include "fuzz.h"

#include "biquad.h"
#include "loudness.h"
#include "oversample.h"

#define MAX_FRAMES 4096
#define MAX_SAMPLES_PER_INPUT (1u << 20)

static float fbuf[MAX_FRAMES * MM_CHANNELS_MAX];
static double dbuf[MAX_FRAMES * MM_CHANNELS_MAX];
static float obuf[MAX_FRAMES * MM_OVERSAMPLE_FACTOR_MAX];

static uint64_t
count_nonfinite (const float *b, size_t n)
{
  uint64_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += !isfinite (b[i]);
  return k;
}

/* err and v separately: the call must run before v is read */
static void
check_reading (int err, double v, const char *what)
{
  FZ_CHECK (err == MM_OK || err == MM_ERR_NO_DATA, "%s: error %d", what, err);
  if (err == MM_OK)
    FZ_CHECK (!isnan (v) && v < 1000.0, "%s = %g", what, v);
}

static void
read_all (mm_loudness * m, unsigned channels, unsigned flags)
{
  double v;
  int err;

  err = mm_loudness_momentary (m, &v);
  check_reading (err, v, "momentary");
  err = mm_loudness_shortterm (m, &v);
  check_reading (err, v, "shortterm");
  err = mm_loudness_momentary_max (m, &v);
  check_reading (err, v, "momentary max");
  err = mm_loudness_shortterm_max (m, &v);
  check_reading (err, v, "shortterm max");
  err = mm_loudness_integrated (m, &v);
  check_reading (err, v, "integrated");
  err = mm_loudness_range (m, &v);
  check_reading (err, v, "range");
  err = mm_loudness_relative_threshold (m, &v);
  check_reading (err, v, "threshold");
  for (unsigned c = 0; c < channels; c++) {
    FZ_CHECK (mm_loudness_sample_peak (m, c, &v) == MM_OK, "sample peak");
    FZ_CHECK (isfinite (v) && v >= 0, "sample peak %g", v);
    if (flags & MM_LOUDNESS_TRUE_PEAK) {
      /* +inf for samples beyond ~1e37 (the true peak of FLT_MAX between
       * two samples is over FLT_MAX): never NaN */
      FZ_CHECK (mm_loudness_true_peak (m, c, &v) == MM_OK, "true peak");
      FZ_CHECK (!isnan (v) && v >= 0, "true peak %g", v);
    }
  }
  FZ_CHECK (mm_loudness_sample_peak (m, channels, &v) != MM_OK,
      "channel out of range accepted");
}

/* The oversampler on one channel of bounded input. */
static void
run_oversampler (fz_in * in, unsigned channels)
{
  unsigned factor = 1 + fz_pick (in, MM_OVERSAMPLE_FACTOR_MAX);
  size_t n = fz_u16 (in) % MAX_FRAMES;
  mm_oversampler *os = mm_oversampler_new (factor, channels);
  float peak;

  FZ_CHECK (os != NULL, "oversampler %u x %u refused", factor, channels);
  FZ_CHECK (mm_oversampler_new (MM_OVERSAMPLE_FACTOR_MAX + 1, channels)
      == NULL, "factor over the maximum accepted");
  fz_fill (in, fbuf, n);
  for (size_t i = 0; i < n; i++)        /* a primitive: finite input only */
    if (!isfinite (fbuf[i]) || fabsf (fbuf[i]) > 1e6f)
      fbuf[i] = 0;
  for (unsigned round = 0; round < 2; round++) {
    unsigned ch = fz_pick (in, channels);
    switch (fz_pick (in, 3)) {
      case 0:
        FZ_CHECK (mm_oversampler_peak (os, ch, fbuf, n, &peak) == MM_OK,
            "peak");
        FZ_CHECK (isfinite (peak), "peak %g", (double) peak);
        break;
      case 1:
        FZ_CHECK (mm_oversampler_peak_envelope (os, ch, fbuf, n, obuf)
            == MM_OK, "envelope");
        fz_check_finite_f32 (obuf, n, "envelope");
        break;
      default:
        FZ_CHECK (mm_oversampler_upsample (os, ch, fbuf, n, obuf) == MM_OK,
            "upsample");
        fz_check_finite_f32 (obuf, n * factor, "upsample");
        break;
    }
  }
  mm_oversampler_free (&os);
  FZ_CHECK (os == NULL, "free did not clear the pointer");
}

/* Any design that says MM_OK must be usable. */
static void
run_biquad (fz_in * in, unsigned rate)
{
  mm_biquad_coeffs c[4];
  mm_biquad_state s[4];
  unsigned sections = 1 + fz_pick (in, 4);
  size_t n = fz_u16 (in) % MAX_FRAMES;

  for (unsigned k = 0; k < sections; k++) {
    int type = fz_pick (in, 9);
    double freq = fz_param (in, 1.0, rate / 2.0);
    double q = fz_param (in, 0.05, 20.0);
    double gain = fz_param (in, -24.0, 24.0);
    int err;

    if (type == 7)
      err = mm_biquad_design_kweight_shelf (&c[k], rate);
    else if (type == 8)
      err = mm_biquad_design_kweight_highpass (&c[k], rate);
    else
      err = mm_biquad_design (&c[k], (mm_biquad_type) type, rate, freq, q,
          gain);
    if (err != MM_OK)
      mm_biquad_identity (&c[k]);
    else
      FZ_CHECK (isfinite (c[k].b0) && isfinite (c[k].b1)
          && isfinite (c[k].b2) && isfinite (c[k].a1) && isfinite (c[k].a2),
          "design %d f %g q %g g %g: coefficients not finite", type, freq,
          q, gain);
    mm_biquad_reset (&s[k]);
  }
  fz_fill_f64 (in, dbuf, fbuf, n);
  for (size_t i = 0; i < n; i++)
    if (!isfinite (dbuf[i]) || fabs (dbuf[i]) > 1e3)
      dbuf[i] = 0;
  mm_biquad_cascade_process (c, s, sections, dbuf, n);
  for (unsigned k = 0; k < sections; k++)
    mm_biquad_flush_denormals (&s[k]);
  fz_check_finite_f64 (dbuf, n, "biquad cascade");
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  fz_in in = { data, size };
  unsigned rate = fz_rate (&in);
  unsigned channels = 1 + fz_pick (&in, MM_CHANNELS_MAX);
  unsigned flags = fz_u8 (&in) & 3;
  mm_loudness *m, *other = NULL;
  uint64_t nonfinite = 0, frames_in = 0;
  size_t budget = MAX_SAMPLES_PER_INPUT;
  unsigned ops = 0;

  FZ_CHECK (mm_loudness_new (rate, 0, flags) == NULL, "0 channels accepted");
  FZ_CHECK (mm_loudness_new (rate, MM_CHANNELS_MAX + 1, flags) == NULL,
      "9 channels accepted");
  FZ_CHECK (mm_loudness_new (MM_RATE_MIN - 1, channels, flags) == NULL,
      "rate under the minimum accepted");
  m = mm_loudness_new (rate, channels, flags);
  FZ_CHECK (m != NULL, "meter %u Hz x %u refused", rate, channels);

  while (in.n && ops++ < 64) {
    switch (fz_pick (&in, 8)) {
      case 0:
      case 1:{
        size_t n = fz_u16 (&in) % MAX_FRAMES;
        size_t ns = n * channels;
        int f64 = fz_u8 (&in) & 1;
        if (ns > budget)
          break;
        budget -= ns;
        fz_fill (&in, fbuf, ns);
        nonfinite += count_nonfinite (fbuf, ns);
        frames_in += n;
        if (f64) {
          for (size_t i = 0; i < ns; i++)
            dbuf[i] = fbuf[i];
          FZ_CHECK (mm_loudness_add_frames_f64 (m, dbuf, n) == MM_OK, "f64");
        } else {
          FZ_CHECK (mm_loudness_add_frames_f32 (m, fbuf, n) == MM_OK, "f32");
        }
        FZ_CHECK (mm_loudness_get_frames (m) == frames_in, "frames %llu, "
            "fed %llu", (unsigned long long) mm_loudness_get_frames (m),
            (unsigned long long) frames_in);
        FZ_CHECK (mm_loudness_get_nonfinite (m) == nonfinite, "nonfinite "
            "%llu, fed %llu", (unsigned long long) mm_loudness_get_nonfinite
            (m), (unsigned long long) nonfinite);
        break;
      }
      case 2:
        FZ_CHECK (mm_loudness_reset (m) == MM_OK, "reset");
        nonfinite = frames_in = 0;
        break;
      case 3:{
        unsigned ch = fz_pick (&in, channels + 1);
        double w = fz_param (&in, 0.0, 2.0), back;
        int err = mm_loudness_set_channel_weight (m, ch, w);
        if (err == MM_OK) {
          FZ_CHECK (mm_loudness_get_channel_weight (m, ch, &back) == MM_OK,
              "weight read");
          FZ_CHECK (isfinite (back) && back >= 0, "weight %g taken", back);
        }
        break;
      }
      case 4:
        read_all (m, channels, flags);
        break;
      case 5:
        run_oversampler (&in, channels);
        break;
      case 6:
        run_biquad (&in, rate);
        break;
      default:{
        /* album values: a meter of the same layout combines, others not */
        const mm_loudness *pair[2];
        double v;
        int err;
        if (!other)
          other = mm_loudness_new (fz_u8 (&in) & 1 ? rate : fz_rate (&in),
              channels, flags);
        FZ_CHECK (other != NULL, "second meter");
        pair[0] = m;
        pair[1] = other;
        err = mm_loudness_integrated_multiple (pair, 2, &v);
        FZ_CHECK (err == MM_OK || err == MM_ERR_NO_DATA
            || err == MM_ERR_MISMATCH, "integrated multiple %d", err);
        if (err == MM_OK)
          FZ_CHECK (!isnan (v), "integrated multiple NaN");
        err = mm_loudness_range_multiple (pair, 2, &v);
        if (err == MM_OK)
          FZ_CHECK (!isnan (v), "range multiple NaN");
        break;
      }
    }
  }
  read_all (m, channels, flags);
  mm_loudness_free (&m);
  mm_loudness_free (&other);
  FZ_CHECK (m == NULL, "free did not clear the pointer");
  return 0;
}
