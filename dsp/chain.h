/* chain: the mastering chain of the DSP core (the `masterchain` element is
 * a thin wrapper on it).  In order, each stage with a bypass that keeps the
 * latency constant:
 *
 *   input gain -> EQ (high-pass 12/24/36/48 dB/oct, low shelf, three
 *   bells, high shelf: RBJ biquads of the one biquad block) -> compressor
 *   (single band, or 3 bands split by the LR4 crossover) -> stereo width
 *   (mid/side, bass mono) -> loudness target + true-peak limiter (the
 *   mm_loudnorm normaliser: live, or a fixed gain that the element's file
 *   mode finds by re-measuring) -> TPDF dither.
 *
 * All parameters are targets: gains and EQ changes glide (no clicks, no
 * zipper noise).  Input and output meters (mm_loudness) for messages.
 */
#ifndef MM_CHAIN_H
#define MM_CHAIN_H

#include "mmdsp.h"
#include "compressor.h"
#include "loudness.h"

typedef struct mm_chain mm_chain;

typedef enum
{
  MM_CHAIN_LIVE,                /* adaptive gain toward the target */
  MM_CHAIN_FIXED                /* the gain set by mm_chain_set_gain */
} mm_chain_mode;

#define MM_CHAIN_BELLS 3
#define MM_CHAIN_BANDS 3

typedef struct
{
  /* input gain */
  int input_bypass;
  double input_gain_db;         /* -24..24 */

  /* EQ */
  int eq_bypass;
  double hpf_hz;                /* 0 (off) or 10..1000 */
  unsigned hpf_slope;           /* 12, 24, 36, 48 dB/oct */
  double low_shelf_hz, low_shelf_gain_db;       /* 20..1000, -24..24 */
  double bell_hz[MM_CHAIN_BELLS], bell_gain_db[MM_CHAIN_BELLS], bell_q[MM_CHAIN_BELLS];
  double high_shelf_hz, high_shelf_gain_db;     /* 1000..20000, -24..24 */

  /* compressor; multiband uses band[0..2] split at xover_low/high */
  int comp_bypass;
  int multiband;
  double xover_low_hz, xover_high_hz;
  mm_compressor_params comp;    /* single band */
  mm_compressor_params band[MM_CHAIN_BANDS];

  /* width (stereo only) */
  int width_bypass;
  double width;                 /* 0..2 */
  double bass_mono_hz;          /* 0 or 20..500 */

  /* loudness target (live mode) and limiter */
  int loudness_bypass;          /* gain stays 0 dB */
  double loudness_target;       /* LUFS, -70..0 */
  double range_target;          /* LU, live */
  int limiter_bypass;
  double max_true_peak;         /* dBTP, -9..0 */
  double limiter_release_ms;    /* 10..2000 */

  /* dither */
  unsigned dither_bits;         /* 0, 16, 24 */
} mm_chain_params;

/* Fills p with neutral defaults: every stage on but flat (0 dB gains,
 * ratio 1, width 1, hpf off), target -14 LUFS, -1 dBTP, no dither. */
void mm_chain_params_default (mm_chain_params * p);

/* lookahead_ms: live mode 100..10000 (as mm_loudnorm). */
mm_chain *mm_chain_new (unsigned rate, unsigned channels, mm_chain_mode mode,
    double lookahead_ms, unsigned flags);
void mm_chain_free (mm_chain ** c);
int mm_chain_reset (mm_chain * c);

/* BS.1770 weights of the meters. */
int mm_chain_set_channel_weight (mm_chain * c, unsigned ch, double w);
/* Validates all, then takes all (smoothed); MM_ERR_INVALID: nothing taken. */
int mm_chain_set_params (mm_chain * c, const mm_chain_params * p);
/* MM_CHAIN_FIXED: the loudness gain, dB. */
int mm_chain_set_gain (mm_chain * c, double db);

unsigned mm_chain_get_latency (const mm_chain * c);

/* n frames in -> out (interleaved, not the same memory), delayed by the
 * latency; in == NULL drains (silence in, unmetered). */
int mm_chain_process_f32 (mm_chain * c, const float *in, float *out,
    size_t frames);
int mm_chain_process_f64 (mm_chain * c, const double *in, double *out,
    size_t frames);

/* Readouts for messages. */
const mm_loudness *mm_chain_get_input_meter (const mm_chain * c);
const mm_loudness *mm_chain_get_output_meter (const mm_chain * c);
int mm_chain_get_output_true_peak (const mm_chain * c, unsigned ch,
    double *peak);
double mm_chain_get_gain (const mm_chain * c);  /* loudness gain, dB */
/* Largest since the last call (clears): compressor reduction per band
 * (band 0 = the single band when not multiband), limiter reduction. */
int mm_chain_get_reductions (mm_chain * c, double comp_db[MM_CHAIN_BANDS],
    double *limiter_db);
int mm_chain_get_width_stats (mm_chain * c, double *correlation,
    double *side_mid);

#endif /* MM_CHAIN_H */
