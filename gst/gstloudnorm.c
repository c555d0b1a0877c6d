/* loudnorm: EBU R128 / ITU-R BS.1770-4 loudness measurement.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-loudnorm
 * @title: loudnorm
 *
 * Measures loudness as EBU R128 / ITU-R BS.1770-4 define it: momentary
 * (400 ms), short-term (3 s) and integrated (gated) loudness, loudness
 * range (EBU Tech 3342), sample peak and true peak (oversampled to at least
 * 176.4 kHz).  In `mode=measure` the audio passes through untouched
 * (bit-exact).
 *
 * Channel positions give the BS.1770 weights: front and centre 1.0,
 * surrounds 1.41, LFE excluded (see docs/loudnorm.md for 7.1).  GAP buffers
 * and GAP events are measured as the silence they stand for.  Non-finite
 * samples (NaN, +-Inf, and F64 values beyond the float range) are measured
 * as silence, counted in `nonfinite-samples`, and reported once per stream
 * (per caps) with a warning message.
 *
 * ## Messages
 *
 * Every #GstLoudnorm:interval, and once more just before EOS goes
 * downstream, the element posts an element message named `loudness`:
 *
 * * `timestamp` (guint64): timestamp of the first frame of the interval
 * * `running-time`, `stream-time` (guint64): the same in running / stream time
 * * `duration` (guint64): length of the interval in ns
 * * `momentary-loudness`, `shortterm-loudness` (gdouble, LUFS): windows
 *   ending at the interval's end (-inf for silence)
 * * `integrated-loudness` (gdouble, LUFS): gated, since the start or the
 *   last reset (-inf until a block passes the gates)
 * * `loudness-range` (gdouble, LU)
 * * `sample-peak` (gdouble, dBFS), `true-peak` (gdouble, dBTP): the
 *   largest over channels, since the start or the last reset
 * * `channel-sample-peak`, `channel-true-peak` (GstValueArray of gdouble):
 *   the same per channel
 * * `nonfinite-samples` (guint64): samples that were NaN or infinite
 * * `final` (gboolean): TRUE for the message posted at EOS
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m audiotestsrc num-buffers=500 ! loudnorm ! fakesink
 * ]| Prints a `loudness` message every second and one at the end.
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

#define DEFAULT_PROP_MODE GST_LOUDNORM_MODE_MEASURE
#define DEFAULT_PROP_INTERVAL GST_SECOND
#define MIN_PROP_INTERVAL (10 * GST_MSECOND)
#define MAX_PROP_INTERVAL (3600 * GST_SECOND)
#define DEFAULT_PROP_POST_MESSAGES TRUE

/* Frames of zeros kept for GAP buffers. */
#define SILENCE_FRAMES 4096

enum
{
  PROP_0,
  PROP_MODE,
  PROP_INTERVAL,
  PROP_POST_MESSAGES,
  PROP_MOMENTARY_LOUDNESS,
  PROP_SHORTTERM_LOUDNESS,
  PROP_INTEGRATED_LOUDNESS,
  PROP_LOUDNESS_RANGE,
  PROP_SAMPLE_PEAK,
  PROP_TRUE_PEAK,
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
G_DEFINE_TYPE (GstLoudnorm, gst_loudnorm, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (loudnorm, "loudnorm", GST_RANK_NONE,
    GST_TYPE_LOUDNORM);

GType
gst_loudnorm_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_LOUDNORM_MODE_MEASURE,
        "Measure only; audio passes through bit-exact", "measure"},
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
static GstFlowReturn gst_loudnorm_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static void gst_loudnorm_reset (GstLoudnorm * self);

static void
install_result_property (GObjectClass * gobject_class, guint prop_id,
    const gchar * name, const gchar * nick, const gchar * blurb,
    gdouble min, gdouble max)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_double (name, nick, blurb, min, max, min,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_loudnorm_class_init (GstLoudnormClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (gst_loudnorm_debug, "loudnorm", 0,
      "EBU R128 loudness measurement and normalisation");

  gobject_class->set_property = gst_loudnorm_set_property;
  gobject_class->get_property = gst_loudnorm_get_property;
  gobject_class->finalize = gst_loudnorm_finalize;

  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "What the element does with the audio: measure = measure only, "
          "audio passes through bit-exact",
          GST_TYPE_LOUDNORM_MODE, DEFAULT_PROP_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Interval between loudness messages, in nanoseconds "
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

  install_result_property (gobject_class, PROP_MOMENTARY_LOUDNESS,
      "momentary-loudness", "Momentary loudness",
      "Momentary loudness (400 ms window) now, in LUFS; -inf for silence "
      "(read-only)", -INFINITY, G_MAXDOUBLE);
  install_result_property (gobject_class, PROP_SHORTTERM_LOUDNESS,
      "shortterm-loudness", "Short-term loudness",
      "Short-term loudness (3 s window) now, in LUFS; -inf for silence "
      "(read-only)", -INFINITY, G_MAXDOUBLE);
  install_result_property (gobject_class, PROP_INTEGRATED_LOUDNESS,
      "integrated-loudness", "Integrated loudness",
      "Gated integrated loudness since the start or the last reset, in "
      "LUFS; -inf until a block passes the gates (read-only)",
      -INFINITY, G_MAXDOUBLE);
  install_result_property (gobject_class, PROP_LOUDNESS_RANGE,
      "loudness-range", "Loudness range",
      "Loudness range (EBU Tech 3342) since the start or the last reset, "
      "in LU (read-only)", 0.0, G_MAXDOUBLE);
  install_result_property (gobject_class, PROP_SAMPLE_PEAK,
      "sample-peak", "Sample peak",
      "Largest sample over all channels since the start or the last reset, "
      "in dBFS; -inf for silence (read-only)", -INFINITY, G_MAXDOUBLE);
  install_result_property (gobject_class, PROP_TRUE_PEAK,
      "true-peak", "True peak",
      "True peak (BS.1770-4 Annex 2) over all channels since the start or "
      "the last reset, in dBTP; -inf for silence (read-only)",
      -INFINITY, G_MAXDOUBLE);
  g_object_class_install_property (gobject_class, PROP_NONFINITE_SAMPLES,
      g_param_spec_uint64 ("nonfinite-samples", "Non-finite samples",
          "Input samples that were NaN or infinite and were measured as "
          "silence, since the start or the last reset (read-only)",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstLoudnorm::reset:
   *
   * Action signal: clears every measurement (integrated loudness, range,
   * peaks, windows) and restarts the message interval.
   */
  gst_loudnorm_signals[SIGNAL_RESET] =
      g_signal_new ("reset", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_STRUCT_OFFSET (GstLoudnormClass, reset), NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  klass->reset = gst_loudnorm_reset;

  gst_element_class_set_static_metadata (element_class,
      "Loudness normaliser", "Filter/Analyzer/Audio",
      "EBU R128 / ITU-R BS.1770-4 loudness measurement with bus messages",
      "mixmaster developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_loudnorm_setup);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_loudnorm_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_loudnorm_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_loudnorm_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_LOUDNORM_MODE, 0);
}

static void
gst_loudnorm_init (GstLoudnorm * self)
{
  self->mode = DEFAULT_PROP_MODE;
  self->interval = DEFAULT_PROP_INTERVAL;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->interval_start = GST_CLOCK_TIME_NONE;
  self->base_ts = GST_CLOCK_TIME_NONE;

  /* measure mode never changes the audio */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_gap_aware (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_loudnorm_finalize (GObject * object)
{
  GstLoudnorm *self = GST_LOUDNORM (object);

  mm_loudness_free (&self->meter);
  g_free (self->silence);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Restart the measurement; with the object lock held. */
static void
reset_locked (GstLoudnorm * self)
{
  if (self->meter)
    mm_loudness_reset (self->meter);
  self->frames_in_interval = 0;
  self->interval_start = GST_CLOCK_TIME_NONE;
}

static void
gst_loudnorm_reset (GstLoudnorm * self)
{
  GST_OBJECT_LOCK (self);
  reset_locked (self);
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

/* Largest per-channel peak in dB; the meter must exist. */
static gdouble
peak_db (mm_loudness * meter, int (*get) (const mm_loudness *, unsigned,
        double *))
{
  gdouble max = 0.0, p;
  for (guint c = 0; c < mm_loudness_get_channels (meter); c++)
    if (get (meter, c, &p) == MM_OK && p > max)
      max = p;
  return mm_linear_to_db (max);
}

static gdouble
read_result (mm_loudness * meter, int (*get) (const mm_loudness *, double *))
{
  gdouble v = MM_LOUDNESS_SILENCE;
  if (meter)
    get (meter, &v);
  return v;
}

static void
gst_loudnorm_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLoudnorm *self = GST_LOUDNORM (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->interval);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_MOMENTARY_LOUDNESS:
      g_value_set_double (value, read_result (self->meter,
              mm_loudness_momentary));
      break;
    case PROP_SHORTTERM_LOUDNESS:
      g_value_set_double (value, read_result (self->meter,
              mm_loudness_shortterm));
      break;
    case PROP_INTEGRATED_LOUDNESS:
      g_value_set_double (value, read_result (self->meter,
              mm_loudness_integrated));
      break;
    case PROP_LOUDNESS_RANGE:
      g_value_set_double (value, self->meter ?
          read_result (self->meter, mm_loudness_range) : 0.0);
      break;
    case PROP_SAMPLE_PEAK:
      g_value_set_double (value, self->meter ?
          peak_db (self->meter, mm_loudness_sample_peak) : -INFINITY);
      break;
    case PROP_TRUE_PEAK:
      g_value_set_double (value, self->meter ?
          peak_db (self->meter, mm_loudness_true_peak) : -INFINITY);
      break;
    case PROP_NONFINITE_SAMPLES:
      g_value_set_uint64 (value, mm_loudness_get_nonfinite (self->meter));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_loudnorm_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstLoudnorm *self = GST_LOUDNORM (filter);
  gint channels = GST_AUDIO_INFO_CHANNELS (info);
  gint rate = GST_AUDIO_INFO_RATE (info);
  gdouble weights[MM_CHANNELS_MAX];
  mm_loudness *meter;

  meter = mm_loudness_new (rate, channels, MM_LOUDNESS_TRUE_PEAK);
  if (!meter) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("Cannot measure %d channels at %d Hz", channels, rate));
    return FALSE;
  }
  gst_mm_channel_weights (info, weights);
  for (gint c = 0; c < channels; c++) {
    mm_loudness_set_channel_weight (meter, c, weights[c]);
    GST_DEBUG_OBJECT (self, "channel %d weight %.2f", c, weights[c]);
  }

  /* new caps: a new measurement */
  GST_OBJECT_LOCK (self);
  mm_loudness_free (&self->meter);
  self->meter = meter;
  self->rate = rate;
  g_free (self->silence);
  self->silence = g_malloc0 ((gsize) SILENCE_FRAMES * info->bpf);
  self->frames_in_interval = 0;
  self->interval_start = GST_CLOCK_TIME_NONE;
  self->base_ts = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->warned_nonfinite, FALSE);
  return TRUE;
}

static gboolean
gst_loudnorm_stop (GstBaseTransform * trans)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);

  GST_OBJECT_LOCK (self);
  mm_loudness_free (&self->meter);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static GValue *
db_array (mm_loudness * meter, int (*get) (const mm_loudness *, unsigned,
        double *), GValue * array)
{
  g_value_init (array, GST_TYPE_ARRAY);
  for (guint c = 0; c < mm_loudness_get_channels (meter); c++) {
    GValue v = G_VALUE_INIT;
    gdouble p = 0.0;
    get (meter, c, &p);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, mm_linear_to_db (p));
    gst_value_array_append_and_take_value (array, &v);
  }
  return array;
}

/* Timestamp of the next frame to measure (0 before any timestamp). */
static GstClockTime
stream_position (GstLoudnorm * self)
{
  if (!GST_CLOCK_TIME_IS_VALID (self->base_ts))
    return 0;
  return self->base_ts + gst_util_uint64_scale_round (self->base_frames,
      GST_SECOND, self->rate);
}

/* Follows the stream's timestamps: a DISCONT or a timestamp more than one
 * frame away from the count starts a new resync point. */
static void
sync_timestamp (GstLoudnorm * self, GstClockTime pts, gboolean discont)
{
  GstClockTime expected = stream_position (self);
  GstClockTime frame = gst_util_uint64_scale_ceil (1, GST_SECOND, self->rate);

  if (!GST_CLOCK_TIME_IS_VALID (pts)) {
    if (!GST_CLOCK_TIME_IS_VALID (self->base_ts))
      self->base_ts = 0;
    return;
  }
  if (!GST_CLOCK_TIME_IS_VALID (self->base_ts)
      || discont || (pts > expected ? pts - expected : expected - pts) > frame) {
    self->base_ts = pts;
    self->base_frames = 0;
  }
}

/* The `loudness` message for the interval now ending; object lock held. */
static GstMessage *
build_message (GstLoudnorm * self, gboolean final)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  mm_loudness *m = self->meter;
  GstClockTime ts = self->interval_start;
  GstClockTime duration = gst_util_uint64_scale_round (self->frames_in_interval,
      GST_SECOND, self->rate);
  gdouble momentary, shortterm, integrated, range;
  GValue sample_peaks = G_VALUE_INIT, true_peaks = G_VALUE_INIT;
  GstStructure *s;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    ts = stream_position (self);

  mm_loudness_momentary (m, &momentary);
  mm_loudness_shortterm (m, &shortterm);
  mm_loudness_integrated (m, &integrated);
  mm_loudness_range (m, &range);

  s = gst_structure_new ("loudness",
      "timestamp", G_TYPE_UINT64, ts,
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, ts),
      "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, duration,
      "momentary-loudness", G_TYPE_DOUBLE, momentary,
      "shortterm-loudness", G_TYPE_DOUBLE, shortterm,
      "integrated-loudness", G_TYPE_DOUBLE, integrated,
      "loudness-range", G_TYPE_DOUBLE, range,
      "sample-peak", G_TYPE_DOUBLE, peak_db (m, mm_loudness_sample_peak),
      "true-peak", G_TYPE_DOUBLE, peak_db (m, mm_loudness_true_peak),
      "nonfinite-samples", G_TYPE_UINT64, mm_loudness_get_nonfinite (m),
      "final", G_TYPE_BOOLEAN, final, NULL);
  gst_structure_take_value (s, "channel-sample-peak",
      db_array (m, mm_loudness_sample_peak, &sample_peaks));
  gst_structure_take_value (s, "channel-true-peak",
      db_array (m, mm_loudness_true_peak, &true_peaks));

  return gst_message_new_element (GST_OBJECT (self), s);
}

/* Measures `frames` frames, cutting at interval ends; the messages of the
 * intervals that ended are appended to `out`.  Object lock held. */
static void
measure_locked (GstLoudnorm * self, const guint8 * data, gsize frames,
    gsize bpf, gboolean is_gap, GQueue * out)
{
  gboolean f64 = GST_AUDIO_FILTER_FORMAT (self) == GST_AUDIO_FORMAT_F64;
  guint64 interval_frames =
      MAX (1, gst_util_uint64_scale_round (self->interval, self->rate,
          GST_SECOND));
  gsize done = 0;

  while (done < frames) {
    gsize n = frames - done;
    if (self->frames_in_interval < interval_frames)
      n = MIN (n, interval_frames - self->frames_in_interval);
    else
      n = 0;                    /* interval shortened while playing */
    if (is_gap)
      n = MIN (n, SILENCE_FRAMES);
    if (self->frames_in_interval == 0)
      self->interval_start = stream_position (self);

    const guint8 *p = is_gap ? self->silence : data + done * bpf;
    if (f64)
      mm_loudness_add_frames_f64 (self->meter, (const double *) p, n);
    else
      mm_loudness_add_frames_f32 (self->meter, (const float *) p, n);
    done += n;
    self->base_frames += n;
    self->frames_in_interval += n;

    if (self->frames_in_interval >= interval_frames) {
      if (self->post_messages)
        g_queue_push_tail (out, build_message (self, FALSE));
      self->frames_in_interval = 0;
      self->interval_start = GST_CLOCK_TIME_NONE;
    }
  }
}

static void
post_all (GstLoudnorm * self, GQueue * messages)
{
  GstMessage *msg;
  while ((msg = g_queue_pop_head (messages)))
    gst_element_post_message (GST_ELEMENT (self), msg);
}

static GstFlowReturn
gst_loudnorm_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);
  GstAudioFilter *filter = GST_AUDIO_FILTER (trans);
  gsize bpf = GST_AUDIO_INFO_BPF (&filter->info);
  GQueue messages = G_QUEUE_INIT;
  gboolean is_gap = GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP);
  guint64 before, nonfinite;
  GstMapInfo map;

  if (G_UNLIKELY (!self->meter || bpf == 0))
    return GST_FLOW_NOT_NEGOTIATED;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL), ("Cannot map buffer"));
    return GST_FLOW_ERROR;
  }
  gsize frames = map.size / bpf;

  GST_OBJECT_LOCK (self);
  sync_timestamp (self, GST_BUFFER_PTS (buf), GST_BUFFER_IS_DISCONT (buf));
  before = mm_loudness_get_nonfinite (self->meter);
  measure_locked (self, map.data, frames, bpf, is_gap, &messages);
  nonfinite = mm_loudness_get_nonfinite (self->meter);
  GST_OBJECT_UNLOCK (self);

  gst_buffer_unmap (buf, &map);

  if (nonfinite > before && !g_atomic_int_exchange (&self->warned_nonfinite,
          TRUE))
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Input contains NaN or infinite samples"),
        ("%" G_GUINT64_FORMAT " non-finite samples measured as silence",
            nonfinite));
  post_all (self, &messages);
  return GST_FLOW_OK;
}

static gboolean
gst_loudnorm_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstLoudnorm *self = GST_LOUDNORM (trans);
  GQueue messages = G_QUEUE_INIT;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      /* the final values go out before EOS does */
      GST_OBJECT_LOCK (self);
      if (self->meter && self->post_messages)
        g_queue_push_tail (&messages, build_message (self, TRUE));
      self->frames_in_interval = 0;
      GST_OBJECT_UNLOCK (self);
      post_all (self, &messages);
      break;
    case GST_EVENT_GAP:{
      /* a gap is silence of its duration: the windows and the message
       * times move on as if zeros had come */
      GstClockTime ts, duration;
      gst_event_parse_gap (event, &ts, &duration);
      GST_OBJECT_LOCK (self);
      if (self->meter && GST_CLOCK_TIME_IS_VALID (duration)) {
        GstAudioFilter *filter = GST_AUDIO_FILTER (trans);
        sync_timestamp (self, ts, FALSE);
        measure_locked (self, NULL,
            gst_util_uint64_scale_round (duration, self->rate, GST_SECOND),
            GST_AUDIO_INFO_BPF (&filter->info), TRUE, &messages);
      }
      GST_OBJECT_UNLOCK (self);
      post_all (self, &messages);
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      GST_OBJECT_LOCK (self);
      reset_locked (self);
      self->base_ts = GST_CLOCK_TIME_NONE;
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}
