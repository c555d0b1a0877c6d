/* Unit tests of dsp/smooth: the linear-ramp parameter smoother.
 *
 *   - a ramp of R samples reaches its target exactly at the R-th value
 *     (and not before), linear in between (1e-12 against the straight
 *     line, the float output to float precision);
 *   - values do not depend on how the samples are split into calls, also
 *     with new targets arriving mid-ramp (bit-exact);
 *   - set_value jumps; a new target mid-ramp starts from the current
 *     value; the same target again does not restart the ramp; ramp 0
 *     jumps; set_ramp acts on the next ramp;
 *   - apply_f32 equals fill x buf (bit-exact, 1..8 channels, ramp and
 *     constant stretches in one call), apply_f64 the double-precision
 *     line; a constant 1 leaves the samples bit-exact.
 */
#include <stdlib.h>
#include <string.h>

#include "smooth.h"
#include "tcheck.h"

static void
test_api (void)
{
  CHECK (mm_smoother_new (7999, 10.0, 0.0) == NULL);
  CHECK (mm_smoother_new (384001, 10.0, 0.0) == NULL);
  CHECK (mm_smoother_new (48000, -1.0, 0.0) == NULL);
  CHECK (mm_smoother_new (48000, NAN, 0.0) == NULL);
  CHECK (mm_smoother_new (48000, 10.0, INFINITY) == NULL);
  mm_smoother_free (NULL);
  mm_smoother *s = NULL;
  mm_smoother_free (&s);

  s = mm_smoother_new (48000, 10.0, 0.25);
  if (!CHECK (s != NULL))
    return;
  CHECK (mm_smoother_get_value (s) == 0.25);
  CHECK (mm_smoother_get_target (s) == 0.25);
  CHECK (!mm_smoother_is_ramping (s));
  CHECK (mm_smoother_set_target (s, NAN) == MM_ERR_INVALID);
  CHECK (mm_smoother_set_value (s, INFINITY) == MM_ERR_INVALID);
  CHECK (mm_smoother_set_ramp (s, -0.1) == MM_ERR_INVALID);
  CHECK (mm_smoother_set_target (NULL, 1.0) == MM_ERR_INVALID);
  CHECK (mm_smoother_set_value (NULL, 1.0) == MM_ERR_INVALID);
  CHECK (mm_smoother_set_ramp (NULL, 1.0) == MM_ERR_INVALID);
  float f[4];
  double d[4];
  CHECK (mm_smoother_fill (NULL, f, 4) == MM_ERR_INVALID);
  CHECK (mm_smoother_fill (s, NULL, 4) == MM_ERR_INVALID);
  CHECK (mm_smoother_fill (s, NULL, 0) == MM_OK);
  CHECK (mm_smoother_apply_f32 (s, f, 0, 1) == MM_ERR_INVALID);
  CHECK (mm_smoother_apply_f32 (s, f, MM_CHANNELS_MAX + 1, 1) == MM_ERR_INVALID);
  CHECK (mm_smoother_apply_f64 (s, NULL, 1, 4) == MM_ERR_INVALID);
  CHECK (mm_smoother_apply_f64 (s, d, 1, 0) == MM_OK);
  /* Invalid calls change nothing. */
  CHECK (mm_smoother_get_value (s) == 0.25 && !mm_smoother_is_ramping (s));
  mm_smoother_free (&s);
  CHECK (s == NULL);
}

/* 10 ms at 48 kHz = 480 samples: after 479 still ramping and not at the
 * target, after 480 exactly at it; every value on the line
 * start + (target - start) (i + 1) / 480. */
static void
test_linear_hits_target_48k (void)
{
  static const double from[] = { 0.0, 1.0, -3.5, 1e-3 };
  static const double to[] = { 1.0, 0.125, 7.25, 2.0 };
  for (int k = 0; k < 4; k++) {
    mm_smoother *s = mm_smoother_new (48000, 10.0, from[k]);
    CHECK (mm_smoother_set_target (s, to[k]) == MM_OK);
    CHECK (mm_smoother_is_ramping (s));
    CHECK (mm_smoother_get_value (s) == from[k]);       /* not moved yet */
    float out[600];
    mm_smoother_fill (s, out, 479);
    CHECK (mm_smoother_is_ramping (s));
    CHECK (mm_smoother_get_value (s) != to[k]);
    CHECK_NEAR (mm_smoother_get_value (s),
        from[k] + (to[k] - from[k]) * 479.0 / 480.0, 1e-12);
    mm_smoother_fill (s, out + 479, 1);
    CHECK (!mm_smoother_is_ramping (s));
    CHECK (mm_smoother_get_value (s) == to[k]);
    CHECK (out[479] == (float) to[k]);
    mm_smoother_fill (s, out + 480, 120);
    double err = 0.0;
    for (int i = 0; i < 480; i++) {
      double line = from[k] + (to[k] - from[k]) * (i + 1) / 480.0;
      err = fmax (err, fabs (out[i] - line) / fmax (1.0, fabs (line)));
    }
    CHECK_NEAR (err, 0.0, 1.2e-7);      /* float rounding */
    int flat = 1;
    for (int i = 480; i < 600; i++)
      flat &= out[i] == (float) to[k];
    CHECK (flat);
    mm_smoother_free (&s);
  }

  /* Ramp lengths round to whole samples: 1 ms at 44.1 kHz = 44. */
  mm_smoother *s = mm_smoother_new (44100, 1.0, 0.0);
  mm_smoother_set_target (s, 1.0);
  float out[44];
  mm_smoother_fill (s, out, 43);
  CHECK (mm_smoother_is_ramping (s));
  mm_smoother_fill (s, out, 1);
  CHECK (!mm_smoother_is_ramping (s) && mm_smoother_get_value (s) == 1.0);
  mm_smoother_free (&s);
}

/* The same schedule of targets (at fixed sample positions) in one call
 * per segment and in random chunks gives bit-identical values. */
static void
test_split_invariance (void)
{
  const size_t n = 20000;
  /* Targets at these positions (some mid-ramp). */
  static const size_t at[] = { 0, 100, 350, 4000, 4100, 9000, 15000 };
  static const double tgt[] = { 1.0, 0.3, 2.0, -1.0, -1.0, 0.5, 0.0 };
  const size_t nt = sizeof (at) / sizeof (at[0]);
  float *a = malloc (n * sizeof (float)), *b = malloc (n * sizeof (float));
  uint64_t seed = 99;

  for (int pass = 0; pass < 2; pass++) {
    float *out = pass ? b : a;
    mm_smoother *s = mm_smoother_new (44100, 7.3, 0.0);
    size_t pos = 0, next = 0;
    while (pos < n) {
      if (next < nt && at[next] == pos)
        mm_smoother_set_target (s, tgt[next++]);
      size_t lim = next < nt ? at[next] : n;
      size_t len = lim - pos;
      if (pass) {
        size_t r = 1 + (size_t) (tc_random (&seed) * 700.0);
        len = r < len ? r : len;
      }
      mm_smoother_fill (s, out + pos, len);
      pos += len;
    }
    mm_smoother_free (&s);
  }
  CHECK (memcmp (a, b, n * sizeof (float)) == 0);
  free (a);
  free (b);
}

/* set_value jumps; a new target mid-ramp ramps from where the value is;
 * the same target again is ignored; ramp 0 jumps; set_ramp waits for the
 * next target. */
static void
test_jumps_and_retargets (void)
{
  mm_smoother *s = mm_smoother_new (48000, 10.0, 0.0);
  float out[1000];

  mm_smoother_set_target (s, 1.0);
  mm_smoother_fill (s, out, 100);
  CHECK (mm_smoother_set_value (s, 0.75) == MM_OK);
  CHECK (!mm_smoother_is_ramping (s));
  CHECK (mm_smoother_get_value (s) == 0.75 && mm_smoother_get_target (s) == 0.75);
  mm_smoother_fill (s, out, 10);
  CHECK (out[0] == 0.75f && out[9] == 0.75f);

  /* Retarget halfway: a new full-length ramp from the current value. */
  mm_smoother_set_target (s, 0.0);
  mm_smoother_fill (s, out, 240);
  double mid = mm_smoother_get_value (s);
  CHECK_NEAR (mid, 0.375, 1e-12);
  mm_smoother_set_target (s, 1.0);
  mm_smoother_fill (s, out, 480);
  CHECK_NEAR (out[0], mid + (1.0 - mid) / 480.0, 1e-7);
  CHECK (mm_smoother_get_value (s) == 1.0);

  /* The same target during a ramp does not restart it. */
  mm_smoother_set_target (s, 2.0);
  mm_smoother_fill (s, out, 240);
  mm_smoother_set_target (s, 2.0);
  mm_smoother_fill (s, out, 240);
  CHECK (!mm_smoother_is_ramping (s) && mm_smoother_get_value (s) == 2.0);

  /* Ramp 0: jumps. */
  CHECK (mm_smoother_set_ramp (s, 0.0) == MM_OK);
  mm_smoother_set_target (s, -1.0);
  CHECK (!mm_smoother_is_ramping (s) && mm_smoother_get_value (s) == -1.0);
  mm_smoother_fill (s, out, 3);
  CHECK (out[0] == -1.0f && out[2] == -1.0f);

  /* set_ramp during a ramp: the running ramp keeps its length. */
  mm_smoother_set_ramp (s, 1.0);        /* 48 samples */
  mm_smoother_set_target (s, 0.0);
  mm_smoother_fill (s, out, 10);
  mm_smoother_set_ramp (s, 100.0);
  mm_smoother_fill (s, out, 38);
  CHECK (!mm_smoother_is_ramping (s) && mm_smoother_get_value (s) == 0.0);
  mm_smoother_set_target (s, 1.0);      /* now 4800 samples */
  mm_smoother_fill (s, out, 1000);
  CHECK_NEAR (mm_smoother_get_value (s), 1000.0 / 4800.0, 1e-12);
  mm_smoother_free (&s);
}

/* apply_f32 (buf) == fill () x buf, bit-exact, in one call spanning a
 * ramp and the constant stretch after it, for 1..8 channels; apply_f64
 * follows the double line; a constant 1 is a bit-exact pass-through. */
static void
test_apply_equals_fill (void)
{
  const size_t frames = 3000;
  uint64_t seed = 5;
  for (unsigned ch = 1; ch <= MM_CHANNELS_MAX; ch++) {
    float *buf = malloc (frames * ch * sizeof (float));
    float *ref = malloc (frames * ch * sizeof (float));
    double *bd = malloc (frames * ch * sizeof (double));
    double *orig = malloc (frames * ch * sizeof (double));
    float *g = malloc (frames * sizeof (float));
    for (size_t i = 0; i < frames * ch; i++) {
      buf[i] = ref[i] = (float) (tc_random (&seed) * 2.0 - 1.0);
      bd[i] = orig[i] = buf[i];
    }
    mm_smoother *a = mm_smoother_new (48000, 25.0, 1.0);       /* 1200 */
    mm_smoother *b = mm_smoother_new (48000, 25.0, 1.0);
    mm_smoother *c = mm_smoother_new (48000, 25.0, 1.0);
    mm_smoother_set_target (a, 0.2);
    mm_smoother_set_target (b, 0.2);
    mm_smoother_set_target (c, 0.2);
    mm_smoother_fill (a, g, 500);       /* start mid-ramp */
    mm_smoother_apply_f32 (b, buf, ch, 500);
    mm_smoother_apply_f64 (c, bd, ch, 500);

    mm_smoother_fill (a, g, frames);
    for (size_t i = 0; i < frames; i++)
      for (unsigned k = 0; k < ch; k++)
        ref[i * ch + k] *= g[i];
    /* Start from the original samples again for the compared call. */
    for (size_t i = 0; i < frames * ch; i++) {
      buf[i] = (float) orig[i];
      bd[i] = orig[i];
    }
    CHECK (mm_smoother_apply_f32 (b, buf, ch, frames) == MM_OK);
    CHECK (mm_smoother_apply_f64 (c, bd, ch, frames) == MM_OK);
    int same = memcmp (buf, ref, frames * ch * sizeof (float)) == 0;
    double err = 0.0;
    for (size_t i = 0; i < frames; i++) {
      double line = i + 501 < 1200 ? 1.0 + (0.2 - 1.0) * (i + 501) / 1200.0 : 0.2;
      for (unsigned k = 0; k < ch; k++)
        err = fmax (err, fabs (bd[i * ch + k] - orig[i * ch + k] * line));
    }
    if (!(CHECK (same) & CHECK_NEAR (err, 0.0, 1e-15)))
      printf ("  (%u channels)\n", ch);
    CHECK (mm_smoother_get_value (b) == 0.2 && mm_smoother_get_value (c) == 0.2);

    /* Unity: untouched. */
    mm_smoother_set_value (b, 1.0);
    memcpy (ref, buf, frames * ch * sizeof (float));
    mm_smoother_apply_f32 (b, buf, ch, frames);
    CHECK (memcmp (buf, ref, frames * ch * sizeof (float)) == 0);

    mm_smoother_free (&a);
    mm_smoother_free (&b);
    mm_smoother_free (&c);
    free (buf);
    free (ref);
    free (bd);
    free (orig);
    free (g);
  }
}

int
main (void)
{
  test_api ();
  test_linear_hits_target_48k ();
  test_split_invariance ();
  test_jumps_and_retargets ();
  test_apply_equals_fill ();
  return tc_finish ("smooth");
}
