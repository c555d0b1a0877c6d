/* oversample: the one polyphase up-sampler of the DSP core.
 *
 * Used for true-peak detection (BS.1770-4 Annex 2) by the loudness meter
 * and by the limiter's detector.  A Kaiser-windowed sinc prototype of odd
 * length, centred on an input sample, is split into `factor` phases:
 * phase 0 is the input itself (delayed), so the oversampled signal passes
 * exactly through the samples, and the other phases interpolate between
 * them.  24 taps per phase at 2x (where more of the band sits near the
 * input Nyquist frequency), 16 above: every phase stays within +-0.1 dB up
 * to 0.40 fs.
 * Each phase is normalised to unity DC gain.
 *
 * Input is one channel's contiguous float samples; every channel keeps its
 * own history, so calls for different channels may interleave freely.
 * Every oversampled value is computed the same way wherever a call starts
 * or ends: any split of a stream into calls gives bit-identical results,
 * and peak, peak_envelope and upsample agree exactly.
 */
#ifndef MM_OVERSAMPLE_H
#define MM_OVERSAMPLE_H

#include "mmdsp.h"

#define MM_OVERSAMPLE_FACTOR_MAX 48

typedef struct mm_oversampler mm_oversampler;

/* Smallest factor f with rate * f >= min_rate (1 when rate >= min_rate).
 * With min_rate 176400 this gives 4x at 44.1/48 kHz, 2x at 88.2/96 kHz. */
unsigned mm_oversample_factor_for_rate (unsigned rate, unsigned min_rate);

/* factor 1..MM_OVERSAMPLE_FACTOR_MAX (1 = pass-through), channels
 * 1..MM_CHANNELS_MAX.  NULL on bad arguments or no memory. */
mm_oversampler *mm_oversampler_new (unsigned factor, unsigned channels);
void mm_oversampler_free (mm_oversampler ** os);
int mm_oversampler_reset (mm_oversampler * os);

unsigned mm_oversampler_get_factor (const mm_oversampler * os);

/* Taps per phase for this factor. */
unsigned mm_oversampler_get_taps (const mm_oversampler * os);

/* Delay of the oversampled signal against the input, in input samples
 * (exact: the prototype is centred on an input sample); 0 at factor 1. */
unsigned mm_oversampler_get_latency (const mm_oversampler * os);

/* Feed n samples of channel ch; *peak receives the largest absolute value
 * of the oversampled signal produced by these samples (no output stored). */
int mm_oversampler_peak (mm_oversampler * os, unsigned ch, const float *in,
    size_t n, float *peak);

/* Feed n samples of channel ch; for each input i, env[i] becomes
 * max (env[i], the largest |value| among the `factor` oversampled values
 * produced for it): phase 0, the input sample `latency` samples back, and
 * the interpolated values after it.  So env[i] is the true peak of the
 * signal on [i - latency, i - latency + 1).  The caller initialises env
 * (0, or a running envelope of other channels).  A NaN never wins.  At
 * factor 1, env[i] = max (env[i], |in[i]|). */
int mm_oversampler_peak_envelope (mm_oversampler * os, unsigned ch,
    const float *in, size_t n, float *env);

/* Feed n samples of channel ch and write n * factor oversampled samples. */
int mm_oversampler_upsample (mm_oversampler * os, unsigned ch,
    const float *in, size_t n, float *out);

#endif /* MM_OVERSAMPLE_H */
