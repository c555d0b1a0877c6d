/* mixmaster: command-line front end.  It uses the plugin's elements through
 * GStreamer (never the DSP core directly).
 *
 *   mixmaster measure [--json] [FILE...]
 *
 * Without FILE it measures the embedded demo programme (synthesised, no
 * file needed).  Exit codes: 0 ok, 1 a file could not be measured,
 * 2 usage error, 3 the plugin or a GStreamer element is missing. */
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_MISSING 3

typedef struct
{
  gchar *name;
  gboolean ok;
  gchar *error;
  gdouble integrated, range, true_peak, sample_peak, duration;
} Report;

/* Finds loudnorm, scanning the build tree's plugin folder when the
 * registry does not know the plugin yet (running from a build). */
static gboolean
ensure_plugin (void)
{
  GstElementFactory *f = gst_element_factory_find ("loudnorm");
  if (!f) {
    gst_registry_scan_path (gst_registry_get (), MIXMASTER_BUILD_PLUGIN_DIR);
    f = gst_element_factory_find ("loudnorm");
  }
  if (!f)
    return FALSE;
  gst_object_unref (f);
  return TRUE;
}

static gboolean
push_demo (GstAppSrc * src)
{
  const guint chunk = DEMO_RATE / 10;
  const guint64 total = (guint64) DEMO_RATE * DEMO_SECONDS;

  for (guint64 pos = 0; pos < total; pos += chunk) {
    guint n = (guint) MIN (chunk, total - pos);
    GstBuffer *buf = gst_buffer_new_allocate (NULL,
        (gsize) n * DEMO_CHANNELS * sizeof (gfloat), NULL);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    demo_render ((gfloat *) map.data, pos, n);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (pos, GST_SECOND, DEMO_RATE);
    GST_BUFFER_DURATION (buf) =
        gst_util_uint64_scale (pos + n, GST_SECOND, DEMO_RATE) -
        GST_BUFFER_PTS (buf);
    if (gst_app_src_push_buffer (src, buf) != GST_FLOW_OK)
      return FALSE;
  }
  gst_app_src_end_of_stream (src);
  return TRUE;
}

static GstElement *
build_pipeline (const gchar * file, GError ** err)
{
  gchar *desc;
  GstElement *p;

  if (file) {
    gchar *quoted = g_strescape (file, NULL);
    desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
        "audioconvert ! audioresample ! loudnorm name=ln mode=measure "
        "interval=3600000000000 ! fakesink sync=false", quoted);
    g_free (quoted);
  } else {
    desc = g_strdup_printf ("appsrc name=src format=time "
        "caps=audio/x-raw,format=%s,rate=%d,channels=%d,layout=interleaved "
        "! loudnorm name=ln mode=measure interval=3600000000000 ! "
        "fakesink sync=false", GST_AUDIO_NE (F32), DEMO_RATE, DEMO_CHANNELS);
  }
  p = gst_parse_launch (desc, err);
  g_free (desc);
  return p;
}

/* Runs one pipeline to EOS and fills the report from the final
 * `loudness` message. */
static void
measure_one (const gchar * file, Report * r)
{
  GError *err = NULL;
  GstElement *pipeline = build_pipeline (file, &err);
  gboolean got_final = FALSE;

  r->name = g_strdup (file ? file : "demo (synthesised)");
  if (!pipeline) {
    r->error = g_strdup (err ? err->message : "cannot build pipeline");
    g_clear_error (&err);
    return;
  }

  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (!file) {
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    push_demo (GST_APP_SRC (src));
    gst_object_unref (src);
  }

  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    const GstStructure *s = gst_message_get_structure (msg);

    if (type == GST_MESSAGE_ERROR) {
      GError *e = NULL;
      gst_message_parse_error (msg, &e, NULL);
      r->error = g_strdup (e->message);
      g_error_free (e);
    } else if (type == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "loudness")) {
      gboolean final = FALSE;
      guint64 ts = 0, dur = 0;
      gst_structure_get (s, "final", G_TYPE_BOOLEAN, &final,
          "integrated-loudness", G_TYPE_DOUBLE, &r->integrated,
          "loudness-range", G_TYPE_DOUBLE, &r->range,
          "true-peak", G_TYPE_DOUBLE, &r->true_peak,
          "sample-peak", G_TYPE_DOUBLE, &r->sample_peak,
          "timestamp", G_TYPE_UINT64, &ts, "duration", G_TYPE_UINT64, &dur,
          NULL);
      r->duration = (ts + dur) / (gdouble) GST_SECOND;
      got_final |= final;
    }
    gst_message_unref (msg);
    if (type != GST_MESSAGE_ELEMENT)
      break;
  }
  r->ok = got_final && !r->error;
  if (!r->ok && !r->error)
    r->error = g_strdup ("no loudness measured (no audio stream?)");

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

static void
print_value (const gchar * label, gdouble v, const gchar * unit)
{
  if (isinf (v))
    g_print ("  %-20s %9s %s\n", label, v < 0 ? "-inf" : "inf", unit);
  else
    g_print ("  %-20s %9.1f %s\n", label, v, unit);
}

static void
print_table (const Report * r)
{
  g_print ("%s\n", r->name);
  if (!r->ok) {
    g_print ("  error: %s\n", r->error);
    return;
  }
  print_value ("duration", r->duration, "s");
  print_value ("integrated loudness", r->integrated, "LUFS");
  print_value ("loudness range", r->range, "LU");
  print_value ("true peak", r->true_peak, "dBTP");
  print_value ("sample peak", r->sample_peak, "dBFS");
}

/* JSON has no infinities: silence is null. */
static void
json_number (GString * out, const gchar * key, gdouble v, gboolean last)
{
  if (isfinite (v))
    g_string_append_printf (out, "\"%s\": %.2f%s", key, v, last ? "" : ", ");
  else
    g_string_append_printf (out, "\"%s\": null%s", key, last ? "" : ", ");
}

static void
print_json (Report * reports, gint n)
{
  GString *out = g_string_new ("{\"files\": [");
  for (gint i = 0; i < n; i++) {
    Report *r = &reports[i];
    gchar *name = g_strescape (r->name, NULL);
    g_string_append_printf (out, "%s{\"file\": \"%s\", \"ok\": %s, ",
        i ? ", " : "", name, r->ok ? "true" : "false");
    g_free (name);
    if (r->ok) {
      json_number (out, "duration", r->duration, FALSE);
      json_number (out, "integrated", r->integrated, FALSE);
      json_number (out, "range", r->range, FALSE);
      json_number (out, "true_peak", r->true_peak, FALSE);
      json_number (out, "sample_peak", r->sample_peak, TRUE);
    } else {
      gchar *e = g_strescape (r->error, NULL);
      g_string_append_printf (out, "\"error\": \"%s\"", e);
      g_free (e);
    }
    g_string_append (out, "}");
  }
  g_string_append (out, "]}\n");
  g_print ("%s", out->str);
  g_string_free (out, TRUE);
}

static gint
cmd_measure (gint argc, gchar ** argv)
{
  gboolean json = FALSE;
  gchar **files = NULL;
  GOptionEntry entries[] = {
    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON for scripts", NULL},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
        "[FILE...]"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- measure EBU R128 loudness");
  GError *err = NULL;
  gint status = 0;

  g_option_context_set_summary (ctx,
      "Measures integrated loudness, loudness range, true peak and sample\n"
      "peak of each FILE (any format GStreamer can decode) with the\n"
      "loudnorm element.  Without FILE, measures the embedded demo\n"
      "programme (30 s, synthesised).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("mixmaster measure: %s\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return EXIT_USAGE;
  }
  g_option_context_free (ctx);

  if (!ensure_plugin ()) {
    g_printerr ("mixmaster: the GStreamer element 'loudnorm' (plugin "
        "mixmaster) was not found; set GST_PLUGIN_PATH to the plugin's "
        "folder\n");
    return EXIT_MISSING;
  }

  gint n = files ? (gint) g_strv_length (files) : 1;
  Report *reports = g_new0 (Report, n);
  for (gint i = 0; i < n; i++) {
    measure_one (files ? files[i] : NULL, &reports[i]);
    if (!reports[i].ok) {
      g_printerr ("mixmaster measure: %s: %s\n", reports[i].name,
          reports[i].error);
      status = EXIT_FAILED;
    }
    if (!json)
      print_table (&reports[i]);
  }
  if (json)
    print_json (reports, n);

  for (gint i = 0; i < n; i++) {
    g_free (reports[i].name);
    g_free (reports[i].error);
  }
  g_free (reports);
  g_strfreev (files);
  return status;
}

static void
usage (void)
{
  g_printerr ("Usage: mixmaster COMMAND [OPTIONS]\n\n"
      "Commands:\n"
      "  measure [--json] [FILE...]   EBU R128 loudness of files, or of the\n"
      "                               embedded demo when no FILE is given\n\n"
      "'mixmaster COMMAND --help' describes a command.\n");
}

int
main (int argc, char **argv)
{
  gint status;

  if (argc < 2 || !strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")) {
    usage ();
    return argc < 2 ? EXIT_USAGE : 0;
  }
  gst_init (NULL, NULL);
  if (!strcmp (argv[1], "measure")) {
    status = cmd_measure (argc - 1, argv + 1);
  } else {
    g_printerr ("mixmaster: unknown command '%s'\n", argv[1]);
    usage ();
    status = EXIT_USAGE;
  }
  gst_deinit ();
  return status;
}
