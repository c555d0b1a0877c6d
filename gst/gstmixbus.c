/* mixbus: the mixing stage -- N tracks through channel strips, effect
 * sends and returns, ducking and meters, into one stereo bus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-mixbus
 * @title: mixbus
 *
 * A mixing console as one element: every request pad `sink_%u` is a track
 * with its own channel strip (the DSP core's mm_strip, dsp/strip.h):
 *
 * phase invert -> high-pass -> 3-band EQ -> compressor -> fader, mute,
 * solo, ducking -> pan (mono) or balance (stereo) -> the stereo bus
 *
 * with two sends per track, pre- or post-fader, into a stereo reverb
 * (an 8-line feedback delay network, dsp/reverb.h) and a tempo delay
 * (dsp/delay.h) whose returns are added to the bus before the master
 * gain.  A track can be ducked by another one (voice-over): while the
 * peak of the pad named in #GstMixbusPad:duck-source is above its
 * #GstMixbusPad:duck-threshold, the track goes down by
 * #GstMixbusPad:duck-depth over #GstMixbusPad:duck-attack and comes back
 * over #GstMixbusPad:duck-release once the source is quiet.  The
 * side-chain is the source's output of the previous output block (one
 * block, 10 ms by default, of look-behind), so the result never depends
 * on the order in which the pads are mixed.
 *
 * Inputs of any format and channel count are converted (mono stays mono
 * and is panned; stereo is balanced; more channels are downmixed to
 * stereo); all pads must have the same sample rate, as in audiomixer (put
 * an audioresample in front of a pad that differs).  The output is
 * stereo F32 or F64, as downstream prefers.  The pads' inherited
 * `converter-config` is not used: mixbus converts with its own converter.
 *
 * Every strip property is a pad property, controllable, and changes
 * while PLAYING glide (no clicks, no zipper noise): gains, pan, mute,
 * solo, phase and the EQ ramp over 20 ms, the compressor smooths its own
 * settings, the returns and master gain ramp over 20 ms.  gst-launch
 * sets pad properties through #GstChildProxy: `m.sink_0::pan=-0.5`.
 *
 * The strip of a pad is created at its first buffer after caps (or after
 * the output format changed); from then on mixing neither allocates nor
 * locks in the DSP.  A FLUSH_STOP on a pad clears that pad's strip; a
 * flushing seek clears the returns and meters too.  GAP buffers on a pad
 * contribute nothing (its strip is not run); the bus output of a block
 * with nothing on it but silence is flagged GAP, a block carrying a
 * reverb or delay tail is not.  No latency is added to the
 * aggregator's own.
 *
 * ## Messages
 *
 * Every #GstMixbus:interval of output (when #GstMixbus:post-messages),
 * an element message named `mixbus`:
 *
 * * `timestamp`, `running-time`, `stream-time`, `duration` (guint64, ns)
 * * `peak`, `rms` (GstValueArray of gdouble, dBFS, left and right): the
 *   bus output over the interval
 * * `momentary-loudness` (gdouble, LUFS): the bus output's last 400 ms
 * * `pads` (GstValueArray of GstStructure `pad`), one per sink pad:
 *   `name` (string), `active` (gboolean: the pad was mixed in the
 *   interval), `peak`, `rms` (GstValueArray of gdouble, dBFS: what the
 *   pad added to the bus, left and right), `momentary-loudness`
 *   (gdouble, LUFS), `comp-reduction` and `duck-reduction` (gdouble, dB,
 *   >= 0: the largest compressor and ducking gain reduction in the
 *   interval)
 *
 * Levels of silence are -inf.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 mixbus name=m reverb-decay=1.8 delay-time=375 \
 *     m.sink_0::pan=-0.5 m.sink_0::reverb-send=-12 \
 *     m.sink_1::gain=-3 m.sink_1::duck-source=sink_0 ! \
 *     audioconvert ! autoaudiosink \
 *     audiotestsrc freq=440 ! m.sink_0  audiotestsrc freq=110 ! m.sink_1
 * ]| Two tracks: the first panned half left with some reverb, the second
 * 3 dB down and ducked by the first.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmixbus.h"

#include <math.h>
#include <string.h>

#include "elements.h"
#include "vector.h"

GST_DEBUG_CATEGORY_STATIC (gst_mixbus_debug);
#define GST_CAT_DEFAULT gst_mixbus_debug

#define DEFAULT_PROP_INTERVAL (100 * GST_MSECOND)
#define MIN_PROP_INTERVAL (10 * GST_MSECOND)
#define MAX_PROP_INTERVAL (3600 * GST_SECOND)
#define DEFAULT_PROP_POST_MESSAGES TRUE
#define DEFAULT_PROP_PAN_LAW GST_MIXBUS_PAN_LAW_3DB
#define DEFAULT_PAD_DUCK_DEPTH 12.0
#define DEFAULT_PAD_DUCK_THRESHOLD (-40.0)
/* Return and master gain ramps. */
#define GAIN_RAMP_MS 20.0
/* Below this a return or master gain in dB is off (exact zero). */
#define GAIN_OFF_DB (-90.0)
/* The tail of a return is over (below -180 dB) after this many RT60s /
 * this many echoes at the feedback's decay; it is not run after that
 * until a send feeds it again. */
#define REVERB_TAIL_RT60S 3.0
#define TAIL_DB 180.0
/* Converted input buffers in the pool: at least this many frames. */
#define POOL_MIN_FRAMES 4096

#define SRC_CAPS \
  "audio/x-raw, " \
  "format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], " \
  "channels = (int) 2, " \
  "layout = (string) interleaved"

#define SINK_CAPS \
  GST_AUDIO_CAPS_MAKE (GST_AUDIO_FORMATS_ALL) ", layout = (string) { " \
  "interleaved, non-interleaved }"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (SRC_CAPS));
static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE ("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS (SINK_CAPS));

static void gst_mixbus_child_proxy_init (gpointer g_iface,
    gpointer iface_data);

#define gst_mixbus_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMixbus, gst_mixbus, GST_TYPE_AUDIO_AGGREGATOR,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY, gst_mixbus_child_proxy_init));
G_DEFINE_TYPE (GstMixbusPad, gst_mixbus_pad,
    GST_TYPE_AUDIO_AGGREGATOR_CONVERT_PAD);
GST_ELEMENT_REGISTER_DEFINE (mixbus, "mixbus", GST_RANK_NONE,
    GST_TYPE_MIXBUS);

GType
gst_mixbus_pan_law_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MIXBUS_PAN_LAW_0DB, "0 dB centre: each side unity up to the centre",
        "0"},
    {GST_MIXBUS_PAN_LAW_3DB, "-3 dB centre: constant power (within "
          "0.01 dB)", "-3"},
    {GST_MIXBUS_PAN_LAW_4_5DB, "-4.5 dB centre", "-4.5"},
    {GST_MIXBUS_PAN_LAW_6DB, "-6 dB centre (near linear)", "-6"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMixbusPanLaw", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ------------------------------------------------------------------ */
/* Pad properties                                                      */

enum
{
  PROP_PAD_0,
  PROP_PAD_MUTE,
  PROP_PAD_SOLO,
  PROP_PAD_PHASE_INVERT,
  PROP_PAD_REVERB_SEND_PRE,
  PROP_PAD_DELAY_SEND_PRE,
  PROP_PAD_DUCK_SOURCE,
  PROP_PAD_DUCK_DEPTH,
  PROP_PAD_DUCK_THRESHOLD,
  PROP_PAD_DOUBLE_FIRST,        /* pad_doubles[] follow */
};

/* A double property of the pad: a field of mm_strip_params. */
typedef struct
{
  const gchar *name, *nick, *blurb;
  gdouble min, max, def;
  gsize offset;
} DoubleDesc;

#define STRIP(field) G_STRUCT_OFFSET (mm_strip_params, field)

static const DoubleDesc pad_doubles[] = {
  {"gain", "Gain", "Fader gain in dB (-90 to 24, default 0)",
      MM_STRIP_GAIN_MIN_DB, MM_STRIP_GAIN_MAX_DB, 0.0, STRIP (gain_db)},
  {"pan", "Pan", "Position, -1 (left) to 1 (right), default 0; mono "
        "inputs pan with the element's pan-law, stereo inputs balance",
      -1.0, 1.0, 0.0, STRIP (pan)},
  {"hpf", "High-pass", "High-pass (12 dB/octave) cut-off in Hz (0 = off, "
        "else 10 to 1000; below 10 counts as off; default 0)",
      0.0, 1000.0, 0.0, STRIP (hpf_hz)},
  {"eq-low-gain", "EQ low gain", "EQ low shelf (100 Hz) gain in dB (-24 to "
        "24, default 0)", -24.0, 24.0, 0.0, STRIP (eq_low_gain_db)},
  {"eq-mid-gain", "EQ mid gain", "EQ mid bell (Q 0.7, at eq-mid-freq) gain "
        "in dB (-24 to 24, default 0)", -24.0, 24.0, 0.0,
      STRIP (eq_mid_gain_db)},
  {"eq-mid-freq", "EQ mid frequency", "EQ mid bell centre in Hz (20 to "
        "20000, default 1000; kept under 0.45 x rate)", 20.0, 20000.0,
      1000.0, STRIP (eq_mid_freq_hz)},
  {"eq-high-gain", "EQ high gain", "EQ high shelf (10 kHz) gain in dB (-24 "
        "to 24, default 0)", -24.0, 24.0, 0.0, STRIP (eq_high_gain_db)},
  {"comp-threshold", "Compressor threshold", "Compressor threshold in dBFS "
        "(-60 to 0, default -18)", -60.0, 0.0, -18.0,
      STRIP (comp.threshold_db)},
  {"comp-ratio", "Compressor ratio", "Compressor ratio, :1 (1 to 20; 1 = "
        "off; default 1)", 1.0, 20.0, 1.0, STRIP (comp.ratio)},
  {"comp-attack", "Compressor attack", "Compressor attack in ms (0.1 to "
        "500, default 10)", 0.1, 500.0, 10.0, STRIP (comp.attack_ms)},
  {"comp-release", "Compressor release", "Compressor release in ms (5 to "
        "5000, default 150)", 5.0, 5000.0, 150.0, STRIP (comp.release_ms)},
  {"comp-makeup", "Compressor make-up", "Compressor make-up gain in dB "
        "(-24 to 24, default 0)", -24.0, 24.0, 0.0, STRIP (comp.makeup_db)},
  {"reverb-send", "Reverb send", "Send level to the reverb in dB (-inf = "
        "off, else -90 to 12; default -inf)", -INFINITY,
      MM_STRIP_SEND_MAX_DB, -INFINITY, STRIP (send_db[0])},
  {"delay-send", "Delay send", "Send level to the delay in dB (-inf = off, "
        "else -90 to 12; default -inf)", -INFINITY, MM_STRIP_SEND_MAX_DB,
      -INFINITY, STRIP (send_db[1])},
  {"duck-attack", "Duck attack", "Ducking: time to go down by duck-depth, "
        "in ms (1 to 5000, default 20)", 1.0, 5000.0, 20.0,
      STRIP (duck_attack_ms)},
  {"duck-release", "Duck release", "Ducking: time to come back up once the "
        "duck-source is quiet, in ms (10 to 10000, default 500)", 10.0,
      10000.0, 500.0, STRIP (duck_release_ms)},
};

#define N_PAD_DOUBLES G_N_ELEMENTS (pad_doubles)

static gdouble *
double_ptr (gpointer base, const DoubleDesc * d)
{
  return (gdouble *) ((guint8 *) base + d->offset);
}

static const DoubleDesc *
double_desc (const DoubleDesc * table, guint n, guint first, guint prop_id)
{
  if (prop_id < first || prop_id >= first + n)
    return NULL;
  return &table[prop_id - first];
}

/* Every pad and element property: readable, writable, controllable,
 * changeable while PLAYING. */
#define PROP_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING)

static void
install_doubles (GObjectClass * klass, const DoubleDesc * table, guint n,
    guint first)
{
  for (guint i = 0; i < n; i++)
    g_object_class_install_property (klass, first + i,
        g_param_spec_double (table[i].name, table[i].nick, table[i].blurb,
            table[i].min, table[i].max, table[i].def, PROP_FLAGS));
}

static void
gst_mixbus_pad_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMixbusPad *pad = GST_MIXBUS_PAD (object);
  const DoubleDesc *d = double_desc (pad_doubles, N_PAD_DOUBLES,
      PROP_PAD_DOUBLE_FIRST, prop_id);

  GST_OBJECT_LOCK (pad);
  if (d) {
    *double_ptr (&pad->params, d) = g_value_get_double (value);
  } else {
    switch (prop_id) {
      case PROP_PAD_MUTE:
        pad->params.mute = g_value_get_boolean (value);
        break;
      case PROP_PAD_SOLO:
        pad->solo = g_value_get_boolean (value);
        break;
      case PROP_PAD_PHASE_INVERT:
        pad->params.phase_invert = g_value_get_boolean (value);
        break;
      case PROP_PAD_REVERB_SEND_PRE:
        pad->params.send_pre[0] = g_value_get_boolean (value);
        break;
      case PROP_PAD_DELAY_SEND_PRE:
        pad->params.send_pre[1] = g_value_get_boolean (value);
        break;
      case PROP_PAD_DUCK_SOURCE:
        g_free (pad->duck_source);
        pad->duck_source = g_value_dup_string (value);
        break;
      case PROP_PAD_DUCK_DEPTH:
        pad->duck_depth = g_value_get_double (value);
        break;
      case PROP_PAD_DUCK_THRESHOLD:
        pad->duck_threshold = g_value_get_double (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  pad->params_changed = TRUE;
  GST_OBJECT_UNLOCK (pad);
}

static void
gst_mixbus_pad_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMixbusPad *pad = GST_MIXBUS_PAD (object);
  const DoubleDesc *d = double_desc (pad_doubles, N_PAD_DOUBLES,
      PROP_PAD_DOUBLE_FIRST, prop_id);

  GST_OBJECT_LOCK (pad);
  if (d) {
    g_value_set_double (value, *double_ptr (&pad->params, d));
  } else {
    switch (prop_id) {
      case PROP_PAD_MUTE:
        g_value_set_boolean (value, pad->params.mute);
        break;
      case PROP_PAD_SOLO:
        g_value_set_boolean (value, pad->solo);
        break;
      case PROP_PAD_PHASE_INVERT:
        g_value_set_boolean (value, pad->params.phase_invert);
        break;
      case PROP_PAD_REVERB_SEND_PRE:
        g_value_set_boolean (value, pad->params.send_pre[0]);
        break;
      case PROP_PAD_DELAY_SEND_PRE:
        g_value_set_boolean (value, pad->params.send_pre[1]);
        break;
      case PROP_PAD_DUCK_SOURCE:
        g_value_set_string (value, pad->duck_source);
        break;
      case PROP_PAD_DUCK_DEPTH:
        g_value_set_double (value, pad->duck_depth);
        break;
      case PROP_PAD_DUCK_THRESHOLD:
        g_value_set_double (value, pad->duck_threshold);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (pad);
}

/* ------------------------------------------------------------------ */
/* Pad: conversion to the strip's format                               */

/* The strip takes F32 interleaved at the output rate, mono (panned) or
 * stereo (balanced); more channels are downmixed to stereo. */
static void
strip_info_for (const GstAudioInfo * in, gint rate, GstAudioInfo * out)
{
  static const GstAudioChannelPosition mono[] =
      { GST_AUDIO_CHANNEL_POSITION_MONO };
  static const GstAudioChannelPosition stereo[] = {
    GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT,
    GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT
  };
  gint ch = GST_AUDIO_INFO_CHANNELS (in) == 1 ? 1 : 2;

  gst_audio_info_set_format (out, GST_AUDIO_FORMAT_F32, rate, ch,
      ch == 1 ? mono : stereo);
}

/* Converted buffers come from a pool sized for the largest input seen,
 * so steady streaming does not allocate. */
static GstBuffer *
acquire_buffer (GstMixbusPad * pad, gsize size)
{
  GstBuffer *buf = NULL;

  if (size > pad->pool_size || !pad->pool) {
    GstStructure *config;
    gsize want = MAX (size, (gsize) POOL_MIN_FRAMES *
        GST_AUDIO_INFO_BPF (&pad->strip_info) * 2);
    if (pad->pool) {
      gst_buffer_pool_set_active (pad->pool, FALSE);
      gst_object_unref (pad->pool);
    }
    pad->pool = gst_buffer_pool_new ();
    config = gst_buffer_pool_get_config (pad->pool);
    gst_buffer_pool_config_set_params (config, NULL, want, 0, 0);
    if (!gst_buffer_pool_set_config (pad->pool, config)
        || !gst_buffer_pool_set_active (pad->pool, TRUE)) {
      gst_clear_object (&pad->pool);
      pad->pool_size = 0;
      return gst_buffer_new_allocate (NULL, size, NULL);
    }
    pad->pool_size = want;
  }
  if (gst_buffer_pool_acquire_buffer (pad->pool, &buf, NULL) != GST_FLOW_OK)
    return gst_buffer_new_allocate (NULL, size, NULL);
  gst_buffer_resize (buf, 0, size);
  return buf;
}

static gboolean
update_converter (GstMixbusPad * pad, const GstAudioInfo * in_info,
    const GstAudioInfo * out_info)
{
  if (!pad->converter_stale)
    return TRUE;
  g_clear_pointer (&pad->converter, gst_audio_converter_free);
  strip_info_for (in_info, GST_AUDIO_INFO_RATE (out_info), &pad->strip_info);
  if (!gst_audio_info_is_equal (in_info, &pad->strip_info)) {
    pad->converter = gst_audio_converter_new (GST_AUDIO_CONVERTER_FLAG_NONE,
        (GstAudioInfo *) in_info, &pad->strip_info, NULL);
    if (!pad->converter) {
      GST_WARNING_OBJECT (pad, "cannot convert the input for the strip");
      return FALSE;
    }
  }
  pad->converter_stale = FALSE;
  return TRUE;
}

/* The aggregator counts a converted buffer's frames in the output's
 * bytes per frame (stereo F32 or F64); our buffers carry the strip's
 * format (1 or 2 channels of F32, never wider) packed at their start, in
 * a buffer of that size.  Called with the pad's object lock held.
 *
 * When the output format changes, the aggregator re-converts the buffer
 * it holds from the old output info to the new one: the strip data
 * stays, only the buffer size changes (in_info is then not the pad's). */
static GstBuffer *
gst_mixbus_pad_convert_buffer (GstAudioAggregatorPad * apad,
    GstAudioInfo * in_info, GstAudioInfo * out_info, GstBuffer * buffer)
{
  GstMixbusPad *pad = GST_MIXBUS_PAD (apad);
  gboolean repack = in_info != &apad->info;
  gsize frames = gst_buffer_get_size (buffer) / GST_AUDIO_INFO_BPF (in_info);
  gsize strip_bytes;
  GstBuffer *res;
  GstMapInfo in, out;

  if (!repack && !update_converter (pad, in_info, out_info))
    return NULL;
  strip_bytes = frames * GST_AUDIO_INFO_BPF (&pad->strip_info);
  /* already the strip's format in a buffer of the output's frame size
   * (stereo F32 in, F32 out): the buffer itself, as the parent class does
   * for a passthrough converter -- no copy, no pooled buffer */
  if ((repack || !pad->converter)
      && strip_bytes == frames * GST_AUDIO_INFO_BPF (out_info)
      && strip_bytes == gst_buffer_get_size (buffer))
    return gst_buffer_ref (buffer);
  res = acquire_buffer (pad, frames * GST_AUDIO_INFO_BPF (out_info));
  gst_buffer_copy_into (res, buffer, GST_BUFFER_COPY_FLAGS |
      GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  /* a GAP buffer is skipped by the aggregator: its content is unused */
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP) || frames == 0)
    return res;

  gst_buffer_map (buffer, &in, GST_MAP_READ);
  gst_buffer_map (res, &out, GST_MAP_WRITE);
  if (!repack && pad->converter) {
    gpointer ip = in.data, op = out.data;
    gst_audio_converter_samples (pad->converter,
        GST_AUDIO_CONVERTER_FLAG_NONE, &ip, frames, &op, frames);
  } else {
    memcpy (out.data, in.data, strip_bytes);
  }
  gst_buffer_unmap (res, &out);
  gst_buffer_unmap (buffer, &in);
  return res;
}

static void
gst_mixbus_pad_update_conversion_info (GstAudioAggregatorPad * apad)
{
  GST_MIXBUS_PAD (apad)->converter_stale = TRUE;
}

static GstFlowReturn
gst_mixbus_pad_flush (GstAggregatorPad * apad, GstAggregator * agg)
{
  GstMixbusPad *pad = GST_MIXBUS_PAD (apad);

  GST_OBJECT_LOCK (pad);
  pad->flushed = TRUE;
  GST_OBJECT_UNLOCK (pad);
  return GST_AGGREGATOR_PAD_CLASS (gst_mixbus_pad_parent_class)->flush (apad,
      agg);
}

static void
free_strip (GstMixbusPad * pad)
{
  mm_strip_free (&pad->strip);
  mm_loudness_free (&pad->meter);
  g_clear_pointer (&pad->out, g_free);
  g_clear_pointer (&pad->in, g_free);
  pad->out_frames = 0;
}

static void
gst_mixbus_pad_finalize (GObject * object)
{
  GstMixbusPad *pad = GST_MIXBUS_PAD (object);

  free_strip (pad);
  g_clear_pointer (&pad->converter, gst_audio_converter_free);
  if (pad->pool) {
    gst_buffer_pool_set_active (pad->pool, FALSE);
    gst_object_unref (pad->pool);
  }
  g_free (pad->duck_source);
  G_OBJECT_CLASS (gst_mixbus_pad_parent_class)->finalize (object);
}

static void
gst_mixbus_pad_class_init (GstMixbusPadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAggregatorPadClass *aggpad_class = GST_AGGREGATOR_PAD_CLASS (klass);
  GstAudioAggregatorPadClass *apad_class =
      GST_AUDIO_AGGREGATOR_PAD_CLASS (klass);

  gobject_class->set_property = gst_mixbus_pad_set_property;
  gobject_class->get_property = gst_mixbus_pad_get_property;
  gobject_class->finalize = gst_mixbus_pad_finalize;

  g_object_class_install_property (gobject_class, PROP_PAD_MUTE,
      g_param_spec_boolean ("mute", "Mute", "Silence this track and its "
          "sends, pre-fader ones too (ramped; default false)", FALSE,
          PROP_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PAD_SOLO,
      g_param_spec_boolean ("solo", "Solo", "Solo: while any pad is soloed, "
          "every pad that is not is muted (ramped; default false)", FALSE,
          PROP_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PAD_PHASE_INVERT,
      g_param_spec_boolean ("phase-invert", "Phase invert", "Invert the "
          "polarity of every input channel (a 20 ms fade through zero; "
          "default false)", FALSE, PROP_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PAD_REVERB_SEND_PRE,
      g_param_spec_boolean ("reverb-send-pre", "Reverb send pre-fader",
          "Take the reverb send before the fader, ducking and pan (after "
          "the compressor; default false = post-fader)", FALSE, PROP_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PAD_DELAY_SEND_PRE,
      g_param_spec_boolean ("delay-send-pre", "Delay send pre-fader",
          "Take the delay send before the fader, ducking and pan (after "
          "the compressor; default false = post-fader)", FALSE, PROP_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PAD_DUCK_SOURCE,
      g_param_spec_string ("duck-source", "Duck source", "Name of the pad "
          "(e.g. sink_0) whose signal ducks this one (NULL or empty = no "
          "ducking; default NULL)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PAD_DUCK_DEPTH,
      g_param_spec_double ("duck-depth", "Duck depth", "Ducking: how far "
          "this track goes down while the duck-source is present, in dB "
          "(0 to 90, default 12)", 0.0, 90.0, DEFAULT_PAD_DUCK_DEPTH,
          PROP_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PAD_DUCK_THRESHOLD,
      g_param_spec_double ("duck-threshold", "Duck threshold", "Ducking: "
          "the duck-source is present while the peak of what it adds to the "
          "bus is above this, in dBFS (-90 to 0, default -40)", -90.0, 0.0,
          DEFAULT_PAD_DUCK_THRESHOLD, PROP_FLAGS));
  install_doubles (gobject_class, pad_doubles, N_PAD_DOUBLES,
      PROP_PAD_DOUBLE_FIRST);

  aggpad_class->flush = GST_DEBUG_FUNCPTR (gst_mixbus_pad_flush);
  apad_class->convert_buffer =
      GST_DEBUG_FUNCPTR (gst_mixbus_pad_convert_buffer);
  apad_class->update_conversion_info =
      GST_DEBUG_FUNCPTR (gst_mixbus_pad_update_conversion_info);
}

static void
gst_mixbus_pad_init (GstMixbusPad * pad)
{
  mm_strip_params_default (&pad->params);
  for (guint i = 0; i < N_PAD_DOUBLES; i++)
    *double_ptr (&pad->params, &pad_doubles[i]) = pad_doubles[i].def;
  pad->duck_depth = DEFAULT_PAD_DUCK_DEPTH;
  pad->duck_threshold = DEFAULT_PAD_DUCK_THRESHOLD;
  pad->params_changed = TRUE;
  pad->converter_stale = TRUE;
  pad->key_db = -INFINITY;
  gst_audio_info_init (&pad->strip_info);
}

/* ------------------------------------------------------------------ */
/* Element properties                                                  */

enum
{
  PROP_0,
  PROP_PAN_LAW,
  PROP_INTERVAL,
  PROP_POST_MESSAGES,
  PROP_DOUBLE_FIRST,            /* bus_doubles[] follow */
};

#define BUS(field) G_STRUCT_OFFSET (GstMixbusBusParams, field)

static const DoubleDesc bus_doubles[] = {
  {"reverb-size", "Reverb size", "Reverb room size, 0 (small, ~5 ms lines) "
        "to 1 (large, ~30-75 ms lines), default 0.5", 0.0, 1.0, 0.5,
      BUS (reverb_size)},
  {"reverb-decay", "Reverb decay", "Reverb decay time RT60 in seconds "
        "(0.1 to 20, default 1.5)", MM_REVERB_DECAY_MIN,
      MM_REVERB_DECAY_MAX, 1.5, BUS (reverb_decay)},
  {"reverb-damping", "Reverb damping", "Reverb high-frequency damping, 0 "
        "(none) to 1 (1 kHz low-pass in the tail), default 0.3", 0.0, 1.0,
      0.3, BUS (reverb_damping)},
  {"reverb-predelay", "Reverb pre-delay", "Reverb pre-delay in ms (0 to "
        "200, default 10)", 0.0, MM_REVERB_PREDELAY_MAX, 10.0,
      BUS (reverb_predelay)},
  {"reverb-return", "Reverb return", "Reverb return level into the bus in "
        "dB (-inf = off, else -90 to 12; default 0)", -INFINITY, 12.0, 0.0,
      BUS (reverb_return)},
  {"delay-time", "Delay time", "Delay time in ms (1 to 4000, default 500; "
        "for tempo: 60000 / bpm x beats), rounded to whole samples",
      MM_DELAY_TIME_MIN, MM_DELAY_TIME_MAX, 500.0, BUS (delay_time)},
  {"delay-feedback", "Delay feedback", "Delay feedback, the level of each "
        "echo relative to the one before (0 to 0.95, default 0.3)", 0.0,
      MM_DELAY_FEEDBACK_MAX, 0.3, BUS (delay_feedback)},
  {"delay-lowpass", "Delay low-pass", "Low-pass in the delay's feedback "
        "path in Hz (0 = off, else 20 to 20000; default 0)", 0.0, 20000.0,
      0.0, BUS (delay_lowpass)},
  {"delay-return", "Delay return", "Delay return level into the bus in dB "
        "(-inf = off, else -90 to 12; default 0)", -INFINITY, 12.0, 0.0,
      BUS (delay_return)},
  {"master-gain", "Master gain", "Gain of the bus output in dB (-90 to 24, "
        "default 0)", -90.0, 24.0, 0.0, BUS (master_gain)},
};

#define N_BUS_DOUBLES G_N_ELEMENTS (bus_doubles)

static void
gst_mixbus_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMixbus *self = GST_MIXBUS (object);
  const DoubleDesc *d = double_desc (bus_doubles, N_BUS_DOUBLES,
      PROP_DOUBLE_FIRST, prop_id);

  GST_OBJECT_LOCK (self);
  if (d) {
    *double_ptr (&self->bus, d) = g_value_get_double (value);
  } else {
    switch (prop_id) {
      case PROP_PAN_LAW:
        self->bus.pan_law = g_value_get_enum (value);
        self->law_generation++;
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
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mixbus_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMixbus *self = GST_MIXBUS (object);
  const DoubleDesc *d = double_desc (bus_doubles, N_BUS_DOUBLES,
      PROP_DOUBLE_FIRST, prop_id);

  GST_OBJECT_LOCK (self);
  if (d) {
    g_value_set_double (value, *double_ptr (&self->bus, d));
  } else {
    switch (prop_id) {
      case PROP_PAN_LAW:
        g_value_set_enum (value, self->bus.pan_law);
        break;
      case PROP_INTERVAL:
        g_value_set_uint64 (value, self->interval);
        break;
      case PROP_POST_MESSAGES:
        g_value_set_boolean (value, self->post_messages);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------ */
/* Streaming state                                                     */

/* The returns start idle: nothing runs until a send feeds them. */
static void
idle_returns (GstMixbus * self)
{
  self->quiet[0] = self->quiet[1] = G_MAXUINT64 / 2;
}

static void release_pieces (GstMixbus * self);

static void
free_bus (GstMixbus * self)
{
  release_pieces (self);
  mm_reverb_free (&self->reverb);
  mm_delay_free (&self->delay);
  mm_smoother_free (&self->reverb_gain);
  mm_smoother_free (&self->delay_gain);
  mm_smoother_free (&self->master);
  mm_loudness_free (&self->meter);
  for (gint k = 0; k < 2; k++)
    g_clear_pointer (&self->send[k], g_free);
  g_clear_pointer (&self->mix, g_free);
  g_clear_pointer (&self->wet, g_free);
  self->frames = 0;
  self->rate = 0;
}

static gdouble
gain_linear (gdouble db)
{
  return db < GAIN_OFF_DB ? 0.0 : mm_db_to_linear (db);
}

/* Applies the bus properties to the returns (they glide). */
static void
apply_bus (GstMixbus * self, const GstMixbusBusParams * b)
{
  mm_reverb_set_size (self->reverb, b->reverb_size);
  mm_reverb_set_decay (self->reverb, b->reverb_decay);
  mm_reverb_set_damping (self->reverb, b->reverb_damping);
  mm_reverb_set_predelay (self->reverb, b->reverb_predelay);
  mm_delay_set_time (self->delay, b->delay_time);
  mm_delay_set_feedback (self->delay, b->delay_feedback);
  mm_delay_set_lowpass (self->delay, b->delay_lowpass < 20.0 ? 0.0 :
      b->delay_lowpass);
  mm_smoother_set_target (self->reverb_gain, gain_linear (b->reverb_return));
  mm_smoother_set_target (self->delay_gain, gain_linear (b->delay_return));
  mm_smoother_set_target (self->master, gain_linear (b->master_gain));
}

/* The returns, gains and bus meter for `rate`; the first values are the
 * properties' (no glide from defaults). */
static gboolean
setup_bus (GstMixbus * self, gint rate)
{
  GstMixbusBusParams b;

  free_bus (self);
  self->reverb = mm_reverb_new (rate, 2);
  self->delay = mm_delay_new (rate);
  self->reverb_gain = mm_smoother_new (rate, GAIN_RAMP_MS, 0.0);
  self->delay_gain = mm_smoother_new (rate, GAIN_RAMP_MS, 0.0);
  self->master = mm_smoother_new (rate, GAIN_RAMP_MS, 0.0);
  self->meter = mm_loudness_new (rate, 2, 0);
  if (!self->reverb || !self->delay || !self->reverb_gain
      || !self->delay_gain || !self->master || !self->meter) {
    free_bus (self);
    return FALSE;
  }
  self->rate = rate;
  GST_OBJECT_LOCK (self);
  b = self->bus;
  GST_OBJECT_UNLOCK (self);
  apply_bus (self, &b);
  mm_reverb_reset (self->reverb);
  mm_delay_reset (self->delay);
  mm_smoother_set_value (self->reverb_gain, gain_linear (b.reverb_return));
  mm_smoother_set_value (self->delay_gain, gain_linear (b.delay_return));
  mm_smoother_set_value (self->master, gain_linear (b.master_gain));
  self->clock.rate = rate;
  gst_mm_interval_init (&self->clock);
  idle_returns (self);
  return TRUE;
}

/* The bus buffers hold one output block; they grow only when the block
 * size does (caps or output-buffer-duration changed). */
static void
ensure_frames (GstMixbus * self, guint frames)
{
  if (frames <= self->frames)
    return;
  for (gint k = 0; k < 2; k++) {
    g_free (self->send[k]);
    self->send[k] = g_new0 (gfloat, 2 * frames);
  }
  g_free (self->mix);
  self->mix = g_new0 (gfloat, 2 * frames);
  g_free (self->wet);
  self->wet = g_new0 (gfloat, 2 * frames);
  self->frames = frames;
}

static void
reset_meters (GstMixbus * self)
{
  self->peak[0] = self->peak[1] = 0.0;
  self->sumsq[0] = self->sumsq[1] = 0.0;
  self->metered = 0;
}

static gboolean
gst_mixbus_negotiated_src_caps (GstAggregator * agg, GstCaps * caps)
{
  GstMixbus *self = GST_MIXBUS (agg);
  GstAudioInfo info;

  if (!GST_AGGREGATOR_CLASS (parent_class)->negotiated_src_caps (agg, caps))
    return FALSE;
  if (!gst_audio_info_from_caps (&info, caps))
    return FALSE;
  self->f64 = GST_AUDIO_INFO_FORMAT (&info) == GST_AUDIO_FORMAT_F64;
  if (GST_AUDIO_INFO_RATE (&info) != self->rate) {
    if (!setup_bus (self, GST_AUDIO_INFO_RATE (&info))) {
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT, (NULL),
          ("cannot set up the bus at %d Hz", GST_AUDIO_INFO_RATE (&info)));
      return FALSE;
    }
    reset_meters (self);
  }
  return TRUE;
}

static gboolean
gst_mixbus_stop (GstAggregator * agg)
{
  GstMixbus *self = GST_MIXBUS (agg);

  free_bus (self);
  reset_meters (self);
  return GST_AGGREGATOR_CLASS (parent_class)->stop (agg);
}

/* A flushing seek: the returns' tails and the meters start again. */
static GstFlowReturn
gst_mixbus_flush (GstAggregator * agg)
{
  GstMixbus *self = GST_MIXBUS (agg);

  if (self->reverb)
    mm_reverb_reset (self->reverb);
  if (self->delay)
    mm_delay_reset (self->delay);
  if (self->meter)
    mm_loudness_reset (self->meter);
  reset_meters (self);
  gst_mm_interval_init (&self->clock);
  idle_returns (self);
  release_pieces (self);        /* the block is dropped */
  return GST_AGGREGATOR_CLASS (parent_class)->flush (agg);
}

/* ------------------------------------------------------------------ */
/* Per block: solo, ducking and bus settings before the pads are mixed */

static GstMixbusPad *
find_pad (GstElement * element, const gchar * name)
{
  for (GList * l = element->sinkpads; l; l = l->next)
    if (!g_strcmp0 (GST_OBJECT_NAME (l->data), name))
      return l->data;
  return NULL;
}

/* Element lock held.  The ducking gain of each ducked pad for this block,
 * from its source's output peak in the last one. */
static void
plan_block (GstMixbus * self)
{
  GstElement *element = GST_ELEMENT (self);
  gboolean solo = FALSE;

  for (GList * l = element->sinkpads; l; l = l->next) {
    GstMixbusPad *pad = l->data;
    GstMixbusPad *src;
    gdouble key = -INFINITY, depth, threshold;

    GST_OBJECT_LOCK (pad);
    solo |= pad->solo;
    src = pad->duck_source && *pad->duck_source ?
        find_pad (element, pad->duck_source) : NULL;
    depth = pad->duck_depth;
    threshold = pad->duck_threshold;
    GST_OBJECT_UNLOCK (pad);
    if (src && src != pad)
      key = src->key_db;        /* streaming field: this thread's */
    pad->duck_db = key > threshold ? -depth : 0.0;
  }
  self->any_solo = solo;
}

static GstBuffer *
gst_mixbus_create_output_buffer (GstAudioAggregator * aagg, guint frames)
{
  GstMixbus *self = GST_MIXBUS (aagg);
  GstAggregator *agg = GST_AGGREGATOR (aagg);
  GstClockTime stream_time;

  /* pieces left over belong to a block the aggregator dropped (EOS with
   * nothing mixed, flush, stop): never mixed */
  release_pieces (self);

  GST_OBJECT_LOCK (self);
  stream_time = gst_segment_to_stream_time (&GST_AGGREGATOR_PAD
      (agg->srcpad)->segment, GST_FORMAT_TIME,
      GST_AGGREGATOR_PAD (agg->srcpad)->segment.position);
  GST_OBJECT_UNLOCK (self);
  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (self), stream_time);

  ensure_frames (self, frames);
  memset (self->mix, 0, 2 * frames * sizeof (gfloat));
  memset (self->send[0], 0, 2 * frames * sizeof (gfloat));
  memset (self->send[1], 0, 2 * frames * sizeof (gfloat));

  GST_OBJECT_LOCK (self);
  self->blk_bus = self->bus;
  self->blk_law_generation = self->law_generation;
  self->blk_interval = self->interval;
  self->blk_post = self->post_messages;
  plan_block (self);
  GST_OBJECT_UNLOCK (self);
  if (self->reverb)
    apply_bus (self, &self->blk_bus);

  return GST_AUDIO_AGGREGATOR_CLASS (parent_class)->create_output_buffer
      (aagg, frames);
}

/* ------------------------------------------------------------------ */
/* Mixing one pad                                                      */

/* The pad's strip for the output rate and its channels, and its output
 * buffer for one block: allocated when the pad first plays or its format
 * changed, never per buffer. */
static gboolean
ensure_strip (GstMixbusPad * pad, gint rate, guint channels, guint frames)
{
  if (pad->strip && pad->strip_rate == rate
      && pad->strip_channels == channels && pad->out_frames >= frames)
    return TRUE;
  free_strip (pad);
  pad->strip = mm_strip_new (rate, channels);
  pad->meter = mm_loudness_new (rate, 2, 0);
  pad->out = g_try_new0 (gfloat, 2 * frames);
  pad->in = g_try_new0 (gfloat, channels * frames);
  if (!pad->strip || !pad->meter || !pad->out || !pad->in) {
    free_strip (pad);
    return FALSE;
  }
  pad->strip_rate = rate;
  pad->strip_channels = channels;
  pad->out_frames = frames;
  pad->fresh = TRUE;
  return TRUE;
}

/* Takes the pad's properties into the strip when they, the solo state or
 * the pan law changed.  A fresh strip starts at its settings (no glide
 * from the defaults). */
static void
update_strip (GstMixbus * self, GstMixbusPad * pad, gboolean changed,
    gboolean solo, guint law_generation, GstMixbusPanLaw law)
{
  gboolean mute = pad->sparams.mute || (self->any_solo && !solo);
  mm_strip_params p;

  if (!changed && !pad->fresh && mute == pad->applied_mute
      && law_generation == pad->law_applied)
    return;
  p = pad->sparams;
  p.mute = mute;
  p.pan_law = (mm_pan_law) law;
  if (p.hpf_hz < 10.0)
    p.hpf_hz = 0.0;
  if (mm_strip_set_params (pad->strip, &p) != MM_OK)
    GST_WARNING_OBJECT (pad, "the strip refused the settings");
  if (pad->fresh)
    mm_strip_reset (pad->strip);
  pad->fresh = FALSE;
  pad->applied_mute = mute;
  pad->law_applied = law_generation;
}

/* The block's pieces are mixed (or dropped): their input buffers and
 * pads go. */
static void
release_pieces (GstMixbus * self)
{
  for (guint i = 0; i < self->n_pieces; i++) {
    GstMixbusPiece *p = &self->pieces[i];
    p->pad->pending = FALSE;
    if (p->buf) {
      gst_buffer_unmap (p->buf, &p->map);
      gst_buffer_unref (p->buf);
      p->buf = NULL;
    }
    gst_object_unref (p->pad);
  }
  self->n_pieces = 0;
}

/* Pieces whose pads all have a strip at the same place (one run: the same
 * offset and length) at most. */
#define MIX_BATCH 16

/* Mixes the pieces given so far, in their order: runs of pieces at the
 * same offset and length through mm_strip_process_multi_f32 (the strips
 * stage by stage, bit for bit what one after the other gives), each
 * strip into its pad's output, the sends into the bus's; then the pads'
 * meters (four at a time) and the bus, in the same order. */
static void
mix_pieces (GstMixbus * self)
{
  const gboolean meter = self->blk_post;
  guint i = 0;

  while (i < self->n_pieces) {
    const GstMixbusPiece *p = &self->pieces[i];
    const guint off = p->offset, frames = p->frames;
    mm_strip *strips[MIX_BATCH];
    mm_loudness *meters[MIX_BATCH];
    const gfloat *in[MIX_BATCH], *outc[MIX_BATCH];
    gfloat *out[MIX_BATCH];
    guint n = 0;

    while (i + n < self->n_pieces && n < MIX_BATCH
        && p[n].offset == off && p[n].frames == frames) {
      GstMixbusPad *pad = p[n].pad;
      strips[n] = pad->strip;
      meters[n] = pad->meter;
      in[n] = p[n].data;
      out[n] = pad->out + 2 * off;
      outc[n] = out[n];
      /* the strips add into their outputs: 0 + x is x exactly */
      memset (out[n], 0, 2 * frames * sizeof (gfloat));
      n++;
    }
    mm_strip_process_multi_f32 (strips, n, in, out,
        self->send[0] + 2 * off, self->send[1] + 2 * off, frames);
    for (guint k = 0; meter && k < n; k += 4)
      mm_loudness_add_frames_multi_f32 (meters + k, outc + k, MIN (4, n - k),
          frames);
    for (guint k = 0; k < n; k++)
      mm_vector_add_scaled_f32 (self->mix + 2 * off, out[k], 1.0f,
          2 * frames);
    i += n;
  }
  release_pieces (self);
}

static gboolean
gst_mixbus_aggregate_one_buffer (GstAudioAggregator * aagg,
    GstAudioAggregatorPad * apad, GstBuffer * inbuf, guint in_offset,
    GstBuffer * outbuf, guint out_offset, guint frames)
{
  GstMixbus *self = GST_MIXBUS (aagg);
  GstMixbusPad *pad = GST_MIXBUS_PAD (apad);
  gboolean changed, flushed, solo;
  guint channels;
  GstMixbusPiece *piece;
  GstMapInfo map;
  gsize bpf;

  if (!self->mix || out_offset + frames > self->frames)
    return FALSE;

  GST_OBJECT_LOCK (pad);
  channels = GST_AUDIO_INFO_CHANNELS (&pad->strip_info);
  bpf = GST_AUDIO_INFO_BPF (&pad->strip_info);
  changed = pad->params_changed;
  if (changed)
    pad->sparams = pad->params;
  pad->params_changed = FALSE;
  flushed = pad->flushed;
  pad->flushed = FALSE;
  solo = pad->solo;
  GST_OBJECT_UNLOCK (pad);

  /* a second piece of this pad in the block: the pieces before it are
   * mixed first (its settings, its strip apply from here on) */
  if (pad->pending)
    mix_pieces (self);
  if (channels < 1 || channels > 2
      || !ensure_strip (pad, self->rate, channels, self->frames)) {
    GST_WARNING_OBJECT (pad, "no strip for %u channels", channels);
    return FALSE;
  }
  update_strip (self, pad, changed, solo, self->blk_law_generation,
      self->blk_bus.pan_law);
  if (flushed) {
    mm_strip_reset (pad->strip);
    mm_loudness_reset (pad->meter);
  }
  mm_strip_set_duck (pad->strip, pad->duck_db);

  if (!gst_buffer_map (inbuf, &map, GST_MAP_READ))
    return FALSE;
  if ((gsize) (in_offset + frames) * bpf > map.size) {
    gst_buffer_unmap (inbuf, &map);
    return FALSE;
  }
  if (self->n_pieces == self->pieces_size) {
    self->pieces_size = MAX (16, 2 * self->pieces_size);
    self->pieces = g_renew (GstMixbusPiece, self->pieces, self->pieces_size);
  }
  /* the input waits, mapped, for the other pads' (mix_pieces); copied
   * only where it is not float-aligned */
  piece = &self->pieces[self->n_pieces++];
  piece->pad = gst_object_ref (pad);
  piece->offset = out_offset;
  piece->frames = frames;
  piece->data = (const gfloat *) (map.data + in_offset * bpf);
  if ((guintptr) piece->data % G_ALIGNOF (gfloat) == 0) {
    piece->buf = gst_buffer_ref (inbuf);
    piece->map = map;
  } else {
    memcpy (pad->in + out_offset * channels, piece->data, frames * bpf);
    gst_buffer_unmap (inbuf, &map);
    piece->data = pad->in + out_offset * channels;
    piece->buf = NULL;
  }
  pad->pending = TRUE;
  pad->had_data = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The bus: returns, master gain, meters, output format                */

static gboolean
has_signal (const gfloat * buf, gsize n)
{
  return mm_vector_abs_max_f32 (buf, n, 0.0f) > 0.0f;
}

/* Frames after the last send input at which a return's tail is below
 * -180 dB of its input. */
static guint64
reverb_tail_frames (GstMixbus * self, const GstMixbusBusParams * b)
{
  return (guint64) ((REVERB_TAIL_RT60S * b->reverb_decay +
          b->reverb_predelay * 0.001) * self->rate);
}

static guint64
delay_tail_frames (GstMixbus * self, const GstMixbusBusParams * b)
{
  gdouble echoes = b->delay_feedback > 0.0 ?
      1.0 + TAIL_DB / (-20.0 * log10 (b->delay_feedback)) : 1.0;
  return (guint64) (echoes * b->delay_time * 0.001 * self->rate) + 1;
}

/* send -> effect -> return gain -> bus.  An effect is not run once its
 * tail is over and its send is silent (its state is then cleared, so the
 * next input starts from silence, as it would have). */
static void
run_return (GstMixbus * self, gint k, guint64 tail, gsize frames)
{
  mm_smoother *gain = k == 0 ? self->reverb_gain : self->delay_gain;
  gboolean fed = has_signal (self->send[k], 2 * frames);
  guint64 *quiet = &self->quiet[k];

  if (fed) {
    if (*quiet > tail) {
      if (k == 0)
        mm_reverb_reset (self->reverb);
      else
        mm_delay_reset (self->delay);
    }
    *quiet = 0;
  } else if (*quiet > tail) {
    mm_smoother_fill (gain, self->wet, frames);
    return;                     /* keeps the gain ramp in step */
  } else {
    *quiet += frames;
  }
  if (k == 0)
    mm_reverb_process_f32 (self->reverb, self->send[0], self->wet, frames);
  else
    mm_delay_process_f32 (self->delay, self->send[1], self->wet, frames);
  mm_smoother_apply_f32 (gain, self->wet, 2, frames);
  mm_vector_add_scaled_f32 (self->mix, self->wet, 1.0f, 2 * frames);
}

static void
meter_piece (gpointer user_data, const guint8 * in, guint8 * out,
    gsize frames)
{
  GstMixbus *self = user_data;
  const gfloat *x = (const gfloat *) in;

  for (gsize i = 0; i < frames; i++) {
    for (gint c = 0; c < 2; c++) {
      gdouble v = x[2 * i + c];
      self->peak[c] = MAX (self->peak[c], fabs (v));
      self->sumsq[c] += v * v;
    }
  }
  mm_loudness_add_frames_f32 (self->meter, x, frames);
  self->metered += frames;
}

static void
set_pair (GstStructure * s, const gchar * field, const gdouble v[2])
{
  GValue arr = G_VALUE_INIT, item = G_VALUE_INIT;

  g_value_init (&arr, GST_TYPE_ARRAY);
  g_value_init (&item, G_TYPE_DOUBLE);
  for (gint c = 0; c < 2; c++) {
    g_value_set_double (&item, v[c]);
    gst_value_array_append_value (&arr, &item);
  }
  gst_structure_take_value (s, field, &arr);
  g_value_unset (&item);
}

static gdouble
momentary (const mm_loudness * m)
{
  gdouble v = -INFINITY;

  if (!m || mm_loudness_momentary (m, &v) != MM_OK)
    return -INFINITY;
  return v;
}

/* One pad's entry of the message; clears its interval values. */
static GstStructure *
pad_entry (GstMixbusPad * pad)
{
  gdouble peak[2] = { -INFINITY, -INFINITY }, rms[2] = {
  -INFINITY, -INFINITY};
  GstStructure *s;

  if (pad->strip)
    mm_strip_get_levels (pad->strip, peak, rms);
  s = gst_structure_new ("pad", "name", G_TYPE_STRING, GST_OBJECT_NAME (pad),
      "active", G_TYPE_BOOLEAN, pad->had_data, "momentary-loudness",
      G_TYPE_DOUBLE, momentary (pad->meter), "comp-reduction", G_TYPE_DOUBLE,
      pad->comp_red, "duck-reduction", G_TYPE_DOUBLE, pad->duck_red, NULL);
  set_pair (s, "peak", peak);
  set_pair (s, "rms", rms);
  pad->had_data = FALSE;
  pad->comp_red = pad->duck_red = 0.0;
  return s;
}

static gpointer
ref_pad (gconstpointer pad, gpointer unused)
{
  return gst_object_ref ((gpointer) pad);
}

static GstMessage *
build_message (GstMixbus * self)
{
  GstAggregator *agg = GST_AGGREGATOR (self);
  GstSegment *seg = &GST_AGGREGATOR_PAD (agg->srcpad)->segment;
  GstClockTime ts = self->clock.interval_start;
  gdouble peak[2], rms[2];
  GValue pads = G_VALUE_INIT, item = G_VALUE_INIT;
  GstStructure *s;
  GList *list;

  for (gint c = 0; c < 2; c++) {
    peak[c] = mm_linear_to_db (self->peak[c]);
    rms[c] = self->metered ? mm_linear_to_db (sqrt (self->sumsq[c] /
            (gdouble) self->metered)) : -INFINITY;
  }
  s = gst_structure_new ("mixbus",
      "timestamp", G_TYPE_UINT64, ts,
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (seg, GST_FORMAT_TIME, ts),
      "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time (seg, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, gst_mm_interval_duration (&self->clock),
      "momentary-loudness", G_TYPE_DOUBLE, momentary (self->meter), NULL);
  set_pair (s, "peak", peak);
  set_pair (s, "rms", rms);
  reset_meters (self);

  /* the entries are built without the element's lock (which the pads'
   * streaming threads take for every buffer they queue) */
  GST_OBJECT_LOCK (self);
  list = g_list_copy_deep (GST_ELEMENT (self)->sinkpads, ref_pad, NULL);
  GST_OBJECT_UNLOCK (self);
  g_value_init (&pads, GST_TYPE_ARRAY);
  g_value_init (&item, GST_TYPE_STRUCTURE);
  for (GList * l = list; l; l = l->next) {
    g_value_take_boxed (&item, pad_entry (l->data));
    gst_value_array_append_value (&pads, &item);
  }
  g_list_free_full (list, gst_object_unref);
  g_value_unset (&item);
  gst_structure_take_value (s, "pads", &pads);
  return gst_message_new_element (GST_OBJECT (self), s);
}

static void
interval_due (gpointer user_data)
{
  GstMixbus *self = user_data;

  gst_element_post_message (GST_ELEMENT (self), build_message (self));
}

/* After each block: every pad's side-chain key for the next block, and
 * its gain reductions for the message. */
static void
collect_pads (GstMixbus * self)
{
  GST_OBJECT_LOCK (self);
  for (GList * l = GST_ELEMENT (self)->sinkpads; l; l = l->next) {
    GstMixbusPad *pad = l->data;
    gdouble now, max, duck;

    pad->key_db = -INFINITY;
    if (!pad->strip)
      continue;
    mm_strip_get_key (pad->strip, &pad->key_db);
    mm_strip_get_reduction (pad->strip, &now, &max);
    mm_strip_get_duck (pad->strip, &duck);
    pad->comp_red = MAX (pad->comp_red, max);
    pad->duck_red = MAX (pad->duck_red, duck);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
write_output (GstMixbus * self, GstBuffer * outbuf, gsize frames)
{
  GstMapInfo map;

  if (!gst_buffer_map (outbuf, &map, GST_MAP_WRITE))
    return;
  if (self->f64) {
    gdouble *d = (gdouble *) map.data;
    for (gsize i = 0; i < 2 * frames; i++)
      d[i] = self->mix[i];
  } else {
    memcpy (map.data, self->mix, 2 * frames * sizeof (gfloat));
  }
  gst_buffer_unmap (outbuf, &map);
}

static GstFlowReturn
gst_mixbus_finish_buffer (GstAggregator * agg, GstBuffer * outbuf)
{
  GstMixbus *self = GST_MIXBUS (agg);
  gsize bpf = self->f64 ? 2 * sizeof (gdouble) : 2 * sizeof (gfloat);
  gsize frames = gst_buffer_get_size (outbuf) / bpf;
  const GstMixbusBusParams *b = &self->blk_bus;

  mix_pieces (self);
  /* the pads are mixed: releases may go on (gst_mixbus_aggregate) */
  if (self->release_locked) {
    self->release_locked = FALSE;
    g_rec_mutex_unlock (&self->release_lock);
  }
  if (!self->mix || frames > self->frames)
    return GST_AGGREGATOR_CLASS (parent_class)->finish_buffer (agg, outbuf);

  run_return (self, 0, reverb_tail_frames (self, b), frames);
  run_return (self, 1, delay_tail_frames (self, b), frames);
  mm_smoother_apply_f32 (self->master, self->mix, 2, frames);

  outbuf = gst_buffer_make_writable (outbuf);
  write_output (self, outbuf, frames);
  if (GST_BUFFER_FLAG_IS_SET (outbuf, GST_BUFFER_FLAG_GAP)
      && has_signal (self->mix, 2 * frames))
    GST_BUFFER_FLAG_UNSET (outbuf, GST_BUFFER_FLAG_GAP);

  collect_pads (self);
  gst_mm_interval_sync (&self->clock, GST_BUFFER_PTS (outbuf),
      GST_BUFFER_FLAG_IS_SET (outbuf, GST_BUFFER_FLAG_DISCONT));
  gst_mm_interval_run (&self->clock, self->blk_interval, 2 * sizeof (gfloat),
      (const guint8 *) self->mix, NULL, frames, meter_piece,
      self->blk_post ? interval_due : NULL, self);

  return GST_AGGREGATOR_CLASS (parent_class)->finish_buffer (agg, outbuf);
}

/* ------------------------------------------------------------------ */
/* Pads and the child proxy                                            */

static GstPad *
gst_mixbus_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * req_name, const GstCaps * caps)
{
  GstPad *pad = GST_ELEMENT_CLASS (parent_class)->request_new_pad (element,
      templ, req_name, caps);

  if (!pad) {
    GST_DEBUG_OBJECT (element, "could not create a pad");
    return NULL;
  }
  gst_child_proxy_child_added (GST_CHILD_PROXY (element), G_OBJECT (pad),
      GST_OBJECT_NAME (pad));
  return pad;
}

static void
gst_mixbus_release_pad (GstElement * element, GstPad * pad)
{
  GstMixbus *self = GST_MIXBUS (element);

  GST_DEBUG_OBJECT (element, "release pad %s:%s", GST_DEBUG_PAD_NAME (pad));
  gst_child_proxy_child_removed (GST_CHILD_PROXY (element), G_OBJECT (pad),
      GST_OBJECT_NAME (pad));
  /* not while the pads are being mixed (gst_mixbus_aggregate) */
  g_rec_mutex_lock (&self->release_lock);
  GST_ELEMENT_CLASS (parent_class)->release_pad (element, pad);
  g_rec_mutex_unlock (&self->release_lock);
}

/* GstAggregator (1.22) times a live block out against the base time it
 * reads as it starts to wait, also before the element is PLAYING: on the
 * way to PLAYING, the clock already given and the base time still the
 * old one (0 the first time), the wait ends at once and a block goes out
 * before any input came -- silent, and a pad whose first buffer comes
 * after it sets the output position back (two blocks at time 0: found by
 * test_live_and_nonlive_inputs_together, 7 runs in 40 failing, already
 * before deferred mixing).  Fixed upstream in 1.27.1 ("aggregator: Don't
 * produce buffers when live but not in PLAYING yet").  Here a timeout
 * counts only when PLAYING and when the clock has reached the deadline by
 * the present base time (the aggregator's own sum: next output time plus
 * latency); otherwise the block is mixed as without one (with every pad's
 * input, or the aggregator waits again). */
static gboolean
timeout_due (GstMixbus * self)
{
  GstAggregator *agg = GST_AGGREGATOR (self);
  GstAggregatorClass *klass = GST_AGGREGATOR_GET_CLASS (agg);
  GstClockTime latency, next, base;
  GstClock *clock;
  gboolean due;

  g_mutex_lock (&self->state_lock);
  due = self->playing;
  g_mutex_unlock (&self->state_lock);
  if (!due)
    return FALSE;
  clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return TRUE;
  latency = gst_aggregator_get_latency (agg);
  next = klass->get_next_time ? klass->get_next_time (agg) :
      GST_CLOCK_TIME_NONE;
  base = gst_element_get_base_time (GST_ELEMENT (self));
  if (GST_CLOCK_TIME_IS_VALID (latency) && GST_CLOCK_TIME_IS_VALID (next))
    due = gst_clock_get_time (clock) >= base + next + latency;
  gst_object_unref (clock);
  return due;
}

/* An early timeout while not PLAYING: the aggregator's next wait ends at
 * once again, so wait here for the state to change (10 ms at most, so a
 * flush or a pad's data is not held up). */
static void
wait_for_playing (GstMixbus * self)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_MILLISECOND;
  guint cookie;

  g_mutex_lock (&self->state_lock);
  cookie = self->state_cookie;
  while (!self->playing && cookie == self->state_cookie)
    if (!g_cond_wait_until (&self->state_cond, &self->state_lock, end))
      break;
  g_mutex_unlock (&self->state_lock);
}

static void
set_playing (GstMixbus * self, gboolean playing)
{
  g_mutex_lock (&self->state_lock);
  self->playing = playing;
  self->state_cookie++;
  g_cond_broadcast (&self->state_cond);
  g_mutex_unlock (&self->state_lock);
}

static GstStateChangeReturn
gst_mixbus_change_state (GstElement * element, GstStateChange transition)
{
  GstMixbus *self = GST_MIXBUS (element);
  GstStateChangeReturn ret;

  /* the base time is the new one as PAUSED -> PLAYING starts */
  set_playing (self, GST_STATE_TRANSITION_NEXT (transition) ==
      GST_STATE_PLAYING);
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    set_playing (self, GST_STATE_TRANSITION_CURRENT (transition) ==
        GST_STATE_PLAYING);
  return ret;
}

/* GstAudioAggregator (1.22) drops the element's and the pad's object
 * locks around aggregate_one_buffer () and walks its list of sink pads
 * without a reference: a pad released in that window is freed under the
 * mixing thread (found by tests/stress/stress_mixbus.c: a crash in 1 run
 * of 5 with pads removed at random while PLAYING).  So release_pad waits
 * until the pads are mixed; the lock is let go before the output is
 * pushed (gst_mixbus_finish_buffer), so a blocked push (a PAUSED sink)
 * never holds up a release.
 *
 * One block may take several calls: when a pad has no input yet for the
 * rest of the block, or its buffer ends inside the block, the aggregator
 * returns NEED_DATA after mixing what it has (the pads' positions move on)
 * and calls again for the same block.  The pieces given so far stay, each
 * with a reference to its pad (released in between: its piece is still
 * mixed, as when it was mixed as it came), until the block is finished;
 * a block the aggregator drops (EOS, flush, stop) drops its pieces. */
static GstFlowReturn
gst_mixbus_aggregate (GstAggregator * agg, gboolean timeout)
{
  GstMixbus *self = GST_MIXBUS (agg);
  GstFlowReturn ret;
  gboolean early = FALSE;

  if (timeout && !timeout_due (self)) {
    GST_DEBUG_OBJECT (self, "early live timeout (not PLAYING or before the "
        "deadline by the base time): mixing as without it");
    timeout = FALSE;
    early = TRUE;
  }
  g_rec_mutex_lock (&self->release_lock);
  self->release_locked = TRUE;
  ret = GST_AGGREGATOR_CLASS (parent_class)->aggregate (agg, timeout);
  if (ret == GST_FLOW_EOS)
    release_pieces (self);      /* a block with nothing in it: dropped */
  if (self->release_locked) {
    self->release_locked = FALSE;
    g_rec_mutex_unlock (&self->release_lock);
  }
  if (early && ret == GST_AGGREGATOR_FLOW_NEED_DATA)
    wait_for_playing (self);
  return ret;
}

static GObject *
gst_mixbus_child_proxy_get_child_by_index (GstChildProxy * proxy,
    guint index)
{
  GObject *obj;

  GST_OBJECT_LOCK (proxy);
  obj = g_list_nth_data (GST_ELEMENT (proxy)->sinkpads, index);
  if (obj)
    gst_object_ref (obj);
  GST_OBJECT_UNLOCK (proxy);
  return obj;
}

static guint
gst_mixbus_child_proxy_get_children_count (GstChildProxy * proxy)
{
  guint n;

  GST_OBJECT_LOCK (proxy);
  n = GST_ELEMENT (proxy)->numsinkpads;
  GST_OBJECT_UNLOCK (proxy);
  return n;
}

static void
gst_mixbus_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;

  iface->get_child_by_index = gst_mixbus_child_proxy_get_child_by_index;
  iface->get_children_count = gst_mixbus_child_proxy_get_children_count;
}

/* ------------------------------------------------------------------ */

static void
gst_mixbus_finalize (GObject * object)
{
  free_bus (GST_MIXBUS (object));
  g_free (GST_MIXBUS (object)->pieces);
  g_rec_mutex_clear (&GST_MIXBUS (object)->release_lock);
  g_mutex_clear (&GST_MIXBUS (object)->state_lock);
  g_cond_clear (&GST_MIXBUS (object)->state_cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_mixbus_class_init (GstMixbusClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);
  GstAudioAggregatorClass *aagg_class = GST_AUDIO_AGGREGATOR_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_mixbus_debug, "mixbus", 0, "mixing bus");

  gobject_class->set_property = gst_mixbus_set_property;
  gobject_class->get_property = gst_mixbus_get_property;
  gobject_class->finalize = gst_mixbus_finalize;

  g_object_class_install_property (gobject_class, PROP_PAN_LAW,
      g_param_spec_enum ("pan-law", "Pan law", "Level of a centred mono "
          "track relative to hard left/right, dB: 0, -3 (constant power), "
          "-4.5 or -6 (default -3)", GST_TYPE_MIXBUS_PAN_LAW,
          DEFAULT_PROP_PAN_LAW, PROP_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval", "Interval between mixbus "
          "messages, in nanoseconds of output (10 ms to 1 hour, default "
          "100 ms)", MIN_PROP_INTERVAL, MAX_PROP_INTERVAL,
          DEFAULT_PROP_INTERVAL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages", "Post a "
          "'mixbus' meter message every interval (default true; false also "
          "skips the per-pad loudness meters)", DEFAULT_PROP_POST_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  install_doubles (gobject_class, bus_doubles, N_BUS_DOUBLES,
      PROP_DOUBLE_FIRST);

  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_AUDIO_AGGREGATOR_CONVERT_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &sink_template, GST_TYPE_MIXBUS_PAD);
  gst_element_class_set_static_metadata (element_class, "Mixing bus",
      "Generic/Audio", "Mixes tracks through channel strips (EQ, "
      "compressor, pan, sends, ducking) with reverb and delay returns "
      "into one stereo bus, with meters", "mixmaster developers");

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_mixbus_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_mixbus_release_pad);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mixbus_change_state);
  agg_class->negotiated_src_caps =
      GST_DEBUG_FUNCPTR (gst_mixbus_negotiated_src_caps);
  agg_class->stop = GST_DEBUG_FUNCPTR (gst_mixbus_stop);
  agg_class->flush = GST_DEBUG_FUNCPTR (gst_mixbus_flush);
  agg_class->finish_buffer = GST_DEBUG_FUNCPTR (gst_mixbus_finish_buffer);
  agg_class->aggregate = GST_DEBUG_FUNCPTR (gst_mixbus_aggregate);
  aagg_class->create_output_buffer =
      GST_DEBUG_FUNCPTR (gst_mixbus_create_output_buffer);
  aagg_class->aggregate_one_buffer =
      GST_DEBUG_FUNCPTR (gst_mixbus_aggregate_one_buffer);

  gst_type_mark_as_plugin_api (GST_TYPE_MIXBUS_PAD, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MIXBUS_PAN_LAW, 0);
}

static void
gst_mixbus_init (GstMixbus * self)
{
  for (guint i = 0; i < N_BUS_DOUBLES; i++)
    *double_ptr (&self->bus, &bus_doubles[i]) = bus_doubles[i].def;
  self->bus.pan_law = DEFAULT_PROP_PAN_LAW;
  self->interval = DEFAULT_PROP_INTERVAL;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->blk_bus = self->bus;
  self->blk_interval = self->interval;
  self->blk_post = self->post_messages;
  gst_mm_interval_init (&self->clock);
  g_rec_mutex_init (&self->release_lock);
  g_mutex_init (&self->state_lock);
  g_cond_init (&self->state_cond);
}
