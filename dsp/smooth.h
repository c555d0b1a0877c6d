/* smooth: the one parameter smoother of the DSP core.
 *
 * A value (a gain, a frequency...) moves to each new target along a linear
 * ramp of fixed duration, sample by sample, so parameter changes never
 * click or zipper.  A new target during a ramp starts a new ramp from the
 * current value.  Sample-accurate: the value after n samples does not
 * depend on how the n samples were split into calls.
 */
#ifndef MM_SMOOTH_H
#define MM_SMOOTH_H

#include "mmdsp.h"

typedef struct mm_smoother mm_smoother;

/* ramp_ms >= 0 (0: jumps at once); rate 8000..384000. NULL on error. */
mm_smoother *mm_smoother_new (unsigned rate, double ramp_ms, double initial);
void mm_smoother_free (mm_smoother ** s);

/* Ramp from the current value to `target` over the ramp time. */
int mm_smoother_set_target (mm_smoother * s, double target);
/* Jump to `value` now (no ramp): for resets and for changes nobody hears. */
int mm_smoother_set_value (mm_smoother * s, double value);
int mm_smoother_set_ramp (mm_smoother * s, double ramp_ms);

double mm_smoother_get_value (const mm_smoother * s);
double mm_smoother_get_target (const mm_smoother * s);
/* Non-zero while a ramp is under way. */
int mm_smoother_is_ramping (const mm_smoother * s);

/* Writes the next n values to out (advancing the smoother). */
int mm_smoother_fill (mm_smoother * s, float *out, size_t n);

/* Multiplies n interleaved frames of `channels` channels by the next n
 * values (one per frame): a constant value goes through the ORC gain
 * kernel, a ramp through a per-frame loop. */
int mm_smoother_apply_f32 (mm_smoother * s, float *buf, unsigned channels,
    size_t frames);
int mm_smoother_apply_f64 (mm_smoother * s, double *buf, unsigned channels,
    size_t frames);

#endif /* MM_SMOOTH_H */
