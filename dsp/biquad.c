/* biquad: RBJ and K-weighting designs, Direct-Form-I kernels. */
#include "biquad.h"

#include <float.h>
#include <string.h>

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
mm_biquad_design (mm_biquad_coeffs * out, mm_biquad_type type, double rate,
    double freq, double q, double gain_db)
{
  /* designed here, handed out only when usable */
  mm_biquad_coeffs tmp, *c = &tmp;

  if (!out || !valid_rate_freq (rate, freq) || !(q > 0.0)
      || !isfinite (gain_db))
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
  /* an absurd gain or Q overflows (A = 10^(gain/40)): refuse it rather
   * than hand out Inf/NaN coefficients (found by tests/fuzz fuzz-meter) */
  if (!(isfinite (c->b0) && isfinite (c->b1) && isfinite (c->b2)
          && isfinite (c->a1) && isfinite (c->a2)))
    return MM_ERR_INVALID;
  *out = tmp;
  return MM_OK;
}

/* (a comparison, not isfinite: it vectorises) */
static inline double
finite_or_0 (float v)
{
  return fabsf (v) <= FLT_MAX ? (double) v : 0.0;
}

/* n interleaved stereo float frames as (a, b, a, b) doubles, non-finite
 * samples 0: the input of mm_biquad_cascade_process_x4_fork_stereo's
 * first cascade. */
static void
spread_stereo (const float *in, double *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const double a = finite_or_0 (in[2 * i]), b = finite_or_0 (in[2 * i + 1]);
    v[4 * i] = v[4 * i + 2] = a;
    v[4 * i + 1] = v[4 * i + 3] = b;
  }
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

/* GCC 12 splits the four-lane vectors of the copy without AVX into halves
 * and then believes lanes assigned whole may be read unset. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

/* The one section step, for double or a vector of doubles (T): the terms
 * of the older values first, then the new input, the last output last, so
 * that the input reaches the output in two multiply-adds (a cascade's
 * sections overlap in the pipeline: the kernels are bound by throughput,
 * not by the chain through the sections) and y1 -> y is one.  Every
 * kernel below (one lane, two, four) does exactly these operations in
 * this order, so they agree bit for bit (within one build: the AVX2/FMA
 * clones fuse the multiply-adds, each kernel the same products, which
 * tests/dsp/test_biquad.c checks kernel against kernel). */
#define SECTION_STEP(T, y, x, b0, b1, b2, a1, a2, x1, x2, y1, y2)               \
  do {                                                                        \
    const T x_ = (x);                                                         \
    T t_ = (b1) * (x1);                                                       \
    t_ += (b2) * (x2);                                                        \
    t_ -= (a2) * (y2);                                                        \
    t_ += (b0) * x_;                                                          \
    (y) = t_ - (a1) * (y1);                                                   \
    (x2) = (x1);                                                              \
    (x1) = x_;                                                                \
    (y2) = (y1);                                                              \
    (y1) = (y);                                                               \
  } while (0)

MM_VECTOR_CLONES void
mm_biquad_process (const mm_biquad_coeffs * c, mm_biquad_state * s,
    double *buf, size_t n)
{
  /* x1, x2: the last two inputs; y1, y2: the last two outputs. */
  const double b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;
  double x1 = s->x1, x2 = s->x2, y1 = s->y1, y2 = s->y2;
  for (size_t i = 0; i < n; i++)
    SECTION_STEP (double, buf[i], buf[i], b0, b1, b2, a1, a2, x1, x2, y1, y2);
  s->x1 = x1;
  s->x2 = x2;
  s->y1 = y1;
  s->y2 = y2;
}

/* The sample loop of one group of K sections (T: double or a vector of
 * doubles; LOAD (i) gives sample i, STORE (i, v) puts it back).  The first
 * two samples run with every section's own input history (the states as
 * given); from then on a section's last two inputs are the last two
 * outputs of the section before it, the same values, so the loop keeps
 * one history per section and the group's input history (xs1, xs2): few
 * enough registers that nothing spills.  Per sample, the terms of the old
 * values come first for every section, then the outputs in order: exactly
 * the operations of SECTION_STEP. */
#define GROUP_LOOP(T, K, n, LOAD, STORE) GROUP_LOOP_FIX (T, K, n, LOAD, STORE, NO_FIX)
#define NO_FIX(v, vin) ((void) (vin), (v))

/* The same; FIX (v, vin) then amends each sample's result v given the
 * last section's input vin (the skewed kernel's pass-through lanes). */
#define GROUP_LOOP_FIX(T, K, n, LOAD, STORE, FIX)                                      \
  do {                                                                        \
    size_t i_ = 0;                                                            \
    for (; i_ < (n) && i_ < 2; i_++) {                                        \
      T v_ = LOAD (i_), vl_ = v_;                                             \
      for (unsigned k = 0; k < (K); k++) {                                    \
        vl_ = v_;                                                             \
        SECTION_STEP (T, v_, v_, b0[k], b1[k], b2[k], a1[k], a2[k], x1[k],    \
            x2[k], y1[k], y2[k]);                                             \
      }                                                                       \
      v_ = FIX (v_, vl_);                                                     \
      STORE (i_, v_);                                                         \
    }                                                                         \
    if (i_ < (n)) {                                                           \
      T xs1 = x1[0], xs2 = x2[0];                                             \
      for (; i_ < (n); i_++) {                                                \
        T t_[CASCADE_GROUP];                                                  \
        for (unsigned k = 0; k < (K); k++) {                                  \
          const T p1 = k ? y1[k - 1] : xs1, p2 = k ? y2[k - 1] : xs2;         \
          t_[k] = b1[k] * p1;                                                 \
          t_[k] += b2[k] * p2;                                                \
          t_[k] -= a2[k] * y2[k];                                             \
        }                                                                     \
        T v_ = LOAD (i_), vl_ = v_;                                           \
        xs2 = xs1;                                                            \
        xs1 = v_;                                                             \
        for (unsigned k = 0; k < (K); k++) {                                  \
          T t = t_[k];                                                        \
          vl_ = v_;                                                           \
          t += b0[k] * v_;                                                    \
          v_ = t - a1[k] * y1[k];                                             \
          y2[k] = y1[k];                                                      \
          y1[k] = v_;                                                         \
        }                                                                     \
        v_ = FIX (v_, vl_);                                                   \
        STORE (i_, v_);                                                       \
      }                                                                       \
      x1[0] = xs1;                                                            \
      x2[0] = xs2;                                                            \
      for (unsigned k = 1; k < (K); k++) {                                    \
        x1[k] = y1[k - 1];                                                    \
        x2[k] = y2[k - 1];                                                    \
      }                                                                       \
    }                                                                         \
  } while (0)

/* Up to CASCADE_GROUP sections in one sample loop.  K is a constant at
 * every call site (the function is inlined and the section loops are
 * unrolled), so the states live in registers. */
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
#define LOAD1(i) buf[i]
#define STORE1(i, v) (buf[i] = (v))
  GROUP_LOOP (double, K, n, LOAD1, STORE1);
#undef LOAD1
#undef STORE1
  for (unsigned k = 0; k < K; k++) {
    s[k].x1 = x1[k];
    s[k].x2 = x2[k];
    s[k].y1 = y1[k];
    s[k].y2 = y2[k];
  }
}

/* Runs `sections` sections in groups: GROUP (s, c, K) is a kernel call for
 * a constant K; ADVANCE (g) moves the pointers on by g sections. */
#define FOR_GROUPS(sections, GROUP, ADVANCE)                                  \
  while ((sections) > 0) {                                                    \
    unsigned g_ = (sections) < CASCADE_GROUP ? (sections) : CASCADE_GROUP;    \
    switch (g_) {                                                             \
      case 1: GROUP (1); break;                                               \
      case 2: GROUP (2); break;                                               \
      case 3: GROUP (3); break;                                               \
      default: GROUP (4); break;                                              \
    }                                                                         \
    ADVANCE (g_);                                                             \
    (sections) -= g_;                                                         \
  }

MM_VECTOR_CLONES void
mm_biquad_cascade_process (const mm_biquad_coeffs * c, mm_biquad_state * s,
    unsigned sections, double *buf, size_t n)
{
#define G1(K) cascade_group (c, s, K, buf, n)
#define A1(g) do { c += (g); s += (g); } while (0)
  FOR_GROUPS (sections, G1, A1);
#undef G1
#undef A1
}

/* GCC only: __builtin_shuffle is GCC's (clang, used by the fuzz build,
 * takes the portable path below, which is bit for bit the same) */
#if defined(__GNUC__) && !defined(__clang__)
typedef double v2df __attribute__ ((vector_size (16)));
typedef double v4df __attribute__ ((vector_size (32)));
typedef long long v4di __attribute__ ((vector_size (32)));

/* Loads of whole vectors from double arrays (GNU statement expressions:
 * no vector passed by value across a call). */
#define load4(p) __extension__ ({ v4df v4_; memcpy (&v4_, (p), sizeof v4_); v4_; })

#define load_i2(i) __extension__ ({ v2df v2_; memcpy (&v2_, ab + 2 * (i), sizeof v2_); v2_; })
#define store_i2(i, v) memcpy (ab + 2 * (i), &(v), sizeof (v2df))
#define load_p2(i) ((v2df) { a[i], b[i] })
#define store_p2(i, v) (a[i] = (v)[0], b[i] = (v)[1])


/* Two channels in the lanes of one vector: each lane does exactly the
 * operations of cascade_group, in the same order.  The channels are two
 * planes (a, b; ab NULL) or one interleaved buffer (ab: a0 b0 a1 b1...). */
static MM_ALWAYS_INLINE void
cascade_group_x2 (const mm_biquad_coeffs * c, mm_biquad_state * sa,
    mm_biquad_state * sb, const unsigned K, double *a, double *b, double *ab,
    size_t n)
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
  if (ab) {
    GROUP_LOOP (v2df, K, n, load_i2, store_i2);
  } else {
    GROUP_LOOP (v2df, K, n, load_p2, store_p2);
  }
  for (unsigned k = 0; k < K; k++) {
    sa[k] = (mm_biquad_state) { x1[k][0], x2[k][0], y1[k][0], y2[k][0] };
    sb[k] = (mm_biquad_state) { x1[k][1], x2[k][1], y1[k][1], y2[k][1] };
  }
}

MM_VECTOR_CLONES void
mm_biquad_cascade_process_x2 (const mm_biquad_coeffs * c,
    mm_biquad_state * sa, mm_biquad_state * sb, unsigned sections,
    double *a, double *b, size_t n)
{
#define G2(K) cascade_group_x2 (c, sa, sb, K, a, b, NULL, n)
#define A2(g) do { c += (g); sa += (g); sb += (g); } while (0)
  FOR_GROUPS (sections, G2, A2);
#undef G2
#undef A2
}

/* Two channels through 2 H sections as H four-lane columns, skewed by
 * SKEW samples: column j runs section j on lanes 0, 1 (channels a, b) and
 * section H + j on lanes 2, 3, whose input is the first half's output of
 * SKEW samples before (through hb).  Step i takes (a_i, b_i, h_a(i - SKEW),
 * h_b(i - SKEW)) and gives (h_a(i), h_b(i), out_a(i - SKEW),
 * out_b(i - SKEW)): half the vector steps of cascade_group_x2, each lane
 * doing exactly its operations; the skew keeps the first half's result
 * off the recurrence of the next step.  The first SKEW steps run the
 * second half on nothing (its states are put back after them), SKEW steps
 * at the end bring the last samples through it (the first half's states
 * put back).  ab: n >= 2 SKEW frames of the two channels interleaved, in
 * place; hb: room for 2 (n + 2 SKEW) doubles; the states are the sections'
 * own (sa[0 .. 2H-1], sb[...]). */
#define SKEW 8

/* m ? a : b, lane by lane (m all ones or all zeros per lane). */
#define SEL(m, a, b) ((v4df) (((v4di) (a) & (m)) | ((v4di) (b) & ~(m))))

static MM_ALWAYS_INLINE void
skew_x2 (const mm_biquad_coeffs * c, mm_biquad_state * sa,
    mm_biquad_state * sb, const unsigned H, const unsigned K, double *ab,
    double *hb, size_t n)
{
  /* K = 2 H or 2 H - 1 sections in H columns (H a constant, K not: one
   * copy of the code per H); for odd K the second half's last slot is
   * empty: its lanes pass their input on (FIX) */
  const int odd = K & 1;
  const mm_biquad_coeffs none = { 0.0, 0.0, 0.0, 0.0, 0.0 };
  const mm_biquad_state rest = { 0.0, 0.0, 0.0, 0.0 };
  v4df b0[CASCADE_GROUP], b1[CASCADE_GROUP], b2[CASCADE_GROUP];
  v4df a1[CASCADE_GROUP], a2[CASCADE_GROUP];
  v4df x1[CASCADE_GROUP], x2[CASCADE_GROUP], y1[CASCADE_GROUP],
      y2[CASCADE_GROUP];
  v4df k1[CASCADE_GROUP], k2[CASCADE_GROUP], l1[CASCADE_GROUP],
      l2[CASCADE_GROUP];
  for (unsigned k = 0; k < H; k++) {
    const int real = H + k < K;
    const mm_biquad_coeffs *p = &c[k], *q = real ? &c[H + k] : &none;
    const mm_biquad_state *pa = &sa[k], *pb = &sb[k];
    const mm_biquad_state *qa = real ? &sa[H + k] : &rest;
    const mm_biquad_state *qb = real ? &sb[H + k] : &rest;
    b0[k] = (v4df) { p->b0, p->b0, q->b0, q->b0 };
    b1[k] = (v4df) { p->b1, p->b1, q->b1, q->b1 };
    b2[k] = (v4df) { p->b2, p->b2, q->b2, q->b2 };
    a1[k] = (v4df) { p->a1, p->a1, q->a1, q->a1 };
    a2[k] = (v4df) { p->a2, p->a2, q->a2, q->a2 };
    x1[k] = (v4df) { pa->x1, pb->x1, qa->x1, qb->x1 };
    x2[k] = (v4df) { pa->x2, pb->x2, qa->x2, qb->x2 };
    y1[k] = (v4df) { pa->y1, pb->y1, qa->y1, qb->y1 };
    y2[k] = (v4df) { pa->y2, pb->y2, qa->y2, qb->y2 };
    k1[k] = x1[k];
    k2[k] = x2[k];
    l1[k] = y1[k];
    l2[k] = y2[k];
  }
  const v4di lo = { -1, -1, 0, 0 };     /* lanes 0, 1 */
  for (unsigned j = 0; j < 2 * SKEW; j++)
    hb[j] = 0.0;

  /* step i reads the first half's output of step i - SKEW at
   * hb[2 i .. 2 i + 1] and leaves its own at hb[2 (i + SKEW) ...] */
#define LOADS(i) __extension__ ({ const size_t s_ = (i) + st0;                \
      v4df v_in = { s_ < n ? ab[2 * s_] : 0.0, s_ < n ? ab[2 * s_ + 1] : 0.0,  \
        hb[2 * s_], hb[2 * s_ + 1] }; v_in; })
#define STORES(i, v) do { const size_t s_ = (i) + st0;                        \
      hb[2 * (s_ + SKEW)] = (v)[0];                                            \
      hb[2 * (s_ + SKEW) + 1] = (v)[1];                                        \
      if (s_ >= SKEW) {                                                        \
        ab[2 * (s_ - SKEW)] = (v)[2];                                          \
        ab[2 * (s_ - SKEW) + 1] = (v)[3];                                      \
      }                                                                        \
    } while (0)
#define FIXS(v, vin) (odd ? __builtin_shuffle ((v), (vin), keep_lo) : (v))
  const v4di keep_lo = { 0, 1, 6, 7 };  /* lanes 0, 1 of v, 2, 3 of vin */
  size_t st0 = 0;
  /* steps 0 .. SKEW-1: the second half has no input yet */
  GROUP_LOOP_FIX (v4df, H, (size_t) SKEW, LOADS, STORES, FIXS);
  for (unsigned k = 0; k < H; k++) {
    x1[k] = SEL (lo, x1[k], k1[k]);
    x2[k] = SEL (lo, x2[k], k2[k]);
    y1[k] = SEL (lo, y1[k], l1[k]);
    y2[k] = SEL (lo, y2[k], l2[k]);
  }
  /* steps SKEW .. n-1 */
  st0 = SKEW;
  GROUP_LOOP_FIX (v4df, H, n - SKEW, LOADS, STORES, FIXS);
  for (unsigned k = 0; k < H; k++) {
    k1[k] = x1[k];
    k2[k] = x2[k];
    l1[k] = y1[k];
    l2[k] = y2[k];
  }
  /* steps n .. n+SKEW-1: the first half has no input any more */
  st0 = n;
  GROUP_LOOP_FIX (v4df, H, (size_t) SKEW, LOADS, STORES, FIXS);
  for (unsigned k = 0; k < H; k++) {
    x1[k] = SEL (lo, k1[k], x1[k]);
    x2[k] = SEL (lo, k2[k], x2[k]);
    y1[k] = SEL (lo, l1[k], y1[k]);
    y2[k] = SEL (lo, l2[k], y2[k]);
  }
#undef LOADS
#undef STORES
#undef FIXS
  for (unsigned k = 0; k < H; k++) {
    sa[k] = (mm_biquad_state) { x1[k][0], x2[k][0], y1[k][0], y2[k][0] };
    sb[k] = (mm_biquad_state) { x1[k][1], x2[k][1], y1[k][1], y2[k][1] };
    if (H + k >= K)
      break;
    sa[H + k] = (mm_biquad_state) { x1[k][2], x2[k][2], y1[k][2], y2[k][2] };
    sb[H + k] = (mm_biquad_state) { x1[k][3], x2[k][3], y1[k][3], y2[k][3] };
  }
}

/* The same with four quarters in the lanes of one eight-lane vector:
 * column j runs section q H + j on lanes 2 q, 2 q + 1 (q = 0..3), each
 * quarter skewed SKEW samples behind the one before (whose outputs it
 * takes through hb: each step's result vector is kept whole).  K = 4 H
 * or 4 H - 1 sections (the last quarter's last slot then passes its input
 * on).  Steps 0 .. n + 3 SKEW - 1; quarter q works on its samples in steps
 * q SKEW .. n + q SKEW - 1 and its lanes' state is put back outside them:
 * at the start to the state given, at the end to the state after its own
 * last sample.  Each lane does exactly the operations of cascade_group
 * (the unskewed cascade), on the same values.  ab: n >= 3 SKEW frames,
 * in place; hb: room for 8 (n + 4 SKEW) doubles. */
typedef double v8df __attribute__ ((vector_size (64)));
typedef long long v8di __attribute__ ((vector_size (64)));

#define SEL8(m, a, b) ((v8df) (((v8di) (a) & (m)) | ((v8di) (b) & ~(m))))

static MM_ALWAYS_INLINE void
skew_x4 (const mm_biquad_coeffs * c, mm_biquad_state * sa,
    mm_biquad_state * sb, const unsigned H, const unsigned K, double *ab,
    double *hb, size_t n)
{
  const mm_biquad_coeffs none = { 0.0, 0.0, 0.0, 0.0, 0.0 };
  const mm_biquad_state rest = { 0.0, 0.0, 0.0, 0.0 };
  v8df b0[2], b1[2], b2[2], a1[2], a2[2], x1[2], x2[2], y1[2], y2[2];
  v8df s0[4][2];                /* the given state: x1, x2, y1, y2 */
  v8df keep[4][2];              /* a finished quarter's state */
  for (unsigned k = 0; k < H; k++)
    for (unsigned q = 0; q < 4; q++) {
      const unsigned j = q * H + k;
      const int real = j < K;
      const mm_biquad_coeffs *p = real ? &c[j] : &none;
      const mm_biquad_state *ta = real ? &sa[j] : &rest;
      const mm_biquad_state *tb = real ? &sb[j] : &rest;
      for (unsigned l = 0; l < 2; l++) {
        const mm_biquad_state *t = l ? tb : ta;
        b0[k][2 * q + l] = p->b0;
        b1[k][2 * q + l] = p->b1;
        b2[k][2 * q + l] = p->b2;
        a1[k][2 * q + l] = p->a1;
        a2[k][2 * q + l] = p->a2;
        x1[k][2 * q + l] = t->x1;
        x2[k][2 * q + l] = t->x2;
        y1[k][2 * q + l] = t->y1;
        y2[k][2 * q + l] = t->y2;
      }
    }
  for (unsigned k = 0; k < H; k++) {
    s0[0][k] = x1[k];
    s0[1][k] = x2[k];
    s0[2][k] = y1[k];
    s0[3][k] = y2[k];
  }
  for (unsigned j = 0; j < 8 * SKEW; j++)
    hb[j] = 0.0;

#define LOADS(i) __extension__ ({ const size_t s_ = (i) + st0;                \
      v8df h_;                                                                 \
      memcpy (&h_, hb + 8 * s_, sizeof h_);                                    \
      const v8df p_ = { s_ < n ? ab[2 * s_] : 0.0,                             \
        s_ < n ? ab[2 * s_ + 1] : 0.0 };                                       \
      __builtin_shuffle (h_, p_, in_lanes); })
#define STORES(i, v) do { const size_t s_ = (i) + st0;                        \
      memcpy (hb + 8 * (s_ + SKEW), &(v), sizeof (v8df));                      \
      if (s_ >= 3 * SKEW) {                                                    \
        ab[2 * (s_ - 3 * SKEW)] = (v)[6];                                      \
        ab[2 * (s_ - 3 * SKEW) + 1] = (v)[7];                                  \
      }                                                                        \
    } while (0)
#define FIXS(v, vin) (K < 4 * H ? __builtin_shuffle ((v), (vin), last_in) : (v))
  const v8di last_in = { 0, 1, 2, 3, 4, 5, 14, 15 };
  /* a step's input: the frame, then quarters 0..2's outputs of SKEW
   * steps before (stored whole, eight lanes per step) */
  const v8di in_lanes = { 8, 9, 0, 1, 2, 3, 4, 5 };
  /* lanes of the quarters from q on */
#define FROM(q) ((v8di) { 0 >= 2 * (q) ? -1 : 0, 1 >= 2 * (q) ? -1 : 0,        \
        2 >= 2 * (q) ? -1 : 0, 3 >= 2 * (q) ? -1 : 0, 4 >= 2 * (q) ? -1 : 0,   \
        5 >= 2 * (q) ? -1 : 0, 6 >= 2 * (q) ? -1 : 0, 7 >= 2 * (q) ? -1 : 0 })
#define PUT(m, src) do {                                                      \
      for (unsigned k_ = 0; k_ < H; k_++) {                                    \
        x1[k_] = SEL8 ((m), (src)[0][k_], x1[k_]);                             \
        x2[k_] = SEL8 ((m), (src)[1][k_], x2[k_]);                             \
        y1[k_] = SEL8 ((m), (src)[2][k_], y1[k_]);                             \
        y2[k_] = SEL8 ((m), (src)[3][k_], y2[k_]);                             \
      }                                                                        \
    } while (0)
#define TAKE(dst) do {                                                        \
      for (unsigned k_ = 0; k_ < H; k_++) {                                    \
        (dst)[0][k_] = x1[k_];                                                 \
        (dst)[1][k_] = x2[k_];                                                 \
        (dst)[2][k_] = y1[k_];                                                 \
        (dst)[3][k_] = y2[k_];                                                 \
      }                                                                        \
    } while (0)
  size_t st0 = 0;
  /* filling: quarter q joins at step q SKEW with the state given */
  for (unsigned q = 1; q < 4; q++) {
    GROUP_LOOP_FIX (v8df, H, (size_t) SKEW, LOADS, STORES, FIXS);
    PUT (FROM (q), s0);
    st0 += SKEW;
  }
  GROUP_LOOP_FIX (v8df, H, n - 3 * SKEW, LOADS, STORES, FIXS);
  st0 = n;
  /* emptying: quarter q - 1 is done at step n + (q - 1) SKEW; its state
   * then is its final one */
  const v8di lane_pair[3] = { FROM (0) & ~FROM (1), FROM (1) & ~FROM (2),
    FROM (2) & ~FROM (3)
  };
  for (unsigned q = 1; q < 4; q++) {
    v8df fin[4][2];
    TAKE (fin);
    for (unsigned k = 0; k < H; k++)
      for (unsigned r = 0; r < 4; r++)
        keep[r][k] = q == 1 ? fin[r][k] :
            SEL8 (lane_pair[q - 1], fin[r][k], keep[r][k]);
    GROUP_LOOP_FIX (v8df, H, (size_t) SKEW, LOADS, STORES, FIXS);
    st0 += SKEW;
  }
  PUT (~FROM (3), keep);
#undef LOADS
#undef STORES
#undef FIXS
#undef FROM
#undef PUT
#undef TAKE
  for (unsigned k = 0; k < H; k++)
    for (unsigned q = 0; q < 4; q++) {
      const unsigned j = q * H + k;
      if (j >= K)
        continue;
      sa[j] = (mm_biquad_state) { x1[k][2 * q], x2[k][2 * q], y1[k][2 * q],
        y2[k][2 * q] };
      sb[j] = (mm_biquad_state) { x1[k][2 * q + 1], x2[k][2 * q + 1],
        y1[k][2 * q + 1], y2[k][2 * q + 1] };
    }
}

/* skew_x4 for 7 or 8 sections (H 2), AVX-512 only.  (Not for 3 or 4
 * with H 1: built apart from the cascades it must match, that shape was
 * fused differently by the compiler, 1e-16 off in the states.) */
MM_AVX512 static void
skew_x4_wide (const mm_biquad_coeffs * c, mm_biquad_state * sa,
    mm_biquad_state * sb, unsigned K, double *ab, double *hb, size_t n)
{
  skew_x4 (c, sa, sb, 2, K, ab, hb, n);
}

/* Interleaved stereo float: through a double block (interleaved, so one
 * load per frame); up to 2 CASCADE_GROUP sections at a time skewed into
 * four lanes (skew_x2, blocks of 2 SKEW frames or more), a last one or
 * short blocks in two (cascade_group_x2); rounded back once. */
#define STEREO_BLOCK 512

MM_VECTOR_CLONES void
mm_biquad_cascade_process_stereo_f32 (const mm_biquad_coeffs * c,
    mm_biquad_state * sa, mm_biquad_state * sb, unsigned sections,
    float *buf, size_t n)
{
  double tmp[2 * STEREO_BLOCK], hb[8 * (STEREO_BLOCK + 4 * SKEW)];
  if (sections == 0)
    return;
  const int wide = mm_vector_avx512 ();
  for (size_t o = 0; o < n; o += STEREO_BLOCK) {
    const size_t len = n - o < STEREO_BLOCK ? n - o : STEREO_BLOCK;
    float *f = buf + 2 * o;
    for (size_t i = 0; i < 2 * len; i++)
      tmp[i] = f[i];
    const mm_biquad_coeffs *cc = c;
    mm_biquad_state *pa = sa, *pb = sb;
    unsigned left = sections;
    while (left >= 2 && len >= 2 * SKEW) {
      unsigned g = left < 2 * CASCADE_GROUP ? left : 2 * CASCADE_GROUP;
      if (wide && len >= 3 * SKEW && g >= 7) {
        /* four quarters of two sections in eight lanes */
        skew_x4_wide (cc, pa, pb, g, tmp, hb, len);
      } else switch ((g + 1) / 2) {
        case 1:
          skew_x2 (cc, pa, pb, 1, g, tmp, hb, len);
          break;
        case 2:
          skew_x2 (cc, pa, pb, 2, g, tmp, hb, len);
          break;
        case 3:
          skew_x2 (cc, pa, pb, 3, g, tmp, hb, len);
          break;
        default:
          skew_x2 (cc, pa, pb, 4, g, tmp, hb, len);
          break;
      }
      cc += g;
      pa += g;
      pb += g;
      left -= g;
    }
#define GS(K) cascade_group_x2 (cc, pa, pb, K, NULL, NULL, tmp, len)
#define AS(g) do { cc += (g); pa += (g); pb += (g); } while (0)
    FOR_GROUPS (left, GS, AS);
#undef GS
#undef AS
    for (size_t i = 0; i < 2 * len; i++)
      f[i] = (float) tmp[i];
  }
}

/* Section k of four lanes into vectors: lane j is c[4 k + j], s[4 k + j]. */
static MM_ALWAYS_INLINE void
lanes4_load (const mm_biquad_coeffs * c, const mm_biquad_state * s,
    unsigned k, v4df * b0, v4df * b1, v4df * b2, v4df * a1, v4df * a2,
    v4df * x1, v4df * x2, v4df * y1, v4df * y2)
{
  const mm_biquad_coeffs *q = c + 4 * k;
  const mm_biquad_state *t = s + 4 * k;
  *b0 = (v4df) { q[0].b0, q[1].b0, q[2].b0, q[3].b0 };
  *b1 = (v4df) { q[0].b1, q[1].b1, q[2].b1, q[3].b1 };
  *b2 = (v4df) { q[0].b2, q[1].b2, q[2].b2, q[3].b2 };
  *a1 = (v4df) { q[0].a1, q[1].a1, q[2].a1, q[3].a1 };
  *a2 = (v4df) { q[0].a2, q[1].a2, q[2].a2, q[3].a2 };
  *x1 = (v4df) { t[0].x1, t[1].x1, t[2].x1, t[3].x1 };
  *x2 = (v4df) { t[0].x2, t[1].x2, t[2].x2, t[3].x2 };
  *y1 = (v4df) { t[0].y1, t[1].y1, t[2].y1, t[3].y1 };
  *y2 = (v4df) { t[0].y2, t[1].y2, t[2].y2, t[3].y2 };
}

/* Four independent lanes, each with its own coefficients and state:
 * lane j of section k is c[4 k + j], s[4 k + j]; buf holds n frames of
 * four lanes. */
static MM_ALWAYS_INLINE void
cascade_group_x4 (const mm_biquad_coeffs * c, mm_biquad_state * s,
    const unsigned K, double *buf, size_t n)
{
  v4df b0[CASCADE_GROUP], b1[CASCADE_GROUP], b2[CASCADE_GROUP];
  v4df a1[CASCADE_GROUP], a2[CASCADE_GROUP];
  v4df x1[CASCADE_GROUP], x2[CASCADE_GROUP], y1[CASCADE_GROUP],
      y2[CASCADE_GROUP];
  for (unsigned k = 0; k < K; k++)
    lanes4_load (c, s, k, &b0[k], &b1[k], &b2[k], &a1[k], &a2[k], &x1[k],
        &x2[k], &y1[k], &y2[k]);
#define LOAD4(i) load4 (buf + 4 * (i))
#define STORE4(i, v) memcpy (buf + 4 * (i), &(v), sizeof (v4df))
  GROUP_LOOP (v4df, K, n, LOAD4, STORE4);
#undef LOAD4
#undef STORE4
  for (unsigned k = 0; k < K; k++)
    for (unsigned j = 0; j < 4; j++)
      s[4 * k + j] = (mm_biquad_state) { x1[k][j], x2[k][j], y1[k][j],
        y2[k][j] };
}

MM_VECTOR_CLONES void
mm_biquad_cascade_process_x4 (const mm_biquad_coeffs * c, mm_biquad_state * s,
    unsigned sections, double *buf, size_t n)
{
#define G4(K) cascade_group_x4 (c, s, K, buf, n)
#define A4(g) do { c += 4 * (g); s += 4 * (g); } while (0)
  FOR_GROUPS (sections, G4, A4);
#undef G4
#undef A4
}


/* Two four-lane cascades, the second fed with lanes 0, 1, 0, 1 of the
 * first's output, in one sample loop (F = K1 sections, then K - F): the
 * first's output goes to b1 (in place), the second's to b2.  As in
 * GROUP_LOOP the first two samples run with the states as given, then a
 * section's input history is the output history of the one before it
 * (through the fork for section F). */
#define DUP01(v) __builtin_shuffle ((v), (v4di) { 0, 1, 0, 1 })

static MM_ALWAYS_INLINE void
fork_x4 (const mm_biquad_coeffs * c, mm_biquad_state * s, const unsigned F,
    const unsigned K, double *b1, double *b2, size_t n)
{
  v4df b0[CASCADE_GROUP], bb1[CASCADE_GROUP], bb2[CASCADE_GROUP];
  v4df a1[CASCADE_GROUP], a2[CASCADE_GROUP];
  v4df x1[CASCADE_GROUP], x2[CASCADE_GROUP], y1[CASCADE_GROUP],
      y2[CASCADE_GROUP];
  for (unsigned k = 0; k < K; k++)
    lanes4_load (c, s, k, &b0[k], &bb1[k], &bb2[k], &a1[k], &a2[k], &x1[k],
        &x2[k], &y1[k], &y2[k]);
  size_t i = 0;
  for (; i < n && i < 2; i++) {
    v4df v = load4 (b1 + 4 * i);
    for (unsigned k = 0; k < K; k++) {
      if (k == F) {
        memcpy (b1 + 4 * i, &v, sizeof v);
        v = DUP01 (v);
      }
      SECTION_STEP (v4df, v, v, b0[k], bb1[k], bb2[k], a1[k], a2[k], x1[k],
          x2[k], y1[k], y2[k]);
    }
    memcpy (b2 + 4 * i, &v, sizeof v);
  }
  if (i < n) {
    v4df xs1 = x1[0], xs2 = x2[0];
    for (; i < n; i++) {
      v4df t_[CASCADE_GROUP];
      for (unsigned k = 0; k < K; k++) {
        v4df p1 = k ? y1[k - 1] : xs1, p2 = k ? y2[k - 1] : xs2;
        if (k == F) {
          p1 = DUP01 (p1);
          p2 = DUP01 (p2);
        }
        t_[k] = bb1[k] * p1;
        t_[k] += bb2[k] * p2;
        t_[k] -= a2[k] * y2[k];
      }
      v4df v = load4 (b1 + 4 * i);
      xs2 = xs1;
      xs1 = v;
      for (unsigned k = 0; k < K; k++) {
        if (k == F) {
          memcpy (b1 + 4 * i, &v, sizeof v);
          v = DUP01 (v);
        }
        v4df t = t_[k];
        t += b0[k] * v;
        v = t - a1[k] * y1[k];
        y2[k] = y1[k];
        y1[k] = v;
      }
      memcpy (b2 + 4 * i, &v, sizeof v);
    }
    x1[0] = xs1;
    x2[0] = xs2;
    for (unsigned k = 1; k < K; k++) {
      x1[k] = k == F ? DUP01 (y1[k - 1]) : y1[k - 1];
      x2[k] = k == F ? DUP01 (y2[k - 1]) : y2[k - 1];
    }
  }
  for (unsigned k = 0; k < K; k++)
    for (unsigned j = 0; j < 4; j++)
      s[4 * k + j] = (mm_biquad_state) { x1[k][j], x2[k][j], y1[k][j],
        y2[k][j] };
}

/* fork_x4 for two sections in each cascade, both cascades in one
 * eight-lane vector: column k runs section k on lanes 0..3 and section
 * 2 + k on lanes 4..7, whose input is lanes 0, 1, 0, 1 of the first
 * cascade's output of SKEW steps before (each step's result vector is
 * kept whole in hb).  Steps 0 .. n + SKEW - 1: the first cascade works in
 * steps 0 .. n - 1, the second in SKEW .. n + SKEW - 1; outside them their
 * lanes' states are put back (as skew_x4).  Each lane does exactly
 * fork_x4's operations on the same values.  n >= 2 SKEW; hb: room for
 * 8 (n + 2 SKEW) doubles.  fin: the first cascade's input is (a, b, a, b)
 * of these n interleaved stereo frames (non-finite samples 0), not o1's. */
static MM_ALWAYS_INLINE void
fork_skew (const mm_biquad_coeffs * c, mm_biquad_state * s, const float *fin,
    double *o1, double *o2, double *hb, size_t n)
{
  v8df b0[2], b1[2], b2[2], a1[2], a2[2], x1[2], x2[2], y1[2], y2[2];
  for (unsigned k = 0; k < 2; k++)
    for (unsigned j = 0; j < 8; j++) {
      const unsigned q = 4 * (k + 2 * (j / 4)) + (j & 3);
      b0[k][j] = c[q].b0;
      b1[k][j] = c[q].b1;
      b2[k][j] = c[q].b2;
      a1[k][j] = c[q].a1;
      a2[k][j] = c[q].a2;
      x1[k][j] = s[q].x1;
      x2[k][j] = s[q].x2;
      y1[k][j] = s[q].y1;
      y2[k][j] = s[q].y2;
    }
  const v8df g1[2] = { x1[0], x1[1] }, g2[2] = { x2[0], x2[1] };
  const v8df h1[2] = { y1[0], y1[1] }, h2[2] = { y2[0], y2[1] };
  for (unsigned j = 0; j < 8 * SKEW; j++)
    hb[j] = 0.0;
  /* a step's input: the frame's four lanes, then lanes 0, 1, 0, 1 of the
   * result of SKEW steps before */
  const v8di in_lanes = { 8, 9, 10, 11, 0, 1, 0, 1 };
  const v8di first = { -1, -1, -1, -1, 0, 0, 0, 0 };
#define LOADS(i) __extension__ ({ const size_t s_ = (i) + st0;                \
      v8df h_;                                                                 \
      memcpy (&h_, hb + 8 * s_, sizeof h_);                                    \
      v8df x_ = { 0.0 };                                                       \
      if (s_ < n && fin) {                                                     \
        const double a_ = finite_or_0 (fin[2 * s_]);                           \
        const double b_ = finite_or_0 (fin[2 * s_ + 1]);                       \
        x_ = (v8df) { a_, b_, a_, b_ };                                        \
      } else if (s_ < n) {                                                     \
        x_ = (v8df) { o1[4 * s_], o1[4 * s_ + 1], o1[4 * s_ + 2],              \
          o1[4 * s_ + 3] };                                                    \
      }                                                                        \
      __builtin_shuffle (h_, x_, in_lanes); })
#define STORES(i, v) do { const size_t s_ = (i) + st0;                        \
      memcpy (hb + 8 * (s_ + SKEW), &(v), sizeof (v8df));                      \
      if (s_ < n)                                                              \
        for (unsigned u_ = 0; u_ < 4; u_++)                                    \
          o1[4 * s_ + u_] = (v)[u_];                                           \
      if (s_ >= SKEW)                                                          \
        for (unsigned u_ = 0; u_ < 4; u_++)                                    \
          o2[4 * (s_ - SKEW) + u_] = (v)[4 + u_];                              \
    } while (0)
  size_t st0 = 0;
  GROUP_LOOP (v8df, 2, (size_t) SKEW, LOADS, STORES);
  for (unsigned k = 0; k < 2; k++) {   /* the second cascade starts now */
    x1[k] = SEL8 (first, x1[k], g1[k]);
    x2[k] = SEL8 (first, x2[k], g2[k]);
    y1[k] = SEL8 (first, y1[k], h1[k]);
    y2[k] = SEL8 (first, y2[k], h2[k]);
  }
  st0 = SKEW;
  GROUP_LOOP (v8df, 2, n - SKEW, LOADS, STORES);
  v8df f1[2] = { x1[0], x1[1] }, f2[2] = { x2[0], x2[1] };
  v8df e1[2] = { y1[0], y1[1] }, e2[2] = { y2[0], y2[1] };
  st0 = n;                      /* the first cascade is done */
  GROUP_LOOP (v8df, 2, (size_t) SKEW, LOADS, STORES);
#undef LOADS
#undef STORES
  for (unsigned k = 0; k < 2; k++) {
    x1[k] = SEL8 (first, f1[k], x1[k]);
    x2[k] = SEL8 (first, f2[k], x2[k]);
    y1[k] = SEL8 (first, e1[k], y1[k]);
    y2[k] = SEL8 (first, e2[k], y2[k]);
  }
  for (unsigned k = 0; k < 2; k++)
    for (unsigned j = 0; j < 8; j++)
      s[4 * (k + 2 * (j / 4)) + (j & 3)] = (mm_biquad_state) { x1[k][j],
        x2[k][j], y1[k][j], y2[k][j] };
}

/* fork_skew, AVX-512 only. */
MM_AVX512 static void
fork_skew_wide (const mm_biquad_coeffs * c, mm_biquad_state * s,
    const float *fin, double *o1, double *o2, double *hb, size_t n)
{
  fork_skew (c, s, fin, o1, o2, hb, n);
}

/* The crossover's block length (crossover.c BLOCK) and then some. */
#define FORK_BLOCK 512

MM_VECTOR_CLONES void
mm_biquad_cascade_process_x4_fork (const mm_biquad_coeffs * c,
    mm_biquad_state * s, unsigned first, unsigned second, double *buf1,
    double *buf2, size_t n)
{
  if (first >= 1 && first <= 2 && second >= 1 && second <= 2) {
    switch (first * 4 + second) {
      case 5:
        fork_x4 (c, s, 1, 2, buf1, buf2, n);
        return;
      case 6:
        fork_x4 (c, s, 1, 3, buf1, buf2, n);
        return;
      case 9:
        fork_x4 (c, s, 2, 3, buf1, buf2, n);
        return;
      default:
        if (n >= 2 * SKEW && mm_vector_avx512 ()) {
          double hb[8 * (FORK_BLOCK + 2 * SKEW)];
          for (size_t o = 0; o < n; o += FORK_BLOCK) {
            size_t len = n - o < FORK_BLOCK ? n - o : FORK_BLOCK;
            if (len < 2 * SKEW) {
              fork_x4 (c, s, 2, 4, buf1 + 4 * o, buf2 + 4 * o, len);
              break;
            }
            fork_skew_wide (c, s, NULL, buf1 + 4 * o, buf2 + 4 * o, hb, len);
          }
          return;
        }
        fork_x4 (c, s, 2, 4, buf1, buf2, n);
        return;
    }
  }
  /* other shapes: the two cascades one after the other */
  mm_biquad_cascade_process_x4 (c, s, first, buf1, n);
  for (size_t i = 0; i < n; i++) {
    buf2[4 * i] = buf2[4 * i + 2] = buf1[4 * i];
    buf2[4 * i + 1] = buf2[4 * i + 3] = buf1[4 * i + 1];
  }
  mm_biquad_cascade_process_x4 (c + 4 * first, s + 4 * first, second, buf2, n);
}

MM_VECTOR_CLONES void
mm_biquad_cascade_process_x4_fork_stereo (const mm_biquad_coeffs * c,
    mm_biquad_state * s, const float *in, double *buf1, double *buf2,
    size_t n)
{
  double hb[8 * (FORK_BLOCK + 2 * SKEW)];
  const int wide = mm_vector_avx512 ();
  for (size_t o = 0; o < n; o += FORK_BLOCK) {
    size_t len = n - o < FORK_BLOCK ? n - o : FORK_BLOCK;
    if (wide && len >= 2 * SKEW) {
      fork_skew_wide (c, s, in + 2 * o, buf1 + 4 * o, buf2 + 4 * o, hb, len);
    } else {
      spread_stereo (in + 2 * o, buf1 + 4 * o, len);
      fork_x4 (c, s, 2, 4, buf1 + 4 * o, buf2 + 4 * o, len);
    }
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

void
mm_biquad_cascade_process_stereo_f32 (const mm_biquad_coeffs * c,
    mm_biquad_state * sa, mm_biquad_state * sb, unsigned sections,
    float *buf, size_t n)
{
  double a[64], b[64];
  for (size_t o = 0; o < n; o += 64) {
    const size_t len = n - o < 64 ? n - o : 64;
    for (size_t i = 0; i < len; i++) {
      a[i] = buf[2 * (o + i)];
      b[i] = buf[2 * (o + i) + 1];
    }
    mm_biquad_cascade_process_x2 (c, sa, sb, sections, a, b, len);
    for (size_t i = 0; i < len; i++) {
      buf[2 * (o + i)] = (float) a[i];
      buf[2 * (o + i) + 1] = (float) b[i];
    }
  }
}

void
mm_biquad_cascade_process_x4 (const mm_biquad_coeffs * c, mm_biquad_state * s,
    unsigned sections, double *buf, size_t n)
{
  double lane[64];
  for (unsigned j = 0; j < 4; j++)
    for (size_t o = 0; o < n; o += 64) {
      const size_t len = n - o < 64 ? n - o : 64;
      for (size_t i = 0; i < len; i++)
        lane[i] = buf[4 * (o + i) + j];
      for (unsigned k = 0; k < sections; k++)
        mm_biquad_process (&c[4 * k + j], &s[4 * k + j], lane, len);
      for (size_t i = 0; i < len; i++)
        buf[4 * (o + i) + j] = lane[i];
    }
}

void
mm_biquad_cascade_process_x4_fork (const mm_biquad_coeffs * c,
    mm_biquad_state * s, unsigned first, unsigned second, double *buf1,
    double *buf2, size_t n)
{
  mm_biquad_cascade_process_x4 (c, s, first, buf1, n);
  for (size_t i = 0; i < n; i++) {
    buf2[4 * i] = buf2[4 * i + 2] = buf1[4 * i];
    buf2[4 * i + 1] = buf2[4 * i + 3] = buf1[4 * i + 1];
  }
  mm_biquad_cascade_process_x4 (c + 4 * first, s + 4 * first, second, buf2, n);
}

void
mm_biquad_cascade_process_x4_fork_stereo (const mm_biquad_coeffs * c,
    mm_biquad_state * s, const float *in, double *buf1, double *buf2,
    size_t n)
{
  spread_stereo (in, buf1, n);
  mm_biquad_cascade_process_x4_fork (c, s, 2, 2, buf1, buf2, n);
}
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* One frame of the two-section K-weighting cascade in the lanes of T
 * (double or a vector of them): the pre-filter p, the high-pass h, the
 * squared output into energy (the even or the odd frames' sum).  The terms
 * not depending on the last output are summed first, so only one
 * multiply-add sits on each recursion's critical path.  HT gives the
 * high-pass's sum before its recursion (KW_HT, or KW_HT_RLB where its
 * numerator is the RLB high-pass's 1, -2, 1, whose products are exact: the
 * same sums as additions, bit for bit).  Names the variables of the
 * kernels below. */
#define KW_HT(py) (hb0 * (py) + hb1 * hx1 + hb2 * hx2 - ha2 * hy2)
#define KW_HT_RLB(py) ((py) - (hx1 + hx1) + hx2 - ha2 * hy2)
#define KW_STEP(T, x, energy, HT)                                            \
  do {                                                                       \
    const T x_ = (x);                                                        \
    T pt = pb0 * x_ + pb1 * px1 + pb2 * px2 - pa2 * py2;                     \
    T py = pt - pa1 * py1;                                                   \
    T ht = HT (py);                                                          \
    T hy = ht - ha1 * hy1;                                                   \
    px2 = px1;                                                               \
    px1 = x_;                                                                \
    py2 = py1;                                                               \
    py1 = py;                                                                \
    hx2 = hx1;                                                               \
    hx1 = py;                                                                \
    hy2 = hy1;                                                               \
    hy1 = hy;                                                                \
    energy += hy * hy;                                                       \
  } while (0)

MM_VECTOR_CLONES double
mm_biquad_cascade2_energy (const mm_biquad_coeffs c[2], mm_biquad_state s[2],
    const float *in, size_t n)
{
  const mm_biquad_coeffs p = c[0], h = c[1];
  /* Stage 1 (p) and stage 2 (h) state: last two inputs and outputs. */
  double px1 = s[0].x1, px2 = s[0].x2, py1 = s[0].y1, py2 = s[0].y2;
  double hx1 = s[1].x1, hx2 = s[1].x2, hy1 = s[1].y1, hy2 = s[1].y2;
  /* The squares of the even and of the odd frames (of this call) in two
   * sums, added at the end: two chains of additions instead of one that
   * would set the pace.  Every energy kernel sums this way. */
  double even = 0.0, odd = 0.0;

  const double pb0 = p.b0, pb1 = p.b1, pb2 = p.b2, pa1 = p.a1, pa2 = p.a2;
  const double hb0 = h.b0, hb1 = h.b1, hb2 = h.b2, ha1 = h.a1, ha2 = h.a2;
  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    KW_STEP (double, in[i], even, KW_HT);
    KW_STEP (double, in[i + 1], odd, KW_HT);
  }
  if (i < n)
    KW_STEP (double, in[i], even, KW_HT);
  const double energy = even + odd;
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

#if defined(__GNUC__) && !defined(__clang__)    /* the v2df types above */

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
  v2df even = { 0.0, 0.0 }, odd = { 0.0, 0.0 };

  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const v2df x0 = { a[i], b[i] }, x1 = { a[i + 1], b[i + 1] };
    KW_STEP (v2df, x0, even, KW_HT);
    KW_STEP (v2df, x1, odd, KW_HT);
  }
  if (i < n) {
    const v2df x = { a[i], b[i] };
    KW_STEP (v2df, x, even, KW_HT);
  }
  const v2df energy = even + odd;
  sa[0] = (mm_biquad_state) { px1[0], px2[0], py1[0], py2[0] };
  sb[0] = (mm_biquad_state) { px1[1], px2[1], py1[1], py2[1] };
  sa[1] = (mm_biquad_state) { hx1[0], hx2[0], hy1[0], hy2[0] };
  sb[1] = (mm_biquad_state) { hx1[1], hx2[1], hy1[1], hy2[1] };
  *ea = energy[0];
  *eb = energy[1];
}
/* Four channels in the lanes of one vector: each lane does exactly the
 * operations of mm_biquad_cascade2_energy, in the same order. */
MM_VECTOR_CLONES void
mm_biquad_cascade2_energy_x4 (const mm_biquad_coeffs c[2],
    mm_biquad_state * const s[4], const float *const in[4], size_t n,
    double e[4])
{
  const mm_biquad_coeffs p = c[0], h = c[1];
  const v4df pb0 = { p.b0, p.b0, p.b0, p.b0 }, pb1 = { p.b1, p.b1, p.b1, p.b1 };
  const v4df pb2 = { p.b2, p.b2, p.b2, p.b2 };
  const v4df pa1 = { p.a1, p.a1, p.a1, p.a1 }, pa2 = { p.a2, p.a2, p.a2, p.a2 };
  const v4df hb0 = { h.b0, h.b0, h.b0, h.b0 }, hb1 = { h.b1, h.b1, h.b1, h.b1 };
  const v4df hb2 = { h.b2, h.b2, h.b2, h.b2 };
  const v4df ha1 = { h.a1, h.a1, h.a1, h.a1 }, ha2 = { h.a2, h.a2, h.a2, h.a2 };
  v4df px1, px2, py1, py2, hx1, hx2, hy1, hy2;
  for (unsigned j = 0; j < 4; j++) {
    px1[j] = s[j][0].x1;
    px2[j] = s[j][0].x2;
    py1[j] = s[j][0].y1;
    py2[j] = s[j][0].y2;
    hx1[j] = s[j][1].x1;
    hx2[j] = s[j][1].x2;
    hy1[j] = s[j][1].y1;
    hy2[j] = s[j][1].y2;
  }
  const float *a = in[0], *b = in[1], *cc = in[2], *d = in[3];
  v4df even = { 0.0, 0.0, 0.0, 0.0 }, odd = even;

  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const v4df x0 = { a[i], b[i], cc[i], d[i] };
    const v4df x1 = { a[i + 1], b[i + 1], cc[i + 1], d[i + 1] };
    KW_STEP (v4df, x0, even, KW_HT);
    KW_STEP (v4df, x1, odd, KW_HT);
  }
  if (i < n) {
    const v4df x = { a[i], b[i], cc[i], d[i] };
    KW_STEP (v4df, x, even, KW_HT);
  }
  const v4df energy = even + odd;
  for (unsigned j = 0; j < 4; j++) {
    s[j][0] = (mm_biquad_state) { px1[j], px2[j], py1[j], py2[j] };
    s[j][1] = (mm_biquad_state) { hx1[j], hx2[j], hy1[j], hy2[j] };
    e[j] = energy[j];
  }
}
/* Up to four pairs of channels, each pair interleaved stereo (lanes
 * 2 k, 2 k + 1 are channels 0, 1 of in[k]; one load per pair and sample):
 * one four-lane vector for up to two pairs, two for more, in one loop;
 * each lane exactly mm_biquad_cascade2_energy.  G: vectors (1 or 2). */
static MM_ALWAYS_INLINE void
energy_stereo (const mm_biquad_coeffs c[2], mm_biquad_state * const s[8],
    const float *const in[4], const unsigned G, size_t n, double e[8])
{
  const mm_biquad_coeffs p = c[0], h = c[1];
  const v4df pb0 = { p.b0, p.b0, p.b0, p.b0 }, pb1 = { p.b1, p.b1, p.b1, p.b1 };
  const v4df pb2 = { p.b2, p.b2, p.b2, p.b2 };
  const v4df pa1 = { p.a1, p.a1, p.a1, p.a1 }, pa2 = { p.a2, p.a2, p.a2, p.a2 };
  const v4df hb0 = { h.b0, h.b0, h.b0, h.b0 }, hb1 = { h.b1, h.b1, h.b1, h.b1 };
  const v4df hb2 = { h.b2, h.b2, h.b2, h.b2 };
  const v4df ha1 = { h.a1, h.a1, h.a1, h.a1 }, ha2 = { h.a2, h.a2, h.a2, h.a2 };
  v4df px1[2], px2[2], py1[2], py2[2], hx1[2], hx2[2], hy1[2], hy2[2];
  for (unsigned g = 0; g < G; g++)
    for (unsigned j = 0; j < 4; j++) {
      const mm_biquad_state *t = s[4 * g + j];
      px1[g][j] = t[0].x1;
      px2[g][j] = t[0].x2;
      py1[g][j] = t[0].y1;
      py2[g][j] = t[0].y2;
      hx1[g][j] = t[1].x1;
      hx2[g][j] = t[1].x2;
      hy1[g][j] = t[1].y1;
      hy2[g][j] = t[1].y2;
    }
  const float *i0 = in[0], *i1 = in[1];
  const float *i2 = G > 1 ? in[2] : in[0], *i3 = G > 1 ? in[3] : in[0];
  /* the even and the odd frames' sums, as mm_biquad_cascade2_energy */
  v4df sums[2][2] = { { { 0.0 } } };

#define STEP_G(i, par)                                                        \
  do {                                                                        \
    const v4df xs[2] = {                                                      \
      { i0[2 * (i)], i0[2 * (i) + 1], i1[2 * (i)], i1[2 * (i) + 1] },         \
      { i2[2 * (i)], i2[2 * (i) + 1], i3[2 * (i)], i3[2 * (i) + 1] } };       \
    for (unsigned g = 0; g < G; g++) {                                        \
      const v4df x = xs[g];                                                   \
      v4df pt = pb0 * x + pb1 * px1[g] + pb2 * px2[g] - pa2 * py2[g];         \
      v4df py = pt - pa1 * py1[g];                                            \
      v4df ht = hb0 * py + hb1 * hx1[g] + hb2 * hx2[g] - ha2 * hy2[g];        \
      v4df hy = ht - ha1 * hy1[g];                                            \
      px2[g] = px1[g];                                                        \
      px1[g] = x;                                                             \
      py2[g] = py1[g];                                                        \
      py1[g] = py;                                                            \
      hx2[g] = hx1[g];                                                        \
      hx1[g] = py;                                                            \
      hy2[g] = hy1[g];                                                        \
      hy1[g] = hy;                                                            \
      sums[par][g] += hy * hy;                                                \
    }                                                                         \
  } while (0)
  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    STEP_G (i, 0);
    STEP_G (i + 1, 1);
  }
  if (i < n)
    STEP_G (i, 0);
#undef STEP_G
  for (unsigned g = 0; g < G; g++)
    for (unsigned j = 0; j < 4; j++) {
      mm_biquad_state *t = s[4 * g + j];
      t[0] = (mm_biquad_state) { px1[g][j], px2[g][j], py1[g][j], py2[g][j] };
      t[1] = (mm_biquad_state) { hx1[g][j], hx2[g][j], hy1[g][j], hy2[g][j] };
      e[4 * g + j] = sums[0][g][j] + sums[1][g][j];
    }
}

/* Three or four pairs in one eight-lane vector: the same operations per
 * lane as energy_stereo, one instruction where energy_stereo needs two
 * (AVX-512 only: energy_stereo8_wide). */
#define v8_splat(v) ((v8df) { (v), (v), (v), (v), (v), (v), (v), (v) })

static MM_ALWAYS_INLINE void
energy_stereo8 (const mm_biquad_coeffs c[2], mm_biquad_state * const s[8],
    const float *const in[4], const int rlb, size_t n, double e[8])
{
  const mm_biquad_coeffs p = c[0], h = c[1];
  const v8df pb0 = v8_splat (p.b0), pb1 = v8_splat (p.b1),
      pb2 = v8_splat (p.b2), pa1 = v8_splat (p.a1), pa2 = v8_splat (p.a2);
  const v8df hb0 = v8_splat (h.b0), hb1 = v8_splat (h.b1),
      hb2 = v8_splat (h.b2), ha1 = v8_splat (h.a1), ha2 = v8_splat (h.a2);
  v8df px1, px2, py1, py2, hx1, hx2, hy1, hy2;
  for (unsigned j = 0; j < 8; j++) {
    const mm_biquad_state *t = s[j];
    px1[j] = t[0].x1;
    px2[j] = t[0].x2;
    py1[j] = t[0].y1;
    py2[j] = t[0].y2;
    hx1[j] = t[1].x1;
    hx2[j] = t[1].x2;
    hy1[j] = t[1].y1;
    hy2[j] = t[1].y2;
  }
  const float *i0 = in[0], *i1 = in[1], *i2 = in[2], *i3 = in[3];
  v8df even = v8_splat (0.0), odd = even;    /* as mm_biquad_cascade2_energy */
  /* rlb: the additions of KW_HT_RLB keep work off the multiply-add units
   * that set the pace here.  Two frames per turn: the compiler then keeps
   * the recursions' values in place instead of moving them each frame. */
#define LOAD8(i) ((v8df) { i0[2 * (i)], i0[2 * (i) + 1], i1[2 * (i)],        \
        i1[2 * (i) + 1], i2[2 * (i)], i2[2 * (i) + 1], i3[2 * (i)],           \
        i3[2 * (i) + 1] })
#define STEP8(i, energy) do {                                                 \
    if (rlb)                                                                  \
      KW_STEP (v8df, LOAD8 (i), energy, KW_HT_RLB);                           \
    else                                                                      \
      KW_STEP (v8df, LOAD8 (i), energy, KW_HT);                               \
  } while (0)
  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    STEP8 (i, even);
    STEP8 (i + 1, odd);
  }
  if (i < n)
    STEP8 (i, even);
#undef STEP8
#undef LOAD8
  const v8df energy = even + odd;
  for (unsigned j = 0; j < 8; j++) {
    mm_biquad_state *t = s[j];
    t[0] = (mm_biquad_state) { px1[j], px2[j], py1[j], py2[j] };
    t[1] = (mm_biquad_state) { hx1[j], hx2[j], hy1[j], hy2[j] };
    e[j] = energy[j];
  }
}

/* energy_stereo8, AVX-512 only; rlb: the second stage's numerator is
 * the RLB high-pass's 1, -2, 1. */
MM_AVX512 static void
energy_stereo8_wide (const mm_biquad_coeffs c[2],
    mm_biquad_state * const s[8], const float *const in[4], size_t n,
    double e[8])
{
  if (c[1].b0 == 1.0 && c[1].b1 == -2.0 && c[1].b2 == 1.0)
    energy_stereo8 (c, s, in, 1, n, e);
  else
    energy_stereo8 (c, s, in, 0, n, e);
}

MM_VECTOR_CLONES void
mm_biquad_cascade2_energy_stereo (const mm_biquad_coeffs c[2],
    mm_biquad_state * const s[8], const float *const in[4], unsigned pairs,
    size_t n, double e[8])
{
  if (pairs <= 2)
    energy_stereo (c, s, in, 1, n, e);
  else if (mm_vector_avx512 ())
    energy_stereo8_wide (c, s, in, n, e);
  else
    energy_stereo (c, s, in, 2, n, e);
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

void
mm_biquad_cascade2_energy_x4 (const mm_biquad_coeffs c[2],
    mm_biquad_state * const s[4], const float *const in[4], size_t n,
    double e[4])
{
  for (unsigned j = 0; j < 4; j++)
    e[j] = mm_biquad_cascade2_energy (c, s[j], in[j], n);
}

void
mm_biquad_cascade2_energy_stereo (const mm_biquad_coeffs c[2],
    mm_biquad_state * const s[8], const float *const in[4], unsigned pairs,
    size_t n, double e[8])
{
  float ch[2][256];
  for (unsigned j = 0; j < 8; j++)
    e[j] = 0.0;
  for (size_t o = 0; o < n; o += 256) {
    const size_t len = n - o < 256 ? n - o : 256;
    for (unsigned j = 0; j < 2 * pairs; j++) {
      for (size_t i = 0; i < len; i++)
        ch[0][i] = in[j / 2][2 * (o + i) + (j & 1)];
      /* (summed per piece of 256: to rounding the same; this copy is only
       * for compilers without vector extensions) */
      e[j] += mm_biquad_cascade2_energy (c, s[j], ch[0], len);
    }
  }
}
#endif
