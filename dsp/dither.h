/* dither: TPDF dither for integer delivery.  Adds triangular noise of +-1
 * LSB of the target word length (16 or 24 bits) to float samples that
 * will be quantised downstream; bits = 0 passes unchanged.  Deterministic
 * (seeded per channel) so tests and renders repeat. */
#ifndef MM_DITHER_H
#define MM_DITHER_H

#include "mmdsp.h"

typedef struct mm_dither mm_dither;

mm_dither *mm_dither_new (unsigned channels, uint64_t seed);
void mm_dither_free (mm_dither ** d);
int mm_dither_reset (mm_dither * d);
int mm_dither_set_bits (mm_dither * d, unsigned bits);  /* 0, 16, 24 */

int mm_dither_process_f32 (mm_dither * d, float *buf, size_t frames);
int mm_dither_process_f64 (mm_dither * d, double *buf, size_t frames);

#endif /* MM_DITHER_H */
