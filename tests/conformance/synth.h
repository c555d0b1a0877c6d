/* synth: the test signals of the conformance suite, synthesised in code.
 *
 * A signal is a list of segments, each a duration and a level in dBFS
 * ("x dBFS" = per-channel peak amplitude 10^(x/20), EBU Tech 3341), of one
 * sine tone that runs phase-continuously through all segments.  Segment
 * boundaries fall on the frame nearest to their cumulative time, so the
 * total length never drifts at rates where a segment is not a whole number
 * of frames (69313 Hz).  The signal is rendered in pieces, so hours of
 * audio need no memory.
 */
#ifndef MM_TEST_SYNTH_H
#define MM_TEST_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#define SYNTH_CHANNELS_MAX 8
#define SYNTH_SILENCE (-HUGE_VAL)

typedef struct
{
  double dur;                   /* seconds (0: skipped) */
  double db;                    /* dBFS, SYNTH_SILENCE for silence */
  int tag;                      /* caller's label, reported while rendered */
} synth_seg;

typedef struct
{
  /* set by synth_init */
  unsigned rate, channels, freq;
  const synth_seg *segs;
  size_t nsegs;
  unsigned repeat;
  double ch_db[SYNTH_CHANNELS_MAX];     /* per-channel level offsets */
  double *table;                /* sin (2 pi k / rate), k < rate */

  /* position */
  size_t seg;                   /* current segment over all repeats */
  uint64_t frame, seg_end;
  double t_end;                 /* cumulative end time of segment `seg` */
  unsigned phase;               /* freq * frame mod rate */
  double amp[SYNTH_CHANNELS_MAX];
  int tag;                      /* tag of the last rendered frame */
} synth;

/* freq in Hz (integer, < rate/2); the segment list is played `repeat`
 * times; ch_db (may be NULL: all 0 dB) is added to every segment's level
 * per channel (SYNTH_SILENCE mutes the channel).  Returns 0 on success. */
int synth_init (synth * s, unsigned rate, unsigned channels, unsigned freq,
    const synth_seg * segs, size_t nsegs, unsigned repeat,
    const double *ch_db);
void synth_clear (synth * s);

/* Renders up to `frames` interleaved frames; returns how many (0 at the
 * end of the signal). */
size_t synth_render (synth * s, double *out, size_t frames);

/* Total length in frames. */
uint64_t synth_total_frames (const synth * s);

#endif /* MM_TEST_SYNTH_H */
