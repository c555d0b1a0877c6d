/* vector: flat loops, ORC where the layout fits. */
#include "vector.h"

#include <float.h>
#include <string.h>

#include "mmdsp-orc.h"

int
mm_vector_avx512 (void)
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("x86-64-v4");
#else
  return 0;
#endif
}

/* ORC counts in int; feed it in slices that fit. */
#define SLICE ((size_t) 1 << 30)

/* The stereo kernels move whole 8-byte frames: ORC's compiled code needs
 * the interleaved side 8-byte aligned (a float array need not be). */
static int
frame_aligned (const void *p)
{
  return ((uintptr_t) p & 7) == 0;
}

void
mm_vector_scale_f32 (float *d, float gain, size_t n)
{
  for (size_t o = 0; o < n; o += SLICE) {
    size_t len = n - o < SLICE ? n - o : SLICE;
    mm_orc_scale_f32 (d + o, gain, (int) len);
  }
}

void
mm_vector_add_scaled_f32 (float *d, const float *s, float gain, size_t n)
{
  for (size_t o = 0; o < n; o += SLICE) {
    size_t len = n - o < SLICE ? n - o : SLICE;
    mm_orc_add_scaled_f32 (d + o, s + o, gain, (int) len);
  }
}

void
mm_vector_deinterleave_all_f32 (float *const *planes, const float *in,
    unsigned channels, size_t frames)
{
  if (channels == 1) {
    memcpy (planes[0], in, frames * sizeof (float));
    return;
  }
  if (channels == 2 && frames <= SLICE && frame_aligned (in)) {
    mm_orc_deinterleave2_f32 (planes[0], planes[1], in, (int) frames);
    return;
  }
  for (unsigned c = 0; c < channels; c++) {
    float *p = planes[c];
    for (size_t i = 0; i < frames; i++)
      p[i] = in[i * channels + c];
  }
}

void
mm_vector_deinterleave_all_f64 (float *const *planes, const double *in,
    unsigned channels, size_t frames)
{
  if (channels == 1 && frames <= SLICE) {
    mm_orc_convert_f64_to_f32 (planes[0], in, (int) frames);
    return;
  }
  for (unsigned c = 0; c < channels; c++) {
    float *p = planes[c];
    for (size_t i = 0; i < frames; i++)
      p[i] = (float) in[i * channels + c];
  }
}

void
mm_vector_interleave_all_f32 (float *out, const float *const *planes,
    unsigned channels, size_t frames)
{
  if (channels == 1) {
    memcpy (out, planes[0], frames * sizeof (float));
    return;
  }
  if (channels == 2 && frames <= SLICE && frame_aligned (out)) {
    mm_orc_interleave2_f32 (out, planes[0], planes[1], (int) frames);
    return;
  }
  for (unsigned c = 0; c < channels; c++) {
    const float *p = planes[c];
    for (size_t i = 0; i < frames; i++)
      out[i * channels + c] = p[i];
  }
}

MM_VECTOR_CLONES size_t
mm_vector_sanitize_f32 (float *d, size_t n)
{
  /* |x| <= FLT_MAX is false for NaN and Inf; branch-free so it vectorises
   * (the count in 32 bits per slice, as wide as the lanes).  A
   * double-to-float conversion that overflowed shows up here as Inf. */
  size_t bad = 0;
  for (size_t o = 0; o < n; o += SLICE) {
    size_t len = n - o < SLICE ? n - o : SLICE;
    float *p = d + o;
    uint32_t cnt = 0;
    /* counted first without writing (the usual case: nothing to fix) */
    for (size_t i = 0; i < len; i++)
      cnt += (uint32_t) !(fabsf (p[i]) <= FLT_MAX);
    if (cnt)
      for (size_t i = 0; i < len; i++)
        p[i] = fabsf (p[i]) <= FLT_MAX ? p[i] : 0.0f;
    bad += cnt;
  }
  return bad;
}

#if defined(__GNUC__)
/* Sixteen running maxima in two 8-lane vectors (the compiler does not
 * vectorise a floating-point max reduction by itself: it may not reorder
 * one).  A lane takes |d| only when |d| > lane, so NaN never wins.
 * Unaligned loads through an aligned(4) type. */
typedef float v8sf __attribute__ ((vector_size (32)));
typedef float v8sf_u __attribute__ ((vector_size (32), aligned (4)));
typedef int32_t v8si __attribute__ ((vector_size (32)));
typedef int32_t v8si_u __attribute__ ((vector_size (32), aligned (4)));

/* lane = max (lane, |p[0 .. 7]|) */
#define ABS_MAX_STEP(lane, p)                                                 \
  do {                                                                        \
    v8sf a_ = (v8sf) (*(const v8si_u *) (const void *) (p) & 0x7fffffff);     \
    v8si gt_ = a_ > (lane);                                                   \
    (lane) = (v8sf) ((gt_ & (v8si) a_) | (~gt_ & (v8si) (lane)));             \
  } while (0)

MM_VECTOR_CLONES float
mm_vector_abs_max_f32 (const float *restrict d, size_t n, float m)
{
  size_t i = 0;
  if (n >= 16) {
    v8sf l0 = { m, m, m, m, m, m, m, m }, l1 = l0;
    for (; i + 16 <= n; i += 16) {
      ABS_MAX_STEP (l0, d + i);
      ABS_MAX_STEP (l1, d + i + 8);
    }
    float lane[16];
    *(v8sf_u *) lane = l0;
    *(v8sf_u *) (lane + 8) = l1;
    for (unsigned j = 0; j < 16; j++)
      m = lane[j] > m ? lane[j] : m;
  }
  for (; i < n; i++) {
    float a = fabsf (d[i]);
    m = a > m ? a : m;
  }
  return m;
}
#else
/* Eight running maxima that the compiler may keep in one vector register. */
float
mm_vector_abs_max_f32 (const float *restrict d, size_t n, float m)
{
  float lane[8] = { m, m, m, m, m, m, m, m };
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (unsigned j = 0; j < 8; j++) {
      float a = fabsf (d[i + j]);
      lane[j] = a > lane[j] ? a : lane[j];
    }
  for (; i < n; i++) {
    float a = fabsf (d[i]);
    lane[0] = a > lane[0] ? a : lane[0];
  }
  for (unsigned j = 1; j < 8; j++)
    lane[0] = lane[j] > lane[0] ? lane[j] : lane[0];
  return lane[0];
}
#endif
