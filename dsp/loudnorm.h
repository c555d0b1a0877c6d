/* loudnorm: the loudness normaliser of the DSP core.
 *
 * Gain, then the true-peak limiter (mm_limiter), with an input and an
 * output meter (mm_loudness) around them.  Two ways to set the gain:
 *
 *   MM_LOUDNORM_LIVE    one pass, dynamic: the audio is delayed by the
 *                       lookahead, and the meter reads the input that far
 *                       ahead of the output, so the gain is ready before
 *                       the audio it is for.  The gain aims the integrated
 *                       loudness at the target; the short-term loudness
 *                       moves it only when it strays more than half the
 *                       loudness-range target from the integrated (so
 *                       steady material gets a steady gain, no pumping).
 *                       Pauses (short-term 20 LU under the integrated, or
 *                       under -70 LUFS) hold the gain.  Leading silence
 *                       holds it too, and the first estimate is taken at
 *                       once if the sound has not reached the output yet.
 *   MM_LOUDNORM_LINEAR  one constant gain set by the caller (two-pass and
 *                       album normalisation); the limiter catches what it
 *                       pushes over the ceiling.
 *
 * Gain changes ramp (mm_smoother); the limiter's ceiling glides.
 * Latency: lookahead (live only) + limiter latency, in frames, fixed at
 * creation.
 */
#ifndef MM_LOUDNORM_H
#define MM_LOUDNORM_H

#include "mmdsp.h"
#include "loudness.h"

typedef struct mm_loudnorm mm_loudnorm;

typedef enum
{
  MM_LOUDNORM_LIVE,
  MM_LOUDNORM_LINEAR
} mm_loudnorm_mode;

#define MM_LOUDNORM_LOOKAHEAD_MIN_MS 100.0
#define MM_LOUDNORM_LOOKAHEAD_MAX_MS 10000.0
/* The limiter's own lookahead. */
#define MM_LOUDNORM_LIMITER_LOOKAHEAD_MS 5.0
/* Live gains stay within +-MM_LOUDNORM_GAIN_MAX_DB. */
#define MM_LOUDNORM_GAIN_MAX_DB 40.0

/* Flags: the live delay line holds float samples (half the memory) unless
 * MM_LOUDNORM_F64 is given; process_f64 needs it in live mode. */
#define MM_LOUDNORM_F64 (1u << 0)

/* lookahead_ms is used by MM_LOUDNORM_LIVE only (100..10000). Defaults:
 * target -23 LUFS, ceiling -1 dBTP, range target 7 LU, offset 0, gain 0. */
mm_loudnorm *mm_loudnorm_new (unsigned rate, unsigned channels,
    mm_loudnorm_mode mode, double lookahead_ms, unsigned flags);
void mm_loudnorm_free (mm_loudnorm ** n);
/* Clears delay lines, meters, gain state (flush, seek). */
int mm_loudnorm_reset (mm_loudnorm * n);

/* Clears the meters only (a new programme begins: live gain decisions
 * start over from the next audio); the audio path keeps flowing. */
int mm_loudnorm_reset_meters (mm_loudnorm * n);

/* BS.1770 weights of the input and output meters (see mm_loudness). */
int mm_loudnorm_set_channel_weight (mm_loudnorm * n, unsigned ch, double w);

int mm_loudnorm_set_target (mm_loudnorm * n, double lufs);     /* -70..0 */
int mm_loudnorm_set_offset (mm_loudnorm * n, double lu);       /* -40..40 */
int mm_loudnorm_set_ceiling (mm_loudnorm * n, double dbtp);    /* -9..0 */
int mm_loudnorm_set_range_target (mm_loudnorm * n, double lu); /* 1..50 */
/* MM_LOUDNORM_LINEAR: the constant gain, dB (-60..+60); a change ramps. */
int mm_loudnorm_set_gain (mm_loudnorm * n, double db);

/* The limiter's base release time, ms (10..2000; mm_limiter_set_release). */
int mm_loudnorm_set_release (mm_loudnorm * n, double ms);
/* Limiter bypass (mm_limiter_set_bypass): no limiting, the latency and the
 * gain stay.  With the gain at 0 dB the output is the input delayed by the
 * latency, bit for bit. */
int mm_loudnorm_set_limiter_bypass (mm_loudnorm * n, int bypass);
/* Gain bypass: the gain goes to exactly 0 dB (1.0; at once before any
 * audio, else along the usual ramp) and stays there.  Live mode keeps
 * metering and deciding, so clearing the bypass ramps to the live gain of
 * the moment; linear mode returns to the gain last set. */
int mm_loudnorm_set_gain_bypass (mm_loudnorm * n, int bypass);

unsigned mm_loudnorm_get_latency (const mm_loudnorm * n);

/* n frames from `in` to `out` (interleaved, not the same memory), the
 * output delayed by the latency.  Any split of the stream into calls gives
 * the same output.  in == NULL drains: silence goes in, unmetered, so the
 * held audio comes out (feed get_latency frames at the end). */
int mm_loudnorm_process_f32 (mm_loudnorm * n, const float *in, float *out,
    size_t frames);
int mm_loudnorm_process_f64 (mm_loudnorm * n, const double *in, double *out,
    size_t frames);
/* The same, and extra_in (frames x the extra meter's channels) into the
 * meter extra (NULL: none; not fed while draining) along with the
 * normaliser's own meters: a stereo meter at the same rate and place on
 * the 10 ms grid is measured with them in one pass (their K-weighting
 * side by side: a chain's input meter). */
int mm_loudnorm_process_metered_f32 (mm_loudnorm * n, const float *in,
    float *out, size_t frames, mm_loudness * extra, const float *extra_in);
int mm_loudnorm_process_metered_f64 (mm_loudnorm * n, const double *in,
    double *out, size_t frames, mm_loudness * extra, const double *extra_in);

/* The gain being applied now, dB (before the limiter). */
double mm_loudnorm_get_gain (const mm_loudnorm * n);
/* Limiter gain reduction, dB: now, largest since the last call, and
 * largest since reset. */
int mm_loudnorm_get_reduction (mm_loudnorm * n, double *now_db,
    double *max_db, double *max_total_db);

/* Loudness of the input and of the output (no true peak: see below). */
const mm_loudness *mm_loudnorm_get_input_meter (const mm_loudnorm * n);
const mm_loudness *mm_loudnorm_get_output_meter (const mm_loudnorm * n);

/* True peaks (linear) since reset from the limiter's oversampled detector,
 * the one oversampler of the chain: the input's as it leaves the delay
 * line, the output's as the detector envelope times the applied gains. */
int mm_loudnorm_get_input_true_peak (const mm_loudnorm * n, unsigned ch,
    double *peak);
int mm_loudnorm_get_output_true_peak (const mm_loudnorm * n, unsigned ch,
    double *peak);

#endif /* MM_LOUDNORM_H */
