/* pan: pan laws and balance (see pan.h).
 *
 * State: the law and position taken, and one smoother per output gain
 * (left, right) ramping to the law's gains for the position.  Smoothing
 * the gains, not the position, keeps the per-frame cost at two multiplies
 * (no trigonometry while ramping) and makes every ramp end on the exact
 * static gain.  No latency.
 */
#include "pan.h"

#include <stdlib.h>

#include "smooth.h"

#define PAN_RAMP_MS 20.0
/* Exponents that put a law's centre (t = 1/2) exactly on its name:
 * sin (pi/4)^P3 = 10^(-3/20), sin (pi/4)^P45 = 10^(-4.5/20) and
 * (1/2)^P6 = 10^(-6/20). */
#define CENTRE_DB_3 (-3.0102999566398120)       /* 20 log10 (sin (pi/4)) */
#define CENTRE_DB_6 (-6.0205999132796240)       /* 20 log10 (1/2) */
#define P3 (-3.0 / CENTRE_DB_3)
#define P45 (-4.5 / CENTRE_DB_3)
#define P6 (-6.0 / CENTRE_DB_6)
#define BLOCK 256

struct mm_pan
{
  unsigned rate, channels;
  mm_pan_law law;
  double position;
  mm_smoother *left, *right;
  float lb[BLOCK], rb[BLOCK];   /* the gains of one block */
};

static int
law_valid (mm_pan_law law)
{
  return law == MM_PAN_LAW_0DB || law == MM_PAN_LAW_3DB
      || law == MM_PAN_LAW_4_5DB || law == MM_PAN_LAW_6DB;
}

/* The gain of the channel the position moves towards, t in [0, 1]. */
static double
law_gain (mm_pan_law law, double t)
{
  if (t <= 0.0)
    return 0.0;
  if (t >= 1.0)
    return 1.0;
  switch (law) {
    case MM_PAN_LAW_0DB:
      return t >= 0.5 ? 1.0 : 2.0 * t;
    case MM_PAN_LAW_3DB:
      return pow (sin (t * (0.5 * MM_PI)), P3);
    case MM_PAN_LAW_4_5DB:
      return pow (sin (t * (0.5 * MM_PI)), P45);
    case MM_PAN_LAW_6DB:
    default:
      return pow (t, P6);
  }
}

double
mm_pan_law_centre_db (mm_pan_law law)
{
  if (!law_valid (law))
    return 0.0;
  return mm_linear_to_db (law_gain (law, 0.5));
}

int
mm_pan_law_gains (mm_pan_law law, unsigned in_channels, double position,
    double *left, double *right)
{
  if (!law_valid (law) || (in_channels != 1 && in_channels != 2)
      || !(position >= -1.0 && position <= 1.0) || !left || !right)
    return MM_ERR_INVALID;
  double tr = 0.5 * (1.0 + position), tl = 0.5 * (1.0 - position);
  if (in_channels == 1) {
    *left = law_gain (law, tl);
    *right = law_gain (law, tr);
    return MM_OK;
  }
  /* Balance: the far channel follows the law normalised to its centre. */
  double centre = law_gain (law, 0.5);
  double l = 1.0, r = 1.0;
  if (position > 0.0)
    l = fmin (1.0, law_gain (law, tl) / centre);
  else if (position < 0.0)
    r = fmin (1.0, law_gain (law, tr) / centre);
  *left = l;
  *right = r;
  return MM_OK;
}

mm_pan *
mm_pan_new (unsigned rate, unsigned in_channels)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX
      || (in_channels != 1 && in_channels != 2))
    return NULL;
  mm_pan *p = calloc (1, sizeof (*p));
  if (!p)
    return NULL;
  p->rate = rate;
  p->channels = in_channels;
  p->law = MM_PAN_LAW_DEFAULT;
  p->position = 0.0;
  double l = 1.0, r = 1.0;
  mm_pan_law_gains (p->law, in_channels, 0.0, &l, &r);
  p->left = mm_smoother_new (rate, PAN_RAMP_MS, l);
  if (!p->left)
    goto fail;
  p->right = mm_smoother_new (rate, PAN_RAMP_MS, r);
  if (!p->right)
    goto fail;
  return p;

fail:
  mm_pan_free (&p);
  return NULL;
}

void
mm_pan_free (mm_pan ** pp)
{
  if (!pp || !*pp)
    return;
  mm_smoother_free (&(*pp)->left);
  mm_smoother_free (&(*pp)->right);
  free (*pp);
  *pp = NULL;
}

static void
retarget (mm_pan * p)
{
  double l = 1.0, r = 1.0;
  mm_pan_law_gains (p->law, p->channels, p->position, &l, &r);
  mm_smoother_set_target (p->left, l);
  mm_smoother_set_target (p->right, r);
}

int
mm_pan_reset (mm_pan * p)
{
  if (!p)
    return MM_ERR_INVALID;
  mm_smoother_set_value (p->left, mm_smoother_get_target (p->left));
  mm_smoother_set_value (p->right, mm_smoother_get_target (p->right));
  return MM_OK;
}

int
mm_pan_set_law (mm_pan * p, mm_pan_law law)
{
  if (!p || !law_valid (law))
    return MM_ERR_INVALID;
  p->law = law;
  retarget (p);
  return MM_OK;
}

int
mm_pan_set_position (mm_pan * p, double position)
{
  if (!p || !(position >= -1.0 && position <= 1.0))
    return MM_ERR_INVALID;
  p->position = position;
  retarget (p);
  return MM_OK;
}

int
mm_pan_is_ramping (const mm_pan * p)
{
  return p && (mm_smoother_is_ramping (p->left)
      || mm_smoother_is_ramping (p->right));
}

int
mm_pan_fill_gains (mm_pan * p, float *left, float *right, size_t n)
{
  if (!p || ((!left || !right) && n))
    return MM_ERR_INVALID;
  mm_smoother_fill (p->left, left, n);
  mm_smoother_fill (p->right, right, n);
  return MM_OK;
}

static inline float
finite_or_zero (float x)
{
  return isfinite (x) ? x : 0.0f;
}

int
mm_pan_process_f32 (mm_pan * p, const float *in, float *out, size_t frames)
{
  if (!p || ((!in || !out) && frames))
    return MM_ERR_INVALID;
  const unsigned nch = p->channels;
  while (frames > 0) {
    size_t n = frames < BLOCK ? frames : BLOCK;
    mm_pan_fill_gains (p, p->lb, p->rb, n);
    for (size_t i = 0; i < n; i++) {
      float l = finite_or_zero (in[i * nch]);
      float r = nch == 2 ? finite_or_zero (in[i * nch + 1]) : l;
      out[2 * i] = l * p->lb[i];
      out[2 * i + 1] = r * p->rb[i];
    }
    in += n * nch;
    out += 2 * n;
    frames -= n;
  }
  return MM_OK;
}
