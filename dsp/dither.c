/* dither: TPDF dither (see dither.h).
 *
 * For a target of B bits the LSB is q = 2^-(B-1) of full scale (1.0).
 * Each sample gets q (u1 - u2), u1 and u2 independent uniforms on [0, 1):
 * triangular noise on (-q, q), mean 0, RMS q / sqrt 6.  The two uniforms
 * are the high and low 32 bits of one splitmix64 output; every channel has
 * its own generator, seeded from the seed and the channel number, so the
 * noise depends only on the seed and the sample's position in the stream
 * (not on how the stream is split into calls) and reset repeats it.
 *
 * bits = 0 (the default after new) passes finite samples bit-exact.  Non-finite samples come out
 * as 0 (and, dithered, as the noise alone).  Changing the word length
 * takes effect at once: the noise is 1 LSB, nothing to glide.  No
 * clipping: the quantiser downstream clips.  No latency.
 *
 * State: the per-channel generator states.
 */
#include "dither.h"

#include <stdlib.h>
#include <string.h>

#include "vector.h"

struct mm_dither
{
  unsigned channels, bits;
  uint64_t seed;
  double lsb;                   /* 2^-(bits-1), 0 when off */
  uint64_t state[MM_CHANNELS_MAX];
};

static uint64_t
splitmix64 (uint64_t * s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void
seed_channels (mm_dither * d)
{
  for (unsigned ch = 0; ch < MM_CHANNELS_MAX; ch++) {
    /* A channel's start state: the seed scrambled with its number, so
     * channels are uncorrelated whatever the seed. */
    uint64_t s = d->seed ^ (0xD1B54A32D192ED03ull * (ch + 1));
    d->state[ch] = splitmix64 (&s);
  }
}

mm_dither *
mm_dither_new (unsigned channels, uint64_t seed)
{
  if (channels < 1 || channels > MM_CHANNELS_MAX)
    return NULL;
  mm_dither *d = calloc (1, sizeof (*d));
  if (!d)
    return NULL;
  d->channels = channels;
  d->seed = seed;
  seed_channels (d);
  return d;
}

void
mm_dither_free (mm_dither ** pd)
{
  if (!pd || !*pd)
    return;
  free (*pd);
  *pd = NULL;
}

int
mm_dither_reset (mm_dither * d)
{
  if (!d)
    return MM_ERR_INVALID;
  seed_channels (d);
  return MM_OK;
}

int
mm_dither_set_bits (mm_dither * d, unsigned bits)
{
  if (!d || !(bits == 0 || bits == 16 || bits == 24))
    return MM_ERR_INVALID;
  d->bits = bits;
  d->lsb = bits ? ldexp (1.0, -(int) (bits - 1)) : 0.0;
  return MM_OK;
}

/* The splitmix64 output of state s (the generator's step added first by
 * the caller): a counter-based generator, so the values of a whole block
 * are independent of each other and computed side by side. */
static inline uint64_t
mix64 (uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* TPDF noise in units of the LSB, on (-1, 1): (hi32 - lo32) / 2^32 of
 * one output.  The halves become doubles through the exponent bits
 * (2^52 + v, exact), so the difference is exactly (double) hi - (double)
 * lo without integer conversions (none in AVX2 for 64-bit lanes). */
static inline double
tpdf_of (uint64_t r)
{
  const uint64_t magic = UINT64_C (0x4330000000000000);
  uint64_t hb = magic | (r >> 32), lb = magic | (r & 0xFFFFFFFFu);
  double h, l;
  memcpy (&h, &hb, sizeof h);
  memcpy (&l, &lb, sizeof l);
  return (h - l) * (1.0 / 4294967296.0);
}

#define NOISE_BLOCK 256

/* The next n (<= NOISE_BLOCK) noise values of generator *s, times q.
 * Its vector copies need 64-bit multiplies: AVX2 has none (they are
 * pieced together from 32-bit ones), AVX-512 has (a copy of its own). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void
noise_block (uint64_t * s, double q, double *out, size_t n)
{
  const uint64_t s0 = *s;
  for (size_t i = 0; i < n; i++)
    out[i] = q * tpdf_of (mix64 (s0 + (uint64_t) (i + 1) * 0x9E3779B97F4A7C15ull));
  *s = s0 + (uint64_t) n * 0x9E3779B97F4A7C15ull;
}

#define DEFINE_DITHER_PROCESS(sfx, T)                                           \
int                                                                             \
mm_dither_process_##sfx (mm_dither * d, T * buf, size_t frames)                 \
{                                                                               \
  if (!d || (!buf && frames))                                                   \
    return MM_ERR_INVALID;                                                      \
  const unsigned nch = d->channels;                                             \
  sanitize_##sfx (buf, frames * nch);                                           \
  if (d->bits == 0)                                                             \
    return MM_OK;                                                               \
  const double q = d->lsb;                                                      \
  double noise[2][NOISE_BLOCK];                                                 \
  for (size_t o = 0; o < frames; o += NOISE_BLOCK) {                            \
    const size_t n = frames - o < NOISE_BLOCK ? frames - o : NOISE_BLOCK;       \
    T *p = buf + o * nch;                                                       \
    if (nch == 2) {                                                             \
      noise_block (&d->state[0], q, noise[0], n);                               \
      noise_block (&d->state[1], q, noise[1], n);                               \
      add_stereo_##sfx (p, noise[0], noise[1], n);                              \
      continue;                                                                 \
    }                                                                           \
    for (unsigned ch = 0; ch < nch; ch++) {                                     \
      noise_block (&d->state[ch], q, noise[0], n);                              \
      for (size_t i = 0; i < n; i++)                                            \
        p[i * nch + ch] = (T) ((double) p[i * nch + ch] + noise[0][i]);         \
    }                                                                           \
  }                                                                             \
  return MM_OK;                                                                 \
}

/* Interleaved stereo plus the two channels' noise. */
#define DEFINE_ADD_STEREO(sfx, T)                                               \
MM_VECTOR_CLONES static void                                                    \
add_stereo_##sfx (T * p, const double *a, const double *b, size_t n)            \
{                                                                               \
  for (size_t i = 0; i < n; i++) {                                              \
    p[2 * i] = (T) ((double) p[2 * i] + a[i]);                                  \
    p[2 * i + 1] = (T) ((double) p[2 * i + 1] + b[i]);                          \
  }                                                                             \
}

DEFINE_ADD_STEREO (f32, float)
DEFINE_ADD_STEREO (f64, double)

static void sanitize_f32 (float *p, size_t n);
static void sanitize_f64 (double *p, size_t n);

static void
sanitize_f32 (float *p, size_t n)
{
  mm_vector_sanitize_f32 (p, n);
}

static void
sanitize_f64 (double *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    p[i] = isfinite (p[i]) ? p[i] : 0.0;
}

DEFINE_DITHER_PROCESS (f32, float)
DEFINE_DITHER_PROCESS (f64, double)
