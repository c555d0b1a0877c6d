/* demo: a 30 s stereo "song" from synthesised stems, deterministic:
 * a quiet intro (pad chord), a verse (bass, kick, hi-hat noise, chord),
 * a louder chorus (everything, brighter), and an outro fading out. */
#include "demo.h"

#include <math.h>

#define TAU 6.283185307179586

/* Small deterministic noise: the same frames always give the same audio. */
static gfloat
noise_at (guint64 n)
{
  guint32 x = (guint32) (n * 2654435761u) ^ 0x9e3779b9u;
  x ^= x >> 15;
  x *= 0x2c1b3c6du;
  x ^= x >> 12;
  x *= 0x297a2d39u;
  x ^= x >> 15;
  return (gfloat) ((x / 4294967296.0) * 2.0 - 1.0);
}

/* Section envelope: intro 0-6 s, verse 6-14, chorus 14-24, outro 24-30. */
static void
section_levels (gdouble t, gdouble * pad, gdouble * beat, gdouble * bright)
{
  if (t < 6.0) {
    *pad = 0.08 * (t / 6.0);
    *beat = 0.0;
    *bright = 0.0;
  } else if (t < 14.0) {
    *pad = 0.10;
    *beat = 0.35;
    *bright = 0.3;
  } else if (t < 24.0) {
    *pad = 0.16;
    *beat = 0.6;
    *bright = 1.0;
  } else {
    gdouble f = 1.0 - (t - 24.0) / 6.0;
    *pad = 0.12 * f;
    *beat = 0.35 * f;
    *bright = 0.3 * f;
  }
}

void
demo_render (gfloat * out, guint64 pos, guint frames)
{
  static const gdouble chord[3] = { 220.0, 277.18, 329.63 };   /* A major */

  for (guint i = 0; i < frames; i++) {
    guint64 n = pos + i;
    gdouble t = (gdouble) n / DEMO_RATE, pad, beat, bright;
    section_levels (t, &pad, &beat, &bright);

    gdouble beat_pos = fmod (t, 0.5);   /* 120 bpm */
    gdouble kick = beat * exp (-beat_pos * 18.0) *
        sin (TAU * (50.0 + 80.0 * exp (-beat_pos * 30.0)) * beat_pos);
    gdouble hat = 0.25 * bright * exp (-fmod (t, 0.25) * 60.0) * noise_at (n);
    gdouble bass = 0.5 * beat * sin (TAU * 55.0 * t);
    gdouble l = 0.0, r = 0.0;
    for (int k = 0; k < 3; k++) {
      gdouble v = pad * sin (TAU * chord[k] * t + k);
      l += v * (1.0 - 0.25 * k);
      r += v * (0.5 + 0.25 * k);
    }
    gdouble lead = 0.12 * bright * sin (TAU * 880.0 * t) *
        (0.5 + 0.5 * sin (TAU * 2.0 * t));
    /* -6 dB: a mix with headroom, as it would reach mastering */
    out[2 * i] = (gfloat) (0.5 * (kick + bass + l + hat * 0.7 + lead));
    out[2 * i + 1] = (gfloat) (0.5 * (kick + bass + r + hat + lead * 0.8));
  }
}
