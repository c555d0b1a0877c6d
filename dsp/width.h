/* width: stereo width through mid/side.  side *= width (0 = mono,
 * 1 = unchanged, 2 = twice as wide); below `bass_mono_hz` the side signal is
 * removed (a 2nd-order high-pass on the side channel, 0 = off) so the low
 * end stays mono.  Width changes ramp (mm_smoother).  Stereo only: other
 * channel counts pass unchanged (documented by the elements).  Reports the
 * output's correlation (-1..1) and width (side/mid energy ratio). */
#ifndef MM_WIDTH_H
#define MM_WIDTH_H

#include "mmdsp.h"

typedef struct mm_width mm_width;

mm_width *mm_width_new (unsigned rate, unsigned channels);
void mm_width_free (mm_width ** w);
int mm_width_reset (mm_width * w);
int mm_width_set_width (mm_width * w, double width);    /* 0..2 */
int mm_width_set_bass_mono (mm_width * w, double hz);   /* 0 or 20..500 */

int mm_width_process_f32 (mm_width * w, float *buf, size_t frames);
int mm_width_process_f64 (mm_width * w, double *buf, size_t frames);

/* Over the output since the last call (clears): correlation of L and R
 * (1 = mono, 0 = unrelated, -1 = out of phase; 1 for silence) and the
 * side-to-mid energy ratio. */
int mm_width_get_stats (mm_width * w, double *correlation, double *side_mid);

#endif /* MM_WIDTH_H */
