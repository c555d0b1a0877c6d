/* loudnorm: EBU R128 / ITU-R BS.1770-4 loudness measurement and
 * normalisation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-loudnorm
 * @title: loudnorm
 *
 * Measures loudness as EBU R128 / ITU-R BS.1770-4 define it (momentary,
 * short-term, integrated, loudness range, sample and true peak) and, in
 * its normalising modes, brings it to #GstLoudnorm:loudness-target under a
 * true-peak ceiling #GstLoudnorm:max-true-peak:
 *
 * * `measure`: audio passes through bit-exact; messages only.
 * * `live` (default): one pass, dynamic gain with #GstLoudnorm:lookahead of
 *   latency; for live streams.
 * * `linear`: one constant gain, target minus #GstLoudnorm:measured-loudness
 *   (measured by a first pass with `mode=measure`, or an album's combined
 *   loudness); the true-peak limiter catches the peaks the gain pushes over
 *   the ceiling.  It never turns dynamic: missing values or limiting are
 *   announced with a WARNING and in the `normalization` field.
 * * `file`: two passes in one run: the stream is spooled to an unlinked
 *   temporary file, measured, and played out at one constant gain that is
 *   corrected (by re-measuring the limited result) until the OUTPUT hits
 *   the target.  Non-live pipelines only.
 *
 * Output keeps the input's rate and format.  Output frame k carries input
 * frame k's timestamp; the latency (lookahead plus 5 ms of limiter) is
 * reported in the LATENCY query and drained at EOS.
 *
 * Channel positions give the BS.1770 weights (LFE excluded).  GAP buffers
 * and GAP events count as silence.  NaN/Inf samples (and F64 values beyond
 * the float range) are measured as silence, counted in `nonfinite-samples`
 * and reported once per stream with a WARNING; the limiter never lets them
 * through.
 *
 * ## Messages
 *
 * Every #GstLoudnorm:interval of input, and once more just before EOS goes
 * downstream, an element message named `loudness`:
 *
 * * `timestamp` (guint64): input timestamp of the interval's first frame
 * * `running-time`, `stream-time` (guint64), `duration` (guint64, ns)
 * * `momentary-loudness`, `shortterm-loudness`, `integrated-loudness`
 *   (gdouble, LUFS), `loudness-range` (gdouble, LU) of the input
 * * `sample-peak` (dBFS), `true-peak` (dBTP), `channel-sample-peak`,
 *   `channel-true-peak` (GstValueArray of gdouble) of the input
 * * `nonfinite-samples` (guint64), `final` (gboolean)
 *
 * and in the modes `live`, `linear`, `file` also
 *
 * * `output-momentary-loudness`, `output-shortterm-loudness`,
 *   `output-integrated-loudness` (LUFS), `output-loudness-range` (LU),
 *   `output-true-peak` (dBTP)
 * * `gain` (gdouble, dB): the gain applied now (before the limiter)
 * * `limiter-reduction` (gdouble, dB): the largest limiter gain reduction
 *   in the interval (in the final message: over the whole stream)
 * * `normalization` (string): `dynamic`, `linear`, `linear-limited` (the
 *   limiter had to work) or `none` (no gain could be chosen)
 *
 * At EOS it also sends a tag event downstream: track gain (ReplayGain 2
 * reference, -18 LUFS), track peak (true peak, linear) and reference level.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m audiotestsrc num-buffers=500 ! loudnorm mode=measure ! fakesink
 * ]| Measures, one message every second and one at the end.
 * |[
 * gst-launch-1.0 filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     loudnorm mode=file loudness-target=-16 max-true-peak=-1 ! \
 *     audioconvert ! wavenc ! filesink location=out.wav
 * ]| True two-pass normalisation of a file in one run.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstloudnorm.h"

#include <math.h>
#include <string.h>

#include "elements.h"
#include "mmchannels.h"

GST_DEBUG_CATEGORY_STATIC (gst_loudnorm_debug);
#define GST_CAT_DEFAULT gst_loudnorm_debug

#define DEFAULT_PROP_MODE GST_LOUDNORM_MODE_LIVE
#define DEFAULT_PROP_INTERVAL GST_SECOND
#define MIN_PROP_INTERVAL (10 * GST_MSECOND)
#define MAX_PROP_INTERVAL (3600 * GST_SECOND)
#define DEFAULT_PROP_POST_MESSAGES TRUE
#define DEFAULT_PROP_TARGET -23.0
#define DEFAULT_PROP_MAX_TRUE_PEAK -1.0
#define DEFAULT_PROP_RANGE_TARGET 7.0
#define DEFAULT_PROP_LOOKAHEAD 3000.0
#define DEFAULT_PROP_OFFSET 0.0
#define UNSET_MEASURED -100.0

/* Frames of zeros kept for GAP buffers. */
#define SILENCE_FRAMES 4096
/* file mode: frames per read from the spool / per output buffer */
#define SPOOL_CHUNK 8192
/* file mode: the output is re-measured until it is this close */
#define FILE_TOLERANCE_LU 0.03
#define FILE_MAX_PASSES 8
#define FILE_GAIN_MAX 60.0      /* dB, the normaliser's range */
/* limiter work above this counts as "linear-limited" */
#define LIMITED_DB 0.05
/* ReplayGain 2: -18 LUFS reference, reported as 89 dB SPL */
#define RG2_REFERENCE_LUFS -18.0
#define RG2_REFERENCE_LEVEL 89.0

enum
{
  PROP_0,
  PROP_MODE,
  PROP_LOUDNESS_TARGET,
  PROP_MAX_TRUE_PEAK,
  PROP_LOUDNESS_RANGE_TARGET,
  PROP_LOOKAHEAD,
  PROP_MEASURED_LOUDNESS,
  PROP_MEASURED_TRUE_PEAK,
  PROP_MEASURED_RANGE,
  PROP_OFFSET,
  PROP_INTERVAL,
  PROP_POST_MESSAGES,
  PROP_MOMENTARY_LOUDNESS,
  PROP_SHORTTERM_LOUDNESS,
  PROP_INTEGRATED_LOUDNESS,
  PROP_LOUDNESS_RANGE,
  PROP_SAMPLE_PEAK,
  PROP_TRUE_PEAK,
  PROP_OUTPUT_INTEGRATED_LOUDNESS,
  PROP_OUTPUT_TRUE_PEAK,
  PROP_GAIN,
  PROP_NONFINITE_SAMPLES,
};

enum
{
  SIGNAL_RESET,
  LAST_SIGNAL
};

static guint gst_loudnorm_signals[LAST_SIGNAL];

#define ALLOWED_CAPS \
  "audio/x-raw, " \
  "format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

#define gst_loudnorm_parent_class parent_class
G_DEFINE_TYPE (GstLoudnorm, gst_loudnorm, GST_TYPE_MM_LOOKAHEAD);
GST_ELEMENT_REGISTER_DEFINE (loudnorm, "loudnorm", GST_RANK_NONE,
    GST_TYPE_LOUDNORM);

GType
gst_loudnorm_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_LOUDNORM_MODE_MEASURE,
        "Measure only; audio passes through bit-exact", "measure"},
    {GST_LOUDNORM_MODE_LIVE,
        "One pass, dynamic gain with lookahead (live streams)", "live"},
    {GST_LOUDNORM_MODE_LINEAR,
        "One constant gain from measured-loudness (two-pass, album)", "linear"},
    {GST_LOUDNORM_MODE_FILE,
        "Spool to a temporary file, measure, then one constant gain that "
          "makes the output hit the target (non-live only)", "file"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstLoudnormMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void gst_loudnorm_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_loudnorm_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_loudnorm_finalize (GObject * object);
static gboolean gst_loudnorm_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_loudnorm_stop (GstBaseTransform * trans);
static gboolean gst_loudnorm_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static GstFlowReturn gst_loudnorm_submit_input_buffer (GstBaseTransform *
    trans, gboolean is_discont, GstBuffer * input);
static void gst_loudnorm_process (GstMmLookahead * base, gconstpointer in,
    gpointer out, guint frames);
static guint gst_loudnorm_get_latency_frames (GstMmLookahead * base);
static void gst_loudnorm_base_reset (GstMmLookahead * base);
static GstFlowReturn gst_loudnorm_handle_input (GstMmLookahead * base,
    GstBuffer * buf, guint frames);
static GstFlowReturn gst_loudnorm_drain (GstMmLookahead * base);
static void gst_loudnorm_reset (GstLoudnorm * self);

static void
install_double (GObjectClass * gobject_class, guint prop_id,
    const gchar * name, const gchar * nick, const gchar * blurb,
    gdouble min, gdouble max, gdouble def, GParamFlags flags)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_double (name, nick, blurb, min, max, def,
          flags | G_PARAM_STATIC_STRINGS));
}

#define RW (G_PARAM_READWRITE)
#define RO (G_PARAM_READABLE)
#define PLAYING_CONTROLLABLE (GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE)

static void
install_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "What the element does: measure (bit-exact pass-through), live "
          "(dynamic, lookahead), linear (constant gain from measured-loudness)"
          ", file (spool, measure, constant gain; non-live only)",
          GST_TYPE_LOUDNORM_MODE, DEFAULT_PROP_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  install_double (gobject_class, PROP_LOUDNESS_TARGET, "loudness-target",
      "Loudness target", "Integrated loudness the output aims at, in LUFS "
      "(-70 to 0)", -70.0, 0.0, DEFAULT_PROP_TARGET, RW | PLAYING_CONTROLLABLE);
  install_double (gobject_class, PROP_MAX_TRUE_PEAK, "max-true-peak",
      "Maximum true peak", "Ceiling of the output's true peak, in dBTP "
      "(-9 to 0); the limiter holds it", -9.0, 0.0,
      DEFAULT_PROP_MAX_TRUE_PEAK, RW | PLAYING_CONTROLLABLE);
  install_double (gobject_class, PROP_LOUDNESS_RANGE_TARGET,
      "loudness-range-target", "Loudness range target",
      "mode=live: short-term loudness may stray this far (in LU, 1 to 50) "
      "around the integrated loudness before the gain rides it",
      1.0, 50.0, DEFAULT_PROP_RANGE_TARGET, RW | PLAYING_CONTROLLABLE);
  install_double (gobject_class, PROP_LOOKAHEAD, "lookahead", "Lookahead",
      "mode=live: how far ahead the gain sees, in ms (100 to 10000); the "
      "latency is this plus 5 ms of limiter", 100.0, 10000.0,
      DEFAULT_PROP_LOOKAHEAD, RW | GST_PARAM_MUTABLE_READY);
  install_double (gobject_class, PROP_MEASURED_LOUDNESS, "measured-loudness",
      "Measured loudness", "mode=linear: integrated loudness of the whole "
      "input (from mode=measure, or an album's combined loudness), in LUFS "
      "(-70 to +10); -100 = not measured", -100.0, 10.0, UNSET_MEASURED,
      RW | GST_PARAM_MUTABLE_PLAYING);
  install_double (gobject_class, PROP_MEASURED_TRUE_PEAK,
      "measured-true-peak", "Measured true peak",
      "mode=linear: true peak of the whole input, in dBTP (-99 to +30), "
      "to predict limiting; -100 = not measured", -100.0, 30.0,
      UNSET_MEASURED, RW | GST_PARAM_MUTABLE_PLAYING);
  install_double (gobject_class, PROP_MEASURED_RANGE, "measured-range",
      "Measured loudness range", "mode=linear: loudness range of the whole "
      "input, in LU (0 to 100), reported back in messages; -1 = not "
      "measured", -1.0, 100.0, -1.0, RW | GST_PARAM_MUTABLE_PLAYING);
  install_double (gobject_class, PROP_OFFSET, "offset", "Offset",
      "Added to the gain, in LU (-40 to +40)", -40.0, 40.0,
      DEFAULT_PROP_OFFSET, RW | PLAYING_CONTROLLABLE);
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Interval between loudness messages, in nanoseconds of input "
          "(10 ms to 1 hour)",
          MIN_PROP_INTERVAL, MAX_PROP_INTERVAL, DEFAULT_PROP_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a 'loudness' element message every interval and at EOS",
          DEFAULT_PROP_POST_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  install_double (gobject_class, PROP_MOMENTARY_LOUDNESS,
      "momentary-loudness", "Momentary loudness",
      "Input momentary loudness (400 ms) now, in LUFS; -inf for silence "
      "(read-only)", -INFINITY, G_MAXDOUBLE, -INFINITY, RO);
  install_double (gobject_class, PROP_SHORTTERM_LOUDNESS,
      "shortterm-loudness", "Short-term loudness",
      "Input short-term loudness (3 s) now, in LUFS; -inf for silence "
      "(read-only)", -INFINITY, G_MAXDOUBLE, -INFINITY, RO);
  install_double (gobject_class, PROP_INTEGRATED_LOUDNESS,
      "integrated-loudness", "Integrated loudness",
      "Gated integrated loudness of the input since the start or the last "
      "reset, in LUFS; -inf until a block passes the gates (read-only)",
      -INFINITY, G_MAXDOUBLE, -INFINITY, RO);
  install_double (gobject_class, PROP_LOUDNESS_RANGE, "loudness-range",
      "Loudness range", "Loudness range (EBU Tech 3342) of the input since "
      "the start or the last reset, in LU (read-only)", 0.0, G_MAXDOUBLE,
      0.0, RO);
  install_double (gobject_class, PROP_SAMPLE_PEAK, "sample-peak",
      "Sample peak", "Largest input sample over all channels since the "
      "start or the last reset, in dBFS; -inf for silence (read-only)",
      -INFINITY, G_MAXDOUBLE, -INFINITY, RO);
  install_double (gobject_class, PROP_TRUE_PEAK, "true-peak", "True peak",
      "Input true peak (BS.1770-4 Annex 2) over all channels since the "
      "start or the last reset, in dBTP; -inf for silence (read-only)",
      -INFINITY, G_MAXDOUBLE, -INFINITY, RO);
  install_double (gobject_class, PROP_OUTPUT_INTEGRATED_LOUDNESS,
      "output-integrated-loudness", "Output integrated loudness",
      "Integrated loudness of the output so far, in LUFS (live, linear, "
      "file; -inf otherwise) (read-only)", -INFINITY, G_MAXDOUBLE,
      -INFINITY, RO);
  install_double (gobject_class, PROP_OUTPUT_TRUE_PEAK, "output-true-peak",
      "Output true peak", "True peak of the output so far, in dBTP (live, "
      "linear, file; -inf otherwise) (read-only)", -INFINITY, G_MAXDOUBLE,
      -INFINITY, RO);
  install_double (gobject_class, PROP_GAIN, "gain", "Gain",
      "Gain applied now (before the limiter), in dB (read-only)",
      -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, RO);
  g_object_class_install_property (gobject_class, PROP_NONFINITE_SAMPLES,
      g_param_spec_uint64 ("nonfinite-samples", "Non-finite samples",
          "Input samples that were NaN or infinite and were measured as "
          "silence, since the start or the last reset (read-only)",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_loudnorm_class_init (GstLoudnormClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstMmLookaheadClass *base_class = GST_MM_LOOKAHEAD_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (gst_loudnorm_debug, "loudnorm", 0,
      "EBU R128 loudness measurement and normalisation");

  gobject_class->set_property = gst_loudnorm_set_property;
  gobject_class->get_property = gst_loudnorm_get_property;
  gobject_class->finalize = gst_loudnorm_finalize;
  install_properties (gobject_class);

  /**
   * GstLoudnorm::reset:
   *
   * Action signal: clears every measurement (integrated loudness, range,
   * peaks, windows) and restarts the message interval; in `live` mode the
   * gain decisions start over (a new programme).  Audio keeps flowing.
   */
  gst_loudnorm_signals[SIGNAL_RESET] =
      g_signal_new ("reset", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_STRUCT_OFFSET (GstLoudnormClass, reset), NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  klass->reset = gst_loudnorm_reset;

  gst_element_class_set_static_metadata (element_class,
      "Loudness normaliser", "Filter/Effect/Audio",
      "EBU R128 / ITU-R BS.1770-4 loudness measurement and normalisation "
      "(live, linear, two-pass file) with a true-peak limiter",
      "mixmaster developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_loudnorm_setup);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_loudnorm_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_loudnorm_sink_event);
  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_loudnorm_submit_input_buffer);
  base_class->process = GST_DEBUG_FUNCPTR (gst_loudnorm_process);
  base_class->get_latency_frames =
      GST_DEBUG_FUNCPTR (gst_loudnorm_get_latency_frames);
  base_class->reset = GST_DEBUG_FUNCPTR (gst_loudnorm_base_reset);
  base_class->handle_input = GST_DEBUG_FUNCPTR (gst_loudnorm_handle_input);
  base_class->drain = GST_DEBUG_FUNCPTR (gst_loudnorm_drain);

  gst_type_mark_as_plugin_api (GST_TYPE_LOUDNORM_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MM_LOOKAHEAD, 0);
}

static void
gst_loudnorm_init (GstLoudnorm * self)
{
  self->mode = DEFAULT_PROP_MODE;
  self->interval = DEFAULT_PROP_INTERVAL;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->target = DEFAULT_PROP_TARGET;
  self->max_true_peak = DEFAULT_PROP_MAX_TRUE_PEAK;
  self->range_target = DEFAULT_PROP_RANGE_TARGET;
  self->lookahead_ms = DEFAULT_PROP_LOOKAHEAD;
  self->offset = DEFAULT_PROP_OFFSET;
  self->measured_loudness = UNSET_MEASURED;
  self->measured_true_peak = UNSET_MEASURED;
  self->measured_range = -1.0;
  gst_mm_interval_init (&self->clock);
  self->normalization = g_strdup ("none");
}

static void
free_stream_state (GstLoudnorm * self)
{
  mm_loudness_free (&self->meter);
  mm_loudnorm_free (&self->norm);
  gst_mm_spool_free (self->spool);
  self->spool = NULL;
}

static void
gst_loudnorm_finalize (GObject * object)
{
  GstLoudnorm *self = GST_LOUDNORM (object);

  free_stream_state (self);
  g_free (self->silence);
  g_free (self->normalization);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* The meters the messages and properties read; object lock held. */
static const mm_loudness *
input_meter (GstLoudnorm * self)
{
  return self->norm && self->active_mode != GST_LOUDNORM_MODE_FILE ?
      mm_loudnorm_get_input_meter (self->norm) : self->meter;
}

static const mm_loudness *
output_meter (GstLoudnorm * self)
{
  return self->norm ? mm_loudnorm_get_output_meter (self->norm) : NULL;
}

static void
set_normalization (GstLoudnorm * self, const gchar * what)
{
  g_free (self->normalization);
  self->normalization = g_strdup (what);
}

/* Restart the measurements; object lock held. */
static void
reset_measurements_locked (GstLoudnorm * self)
{
  if (self->meter)
    mm_loudness_reset (self->meter);
  if (self->norm)
    mm_loudnorm_reset_meters (self->norm);
  gst_mm_interval_restart (&self->clock);
  self->reduction_interval = 0.0;
}

static void
gst_loudnorm_reset (GstLoudnorm * self)
{
  GST_OBJECT_LOCK (self);
  reset_measurements_locked (self);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_loudnorm_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLoudnorm *self = GST_LOUDNORM (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_LOUDNESS_TARGET:
      self->target = g_value_get_double (value);
      break;
    case PROP_MAX_TRUE_PEAK:
      self->max_true_peak = g_value_get_double (value);
      break;
    case PROP_LOUDNESS_RANGE_TARGET:
      self->range_target = g_value_get_double (value);
      break;
    case PROP_LOOKAHEAD:
      self->lookahead_ms = g_value_get_double (value);
      break;
    case PROP_MEASURED_LOUDNESS:
      self->measured_loudness = g_value_get_double (value);
      self->measured_loudness_set = self->measured_loudness >= -70.0;
      break;
    case PROP_MEASURED_TRUE_PEAK:
      self->measured_true_peak = g_value_get_double (value);
      self->measured_true_peak_set = self->measured_true_peak > -99.0;
      break;
    case PROP_MEASURED_RANGE:
      self->measured_range = g_value_get_double (value);
      self->measured_range_set = self->measured_range >= 0.0;
      break;
    case PROP_OFFSET:
      self->offset = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint64 (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* A per-channel peak (linear) of a meter or of the normaliser. */
typedef int (*PeakGetter) (GstLoudnorm * self, guint ch, gdouble * peak);

static int
in_sample_peak (GstLoudnorm * self, guint ch, gdouble * p)
{
  return mm_loudness_sample_peak (input_meter (self), ch, p);
}

/* The normaliser's limiter sees every sample once oversampled: its detector
 * gives the true peaks in the modes that have one. */
static int
in_true_peak (GstLoudnorm * self, guint ch, gdouble * p)
{
  if (self->norm && self->active_mode != GST_LOUDNORM_MODE_FILE)
    return mm_loudnorm_get_input_true_peak (self->norm, ch, p);
  return mm_loudness_true_peak (self->meter, ch, p);
}

static int
out_true_peak (GstLoudnorm * self, guint ch, gdouble * p)
{
  return mm_loudnorm_get_output_true_peak (self->norm, ch, p);
}

static guint
channel_count (GstLoudnorm * self)
{
  return mm_loudness_get_channels (input_meter (self));
}

/* Largest per-channel peak in dB (-inf before a stream). */
static gdouble
peak_db (GstLoudnorm * self, PeakGetter get)
{
  gdouble max = 0.0, p;
  if (!input_meter (self))
    return -INFINITY;
  for (guint c = 0; c < channel_count (self); c++)
    if (get (self, c, &p) == MM_OK && p > max)
      max = p;
  return mm_linear_to_db (max);
}

static gdouble
read_result (const mm_loudness * meter, int (*get) (const mm_loudness *,
        double *), gdouble none)
{
  gdouble v = none;
  if (meter)
    get (meter, &v);
  return v;
}

static void
gst_loudnorm_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLoudnorm *self = GST_LOUDNORM (object);
  const mm_loudness *in, *out;

  GST_OBJECT_LOCK (self);
  in = input_meter (self);
  out = output_meter (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_LOUDNESS_TARGET:
      g_value_set_double (value, self->target);
      break;
    case PROP_MAX_TRUE_PEAK:
      g_value_set_double (value, self->max_true_peak);
      break;
    case PROP_LOUDNESS_RANGE_TARGET:
      g_value_set_double (value, self->range_target);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_double (value, self->lookahead_ms);
      break;
    case PROP_MEASURED_LOUDNESS:
      g_value_set_double (value, self->measured_loudness);
      break;
    case PROP_MEASURED_TRUE_PEAK:
      g_value_set_double (value, self->measured_true_peak);
      break;
    case PROP_MEASURED_RANGE:
      g_value_set_double (value, self->measured_range);
      break;
    case PROP_OFFSET:
      g_value_set_double (value, self->offset);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->interval);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_MOMENTARY_LOUDNESS:
      g_value_set_double (value, read_result (in, mm_loudness_momentary,
              -INFINITY));
      break;
    case PROP_SHORTTERM_LOUDNESS:
      g_value_set_double (value, read_result (in, mm_loudness_shortterm,
              -INFINITY));
      break;
    case PROP_INTEGRATED_LOUDNESS:
      g_value_set_double (value, read_result (in, mm_loudness_integrated,
              -INFINITY));
      break;
    case PROP_LOUDNESS_RANGE:
      g_value_set_double (value, read_result (in, mm_loudness_range, 0.0));
      break;
    case PROP_SAMPLE_PEAK:
      g_value_set_double (value, peak_db (self, in_sample_peak));
      break;
    case PROP_TRUE_PEAK:
      g_value_set_double (value, peak_db (self, in_true_peak));
      break;
    case PROP_OUTPUT_INTEGRATED_LOUDNESS:
      g_value_set_double (value, read_result (out, mm_loudness_integrated,
              -INFINITY));
      break;
    case PROP_OUTPUT_TRUE_PEAK:
      g_value_set_double (value, out ? peak_db (self, out_true_peak) :
          -INFINITY);
      break;
    case PROP_GAIN:
      g_value_set_double (value, self->norm ?
          mm_loudnorm_get_gain (self->norm) : 0.0);
      break;
    case PROP_NONFINITE_SAMPLES:
      g_value_set_uint64 (value, mm_loudness_get_nonfinite (in));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------ */
/* Stream set-up                                                        */

/* The DSP of the mode, weighted for the channel positions.  For `file`
 * the normaliser is the linear one its final passes use. */
static gboolean
make_stream_state (GstLoudnorm * self, GstLoudnormMode mode,
    const GstAudioInfo * info, gdouble lookahead_ms)
{
  gint channels = GST_AUDIO_INFO_CHANNELS (info);
  gint rate = GST_AUDIO_INFO_RATE (info);
  gdouble weights[MM_CHANNELS_MAX];

  gst_mm_channel_weights (info, weights);
  if (mode == GST_LOUDNORM_MODE_MEASURE || mode == GST_LOUDNORM_MODE_FILE) {
    self->meter = mm_loudness_new (rate, channels, MM_LOUDNESS_TRUE_PEAK);
    if (!self->meter)
      return FALSE;
    for (gint c = 0; c < channels; c++)
      mm_loudness_set_channel_weight (self->meter, c, weights[c]);
  }
  if (mode != GST_LOUDNORM_MODE_MEASURE) {
    self->norm = mm_loudnorm_new (rate, channels,
        mode == GST_LOUDNORM_MODE_LIVE ? MM_LOUDNORM_LIVE : MM_LOUDNORM_LINEAR,
        lookahead_ms, GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64 ?
        MM_LOUDNORM_F64 : 0);
    if (!self->norm)
      return FALSE;
    for (gint c = 0; c < channels; c++)
      mm_loudnorm_set_channel_weight (self->norm, c, weights[c]);
  }
  return TRUE;
}

static gboolean
gst_loudnorm_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstLoudnorm *self = GST_LOUDNORM (filter);
  GstLoudnormMode mode;
  gdouble lookahead_ms;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  mode = self->mode;
  lookahead_ms = self->lookahead_ms;
  free_stream_state (self);
  self->active_mode = mode;
  self->rate = GST_AUDIO_INFO_RATE (info);
  self->clock.rate = self->rate;
  self->bpf = GST_AUDIO_INFO_BPF (info);
  self->f64 = GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64;
  ok = make_stream_state (self, mode, info, lookahead_ms);
  g_free (self->silence);
  self->silence = g_malloc0 ((gsize) SILENCE_FRAMES * self->bpf);
  self->gain_valid = FALSE;
  set_normalization (self, mode == GST_LOUDNORM_MODE_LIVE ? "dynamic" :
      mode == GST_LOUDNORM_MODE_MEASURE ? "none" : "linear");
  GST_OBJECT_UNLOCK (self);

  if (!ok) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("Cannot process %d channels at %d Hz (out of memory?)",
            GST_AUDIO_INFO_CHANNELS (info), GST_AUDIO_INFO_RATE (info)));
    return FALSE;
  }
  g_atomic_int_set (&self->warned_nonfinite, FALSE);
  gst_mm_lookahead_set_bypass (GST_MM_LOOKAHEAD (self),
      mode == GST_LOUDNORM_MODE_MEASURE);
  /* chain up last: the base class resets and reads the latency */
  return GST_AUDIO_FILTER_CLASS (parent_class)->setup (filter, info);
}

static gboolean
gst_loudnorm_stop (GstBaseTransform * trans)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  GST_OBJECT_LOCK (self);
  free_stream_state (self);
  GST_OBJECT_UNLOCK (self);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->stop ?
      GST_BASE_TRANSFORM_CLASS (parent_class)->stop (trans) : TRUE;
}

static guint
gst_loudnorm_get_latency_frames (GstMmLookahead * base)
{
  GstLoudnorm *self = GST_LOUDNORM (base);
  guint latency;

  GST_OBJECT_LOCK (self);
  latency = self->norm ? mm_loudnorm_get_latency (self->norm) : 0;
  GST_OBJECT_UNLOCK (self);
  return latency;
}

static void
gst_loudnorm_base_reset (GstMmLookahead * base)
{
  GstLoudnorm *self = GST_LOUDNORM (base);

  GST_OBJECT_LOCK (self);
  if (self->norm)
    mm_loudnorm_reset (self->norm);
  gst_mm_spool_free (self->spool);
  self->spool = NULL;
  reset_measurements_locked (self);
  self->clock.base_ts = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------ */
/* Parameters                                                           */

/* The linear gain from the measured loudness; object lock held.  FALSE
 * when it cannot be chosen. */
static gboolean
linear_gain_locked (GstLoudnorm * self, gdouble * gain)
{
  if (!self->measured_loudness_set)
    return FALSE;
  *gain = CLAMP (self->target + self->offset - self->measured_loudness,
      -60.0, 60.0);
  return TRUE;
}

/* Copies the properties to the DSP (which ramps and glides), once per
 * buffer, in the streaming thread. */
static void
sync_params (GstLoudnorm * self, GstClockTime ts)
{
  if (GST_CLOCK_TIME_IS_VALID (ts))
    gst_object_sync_values (GST_OBJECT (self), ts);

  GST_OBJECT_LOCK (self);
  if (self->norm) {
    mm_loudnorm_set_target (self->norm, self->target);
    mm_loudnorm_set_offset (self->norm, self->offset);
    mm_loudnorm_set_ceiling (self->norm, self->max_true_peak);
    mm_loudnorm_set_range_target (self->norm, self->range_target);
  }
  if (self->norm && self->active_mode == GST_LOUDNORM_MODE_LINEAR) {
    gdouble gain;
    self->gain_valid = linear_gain_locked (self, &gain);
    if (!self->gain_valid)
      gain = 0.0;
    if (gain != self->gain_db || gst_mm_lookahead_get_frames_in
        (GST_MM_LOOKAHEAD (self)) == 0)
      mm_loudnorm_set_gain (self->norm, gain);
    self->gain_db = gain;
  }
  GST_OBJECT_UNLOCK (self);
}

/* mode=linear, at the first buffer: say what will happen, never silently. */
static void
announce_linear (GstLoudnorm * self)
{
  gdouble gain = 0.0, predicted = -INFINITY, ceiling;
  gboolean valid, tp_known;

  GST_OBJECT_LOCK (self);
  valid = linear_gain_locked (self, &gain);
  tp_known = self->measured_true_peak_set;
  if (tp_known)
    predicted = self->measured_true_peak + gain;
  ceiling = self->max_true_peak;
  if (!valid)
    set_normalization (self, "none");
  GST_OBJECT_UNLOCK (self);

  if (!valid) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("mode=linear needs measured-loudness: the audio passes at unity "
            "gain (normalization=none)"),
        ("Measure the input first with mode=measure (integrated-loudness) "
            "and set measured-loudness, or use mode=file"));
  } else if (tp_known && predicted > ceiling) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("mode=linear: a gain of %.2f dB takes the measured true peak to "
            "%.2f dBTP, above the %.2f dBTP ceiling; the limiter will reduce "
            "peaks by up to %.2f dB (normalization=linear-limited)",
            gain, predicted, ceiling, predicted - ceiling), (NULL));
  }
}

/* ------------------------------------------------------------------ */
/* Messages                                                             */

static void
take_db_array (GstLoudnorm * self, GstStructure * s, const gchar * field,
    PeakGetter get)
{
  GValue array = G_VALUE_INIT;
  g_value_init (&array, GST_TYPE_ARRAY);
  for (guint c = 0; c < channel_count (self); c++) {
    GValue v = G_VALUE_INIT;
    gdouble p = 0.0;
    get (self, c, &p);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, mm_linear_to_db (p));
    gst_value_array_append_and_take_value (&array, &v);
  }
  gst_structure_take_value (s, field, &array);
}

static void
add_output_fields (GstLoudnorm * self, GstStructure * s, gboolean final)
{
  const mm_loudness *out = output_meter (self);
  gdouble now, interval_max, total_max;

  mm_loudnorm_get_reduction (self->norm, &now, &interval_max, &total_max);
  self->reduction_interval = MAX (self->reduction_interval, interval_max);
  if (self->active_mode != GST_LOUDNORM_MODE_LIVE && self->gain_valid
      && total_max > LIMITED_DB)
    set_normalization (self, "linear-limited");

  gst_structure_set (s,
      "output-momentary-loudness", G_TYPE_DOUBLE,
      read_result (out, mm_loudness_momentary, -INFINITY),
      "output-shortterm-loudness", G_TYPE_DOUBLE,
      read_result (out, mm_loudness_shortterm, -INFINITY),
      "output-integrated-loudness", G_TYPE_DOUBLE,
      read_result (out, mm_loudness_integrated, -INFINITY),
      "output-loudness-range", G_TYPE_DOUBLE,
      read_result (out, mm_loudness_range, 0.0),
      "output-true-peak", G_TYPE_DOUBLE, peak_db (self, out_true_peak),
      "gain", G_TYPE_DOUBLE, mm_loudnorm_get_gain (self->norm),
      "limiter-reduction", G_TYPE_DOUBLE,
      final ? total_max : self->reduction_interval,
      "normalization", G_TYPE_STRING, self->normalization, NULL);
  self->reduction_interval = 0.0;
}

/* The `loudness` message for the interval now ending; object lock held. */
static GstMessage *
build_message (GstLoudnorm * self, gboolean final)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  const mm_loudness *m = input_meter (self);
  GstClockTime ts = self->clock.interval_start;
  GstClockTime duration = gst_mm_interval_duration (&self->clock);
  GstStructure *s;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    ts = gst_mm_interval_position (&self->clock);

  s = gst_structure_new ("loudness",
      "timestamp", G_TYPE_UINT64, ts,
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, ts),
      "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, duration,
      "momentary-loudness", G_TYPE_DOUBLE,
      read_result (m, mm_loudness_momentary, -INFINITY),
      "shortterm-loudness", G_TYPE_DOUBLE,
      read_result (m, mm_loudness_shortterm, -INFINITY),
      "integrated-loudness", G_TYPE_DOUBLE,
      read_result (m, mm_loudness_integrated, -INFINITY),
      "loudness-range", G_TYPE_DOUBLE, read_result (m, mm_loudness_range, 0.0),
      "sample-peak", G_TYPE_DOUBLE, peak_db (self, in_sample_peak),
      "true-peak", G_TYPE_DOUBLE, peak_db (self, in_true_peak),
      "nonfinite-samples", G_TYPE_UINT64, mm_loudness_get_nonfinite (m),
      "final", G_TYPE_BOOLEAN, final, NULL);
  take_db_array (self, s, "channel-sample-peak", in_sample_peak);
  take_db_array (self, s, "channel-true-peak", in_true_peak);
  if (self->norm)
    add_output_fields (self, s, final);

  return gst_message_new_element (GST_OBJECT (self), s);
}

static void
post_all (GstLoudnorm * self, GQueue * messages)
{
  GstMessage *msg;
  while ((msg = g_queue_pop_head (messages)))
    gst_element_post_message (GST_ELEMENT (self), msg);
}

/* Runs `frames` frames through `fn` in pieces that end at interval ends,
 * queueing the messages.  Object lock held. */
typedef void (*PieceFunc) (GstLoudnorm * self, const guint8 * in, guint8 * out,
    gsize frames);

typedef struct
{
  GstLoudnorm *self;
  PieceFunc fn;
  GQueue *messages;
} RunPieces;

static void
run_piece (gpointer user_data, const guint8 * in, guint8 * out, gsize frames)
{
  RunPieces *r = user_data;
  r->fn (r->self, in, out, frames);
}

static void
interval_due (gpointer user_data)
{
  RunPieces *r = user_data;
  if (r->self->post_messages)
    g_queue_push_tail (r->messages, build_message (r->self, FALSE));
}

static void
run_pieces (GstLoudnorm * self, const guint8 * in, guint8 * out, gsize frames,
    PieceFunc fn, GQueue * messages)
{
  RunPieces r = { self, fn, messages };
  gst_mm_interval_run (&self->clock, self->interval, self->bpf, in, out,
      frames, run_piece, interval_due, &r);
}

/* ------------------------------------------------------------------ */
/* Processing                                                           */

static void
measure_piece (GstLoudnorm * self, const guint8 * in, guint8 * out,
    gsize frames)
{
  if (self->f64)
    mm_loudness_add_frames_f64 (self->meter, (const double *) in, frames);
  else
    mm_loudness_add_frames_f32 (self->meter, (const float *) in, frames);
}

static void
normalise_piece (GstLoudnorm * self, const guint8 * in, guint8 * out,
    gsize frames)
{
  if (self->f64)
    mm_loudnorm_process_f64 (self->norm, (const double *) in, (double *) out,
        frames);
  else
    mm_loudnorm_process_f32 (self->norm, (const float *) in, (float *) out,
        frames);
}

/* Measures a buffer (GAP buffers as silence) in pieces; object lock held. */
static void
measure_buffer_locked (GstLoudnorm * self, GstBuffer * buf, GQueue * msgs)
{
  GstMapInfo map;
  gboolean gap = GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP);

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  gsize frames = map.size / self->bpf;
  for (gsize done = 0; done < frames;) {
    gsize n = gap ? MIN (frames - done, SILENCE_FRAMES) : frames - done;
    run_pieces (self, gap ? self->silence : map.data + done * self->bpf,
        NULL, n, measure_piece, msgs);
    done += n;
  }
  gst_buffer_unmap (buf, &map);
}

/* Once per stream: a WARNING when NaN/Inf first show up. */
static void
check_nonfinite (GstLoudnorm * self, guint64 before)
{
  guint64 now;
  GST_OBJECT_LOCK (self);
  now = mm_loudness_get_nonfinite (input_meter (self));
  GST_OBJECT_UNLOCK (self);
  if (now > before && !g_atomic_int_exchange (&self->warned_nonfinite, TRUE))
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Input contains NaN or infinite samples"),
        ("%" G_GUINT64_FORMAT " non-finite samples measured as silence",
            now));
}

static guint64
nonfinite_now (GstLoudnorm * self)
{
  guint64 n;
  GST_OBJECT_LOCK (self);
  n = mm_loudness_get_nonfinite (input_meter (self));
  GST_OBJECT_UNLOCK (self);
  return n;
}

/* measure mode: the base class passes the buffer on untouched; it is
 * measured on the way in. */
static GstFlowReturn
gst_loudnorm_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  if (self->active_mode == GST_LOUDNORM_MODE_MEASURE && self->meter) {
    GQueue msgs = G_QUEUE_INIT;
    guint64 before = nonfinite_now (self);
    GST_OBJECT_LOCK (self);
    gst_mm_interval_sync (&self->clock, GST_BUFFER_PTS (input),
        GST_BUFFER_IS_DISCONT (input));
    measure_buffer_locked (self, input, &msgs);
    GST_OBJECT_UNLOCK (self);
    check_nonfinite (self, before);
    post_all (self, &msgs);
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->submit_input_buffer (trans,
      is_discont, input);
}

/* live and linear: the base class's output buffer from its input. */
static void
gst_loudnorm_process (GstMmLookahead * base, gconstpointer in, gpointer out,
    guint frames)
{
  GstLoudnorm *self = GST_LOUDNORM (base);
  GQueue msgs = G_QUEUE_INIT;

  GST_OBJECT_LOCK (self);
  if (self->norm && self->draining)
    normalise_piece (self, NULL, out, frames);  /* silence, unmetered */
  else if (self->norm)
    run_pieces (self, in, out, frames, normalise_piece, &msgs);
  GST_OBJECT_UNLOCK (self);
  post_all (self, &msgs);
}

/* file mode: spool and measure; nothing goes out before EOS. */
static GstFlowReturn
spool_input (GstLoudnorm * self, GstBuffer * buf)
{
  GQueue msgs = G_QUEUE_INIT;
  GError *err = NULL;
  GstMapInfo map;
  gboolean ok = TRUE;

  if (!self->spool) {
    /* makes sure `file` runs behind a non-live upstream */
    if (gst_mm_upstream_is_live (GST_BASE_TRANSFORM_SINK_PAD (self))) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("mode=file needs a non-live upstream (it holds the whole stream "
              "until EOS); use mode=live for live sources"), (NULL));
      return GST_FLOW_ERROR;
    }
    self->spool = gst_mm_spool_new (&err);
    if (!self->spool) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("Cannot create the temporary spool file for mode=file"),
          ("%s (set TMPDIR to a writable folder)", err->message));
      g_clear_error (&err);
      return GST_FLOW_ERROR;
    }
  }
  guint64 before = nonfinite_now (self);
  GST_OBJECT_LOCK (self);
  measure_buffer_locked (self, buf, &msgs);
  GST_OBJECT_UNLOCK (self);
  check_nonfinite (self, before);
  post_all (self, &msgs);

  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    gsize size = gst_buffer_get_size (buf);
    for (gsize done = 0; ok && done < size;) {
      gsize n = MIN (size - done, (gsize) SILENCE_FRAMES * self->bpf);
      ok = gst_mm_spool_append (self->spool, self->silence, n, &err);
      done += n;
    }
  } else if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    ok = gst_mm_spool_append (self->spool, map.data, map.size, &err);
    gst_buffer_unmap (buf, &map);
  }
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Cannot write the temporary spool file for mode=file"),
        ("%s", err->message));
    g_clear_error (&err);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_loudnorm_handle_input (GstMmLookahead * base, GstBuffer * buf,
    guint frames)
{
  GstLoudnorm *self = GST_LOUDNORM (base);
  GstMmLookaheadClass *parent = GST_MM_LOOKAHEAD_CLASS (parent_class);
  gboolean first = gst_mm_lookahead_get_frames_in (base) == 0;

  GST_OBJECT_LOCK (self);
  gst_mm_interval_sync (&self->clock, GST_BUFFER_PTS (buf),
      GST_BUFFER_IS_DISCONT (buf));
  GST_OBJECT_UNLOCK (self);

  if (self->active_mode == GST_LOUDNORM_MODE_FILE)
    return spool_input (self, buf);

  sync_params (self, GST_BUFFER_PTS (buf));
  if (first && self->active_mode == GST_LOUDNORM_MODE_LINEAR)
    announce_linear (self);
  guint64 before = nonfinite_now (self);
  GstFlowReturn ret = parent->handle_input (base, buf, frames);
  check_nonfinite (self, before);
  return ret;
}

/* ------------------------------------------------------------------ */
/* file mode: the passes over the spool                                 */

/* Runs the whole spool (and the limiter's tail) through the normaliser;
 * pushes the output when `push`.  Object lock NOT held. */
static GstFlowReturn
file_pass (GstLoudnorm * self, gdouble gain, gboolean push)
{
  guint64 total = gst_mm_spool_size (self->spool) / self->bpf;
  guint latency = mm_loudnorm_get_latency (self->norm);
  guint8 *in = g_malloc ((gsize) SPOOL_CHUNK * self->bpf);
  GstFlowReturn ret = GST_FLOW_OK;
  GError *err = NULL;

  GST_OBJECT_LOCK (self);
  mm_loudnorm_reset (self->norm);
  gboolean gain_ok = mm_loudnorm_set_gain (self->norm, gain) == MM_OK;
  GST_OBJECT_UNLOCK (self);
  g_return_val_if_fail (gain_ok, GST_FLOW_ERROR);       /* clamped above */

  for (guint64 pos = 0; ret == GST_FLOW_OK && pos < total + latency;) {
    gsize n = (gsize) MIN ((guint64) SPOOL_CHUNK, total + latency - pos);
    gsize from_file = pos < total ? (gsize) MIN ((guint64) n, total - pos) : 0;
    if (from_file && !gst_mm_spool_read (self->spool, pos * self->bpf, in,
            from_file * self->bpf, &err)) {
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("Cannot read back the temporary spool file"), ("%s", err->message));
      g_clear_error (&err);
      ret = GST_FLOW_ERROR;
      break;
    }
    memset (in + from_file * self->bpf, 0, (n - from_file) * self->bpf);

    GstBuffer *outbuf = gst_buffer_new_allocate (NULL, n * self->bpf, NULL);
    GstMapInfo map;
    gst_buffer_map (outbuf, &map, GST_MAP_WRITE);
    GST_OBJECT_LOCK (self);
    normalise_piece (self, in, map.data, n);
    GST_OBJECT_UNLOCK (self);
    gst_buffer_unmap (outbuf, &map);
    if (push)
      ret = gst_mm_lookahead_push_output (GST_MM_LOOKAHEAD (self), outbuf);
    else
      gst_buffer_unref (outbuf);
    pos += n;
  }
  g_free (in);
  return ret;
}

/* The output loudness of a full pass at `gain` (no push); a
 * GstMmMeasureFunc. */
static gdouble
file_measure_at (gpointer user_data, gdouble gain, gboolean * limited)
{
  GstLoudnorm *self = user_data;
  gdouble out, total;
  if (file_pass (self, gain, FALSE) != GST_FLOW_OK)
    return -INFINITY;
  GST_OBJECT_LOCK (self);
  mm_loudness_integrated (mm_loudnorm_get_output_meter (self->norm), &out);
  mm_loudnorm_get_reduction (self->norm, NULL, NULL, &total);
  GST_OBJECT_UNLOCK (self);
  *limited = total > LIMITED_DB;
  GST_DEBUG_OBJECT (self, "gain %.3f dB -> %.3f LUFS", gain, out);
  return out;
}

static GstFlowReturn
drain_file (GstLoudnorm * self)
{
  gdouble in_lufs, goal, gain = 0.0;

  if (!self->spool)
    return GST_FLOW_OK;         /* nothing came */
  GST_OBJECT_LOCK (self);
  mm_loudness_integrated (self->meter, &in_lufs);
  goal = self->target + self->offset;
  mm_loudnorm_set_ceiling (self->norm, self->max_true_peak);
  GST_OBJECT_UNLOCK (self);

  if (isfinite (in_lufs)) {
    if (fabs (goal - in_lufs) > FILE_GAIN_MAX)
      GST_ELEMENT_WARNING (self, STREAM, FAILED,
          ("mode=file: reaching %.1f LUFS from %.1f LUFS needs %.1f dB; the "
              "gain is limited to +-%.0f dB, so the output misses the target",
              goal, in_lufs, goal - in_lufs, FILE_GAIN_MAX), (NULL));
    /* the limiter takes loudness away: search the gain that puts the
     * limited output on the goal */
    gain = gst_mm_search_gain (file_measure_at, self, goal - in_lufs, goal,
        FILE_TOLERANCE_LU, FILE_MAX_PASSES, -FILE_GAIN_MAX, FILE_GAIN_MAX,
        GST_MM_GAIN_SEARCH_NONE, NULL);
    self->gain_valid = TRUE;
  } else {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("mode=file: the input is silent (no block above -70 LUFS); it "
            "passes at unity gain (normalization=none)"), (NULL));
    GST_OBJECT_LOCK (self);
    set_normalization (self, "none");
    GST_OBJECT_UNLOCK (self);
  }
  self->gain_db = gain;
  return file_pass (self, gain, TRUE);
}

/* The final message and the tags, after the drain, before EOS. */
static void
finish_stream (GstLoudnorm * self)
{
  GQueue msgs = G_QUEUE_INIT;
  GstTagList *tags = NULL;
  const mm_loudness *m;
  gdouble lufs;

  GST_OBJECT_LOCK (self);
  m = self->norm ? output_meter (self) : input_meter (self);
  if (m && self->post_messages)
    g_queue_push_tail (&msgs, build_message (self, TRUE));
  if (m && mm_loudness_integrated (m, &lufs) == MM_OK && isfinite (lufs)) {
    gdouble peak = pow (10.0, peak_db (self, self->norm ? out_true_peak :
            in_true_peak) / 20.0);
    tags = gst_tag_list_new (GST_TAG_TRACK_GAIN, RG2_REFERENCE_LUFS - lufs,
        GST_TAG_TRACK_PEAK, peak,
        GST_TAG_REFERENCE_LEVEL, RG2_REFERENCE_LEVEL, NULL);
  }
  self->clock.frames_in_interval = 0;
  GST_OBJECT_UNLOCK (self);

  post_all (self, &msgs);
  if (tags)
    gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self),
        gst_event_new_tag (tags));
}

static GstFlowReturn
gst_loudnorm_drain (GstMmLookahead * base)
{
  GstLoudnorm *self = GST_LOUDNORM (base);
  GstFlowReturn ret;

  if (self->active_mode == GST_LOUDNORM_MODE_FILE) {
    ret = drain_file (self);
  } else {
    /* the zeros that push the held audio out are not input: they stay out
     * of the input meter and the message times */
    self->draining = TRUE;
    ret = GST_MM_LOOKAHEAD_CLASS (parent_class)->drain (base);
    self->draining = FALSE;
  }
  finish_stream (self);
  return ret;
}

static gboolean
gst_loudnorm_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  /* measure mode is bypassed by the base class: its final message goes
   * here (the other modes post it after their drain) */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS
      && self->active_mode == GST_LOUDNORM_MODE_MEASURE && self->meter)
    finish_stream (self);
  if (GST_EVENT_TYPE (event) == GST_EVENT_GAP
      && self->active_mode == GST_LOUDNORM_MODE_MEASURE && self->meter) {
    GstClockTime ts, duration;
    GQueue msgs = G_QUEUE_INIT;
    gst_event_parse_gap (event, &ts, &duration);
    if (GST_CLOCK_TIME_IS_VALID (duration)) {
      GST_OBJECT_LOCK (self);
      gst_mm_interval_sync (&self->clock, ts, FALSE);
      guint64 frames = gst_util_uint64_scale_round (duration, self->rate,
          GST_SECOND);
      for (guint64 done = 0; done < frames;) {
        gsize n = (gsize) MIN (frames - done, (guint64) SILENCE_FRAMES);
        run_pieces (self, self->silence, NULL, n, measure_piece, &msgs);
        done += n;
      }
      GST_OBJECT_UNLOCK (self);
      post_all (self, &msgs);
    }
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}
