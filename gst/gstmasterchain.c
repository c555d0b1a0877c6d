/* masterchain: the mastering chain (input gain, EQ, compressor, width,
 * loudness target + true-peak limiter, dither) as one element.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-masterchain
 * @title: masterchain
 *
 * A mastering chain in one element, a thin wrapper on the DSP core's
 * mm_chain (dsp/chain.h).  In order, each stage with a bypass that keeps
 * the latency constant:
 *
 * input gain -> EQ (high-pass, low shelf, three bells, high shelf) ->
 * compressor (single band, or three bands split by an LR4 crossover) ->
 * stereo width (mid/side, bass mono; stereo streams only, ignored for other
 * channel counts) -> loudness target + true-peak limiter -> TPDF dither.
 *
 * Every DSP parameter is a property named `<stage>-<param>`, controllable
 * and changeable while PLAYING: the chain glides to the new value (no
 * clicks, no zipper noise).  #GstMasterchain:profile sets the loudness
 * target and true-peak ceiling of common delivery specifications.
 *
 * Modes:
 *
 * * `live`: one pass; the loudness gain adapts toward the target with
 *   #GstMasterchain:lookahead of latency.
 * * `file`: the stream is spooled to an unlinked temporary file and
 *   measured; passes over the spool re-measure the chain's OUTPUT and
 *   correct one constant loudness gain until the output is within 0.03 LU
 *   of the target; then it is played out.  Non-live upstreams only.
 * * `auto` (default): `file` behind a non-live upstream, `live` behind a
 *   live one (a LATENCY query upstream at the first buffer).
 *
 * Output frame k carries input frame k's timestamp (the GstMmLookahead
 * contract); the latency is in the LATENCY query and drained at EOS.
 *
 * The element implements #GstPreset: the default implementation saves
 * and loads every writable property.
 *
 * ## Messages
 *
 * Every #GstMasterchain:interval of input (in `file` mode: while the
 * result is played out after EOS) and once more just before EOS goes
 * downstream, an element message named `masterchain`:
 *
 * * `timestamp`, `running-time`, `stream-time`, `duration` (guint64, ns)
 * * `input-momentary-loudness`, `input-shortterm-loudness`,
 *   `input-integrated-loudness` (gdouble, LUFS)
 * * `output-momentary-loudness`, `output-shortterm-loudness`,
 *   `output-integrated-loudness` (gdouble, LUFS)
 * * `output-true-peak` (gdouble, dBTP)
 * * `gain` (gdouble, dB): the loudness gain
 * * `comp-reduction` (GstValueArray of gdouble, dB): the largest
 *   compressor gain reduction per band (one entry single-band, three
 *   multiband) in the interval (final message: whole stream)
 * * `limiter-reduction` (gdouble, dB): likewise for the limiter
 * * `width` (gdouble): side/mid energy ratio of the output,
 *   `correlation` (gdouble, -1..1) of the output (stereo; 1 and 0 else)
 * * `final` (gboolean)
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     masterchain profile=streaming comp-ratio=2 eq-hpf-freq=30 ! \
 *     audioconvert ! wavenc ! filesink location=out.wav
 * ]| Masters a file to -14 LUFS, -1 dBTP in one run (auto = file mode).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmasterchain.h"

#include <math.h>
#include <string.h>

#include "elements.h"
#include "loudnorm.h"
#include "mmchannels.h"
#include "mmstream.h"

GST_DEBUG_CATEGORY_STATIC (gst_masterchain_debug);
#define GST_CAT_DEFAULT gst_masterchain_debug

#define DEFAULT_PROP_MODE GST_MASTERCHAIN_MODE_AUTO
#define DEFAULT_PROP_PROFILE GST_MASTERCHAIN_PROFILE_STREAMING
#define DEFAULT_PROP_INTERVAL GST_SECOND
#define MIN_PROP_INTERVAL (10 * GST_MSECOND)
#define MAX_PROP_INTERVAL (3600 * GST_SECOND)
#define DEFAULT_PROP_POST_MESSAGES TRUE
#define DEFAULT_PROP_LOOKAHEAD 3000.0

/* file mode: frames per read from the spool / per output buffer */
#define SPOOL_CHUNK 8192
#define SILENCE_FRAMES 4096
/* file mode: the output is re-measured until it is this close */
#define FILE_TOLERANCE_LU 0.03
#define FILE_MAX_PASSES 10
#define FILE_GAIN_MAX 60.0

#define ALLOWED_CAPS \
  "audio/x-raw, " \
  "format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

enum
{
  PROP_0,
  PROP_MODE,
  PROP_PROFILE,
  PROP_LOOKAHEAD,
  PROP_INTERVAL,
  PROP_POST_MESSAGES,
  PROP_PARAM_FIRST,             /* the table below follows */
};

#define gst_masterchain_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMasterchain, gst_masterchain,
    GST_TYPE_MM_LOOKAHEAD, G_IMPLEMENT_INTERFACE (GST_TYPE_PRESET, NULL));
GST_ELEMENT_REGISTER_DEFINE (masterchain, "masterchain", GST_RANK_NONE,
    GST_TYPE_MASTERCHAIN);

/* ------------------------------------------------------------------ */
/* Enums                                                                */

static GType
register_enum (GType * type, const gchar * name, const GEnumValue * values)
{
  if (g_once_init_enter (type)) {
    GType t = g_enum_register_static (name, values);
    g_once_init_leave (type, t);
  }
  return *type;
}

GType
gst_masterchain_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MASTERCHAIN_MODE_AUTO, "file behind a non-live upstream, live "
          "behind a live one", "auto"},
    {GST_MASTERCHAIN_MODE_LIVE, "One pass, adaptive loudness gain with "
          "lookahead", "live"},
    {GST_MASTERCHAIN_MODE_FILE, "Spool, measure, one constant gain that "
          "puts the output on the target (non-live only)", "file"},
    {0, NULL, NULL},
  };
  return register_enum (&type, "GstMasterchainMode", values);
}

GType
gst_masterchain_profile_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MASTERCHAIN_PROFILE_STREAMING, "Streaming: -14 LUFS, -1 dBTP",
        "streaming"},
    {GST_MASTERCHAIN_PROFILE_APPLE_MUSIC, "Apple Music: -16 LUFS, -1 dBTP",
        "apple-music"},
    {GST_MASTERCHAIN_PROFILE_EBU_R128, "EBU R128: -23 LUFS, -1 dBTP",
        "ebu-r128"},
    {GST_MASTERCHAIN_PROFILE_ATSC_A85, "ATSC A/85: -24 LUFS, -2 dBTP",
        "atsc-a85"},
    {GST_MASTERCHAIN_PROFILE_PODCAST, "Podcast: -16 LUFS, -1 dBTP",
        "podcast"},
    {GST_MASTERCHAIN_PROFILE_CUSTOM, "Custom: loudness-target and "
          "max-true-peak as set", "custom"},
    {0, NULL, NULL},
  };
  return register_enum (&type, "GstMasterchainProfile", values);
}

#define GST_TYPE_MASTERCHAIN_HPF_SLOPE (gst_masterchain_hpf_slope_get_type ())
static GType
gst_masterchain_hpf_slope_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {12, "12 dB/octave", "12"},
    {24, "24 dB/octave", "24"},
    {36, "36 dB/octave", "36"},
    {48, "48 dB/octave", "48"},
    {0, NULL, NULL},
  };
  return register_enum (&type, "GstMasterchainHpfSlope", values);
}

#define GST_TYPE_MASTERCHAIN_DETECTOR (gst_masterchain_detector_get_type ())
static GType
gst_masterchain_detector_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {MM_COMPRESSOR_PEAK, "Peak of each frame", "peak"},
    {MM_COMPRESSOR_RMS, "RMS over the attack time", "rms"},
    {0, NULL, NULL},
  };
  return register_enum (&type, "GstMasterchainDetector", values);
}

#define GST_TYPE_MASTERCHAIN_DITHER (gst_masterchain_dither_get_type ())
static GType
gst_masterchain_dither_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {0, "No dither", "0"},
    {16, "TPDF dither for 16-bit output", "16"},
    {24, "TPDF dither for 24-bit output", "24"},
    {0, NULL, NULL},
  };
  return register_enum (&type, "GstMasterchainDither", values);
}

static const struct
{
  GstMasterchainProfile profile;
  gdouble target, true_peak;
} profiles[] = {
  {GST_MASTERCHAIN_PROFILE_STREAMING, -14.0, -1.0},
  {GST_MASTERCHAIN_PROFILE_APPLE_MUSIC, -16.0, -1.0},
  {GST_MASTERCHAIN_PROFILE_EBU_R128, -23.0, -1.0},
  {GST_MASTERCHAIN_PROFILE_ATSC_A85, -24.0, -2.0},
  {GST_MASTERCHAIN_PROFILE_PODCAST, -16.0, -1.0},
};

/* ------------------------------------------------------------------ */
/* The DSP parameters: one property per mm_chain_params field          */

typedef enum
{
  PARAM_DOUBLE,                 /* double at offset */
  PARAM_BOOL,                   /* int at offset */
  PARAM_ENUM,                   /* int (or unsigned) at offset */
} ParamKind;

typedef struct
{
  const gchar *name, *nick, *blurb;
  ParamKind kind;
  gdouble min, max, def;
  gsize offset;
  GType (*enum_type) (void);
} ParamDesc;

#define OFF(field) G_STRUCT_OFFSET (mm_chain_params, field)
#define DBL(name, nick, blurb, min, max, def, field) \
  { name, nick, blurb, PARAM_DOUBLE, min, max, def, OFF (field), NULL }
#define BOOL(name, nick, blurb, def, field) \
  { name, nick, blurb, PARAM_BOOL, 0, 1, def, OFF (field), NULL }
#define ENUM(name, nick, blurb, def, field, type) \
  { name, nick, blurb, PARAM_ENUM, 0, 0, def, OFF (field), type }

#define BAND_PARAMS(b, pre, what) \
  DBL ("comp-" pre "-threshold", what " threshold", "Compressor " what \
      " band (comp-multiband): threshold in dBFS (-60 to 0, default -18)", \
      -60.0, 0.0, -18.0, band[b].threshold_db), \
  DBL ("comp-" pre "-ratio", what " ratio", "Compressor " what " band " \
      "(comp-multiband): ratio, :1 (1 to 20; 1 = off; default 1)", \
      1.0, 20.0, 1.0, band[b].ratio), \
  DBL ("comp-" pre "-attack", what " attack", "Compressor " what " band " \
      "(comp-multiband): attack in ms (0.1 to 500, default 10)", \
      0.1, 500.0, 10.0, band[b].attack_ms), \
  DBL ("comp-" pre "-release", what " release", "Compressor " what " band " \
      "(comp-multiband): release in ms (5 to 5000, default 150)", \
      5.0, 5000.0, 150.0, band[b].release_ms), \
  DBL ("comp-" pre "-makeup", what " make-up", "Compressor " what " band " \
      "(comp-multiband): make-up gain in dB (-24 to 24, default 0)", \
      -24.0, 24.0, 0.0, band[b].makeup_db)

#define BELL_PARAMS(i, n, def_hz) \
  DBL ("eq-bell" n "-freq", "Bell " n " frequency", "EQ bell " n ": " \
      "centre frequency in Hz (20 to 20000, default " #def_hz ")", \
      20.0, 20000.0, def_hz, bell_hz[i]), \
  DBL ("eq-bell" n "-gain", "Bell " n " gain", "EQ bell " n ": gain in dB " \
      "(-24 to 24, default 0)", -24.0, 24.0, 0.0, bell_gain_db[i]), \
  DBL ("eq-bell" n "-q", "Bell " n " Q", "EQ bell " n ": Q, bandwidth " \
      "(0.1 to 20, default 1)", 0.1, 20.0, 1.0, bell_q[i])

static const ParamDesc param_descs[] = {
  DBL ("input-gain", "Input gain", "Gain at the input of the chain, in dB "
      "(-24 to 24, default 0)", -24.0, 24.0, 0.0, input_gain_db),
  BOOL ("input-bypass", "Input bypass", "Bypass the input gain (default "
      "false)", FALSE, input_bypass),

  BOOL ("eq-bypass", "EQ bypass", "Bypass the EQ (default false)", FALSE,
      eq_bypass),
  DBL ("eq-hpf-freq", "High-pass frequency", "EQ high-pass cut-off in Hz "
      "(0 = off, else 10 to 1000; below 10 counts as off; default 0)",
      0.0, 1000.0, 0.0, hpf_hz),
  ENUM ("eq-hpf-slope", "High-pass slope", "EQ high-pass slope in dB/octave "
      "(12, 24, 36, 48; default 12)", 12, hpf_slope,
      gst_masterchain_hpf_slope_get_type),
  DBL ("eq-low-shelf-freq", "Low shelf frequency", "EQ low shelf corner in "
      "Hz (20 to 1000, default 100)", 20.0, 1000.0, 100.0, low_shelf_hz),
  DBL ("eq-low-shelf-gain", "Low shelf gain", "EQ low shelf gain in dB "
      "(-24 to 24, default 0)", -24.0, 24.0, 0.0, low_shelf_gain_db),
  BELL_PARAMS (0, "1", 250.0),
  BELL_PARAMS (1, "2", 1000.0),
  BELL_PARAMS (2, "3", 4000.0),
  DBL ("eq-high-shelf-freq", "High shelf frequency", "EQ high shelf corner "
      "in Hz (1000 to 20000, default 8000; kept under 0.45 x rate)",
      1000.0, 20000.0, 8000.0, high_shelf_hz),
  DBL ("eq-high-shelf-gain", "High shelf gain", "EQ high shelf gain in dB "
      "(-24 to 24, default 0)", -24.0, 24.0, 0.0, high_shelf_gain_db),

  BOOL ("comp-bypass", "Compressor bypass", "Bypass the compressor "
      "(default false)", FALSE, comp_bypass),
  BOOL ("comp-multiband", "Multiband", "Three-band compressor split at "
      "comp-xover-low/-high, with the comp-low-*, comp-mid-*, comp-high-* "
      "settings (default false: single band with comp-*)", FALSE, multiband),
  DBL ("comp-xover-low", "Low crossover", "Low/mid crossover in Hz "
      "(20 to 2000, default 200; kept under comp-xover-high)", 20.0, 2000.0,
      200.0, xover_low_hz),
  DBL ("comp-xover-high", "High crossover", "Mid/high crossover in Hz "
      "(200 to 20000, default 2000; kept under 0.45 x rate)", 200.0, 20000.0,
      2000.0, xover_high_hz),
  DBL ("comp-threshold", "Threshold", "Compressor threshold in dBFS "
      "(-60 to 0, default -18)", -60.0, 0.0, -18.0, comp.threshold_db),
  DBL ("comp-ratio", "Ratio", "Compressor ratio, :1 (1 to 20; 1 = off; "
      "default 1)", 1.0, 20.0, 1.0, comp.ratio),
  DBL ("comp-knee", "Knee", "Compressor soft-knee width in dB (0 to 24, "
      "default 6; all bands)", 0.0, 24.0, 6.0, comp.knee_db),
  DBL ("comp-attack", "Attack", "Compressor attack in ms (0.1 to 500, "
      "default 10)", 0.1, 500.0, 10.0, comp.attack_ms),
  DBL ("comp-release", "Release", "Compressor release in ms (5 to 5000, "
      "default 150)", 5.0, 5000.0, 150.0, comp.release_ms),
  DBL ("comp-makeup", "Make-up", "Compressor make-up gain in dB (-24 to "
      "24, default 0; added to the automatic make-up)", -24.0, 24.0, 0.0,
      comp.makeup_db),
  BOOL ("comp-auto-makeup", "Automatic make-up", "Compressor automatic "
      "make-up gain from the curve (default false; all bands)", FALSE,
      comp.auto_makeup),
  DBL ("comp-link", "Channel link", "Compressor channel link (0 = each "
      "channel alone to 1 = one gain for all; default 1; all bands)",
      0.0, 1.0, 1.0, comp.link),
  ENUM ("comp-detector", "Detector", "Compressor level detector (peak or "
      "rms; default peak; all bands)", MM_COMPRESSOR_PEAK, comp.detector,
      gst_masterchain_detector_get_type),
  BAND_PARAMS (0, "low", "low"),
  BAND_PARAMS (1, "mid", "mid"),
  BAND_PARAMS (2, "high", "high"),

  BOOL ("width-bypass", "Width bypass", "Bypass the stereo width stage "
      "(default false)", FALSE, width_bypass),
  DBL ("width", "Width", "Stereo width, side gain relative to mid (0 = "
      "mono to 2; default 1; stereo streams only)", 0.0, 2.0, 1.0, width),
  DBL ("width-bass-mono", "Bass mono", "Below this frequency in Hz the "
      "output is mono (0 = off, else 20 to 500; below 20 counts as off; "
      "default 0; stereo only)", 0.0, 500.0, 0.0, bass_mono_hz),

  BOOL ("loudness-bypass", "Loudness bypass", "Bypass the loudness gain: "
      "it stays 0 dB (default false)", FALSE, loudness_bypass),
  DBL ("loudness-target", "Loudness target", "Integrated loudness the "
      "output aims at, in LUFS (-70 to 0, default -14 = profile streaming; "
      "setting it switches profile to custom)", -70.0, 0.0, -14.0,
      loudness_target),
  DBL ("loudness-range-target", "Loudness range target", "mode=live: "
      "short-term loudness may stray this far around the integrated before "
      "the gain rides it, in LU (1 to 50, default 7)", 1.0, 50.0, 7.0,
      range_target),
  BOOL ("limiter-bypass", "Limiter bypass", "Bypass the true-peak limiter "
      "(default false)", FALSE, limiter_bypass),
  DBL ("max-true-peak", "Maximum true peak", "Ceiling of the output's true "
      "peak in dBTP (-9 to 0, default -1 = profile streaming; setting it "
      "switches profile to custom)", -9.0, 0.0, -1.0, max_true_peak),
  DBL ("limiter-release", "Limiter release", "True-peak limiter release in "
      "ms (10 to 2000, default 100)", 10.0, 2000.0, 100.0,
      limiter_release_ms),
  ENUM ("dither-bits", "Dither bits", "TPDF dither for this output word "
      "length in bits (0 = none, 16, 24; default 0)", 0, dither_bits,
      gst_masterchain_dither_get_type),
};

#define N_PARAMS G_N_ELEMENTS (param_descs)

static gint prop_loudness_target, prop_max_true_peak;
static GParamSpec *pspec_profile, *pspec_target, *pspec_true_peak;

static gpointer
param_ptr (mm_chain_params * p, const ParamDesc * d)
{
  return (guint8 *) p + d->offset;
}

static void
params_set_defaults (mm_chain_params * p)
{
  mm_chain_params_default (p);
  for (guint i = 0; i < N_PARAMS; i++) {
    const ParamDesc *d = &param_descs[i];
    if (d->kind == PARAM_DOUBLE)
      *(gdouble *) param_ptr (p, d) = d->def;
    else
      *(gint *) param_ptr (p, d) = (gint) d->def;
  }
}

/* ------------------------------------------------------------------ */

static void gst_masterchain_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_masterchain_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_masterchain_finalize (GObject * object);
static gboolean gst_masterchain_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_masterchain_stop (GstBaseTransform * trans);
static GstFlowReturn gst_masterchain_submit_input_buffer (GstBaseTransform *
    trans, gboolean is_discont, GstBuffer * input);
static void gst_masterchain_process (GstMmLookahead * base, gconstpointer in,
    gpointer out, guint frames);
static guint gst_masterchain_get_latency_frames (GstMmLookahead * base);
static void gst_masterchain_reset (GstMmLookahead * base);
static GstFlowReturn gst_masterchain_handle_input (GstMmLookahead * base,
    GstBuffer * buf, guint frames);
static GstFlowReturn gst_masterchain_drain (GstMmLookahead * base);

static void
install_params (GObjectClass * gobject_class)
{
  const GParamFlags common = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE;

  for (guint i = 0; i < N_PARAMS; i++) {
    const ParamDesc *d = &param_descs[i];
    GParamSpec *pspec = NULL;

    switch (d->kind) {
      case PARAM_DOUBLE:
        pspec = g_param_spec_double (d->name, d->nick, d->blurb, d->min,
            d->max, d->def, common);
        break;
      case PARAM_BOOL:
        pspec = g_param_spec_boolean (d->name, d->nick, d->blurb,
            d->def != 0.0, common);
        break;
      case PARAM_ENUM:
        pspec = g_param_spec_enum (d->name, d->nick, d->blurb,
            d->enum_type (), (gint) d->def, common);
        gst_type_mark_as_plugin_api (d->enum_type (), 0);
        break;
    }
    g_object_class_install_property (gobject_class, PROP_PARAM_FIRST + i,
        pspec);
    if (!strcmp (d->name, "loudness-target")) {
      prop_loudness_target = PROP_PARAM_FIRST + i;
      pspec_target = pspec;
    } else if (!strcmp (d->name, "max-true-peak")) {
      prop_max_true_peak = PROP_PARAM_FIRST + i;
      pspec_true_peak = pspec;
    }
  }
}

static void
gst_masterchain_class_init (GstMasterchainClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstMmLookaheadClass *base_class = GST_MM_LOOKAHEAD_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (gst_masterchain_debug, "masterchain", 0,
      "mastering chain");

  gobject_class->set_property = gst_masterchain_set_property;
  gobject_class->get_property = gst_masterchain_get_property;
  gobject_class->finalize = gst_masterchain_finalize;

  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "auto (file behind a non-live upstream, live behind a live one), "
          "live (adaptive loudness gain, lookahead latency) or file (spool, "
          "measure, one constant gain hitting the target; non-live only); "
          "default auto",
          GST_TYPE_MASTERCHAIN_MODE, DEFAULT_PROP_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  pspec_profile = g_param_spec_enum ("profile", "Profile",
      "Delivery profile: sets loudness-target (LUFS) and max-true-peak "
      "(dBTP): streaming -14/-1, apple-music -16/-1, ebu-r128 -23/-1, "
      "atsc-a85 -24/-2, podcast -16/-1, custom (as set); default streaming",
      GST_TYPE_MASTERCHAIN_PROFILE, DEFAULT_PROP_PROFILE,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property (gobject_class, PROP_PROFILE, pspec_profile);
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_double ("lookahead", "Lookahead",
          "mode=live: how far ahead the loudness gain sees, in ms (100 to "
          "10000, default 3000); part of the latency", 100.0, 10000.0,
          DEFAULT_PROP_LOOKAHEAD, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Interval between masterchain messages, in nanoseconds of input "
          "(10 ms to 1 hour, default 1 s)",
          MIN_PROP_INTERVAL, MAX_PROP_INTERVAL, DEFAULT_PROP_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a 'masterchain' element message every interval and at EOS "
          "(default true)", DEFAULT_PROP_POST_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  install_params (gobject_class);

  gst_element_class_set_static_metadata (element_class,
      "Mastering chain", "Filter/Effect/Audio",
      "Input gain, EQ, (multiband) compressor, stereo width, loudness "
      "target with true-peak limiter and dither (live or two-pass file)",
      "mixmaster developers");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_masterchain_setup);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_masterchain_stop);
  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_masterchain_submit_input_buffer);
  base_class->process = GST_DEBUG_FUNCPTR (gst_masterchain_process);
  base_class->get_latency_frames =
      GST_DEBUG_FUNCPTR (gst_masterchain_get_latency_frames);
  base_class->reset = GST_DEBUG_FUNCPTR (gst_masterchain_reset);
  base_class->handle_input = GST_DEBUG_FUNCPTR (gst_masterchain_handle_input);
  base_class->drain = GST_DEBUG_FUNCPTR (gst_masterchain_drain);

  gst_type_mark_as_plugin_api (GST_TYPE_MASTERCHAIN_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTERCHAIN_PROFILE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MM_LOOKAHEAD, 0);
}

static void
gst_masterchain_init (GstMasterchain * self)
{
  params_set_defaults (&self->params);
  self->mode = DEFAULT_PROP_MODE;
  self->profile = DEFAULT_PROP_PROFILE;
  self->interval = DEFAULT_PROP_INTERVAL;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->lookahead_ms = DEFAULT_PROP_LOOKAHEAD;
  gst_mm_interval_init (&self->clock);
}

static void
free_stream_state (GstMasterchain * self)
{
  mm_chain_free (&self->chain);
  mm_loudness_free (&self->meter);
  gst_mm_spool_free (self->spool);
  self->spool = NULL;
}

static void
gst_masterchain_finalize (GObject * object)
{
  free_stream_state (GST_MASTERCHAIN (object));
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ------------------------------------------------------------------ */
/* Properties                                                           */

static const ParamDesc *
param_desc (guint prop_id)
{
  if (prop_id < PROP_PARAM_FIRST || prop_id >= PROP_PARAM_FIRST + N_PARAMS)
    return NULL;
  return &param_descs[prop_id - PROP_PARAM_FIRST];
}

static gboolean
profile_values (GstMasterchainProfile profile, gdouble * target,
    gdouble * true_peak)
{
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++) {
    if (profiles[i].profile == profile) {
      *target = profiles[i].target;
      *true_peak = profiles[i].true_peak;
      return TRUE;
    }
  }
  return FALSE;
}

static void
gst_masterchain_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterchain *self = GST_MASTERCHAIN (object);
  const ParamDesc *d = param_desc (prop_id);
  gboolean notify_profile = FALSE, notify_levels = FALSE;
  gdouble target, true_peak;

  GST_OBJECT_LOCK (self);
  if (d) {
    gpointer ptr = param_ptr (&self->params, d);
    switch (d->kind) {
      case PARAM_DOUBLE:
        *(gdouble *) ptr = g_value_get_double (value);
        break;
      case PARAM_BOOL:
        *(gint *) ptr = g_value_get_boolean (value);
        break;
      case PARAM_ENUM:
        *(gint *) ptr = g_value_get_enum (value);
        break;
    }
    /* a level set by hand that is not the profile's makes it custom */
    if ((gint) prop_id == prop_loudness_target
        || (gint) prop_id == prop_max_true_peak) {
      if (profile_values (self->profile, &target, &true_peak)
          && (self->params.loudness_target != target
              || self->params.max_true_peak != true_peak)) {
        self->profile = GST_MASTERCHAIN_PROFILE_CUSTOM;
        notify_profile = TRUE;
      }
    }
    GST_OBJECT_UNLOCK (self);
    if (notify_profile)
      g_object_notify_by_pspec (object, pspec_profile);
    return;
  }

  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_PROFILE:
      self->profile = g_value_get_enum (value);
      if (profile_values (self->profile, &target, &true_peak)) {
        self->params.loudness_target = target;
        self->params.max_true_peak = true_peak;
        notify_levels = TRUE;
      }
      break;
    case PROP_LOOKAHEAD:
      self->lookahead_ms = g_value_get_double (value);
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
  if (notify_levels) {
    g_object_notify_by_pspec (object, pspec_target);
    g_object_notify_by_pspec (object, pspec_true_peak);
  }
}

static void
gst_masterchain_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterchain *self = GST_MASTERCHAIN (object);
  const ParamDesc *d = param_desc (prop_id);

  GST_OBJECT_LOCK (self);
  if (d) {
    gpointer ptr = param_ptr (&self->params, d);
    switch (d->kind) {
      case PARAM_DOUBLE:
        g_value_set_double (value, *(gdouble *) ptr);
        break;
      case PARAM_BOOL:
        g_value_set_boolean (value, *(gint *) ptr != 0);
        break;
      case PARAM_ENUM:
        g_value_set_enum (value, *(gint *) ptr);
        break;
    }
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_PROFILE:
      g_value_set_enum (value, self->profile);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_double (value, self->lookahead_ms);
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
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------ */
/* Parameters to the DSP                                                */

/* The properties' ranges are wider than some combinations the chain
 * accepts: off-values, crossover order, frequencies near Nyquist. */
static void
fix_params (mm_chain_params * p, gint rate)
{
  gdouble top = 0.45 * rate - 1.0;

  if (p->hpf_hz < 10.0)
    p->hpf_hz = 0.0;
  if (p->bass_mono_hz < 20.0)
    p->bass_mono_hz = 0.0;
  p->hpf_hz = MIN (p->hpf_hz, top);
  p->low_shelf_hz = MIN (p->low_shelf_hz, top);
  p->high_shelf_hz = MIN (p->high_shelf_hz, top);
  for (guint i = 0; i < MM_CHAIN_BELLS; i++)
    p->bell_hz[i] = MIN (p->bell_hz[i], top);
  p->xover_high_hz = MIN (p->xover_high_hz, top);
  if (p->xover_low_hz >= p->xover_high_hz)
    p->xover_low_hz = MAX (20.0, p->xover_high_hz / 2.0);
  /* knee, link, detector and automatic make-up are shared by the bands */
  for (guint b = 0; b < MM_CHAIN_BANDS; b++) {
    p->band[b].knee_db = p->comp.knee_db;
    p->band[b].link = p->comp.link;
    p->band[b].detector = p->comp.detector;
    p->band[b].auto_makeup = p->comp.auto_makeup;
  }
}

/* Copies the properties (after the controllers) to the chain, which
 * glides to them.  Streaming thread. */
static void
sync_params (GstMasterchain * self, GstClockTime ts)
{
  mm_chain_params p;
  int err;

  if (GST_CLOCK_TIME_IS_VALID (ts))
    gst_object_sync_values (GST_OBJECT (self), ts);
  GST_OBJECT_LOCK (self);
  p = self->params;
  GST_OBJECT_UNLOCK (self);
  fix_params (&p, self->rate);
  if (!self->chain)
    return;
  err = mm_chain_set_params (self->chain, &p);
  if (err != MM_OK && !self->params_warned) {
    self->params_warned = TRUE;
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("The mastering chain refused the parameters (%s); it keeps the "
            "last accepted ones", mm_error_string (err)), (NULL));
  }
}

/* ------------------------------------------------------------------ */
/* Stream set-up                                                        */

static void
process_f32 (mm_chain * c, const guint8 * in, guint8 * out, gsize frames)
{
  mm_chain_process_f32 (c, (const float *) in, (float *) out, frames);
}

static void
process_f64 (mm_chain * c, const guint8 * in, guint8 * out, gsize frames)
{
  mm_chain_process_f64 (c, (const double *) in, (double *) out, frames);
}

static void
meter_f32 (mm_loudness * m, const guint8 * in, gsize frames)
{
  mm_loudness_add_frames_f32 (m, (const float *) in, frames);
}

static void
meter_f64 (mm_loudness * m, const guint8 * in, gsize frames)
{
  mm_loudness_add_frames_f64 (m, (const double *) in, frames);
}

/* Makes the chain (and in file mode the input meter) for `mode`. */
static gboolean
make_stream_state (GstMasterchain * self, GstMasterchainMode mode)
{
  const GstAudioInfo *info = &self->info;
  gint channels = GST_AUDIO_INFO_CHANNELS (info);
  gdouble weights[MM_CHANNELS_MAX], lookahead_ms;

  free_stream_state (self);
  GST_OBJECT_LOCK (self);
  lookahead_ms = self->lookahead_ms;
  GST_OBJECT_UNLOCK (self);

  gst_mm_channel_weights (info, weights);
  self->chain = mm_chain_new (self->rate, channels,
      mode == GST_MASTERCHAIN_MODE_LIVE ? MM_CHAIN_LIVE : MM_CHAIN_FIXED,
      lookahead_ms, GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64 ?
      MM_LOUDNORM_F64 : 0);
  if (!self->chain)
    return FALSE;
  for (gint c = 0; c < channels; c++)
    mm_chain_set_channel_weight (self->chain, c, weights[c]);
  if (mode == GST_MASTERCHAIN_MODE_FILE) {
    self->meter = mm_loudness_new (self->rate, channels, 0);
    if (!self->meter)
      return FALSE;
    for (gint c = 0; c < channels; c++)
      mm_loudness_set_channel_weight (self->meter, c, weights[c]);
  }
  self->active_mode = mode;
  sync_params (self, GST_CLOCK_TIME_NONE);
  mm_chain_reset (self->chain);
  GST_DEBUG_OBJECT (self, "mode %s, latency %u frames",
      mode == GST_MASTERCHAIN_MODE_LIVE ? "live" : "file",
      mm_chain_get_latency (self->chain));
  return TRUE;
}

static GstMasterchainMode
wanted_mode (GstMasterchain * self)
{
  GstMasterchainMode mode;

  GST_OBJECT_LOCK (self);
  mode = self->mode;
  GST_OBJECT_UNLOCK (self);
  if (mode == GST_MASTERCHAIN_MODE_AUTO)
    mode = gst_mm_upstream_is_live (GST_BASE_TRANSFORM_SINK_PAD (self)) ?
        GST_MASTERCHAIN_MODE_LIVE :
        GST_MASTERCHAIN_MODE_FILE;
  return mode;
}

static gboolean
gst_masterchain_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterchain *self = GST_MASTERCHAIN (filter);

  self->info = *info;
  self->rate = GST_AUDIO_INFO_RATE (info);
  self->clock.rate = self->rate;
  self->bpf = GST_AUDIO_INFO_BPF (info);
  if (GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64) {
    self->process_fn = process_f64;
    self->meter_fn = meter_f64;
  } else {
    self->process_fn = process_f32;
    self->meter_fn = meter_f32;
  }
  self->params_warned = FALSE;
  /* provisional for auto: asked again at the first buffer */
  self->decided = FALSE;
  if (!make_stream_state (self, wanted_mode (self))) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("Cannot process %d channels at %d Hz (out of memory?)",
            GST_AUDIO_INFO_CHANNELS (info), GST_AUDIO_INFO_RATE (info)));
    return FALSE;
  }
  g_atomic_int_set (&self->warned_nonfinite, FALSE);
  /* chain up last: the base class resets and reads the latency */
  return GST_AUDIO_FILTER_CLASS (parent_class)->setup (filter, info);
}

static gboolean
gst_masterchain_stop (GstBaseTransform * trans)
{
  free_stream_state (GST_MASTERCHAIN (trans));
  return GST_BASE_TRANSFORM_CLASS (parent_class)->stop ?
      GST_BASE_TRANSFORM_CLASS (parent_class)->stop (trans) : TRUE;
}

static guint
gst_masterchain_get_latency_frames (GstMmLookahead * base)
{
  GstMasterchain *self = GST_MASTERCHAIN (base);
  return self->chain ? mm_chain_get_latency (self->chain) : 0;
}

static void
reset_measurements (GstMasterchain * self)
{
  gst_mm_interval_restart (&self->clock);
  self->lim_red = self->lim_red_total = 0.0;
  for (guint b = 0; b < MM_CHAIN_BANDS; b++)
    self->comp_red[b] = self->comp_red_total[b] = 0.0;
}

static void
gst_masterchain_reset (GstMmLookahead * base)
{
  GstMasterchain *self = GST_MASTERCHAIN (base);

  if (self->chain)
    mm_chain_reset (self->chain);
  if (self->meter)
    mm_loudness_reset (self->meter);
  gst_mm_spool_free (self->spool);
  self->spool = NULL;
  reset_measurements (self);
  self->clock.base_ts = GST_CLOCK_TIME_NONE;
  self->clock.base_frames = 0;
  self->draining = FALSE;
}

/* auto: at the first buffer of a stream, ask upstream once more (the
 * answer at caps time may come before the source is set up); a new mode
 * with another latency takes effect before the first frame. */
static void
decide_mode (GstMasterchain * self)
{
  GstMasterchainMode mode;

  if (self->decided || !self->chain)
    return;
  self->decided = TRUE;
  mode = wanted_mode (self);
  if (mode == self->active_mode)
    return;
  guint before = mm_chain_get_latency (self->chain);
  if (!make_stream_state (self, mode))
    return;                     /* handled by the caller (chain NULL) */
  if (mm_chain_get_latency (self->chain) != before)
    gst_mm_lookahead_latency_changed (GST_MM_LOOKAHEAD (self));
}

static GstFlowReturn
gst_masterchain_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  GstMasterchain *self = GST_MASTERCHAIN (trans);

  if (gst_mm_lookahead_get_frames_in (GST_MM_LOOKAHEAD (self)) == 0)
    decide_mode (self);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->submit_input_buffer (trans,
      is_discont, input);
}

/* ------------------------------------------------------------------ */
/* Messages                                                             */

static gdouble
meter_value (const mm_loudness * m, int (*get) (const mm_loudness *,
        double *))
{
  gdouble v = -INFINITY;
  if (m)
    get (m, &v);
  return v;
}

static gdouble
output_true_peak_db (GstMasterchain * self)
{
  gdouble max = 0.0, p;
  for (gint c = 0; c < GST_AUDIO_INFO_CHANNELS (&self->info); c++)
    if (mm_chain_get_output_true_peak (self->chain, c, &p) == MM_OK
        && p > max)
      max = p;
  return mm_linear_to_db (max);
}

static GstMessage *
build_message (GstMasterchain * self, gboolean final)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  const mm_loudness *in = mm_chain_get_input_meter (self->chain);
  const mm_loudness *out = mm_chain_get_output_meter (self->chain);
  GstClockTime ts = self->clock.interval_start;
  GstClockTime duration = gst_mm_interval_duration (&self->clock);
  gdouble comp[MM_CHAIN_BANDS] = { 0 }, lim = 0.0;
  gdouble correlation = 1.0, width = 0.0;
  GValue array = G_VALUE_INIT;
  GstStructure *s;
  guint bands;
  gboolean multiband;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    ts = gst_mm_interval_position (&self->clock);
  mm_chain_get_reductions (self->chain, comp, &lim);
  self->lim_red = MAX (self->lim_red, lim);
  self->lim_red_total = MAX (self->lim_red_total, self->lim_red);
  for (guint b = 0; b < MM_CHAIN_BANDS; b++) {
    self->comp_red[b] = MAX (self->comp_red[b], comp[b]);
    self->comp_red_total[b] = MAX (self->comp_red_total[b], self->comp_red[b]);
  }
  if (GST_AUDIO_INFO_CHANNELS (&self->info) == 2)
    mm_chain_get_width_stats (self->chain, &correlation, &width);
  GST_OBJECT_LOCK (self);
  multiband = self->params.multiband;
  GST_OBJECT_UNLOCK (self);
  bands = multiband ? MM_CHAIN_BANDS : 1;

  s = gst_structure_new ("masterchain",
      "timestamp", G_TYPE_UINT64, ts,
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, ts),
      "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, duration,
      "input-momentary-loudness", G_TYPE_DOUBLE,
      meter_value (in, mm_loudness_momentary),
      "input-shortterm-loudness", G_TYPE_DOUBLE,
      meter_value (in, mm_loudness_shortterm),
      "input-integrated-loudness", G_TYPE_DOUBLE,
      meter_value (in, mm_loudness_integrated),
      "output-momentary-loudness", G_TYPE_DOUBLE,
      meter_value (out, mm_loudness_momentary),
      "output-shortterm-loudness", G_TYPE_DOUBLE,
      meter_value (out, mm_loudness_shortterm),
      "output-integrated-loudness", G_TYPE_DOUBLE,
      meter_value (out, mm_loudness_integrated),
      "output-true-peak", G_TYPE_DOUBLE, output_true_peak_db (self),
      "gain", G_TYPE_DOUBLE, mm_chain_get_gain (self->chain),
      "limiter-reduction", G_TYPE_DOUBLE,
      final ? self->lim_red_total : self->lim_red,
      "width", G_TYPE_DOUBLE, width,
      "correlation", G_TYPE_DOUBLE, correlation,
      "final", G_TYPE_BOOLEAN, final, NULL);
  g_value_init (&array, GST_TYPE_ARRAY);
  for (guint b = 0; b < bands; b++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, final ? self->comp_red_total[b] :
        self->comp_red[b]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  gst_structure_take_value (s, "comp-reduction", &array);

  self->lim_red = 0.0;
  for (guint b = 0; b < MM_CHAIN_BANDS; b++)
    self->comp_red[b] = 0.0;
  return gst_message_new_element (GST_OBJECT (self), s);
}

static void
chain_piece (gpointer user_data, const guint8 * in, guint8 * out,
    gsize frames)
{
  GstMasterchain *self = user_data;
  self->process_fn (self->chain, in, out, frames);
}

static void
post_interval (gpointer user_data)
{
  GstMasterchain *self = user_data;
  gst_element_post_message (GST_ELEMENT (self), build_message (self, FALSE));
}

/* Runs `frames` input frames through the chain in pieces that end at
 * interval ends, posting the messages. */
static void
run_pieces (GstMasterchain * self, const guint8 * in, guint8 * out,
    gsize frames)
{
  GstClockTime interval;
  gboolean post;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  gst_mm_interval_run (&self->clock, interval, self->bpf, in, out, frames,
      chain_piece, post ? post_interval : NULL, self);
}

static void
finish_stream (GstMasterchain * self)
{
  gboolean post;

  GST_OBJECT_LOCK (self);
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  if (post && self->chain)
    gst_element_post_message (GST_ELEMENT (self), build_message (self, TRUE));
  gst_mm_interval_restart (&self->clock);
}

/* Once per stream: a WARNING when NaN/Inf first show up. */
static void
check_nonfinite (GstMasterchain * self)
{
  const mm_loudness *m = self->meter ? self->meter :
      mm_chain_get_input_meter (self->chain);
  guint64 n = m ? mm_loudness_get_nonfinite (m) : 0;

  if (n > 0 && !g_atomic_int_exchange (&self->warned_nonfinite, TRUE))
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Input contains NaN or infinite samples"),
        ("%" G_GUINT64_FORMAT " non-finite samples taken as silence", n));
}

/* ------------------------------------------------------------------ */
/* live mode                                                            */

static void
gst_masterchain_process (GstMmLookahead * base, gconstpointer in,
    gpointer out, guint frames)
{
  GstMasterchain *self = GST_MASTERCHAIN (base);

  if (!self->chain)
    return;
  if (self->draining)
    self->process_fn (self->chain, NULL, out, frames);  /* unmetered */
  else
    run_pieces (self, in, out, frames);
}

/* ------------------------------------------------------------------ */
/* file mode: spool                                                     */

static GstFlowReturn
spool_input (GstMasterchain * self, GstBuffer * buf)
{
  GError *err = NULL;
  GstMapInfo map;
  gboolean ok = TRUE;

  if (!self->spool) {
    if (gst_mm_upstream_is_live (GST_BASE_TRANSFORM_SINK_PAD (self))) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("mode=file needs a non-live upstream (it holds the whole stream "
              "until EOS); use mode=live or mode=auto for live sources"),
          (NULL));
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
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    guint8 *zeros = g_malloc0 ((gsize) SILENCE_FRAMES * self->bpf);
    for (gsize done = 0; ok && done < map.size;) {
      gsize n = MIN (map.size - done, (gsize) SILENCE_FRAMES * self->bpf);
      self->meter_fn (self->meter, zeros, n / self->bpf);
      ok = gst_mm_spool_append (self->spool, zeros, n, &err);
      done += n;
    }
    g_free (zeros);
  } else {
    self->meter_fn (self->meter, map.data, map.size / self->bpf);
    ok = gst_mm_spool_append (self->spool, map.data, map.size, &err);
  }
  gst_buffer_unmap (buf, &map);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Cannot write the temporary spool file for mode=file"),
        ("%s", err->message));
    g_clear_error (&err);
    return GST_FLOW_ERROR;
  }
  check_nonfinite (self);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_masterchain_handle_input (GstMmLookahead * base, GstBuffer * buf,
    guint frames)
{
  GstMasterchain *self = GST_MASTERCHAIN (base);
  GstFlowReturn ret;

  decide_mode (self);           /* a GAP event may come first */
  if (!self->chain) {
    GST_ELEMENT_ERROR (self, CORE, FAILED, (NULL),
        ("No mastering chain (out of memory?)"));
    return GST_FLOW_ERROR;
  }
  if (self->active_mode == GST_MASTERCHAIN_MODE_FILE) {
    if (!GST_CLOCK_TIME_IS_VALID (self->clock.base_ts))
      self->clock.base_ts = GST_BUFFER_PTS_IS_VALID (buf) ?
          GST_BUFFER_PTS (buf) : 0;
    return spool_input (self, buf);
  }

  gst_mm_interval_sync (&self->clock, GST_BUFFER_PTS (buf),
      GST_BUFFER_IS_DISCONT (buf));
  sync_params (self, GST_BUFFER_PTS (buf));
  ret = GST_MM_LOOKAHEAD_CLASS (parent_class)->handle_input (base, buf,
      frames);
  check_nonfinite (self);
  return ret;
}

/* ------------------------------------------------------------------ */
/* file mode: the passes over the spool                                 */

/* Runs the whole spool and the latency's worth of zeros through the chain
 * at loudness gain `gain`; pushes the output (with messages) when `push`. */
static GstFlowReturn
file_pass (GstMasterchain * self, gdouble gain, gboolean push)
{
  guint64 total = gst_mm_spool_size (self->spool) / self->bpf;
  guint latency = mm_chain_get_latency (self->chain);
  gsize chunk_bytes = (gsize) SPOOL_CHUNK * self->bpf;
  guint8 *in = g_malloc (chunk_bytes);
  guint8 *scratch = push ? NULL : g_malloc (chunk_bytes);
  GstClockTime t0 = self->clock.base_ts;
  GstFlowReturn ret = GST_FLOW_OK;
  GError *err = NULL;

  sync_params (self, t0);
  mm_chain_set_gain (self->chain, gain);
  mm_chain_reset (self->chain);
  sync_params (self, t0);
  mm_chain_set_gain (self->chain, gain);
  self->clock.base_frames = 0;
  reset_measurements (self);

  for (guint64 pos = 0; ret == GST_FLOW_OK && pos < total + latency;) {
    gsize n = (gsize) MIN ((guint64) SPOOL_CHUNK, total + latency - pos);
    gsize from_file = pos < total ? (gsize) MIN ((guint64) n, total - pos) : 0;
    GstBuffer *outbuf = NULL;
    GstMapInfo map;
    guint8 *out = scratch;

    if (from_file && !gst_mm_spool_read (self->spool, pos * self->bpf, in,
            from_file * self->bpf, &err)) {
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("Cannot read back the temporary spool file"), ("%s", err->message));
      g_clear_error (&err);
      ret = GST_FLOW_ERROR;
      break;
    }
    if (pos > 0 && from_file)
      sync_params (self, t0 + gst_util_uint64_scale_round (pos, GST_SECOND,
              self->rate));
    if (push) {
      outbuf = gst_buffer_new_allocate (NULL, n * self->bpf, NULL);
      gst_buffer_map (outbuf, &map, GST_MAP_WRITE);
      out = map.data;
    }
    if (from_file) {
      if (push)
        run_pieces (self, in, out, from_file);
      else
        self->process_fn (self->chain, in, out, from_file);
    }
    if (n > from_file)
      self->process_fn (self->chain, NULL, out + from_file * self->bpf,
          n - from_file);
    if (push) {
      gst_buffer_unmap (outbuf, &map);
      ret = gst_mm_lookahead_push_output (GST_MM_LOOKAHEAD (self), outbuf);
    }
    pos += n;
  }
  g_free (in);
  g_free (scratch);
  return ret;
}

/* The output loudness of a full pass at `gain` (no push); a
 * GstMmMeasureFunc.  The gain search keeps the best gain tried, so
 * `limited` is not needed. */
static gdouble
file_measure_at (gpointer user_data, gdouble gain, gboolean * limited)
{
  GstMasterchain *self = user_data;
  gdouble out = -INFINITY;
  *limited = TRUE;
  if (file_pass (self, gain, FALSE) != GST_FLOW_OK)
    return -INFINITY;
  mm_loudness_integrated (mm_chain_get_output_meter (self->chain), &out);
  GST_DEBUG_OBJECT (self, "gain %.3f dB -> output %.3f LUFS", gain, out);
  return out;
}

/* The gain that puts the processed, limited output on the target: the
 * stages before the loudness gain change the loudness and the limiter
 * takes some away, so the output is re-measured; secant steps converge
 * in a few passes.  Keeps the best gain tried. */
static gdouble
file_choose_gain (GstMasterchain * self, gdouble in_lufs, gdouble goal)
{
  gdouble err, gain;

  gain = gst_mm_search_gain (file_measure_at, self, goal - in_lufs, goal,
      FILE_TOLERANCE_LU, FILE_MAX_PASSES, -FILE_GAIN_MAX, FILE_GAIN_MAX,
      GST_MM_GAIN_SEARCH_KEEP_BEST, &err);
  if (isfinite (err) && err > FILE_TOLERANCE_LU)
    GST_WARNING_OBJECT (self, "output %.3f LU off the target after %d passes",
        err, FILE_MAX_PASSES);
  return gain;
}

static GstFlowReturn
drain_file (GstMasterchain * self)
{
  gdouble in_lufs = -INFINITY, goal;
  gboolean bypass;

  if (!self->spool)
    return GST_FLOW_OK;         /* nothing came */
  mm_loudness_integrated (self->meter, &in_lufs);
  sync_params (self, self->clock.base_ts);
  GST_OBJECT_LOCK (self);
  goal = self->params.loudness_target;
  bypass = self->params.loudness_bypass;
  GST_OBJECT_UNLOCK (self);

  self->file_gain = 0.0;
  if (!bypass && isfinite (in_lufs))
    self->file_gain = file_choose_gain (self, in_lufs, goal);
  else if (!bypass)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("mode=file: the input is silent (no block above -70 LUFS); the "
            "loudness gain stays 0 dB"), (NULL));
  GST_DEBUG_OBJECT (self, "input %.2f LUFS, gain %.3f dB", in_lufs,
      self->file_gain);
  return file_pass (self, self->file_gain, TRUE);
}

static GstFlowReturn
gst_masterchain_drain (GstMmLookahead * base)
{
  GstMasterchain *self = GST_MASTERCHAIN (base);
  GstFlowReturn ret;

  if (!self->chain)
    return GST_FLOW_OK;
  if (self->active_mode == GST_MASTERCHAIN_MODE_FILE) {
    ret = drain_file (self);
  } else {
    self->draining = TRUE;
    ret = GST_MM_LOOKAHEAD_CLASS (parent_class)->drain (base);
    self->draining = FALSE;
  }
  finish_stream (self);
  return ret;
}
