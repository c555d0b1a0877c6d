/* mmrng: the one seeded PRNG of the tests and benchmarks (splitmix64), so
 * every synthesised programme is the same on every machine and run. */
#ifndef MM_TEST_RNG_H
#define MM_TEST_RNG_H

#include <stdint.h>

typedef struct
{
  uint64_t s;
} rng;

static inline uint64_t
rng_next (rng * r)
{
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* [0, 1) */
static inline double
rng_unit (rng * r)
{
  return (double) (rng_next (r) >> 11) * (1.0 / 9007199254740992.0);
}

/* [a, b) */
static inline double
rng_range (rng * r, double a, double b)
{
  return a + (b - a) * rng_unit (r);
}

/* roughly gaussian, unit variance, bounded at +-3.5 */
static inline double
rng_gauss (rng * r)
{
  return (rng_unit (r) + rng_unit (r) + rng_unit (r) + rng_unit (r) - 2.0)
      * 1.7320508;
}

#endif /* MM_TEST_RNG_H */
