/* alloc-fail: allocation failure in every DSP constructor (the failing-
 * malloc trick of libebur128's fuzzer).
 *
 * This binary replaces malloc, calloc, realloc and free (the DSP core is
 * linked in statically, so its calls land here) and makes the k-th
 * allocation fail, for k = 1, 2, ... until the constructor succeeds.
 * Every failed construction must return NULL without crashing and free
 * everything it had allocated (live allocations counted in and out);
 * the one that succeeds must free everything in mm_x_free.  Each
 * constructor is tried in several configurations (channels, rates,
 * modes), so every allocation of every path is made to fail once.
 *
 * Not built in sanitizer builds (they own malloc). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "compressor.h"
#include "crossover.h"
#include "delay.h"
#include "dither.h"
#include "limiter.h"
#include "loudness.h"
#include "loudnorm.h"
#include "oversample.h"
#include "pan.h"
#include "reverb.h"
#include "smooth.h"
#include "strip.h"
#include "width.h"

extern void *__libc_malloc (size_t n);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t n);
extern void __libc_free (void *p);

/* While tracking: the allocation that fails (countdown reaches 0), how
 * many failures were injected, and allocations minus frees. */
static int tracking;
static long countdown, injected, live, allocs;

static int
fail_now (void)
{
  if (!tracking)
    return 0;
  if (countdown > 0 && --countdown == 0) {
    injected++;
    return 1;
  }
  return 0;
}

void *
malloc (size_t n)
{
  void *p;
  if (fail_now ())
    return NULL;
  p = __libc_malloc (n);
  if (p && tracking) {
    live++;
    allocs++;
  }
  return p;
}

void *
calloc (size_t n, size_t size)
{
  void *p;
  if (fail_now ())
    return NULL;
  p = __libc_calloc (n, size);
  if (p && tracking) {
    live++;
    allocs++;
  }
  return p;
}

void *
realloc (void *old, size_t n)
{
  void *p;
  if (fail_now ())
    return NULL;
  p = __libc_realloc (old, n);
  if (p && !old && tracking) {
    live++;
    allocs++;
  }
  return p;
}

void
free (void *p)
{
  if (p && tracking)
    live--;
  __libc_free (p);
}

typedef void *(*ctor_fn) (const void *cfg);
typedef void (*dtor_fn) (void *obj);

typedef struct
{
  const char *name;
  ctor_fn make;
  dtor_fn destroy;
  const void *cfg;
} ctor_case;

typedef struct
{
  unsigned rate, channels, flags;
  double ms;
  int mode;
} cfg;

/* One wrapper pair per constructor: the tests call through these so every
 * case has the same shape. */
#define WRAP(type, call, freefn)                                           \
  static void *make_##type (const void *v) {                               \
    const cfg *c = v; (void) c; return (void *) (call); }                  \
  static void destroy_##type (void *o) { mm_##type *x = o; freefn (&x); }

WRAP (loudness, mm_loudness_new (c->rate, c->channels, c->flags),
    mm_loudness_free)
WRAP (oversampler, mm_oversampler_new (c->flags, c->channels),
    mm_oversampler_free)
WRAP (smoother, mm_smoother_new (c->rate, c->ms, 1.0), mm_smoother_free)
WRAP (limiter, mm_limiter_new (c->rate, c->channels, c->ms), mm_limiter_free)
WRAP (loudnorm, mm_loudnorm_new (c->rate, c->channels, (mm_loudnorm_mode)
        c->mode, c->ms, c->flags), mm_loudnorm_free)
WRAP (compressor, mm_compressor_new (c->rate, c->channels),
    mm_compressor_free)
WRAP (crossover, mm_crossover_new (c->rate, c->channels, 200, 2000),
    mm_crossover_free)
WRAP (width, mm_width_new (c->rate, c->channels), mm_width_free)
WRAP (dither, mm_dither_new (c->channels, 1770), mm_dither_free)
WRAP (chain, mm_chain_new (c->rate, c->channels, (mm_chain_mode) c->mode,
        c->ms, c->flags), mm_chain_free)
WRAP (pan, mm_pan_new (c->rate, c->channels), mm_pan_free)
WRAP (strip, mm_strip_new (c->rate, c->channels), mm_strip_free)
WRAP (reverb, mm_reverb_new (c->rate, c->channels), mm_reverb_free)
WRAP (delay, mm_delay_new (c->rate), mm_delay_free)

#define CASE(type, r, ch, fl, ms, mode) { #type, make_##type,             \
    destroy_##type, &(const cfg) { r, ch, fl, ms, mode } }

/* CASE (block, rate, channels, flags (oversampler: factor), ms, mode) */
static const ctor_case cases[] = {
  CASE (loudness, 48000, 2, 0, 0, 0),
  CASE (loudness, 44100, 8, MM_LOUDNESS_TRUE_PEAK | MM_LOUDNESS_RANGE_HOP_1S,
      0, 0),
  CASE (loudness, 384000, 1, MM_LOUDNESS_TRUE_PEAK, 0, 0),
  CASE (oversampler, 0, 2, 4, 0, 0),
  CASE (oversampler, 0, 8, 48, 0, 0),
  CASE (smoother, 48000, 1, 0, 20.0, 0),
  CASE (limiter, 48000, 2, 0, 5.0, 0),
  CASE (limiter, 8000, 8, 0, 10.0, 0),
  CASE (loudnorm, 48000, 2, 0, 3000.0, MM_LOUDNORM_LIVE),
  CASE (loudnorm, 44100, 6, MM_LOUDNORM_F64, 100.0, MM_LOUDNORM_LIVE),
  CASE (loudnorm, 96000, 2, 0, 0.0, MM_LOUDNORM_LINEAR),
  CASE (compressor, 48000, 2, 0, 0, 0),
  CASE (compressor, 192000, 8, 0, 0, 0),
  CASE (crossover, 48000, 2, 0, 0, 0),
  CASE (crossover, 44100, 8, 0, 0, 0),
  CASE (width, 48000, 2, 0, 0, 0),
  CASE (width, 48000, 1, 0, 0, 0),
  CASE (dither, 48000, 2, 0, 0, 0),
  CASE (dither, 48000, 8, 0, 0, 0),
  CASE (chain, 48000, 2, 0, 3000.0, MM_CHAIN_LIVE),
  CASE (chain, 44100, 6, MM_LOUDNORM_F64, 500.0, MM_CHAIN_LIVE),
  CASE (chain, 96000, 2, 0, 100.0, MM_CHAIN_FIXED),
  CASE (pan, 48000, 1, 0, 0, 0),
  CASE (pan, 48000, 2, 0, 0, 0),
  CASE (strip, 48000, 1, 0, 0, 0),
  CASE (strip, 44100, 2, 0, 0, 0),
  CASE (reverb, 48000, 1, 0, 0, 0),
  CASE (reverb, 96000, 2, 0, 0, 0),
  CASE (delay, 48000, 2, 0, 0, 0),
  CASE (delay, 384000, 2, 0, 0, 0),
};

int
main (void)
{
  int failures = 0;
  long total_injected = 0;

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const ctor_case *c = &cases[i];
    const cfg *g = c->cfg;
    long k;

    for (k = 1;; k++) {
      void *obj;
      long leaked;

      live = allocs = injected = 0;
      countdown = k;
      tracking = 1;
      obj = c->make (c->cfg);
      tracking = 0;
      if (!obj) {
        leaked = live;
        if (!injected) {
          printf ("FAIL %s: NULL without an allocation failure\n", c->name);
          failures++;
          break;
        }
        if (leaked) {
          printf ("FAIL %s (%u Hz x %u): allocation %ld failed: %ld "
              "allocations not freed\n", c->name, g->rate, g->channels, k,
              leaked);
          failures++;
        }
        total_injected++;
        continue;
      }
      /* built: no failure left to inject (or one was ignored) */
      tracking = 1;
      c->destroy (obj);
      tracking = 0;
      if (injected) {
        printf ("FAIL %s (%u Hz x %u): allocation %ld failed but the "
            "constructor returned an object\n", c->name, g->rate,
            g->channels, k);
        failures++;
      }
      if (live) {
        printf ("FAIL %s (%u Hz x %u): %ld allocations left after free\n",
            c->name, g->rate, g->channels, live);
        failures++;
      }
      break;
    }
    printf ("%-12s %6u Hz x %u: each of %ld allocations failed in turn: "
        "NULL, nothing leaked\n", c->name, g->rate, g->channels, k - 1);
  }
  printf ("%ld constructions with a failed allocation, %d failures\n",
      total_injected, failures);
  return failures ? 1 : 0;
}
