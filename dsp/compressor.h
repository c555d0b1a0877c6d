/* compressor: feed-forward dynamics compressor of the DSP core.
 *
 * Detection on the peak or the RMS (mean square over the attack time) of
 * each frame, linked over channels by `link` (0 = each channel its own
 * gain, 1 = one gain from the loudest channel); a static curve with a soft
 * knee in dB (threshold, ratio, knee width); attack and release as one-pole
 * smoothing of the gain reduction in dB; optional automatic make-up: half
 * the reduction the static curve gives a 0 dBFS signal (T -20, R 4: +7.5 dB),
 * plus makeup_db.  No lookahead, no latency.
 * Parameter changes are smoothed; non-finite input is treated as silence.
 */
#ifndef MM_COMPRESSOR_H
#define MM_COMPRESSOR_H

#include "mmdsp.h"

typedef struct mm_compressor mm_compressor;

typedef enum
{
  MM_COMPRESSOR_PEAK,
  MM_COMPRESSOR_RMS
} mm_compressor_detector;

typedef struct
{
  double threshold_db;          /* -60..0, default -18 */
  double ratio;                 /* 1..20 (1 = off), default 2 */
  double knee_db;               /* 0..24, default 6 */
  double attack_ms;             /* 0.1..500, default 10 */
  double release_ms;            /* 5..5000, default 150 */
  double makeup_db;             /* -24..24, added to auto make-up, default 0 */
  int auto_makeup;              /* default 0 */
  double link;                  /* 0..1, default 1 */
  mm_compressor_detector detector;      /* default peak */
} mm_compressor_params;

/* Fills p with the defaults above. */
void mm_compressor_params_default (mm_compressor_params * p);

mm_compressor *mm_compressor_new (unsigned rate, unsigned channels);
void mm_compressor_free (mm_compressor ** c);
int mm_compressor_reset (mm_compressor * c);
/* Validates and takes the parameters (smoothed); MM_ERR_INVALID when one
 * is out of range (nothing changes then). */
int mm_compressor_set_params (mm_compressor * c, const mm_compressor_params * p);

/* The static curve: gain change in dB (<= 0 without make-up) for an
 * input level in dB, with the current parameters (for tests and UIs). */
double mm_compressor_static_gain (const mm_compressor * c, double level_db);

/* Interleaved, in place. */
int mm_compressor_process_f32 (mm_compressor * c, float *buf, size_t frames);
int mm_compressor_process_f64 (mm_compressor * c, double *buf, size_t frames);

/* `count` compressors of the same channel count, each over its own
 * buffer (`frames` frames each, in place), as one call of
 * mm_compressor_process_* per compressor gives, bit for bit; their
 * ballistics (the one serial recurrence) run side by side, so the bands
 * of a multiband compressor cost little more than one band's latency. */
int mm_compressor_process_multi_f32 (mm_compressor * const *c,
    unsigned count, float *const *buf, size_t frames);
int mm_compressor_process_multi_f64 (mm_compressor * const *c,
    unsigned count, double *const *buf, size_t frames);

/* The same, the outputs summed into out (frames x channels; may not be
 * one of buf) instead of written back: out = buf[0] + buf[1] + ... as the
 * compressed bands, added in order in the sample type, bit for bit what
 * process_multi and a sum give; buf then holds the bands' input still,
 * or partly processed (not to be used).  The multiband compressor's
 * outputs and their sum in one pass. */
int mm_compressor_process_multi_sum_f32 (mm_compressor * const *c,
    unsigned count, float *const *buf, float *out, size_t frames);
int mm_compressor_process_multi_sum_f64 (mm_compressor * const *c,
    unsigned count, double *const *buf, double *out, size_t frames);

/* Gain reduction in dB (>= 0, make-up not counted): now, and the largest
 * since the last call (which clears it). */
int mm_compressor_get_reduction (mm_compressor * c, double *now_db,
    double *max_db);

#endif /* MM_COMPRESSOR_H */
