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

/* Frames of delay between input and output. */
unsigned mm_limiter_get_latency (const mm_limiter * l);

int mm_limiter_process_f32 (mm_limiter * l, float *buf, size_t frames);
int mm_limiter_process_f64 (mm_limiter * l, double *buf, size_t frames);

/* Gain reduction in dB (>= 0): now, and the largest since the last call
 * to this function (which clears it). */
int mm_limiter_get_reduction (mm_limiter * l, double *now_db, double *max_db);

#endif /* MM_LIMITER_H */
