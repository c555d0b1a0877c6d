/* biquad: RBJ and K-weighting designs, Direct-Form-I kernels. */
#include "biquad.h"

#include <float.h>

#include "vector.h"

static int
valid_rate_freq (double rate, double freq)
{
  return rate > 0.0 && freq > 0.0 && freq < 0.5 * rate;
}

void
mm_biquad_identity (mm_biquad_coeffs * c)
{
  c->b0 = 1.0;
  c->b1 = c->b2 = c->a1 = c->a2 = 0.0;
}

/* Divide through by a0 once, at design time. */
static void
set_normalised (mm_biquad_coeffs * c, double b0, double b1, double b2,
    double a0, double a1, double a2)
{
  c->b0 = b0 / a0;
  c->b1 = b1 / a0;
  c->b2 = b2 / a0;
  c->a1 = a1 / a0;
  c->a2 = a2 / a0;
}

int
mm_biquad_design (mm_biquad_coeffs * c, mm_biquad_type type, double rate,
    double freq, double q, double gain_db)
{
  if (!c || !valid_rate_freq (rate, freq) || !(q > 0.0) || !isfinite (gain_db))
    return MM_ERR_INVALID;

  double w0 = 2.0 * MM_PI * freq / rate;
  double cw = cos (w0), sw = sin (w0);
  double alpha = sw / (2.0 * q);
  double A = pow (10.0, gain_db / 40.0);
  double sA = 2.0 * sqrt (A) * alpha;

  switch (type) {
    case MM_BIQUAD_LOWPASS:
      set_normalised (c, (1 - cw) / 2, 1 - cw, (1 - cw) / 2,
          1 + alpha, -2 * cw, 1 - alpha);
      break;
    case MM_BIQUAD_HIGHPASS:
      set_normalised (c, (1 + cw) / 2, -(1 + cw), (1 + cw) / 2,
          1 + alpha, -2 * cw, 1 - alpha);
      break;
    case MM_BIQUAD_BANDPASS:
      set_normalised (c, alpha, 0, -alpha, 1 + alpha, -2 * cw, 1 - alpha);
      break;
    case MM_BIQUAD_NOTCH:
      set_normalised (c, 1, -2 * cw, 1, 1 + alpha, -2 * cw, 1 - alpha);
      break;
    case MM_BIQUAD_PEAK:
      set_normalised (c, 1 + alpha * A, -2 * cw, 1 - alpha * A,
          1 + alpha / A, -2 * cw, 1 - alpha / A);
      break;
    case MM_BIQUAD_LOWSHELF:
      set_normalised (c,
          A * ((A + 1) - (A - 1) * cw + sA),
          2 * A * ((A - 1) - (A + 1) * cw),
          A * ((A + 1) - (A - 1) * cw - sA),
          (A + 1) + (A - 1) * cw + sA,
          -2 * ((A - 1) + (A + 1) * cw),
          (A + 1) + (A - 1) * cw - sA);
      break;
    case MM_BIQUAD_HIGHSHELF:
      set_normalised (c,
          A * ((A + 1) + (A - 1) * cw + sA),
          -2 * A * ((A - 1) + (A + 1) * cw),
          A * ((A + 1) + (A - 1) * cw - sA),
          (A + 1) - (A - 1) * cw + sA,
          2 * ((A - 1) - (A + 1) * cw),
          (A + 1) - (A - 1) * cw - sA);
      break;
    default:
      return MM_ERR_INVALID;
  }
  return MM_OK;
}

/* BS.1770 stage 1: the analogue shelf parameters from which the 48 kHz
 * table of the Recommendation follows (the construction libebur128
 * published); designing from them keeps the meter exact at every rate. */
int
mm_biquad_design_kweight_shelf (mm_biquad_coeffs * c, double rate)
{
  const double f0 = 1681.974450955533;
  const double gain_db = 3.999843853973347;
  const double q = 0.7071752369554196;

  if (!c || !valid_rate_freq (rate, f0))
    return MM_ERR_INVALID;
  double K = tan (MM_PI * f0 / rate);
  double Vh = pow (10.0, gain_db / 20.0);
  double Vb = pow (Vh, 0.4996667741545416);
  double a0 = 1.0 + K / q + K * K;
  set_normalised (c, Vh + Vb * K / q + K * K, 2.0 * (K * K - Vh),
      Vh - Vb * K / q + K * K, a0, 2.0 * (K * K - 1.0), 1.0 - K / q + K * K);
  return MM_OK;
}

/* BS.1770 stage 2: the revised low-frequency B-curve (RLB) high-pass. */
int
mm_biquad_design_kweight_highpass (mm_biquad_coeffs * c, double rate)
{
  const double f0 = 38.13547087602444;
  const double q = 0.5003270373238773;

  if (!c || !valid_rate_freq (rate, f0))
    return MM_ERR_INVALID;
  double K = tan (MM_PI * f0 / rate);
  double a0 = 1.0 + K / q + K * K;
  c->b0 = 1.0;
  c->b1 = -2.0;
  c->b2 = 1.0;
  c->a1 = 2.0 * (K * K - 1.0) / a0;
  c->a2 = (1.0 - K / q + K * K) / a0;
  return MM_OK;
}

double
mm_biquad_response_db (const mm_biquad_coeffs * c, double rate, double freq)
{
  double w = 2.0 * MM_PI * freq / rate;
  double c1 = cos (w), s1 = sin (w), c2 = cos (2 * w), s2 = sin (2 * w);
  double nr = c->b0 + c->b1 * c1 + c->b2 * c2, ni = -(c->b1 * s1 + c->b2 * s2);
  double dr = 1.0 + c->a1 * c1 + c->a2 * c2, di = -(c->a1 * s1 + c->a2 * s2);
  return 10.0 * log10 ((nr * nr + ni * ni) / (dr * dr + di * di));
}

void
mm_biquad_reset (mm_biquad_state * s)
{
  s->x1 = s->x2 = s->y1 = s->y2 = 0.0;
}

static double
flush (double v)
{
  return fabs (v) < DBL_MIN ? 0.0 : v;
}

void
mm_biquad_flush_denormals (mm_biquad_state * s)
{
  s->x1 = flush (s->x1);
  s->x2 = flush (s->x2);
  s->y1 = flush (s->y1);
  s->y2 = flush (s->y2);
}

void
mm_biquad_process (const mm_biquad_coeffs * c, mm_biquad_state * s,
    double *buf, size_t n)
{
  /* x1, x2: the last two inputs; y1, y2: the last two outputs. */
  double x1 = s->x1, x2 = s->x2, y1 = s->y1, y2 = s->y2;
  for (size_t i = 0; i < n; i++) {
    double x = buf[i];
    double y = c->b0 * x + c->b1 * x1 + c->b2 * x2 - c->a2 * y2 - c->a1 * y1;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    buf[i] = y;
  }
  s->x1 = x1;
  s->x2 = x2;
  s->y1 = y1;
  s->y2 = y2;
}

/* Up to CASCADE_GROUP sections in one sample loop.  K is a constant at
 * every call site (the function is inlined and the section loops are
 * unrolled), so the states live in registers.  Every section computes
 * exactly mm_biquad_process's expression, in the same order. */
#define CASCADE_GROUP 4

#if defined(__GNUC__)
#define MM_ALWAYS_INLINE inline __attribute__ ((always_inline))
#else
#define MM_ALWAYS_INLINE inline
#endif

static MM_ALWAYS_INLINE void
cascade_group (const mm_biquad_coeffs * c, mm_biquad_state * s,
    const unsigned K, double *buf, size_t n)
{
  double b0[CASCADE_GROUP], b1[CASCADE_GROUP], b2[CASCADE_GROUP];
  double a1[CASCADE_GROUP], a2[CASCADE_GROUP];
  double x1[CASCADE_GROUP], x2[CASCADE_GROUP], y1[CASCADE_GROUP],
      y2[CASCADE_GROUP];
  for (unsigned k = 0; k < K; k++) {
    b0[k] = c[k].b0;
    b1[k] = c[k].b1;
    b2[k] = c[k].b2;
    a1[k] = c[k].a1;
    a2[k] = c[k].a2;
    x1[k] = s[k].x1;
    x2[k] = s[k].x2;
    y1[k] = s[k].y1;
    y2[k] = s[k].y2;
  }
  for (size_t i = 0; i < n; i++) {
    double x = buf[i];
    for (unsigned k = 0; k < K; k++) {
      double y = b0[k] * x + b1[k] * x1[k] + b2[k] * x2[k] - a2[k] * y2[k]
          - a1[k] * y1[k];
      x2[k] = x1[k];
      x1[k] = x;
      y2[k] = y1[k];
      y1[k] = y;
      x = y;
    }
    buf[i] = x;
  }
  for (unsigned k = 0; k < K; k++) {
    s[k].x1 = x1[k];
    s[k].x2 = x2[k];
    s[k].y1 = y1[k];
    s[k].y2 = y2[k];
  }
}

void
mm_biquad_cascade_process (const mm_biquad_coeffs * c, mm_biquad_state * s,
    unsigned sections, double *buf, size_t n)
{
  while (sections > 0) {
    unsigned g = sections < CASCADE_GROUP ? sections : CASCADE_GROUP;
    switch (g) {
      case 1:
        cascade_group (c, s, 1, buf, n);
        break;
      case 2:
        cascade_group (c, s, 2, buf, n);
        break;
      case 3:
        cascade_group (c, s, 3, buf, n);
        break;
      default:
        cascade_group (c, s, 4, buf, n);
        break;
    }
    c += g;
    s += g;
    sections -= g;
  }
}

#if defined(__GNUC__)
typedef double v2df __attribute__ ((vector_size (16)));

/* Two channels in the lanes of one vector: each lane does exactly the
 * operations of cascade_group, in the same order. */
static MM_ALWAYS_INLINE void
cascade_group_x2 (const mm_biquad_coeffs * c, mm_biquad_state * sa,
    mm_biquad_state * sb, const unsigned K, double *a, double *b, size_t n)
{
  v2df b0[CASCADE_GROUP], b1[CASCADE_GROUP], b2[CASCADE_GROUP];
  v2df a1[CASCADE_GROUP], a2[CASCADE_GROUP];
  v2df x1[CASCADE_GROUP], x2[CASCADE_GROUP], y1[CASCADE_GROUP],
      y2[CASCADE_GROUP];
  for (unsigned k = 0; k < K; k++) {
    b0[k] = (v2df) { c[k].b0, c[k].b0 };
    b1[k] = (v2df) { c[k].b1, c[k].b1 };
    b2[k] = (v2df) { c[k].b2, c[k].b2 };
    a1[k] = (v2df) { c[k].a1, c[k].a1 };
    a2[k] = (v2df) { c[k].a2, c[k].a2 };
    x1[k] = (v2df) { sa[k].x1, sb[k].x1 };
    x2[k] = (v2df) { sa[k].x2, sb[k].x2 };
    y1[k] = (v2df) { sa[k].y1, sb[k].y1 };
    y2[k] = (v2df) { sa[k].y2, sb[k].y2 };
  }
  for (size_t i = 0; i < n; i++) {
    v2df x = { a[i], b[i] };
    for (unsigned k = 0; k < K; k++) {
      v2df y = b0[k] * x + b1[k] * x1[k] + b2[k] * x2[k] - a2[k] * y2[k]
          - a1[k] * y1[k];
      x2[k] = x1[k];
      x1[k] = x;
      y2[k] = y1[k];
      y1[k] = y;
      x = y;
    }
    a[i] = x[0];
    b[i] = x[1];
  }
  for (unsigned k = 0; k < K; k++) {
    sa[k] = (mm_biquad_state) { x1[k][0], x2[k][0], y1[k][0], y2[k][0] };
    sb[k] = (mm_biquad_state) { x1[k][1], x2[k][1], y1[k][1], y2[k][1] };
  }
}

void
mm_biquad_cascade_process_x2 (const mm_biquad_coeffs * c,
    mm_biquad_state * sa, mm_biquad_state * sb, unsigned sections,
    double *a, double *b, size_t n)
{
  while (sections > 0) {
    unsigned g = sections < CASCADE_GROUP ? sections : CASCADE_GROUP;
    switch (g) {
      case 1:
        cascade_group_x2 (c, sa, sb, 1, a, b, n);
        break;
      case 2:
        cascade_group_x2 (c, sa, sb, 2, a, b, n);
        break;
      case 3:
        cascade_group_x2 (c, sa, sb, 3, a, b, n);
        break;
      default:
        cascade_group_x2 (c, sa, sb, 4, a, b, n);
        break;
    }
    c += g;
    sa += g;
    sb += g;
    sections -= g;
  }
}
#else
void
mm_biquad_cascade_process_x2 (const mm_biquad_coeffs * c,
    mm_biquad_state * sa, mm_biquad_state * sb, unsigned sections,
    double *a, double *b, size_t n)
{
  mm_biquad_cascade_process (c, sa, sections, a, n);
  mm_biquad_cascade_process (c, sb, sections, b, n);
}
#endif

MM_VECTOR_CLONES double
mm_biquad_cascade2_energy (const mm_biquad_coeffs c[2], mm_biquad_state s[2],
    const float *in, size_t n)
{
  const mm_biquad_coeffs p = c[0], h = c[1];
  /* Stage 1 (p) and stage 2 (h) state: last two inputs and outputs. */
  double px1 = s[0].x1, px2 = s[0].x2, py1 = s[0].y1, py2 = s[0].y2;
  double hx1 = s[1].x1, hx2 = s[1].x2, hy1 = s[1].y1, hy2 = s[1].y2;
  double energy = 0.0;

  for (size_t i = 0; i < n; i++) {
    double x = in[i];
    /* The terms not depending on the last output are summed first, so
     * only one multiply-add sits on each recursion's critical path. */
    double pt = p.b0 * x + p.b1 * px1 + p.b2 * px2 - p.a2 * py2;
    double py = pt - p.a1 * py1;
    double ht = h.b0 * py + h.b1 * hx1 + h.b2 * hx2 - h.a2 * hy2;
    double hy = ht - h.a1 * hy1;
    px2 = px1;
    px1 = x;
    py2 = py1;
    py1 = py;
    hx2 = hx1;
    hx1 = py;
    hy2 = hy1;
    hy1 = hy;
    energy += hy * hy;
  }
  s[0].x1 = px1;
  s[0].x2 = px2;
  s[0].y1 = py1;
  s[0].y2 = py2;
  s[1].x1 = hx1;
  s[1].x2 = hx2;
  s[1].y1 = hy1;
  s[1].y2 = hy2;
  return energy;
}

#if defined(__GNUC__)
/* Two channels in the lanes of one vector: each lane does exactly the
 * operations of mm_biquad_cascade2_energy, in the same order. */

MM_VECTOR_CLONES void
mm_biquad_cascade2_energy_x2 (const mm_biquad_coeffs c[2],
    mm_biquad_state sa[2], mm_biquad_state sb[2], const float *a,
    const float *b, size_t n, double *ea, double *eb)
{
  const mm_biquad_coeffs p = c[0], h = c[1];
  const v2df pb0 = { p.b0, p.b0 }, pb1 = { p.b1, p.b1 }, pb2 = { p.b2, p.b2 };
  const v2df pa1 = { p.a1, p.a1 }, pa2 = { p.a2, p.a2 };
  const v2df hb0 = { h.b0, h.b0 }, hb1 = { h.b1, h.b1 }, hb2 = { h.b2, h.b2 };
  const v2df ha1 = { h.a1, h.a1 }, ha2 = { h.a2, h.a2 };
  /* Lane 0 is channel a, lane 1 channel b. */
  v2df px1 = { sa[0].x1, sb[0].x1 }, px2 = { sa[0].x2, sb[0].x2 };
  v2df py1 = { sa[0].y1, sb[0].y1 }, py2 = { sa[0].y2, sb[0].y2 };
  v2df hx1 = { sa[1].x1, sb[1].x1 }, hx2 = { sa[1].x2, sb[1].x2 };
  v2df hy1 = { sa[1].y1, sb[1].y1 }, hy2 = { sa[1].y2, sb[1].y2 };
  v2df energy = { 0.0, 0.0 };

  for (size_t i = 0; i < n; i++) {
    v2df x = { a[i], b[i] };
    v2df pt = pb0 * x + pb1 * px1 + pb2 * px2 - pa2 * py2;
    v2df py = pt - pa1 * py1;
    v2df ht = hb0 * py + hb1 * hx1 + hb2 * hx2 - ha2 * hy2;
    v2df hy = ht - ha1 * hy1;
    px2 = px1;
    px1 = x;
    py2 = py1;
    py1 = py;
    hx2 = hx1;
    hx1 = py;
    hy2 = hy1;
    hy1 = hy;
    energy += hy * hy;
  }
  sa[0] = (mm_biquad_state) { px1[0], px2[0], py1[0], py2[0] };
  sb[0] = (mm_biquad_state) { px1[1], px2[1], py1[1], py2[1] };
  sa[1] = (mm_biquad_state) { hx1[0], hx2[0], hy1[0], hy2[0] };
  sb[1] = (mm_biquad_state) { hx1[1], hx2[1], hy1[1], hy2[1] };
  *ea = energy[0];
  *eb = energy[1];
}
#else
void
mm_biquad_cascade2_energy_x2 (const mm_biquad_coeffs c[2],
    mm_biquad_state sa[2], mm_biquad_state sb[2], const float *a,
    const float *b, size_t n, double *ea, double *eb)
{
  *ea = mm_biquad_cascade2_energy (c, sa, a, n);
  *eb = mm_biquad_cascade2_energy (c, sb, b, n);
}
#endif
