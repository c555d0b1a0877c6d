/* fuzz_gst.h: the GstHarness driver shared by the element fuzz targets
 * (fuzz-loudnorm, fuzz-masterchain).  A target defines one fz_target and
 * calls fz_gst_run () from LLVMFuzzerTestOneInput.
 *
 * Header bytes: format (F32LE/F64LE), rate, channels, live or non-live
 * upstream, mode, a few properties.  Then up to 48 operations: buffers
 * (zero-length and ragged ones too), GAP events, DISCONT jumps, flushing
 * seeks (FLUSH_START/STOP + a new segment), segment changes, caps changes
 * mid-stream, property changes (any writable property, values from its
 * own pspec range), mode changes, STREAM_START, LATENCY queries; EOS at
 * the end.  Timestamps never go before the segment start (GstAudioFilter
 * clips such input before our code sees it, so the counts would not add
 * up; clipping is GStreamer's, not ours).
 *
 * Checks, after every push and at EOS:
 *   - every output sample is finite (not in pass-through: loudnorm
 *     mode=measure is bit-exact by design, NaN in is NaN out);
 *   - the output stays under the highest max-true-peak set (+ tolerance)
 *     unless the element passes audio through or its limiter is off;
 *   - frame counts (the GstMmLookahead contract): since the last flush,
 *     output never exceeds input, and after EOS they are equal, GAP
 *     silence included.  (Skipped after a ragged buffer or a flow error,
 *     where the contract does not say.)
 * GLib criticals abort (an element misusing an API is a bug).
 */
#ifndef MM_FUZZ_GST_H
#define MM_FUZZ_GST_H

#include "fuzz.h"
#include "mmdsp.h"

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstharness.h>

/* mm_harness_set_nonlive (): the element tests' non-live upstream */
#include "mmharness.h"
#include <unistd.h>

typedef struct
{
  const char *factory;
  /* TRUE when the element passes audio through untouched (no limiter) */
  gboolean (*passthrough) (GstElement * e);
  /* TRUE when the limiter is switched off */
  gboolean (*limiter_off) (GstElement * e);
  /* added to the ceiling (linear): dither after the limiter */
  double (*extra_margin) (GstElement * e);
  /* the system's plugins too (appsrc, appsink, capsfilter) */
  gboolean system_plugins;
} fz_target;

#define FZ_MAX_PROPS 96
#define FZ_MAX_FRAMES 4096
#define FZ_MAX_SAMPLES (1u << 19)

static GParamSpec *fz_props[FZ_MAX_PROPS];
static guint fz_n_props;
static GParamSpec *fz_mode_prop;
/* Lookaheads are kept under ~200k samples: each EOS drains one, and the
 * default (3 s) would make an execution take a second at 384 kHz x 8. */
static double fz_lookahead_max_ms = 1000.0;
static GParamSpec *fz_lookahead_prop;

/* MM_FUZZ_TRACE=1: print each operation (to minimise a finding by hand) */
static gboolean fz_trace;

#define FZ_TRACE(...) do { if (fz_trace) fprintf (stderr, __VA_ARGS__); \
  } while (0)

static void
fz_log_handler (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  /* warnings (out-of-range values, element warnings) are expected here */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    fprintf (stderr, "%s: %s\n", domain ? domain : "", message);
}

/* Once per process: our plugin only, a private registry, no fork for the
 * scan (the system scanner cannot load a sanitized plugin). */
static void
fz_gst_init (const fz_target * t)
{
  GstElementFactory *f;
  GObjectClass *klass;
  GParamSpec **all;
  guint n;
  gchar *registry;

  if (!g_getenv ("GST_PLUGIN_PATH_1_0") && !g_getenv ("GST_PLUGIN_PATH"))
    g_setenv ("GST_PLUGIN_PATH_1_0", MM_FUZZ_PLUGIN_DIR, TRUE);
  if (!t->system_plugins)
    g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_unsetenv ("GST_PLUGIN_LOADING_WHITELIST");
  registry = g_strdup_printf ("%s/mixmaster-fuzz-%s-%u.registry",
      g_get_tmp_dir (), t->factory, (unsigned) getuid ());
  g_setenv ("GST_REGISTRY_1_0", registry, FALSE);
  g_free (registry);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  gst_init (NULL, NULL);
  fz_trace = g_getenv ("MM_FUZZ_TRACE") != NULL;

  g_log_set_default_handler (fz_log_handler, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);

  f = gst_element_factory_find (t->factory);
  FZ_CHECK (f != NULL, "element %s not found (GST_PLUGIN_PATH?)", t->factory);
  /* the element type exists once the plugin is loaded */
  f = GST_ELEMENT_FACTORY (gst_plugin_feature_load (GST_PLUGIN_FEATURE (f)));
  FZ_CHECK (f != NULL, "element %s does not load", t->factory);
  klass = g_type_class_ref (gst_element_factory_get_element_type (f));
  all = g_object_class_list_properties (klass, &n);
  for (guint i = 0; i < n && fz_n_props < FZ_MAX_PROPS; i++) {
    GParamSpec *p = all[i];
    if (!(p->flags & G_PARAM_WRITABLE) || (p->flags & G_PARAM_CONSTRUCT_ONLY)
        || !strcmp (p->name, "name") || !strcmp (p->name, "parent")
        || !strcmp (p->name, "qos"))
      continue;
    if (!strcmp (p->name, "mode"))
      fz_mode_prop = p;
    else
      fz_props[fz_n_props++] = p;
    if (!strcmp (p->name, "lookahead"))
      fz_lookahead_prop = p;
  }
  g_free (all);
  gst_object_unref (f);
}

/* A value for p from its own range: an end, the default, or in between.
 * Lookaheads are kept short: memory and drain time per execution. */
static void
fz_set_prop (gpointer e, GParamSpec * p, fz_in * in)
{
  unsigned how = fz_u8 (in) % 8;

  if (G_IS_PARAM_SPEC_DOUBLE (p)) {
    GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (p);
    double lo = d->minimum, hi = d->maximum, v;
    if (!strcmp (p->name, "lookahead"))
      hi = MAX (lo, MIN (hi, fz_lookahead_max_ms));
    v = how == 0 ? lo : how == 1 ? hi : how == 2 ? d->default_value :
        fz_range (in, MAX (lo, -1e4), MIN (hi, 1e4));
    FZ_TRACE ("  %s = %g\n", p->name, v);
    g_object_set (e, p->name, v, NULL);
  } else if (G_IS_PARAM_SPEC_BOOLEAN (p)) {
    FZ_TRACE ("  %s = %d\n", p->name, how & 1);
    g_object_set (e, p->name, (gboolean) (how & 1), NULL);
  } else if (G_IS_PARAM_SPEC_UINT64 (p)) {
    GParamSpecUInt64 *u = G_PARAM_SPEC_UINT64 (p);
    guint64 v = how == 0 ? u->minimum : how == 1 ? u->maximum :
        u->minimum + (guint64) fz_u32 (in) * 1000;
    g_object_set (e, p->name, CLAMP (v, u->minimum, u->maximum), NULL);
  } else if (G_IS_PARAM_SPEC_UINT (p)) {
    GParamSpecUInt *u = G_PARAM_SPEC_UINT (p);
    guint v = how == 0 ? u->minimum : how == 1 ? u->maximum : fz_u32 (in);
    g_object_set (e, p->name, CLAMP (v, u->minimum, u->maximum), NULL);
  } else if (G_IS_PARAM_SPEC_INT (p)) {
    GParamSpecInt *u = G_PARAM_SPEC_INT (p);
    gint v = how == 0 ? u->minimum : how == 1 ? u->maximum :
        (gint) fz_u32 (in);
    g_object_set (e, p->name, CLAMP (v, u->minimum, u->maximum), NULL);
  } else if (G_IS_PARAM_SPEC_ENUM (p)) {
    GEnumClass *ec = G_PARAM_SPEC_ENUM (p)->enum_class;
    gint v = ec->values[fz_pick (in, ec->n_values)].value;
    FZ_TRACE ("  %s = %d\n", p->name, v);
    g_object_set (e, p->name, v, NULL);
  }
}

typedef struct
{
  const fz_target *t;
  GstHarness *h;
  GstElement *e;
  gboolean f64;
  gint rate, channels;
  gsize bpf;
  /* my timestamps: frame k is at base_pts + (k - base_frame) / rate */
  GstClockTime base_pts, seg_start;
  guint64 base_frame;
  gboolean discont;
  /* totals since the last flush, in frames */
  guint64 in_frames, out_frames;
  gboolean counts_valid;
  double ceiling_db;
  gboolean ceiling_valid;
  gboolean finite_required;
  gboolean pass;                /* in pass-through since the last setup */
  gint rate_set;                /* format of the last caps sent */
  gboolean f64_set;
  gboolean out_f64;             /* format of the buffers coming out */
  gsize out_bpf;
} fz_run;

static GstClockTime
fz_pts (fz_run * r, guint64 frame)
{
  return r->base_pts + gst_util_uint64_scale_int_round (frame -
      r->base_frame, GST_SECOND, r->rate);
}

static void
fz_push_event (fz_run * r, GstEvent * ev)
{
  gst_harness_push_event (r->h, ev);
}

static void
fz_push_caps (fz_run * r)
{
  GstAudioInfo info;
  GstCaps *caps;
  gsize old_bpf = r->bpf;
  gint old_rate = r->rate_set;

  /* the element takes its mode when the format changes (setup): caps
   * equal to the current ones are ignored */
  if (r->bpf == 0 || r->rate != old_rate || r->f64 != r->f64_set
      || (gsize) r->channels * (r->f64 ? 8 : 4) != old_bpf)
    r->pass = r->t->passthrough && r->t->passthrough (r->e);
  r->rate_set = r->rate;
  r->f64_set = r->f64;
  gst_audio_info_set_format (&info, r->f64 ? GST_AUDIO_FORMAT_F64LE :
      GST_AUDIO_FORMAT_F32LE, r->rate, r->channels, NULL);
  if (r->channels > 2)          /* unpositioned, as many sources send them */
    info.flags |= GST_AUDIO_FLAG_UNPOSITIONED;
  caps = gst_audio_info_to_caps (&info);
  fz_push_event (r, gst_event_new_caps (caps));  /* the event refs them */
  gst_caps_unref (caps);
  r->bpf = GST_AUDIO_INFO_BPF (&info);
}

/* Drains the harness's queue through the checks. */
static void
fz_pull_all (fz_run * r)
{
  GstBuffer *b;

  while ((b = gst_harness_try_pull (r->h))) {
    GstMapInfo map;
    gsize ns;
    double peak = 0;

    FZ_CHECK (gst_buffer_map (b, &map, GST_MAP_READ), "map");
    if (r->out_bpf && map.size % r->out_bpf == 0)
      r->out_frames += map.size / r->out_bpf;
    else
      r->counts_valid = FALSE;
    if (r->out_f64) {
      ns = map.size / sizeof (double);
      if (r->finite_required)
        fz_check_finite_f64 ((const double *) map.data, ns, r->t->factory);
      peak = fz_peak_f64 ((const double *) map.data, ns);
    } else {
      ns = map.size / sizeof (float);
      if (r->finite_required)
        fz_check_finite_f32 ((const float *) map.data, ns, r->t->factory);
      peak = fz_peak_f32 ((const float *) map.data, ns);
    }
    if (r->ceiling_valid && !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_GAP))
      FZ_CHECK (peak <= fz_ceiling_limit (r->ceiling_db)
          + (r->t->extra_margin ? r->t->extra_margin (r->e) : 0),
          "%s: output peak %.9g over ceiling %.3f dBTP", r->t->factory, peak,
          r->ceiling_db);
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
  if (r->counts_valid)
    FZ_CHECK (r->out_frames <= r->in_frames, "%s: %" G_GUINT64_FORMAT
        " frames out for %" G_GUINT64_FORMAT " in", r->t->factory,
        r->out_frames, r->in_frames);
}

/* After every property or mode change: the ceiling the output is held to
 * is the highest one set (a lower one glides down). */
static void
fz_update_ceiling (fz_run * r)
{
  gdouble db;

  /* pass-through (loudnorm mode=measure) is bit-exact: NaN in, NaN out */
  if (r->t->passthrough && r->t->passthrough (r->e))
    r->ceiling_valid = r->finite_required = FALSE;
  if (r->t->limiter_off && r->t->limiter_off (r->e))
    r->ceiling_valid = FALSE;
  g_object_get (r->e, "max-true-peak", &db, NULL);
  r->ceiling_db = MAX (r->ceiling_db, db);
}

static void
fz_push_segment (fz_run * r, GstClockTime start, gdouble rate)
{
  GstSegment seg;

  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = seg.position = start;
  seg.rate = rate;
  fz_push_event (r, gst_event_new_segment (&seg));
  r->base_pts = r->seg_start = start;
  r->base_frame = r->in_frames;
}

static void
fz_push_buffer (fz_run * r, fz_in * in, gboolean ragged)
{
  static float tmp[FZ_MAX_FRAMES * MM_CHANNELS_MAX];
  guint frames = fz_u16 (in) % FZ_MAX_FRAMES;
  gsize ns = (gsize) frames * r->channels, extra = 0;
  GstBuffer *b;
  GstMapInfo map;
  GstFlowReturn ret;

  if (ragged) {                 /* not a whole number of frames */
    extra = 1 + fz_pick (in, r->bpf - 1);
    r->counts_valid = FALSE;
  }
  b = gst_buffer_new_allocate (NULL, ns * (r->f64 ? 8 : 4) + extra, NULL);
  gst_buffer_map (b, &map, GST_MAP_WRITE);
  if (map.size)                 /* a zero-length buffer maps to NULL */
    memset (map.data, 0, map.size);
  fz_fill (in, tmp, ns);
  for (gsize i = 0; i < ns; i++) {
    if (r->f64)
      ((double *) map.data)[i] = tmp[i];
    else
      ((float *) map.data)[i] = tmp[i];
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = fz_pts (r, r->in_frames);
  GST_BUFFER_DURATION (b) = fz_pts (r, r->in_frames + frames)
      - GST_BUFFER_PTS (b);
  if (r->discont)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
  r->discont = FALSE;
  r->in_frames += frames;
  ret = gst_harness_push (r->h, b);
  if (ret != GST_FLOW_OK)
    r->counts_valid = FALSE;
}

/* inline: fuzz_mixbus.c includes this header for the rest only */
static inline void
fz_gst_run (const fz_target * t, const uint8_t * data, size_t size)
{
  fz_in in = { data, size };
  fz_run r = { 0 };
  size_t budget = FZ_MAX_SAMPLES;
  unsigned ops = 0, nprops;
  gboolean live;
  GstBus *bus;
  GstMessage *msg;

  r.t = t;
  r.f64 = fz_u8 (&in) & 1;
  r.rate = fz_rate (&in);
  r.channels = 1 + fz_pick (&in, MM_CHANNELS_MAX);
  r.e = gst_element_factory_make (t->factory, NULL);
  FZ_CHECK (r.e != NULL, "make %s", t->factory);
  fz_lookahead_max_ms = MIN (1000.0, 2e8 / ((double) r.rate * r.channels));
  if (fz_lookahead_prop)
    fz_set_prop (r.e, fz_lookahead_prop, &in);
  if (fz_mode_prop)
    fz_set_prop (r.e, fz_mode_prop, &in);
  nprops = fz_u8 (&in) % 8;
  for (unsigned i = 0; i < nprops && fz_n_props; i++)
    fz_set_prop (r.e, fz_props[fz_pick (&in, fz_n_props)], &in);
  /* a bus of our own: an ERROR (file mode behind a live upstream, a
   * spool that cannot be written) ends the contract on frame counts */
  bus = gst_bus_new ();
  gst_element_set_bus (r.e, bus);
  r.h = gst_harness_new_with_element (r.e, "sink", "src");
  live = !(fz_u8 (&in) & 1);
  if (!live)                    /* a non-live upstream (file modes) */
    mm_harness_set_nonlive (r.h);
  FZ_TRACE ("%s %s %d Hz x %d, %s upstream\n", t->factory, r.f64 ? "F64" :
      "F32", r.rate, r.channels, live ? "live" : "non-live");
  r.counts_valid = r.ceiling_valid = r.finite_required = TRUE;
  r.ceiling_db = -HUGE_VAL;
  fz_update_ceiling (&r);

  fz_push_event (&r, gst_event_new_stream_start ("fuzz"));
  fz_push_caps (&r);
  r.out_f64 = r.f64;
  r.out_bpf = r.bpf;
  fz_push_segment (&r, 0, 1.0);

  while (in.n && ops++ < 48) {
    unsigned op = fz_pick (&in, 16);
    FZ_TRACE ("op %u: in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
        " valid %d\n", op, r.in_frames, r.out_frames, r.counts_valid);
    switch (op) {
      case 4:                  /* ragged buffer */
        fz_push_buffer (&r, &in, TRUE);
        break;
      case 5:{                 /* GAP of whole frames, where the next
                                 * buffer would start */
        guint frames = fz_u16 (&in) % FZ_MAX_FRAMES;
        GstClockTime ts = fz_pts (&r, r.in_frames);
        if ((size_t) frames * r.channels > budget)
          goto eos;
        budget -= (size_t) frames * r.channels;
        fz_push_event (&r, gst_event_new_gap (ts, fz_pts (&r,
                    r.in_frames + frames) - ts));
        if (r.pass)
          r.counts_valid = FALSE;       /* the event goes on as it is */
        r.in_frames += frames;
        break;
      }
      case 6:{                 /* DISCONT: the next buffer jumps */
        gint64 jump = (gint64) (int16_t) fz_u16 (&in) * GST_MSECOND;
        GstClockTime now = fz_pts (&r, r.in_frames);
        /* never before the segment: GstAudioFilter would clip it */
        r.base_pts = jump < 0 && (GstClockTime) - jump > now - r.seg_start ?
            r.seg_start : now + jump;
        r.base_frame = r.in_frames;
        r.discont = TRUE;
        break;
      }
      case 7:{                 /* flushing seek: flush, then a segment */
        static const gdouble rates[] = { 1.0, 1.0, 2.0, 0.5 };
        fz_pull_all (&r);
        fz_push_event (&r, gst_event_new_flush_start ());
        fz_push_event (&r, gst_event_new_flush_stop (TRUE));
        r.in_frames = r.out_frames = 0;
        r.counts_valid = TRUE;
        fz_push_segment (&r, (GstClockTime) fz_u16 (&in) * GST_MSECOND,
            rates[fz_pick (&in, 4)]);
        break;
      }
      case 8:                  /* a new segment without a flush */
        fz_push_segment (&r, fz_pts (&r, r.in_frames) + (fz_u8 (&in) & 1),
            1.0);
        break;
      case 9:{                 /* caps change mid-stream */
        fz_pull_all (&r);
        r.f64 = fz_u8 (&in) & 1;
        r.rate = fz_rate (&in);
        r.channels = 1 + fz_pick (&in, MM_CHANNELS_MAX);
        r.base_pts = fz_pts (&r, r.in_frames);
        r.base_frame = r.in_frames;
        fz_push_caps (&r);
        fz_pull_all (&r);       /* what was held, in the old format */
        r.out_f64 = r.f64;
        r.out_bpf = r.bpf;
        break;
      }
      case 10:
      case 11:
        if (fz_n_props)
          fz_set_prop (r.e, fz_props[fz_pick (&in, fz_n_props)], &in);
        fz_update_ceiling (&r);
        break;
      case 12:                 /* mode while playing: semantics differ */
        if (fz_mode_prop)
          fz_set_prop (r.e, fz_mode_prop, &in);
        r.ceiling_valid = FALSE;
        fz_update_ceiling (&r);
        break;
      case 13:
        gst_harness_query_latency (r.h);
        break;
      case 14:                 /* a new stream without EOS (gapless) */
        fz_pull_all (&r);
        fz_push_event (&r, gst_event_new_stream_start ("fuzz2"));
        fz_push_segment (&r, fz_pts (&r, r.in_frames), 1.0);
        break;
      default:{
        gsize ns = (gsize) FZ_MAX_FRAMES * r.channels;
        if (ns > budget)
          goto eos;
        budget -= ns;
        fz_push_buffer (&r, &in, FALSE);
        break;
      }
    }
    fz_pull_all (&r);
  }
eos:
  fz_push_event (&r, gst_event_new_eos ());
  fz_pull_all (&r);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    FZ_TRACE ("ERROR posted: counts not checked\n");
    r.counts_valid = FALSE;
    gst_message_unref (msg);
  }
  if (r.counts_valid)
    FZ_CHECK (r.out_frames == r.in_frames, "%s: after EOS %" G_GUINT64_FORMAT
        " frames out for %" G_GUINT64_FORMAT " in", t->factory, r.out_frames,
        r.in_frames);
  gst_harness_teardown (r.h);
  gst_element_set_bus (r.e, NULL);
  gst_bus_set_flushing (bus, TRUE);     /* drops what was posted */
  gst_object_unref (bus);
  gst_object_unref (r.e);
}

/* The two libFuzzer entry points of an element target. */
#define FZ_GST_TARGET(target)                                             \
  int LLVMFuzzerInitialize (int *argc, char ***argv)                     \
  {                                                                      \
    fz_gst_init (&(target));                                             \
    return 0;                                                            \
  }                                                                      \
  int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)         \
  {                                                                      \
    fz_gst_run (&(target), data, size);                                  \
    return 0;                                                            \
  }

#endif /* MM_FUZZ_GST_H */
