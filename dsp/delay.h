/* delay: stereo tempo delay (send effect, wet output only).
 *
 * Each channel of a stereo input goes through its own delay line with
 * feedback: the first echo comes `time` ms after the input at the input's
 * level, echo n at feedback^(n-1) of it.  An optional low-pass in the
 * feedback path darkens each repeat more than the one before.  No dry
 * signal is added.
 *
 * Every parameter is a target.  A new delay time is reached by a 50 ms
 * linear crossfade from the old read position to the new one (no pitch
 * sweep, no click); a time set during a crossfade is taken up when it
 * ends.  Feedback and the low-pass cutoff glide (50 ms).  The time is
 * rounded to whole samples.  Memory for MM_DELAY_TIME_MAX is allocated by
 * new(); process neither allocates nor locks.  NaN/Inf input samples are
 * taken as 0.
 */
#ifndef MM_DELAY_H
#define MM_DELAY_H

#include "mmdsp.h"

typedef struct mm_delay mm_delay;

#define MM_DELAY_TIME_MIN 1.0           /* ms */
#define MM_DELAY_TIME_MAX 4000.0        /* ms */
#define MM_DELAY_FEEDBACK_MAX 0.95

/* rate: MM_RATE_MIN..MM_RATE_MAX.  Stereo in, stereo out.  Defaults:
 * time 500 ms, feedback 0.3, low-pass off.  NULL on a bad argument or no
 * memory. */
mm_delay *mm_delay_new (unsigned rate);

/* Frees and clears *d (NULL or *d == NULL: no-op). */
void mm_delay_free (mm_delay ** d);

/* Clears the echoes and puts every parameter at its target at once. */
int mm_delay_reset (mm_delay * d);

/* Delay time in ms, MM_DELAY_TIME_MIN..MAX (clamped).  For tempo sync:
 * 60000 / bpm * beats. */
int mm_delay_set_time (mm_delay * d, double ms);

/* Feedback 0..MM_DELAY_FEEDBACK_MAX (clamped), linear gain. */
int mm_delay_set_feedback (mm_delay * d, double feedback);

/* Low-pass in the feedback path (2nd-order Butterworth, the biquad
 * block): cutoff in Hz, 20..20000 and below 0.45 rate (clamped), or 0 to
 * switch it off.  Switching on or off takes effect at once (it only
 * changes what is fed back: the output has no step); moving the cutoff
 * glides in log frequency. */
int mm_delay_set_lowpass (mm_delay * d, double hz);

/* `frames` stereo interleaved frames of input into `frames` stereo frames
 * of wet output (overwritten; in == out allowed).  The output after n
 * frames does not depend on how the n frames were split into calls. */
int mm_delay_process_f32 (mm_delay * d, const float *in, float *out,
    size_t frames);

/* Latency is zero: the delay is the effect, not a processing latency. */

#endif /* MM_DELAY_H */
