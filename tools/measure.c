/* measure: loudnorm mode=measure with a 100 ms message interval.
 *
 * Why 100 ms: the meter's gating blocks (400 ms) and loudness-range blocks
 * (3 s) advance every 100 ms, and a message posted at the end of a 100 ms
 * step carries exactly the momentary (400 ms) and short-term (3 s) window
 * ending there — the very block the meter adds to its histograms (from the
 * fourth step for 400 ms blocks, the thirtieth for 3 s blocks).  Collecting
 * them gives album loudness with the gates acting on all files together,
 * through the element, without decoding twice, and at each file's own rate.
 * (Exact when 100 ms is a whole number of 10 ms meter steps in frames:
 * rates that are multiples of 100 Hz, which all common rates are.) */
#include "measure.h"
#include "pipeline.h"
#include "tool.h"

#include <math.h>
#include <string.h>

#define STEP_NS (100 * GST_MSECOND)
#define BLOCK_STEPS 4           /* 400 ms */
#define ST_BLOCK_STEPS 30       /* 3 s */

typedef struct
{
  MmLoudness *out;
  guint steps;                  /* non-final loudness messages seen */
  GArray *peaks;                /* gdouble per step from `level`, dBTP */
  gboolean final;
} Collect;

static void
add_point (Collect * c, const GstStructure * s)
{
  MmPoint p = { 0 };
  p.time = c->steps * (STEP_NS / (gdouble) GST_SECOND);
  gst_structure_get (s, "momentary-loudness", G_TYPE_DOUBLE, &p.momentary,
      "shortterm-loudness", G_TYPE_DOUBLE, &p.shortterm,
      "integrated-loudness", G_TYPE_DOUBLE, &p.integrated, NULL);
  p.true_peak = NAN;
  g_array_append_val (c->out->curve, p);
  if (c->steps >= BLOCK_STEPS)
    g_array_append_val (c->out->blocks, p.momentary);
  if (c->steps >= ST_BLOCK_STEPS)
    g_array_append_val (c->out->st_blocks, p.shortterm);
}

static void
take_final (Collect * c, const GstStructure * s)
{
  MmLoudness *l = c->out;
  guint64 duration = 0;
  gst_structure_get (s, "integrated-loudness", G_TYPE_DOUBLE, &l->integrated,
      "loudness-range", G_TYPE_DOUBLE, &l->range,
      "true-peak", G_TYPE_DOUBLE, &l->true_peak,
      "sample-peak", G_TYPE_DOUBLE, &l->sample_peak,
      "duration", G_TYPE_UINT64, &duration, NULL);
  l->duration = c->steps * (STEP_NS / (gdouble) GST_SECOND) +
      duration / (gdouble) GST_SECOND;
  c->final = TRUE;
}

/* The largest channel peak of a `level` message, dB. */
static gdouble
level_peak (const GstStructure * s)
{
  const GValue *peaks = gst_structure_get_value (s, "peak");
  gdouble max = -INFINITY;
  if (!peaks)
    return max;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS;   /* level posts a GValueArray */
  GValueArray *arr = g_value_get_boxed (peaks);
  for (guint i = 0; arr && i < arr->n_values; i++)
    max = MAX (max, g_value_get_double (g_value_array_get_nth (arr, i)));
  G_GNUC_END_IGNORE_DEPRECATIONS;
  return max;
}

static void
on_message (const GstStructure * s, GstObject * src, gpointer user_data)
{
  Collect *c = user_data;

  if (gst_structure_has_name (s, "loudness")) {
    gboolean final = FALSE;
    gst_structure_get_boolean (s, "final", &final);
    if (final) {
      take_final (c, s);
    } else {
      c->steps++;
      add_point (c, s);
    }
  } else if (gst_structure_has_name (s, "level")) {
    gdouble p = level_peak (s);
    g_array_append_val (c->peaks, p);
  }
}

/* tee ! queue ! audioresample ! (>= 176.4 kHz) ! level: the per-step peak
 * of the 4x-oversampled signal, a true-peak estimate for the plot. */
static gboolean
add_peak_branch (GstElement * pipeline, GstElement * tee, GError ** err)
{
  GstElement *q = mm_make ("queue", NULL, err);
  GstElement *res = q ? mm_make ("audioresample", NULL, err) : NULL;
  GstElement *filter = res ? mm_make ("capsfilter", NULL, err) : NULL;
  GstElement *level = filter ? mm_make ("level", NULL, err) : NULL;
  GstElement *sink = level ? mm_make ("fakesink", NULL, err) : NULL;
  if (!sink) {
    gst_clear_object (&q);
    gst_clear_object (&res);
    gst_clear_object (&filter);
    gst_clear_object (&level);
    return FALSE;
  }
  GstCaps *caps = gst_caps_from_string ("audio/x-raw,rate=[176400,768000]");
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (level, "interval", (guint64) STEP_NS, "post-messages", TRUE,
      NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), q, res, filter, level, sink, NULL);
  return gst_element_link_many (tee, q, res, filter, level, sink, NULL);
}

static GstElement *
build (const gchar * file, gboolean peaks, GstElement ** src, GError ** err)
{
  GstElement *source = mm_source_new (file, FALSE, err);
  GstElement *tee = source ? mm_make ("tee", NULL, err) : NULL;
  GstElement *q = tee ? mm_make ("queue", NULL, err) : NULL;
  GstElement *ln = q ? mm_make ("loudnorm", NULL, err) : NULL;
  GstElement *sink = ln ? mm_make ("fakesink", NULL, err) : NULL;
  GstElement *pipeline = NULL;

  if (sink) {
    gst_util_set_object_arg (G_OBJECT (ln), "mode", "measure");
    g_object_set (ln, "interval", (guint64) STEP_NS, NULL);
    g_object_set (sink, "sync", FALSE, NULL);
    pipeline = mm_pipeline_chain ("measure", err, source, tee, q, ln, sink,
        NULL);
    if (pipeline && peaks && !add_peak_branch (pipeline, tee, err))
      gst_clear_object (&pipeline);
    *src = source;
    return pipeline;
  }
  gst_clear_object (&source);
  gst_clear_object (&tee);
  gst_clear_object (&q);
  gst_clear_object (&ln);
  return NULL;
}

gboolean
mm_measure_file (const gchar * file, gboolean peaks, MmProgress * progress,
    guint job, MmLoudness * out, GError ** err)
{
  GstElement *source = NULL, *pipeline;
  Collect c = { out, 0, NULL, FALSE };
  gboolean ok;

  memset (out, 0, sizeof (*out));
  out->file = g_strdup (file);
  out->integrated = out->true_peak = out->sample_peak = -INFINITY;
  out->blocks = g_array_new (FALSE, FALSE, sizeof (gdouble));
  out->st_blocks = g_array_new (FALSE, FALSE, sizeof (gdouble));
  out->curve = g_array_new (FALSE, FALSE, sizeof (MmPoint));
  if (!mm_input_check (file, err))
    return FALSE;
  pipeline = build (file, peaks, &source, err);
  if (!pipeline)
    return FALSE;

  c.peaks = g_array_new (FALSE, FALSE, sizeof (gdouble));
  MmRunOptions opts = { on_message, &c, progress, job, source, NULL };
  ok = mm_run_pipeline (pipeline, &opts, NULL, err);
  gst_object_unref (pipeline);

  for (guint i = 0; peaks && i < MIN (c.peaks->len, out->curve->len); i++)
    g_array_index (out->curve, MmPoint, i).true_peak =
        g_array_index (c.peaks, gdouble, i);
  g_array_unref (c.peaks);
  if (ok && !c.final) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot decode: no audio measured", file);
    ok = FALSE;
  }
  return ok;
}

void
mm_loudness_clear (MmLoudness * l)
{
  g_clear_pointer (&l->file, g_free);
  g_clear_pointer (&l->blocks, g_array_unref);
  g_clear_pointer (&l->st_blocks, g_array_unref);
  g_clear_pointer (&l->curve, g_array_unref);
}

/* ------------------------------------------------------------------ */
/* Album values: the meter's histogram gating (dsp/loudness.c) over the
 * blocks of all files.  Blocks are binned in 0.01 LU bins from -70 LUFS
 * that keep their exact energy sums; the bin holding a gate counts when
 * its mean block is above the gate — the meter's own rule, so the album
 * value is the one mm_loudness_integrated_multiple gives. */

#define ABS_GATE (-70.0)
#define BINS_PER_LU 100
#define BINS (100 * BINS_PER_LU)

typedef struct
{
  guint64 count[BINS];
  gdouble energy[BINS];
} Histogram;

static gdouble
to_energy (gdouble lufs)
{
  return pow (10.0, (lufs + 0.691) / 10.0);
}

static gdouble
to_lufs (gdouble energy)
{
  return energy > 0 ? -0.691 + 10.0 * log10 (energy) : -INFINITY;
}

static Histogram *
histogram_of (const MmLoudness * const *items, guint n, gboolean st)
{
  Histogram *h = g_new0 (Histogram, 1);
  for (guint i = 0; i < n; i++) {
    const GArray *a = st ? items[i]->st_blocks : items[i]->blocks;
    for (guint k = 0; k < a->len; k++) {
      gdouble l = g_array_index (a, gdouble, k);
      if (!(l > ABS_GATE))
        continue;
      glong bin = MIN ((glong) ((l - ABS_GATE) * BINS_PER_LU), BINS - 1);
      h->count[bin]++;
      h->energy[bin] += to_energy (l);
    }
  }
  return h;
}

static glong
bin_of (gdouble lufs)
{
  return (glong) floor ((lufs - ABS_GATE) * BINS_PER_LU);
}

/* Count and energy of the blocks above `gate`. */
static void
gated_sums (const Histogram * h, gdouble gate, guint64 * count,
    gdouble * energy)
{
  glong g = bin_of (gate);
  gdouble gate_e = to_energy (gate);
  *count = 0;
  *energy = 0;
  for (glong b = MAX (g, 0); b < BINS; b++) {
    if (!h->count[b] || (b == g && !(h->energy[b] / h->count[b] > gate_e)))
      continue;
    *count += h->count[b];
    *energy += h->energy[b];
  }
}

/* Power mean of the blocks above the absolute gate, plus `offset` LU. */
static gboolean
relative_gate (const Histogram * h, gdouble offset, gdouble * gate)
{
  guint64 cnt;
  gdouble e;
  gated_sums (h, ABS_GATE, &cnt, &e);
  if (!cnt)
    return FALSE;
  *gate = MAX (to_lufs (e / cnt) + offset, ABS_GATE);
  return TRUE;
}

gdouble
mm_album_integrated (const MmLoudness * const *items, guint n)
{
  Histogram *h = histogram_of (items, n, FALSE);
  gdouble gate, e, result = -INFINITY;
  guint64 cnt;
  if (relative_gate (h, -10.0, &gate)) {
    gated_sums (h, gate, &cnt, &e);
    if (cnt)
      result = to_lufs (e / cnt);
  }
  g_free (h);
  return result;
}

/* The mean loudness of the bin holding the block of rank `rank` among
 * the bins from `first`. */
static gdouble
rank_value (const Histogram * h, glong first, guint64 rank)
{
  guint64 seen = 0;
  for (glong b = first; b < BINS; b++) {
    if (!h->count[b])
      continue;
    if (rank < seen + h->count[b])
      return to_lufs (h->energy[b] / h->count[b]);
    seen += h->count[b];
  }
  return -INFINITY;
}

/* EBU Tech 3342: 95th minus 10th percentile of the 3 s blocks above the
 * absolute gate and 20 LU under their power mean. */
gdouble
mm_album_range (const MmLoudness * const *items, guint n)
{
  Histogram *h = histogram_of (items, n, TRUE);
  gdouble gate, e, result = 0;
  guint64 cnt;
  if (relative_gate (h, -20.0, &gate)) {
    gated_sums (h, gate, &cnt, &e);
    glong first = MAX (bin_of (gate), 0);
    if (h->count[first] && !(h->energy[first] / h->count[first] >
            to_energy (gate)))
      first++;
    if (cnt) {
      guint64 lo = (guint64) floor ((cnt - 1) * 0.10 + 0.5);
      guint64 hi = (guint64) floor ((cnt - 1) * 0.95 + 0.5);
      result = rank_value (h, first, hi) - rank_value (h, first, lo);
    }
  }
  g_free (h);
  return result;
}
