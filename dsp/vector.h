/* vector: the flat loops of the DSP core (gain, mix-accumulate,
 * interleave/deinterleave, format conversion, sanitising).  The ORC kernels
 * of mmdsp-orc.orc do the work where a layout fits them; plain C otherwise. */
#ifndef MM_VECTOR_H
#define MM_VECTOR_H

#include "mmdsp.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* One build runs everywhere: hot kernels marked with this get an AVX2/FMA
 * copy and an AVX-512 copy as well, chosen at load time where the CPU has
 * them (AVX-512: more and wider registers, masked tails; on a CPU with
 * full-width AVX-512 units the 8-lane kernels double the throughput). */
#define MM_VECTOR_CLONES __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))
/* The 8-lane double kernels: functions marked MM_AVX512 are built for
 * AVX-512 only and called only where mm_vector_avx512 () is true (with
 * AVX2 alone the compiler would split their vectors through memory,
 * several times slower than the 4-lane kernels they stand in for). */
#define MM_AVX512 __attribute__ ((target ("arch=x86-64-v4")))
#else
#define MM_VECTOR_CLONES
#define MM_AVX512
#endif

/* Non-zero when this CPU runs MM_AVX512 code. */
int mm_vector_avx512 (void);

/* d[i] *= gain */
void mm_vector_scale_f32 (float *d, float gain, size_t n);
/* d[i] += s[i] * gain */
void mm_vector_add_scaled_f32 (float *d, const float *s, float gain, size_t n);

/* Channel ch of `frames` interleaved frames of `channels` channels into
 * the plane `out`.  Stereo goes through ORC both planes at once, see
 * mm_vector_deinterleave_all_f32. */
void mm_vector_deinterleave_all_f32 (float *const *planes, const float *in,
    unsigned channels, size_t frames);
void mm_vector_deinterleave_all_f64 (float *const *planes, const double *in,
    unsigned channels, size_t frames);
void mm_vector_interleave_all_f32 (float *out, const float *const *planes,
    unsigned channels, size_t frames);

/* Largest |d[i]| and m. NaN never wins. */
float mm_vector_abs_max_f32 (const float *d, size_t n, float m);

/* Replace NaN and +-Inf with 0; returns how many were replaced. */
size_t mm_vector_sanitize_f32 (float *d, size_t n);

#endif /* MM_VECTOR_H */
