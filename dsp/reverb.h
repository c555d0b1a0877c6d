/* reverb: stereo algorithmic reverb (send effect, wet output only).
 *
 * Mono or stereo input -> pre-delay -> input diffusion (four Schroeder
 * all-passes per side) -> an 8-line feedback delay network (orthogonal
 * Hadamard mixing, mutually prime line lengths scaled by `size`, a one-pole
 * low-pass per line for `damping`, a per-line gain that gives the chosen
 * RT60) -> two decorrelated output taps.  No dry signal is added: the caller
 * mixes the wet output back (a mixbus return).
 *
 * Every parameter is a target: the process call glides to it (line
 * lengths over ~100 ms, the rest over ~50 ms), so changes never click.
 * Memory for the largest size and pre-delay is allocated by new(); process
 * neither allocates nor locks.  Silence in gives exact silence out, and
 * once a tail has decayed below -180 dBFS the state is cleared so silence
 * in gives exact zeros again.  NaN/Inf input samples are taken as 0.
 */
#ifndef MM_REVERB_H
#define MM_REVERB_H

#include "mmdsp.h"

typedef struct mm_reverb mm_reverb;

#define MM_REVERB_DECAY_MIN 0.1         /* s */
#define MM_REVERB_DECAY_MAX 20.0        /* s */
#define MM_REVERB_PREDELAY_MAX 200.0    /* ms */

/* rate: MM_RATE_MIN..MM_RATE_MAX; channels: of the input, 1 (mono send)
 * or 2 (stereo send, interleaved).  The output is always stereo.
 * Defaults: size 0.5, decay 1.5 s, damping 0.3, pre-delay 10 ms.
 * NULL on a bad argument or no memory. */
mm_reverb *mm_reverb_new (unsigned rate, unsigned channels);

/* Frees and clears *r (NULL or *r == NULL: no-op). */
void mm_reverb_free (mm_reverb ** r);

/* Clears the tail (all delay lines and filters) and puts every parameter
 * at its target at once (no glide). */
int mm_reverb_reset (mm_reverb * r);

/* Room size 0..1 (clamped): scales the eight line lengths from about
 * 4.5..11 ms (0) to 31..74 ms (1).  The decay time is kept. */
int mm_reverb_set_size (mm_reverb * r, double size);

/* Reverberation time RT60 in seconds, MM_REVERB_DECAY_MIN..MAX (clamped):
 * time for the tail to fall by 60 dB at low frequencies (each line's gain
 * is 10^(-3 d / (rate RT60)) for its length d in samples). */
int mm_reverb_set_decay (mm_reverb * r, double seconds);

/* High-frequency damping 0..1 (clamped): 0 = none (every frequency decays
 * in `decay`), 1 = a one-pole low-pass at 1 kHz in every line (highs die
 * much sooner).  The cutoff moves logarithmically, 20 kHz at 0+. */
int mm_reverb_set_damping (mm_reverb * r, double damping);

/* Pre-delay 0..MM_REVERB_PREDELAY_MAX ms (clamped) before the diffusion. */
int mm_reverb_set_predelay (mm_reverb * r, double ms);

/* `frames` frames of `channels` interleaved input (in) into `frames`
 * stereo frames of wet output (out, L R interleaved; overwritten, not
 * added to).  in == out is allowed for stereo input.  The output after n
 * frames does not depend on how the n frames were split into calls. */
int mm_reverb_process_f32 (mm_reverb * r, const float *in, float *out,
    size_t frames);

#endif /* MM_REVERB_H */
