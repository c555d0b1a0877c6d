/* Unit tests of dsp/vector (the ORC-backed flat loops) against naive
 * reference loops, for lengths 0, 1, 7, 1023 and 4099, aligned and
 * misaligned buffers, 1, 2, 3, 6 and 8 channels.  Every output buffer has
 * guard elements after its end that must stay untouched. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "tcheck.h"
#include "vector.h"

#define GUARD 16
#define GUARD_VALUE 12345.0f

static const size_t lengths[] = { 0, 1, 7, 1023, 4099 };
static const unsigned channel_counts[] = { 1, 2, 3, 6, 8 };
#define NLEN (sizeof (lengths) / sizeof (lengths[0]))
#define NCH (sizeof (channel_counts) / sizeof (channel_counts[0]))

static uint64_t seed = 2024;

static float
rnd (void)
{
  return (float) (tc_random (&seed) * 4.0 - 2.0);
}

/* n + GUARD floats, the first `misalign` skipped; returns the usable start.
 * The guard after n is set to GUARD_VALUE. */
static float *
alloc_f (size_t n, unsigned misalign, float **base)
{
  *base = malloc ((n + GUARD + 4) * sizeof (float));
  float *p = *base + misalign;
  for (size_t i = 0; i < n; i++)
    p[i] = rnd ();
  for (size_t i = 0; i < GUARD; i++)
    p[n + i] = GUARD_VALUE;
  return p;
}

static int
guard_ok (const float *p, size_t n)
{
  for (size_t i = 0; i < GUARD; i++)
    if (p[n + i] != GUARD_VALUE)
      return 0;
  return 1;
}

/* Equal, or both NaN. */
static int
same_float (float a, float b)
{
  return a == b || (isnan (a) && isnan (b));
}

/* scale: d *= g, one IEEE multiply: exact. */
static void
test_scale (void)
{
  for (size_t li = 0; li < NLEN; li++)
    for (unsigned mis = 0; mis < 2; mis++) {
      size_t n = lengths[li];
      float *base, *d = alloc_f (n, mis, &base);
      float *ref = malloc ((n + 1) * sizeof (float));
      const float g = 0.3712f;
      for (size_t i = 0; i < n; i++)
        ref[i] = d[i] * g;
      mm_vector_scale_f32 (d, g, n);
      int ok = 1;
      for (size_t i = 0; i < n; i++)
        ok &= d[i] == ref[i];
      if (!CHECK (ok && guard_ok (d, n)))
        printf ("  (scale n=%zu misalign=%u)\n", n, mis);
      free (base);
      free (ref);
    }
}

/* add_scaled: d += s * g.  ORC multiplies then adds (two roundings), as
 * the reference here does; a fused multiply-add would differ in the last
 * bit, so allow 2 ulp of the operands' scale. */
static void
test_add_scaled (void)
{
  for (size_t li = 0; li < NLEN; li++)
    for (unsigned mis = 0; mis < 2; mis++) {
      size_t n = lengths[li];
      float *bd, *bs, *d = alloc_f (n, mis, &bd), *s = alloc_f (n, 0, &bs);
      float *ref = malloc ((n + 1) * sizeof (float));
      const float g = -1.618f;
      for (size_t i = 0; i < n; i++) {
        float t = s[i] * g;
        ref[i] = d[i] + t;
      }
      mm_vector_add_scaled_f32 (d, s, g, n);
      int ok = 1;
      for (size_t i = 0; i < n; i++)
        ok &= fabsf (d[i] - ref[i]) <= 2.0f * FLT_EPSILON * (fabsf (ref[i])
            + fabsf (s[i] * g));
      if (!CHECK (ok && guard_ok (d, n)))
        printf ("  (add_scaled n=%zu misalign=%u)\n", n, mis);
      free (bd);
      free (bs);
      free (ref);
    }
}

/* deinterleave_all f32 / f64 and interleave_all: pure copies (f64 -> f32
 * rounds as a C cast does), so exact, NaN kept as NaN, a double beyond
 * float range becomes +-Inf.  With misalign 1 every buffer starts one
 * float past a 16-byte boundary: a float array's own alignment (4 bytes),
 * which C allows for interleaved audio as for any float array.  Each
 * combination runs in a child process so a crash is reported and the
 * other combinations still run. */
typedef struct
{
  unsigned ch;
  size_t n;
  unsigned mis;
} layout;

static void
interleaving_case (void *p)
{
  const layout *l = p;
  unsigned ch = l->ch, mis = l->mis;
  size_t n = l->n;
  float *ibase, *in = alloc_f (n * ch, mis, &ibase);
  double *in64 = malloc ((n * ch + 1) * sizeof (double));
  float *pbase[8], *planes[8];
  for (size_t i = 0; i < n * ch; i++)
    in64[i] = (double) in[i] * (1.0 + 1e-9);    /* not a float */
  if (n * ch > 3) {
    in[1] = NAN;
    in64[1] = NAN;
    in64[2] = 1e300;
    in64[3] = -1e-300;
  }
  for (unsigned c = 0; c < ch; c++)
    planes[c] = alloc_f (n, mis, &pbase[c]);

  /* f32 */
  mm_vector_deinterleave_all_f32 (planes, in, ch, n);
  int ok = 1;
  for (unsigned c = 0; c < ch; c++) {
    for (size_t i = 0; i < n; i++)
      ok &= same_float (planes[c][i], in[i * ch + c]);
    ok &= guard_ok (planes[c], n);
  }
  CHECK (ok);

  /* interleave back */
  float *obase, *out = alloc_f (n * ch, mis, &obase);
  mm_vector_interleave_all_f32 (out, (const float *const *) planes, ch, n);
  ok = guard_ok (out, n * ch);
  for (size_t i = 0; i < n * ch; i++)
    ok &= same_float (out[i], in[i]);
  CHECK (ok);

  /* f64 */
  mm_vector_deinterleave_all_f64 (planes, in64, ch, n);
  ok = 1;
  for (unsigned c = 0; c < ch; c++) {
    for (size_t i = 0; i < n; i++)
      ok &= same_float (planes[c][i], (float) in64[i * ch + c]);
    ok &= guard_ok (planes[c], n);
  }
  if (n * ch > 3)
    ok &= isinf (planes[2 % ch][2 / ch]) && planes[2 % ch][2 / ch] > 0;
  CHECK (ok);

  for (unsigned c = 0; c < ch; c++)
    free (pbase[c]);
  free (ibase);
  free (obase);
  free (in64);
}

static void
test_interleaving (void)
{
  for (size_t ci = 0; ci < NCH; ci++)
    for (size_t li = 0; li < NLEN; li++)
      for (unsigned mis = 0; mis < 2; mis++) {
        layout l = { channel_counts[ci], lengths[li], mis };
        char what[96];
        snprintf (what, sizeof (what),
            "(de)interleave %u channels, %zu frames, buffers %s", l.ch, l.n,
            mis ? "at 4 mod 8 bytes" : "16-byte aligned");
        tc_isolated (interleaving_case, &l, what);
      }
}

/* sanitize: NaN and +-Inf become 0 and are counted; everything else,
 * subnormals, -0 and FLT_MAX included, stays bit for bit. */
static void
test_sanitize (void)
{
  for (size_t li = 0; li < NLEN; li++)
    for (unsigned mis = 0; mis < 2; mis++) {
      size_t n = lengths[li];
      float *base, *d = alloc_f (n, mis, &base);
      float *ref = malloc ((n + 1) * sizeof (float));
      static const float specials[] = { NAN, INFINITY, -INFINITY, -0.0f,
        FLT_MIN / 8, FLT_MAX, -FLT_MAX, FLT_MIN
      };
      for (size_t i = 0; i < n; i++)
        if (tc_random (&seed) < 0.2)
          d[i] = specials[(size_t) (tc_random (&seed) * 8)];
      size_t want = 0;
      for (size_t i = 0; i < n; i++) {
        int bad = isnan (d[i]) || isinf (d[i]);
        want += bad;
        ref[i] = bad ? 0.0f : d[i];
      }
      size_t got = mm_vector_sanitize_f32 (d, n);
      int ok = got == want && guard_ok (d, n)
          && (n == 0 || memcmp (d, ref, n * sizeof (float)) == 0);
      if (!CHECK (ok))
        printf ("  (sanitize n=%zu misalign=%u: %zu replaced, expected %zu)\n",
            n, mis, got, want);
      free (base);
      free (ref);
    }
}

/* abs_max: max (m, |d[i]|); NaN never wins, Inf does. */
static void
test_abs_max (void)
{
  for (size_t li = 0; li < NLEN; li++)
    for (unsigned mis = 0; mis < 2; mis++)
      for (int variant = 0; variant < 4; variant++) {
        size_t n = lengths[li];
        float *base, *d = alloc_f (n, mis, &base);
        float m = variant == 1 ? 100.0f : 0.0f;
        if (variant >= 2)
          for (size_t i = 0; i < n; i += 3)
            d[i] = NAN;
        if (variant == 3 && n > 5)
          d[n - 2] = -INFINITY;
        float ref = m;
        for (size_t i = 0; i < n; i++)
          if (fabsf (d[i]) > ref)
            ref = fabsf (d[i]);
        float got = mm_vector_abs_max_f32 (d, n, m);
        if (!CHECK (got == ref))
          printf ("  (abs_max n=%zu misalign=%u variant=%d: %g, expected %g)\n",
              n, mis, variant, got, ref);
        free (base);
      }
  /* all NaN: m */
  float nan3[3] = { NAN, NAN, NAN };
  CHECK (mm_vector_abs_max_f32 (nan3, 3, 0.25f) == 0.25f);
}

int
main (void)
{
  test_scale ();
  test_add_scaled ();
  test_interleaving ();
  test_sanitize ();
  test_abs_max ();
  return tc_finish ("vector");
}
