/* pan: pan law and balance, mono or stereo in, stereo out.
 *
 * Position -1 (hard left) .. 0 (centre) .. 1 (hard right).  t = (1 + pos) / 2
 * and f (t) the law's gain for the right channel (the left channel takes
 * f (1 - t), so the laws are symmetric bit for bit):
 *
 *   MM_PAN_LAW_0DB      f = min (1, 2 t)            centre  0 dB
 *   MM_PAN_LAW_3DB      f = sin (t pi/2)^P3         centre -3.0000 dB (default)
 *   MM_PAN_LAW_4_5DB    f = sin (t pi/2)^P45        centre -4.5000 dB
 *   MM_PAN_LAW_6DB      f = t^P6                    centre -6.0000 dB (near linear)
 *
 * Each law's centre is exactly its name: P3 = 3 / 3.0103, P45 = 4.5 /
 * 3.0103, P6 = 6 / 6.0206.  The -3 law is the constant-power sin/cos law
 * within 0.0103 dB (its power sum is +0.0103 dB at the centre, exact at
 * the ends); the -6 law is the linear law within 0.0206 dB.

 * Hard left gives left 1 and right 0 exactly (and the mirror image).
 *
 * Mono in: out L = f (1 - t) x, out R = f (t) x.
 * Stereo in: balance.  The near channel stays at unity, the far one follows
 * the law's shape normalised to its centre: for pos >= 0, out L =
 * f (1 - t) / f (1/2) L, out R = R (and the mirror image); centre = both
 * unity, hard right = left silent.  No cross-feed.
 *
 * Changes of position or law ramp the two gains (mm_smoother, linear,
 * PAN_RAMP_MS): no zipper noise, and the end of a ramp is the exact gain.
 */
#ifndef MM_PAN_H
#define MM_PAN_H

#include "mmdsp.h"

typedef enum
{
  MM_PAN_LAW_0DB,
  MM_PAN_LAW_3DB,
  MM_PAN_LAW_4_5DB,
  MM_PAN_LAW_6DB
} mm_pan_law;

#define MM_PAN_LAW_DEFAULT MM_PAN_LAW_3DB

typedef struct mm_pan mm_pan;

/* in_channels 1 (pan) or 2 (balance).  Starts centred, default law. */
mm_pan *mm_pan_new (unsigned rate, unsigned in_channels);
void mm_pan_free (mm_pan ** p);
/* Ends any ramp at its target. */
int mm_pan_reset (mm_pan * p);
int mm_pan_set_law (mm_pan * p, mm_pan_law law);
int mm_pan_set_position (mm_pan * p, double position);  /* -1..1 */

/* The static gains of a law (no ramp): for tests, UIs and callers that
 * do their own smoothing. */
int mm_pan_law_gains (mm_pan_law law, unsigned in_channels, double position,
    double *left, double *right);
/* The law's centre gain for a mono input, in dB (<= 0). */
double mm_pan_law_centre_db (mm_pan_law law);

/* Non-zero while the gains ramp. */
int mm_pan_is_ramping (const mm_pan * p);
/* The next n per-frame gains (advances the ramp), for callers that fold
 * the pan into their own gain stage (mm_strip). */
int mm_pan_fill_gains (mm_pan * p, float *left, float *right, size_t n);

/* in: `frames` interleaved frames of in_channels; out: stereo interleaved,
 * written (not accumulated).  Non-finite input comes out as 0. */
int mm_pan_process_f32 (mm_pan * p, const float *in, float *out,
    size_t frames);

#endif /* MM_PAN_H */
