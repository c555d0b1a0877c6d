/* master: source ! masterchain ! output. */
#include "master.h"
#include "tool.h"

#include <math.h>

/* The profile enum as the element declares it, so the CLI never lists
 * profiles the element does not have. */
static GEnumClass *
profile_enum (void)
{
  GstElement *mc = gst_element_factory_make ("masterchain", NULL);
  GEnumClass *klass = NULL;
  if (mc) {
    GParamSpec *spec = g_object_class_find_property (G_OBJECT_GET_CLASS (mc),
        "profile");
    if (spec && G_IS_PARAM_SPEC_ENUM (spec))
      klass = g_type_class_ref (spec->value_type);
    gst_object_unref (mc);
  }
  return klass;
}

gboolean
mm_master_check_profile (const gchar * profile, GError ** err)
{
  GEnumClass *klass = profile_enum ();
  gboolean ok;
  if (!klass) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_MISSING,
        "the GStreamer element 'masterchain' is missing");
    return FALSE;
  }
  ok = g_enum_get_value_by_nick (klass, profile) != NULL;
  if (!ok) {
    GString *names = g_string_new (NULL);
    for (guint i = 0; i < klass->n_values; i++)
      if (g_strcmp0 (klass->values[i].value_nick, "custom"))
        g_string_append_printf (names, "%s%s", names->len ? ", " : "",
            klass->values[i].value_nick);
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "unknown profile '%s' (choose %s)", profile, names->str);
    g_string_free (names, TRUE);
  }
  g_type_class_unref (klass);
  return ok;
}

/* "name=value" pairs onto an element; usage error naming a bad one. */
static gboolean
apply_settings (GstElement * e, gchar ** set, GError ** err)
{
  for (guint i = 0; set && set[i]; i++) {
    gchar **kv = g_strsplit (set[i], "=", 2);
    gboolean ok = kv[0] && kv[1];
    if (!ok)
      g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
          "--set '%s': expected PROPERTY=VALUE", set[i]);
    else
      ok = mm_set_property (G_OBJECT (e), GST_ELEMENT_NAME (e), kv[0], kv[1],
          err);
    g_strfreev (kv);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

GstElement *
mm_masterchain_new (const MmMasterSettings * s, gint bits, GError ** err)
{
  GstElement *mc = mm_make ("masterchain", "masterchain", err);
  if (!mc)
    return NULL;
  gst_util_set_object_arg (G_OBJECT (mc), "profile", s->profile);
  gst_util_set_object_arg (G_OBJECT (mc), "mode", s->mode ? s->mode : "auto");
  /* masterchain's TPDF dither is for the word length written; float
   * output needs none */
  gst_util_set_object_arg (G_OBJECT (mc), "dither-bits",
      bits == 16 ? "16" : bits == 24 ? "24" : "0");
  if (s->fixed_gain)
    g_object_set (mc, "loudness-bypass", TRUE, "input-gain",
        CLAMP (s->gain, -24.0, 24.0), NULL);
  if (!apply_settings (mc, s->set, err))
    gst_clear_object (&mc);
  return mc;
}

void
mm_master_take_message (const GstStructure * s, MmMasterResult * r)
{
  gboolean final = FALSE;
  if (!gst_structure_has_name (s, "masterchain"))
    return;
  gst_structure_get_boolean (s, "final", &final);
  if (!final)
    return;
  gst_structure_get (s,
      "input-integrated-loudness", G_TYPE_DOUBLE, &r->input_integrated,
      "output-integrated-loudness", G_TYPE_DOUBLE, &r->output_integrated,
      "output-true-peak", G_TYPE_DOUBLE, &r->output_true_peak,
      "gain", G_TYPE_DOUBLE, &r->gain,
      "limiter-reduction", G_TYPE_DOUBLE, &r->limiter_reduction, NULL);
  const GValue *comp = gst_structure_get_value (s, "comp-reduction");
  r->comp_reduction = 0;
  for (guint i = 0; comp && i < gst_value_array_get_size (comp); i++)
    r->comp_reduction = MAX (r->comp_reduction,
        g_value_get_double (gst_value_array_get_value (comp, i)));
}

static void
on_message (const GstStructure * s, GstObject * src, gpointer user_data)
{
  mm_master_take_message (s, user_data);
}

gboolean
mm_master_file (const gchar * in, MmOutput * out, const MmMasterSettings * s,
    MmProgress * progress, guint job, MmMasterResult * r, GError ** err)
{
  GstElement *source, *mc = NULL, *sink = NULL, *pipeline = NULL;
  gboolean ok = FALSE;

  r->input_integrated = r->output_integrated = r->output_true_peak = -INFINITY;
  if (!mm_input_check (in, err) || !(source = mm_source_new (in, FALSE, err)))
    return FALSE;
  if ((mc = mm_masterchain_new (s, out ? out->bits : 32, err))
      && (sink = out ? mm_output_bin_new (out, FALSE, err) :
          mm_make ("fakesink", NULL, err))) {
    /* the pipeline owns all three from here, linked or not */
    pipeline = mm_pipeline_chain ("master", err, source, mc, sink, NULL);
  } else {
    gst_clear_object (&source);
    gst_clear_object (&mc);
  }
  if (!pipeline)
    return FALSE;

  MmRunOptions opts = { on_message, r, progress, job, source, sink };
  ok = mm_run_pipeline (pipeline, &opts, out, err);
  gst_object_unref (pipeline);
  return ok;
}
