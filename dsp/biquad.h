/* biquad: the one second-order IIR section of the DSP core.
 *
 * Designs (RBJ Audio-EQ-Cookbook shapes and the two BS.1770 K-weighting
 * stages, designed for any rate) and a Direct-Form-I kernel in double
 * precision.  DF-I is used because its recursion has a single multiply-add
 * on the critical path (fast) and because coefficients can change between
 * calls without the state blowing up (smooth EQ changes in later stages).
 *
 * Coefficients are normalised so a0 == 1:
 *   y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]
 */
#ifndef MM_BIQUAD_H
#define MM_BIQUAD_H

#include "mmdsp.h"

typedef struct
{
  double b0, b1, b2, a1, a2;
} mm_biquad_coeffs;

typedef struct
{
  double x1, x2, y1, y2;
} mm_biquad_state;

typedef enum
{
  MM_BIQUAD_LOWPASS,
  MM_BIQUAD_HIGHPASS,
  MM_BIQUAD_BANDPASS,           /* constant 0 dB peak gain */
  MM_BIQUAD_NOTCH,
  MM_BIQUAD_PEAK,               /* bell: gain_db at freq, bandwidth from q */
  MM_BIQUAD_LOWSHELF,           /* q is the shelf slope parameter S=1 => q=1/sqrt(2) */
  MM_BIQUAD_HIGHSHELF
} mm_biquad_type;

/* RBJ cookbook design.  rate in Hz, 0 < freq < rate/2, q > 0. */
int mm_biquad_design (mm_biquad_coeffs * c, mm_biquad_type type,
    double rate, double freq, double q, double gain_db);

/* BS.1770 K-weighting stage 1 (high-frequency shelf, "head" filter) and
 * stage 2 (RLB high-pass), designed for `rate` from their analogue
 * parameters; at 48 kHz they reproduce the coefficients of BS.1770-4. */
int mm_biquad_design_kweight_shelf (mm_biquad_coeffs * c, double rate);
int mm_biquad_design_kweight_highpass (mm_biquad_coeffs * c, double rate);

/* Identity section (passes audio unchanged). */
void mm_biquad_identity (mm_biquad_coeffs * c);

/* Magnitude response in dB at freq (for tests and displays). */
double mm_biquad_response_db (const mm_biquad_coeffs * c, double rate,
    double freq);

void mm_biquad_reset (mm_biquad_state * s);

/* Zero state that has decayed into the subnormal range (call once per
 * block, not per sample: subnormals cost ~100x in the recursion). */
void mm_biquad_flush_denormals (mm_biquad_state * s);

/* In place, n samples of one channel. */
void mm_biquad_process (const mm_biquad_coeffs * c, mm_biquad_state * s,
    double *buf, size_t n);

/* One sample through one section, for loops that do other work per
 * sample (a lone section's recursion then hides behind it instead of
 * running as a pass of its own).  The feedback terms come last, so the
 * recursion is one multiply-add per sample (y2 reaches y in two over two
 * samples); the cascade kernels order the terms for a short input-to-
 * output path instead, so this is the same filter, not the same bits. */
static inline double
mm_biquad_tick (const mm_biquad_coeffs * c, mm_biquad_state * s, double x)
{
  double t = c->b1 * s->x1;
  t += c->b2 * s->x2;
  t += c->b0 * x;
  t -= c->a2 * s->y2;
  const double y = t - c->a1 * s->y1;
  s->x2 = s->x1;
  s->x1 = x;
  s->y2 = s->y1;
  s->y1 = y;
  return y;
}

/* `sections` sections in cascade (c[k] with state s[k], k = 0 first), in
 * place over n samples of one channel, in one sample loop: the sections'
 * recursions overlap in the pipeline instead of each pass being bound by
 * its own multiply-add latency.  Each section does exactly the arithmetic
 * of mm_biquad_process, in the same order: the result is bit for bit that
 * of `sections` calls of mm_biquad_process.  sections == 0 is a no-op. */
void mm_biquad_cascade_process (const mm_biquad_coeffs * c,
    mm_biquad_state * s, unsigned sections, double *buf, size_t n);

/* The same for two channels through the same sections: channel a (states
 * sa[0..sections-1]) and channel b (states sb[...]), n samples each, run
 * side by side in the lanes of one vector.  Bit for bit what two calls of
 * mm_biquad_cascade_process give. */
void mm_biquad_cascade_process_x2 (const mm_biquad_coeffs * c,
    mm_biquad_state * sa, mm_biquad_state * sb, unsigned sections,
    double *a, double *b, size_t n);

/* The same on interleaved stereo float (a0 b0 a1 b1 ...), in place: the
 * samples widened to double, the cascade, rounded back to float once.
 * Bit for bit what mm_biquad_cascade_process_x2 on the two channels in
 * double planes gives, rounded to float (no plane copies for callers). */
void mm_biquad_cascade_process_stereo_f32 (const mm_biquad_coeffs * c,
    mm_biquad_state * sa, mm_biquad_state * sb, unsigned sections,
    float *buf, size_t n);

/* Four independent lanes, each with its own coefficients and states:
 * lane j (0..3) runs sections c[4 k + j] with states s[4 k + j],
 * k = 0 .. sections-1, over the samples buf[4 i + j], i < n (n frames of
 * four lanes, in place).  One vector of four doubles per step (one ymm
 * register in the AVX2 copy): two channels times two branches of a
 * crossover cost what one channel costs in the scalar kernel.  Bit for
 * bit what mm_biquad_cascade_process gives on each lane alone. */
void mm_biquad_cascade_process_x4 (const mm_biquad_coeffs * c,
    mm_biquad_state * s, unsigned sections, double *buf, size_t n);

/* Two four-lane cascades (as mm_biquad_cascade_process_x4), the second
 * fed with lanes 0, 1, 0, 1 of the first's output: sections 0 .. first-1
 * of c / s run in place over buf1 (n frames of four lanes), sections
 * first .. first+second-1 over buf2, which receives (buf1[4i],
 * buf1[4i+1], buf1[4i], buf1[4i+1]) first.  Bit for bit those two calls
 * and the copy; in one sample loop (first, second <= 2), so the two
 * cascades' recursions overlap: a two-way split and the split of one of
 * its halves (the crossover). */
void mm_biquad_cascade_process_x4_fork (const mm_biquad_coeffs * c,
    mm_biquad_state * s, unsigned first, unsigned second, double *buf1,
    double *buf2, size_t n);

/* The same for first = second = 2 with the first cascade fed from n
 * interleaved stereo float frames: its input is (a, b, a, b) of in
 * (non-finite samples as 0), built inside; buf1 receives its output. */
void mm_biquad_cascade_process_x4_fork_stereo (const mm_biquad_coeffs * c,
    mm_biquad_state * s, const float *in, double *buf1, double *buf2,
    size_t n);

/* Two sections in cascade on float input, returning the sum of squares
 * of the output (the loudness meter's K-weighting + energy in one pass:
 * the two recursions run interleaved so their latencies overlap). */
double mm_biquad_cascade2_energy (const mm_biquad_coeffs c[2],
    mm_biquad_state s[2], const float *in, size_t n);

/* The same for two channels through the same sections: channel a (state
 * sa) and channel b (state sb), n samples each; *ea and *eb receive the
 * two sums of squares.  Bit for bit what two calls of
 * mm_biquad_cascade2_energy give, at nearly the cost of one: the two
 * channels' recursions run side by side in the lanes of one vector. */
void mm_biquad_cascade2_energy_x2 (const mm_biquad_coeffs c[2],
    mm_biquad_state sa[2], mm_biquad_state sb[2], const float *a,
    const float *b, size_t n, double *ea, double *eb);

/* The same for four channels (states s[j][0..1], input in[j], n samples
 * each; e[j] their sums of squares): bit for bit what four calls of
 * mm_biquad_cascade2_energy give, the four recursions side by side. */
void mm_biquad_cascade2_energy_x4 (const mm_biquad_coeffs c[2],
    mm_biquad_state * const s[4], const float *const in[4], size_t n,
    double e[4]);

/* The same for pairs of channels, each pair interleaved stereo: channels
 * 0 and 1 of in[k] (2 n floats) have states s[2 k], s[2 k + 1] and sums
 * e[2 k], e[2 k + 1], k < pairs (1..4): several stereo meters of one
 * stream measured in one pass (the entries past 2 pairs of s, e are
 * scratch: s[0..7] must all be valid). */
void mm_biquad_cascade2_energy_stereo (const mm_biquad_coeffs c[2],
    mm_biquad_state * const s[8], const float *const in[4], unsigned pairs,
    size_t n, double e[8]);

#endif /* MM_BIQUAD_H */
