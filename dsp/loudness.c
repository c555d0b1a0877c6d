/* loudness: BS.1770-4 meter with histogram gating. */
#include "loudness.h"

#include <stdlib.h>
#include <string.h>

#include "biquad.h"
#include "oversample.h"
#include "vector.h"

#define CHUNK 1024              /* frames deinterleaved per pass */
#define STEPS_PER_SECOND 100    /* the 10 ms energy grid */
#define M_STEPS 40              /* 400 ms */
#define S_STEPS 300             /* 3 s */
#define HOP_STEPS 10            /* gating blocks advance 100 ms */
#define HOP_STEPS_1S 100        /* MM_LOUDNESS_RANGE_HOP_1S */

#define HIST_MIN_LUFS (-70.0)
#define HIST_BINS_PER_LU 100
#define HIST_BINS (100 * HIST_BINS_PER_LU)      /* -70 .. +30 LUFS */

#define TRUE_PEAK_MIN_RATE 176400u

#define ABS_GATE_LUFS (-70.0)
#define REL_GATE_I_LU (-10.0)
#define REL_GATE_LRA_LU (-20.0)

/* Gating blocks by loudness: how many fell in each 0.01 LU bin and the sum
 * of their exact mean-square energies. */
typedef struct
{
  uint64_t count[HIST_BINS];
  double energy[HIST_BINS];
  long lo, hi;                  /* the bins written since they were zeroed (lo > hi: none) */
} histogram;

struct mm_loudness
{
  unsigned rate, channels, flags;
  double weight[MM_CHANNELS_MAX];

  mm_biquad_coeffs kweight[2];
  mm_biquad_state kstate[MM_CHANNELS_MAX][2];
  mm_oversampler *os;           /* NULL without MM_LOUDNESS_TRUE_PEAK */
  float *plane[MM_CHANNELS_MAX];        /* CHUNK frames each, one allocation */

  /* The 10 ms grid: `frames` measured since reset, `steps` completed,
   * the current step ends at frame `step_end`; `step_energy` is the
   * weighted sum of squares of the current step so far. */
  uint64_t frames, steps, step_end;
  double step_energy;
  /* The last S_STEPS steps: weighted sums of squares and frame counts. */
  double ring_energy[S_STEPS];

  /* Mean-square energies of the windows ending at the last step. */
  double m_energy, s_energy, m_energy_max, s_energy_max;

  histogram *blocks;            /* 400 ms blocks, for integrated loudness */
  histogram *st_blocks;         /* 3 s blocks, for loudness range */

  double sample_peak[MM_CHANNELS_MAX], true_peak[MM_CHANNELS_MAX];
  uint64_t nonfinite;
};

static double
energy_to_lufs (double e)
{
  return e > 0.0 ? -0.691 + 10.0 * log10 (e) : MM_LOUDNESS_SILENCE;
}

static double
lufs_to_energy (double l)
{
  return pow (10.0, (l + 0.691) / 10.0);
}

/* First frame of step k: the grid is exact at any rate (11025 Hz steps
 * alternate 110 and 111 frames). */
static uint64_t
step_start (const mm_loudness * m, uint64_t k)
{
  return k * m->rate / STEPS_PER_SECOND;
}

/* Zeroes the bins in use, only those: pages of bins never used stay
 * untouched (calloc'ed, so zero, and not resident). */
static void
histogram_clear (histogram * h)
{
  if (h->lo <= h->hi) {
    size_t n = (size_t) (h->hi - h->lo + 1);
    memset (h->count + h->lo, 0, n * sizeof (h->count[0]));
    memset (h->energy + h->lo, 0, n * sizeof (h->energy[0]));
  }
  h->lo = HIST_BINS;
  h->hi = -1;
}

mm_loudness *
mm_loudness_new (unsigned rate, unsigned channels, unsigned flags)
{
  if (rate < MM_RATE_MIN || rate > MM_RATE_MAX || channels < 1
      || channels > MM_CHANNELS_MAX
      || (flags & ~(MM_LOUDNESS_TRUE_PEAK | MM_LOUDNESS_RANGE_HOP_1S)))
    return NULL;

  mm_loudness *m = calloc (1, sizeof (*m));
  if (!m)
    goto fail;
  m->rate = rate;
  m->channels = channels;
  m->flags = flags;
  for (unsigned c = 0; c < channels; c++)
    m->weight[c] = MM_LOUDNESS_WEIGHT_FRONT;
  if (mm_biquad_design_kweight_shelf (&m->kweight[0], rate) != MM_OK
      || mm_biquad_design_kweight_highpass (&m->kweight[1], rate) != MM_OK)
    goto fail;

  m->plane[0] = malloc ((size_t) channels * CHUNK * sizeof (float));
  if (!m->plane[0])
    goto fail;
  for (unsigned c = 1; c < channels; c++)
    m->plane[c] = m->plane[0] + (size_t) c * CHUNK;

  /* calloc: zeroed pages the system maps only once they are written, so a
   * histogram costs resident memory only for the bins in use (a programme
   * touches a few dozen LU of the 100); reset () clears only those. */
  m->blocks = calloc (1, sizeof (histogram));
  if (!m->blocks)
    goto fail;
  m->st_blocks = calloc (1, sizeof (histogram));
  if (!m->st_blocks)
    goto fail;
  m->blocks->lo = m->st_blocks->lo = HIST_BINS;
  m->blocks->hi = m->st_blocks->hi = -1;

  if (flags & MM_LOUDNESS_TRUE_PEAK) {
    unsigned f = mm_oversample_factor_for_rate (rate, TRUE_PEAK_MIN_RATE);
    m->os = mm_oversampler_new (f, channels);
    if (!m->os)
      goto fail;
  }
  mm_loudness_reset (m);
  return m;

fail:
  mm_loudness_free (&m);
  return NULL;
}

void
mm_loudness_free (mm_loudness ** pm)
{
  if (!pm || !*pm)
    return;
  mm_loudness *m = *pm;
  mm_oversampler_free (&m->os);
  free (m->plane[0]);
  free (m->blocks);
  free (m->st_blocks);
  free (m);
  *pm = NULL;
}

int
mm_loudness_reset (mm_loudness * m)
{
  if (!m)
    return MM_ERR_INVALID;
  for (unsigned c = 0; c < m->channels; c++) {
    mm_biquad_reset (&m->kstate[c][0]);
    mm_biquad_reset (&m->kstate[c][1]);
    m->sample_peak[c] = m->true_peak[c] = 0.0;
  }
  if (m->os)
    mm_oversampler_reset (m->os);
  m->frames = m->steps = 0;
  m->step_end = step_start (m, 1);
  m->step_energy = 0.0;
  memset (m->ring_energy, 0, sizeof (m->ring_energy));
  m->m_energy = m->s_energy = m->m_energy_max = m->s_energy_max = 0.0;
  histogram_clear (m->blocks);
  histogram_clear (m->st_blocks);
  m->nonfinite = 0;
  return MM_OK;
}

int
mm_loudness_set_channel_weight (mm_loudness * m, unsigned ch, double weight)
{
  if (!m || ch >= m->channels || !(weight >= 0.0 && weight <= 10.0))
    return MM_ERR_INVALID;
  m->weight[ch] = weight;
  return MM_OK;
}

int
mm_loudness_get_channel_weight (const mm_loudness * m, unsigned ch,
    double *weight)
{
  if (!m || ch >= m->channels || !weight)
    return MM_ERR_INVALID;
  *weight = m->weight[ch];
  return MM_OK;
}

unsigned
mm_loudness_get_rate (const mm_loudness * m)
{
  return m ? m->rate : 0;
}

unsigned
mm_loudness_get_channels (const mm_loudness * m)
{
  return m ? m->channels : 0;
}

unsigned
mm_loudness_get_true_peak_factor (const mm_loudness * m)
{
  return m && m->os ? mm_oversampler_get_factor (m->os) : 1;
}

static void
histogram_add (histogram * h, double energy)
{
  double l = energy_to_lufs (energy);
  if (!(l > ABS_GATE_LUFS))
    return;
  long bin = (long) ((l - HIST_MIN_LUFS) * HIST_BINS_PER_LU);
  if (bin >= HIST_BINS)
    bin = HIST_BINS - 1;
  h->count[bin]++;
  h->energy[bin] += energy;
  h->lo = bin < h->lo ? bin : h->lo;
  h->hi = bin > h->hi ? bin : h->hi;
}

/* Mean energy of the `n` steps ending at the last completed one; steps
 * before the start count as silence of their nominal length. */
#define PARTS 16
MM_VECTOR_CLONES static double
window_energy (const mm_loudness * m, unsigned n)
{
  uint64_t have = m->steps < n ? m->steps : n;
  /* At most two contiguous runs of the ring, each summed into sixteen
   * partial sums (one chain of additions would hold up every step; four
   * vectors of them keep the adders busy). */
  unsigned from = (unsigned) ((m->steps - have) % S_STEPS);
  uint64_t left = have;
  double part[PARTS] = { 0.0 };
  for (unsigned run = 0; run < 2 && left > 0; run++) {
    unsigned len = S_STEPS - from < left ? S_STEPS - from : (unsigned) left;
    const double *e = m->ring_energy + from;
    unsigned k = 0;
    for (; k + PARTS <= len; k += PARTS)
      for (unsigned j = 0; j < PARTS; j++)
        part[j] += e[k + j];
    for (; k < len; k++)
      part[k % PARTS] += e[k];
    left -= len;
    from = 0;
  }
  for (unsigned w = PARTS / 2; w > 0; w /= 2)     /* pairwise */
    for (unsigned j = 0; j < w; j++)
      part[j] += part[j + w];
  double sum = part[0];
  /* the steps' lengths are the grid's: their total is exact */
  const uint64_t frames = have < n ? step_start (m, n) :
      step_start (m, m->steps) - step_start (m, m->steps - have);
  return frames ? sum / (double) frames : 0.0;
}

static void
complete_step (mm_loudness * m)
{
  uint64_t k = m->steps;
  m->ring_energy[k % S_STEPS] = m->step_energy;
  m->steps = k + 1;
  m->step_energy = 0.0;
  m->step_end = step_start (m, k + 2);

  m->m_energy = window_energy (m, M_STEPS);
  m->s_energy = window_energy (m, S_STEPS);
  if (m->m_energy > m->m_energy_max)
    m->m_energy_max = m->m_energy;
  if (m->s_energy > m->s_energy_max)
    m->s_energy_max = m->s_energy;

  unsigned range_hop = m->flags & MM_LOUDNESS_RANGE_HOP_1S ?
      HOP_STEPS_1S : HOP_STEPS;
  if (m->steps % HOP_STEPS == 0 && m->steps >= M_STEPS)
    histogram_add (m->blocks, m->m_energy);
  if (m->steps % range_hop == 0 && m->steps >= S_STEPS)
    histogram_add (m->st_blocks, m->s_energy);
  /* Silence after sound leaves the recursions decaying into subnormals. */
  for (unsigned c = 0; c < m->channels; c++) {
    mm_biquad_flush_denormals (&m->kstate[c][0]);
    mm_biquad_flush_denormals (&m->kstate[c][1]);
  }
}

/* The sample and true peaks of the `n` sanitised frames in the planes. */
static void
measure_peaks (mm_loudness * m, size_t n)
{
  for (unsigned c = 0; c < m->channels; c++) {
    float p = mm_vector_abs_max_f32 (m->plane[c], n, 0.0f);
    if (p > m->sample_peak[c])
      m->sample_peak[c] = p;
    if (m->os) {
      mm_oversampler_peak (m->os, c, m->plane[c], n, &p);
      if (p > m->true_peak[c])
        m->true_peak[c] = p;
    }
  }
}

/* The planes hold `n` sanitised frames: peaks, then K-weighted energy cut
 * at the 10 ms grid. */
static void
measure_planes (mm_loudness * m, size_t n)
{
  measure_peaks (m, n);

  size_t off = 0;
  while (off < n) {
    size_t seg = (size_t) (m->step_end - m->frames);
    if (seg > n - off)
      seg = n - off;
    /* The weighted channels two at a time (two recursions side by side
     * cost little more than one), summed in channel order as one at a
     * time would: the same energies bit for bit. */
    unsigned pending = m->channels;     /* a weighted channel waiting for a pair */
    for (unsigned c = 0; c < m->channels; c++) {
      if (m->weight[c] == 0.0)
        continue;
      if (pending == m->channels) {
        pending = c;
        continue;
      }
      double ea, eb;
      mm_biquad_cascade2_energy_x2 (m->kweight, m->kstate[pending],
          m->kstate[c], m->plane[pending] + off, m->plane[c] + off, seg,
          &ea, &eb);
      m->step_energy += m->weight[pending] * ea;
      m->step_energy += m->weight[c] * eb;
      pending = m->channels;
    }
    if (pending < m->channels) {
      double e = mm_biquad_cascade2_energy (m->kweight, m->kstate[pending],
          m->plane[pending] + off, seg);
      m->step_energy += m->weight[pending] * e;
    }
    off += seg;
    m->frames += seg;
    if (m->frames == m->step_end)
      complete_step (m);
  }
}

static void
sanitise_planes (mm_loudness * m, size_t n)
{
  for (unsigned c = 0; c < m->channels; c++)
    m->nonfinite += mm_vector_sanitize_f32 (m->plane[c], n);
}

int
mm_loudness_add_frames_f32 (mm_loudness * m, const float *in, size_t frames)
{
  if (!m || (!in && frames))
    return MM_ERR_INVALID;
  while (frames > 0) {
    size_t n = frames < CHUNK ? frames : CHUNK;
    mm_vector_deinterleave_all_f32 (m->plane, in, m->channels, n);
    sanitise_planes (m, n);
    measure_planes (m, n);
    in += n * m->channels;
    frames -= n;
  }
  return MM_OK;
}

int
mm_loudness_add_frames_f64 (mm_loudness * m, const double *in, size_t frames)
{
  if (!m || (!in && frames))
    return MM_ERR_INVALID;
  while (frames > 0) {
    size_t n = frames < CHUNK ? frames : CHUNK;
    mm_vector_deinterleave_all_f64 (m->plane, in, m->channels, n);
    sanitise_planes (m, n);
    measure_planes (m, n);
    in += n * m->channels;
    frames -= n;
  }
  return MM_OK;
}

/* Meters measured together: stereo, both channels weighted, the same
 * rate (the same K-weighting) and the same place on the 10 ms grid. */
#define MULTI_MAX 4

static int
groupable (mm_loudness * const *m, unsigned count)
{
  if (count < 2 || count > MULTI_MAX)
    return 0;
  for (unsigned k = 0; k < count; k++) {
    const mm_loudness *a = m[k];
    if (a->channels != 2 || a->os || a->weight[0] == 0.0 || a->weight[1] == 0.0
        || a->rate != m[0]->rate || a->frames != m[0]->frames
        || a->step_end != m[0]->step_end)
      return 0;
    for (unsigned j = 0; j < k; j++)
      if (m[j] == a)
        return 0;
  }
  return 1;
}

/* Largest |x| of the even and of the odd samples of 2 n (no NaN here):
 * found on the bit patterns with the sign cleared (for non-negative
 * floats their order), an integer maximum that vectorises. */
MM_VECTOR_CLONES static void
abs_max_stereo (const float *restrict d, size_t n, float *pa, float *pb)
{
  uint32_t a = 0, b = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t x, y;
    memcpy (&x, &d[2 * i], sizeof x);
    memcpy (&y, &d[2 * i + 1], sizeof y);
    x &= 0x7fffffffu;
    y &= 0x7fffffffu;
    a = x > a ? x : a;
    b = y > b ? y : b;
  }
  memcpy (pa, &a, sizeof a);
  memcpy (pb, &b, sizeof b);
}

/* The sample peaks of n sanitised interleaved stereo frames (in plane[0]
 * of a grouped meter; no true peak there). */
static void
measure_peaks_stereo (mm_loudness * m, size_t n)
{
  float a, b;
  abs_max_stereo (m->plane[0], n, &a, &b);
  if (a > m->sample_peak[0])
    m->sample_peak[0] = a;
  if (b > m->sample_peak[1])
    m->sample_peak[1] = b;
}

/* The K-weighted energy of n frames of the meters' interleaved stereo
 * chunks (in plane[0]), all their channels side by side
 * (mm_biquad_cascade2_energy_stereo, idle lanes on scratch state): the
 * sums of the one-meter path, bit for bit. */
static void
measure_energy_multi (mm_loudness * const *m, unsigned count, size_t n)
{
  size_t off = 0;
  while (off < n) {
    size_t seg = (size_t) (m[0]->step_end - m[0]->frames);
    if (seg > n - off)
      seg = n - off;
    mm_biquad_state scratch[8][2];
    mm_biquad_state *st[8];
    const float *in[4];
    double e[8];
    memset (scratch, 0, sizeof (scratch));
    for (unsigned j = 0; j < 8; j++)
      st[j] = j / 2 < count ? m[j / 2]->kstate[j & 1] : scratch[j];
    for (unsigned k = 0; k < 4; k++)
      in[k] = (k < count ? m[k] : m[0])->plane[0] + 2 * off;
    mm_biquad_cascade2_energy_stereo (m[0]->kweight, st, in, count, seg, e);
    for (unsigned k = 0; k < count; k++) {
      mm_loudness *a = m[k];
      a->step_energy += a->weight[0] * e[2 * k];
      a->step_energy += a->weight[1] * e[2 * k + 1];
      a->frames += seg;
      if (a->frames == a->step_end)
        complete_step (a);
    }
    off += seg;
  }
}

#define DEFINE_ADD_MULTI(T, SUFFIX)                                          \
int                                                                          \
mm_loudness_add_frames_multi_##SUFFIX (mm_loudness * const *m,               \
    const T * const *in, unsigned count, size_t frames)                      \
{                                                                            \
  if (!m || !in || count == 0)                                               \
    return MM_ERR_INVALID;                                                   \
  for (unsigned k = 0; k < count; k++)                                       \
    if (!m[k] || (!in[k] && frames))                                         \
      return MM_ERR_INVALID;                                                 \
  if (!groupable (m, count)) {                                               \
    for (unsigned k = 0; k < count; k++) {                                   \
      int err = mm_loudness_add_frames_##SUFFIX (m[k], in[k], frames);       \
      if (err)                                                               \
        return err;                                                          \
    }                                                                        \
    return MM_OK;                                                            \
  }                                                                          \
  for (size_t o = 0; o < frames; o += CHUNK) {                               \
    size_t n = frames - o < CHUNK ? frames - o : CHUNK;                      \
    for (unsigned k = 0; k < count; k++) {                                   \
      /* the chunk interleaved, as float, in the planes' memory */          \
      float *d = m[k]->plane[0];                                             \
      const T *src = in[k] + 2 * o;                                          \
      if (sizeof (T) == sizeof (float))                                      \
        memcpy (d, src, 2 * n * sizeof (float));                             \
      else                                                                   \
        for (size_t i = 0; i < 2 * n; i++)                                   \
          d[i] = (float) src[i];                                             \
      m[k]->nonfinite += mm_vector_sanitize_f32 (d, 2 * n);                  \
      measure_peaks_stereo (m[k], n);                                        \
    }                                                                        \
    measure_energy_multi (m, count, n);                                      \
  }                                                                          \
  return MM_OK;                                                              \
}                                                                            \
                                                                             \
int                                                                          \
mm_loudness_add_frames_pair_##SUFFIX (mm_loudness * a, const T * ina,        \
    mm_loudness * b, const T * inb, size_t frames)                           \
{                                                                            \
  mm_loudness *const m[2] = { a, b };                                        \
  const T *const in[2] = { ina, inb };                                       \
  return mm_loudness_add_frames_multi_##SUFFIX (m, in, 2, frames);           \
}

DEFINE_ADD_MULTI (float, f32)
DEFINE_ADD_MULTI (double, f64)

int
mm_loudness_momentary (const mm_loudness * m, double *lufs)
{
  if (!m || !lufs)
    return MM_ERR_INVALID;
  *lufs = energy_to_lufs (m->m_energy);
  return MM_OK;
}

int
mm_loudness_shortterm (const mm_loudness * m, double *lufs)
{
  if (!m || !lufs)
    return MM_ERR_INVALID;
  *lufs = energy_to_lufs (m->s_energy);
  return MM_OK;
}

int
mm_loudness_momentary_max (const mm_loudness * m, double *lufs)
{
  if (!m || !lufs)
    return MM_ERR_INVALID;
  *lufs = energy_to_lufs (m->m_energy_max);
  return MM_OK;
}

int
mm_loudness_shortterm_max (const mm_loudness * m, double *lufs)
{
  if (!m || !lufs)
    return MM_ERR_INVALID;
  *lufs = energy_to_lufs (m->s_energy_max);
  return MM_OK;
}

/* Bin of the histogram that holds loudness l (may be out of range). */
static long
bin_of (double l)
{
  return (long) floor ((l - HIST_MIN_LUFS) * HIST_BINS_PER_LU);
}

/* The bins outside every histogram's [lo, hi] are empty: scans start at
 * the first bin that may hold a block (and not before `from`) and end
 * after the last. */
static long
used_start (const histogram * const *h, size_t n, long from)
{
  long lo = HIST_BINS;
  for (size_t i = 0; i < n; i++)
    lo = h[i]->lo < lo ? h[i]->lo : lo;
  return from > lo ? from : lo < 0 ? 0 : lo;
}

static long
used_end (const histogram * const *h, size_t n)
{
  long hi = -1;
  for (size_t i = 0; i < n; i++)
    hi = h[i]->hi > hi ? h[i]->hi : hi;
  return hi + 1;
}

/* Sums count and energy over bins above the gate `gate` (LUFS) of n
 * histograms.  Bins wholly above count; the bin holding the gate counts
 * when its mean block is above the gate (its blocks lie within 0.01 LU). */
static void
gated_sums (const histogram * const *h, size_t n, double gate,
    uint64_t * count, double *energy)
{
  long g = bin_of (gate), end = used_end (h, n);
  double gate_e = lufs_to_energy (gate);
  *count = 0;
  *energy = 0.0;
  for (long b = used_start (h, n, g); b < end; b++) {
    uint64_t cnt = 0;
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
      cnt += h[i]->count[b];
      e += h[i]->energy[b];
    }
    if (cnt == 0 || (b == g && !(e / (double) cnt > gate_e)))
      continue;
    *count += cnt;
    *energy += e;
  }
}

/* The relative gate: power mean of all blocks above the absolute gate,
 * plus `offset` LU.  Returns 0 when there is no such block. */
static int
relative_gate (const histogram * const *h, size_t n, double offset,
    double *gate)
{
  uint64_t cnt;
  double e;
  gated_sums (h, n, ABS_GATE_LUFS, &cnt, &e);
  if (cnt == 0)
    return 0;
  *gate = energy_to_lufs (e / (double) cnt) + offset;
  return 1;
}

static double
integrated_of (const histogram * const *h, size_t n)
{
  double gate;
  uint64_t cnt;
  double e;
  if (!relative_gate (h, n, REL_GATE_I_LU, &gate))
    return MM_LOUDNESS_SILENCE;
  gated_sums (h, n, gate > ABS_GATE_LUFS ? gate : ABS_GATE_LUFS, &cnt, &e);
  return cnt ? energy_to_lufs (e / (double) cnt) : MM_LOUDNESS_SILENCE;
}

/* Loudness of the block of rank `rank` (0-based, ascending) among the
 * bins from `first`: the mean energy of its bin. */
static double
rank_value (const histogram * const *h, size_t n, long first, uint64_t rank)
{
  uint64_t seen = 0;
  long end = used_end (h, n);
  for (long b = used_start (h, n, first); b < end; b++) {
    uint64_t cnt = 0;
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
      cnt += h[i]->count[b];
      e += h[i]->energy[b];
    }
    if (cnt == 0)
      continue;
    if (rank < seen + cnt)
      return energy_to_lufs (e / (double) cnt);
    seen += cnt;
  }
  return MM_LOUDNESS_SILENCE;
}

/* EBU Tech 3342: 3 s blocks above the absolute gate and above their power
 * mean - 20 LU; LRA = 95th - 10th percentile (nearest rank, rounded). */
static double
range_of (const histogram * const *h, size_t n)
{
  double gate;
  if (!relative_gate (h, n, REL_GATE_LRA_LU, &gate))
    return 0.0;
  if (gate < ABS_GATE_LUFS)
    gate = ABS_GATE_LUFS;
  uint64_t cnt;
  double e;
  gated_sums (h, n, gate, &cnt, &e);
  if (cnt == 0)
    return 0.0;
  long first = bin_of (gate);
  if (first < 0)
    first = 0;
  /* The gate bin's blocks were counted only when its mean passed. */
  uint64_t c0 = 0;
  double e0 = 0.0;
  for (size_t i = 0; i < n; i++) {
    c0 += h[i]->count[first];
    e0 += h[i]->energy[first];
  }
  if (c0 && !(e0 / (double) c0 > lufs_to_energy (gate)))
    first++;
  uint64_t lo = (uint64_t) floor ((double) (cnt - 1) * 0.10 + 0.5);
  uint64_t hi = (uint64_t) floor ((double) (cnt - 1) * 0.95 + 0.5);
  return rank_value (h, n, first, hi) - rank_value (h, n, first, lo);
}

int
mm_loudness_integrated (const mm_loudness * m, double *lufs)
{
  if (!m || !lufs)
    return MM_ERR_INVALID;
  const histogram *h = m->blocks;
  *lufs = integrated_of (&h, 1);
  return MM_OK;
}

int
mm_loudness_relative_threshold (const mm_loudness * m, double *lufs)
{
  if (!m || !lufs)
    return MM_ERR_INVALID;
  const histogram *h = m->blocks;
  double gate;
  *lufs = relative_gate (&h, 1, REL_GATE_I_LU, &gate) ? gate : ABS_GATE_LUFS;
  return MM_OK;
}

int
mm_loudness_range (const mm_loudness * m, double *lu)
{
  if (!m || !lu)
    return MM_ERR_INVALID;
  const histogram *h = m->st_blocks;
  *lu = range_of (&h, 1);
  return MM_OK;
}

int
mm_loudness_sample_peak (const mm_loudness * m, unsigned ch, double *peak)
{
  if (!m || ch >= m->channels || !peak)
    return MM_ERR_INVALID;
  *peak = m->sample_peak[ch];
  return MM_OK;
}

int
mm_loudness_true_peak (const mm_loudness * m, unsigned ch, double *peak)
{
  if (!m || ch >= m->channels || !peak || !m->os)
    return MM_ERR_INVALID;
  /* The band-limited signal passes through its samples: the true peak is
   * never below the sample peak, whatever the interpolator's phases. */
  *peak = m->true_peak[ch] > m->sample_peak[ch] ?
      m->true_peak[ch] : m->sample_peak[ch];
  return MM_OK;
}

uint64_t
mm_loudness_get_frames (const mm_loudness * m)
{
  return m ? m->frames : 0;
}

uint64_t
mm_loudness_get_nonfinite (const mm_loudness * m)
{
  return m ? m->nonfinite : 0;
}

#define MULTIPLE_MAX 4096

/* Collects one histogram per meter; all meters must exist. */
static int
collect (const mm_loudness * const *meters, size_t n, int range,
    const histogram ** out)
{
  if (!meters || n == 0 || n > MULTIPLE_MAX)
    return MM_ERR_INVALID;
  for (size_t i = 0; i < n; i++) {
    if (!meters[i])
      return MM_ERR_INVALID;
    out[i] = range ? meters[i]->st_blocks : meters[i]->blocks;
  }
  return MM_OK;
}

int
mm_loudness_integrated_multiple (const mm_loudness * const *meters, size_t n,
    double *lufs)
{
  const histogram *h[MULTIPLE_MAX];
  int err = lufs ? collect (meters, n, 0, h) : MM_ERR_INVALID;
  if (err == MM_OK)
    *lufs = integrated_of (h, n);
  return err;
}

int
mm_loudness_range_multiple (const mm_loudness * const *meters, size_t n,
    double *lu)
{
  const histogram *h[MULTIPLE_MAX];
  int err = lu ? collect (meters, n, 1, h) : MM_ERR_INVALID;
  if (err == MM_OK)
    *lu = range_of (h, n);
  return err;
}
