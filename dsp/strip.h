/* strip: one mixing-console channel strip feeding a stereo bus.
 *
 * One input of 1 or 2 channels (fixed at creation), stereo out, in order:
 *
 *   phase invert -> high-pass (12 dB/oct) -> 3-band EQ (low shelf 100 Hz,
 *   bell at eq_mid_freq Q 0.7, high shelf 10 kHz) -> compressor
 *   (mm_compressor) -> fader (gain dB) x mute x ducking -> pan (mm_pan:
 *   pan for mono, balance for stereo) -> added into the bus
 *
 * plus two sends (A: reverb, B: delay), stereo, each with a level in dB
 * taken pre-fader (after the compressor: not affected by fader, ducking or
 * pan; mono duplicated to both channels) or post-fader (the strip's
 * output: fader, mute, ducking and pan).  Mute silences the pre-fader
 * sends as well.
 *
 * Every output is mix-accumulated: the strip adds into the caller's bus
 * buffers, so strips are summed by processing them into the same buffers.
 *
 * Bit-exactness: EQ bands at 0 dB are skipped, the high-pass at 0 Hz and
 * the compressor at ratio 1 (no make-up) are not run, gain 0 dB with pan
 * law 0 dB at centre multiplies by exactly 1: such a strip adds its input
 * to the bus bit for bit.  A send at -inf (or a muted strip, after its
 * ramp) contributes nothing at all.
 */
#ifndef MM_STRIP_H
#define MM_STRIP_H

#include "compressor.h"
#include "mmdsp.h"
#include "pan.h"

typedef struct mm_strip mm_strip;

#define MM_STRIP_GAIN_MIN_DB (-90.0)
#define MM_STRIP_GAIN_MAX_DB 24.0
/* Sends: -inf (or anything below MM_STRIP_SEND_OFF_DB) is off. */
#define MM_STRIP_SEND_OFF_DB (-90.0)
#define MM_STRIP_SEND_MAX_DB 12.0

typedef struct
{
  int phase_invert;             /* all input channels; default 0 */
  double hpf_hz;                /* 0 = off, else 10..1000; default 0 */
  double eq_low_gain_db;        /* -24..24 (shelf 100 Hz), default 0 */
  double eq_mid_freq_hz;        /* 20..20000 (clamped under rate/2), default 1000 */
  double eq_mid_gain_db;        /* -24..24 (bell Q 0.7), default 0 */
  double eq_high_gain_db;       /* -24..24 (shelf 10 kHz), default 0 */
  mm_compressor_params comp;    /* ratio 1 = off (default) */
  double gain_db;               /* fader -90..24, default 0 */
  int mute;                     /* default 0 */
  mm_pan_law pan_law;           /* default MM_PAN_LAW_DEFAULT (-3 dB) */
  double pan;                   /* -1..1, default 0 */
  double send_db[2];            /* -inf (off) or -90..12; default -inf */
  int send_pre[2];              /* 1 pre-fader, 0 post-fader (default) */
  double duck_attack_ms;        /* ducking gain ramp down, 1..5000, default 20 */
  double duck_release_ms;       /* ducking gain ramp up, 10..10000, default 500 */
} mm_strip_params;

/* Fills p with the defaults above. */
void mm_strip_params_default (mm_strip_params * p);

mm_strip *mm_strip_new (unsigned rate, unsigned in_channels);
void mm_strip_free (mm_strip ** s);
/* Clears filter/compressor state and meters; ramps end at their targets. */
int mm_strip_reset (mm_strip * s);
/* Validates and takes the parameters; gains, mute, pan, phase, EQ gains
 * and mid frequency ramp (no clicks); the high-pass frequency and the
 * compressor's own settings take effect as those blocks define.
 * MM_ERR_INVALID when one is out of range (nothing changes then). */
int mm_strip_set_params (mm_strip * s, const mm_strip_params * p);
/* External ducking gain in dB (<= 0, -90 floor; e.g. from a side-chain,
 * once per buffer), ramped linearly: a deeper target over duck_attack_ms,
 * a shallower one over duck_release_ms (the ramp's full length whatever
 * the step, so the gain is back `release` after the key stops). */
int mm_strip_set_duck (mm_strip * s, double duck_db);
/* The ducking gain now, as a reduction in dB (>= 0). */
int mm_strip_get_duck (mm_strip * s, double *reduction_db);
/* Side-chain key: the peak (dBFS, -inf for silence) of what the strip
 * added to the bus since the last call (which clears it), over both
 * channels.  A mixer reads it once per block to duck other strips. */
int mm_strip_get_key (mm_strip * s, double *peak_db);

/* in: `frames` interleaved frames of in_channels (must be the channels
 * given at creation: MM_ERR_MISMATCH otherwise); out, send_a, send_b:
 * stereo interleaved bus buffers the strip ADDS into (a send buffer may be
 * NULL: that send is then not computed).  Non-finite input is taken as 0. */
int mm_strip_process_f32 (mm_strip * s, const float *in,
    unsigned in_channels, float *out_stereo, float *send_a, float *send_b,
    size_t frames);

/* `count` strips, each its own input (in[k]: frames of strip k's
 * channels) and output (out_stereo[k]), all adding into the same sends:
 * bit for bit what count calls of mm_strip_process_f32 in order give.
 * Strips at the same place on their chunk grid (strips fed the same
 * frames since their reset) run stage by stage, their compressors side
 * by side (mm_compressor_process_multi_f32); others one after the other. */
int mm_strip_process_multi_f32 (mm_strip * const *s, unsigned count,
    const float *const *in, float *const *out_stereo, float *send_a,
    float *send_b, size_t frames);

/* Peak and RMS (dBFS, -inf for silence) of each output channel since the
 * last call (which clears them); MM_ERR_NO_DATA when nothing was
 * processed since. */
int mm_strip_get_levels (mm_strip * s, double peak_db[2], double rms_db[2]);
/* The compressor's gain reduction, see mm_compressor_get_reduction. */
int mm_strip_get_reduction (mm_strip * s, double *now_db, double *max_db);

#endif /* MM_STRIP_H */
