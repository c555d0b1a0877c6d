/* loudness: the ITU-R BS.1770-4 / EBU R128 meter of the DSP core.
 *
 * Momentary (400 ms), short-term (3 s), integrated (gated), loudness range
 * (EBU Tech 3342), sample peak and true peak, for 1..8 channels at
 * 8000..384000 Hz.  K-weighting is designed for the rate.
 *
 * Timing: energies are summed on a 10 ms grid; momentary and short-term
 * loudness are the sliding windows ending at the last completed 10 ms step
 * (a 10 Hz refresh misses the peaks of Tech 3341 cases 13-14).  Gating
 * blocks (400 ms) and loudness-range blocks (3 s) advance every 100 ms.
 * Before a window has been filled, the missing part counts as silence.
 *
 * Memory is constant in stream length: gating blocks go into histograms of
 * 0.01 LU bins from -70 to +30 LUFS that also keep each bin's exact energy
 * sum, so integrated loudness is exact up to the blocks that fall within
 * 0.01 LU of the relative gate.
 *
 * Non-finite samples (NaN, +-Inf) are replaced by silence and counted
 * (mm_loudness_get_nonfinite); they never reach the statistics.
 */
#ifndef MM_LOUDNESS_H
#define MM_LOUDNESS_H

#include "mmdsp.h"

typedef struct mm_loudness mm_loudness;

/* Mode flags for mm_loudness_new.  M, S, I, LRA and sample peak are always
 * measured (they cost little); true peak needs the oversampler. */
#define MM_LOUDNESS_TRUE_PEAK (1u << 0)
/* Loudness-range blocks every 1 s instead of every 100 ms.  EBU Tech 3342
 * asks for short-term values at >= 10 Hz (the default); libebur128 (and
 * tools built on it) take one every second, which on programmes with level
 * steps moves LRA by up to ~1.5 LU.  This flag reproduces their figure. */
#define MM_LOUDNESS_RANGE_HOP_1S (1u << 1)

/* BS.1770-4 channel weights. */
#define MM_LOUDNESS_WEIGHT_FRONT 1.0
#define MM_LOUDNESS_WEIGHT_SURROUND 1.41
#define MM_LOUDNESS_WEIGHT_LFE 0.0

/* Loudness of silence and of undefined values. */
#define MM_LOUDNESS_SILENCE (-HUGE_VAL)

/* Every channel starts with weight 1.0 (use set_channel_weight for
 * surrounds and LFE). NULL on bad arguments or no memory. */
mm_loudness *mm_loudness_new (unsigned rate, unsigned channels, unsigned flags);
void mm_loudness_free (mm_loudness ** m);

/* Clears all measurements (I, LRA, peaks, windows, filter state). */
int mm_loudness_reset (mm_loudness * m);

/* weight >= 0 (0 excludes the channel, as for LFE); <= 10. */
int mm_loudness_set_channel_weight (mm_loudness * m, unsigned ch, double weight);
int mm_loudness_get_channel_weight (const mm_loudness * m, unsigned ch,
    double *weight);

unsigned mm_loudness_get_rate (const mm_loudness * m);
unsigned mm_loudness_get_channels (const mm_loudness * m);
/* The true-peak oversampling factor (1 when true peak is off or the rate
 * is already >= 176.4 kHz). */
unsigned mm_loudness_get_true_peak_factor (const mm_loudness * m);

/* Interleaved input. Frames may be 0. */
int mm_loudness_add_frames_f32 (mm_loudness * m, const float *in, size_t frames);
int mm_loudness_add_frames_f64 (mm_loudness * m, const double *in, size_t frames);
/* `frames` frames into each of two meters (a and b, each its own
 * interleaved input): what two add_frames calls give, bit for bit; two
 * stereo meters (without true peak) at the same rate and place on the
 * 10 ms grid are measured in one pass, their K-weighting side by side
 * (as a normaliser's input and output meters are). */
int mm_loudness_add_frames_pair_f32 (mm_loudness * a, const float *ina,
    mm_loudness * b, const float *inb, size_t frames);
int mm_loudness_add_frames_pair_f64 (mm_loudness * a, const double *ina,
    mm_loudness * b, const double *inb, size_t frames);
/* The same for `count` meters (each its own input, up to four measured
 * together: 2 to 4 stereo meters so placed, eight channels side by
 * side; others one after the other). */
int mm_loudness_add_frames_multi_f32 (mm_loudness * const *m,
    const float *const *in, unsigned count, size_t frames);
int mm_loudness_add_frames_multi_f64 (mm_loudness * const *m,
    const double *const *in, unsigned count, size_t frames);

/* Results in LUFS / LU.  A value of silence (or before any block passed the
 * absolute gate) is MM_LOUDNESS_SILENCE (-inf) with MM_OK. */
int mm_loudness_momentary (const mm_loudness * m, double *lufs);
int mm_loudness_shortterm (const mm_loudness * m, double *lufs);
int mm_loudness_momentary_max (const mm_loudness * m, double *lufs);
int mm_loudness_shortterm_max (const mm_loudness * m, double *lufs);
int mm_loudness_integrated (const mm_loudness * m, double *lufs);
/* 0 LU until at least one 3 s block passed the gates. */
int mm_loudness_range (const mm_loudness * m, double *lu);
/* The relative gate the integrated loudness used (LUFS). */
int mm_loudness_relative_threshold (const mm_loudness * m, double *lufs);

/* Peaks since reset, linear (1.0 = full scale).  True peak gives
 * MM_ERR_INVALID when the meter was made without MM_LOUDNESS_TRUE_PEAK. */
int mm_loudness_sample_peak (const mm_loudness * m, unsigned ch, double *peak);
int mm_loudness_true_peak (const mm_loudness * m, unsigned ch, double *peak);

/* Frames measured since reset, and how many samples (over all channels)
 * were non-finite and measured as silence. */
uint64_t mm_loudness_get_frames (const mm_loudness * m);
uint64_t mm_loudness_get_nonfinite (const mm_loudness * m);

/* Programme / album values over several meters, as if their material had
 * been concatenated (the gates act on all blocks together). */
int mm_loudness_integrated_multiple (const mm_loudness * const *meters,
    size_t n, double *lufs);
int mm_loudness_range_multiple (const mm_loudness * const *meters, size_t n,
    double *lu);

#endif /* MM_LOUDNESS_H */
