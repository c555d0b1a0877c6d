/* mix: N x (source ! capsfilter rate) ! mixbus ! capsfilter (F32 stereo)
 *      [! masterchain] ! output */
#include "mix.h"
#include "tool.h"

#include <gst/audio/audio.h>
#include <string.h>

void
mm_stem_parse (const gchar * spec, MmStem * stem)
{
  const gchar *colon = strrchr (spec, ':');
  if (colon && strchr (colon, '=') && !strchr (colon, '/')) {
    stem->path = g_strndup (spec, colon - spec);
    stem->settings = g_strsplit (colon + 1, ",", -1);
  } else {
    stem->path = g_strdup (spec);
    stem->settings = NULL;
  }
}

void
mm_stem_clear (MmStem * stem)
{
  g_clear_pointer (&stem->path, g_free);
  g_clear_pointer (&stem->settings, g_strfreev);
}

/* "name=value" pairs onto an object; a usage error names `what`. */
static gboolean
apply (GObject * obj, const gchar * what, gchar ** settings, GError ** err)
{
  for (guint i = 0; settings && settings[i]; i++) {
    gchar **kv = g_strsplit (settings[i], "=", 2);
    gboolean ok = kv[0] && kv[1];
    if (!ok)
      g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
          "%s: '%s' is not NAME=VALUE", what, settings[i]);
    else
      ok = mm_set_property (obj, what, g_strstrip (kv[0]),
          g_strstrip (kv[1]), err);
    g_strfreev (kv);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static GstElement *
rate_filter (gint rate, gboolean stereo_float, GError ** err)
{
  GstElement *f = mm_make ("capsfilter", NULL, err);
  if (!f)
    return NULL;
  GstCaps *caps = stereo_float ?
      gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, rate,
      "channels", G_TYPE_INT, 2, "format", G_TYPE_STRING,
      GST_AUDIO_NE (F32), NULL) :
      gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, rate, NULL);
  g_object_set (f, "caps", caps, NULL);
  gst_caps_unref (caps);
  return f;
}

/* One stem: source ! capsfilter ! mixbus.sink_%u with the stem's pad
 * settings.  The pipeline owns what was added, even on failure. */
static GstElement *
add_stem (GstElement * pipeline, GstElement * bus, const MmStem * stem,
    gint rate, GError ** err)
{
  GstElement *src, *filter;
  if (!mm_input_check (stem->path, err)
      || !(src = mm_source_new (stem->path, TRUE, err)))
    return NULL;
  if (!(filter = rate_filter (rate, FALSE, err))) {
    gst_object_unref (src);
    return NULL;
  }
  gst_bin_add_many (GST_BIN (pipeline), src, filter, NULL);
  GstPad *pad = gst_element_request_pad_simple (bus, "sink_%u");
  GstPad *fsrc = gst_element_get_static_pad (filter, "src");
  gboolean ok = pad && gst_element_link (src, filter)
      && gst_pad_link (fsrc, pad) == GST_PAD_LINK_OK;
  gst_object_unref (fsrc);
  if (!ok)
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot connect to mixbus", stem->path);
  else
    ok = apply (G_OBJECT (pad), stem->path, stem->settings, err);
  if (pad)
    gst_object_unref (pad);
  return ok ? src : NULL;
}

static void
on_message (const GstStructure * s, GstObject * src, gpointer user_data)
{
  mm_master_take_message (s, user_data);
}

/* The bus and everything after it; returns the last element. */
static GstElement *
build (GstElement * pipeline, const MmMixSettings * s, MmOutput * out,
    GstElement ** first_src, GstElement ** sink, GError ** err)
{
  GstElement *bus = mm_make ("mixbus", "mixbus", err), *filter = NULL;
  GstElement *mc = NULL;
  if (!bus)
    return NULL;
  /* the meters cost time and nobody reads them here */
  g_object_set (bus, "post-messages", FALSE, NULL);
  gst_bin_add (GST_BIN (pipeline), bus);
  if (!apply (G_OBJECT (bus), "mixbus", s->bus, err))
    return NULL;
  for (guint i = 0; i < s->n_stems; i++) {
    GstElement *src = add_stem (pipeline, bus, &s->stems[i], s->rate, err);
    if (!src)
      return NULL;
    if (i == 0)
      *first_src = src;
  }
  if (!(filter = rate_filter (s->rate, TRUE, err)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), filter);
  if (s->master) {
    if (!(mc = mm_masterchain_new (s->master, out->bits, err)))
      return NULL;
    gst_bin_add (GST_BIN (pipeline), mc);
  }
  /* masterchain dithers for the word length; without it audioconvert does */
  if (!(*sink = mm_output_bin_new (out, mc == NULL, err)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), *sink);
  if (!gst_element_link_many (bus, filter, mc ? mc : *sink, mc ? *sink : NULL,
          NULL)) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "cannot link the mix to the output");
    return NULL;
  }
  return *sink;
}

gboolean
mm_mix_files (const MmMixSettings * s, MmOutput * out, MmProgress * progress,
    MmMasterResult * r, GError ** err)
{
  GstElement *pipeline = gst_pipeline_new ("mix"), *first = NULL, *sink = NULL;
  gboolean ok = FALSE;
  MmMasterResult unused;

  if (build (pipeline, s, out, &first, &sink, err)) {
    MmRunOptions opts = { on_message, r ? r : &unused, progress, 0, first,
      sink
    };
    ok = mm_run_pipeline (pipeline, &opts, out, err);
  }
  gst_object_unref (pipeline);
  return ok;
}
