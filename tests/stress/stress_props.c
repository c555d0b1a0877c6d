/* stress-props: random property changes from another thread while audio
 * plays through loudnorm and masterchain (every writable property, values
 * from its own range, as fast as the thread can set them).  The output
 * must stay finite and under the highest ceiling the thread ever set
 * (+0.2 dB), and no ERROR may come.  The elements take new values under
 * their object lock and hand them to the DSP in the streaming thread; a
 * race shows as a crash, a critical, NaN or an over.
 *
 * Mode and lookahead are left alone (they apply at the next format); the
 * limiter stays on.  CI: 3 s per element; --long: 60 s. */
#include <math.h>

#include "stress.h"

typedef struct
{
  GstElement *el;
  volatile gint stop;
  gint changes;
  GRand *rand;
} Changer;

static gdouble max_ceiling_db = -1.0;   /* written by the changer only */
static gint overs, nonfinite;
static gdouble worst = 0;

static gboolean
skip_property (const GParamSpec * p)
{
  static const char *skip[] = { "name", "parent", "qos", "mode", "lookahead",
    "limiter-bypass", "post-messages", NULL
  };
  if (!(p->flags & G_PARAM_WRITABLE))
    return TRUE;
  for (int i = 0; skip[i]; i++)
    if (!strcmp (p->name, skip[i]))
      return TRUE;
  return FALSE;
}

static gpointer
change_properties (gpointer data)
{
  Changer *c = data;
  guint n;
  GParamSpec **props =
      g_object_class_list_properties (G_OBJECT_GET_CLASS (c->el), &n);

  while (!g_atomic_int_get (&c->stop)) {
    GParamSpec *p = props[g_rand_int_range (c->rand, 0, n)];
    if (skip_property (p))
      continue;
    if (G_IS_PARAM_SPEC_DOUBLE (p)) {
      GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (p);
      gdouble lo = MAX (d->minimum, -1e4), hi = MIN (d->maximum, 1e4);
      gdouble v = g_rand_double_range (c->rand, lo, hi);
      if (!strcmp (p->name, "max-true-peak"))
        max_ceiling_db = MAX (max_ceiling_db, v);
      g_object_set (c->el, p->name, v, NULL);
    } else if (G_IS_PARAM_SPEC_BOOLEAN (p)) {
      g_object_set (c->el, p->name, g_rand_boolean (c->rand), NULL);
    } else if (G_IS_PARAM_SPEC_ENUM (p)) {
      GEnumClass *ec = G_PARAM_SPEC_ENUM (p)->enum_class;
      gint v = ec->values[g_rand_int_range (c->rand, 0, ec->n_values)].value;
      if (!strcmp (p->name, "profile")) {
        g_object_set (c->el, p->name, v, NULL);
        gdouble db;
        g_object_get (c->el, "max-true-peak", &db, NULL);
        max_ceiling_db = MAX (max_ceiling_db, db);
        continue;
      }
      g_object_set (c->el, p->name, v, NULL);
    } else if (G_IS_PARAM_SPEC_UINT64 (p)) {
      GParamSpecUInt64 *u = G_PARAM_SPEC_UINT64 (p);
      guint64 v = u->minimum + g_rand_int (c->rand) % 1000 * GST_MSECOND;
      g_object_set (c->el, p->name, CLAMP (v, u->minimum, u->maximum), NULL);
    } else {
      continue;
    }
    g_atomic_int_inc (&c->changes);
    g_usleep (50);
  }
  g_free (props);
  return NULL;
}

/* Checks every output buffer (streaming thread). */
static GstPadProbeReturn
check_output (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  double limit = pow (10.0, (max_ceiling_db + 0.2) / 20.0) + 2.0 / 32768;

  gst_buffer_map (b, &map, GST_MAP_READ);
  for (gsize i = 0; i < map.size / 4; i++) {
    float x = ((const float *) map.data)[i];
    if (!isfinite (x))
      g_atomic_int_inc (&nonfinite);
    else if (fabsf (x) > limit) {
      g_atomic_int_inc (&overs);
      worst = MAX (worst, fabsf (x));
    }
  }
  gst_buffer_unmap (b, &map);
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  static const char *elements[] = { "loudnorm mode=live lookahead=300",
    "masterchain mode=live lookahead=300 comp-ratio=3"
  };
  gboolean lng = stress_long (argc, argv);
  double seconds = stress_arg (argc, argv, "--seconds", lng ? 60 : 3);

  stress_init (argc, argv);
  if (!stress_have ("loudnorm") || !stress_have ("masterchain")) {
    printf ("SKIP: loudnorm/masterchain not found (GST_PLUGIN_PATH)\n");
    return STRESS_SKIP;
  }
  for (guint k = 0; k < G_N_ELEMENTS (elements); k++) {
    /* +6 dB pink noise: the limiter works all the time */
    gchar *desc = g_strdup_printf ("audiotestsrc wave=pink-noise volume=2 "
        "samplesperbuffer=480 is-live=false ! audio/x-raw,format=F32LE,"
        "rate=48000,channels=2 ! %s name=el ! fakesink name=sink "
        "sync=true", elements[k]);
    GstElement *p = stress_parse (desc);
    Changer c = { 0 };
    GThread *th;

    g_free (desc);
    c.el = gst_bin_get_by_name (GST_BIN (p), "el");
    c.rand = g_rand_new_with_seed (1770 + k);
    g_object_get (c.el, "max-true-peak", &max_ceiling_db, NULL);
    stress_probe (p, "sink", check_output, NULL);
    overs = nonfinite = 0;

    stress_set_state (p, GST_STATE_PLAYING);
    th = g_thread_new ("changer", change_properties, &c);
    g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
    g_atomic_int_set (&c.stop, 1);
    g_thread_join (th);
    stress_check_no_error (p);
    gst_element_set_state (p, GST_STATE_NULL);
    printf ("stress-props: %s: %d property changes in %.0f s of playback; "
        "%d non-finite samples, %d over the ceiling (worst %.6f, highest "
        "ceiling %.2f dBTP)\n", elements[k], c.changes, seconds, nonfinite,
        overs, worst, max_ceiling_db);
    if (nonfinite || overs)
      STRESS_FAIL ("%s: bad output under property changes", elements[k]);
    g_rand_free (c.rand);
    gst_object_unref (c.el);
    gst_object_unref (p);
  }
  return 0;
}
