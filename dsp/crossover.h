/* crossover: 3-band Linkwitz-Riley 4th-order crossover (each LR4 low-pass
 * is two cascaded 2nd-order Butterworth sections of the one biquad block,
 * each high-pass the crossover's all-pass minus its low-pass).  The split
 * at the high frequency comes first; its high band is passed through the
 * low crossover's all-pass, so the three bands sum flat in magnitude
 * (within +-0.1 dB; an all-pass phase response overall). */
#ifndef MM_CROSSOVER_H
#define MM_CROSSOVER_H

#include "mmdsp.h"

typedef struct mm_crossover mm_crossover;

/* Frequencies in Hz, 20 <= low < high < 0.45 * rate.  */
mm_crossover *mm_crossover_new (unsigned rate, unsigned channels,
    double low_hz, double high_hz);
void mm_crossover_free (mm_crossover ** x);
int mm_crossover_reset (mm_crossover * x);
/* New frequencies (re-designed at once; call between blocks). */
int mm_crossover_set_frequencies (mm_crossover * x, double low_hz,
    double high_hz);

/* Splits `frames` interleaved frames of `in` into three interleaved band
 * buffers (low, mid, high), each `frames` frames. */
int mm_crossover_split_f32 (mm_crossover * x, const float *in, float *low,
    float *mid, float *high, size_t frames);

#endif /* MM_CROSSOVER_H */
