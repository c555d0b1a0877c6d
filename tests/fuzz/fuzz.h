/* fuzz.h: what every mixmaster fuzz target shares (plain C, no GLib).
 *
 * The input is read front to back by a cursor: leading bytes pick the
 * configuration (rate, channels, parameters), then each operation takes
 * an opcode and its arguments, and sample data comes from a generator
 * chosen by one byte (raw float bits reach NaN, Inf and denormals; the
 * others give full-scale squares, DC, denormal tails, hot noise).  An
 * exhausted cursor reads zeros, so every input is a valid program: the
 * fuzzer never wastes executions on rejected inputs.
 *
 * Assertions abort (libFuzzer reports the input; the replay driver exits
 * non-zero): FZ_CHECK (cond, fmt, ...).
 */
#ifndef MM_FUZZ_H
#define MM_FUZZ_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond, ...) do {                                          \
    if (!(cond)) {                                                       \
      fprintf (stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,  \
          #cond);                                                        \
      fprintf (stderr, __VA_ARGS__);                                     \
      fputc ('\n', stderr);                                              \
      abort ();                                                          \
    }                                                                    \
  } while (0)

typedef struct
{
  const uint8_t *p;
  size_t n;
} fz_in;

static inline uint8_t
fz_u8 (fz_in * in)
{
  if (!in->n)
    return 0;
  in->n--;
  return *in->p++;
}

static inline uint16_t
fz_u16 (fz_in * in)
{
  uint16_t hi = fz_u8 (in);
  return (uint16_t) ((hi << 8) | fz_u8 (in));
}

static inline uint32_t
fz_u32 (fz_in * in)
{
  uint32_t hi = fz_u16 (in);
  return (hi << 16) | fz_u16 (in);
}

/* One of n choices. */
static inline unsigned
fz_pick (fz_in * in, unsigned n)
{
  return n ? fz_u8 (in) % n : 0;
}

/* lo..hi in 65536 steps, both ends reachable. */
static inline double
fz_range (fz_in * in, double lo, double hi)
{
  return lo + (hi - lo) * (fz_u16 (in) / 65535.0);
}

/* A parameter: usually in lo..hi, sometimes exactly an end, and now and
 * then absurd (far outside, NaN, +-Inf), which setters must refuse. */
static inline double
fz_param (fz_in * in, double lo, double hi)
{
  switch (fz_u8 (in) & 15) {
    case 0:
      return lo;
    case 1:
      return hi;
    case 2:
      return NAN;
    case 3:
      return (fz_u8 (in) & 1) ? INFINITY : -INFINITY;
    case 4:
      return lo - 1e6;
    case 5:
      return hi * 1e6 + 1e6;
    default:
      return fz_range (in, lo, hi);
  }
}

/* Sample rates: the standard ones, both ends of the range, and an odd one
 * (the meter's K-weighting and the oversampling factor depend on it). */
static const unsigned fz_rates[] = {
  8000, 11025, 16000, 22050, 32000, 44100, 48000, 69313, 88200, 96000,
  176400, 192000, 384000
};

#define FZ_N_RATES (sizeof (fz_rates) / sizeof (fz_rates[0]))

static inline unsigned
fz_rate (fz_in * in)
{
  return fz_rates[fz_pick (in, FZ_N_RATES)];
}

/* Fills n samples from the generator the next byte names. */
static inline void
fz_fill (fz_in * in, float *buf, size_t n)
{
  unsigned kind = fz_u8 (in) % 8;
  unsigned period = 1 + fz_u8 (in);
  float amp = (float) (fz_u8 (in) / 64.0);      /* 0 .. ~4 (over full scale) */
  size_t i;

  switch (kind) {
    case 0:                    /* 16-bit PCM from the input */
      for (i = 0; i < n; i++)
        buf[i] = (int16_t) fz_u16 (in) / 32768.0f;
      break;
    case 1:                    /* raw float bits: NaN, Inf, denormals */
      for (i = 0; i < n; i++) {
        uint32_t u = fz_u32 (in);
        memcpy (&buf[i], &u, sizeof u);
      }
      break;
    case 2:                    /* square wave, full scale and beyond */
      for (i = 0; i < n; i++)
        buf[i] = ((i / period) & 1) ? -amp : amp;
      break;
    case 3:                    /* DC */
      for (i = 0; i < n; i++)
        buf[i] = amp;
      break;
    case 4:                    /* denormal tail: CPU time and state flush */
      for (i = 0; i < n; i++)
        buf[i] = ((i & 1) ? 1e-40f : -1e-41f) * (1 + (i % period));
      break;
    case 5:                    /* silence */
      memset (buf, 0, n * sizeof *buf);
      break;
    case 6:{                   /* hot noise with special values sprinkled */
      uint32_t s = 0x9E3779B9u ^ period;
      for (i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        buf[i] = amp * ((int32_t) s / 2147483648.0f);
      }
      for (i = 0; i < 4 && n; i++) {
        static const float special[] = { NAN, INFINITY, -INFINITY, 1e-45f,
          -0.0f, 3.4e38f, -3.4e38f, 1.0f
        };
        buf[fz_u16 (in) % n] = special[fz_u8 (in) % 8];
      }
      break;
    }
    default:{                  /* tone at fs/period, the fs/2 and fs/4 cases */
      for (i = 0; i < n; i++)
        buf[i] = amp * (float) sin (2.0 * 3.14159265358979323846 * (double) i / (period + 1));
      break;
    }
  }
}

static inline void
fz_fill_f64 (fz_in * in, double *buf, float *tmp, size_t n)
{
  fz_fill (in, tmp, n);
  for (size_t i = 0; i < n; i++)
    buf[i] = tmp[i];
}

static inline void
fz_check_finite_f32 (const float *buf, size_t n, const char *what)
{
  for (size_t i = 0; i < n; i++)
    FZ_CHECK (isfinite (buf[i]), "%s: sample %zu is %g", what, i,
        (double) buf[i]);
}

static inline void
fz_check_finite_f64 (const double *buf, size_t n, const char *what)
{
  for (size_t i = 0; i < n; i++)
    FZ_CHECK (isfinite (buf[i]), "%s: sample %zu is %g", what, i, buf[i]);
}

/* Largest |sample|. */
static inline double
fz_peak_f32 (const float *buf, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++)
    m = fmax (m, fabs ((double) buf[i]));
  return m;
}

static inline double
fz_peak_f64 (const double *buf, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++)
    m = fmax (m, fabs (buf[i]));
  return m;
}

/* The limiter holds the true peak under its ceiling; a sample is never
 * above the true peak, so samples must sit under the ceiling too.  The
 * margin is the conformance tolerance for true peak (+0.2 dB, Tech 3341
 * cases 15-23), which also covers float rounding. */
#define FZ_CEILING_MARGIN_DB 0.2

static inline double
fz_ceiling_limit (double ceiling_dbtp)
{
  return pow (10.0, (ceiling_dbtp + FZ_CEILING_MARGIN_DB) / 20.0);
}

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

#endif /* MM_FUZZ_H */
