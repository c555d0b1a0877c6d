/* bench-mkwav: writes a deterministic programme-like test file, 32-bit
 * float WAV, for bench_loudnorm.sh.
 *
 * Segments of 4-15 s: music-like (chords, bass, drums, noise bed), speech-
 * like (buzzy voice and fricatives in syllables, words, phrase pauses),
 * speech over music, steady pink noise, and short pauses (1-2 s of
 * silence), each at a level between -30 and -12 dB, with smooth 50 ms
 * transitions.  The same arguments always give the same bytes.
 *
 * Usage: bench-mkwav [--seconds N] [--rate R] [--channels C] [--seed S]
 *        OUT.wav
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#include "mmrng.h"

typedef struct
{
  rng r;
  unsigned rate;
  uint64_t n;
  double pk[2][7];
  /* music */
  uint64_t next_chord, next_beat, beat_len;
  unsigned beat;
  double note_ph[3], note_f[3], note_env[3], note_pan[3], note_decay;
  double bass_ph, bass_f;
  double kick_env, kick_ph, kick_f, snare_env, hat_env, dk, ds, dh;
  /* speech */
  double f0_base, f0_ph, voice_lp, fric_lp, syl_amp;
  uint64_t syl_start, syl_len, talk_until, pause_until;
} synth;

static double
pink (synth * s, int c)
{
  double *b = s->pk[c];
  double w = rng_gauss (&s->r) * 0.25, out;
  b[0] = 0.99886 * b[0] + w * 0.0555179;
  b[1] = 0.99332 * b[1] + w * 0.0750759;
  b[2] = 0.96900 * b[2] + w * 0.1538520;
  b[3] = 0.86650 * b[3] + w * 0.3104856;
  b[4] = 0.55000 * b[4] + w * 0.5329522;
  b[5] = -0.7616 * b[5] - w * 0.0168980;
  out = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
  b[6] = w * 0.115926;
  return out * 0.25;
}

static void
music (synth * s, double *L, double *R)
{
  double l = 0.0, r = 0.0;
  if (s->n >= s->next_chord) {
    static const int minor[] = { 0, 3, 7 }, major[] = { 0, 4, 7 };
    int root = 45 + (int) rng_range (&s->r, 0, 15);
    const int *iv = rng_unit (&s->r) < 0.5 ? minor : major;
    for (int i = 0; i < 3; i++) {
      s->note_f[i] = 440.0 * pow (2.0, (root + 12 + iv[i] - 69) / 12.0);
      s->note_env[i] = rng_range (&s->r, 0.5, 1.0);
      s->note_pan[i] = rng_range (&s->r, 0.2, 0.8);
    }
    s->bass_f = 440.0 * pow (2.0, (root - 69) / 12.0);
    s->next_chord = s->n + (uint64_t) (rng_range (&s->r, 1.5, 3.0) * s->rate);
  }
  for (int i = 0; i < 3; i++) {
    s->note_ph[i] += s->note_f[i] / s->rate;
    if (s->note_ph[i] >= 1.0)
      s->note_ph[i] -= 1.0;
    double v = sin (2.0 * M_PI * s->note_ph[i]) * s->note_env[i];
    s->note_env[i] *= s->note_decay;
    l += v * (1.0 - s->note_pan[i]);
    r += v * s->note_pan[i];
  }
  s->bass_ph += s->bass_f / s->rate;
  if (s->bass_ph >= 1.0)
    s->bass_ph -= 1.0;
  double bass = 0.2 * sin (2.0 * M_PI * s->bass_ph);
  if (s->n >= s->next_beat) {
    s->kick_env = rng_range (&s->r, 0.7, 1.0);
    s->kick_f = 110.0;
    if (s->beat % 2 == 1)
      s->snare_env = rng_range (&s->r, 0.4, 0.6);
    s->next_beat += s->beat_len;
    s->beat++;
  }
  if ((s->n + s->beat_len / 2) % s->beat_len == 0)
    s->hat_env = 0.25;
  double kick = 0.0, noise = 0.0;
  if (s->kick_env > 1e-4) {
    s->kick_ph += 2.0 * M_PI * s->kick_f / s->rate;
    s->kick_f = 45.0 + (s->kick_f - 45.0) * 0.9995;
    kick = sin (s->kick_ph) * s->kick_env;
    s->kick_env *= s->dk;
  }
  if (s->snare_env > 1e-4 || s->hat_env > 1e-4) {
    noise = rng_gauss (&s->r) * 0.3 * (s->snare_env + s->hat_env);
    s->snare_env *= s->ds;
    s->hat_env *= s->dh;
  }
  *L = 0.18 * l + bass + 0.6 * kick + noise + 0.15 * pink (s, 0);
  *R = 0.18 * r + bass + 0.6 * kick + noise + 0.15 * pink (s, 1);
}

static double
speech (synth * s)
{
  double env = 0.0;
  if (s->n >= s->syl_start + s->syl_len) {
    if (s->n >= s->talk_until) {
      s->pause_until = s->n + (uint64_t) (rng_range (&s->r, 0.4, 1.2) *
          s->rate);
      s->talk_until = s->pause_until + (uint64_t) (rng_range (&s->r, 2.0,
              4.0) * s->rate);
      s->f0_base = rng_range (&s->r, 100.0, 220.0);
      s->syl_start = s->pause_until;
    } else {
      s->syl_start = s->n + (uint64_t) (rng_range (&s->r, 0.02, 0.12) *
          s->rate);
    }
    s->syl_len = (uint64_t) (rng_range (&s->r, 0.12, 0.28) * s->rate);
    s->syl_amp = rng_range (&s->r, 0.3, 1.0);
  }
  if (s->n >= s->syl_start) {
    double x = (double) (s->n - s->syl_start) / s->syl_len;
    double sn = sin (M_PI * x);
    env = s->syl_amp * sn * sn;
  }
  double t = (double) s->n / s->rate;
  s->f0_ph += s->f0_base * (1.0 + 0.08 * sin (2.0 * M_PI * 0.7 * t)) /
      s->rate;
  if (s->f0_ph >= 1.0)
    s->f0_ph -= 1.0;
  s->voice_lp += 0.25 * (2.0 * s->f0_ph - 1.0 - s->voice_lp);
  double w = rng_gauss (&s->r);
  s->fric_lp += 0.6 * (w - s->fric_lp);
  return env * (0.8 * s->voice_lp + 0.25 * (w - s->fric_lp));
}

static void
put_le (FILE * f, uint32_t v, int bytes)
{
  for (int i = 0; i < bytes; i++)
    fputc ((int) ((v >> (8 * i)) & 0xff), f);
}

static int
usage (void)
{
  fprintf (stderr, "usage: bench-mkwav [--seconds N] [--rate R] "
      "[--channels C] [--seed S] OUT.wav\n");
  return 2;
}

int
main (int argc, char **argv)
{
  double seconds = 300.0;
  unsigned rate = 48000, channels = 2;
  uint64_t seed = 0x6c6f75646e6f726dull;        /* "loudnorm" */
  const char *path = NULL;

  for (int i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--seconds") && i + 1 < argc)
      seconds = atof (argv[++i]);
    else if (!strcmp (argv[i], "--rate") && i + 1 < argc)
      rate = (unsigned) atoi (argv[++i]);
    else if (!strcmp (argv[i], "--channels") && i + 1 < argc)
      channels = (unsigned) atoi (argv[++i]);
    else if (!strcmp (argv[i], "--seed") && i + 1 < argc)
      seed = strtoull (argv[++i], NULL, 0);
    else if (argv[i][0] != '-' && !path)
      path = argv[i];
    else
      return usage ();
  }
  if (!path || !(seconds > 0.0) || seconds > 24 * 3600.0 || rate < 8000
      || rate > 384000 || channels < 1 || channels > 8)
    return usage ();

  FILE *f = fopen (path, "wb");
  if (!f) {
    perror (path);
    return 1;
  }
  uint64_t frames = (uint64_t) (seconds * rate + 0.5);
  uint64_t data_bytes = frames * channels * 4;
  if (data_bytes > 0xFFFFFFFFull - 64) {
    fprintf (stderr, "too long for a WAV file\n");
    return 1;
  }
  /* RIFF header, fmt (IEEE float), fact, data */
  fwrite ("RIFF", 1, 4, f);
  put_le (f, (uint32_t) (4 + 24 + 12 + 8 + data_bytes), 4);
  fwrite ("WAVEfmt ", 1, 8, f);
  put_le (f, 16, 4);
  put_le (f, 3, 2);             /* WAVE_FORMAT_IEEE_FLOAT */
  put_le (f, channels, 2);
  put_le (f, rate, 4);
  put_le (f, rate * channels * 4, 4);
  put_le (f, channels * 4, 2);
  put_le (f, 32, 2);
  fwrite ("fact", 1, 4, f);
  put_le (f, 4, 4);
  put_le (f, (uint32_t) frames, 4);
  fwrite ("data", 1, 4, f);
  put_le (f, (uint32_t) data_bytes, 4);

  synth s;
  memset (&s, 0, sizeof (s));
  s.r.s = seed;
  s.rate = rate;
  s.beat_len = rate / 2;
  s.dk = exp (-1.0 / (0.08 * rate));
  s.ds = exp (-1.0 / (0.06 * rate));
  s.dh = exp (-1.0 / (0.015 * rate));
  s.note_decay = exp (-1.0 / (1.5 * rate));
  s.f0_base = 140.0;

  rng plan = { seed ^ 0x5e9ull };
  enum
  { MUSIC, SPEECH, MIXED, PINK, PAUSE, KINDS };
  int kind = MUSIC;
  uint64_t seg_end = 0;
  double level = 0.0, level_target = 0.0;
  const double smooth = 1.0 - exp (-1.0 / (0.05 * rate));
  float *frame = malloc (sizeof (float) * channels);

  for (uint64_t n = 0; n < frames; n++) {
    if (n >= seg_end) {
      kind = (int) (rng_next (&plan) % KINDS);
      double len = kind == PAUSE ? rng_range (&plan, 1.0, 2.0) :
          rng_range (&plan, 4.0, 15.0);
      seg_end = n + (uint64_t) (len * rate);
      level_target = kind == PAUSE ? 0.0 :
          pow (10.0, rng_range (&plan, -30.0, -12.0) / 20.0) * 4.0;
    }
    level += smooth * (level_target - level);
    s.n = n;
    double L = 0.0, R = 0.0, sp = 0.0;
    switch (kind) {
      case MUSIC:
        music (&s, &L, &R);
        break;
      case SPEECH:
        sp = speech (&s);
        break;
      case MIXED:
        music (&s, &L, &R);
        L *= 0.4;
        R *= 0.4;
        sp = 0.8 * speech (&s);
        break;
      case PINK:
        L = pink (&s, 0);
        R = pink (&s, 1);
        break;
      default:
        break;
    }
    L = level * (L + 0.7 * sp);
    R = level * (R + 0.7 * sp);
    for (unsigned c = 0; c < channels; c++)
      frame[c] = (float) (channels == 1 ? 0.5 * (L + R) : c % 2 ? R : L);
    fwrite (frame, sizeof (float), channels, f);
  }
  free (frame);
  if (fclose (f) != 0) {
    perror (path);
    return 1;
  }
  return 0;
}
