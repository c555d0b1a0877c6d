/* tool: exit codes, errors, option parsing, the plugin check. */
#include "tool.h"

#include <stdlib.h>

G_DEFINE_QUARK (mixmaster-tool-error-quark, mm_tool_error);

gint
mm_tool_exit_code (const GError * err)
{
  if (err && err->domain == MM_TOOL_ERROR)
    return err->code;
  return MM_EXIT_FAILED;
}

gint
mm_tool_fail (const gchar * cmd, GError * err)
{
  gint code = mm_tool_exit_code (err);
  g_printerr ("mixmaster %s: %s\n", cmd, err ? err->message : "failed");
  g_clear_error (&err);
  return code;
}

gboolean
mm_tool_parse (const gchar * cmd, const gchar * args, const gchar * summary,
    const GOptionEntry * entries, gint * argc, gchar *** argv)
{
  /* "Usage: mixmaster CMD [OPTION...] ARGS" (once per process: each
   * process parses one command line) */
  gchar *prgname = g_strdup_printf ("mixmaster %s", cmd);
  g_set_prgname (prgname);
  g_free (prgname);
  GOptionContext *ctx = g_option_context_new (args);
  GError *err = NULL;
  gboolean ok;

  g_option_context_set_summary (ctx, summary);
  g_option_context_set_description (ctx, "Exit status: 0 success, 1 a file "
      "could not be read, decoded or written, 2 bad command line,\n"
      "3 the mixmaster plugin or another GStreamer element is missing.\n"
      "See docs/cli.md.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, &err);
  if (!ok) {
    g_printerr ("mixmaster %s: %s (see 'mixmaster %s --help')\n", cmd,
        err->message, cmd);
    g_clear_error (&err);
  }
  g_option_context_free (ctx);
  return ok;
}

/* Running from the build tree, the registry may not know our plugin yet. */
static void
scan_build_plugins (void)
{
  static gboolean scanned;
  if (!scanned) {
    gst_registry_scan_path (gst_registry_get (), MIXMASTER_BUILD_PLUGIN_DIR);
    scanned = TRUE;
  }
}

gboolean
mm_tool_require (const gchar * const *elements, GError ** err)
{
  for (guint i = 0; elements[i]; i++) {
    GstElementFactory *f = gst_element_factory_find (elements[i]);
    if (!f) {
      scan_build_plugins ();
      f = gst_element_factory_find (elements[i]);
    }
    if (!f) {
      g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_MISSING,
          "the GStreamer element '%s' is missing (build the mixmaster "
          "plugin and set GST_PLUGIN_PATH to its folder, or install the "
          "plugin that provides it)", elements[i]);
      return FALSE;
    }
    gst_object_unref (f);
  }
  return TRUE;
}

gdouble
mm_tool_parse_seconds (const gchar * text)
{
  gchar *end = NULL;
  gdouble v = g_ascii_strtod (text, &end);

  if (end == text || !(v >= 0))
    return -1;
  if (*end == '\0' || !g_strcmp0 (end, "s"))
    return v;
  if (!g_strcmp0 (end, "ms"))
    return v / 1000.0;
  return -1;
}

typedef struct
{
  guint n, next;
  MmWorkFunc work;
  gpointer user_data;
} Parallel;

static gpointer
parallel_worker (gpointer data)
{
  Parallel *p = data;
  guint i;
  while ((i = (guint) g_atomic_int_add ((gint *) & p->next, 1)) < p->n)
    p->work (i, p->user_data);
  return NULL;
}

void
mm_tool_parallel (guint n, guint jobs, MmWorkFunc work, gpointer user_data)
{
  Parallel p = { n, 0, work, user_data };
  GThread *threads[64];
  guint t, count = CLAMP (jobs, 1, MIN (n, G_N_ELEMENTS (threads)));

  if (count <= 1) {
    parallel_worker (&p);
    return;
  }
  for (t = 0; t < count; t++)
    threads[t] = g_thread_new ("mixmaster-job", parallel_worker, &p);
  for (t = 0; t < count; t++)
    g_thread_join (threads[t]);
}
