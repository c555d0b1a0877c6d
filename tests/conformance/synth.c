/* synth: phase-continuous segmented sine tones for the conformance tests. */
#include "synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.28318530717958647692

static double
db_to_amp (double db)
{
  return isfinite (db) ? pow (10.0, db / 20.0) : 0.0;
}

/* Enters segment s->seg (over all repeats), or the end. */
static void
enter_segment (synth * s)
{
  size_t total = s->nsegs * s->repeat;
  while (s->seg < total) {
    const synth_seg *g = &s->segs[s->seg % s->nsegs];
    s->t_end += g->dur;
    s->seg_end = (uint64_t) llround (s->t_end * s->rate);
    if (s->seg_end > s->frame) {
      for (unsigned c = 0; c < s->channels; c++)
        s->amp[c] = db_to_amp (g->db + s->ch_db[c]);
      return;
    }
    s->seg++;                   /* empty segment */
  }
  s->seg_end = s->frame;
}

int
synth_init (synth * s, unsigned rate, unsigned channels, unsigned freq,
    const synth_seg * segs, size_t nsegs, unsigned repeat,
    const double *ch_db)
{
  memset (s, 0, sizeof (*s));
  if (rate == 0 || channels == 0 || channels > SYNTH_CHANNELS_MAX
      || 2 * freq >= rate || !segs || nsegs == 0 || repeat == 0)
    return -1;
  s->rate = rate;
  s->channels = channels;
  s->freq = freq;
  s->segs = segs;
  s->nsegs = nsegs;
  s->repeat = repeat;
  for (unsigned c = 0; c < channels; c++)
    s->ch_db[c] = ch_db ? ch_db[c] : 0.0;
  /* sin (2 pi freq n / rate) = table[freq n mod rate]: exact phase for
   * any length, no accumulated phase error. */
  s->table = malloc (rate * sizeof (double));
  if (!s->table)
    return -1;
  for (unsigned k = 0; k < rate; k++)
    s->table[k] = sin (TWO_PI * (double) k / (double) rate);
  enter_segment (s);
  return 0;
}

void
synth_clear (synth * s)
{
  free (s->table);
  s->table = NULL;
}

size_t
synth_render (synth * s, double *out, size_t frames)
{
  size_t done = 0;
  const unsigned ch = s->channels;

  while (done < frames && s->frame < s->seg_end) {
    size_t n = frames - done;
    if (n > s->seg_end - s->frame)
      n = (size_t) (s->seg_end - s->frame);
    for (size_t i = 0; i < n; i++) {
      double v = s->table[s->phase];
      for (unsigned c = 0; c < ch; c++)
        out[(done + i) * ch + c] = s->amp[c] * v;
      s->phase += s->freq;
      if (s->phase >= s->rate)
        s->phase -= s->rate;
    }
    done += n;
    s->frame += n;
    s->tag = s->segs[s->seg % s->nsegs].tag;
    if (s->frame == s->seg_end) {
      s->seg++;
      enter_segment (s);
    }
  }
  return done;
}

uint64_t
synth_total_frames (const synth * s)
{
  double t = 0.0;
  for (unsigned r = 0; r < s->repeat; r++)
    for (size_t i = 0; i < s->nsegs; i++)
      t += s->segs[i].dur;
  return (uint64_t) llround (t * s->rate);
}
