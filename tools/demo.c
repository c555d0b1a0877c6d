/* demo: a 30 s song at 120 bpm in A minor from four synthesised stems —
 * intro (keys fading in), verse (drums, bass, keys), chorus (everything,
 * lead and hi-hats brighter), outro fading out.  Each stem is rendered at
 * a level a careless session would have: drums hot, bass buried,
 * keys loud, lead quiet; the demo's mix settings put them right. */
#include "demo.h"

#include <math.h>

#define TAU 6.283185307179586
#define BEAT 0.5                /* s, 120 bpm */

static const DemoStemInfo stems[DEMO_N_STEMS] = {
  {"drums", 1, "gain=-4,hpf=30",
      "hot: hits at -1 dBTP"},
  {"bass", 1, "gain=12,eq-low-gain=2,comp-ratio=3,comp-threshold=-30",
      "buried: 20 dB under the keys"},
  {"keys", 2, "gain=-8,eq-mid-gain=-3,eq-mid-freq=400",
      "too loud and muddy"},
  {"lead", 1, "gain=9,pan=0.2,reverb-send=-9,delay-send=-16",
      "quiet and dry"},
};

static const gchar *const bus_settings[] = {
  "reverb-decay=1.8", "reverb-size=0.6", "delay-time=375",
  "delay-feedback=0.35", NULL
};

const DemoStemInfo *
demo_stem_info (DemoStem stem)
{
  return &stems[stem];
}

const gchar *const *
demo_bus_settings (void)
{
  return bus_settings;
}

/* Small deterministic noise: the same frames always give the same audio. */
static gdouble
noise_at (guint64 n)
{
  guint32 x = (guint32) (n * 2654435761u) ^ 0x9e3779b9u;
  x ^= x >> 15;
  x *= 0x2c1b3c6du;
  x ^= x >> 12;
  x *= 0x297a2d39u;
  x ^= x >> 15;
  return (x / 4294967296.0) * 2.0 - 1.0;
}

/* Section levels: intro 0-6 s, verse 6-14, chorus 14-24, outro 24-30. */
typedef struct
{
  gdouble keys, beat, bright;
} Section;

static Section
section_at (gdouble t)
{
  Section s;
  if (t < 6.0) {
    s = (Section) { t / 6.0, 0.0, 0.0 };
  } else if (t < 14.0) {
    s = (Section) { 0.8, 0.7, 0.3 };
  } else if (t < 24.0) {
    s = (Section) { 1.0, 1.0, 1.0 };
  } else {
    gdouble f = 1.0 - (t - 24.0) / 6.0;
    s = (Section) { 0.8 * f, 0.7 * f, 0.3 * f };
  }
  return s;
}

static gdouble
drums (guint64 n, gdouble t, const Section * s)
{
  gdouble b = fmod (t, BEAT), bar = fmod (t, 4 * BEAT);
  gdouble kick = exp (-b * 16.0) * sin (TAU * (48.0 + 90.0 * exp (-b * 35.0))
      * b);
  /* snare on beats 2 and 4 */
  gdouble sb = fmod (bar + BEAT, 2 * BEAT);
  gdouble snare = (bar >= BEAT) ? 0.6 * exp (-sb * 25.0) * (noise_at (n) +
      0.5 * sin (TAU * 190.0 * sb)) : 0.0;
  gdouble hat = 0.25 * s->bright * exp (-fmod (t, BEAT / 2) * 70.0) *
      noise_at (n + 7919);
  return 0.62 * s->beat * (0.8 * kick + 0.5 * snare + hat);
}

static gdouble
bass (gdouble t, const Section * s)
{
  /* A, A, F, G: one root per bar */
  static const gdouble roots[4] = { 55.0, 55.0, 43.65, 49.0 };
  gdouble f = roots[(gint) (t / (4 * BEAT)) % 4];
  gdouble env = 1.0 - 0.4 * fmod (t, BEAT) / BEAT;
  gdouble v = sin (TAU * f * t) + 0.3 * sin (TAU * 2 * f * t) +
      0.1 * sin (TAU * 3 * f * t);
  return 0.045 * s->beat * env * v;
}

static void
keys (gdouble t, const Section * s, gdouble * l, gdouble * r)
{
  static const gdouble chord[4] = { 220.0, 261.63, 329.63, 196.0 };
  *l = *r = 0.0;
  for (gint k = 0; k < 4; k++) {
    gdouble v = sin (TAU * chord[k] * t + k) + 0.2 * sin (TAU * 2 *
        chord[k] * t);
    *l += v * (1.0 - 0.2 * k);
    *r += v * (0.4 + 0.2 * k);
  }
  *l *= 0.16 * s->keys;
  *r *= 0.16 * s->keys;
}

static gdouble
lead (gdouble t, const Section * s)
{
  /* A minor pentatonic, one note per half beat in the chorus */
  static const gdouble scale[8] = { 440.0, 523.25, 587.33, 659.25, 783.99,
    659.25, 587.33, 523.25
  };
  if (t < 14.0 || t >= 26.0)
    return 0.0;
  gdouble f = scale[(gint) (t / (BEAT / 2)) % 8];
  gdouble nt = fmod (t, BEAT / 2);
  gdouble env = MIN (nt * 80.0, 1.0) * exp (-nt * 3.0);
  gdouble vib = 1.0 + 0.004 * sin (TAU * 5.5 * t);
  return 0.05 * MIN (s->bright, 1.0) * env * (sin (TAU * f * vib * t) +
      0.25 * sin (TAU * 2 * f * vib * t));
}

void
demo_render (DemoStem stem, gfloat * out, guint64 pos, guint frames)
{
  for (guint i = 0; i < frames; i++) {
    guint64 n = pos + i;
    gdouble t = (gdouble) n / DEMO_RATE, l, r;
    Section s = section_at (t);
    switch (stem) {
      case DEMO_DRUMS:
        out[i] = (gfloat) drums (n, t, &s);
        break;
      case DEMO_BASS:
        out[i] = (gfloat) bass (t, &s);
        break;
      case DEMO_KEYS:
        keys (t, &s, &l, &r);
        out[2 * i] = (gfloat) l;
        out[2 * i + 1] = (gfloat) r;
        break;
      default:
        out[i] = (gfloat) lead (t, &s);
        break;
    }
  }
}
