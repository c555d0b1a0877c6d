/* limiter: the true-peak lookahead limiter of the DSP core.
 *
 * The detector oversamples (mm_oversampler, >= 176.4 kHz effective) so it
 * sees inter-sample peaks; the gain needed to keep every oversampled value
 * under the ceiling is held over the lookahead and reached with a smooth
 * attack that ends exactly at the peak, so the output never exceeds the
 * ceiling as a BS.1770-4 true-peak meter reads it.  Release is adaptive:
 * short after an isolated peak, longer while limiting is sustained (less
 * distortion on dense material).  All channels share one gain (linked), so
 * the stereo image never shifts.
 *
 * The audio is delayed by the lookahead: mm_limiter_get_latency frames.
 * Interleaved, in place.  Non-finite input is replaced by silence.
 */
#ifndef MM_LIMITER_H
#define MM_LIMITER_H

#include "mmdsp.h"

typedef struct mm_limiter mm_limiter;

#define MM_LIMITER_LOOKAHEAD_MIN_MS 1.0
#define MM_LIMITER_LOOKAHEAD_MAX_MS 10.0

/* lookahead_ms 1..10 (fixes the latency), rate 8000..384000, 1..8
 * channels.  Ceiling starts at -1 dBTP, release at 100 ms. */
mm_limiter *mm_limiter_new (unsigned rate, unsigned channels,
    double lookahead_ms);
void mm_limiter_free (mm_limiter ** l);
/* Clears the delay line and the gain state (flush, seek). */
int mm_limiter_reset (mm_limiter * l);

/* Ceiling in dBTP (-20..+6); changes glide (no clicks). */
int mm_limiter_set_ceiling (mm_limiter * l, double dbtp);
/* Base release time, ms (10..2000). */
int mm_limiter_set_release (mm_limiter * l, double ms);

/* Bypass (non-zero): the gain is forced to exactly 1.0 (no limiting)
 * while the audio still goes through the delay line, so the latency stays
 * the same and the pre-gain is still applied: with a pre-gain of 1 the
 * output is the input delayed, bit for bit.  The detector keeps running
 * (peaks and the gain state stay current), and the reduction reads 0.
 * Switching takes effect at the next frame processed; the change between
 * the limiter's gain and 1 is not smoothed (a step where it was
 * limiting). */
int mm_limiter_set_bypass (mm_limiter * l, int bypass);

/* Frames of delay between input and output. */
unsigned mm_limiter_get_latency (const mm_limiter * l);

int mm_limiter_process_f32 (mm_limiter * l, float *buf, size_t frames);
int mm_limiter_process_f64 (mm_limiter * l, double *buf, size_t frames);

/* The same with a gain stage in front that shares the limiter's detector:
 * the output is limit (pregain[n] x[n]), delayed by the latency (the
 * pre-gain travels with its frame).  pregain holds one factor per frame
 * (NULL: 1.0, the functions above); non-finite factors count as 0.  The
 * detector reads the raw input and the required gain allows for the
 * pre-gain of the frame it is for, so the output stays under the ceiling
 * however far the pre-gain pushes the signal (see limiter.c for the
 * proof).  The pre-gain should move smoothly (a ramp of milliseconds or
 * more, as mm_smoother gives): what a step in it does between two samples
 * is the step's own overshoot, which no detector of the input can see. */
int mm_limiter_process_gain_f32 (mm_limiter * l, float *buf,
    const float *pregain, size_t frames);
int mm_limiter_process_gain_f64 (mm_limiter * l, double *buf,
    const float *pregain, size_t frames);

/* Gain reduction in dB (>= 0): now, and the largest since the last call
 * to this function (which clears it). */
int mm_limiter_get_reduction (mm_limiter * l, double *now_db, double *max_db);

/* Readouts since reset, from the limiter's own detector (so a meter after
 * the limiter needs no true-peak oversampling of its own).
 *
 * Input peak: the true peak of channel ch of the raw input (before the
 * pre-gain), linear; the oversampler is the one mm_loudness uses, so this
 * is what mm_loudness_true_peak reads on the same input (< 0.01 dB).
 *
 * Output peak: the true peak of channel ch of the output, linear,
 * computed as the largest over frames m of e[m] |p[m]| G[m]: the detector
 * envelope of the raw input (the largest oversampled value on
 * [m, m + 1)) times the pre-gain and the limiter gain of that frame.
 * Exact (to float rounding) where the gains are constant over the
 * interpolator's reach (+-taps/2 frames); where they move, the output's
 * inter-sample values see the gains of the neighbouring frames too, and
 * differ from this by up to (gain change over that reach) x (the local
 * level).  The limiter gain changes per frame by at most its excursion /
 * max (A, B) while attacking (A + B - 1 = lookahead - D + 1: at 5 ms,
 * 48 kHz, 1/117 of it, 0.0043 for 6 dB of reduction, 0.0064 for 12 dB)
 * and by less while releasing; it is flat around the peaks it limits (the
 * attack ends before them), and the pre-gain is a slow ramp.  Measured
 * against mm_loudness_true_peak of the output: within 0.02 dB on noise,
 * tones, hard-limited signals and pre-gain ramps (tests/dsp/
 * test_limiter.c; 2e-5 dB there).  Frames still in the delay line do
 * not count yet.
 *
 * Loss: the loudness the limiter took away, dB (>= 0):
 * 10 log10 (sum of (p x)^2 / sum of y^2) over the frames that have left
 * the delay line, all channels; 0 when nothing has passed (and exactly 0
 * while nothing was limited). */
int mm_limiter_get_input_peak (const mm_limiter * l, unsigned ch,
    double *peak);
int mm_limiter_get_output_peak (const mm_limiter * l, unsigned ch,
    double *peak);
int mm_limiter_get_loss (const mm_limiter * l, double *db);

#endif /* MM_LIMITER_H */
