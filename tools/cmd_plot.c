/* mixmaster plot FILE [PROCESSED] -o plot.svg [--title TEXT]
 *
 * Loudness over time as an SVG: momentary, short-term and integrated
 * loudness and the true peak; with a processed version of the file, both
 * (before/after) and the gain reduction. */
#include "tool.h"
#include "measure.h"
#include "svgplot.h"

typedef struct
{
  gchar **files;
  MmLoudness results[2];
  GError *errors[2];
  MmProgress *progress;
} Job;

static void
measure_one (guint i, gpointer user_data)
{
  Job *job = user_data;
  mm_measure_file (job->files[i], TRUE, job->progress, i, &job->results[i],
      &job->errors[i]);
}

/* Measures the one or two files and writes the plot. */
gboolean
mm_plot_files (const gchar * before, const gchar * after,
    const gchar * title, const gchar * output, GError ** err)
{
  gchar *files[3] = { (gchar *) before, (gchar *) after, NULL };
  guint n = after ? 2 : 1;
  Job job = { files, {{0}}, {NULL, NULL}, mm_progress_new ("plotting", n) };
  gboolean ok = TRUE;

  mm_tool_parallel (n, n, measure_one, &job);
  mm_progress_free (job.progress);
  for (guint i = 0; i < n; i++)
    if (job.errors[i] && ok) {
      g_propagate_error (err, job.errors[i]);
      job.errors[i] = NULL;
      ok = FALSE;
    }
  if (ok) {
    gchar *base = g_path_get_basename (before);
    MmPlot plot = { title ? title : base, &job.results[0],
      after ? &job.results[1] : NULL
    };
    ok = mm_plot_write (&plot, output, err);
    g_free (base);
  }
  for (guint i = 0; i < n; i++) {
    mm_loudness_clear (&job.results[i]);
    g_clear_error (&job.errors[i]);
  }
  return ok;
}

gint
mm_cmd_plot (gint argc, gchar ** argv)
{
  gchar *output = NULL, *title = NULL, **files = NULL;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "Write the SVG to OUT", "OUT"},
    {"title", 0, 0, G_OPTION_ARG_STRING, &title,
        "Title (default: the file's name)", "TEXT"},
    MM_OPTION_FILES (files),
    {NULL}
  };
  const gchar *need[] = { "loudnorm", "level", NULL };
  GError *err = NULL;
  gint status = MM_EXIT_OK;

  if (!mm_tool_parse ("plot", "FILE [PROCESSED] -o OUT.svg",
          "Plots loudness over time (momentary, short-term, integrated,\n"
          "true peak) as SVG.  With PROCESSED (the same programme after\n"
          "normalize or master) both are drawn, with the gain reduction.",
          entries, &argc, &argv))
    return MM_EXIT_USAGE;
  guint n = files ? g_strv_length (files) : 0;
  if (n < 1 || n > 2 || !output)
    g_set_error (&err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "give FILE [PROCESSED] and -o OUT.svg (see 'mixmaster plot "
        "--help')");
  else if (mm_tool_require (need, &err)
      && mm_plot_files (files[0], n > 1 ? files[1] : NULL, title, output,
          &err))
    g_print ("%s\n", output);
  if (err)
    status = mm_tool_fail ("plot", err);
  g_free (output);
  g_free (title);
  g_strfreev (files);
  return status;
}
