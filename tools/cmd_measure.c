/* mixmaster measure FILE... [--json] [-j N]
 *
 * Integrated loudness, loudness range, true peak and sample peak of each
 * file and of all of them as an album, through loudnorm mode=measure. */
#include "tool.h"
#include "measure.h"
#include "report.h"

#include <math.h>

typedef struct
{
  gchar **files;
  MmLoudness *results;
  GError **errors;
  MmProgress *progress;
} Job;

static void
measure_one (guint i, gpointer user_data)
{
  Job *job = user_data;
  mm_measure_file (job->files[i], FALSE, job->progress, i, &job->results[i],
      &job->errors[i]);
}

static void
print_table (const Job * job, guint n, const MmAlbum * album)
{
  g_print ("%-32s %9s %7s %9s %9s %9s\n", "file", "LUFS", "LRA",
      "dBTP", "dBFS", "s");
  for (guint i = 0; i < n; i++) {
    const MmLoudness *l = &job->results[i];
    gchar *name = mm_report_short_name (l->file, 32);
    if (job->errors[i]) {
      g_print ("%-32s %s\n", name, "(failed)");
    } else {
      g_print ("%-32s %9s %7.1f %9s %9s %9.1f\n", name,
          mm_report_db (l->integrated), l->range, mm_report_db (l->true_peak),
          mm_report_db (l->sample_peak), l->duration);
    }
    g_free (name);
  }
  if (album->files > 1)
    g_print ("%-32s %9s %7.1f %9s %9s %9.1f\n", "album",
        mm_report_db (album->integrated), album->range,
        mm_report_db (album->true_peak), mm_report_db (album->sample_peak),
        album->duration);
}

static void
json_values (MmJson * j, gdouble duration, gdouble integrated, gdouble range,
    gdouble true_peak, gdouble sample_peak)
{
  mm_json_number (j, "duration", duration);
  mm_json_number (j, "integrated", integrated);
  mm_json_number (j, "range", range);
  mm_json_number (j, "true_peak", true_peak);
  mm_json_number (j, "sample_peak", sample_peak);
}

static void
print_json (const Job * job, guint n, const MmAlbum * album)
{
  MmJson *j = mm_json_new ();
  mm_json_begin_object (j, NULL);
  mm_json_int (j, "version", 1);
  mm_json_begin_array (j, "files");
  for (guint i = 0; i < n; i++) {
    const MmLoudness *l = &job->results[i];
    mm_json_begin_object (j, NULL);
    mm_json_string (j, "file", job->files[i]);
    mm_json_bool (j, "ok", job->errors[i] == NULL);
    if (job->errors[i]) {
      mm_json_string (j, "error", job->errors[i]->message);
    } else {
      json_values (j, l->duration, l->integrated, l->range, l->true_peak,
          l->sample_peak);
    }
    mm_json_end (j);
  }
  mm_json_end (j);
  if (album->files > 0) {
    mm_json_begin_object (j, "album");
    mm_json_int (j, "files", album->files);
    json_values (j, album->duration, album->integrated, album->range,
        album->true_peak, album->sample_peak);
    mm_json_end (j);
  }
  mm_json_end (j);
  g_print ("%s\n", mm_json_finish (j));
}

gint
mm_cmd_measure (gint argc, gchar ** argv)
{
  gboolean json = FALSE;
  gint jobs = 1;
  gchar **files = NULL;
  const GOptionEntry entries[] = {
    {"json", 0, 0, G_OPTION_ARG_NONE, &json,
        "Print JSON (docs/cli-measure.schema.json) instead of a table", NULL},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
        "Measure N files at a time (default 1)", "N"},
    MM_OPTION_FILES (files),
    {NULL}
  };
  const gchar *need[] = { "loudnorm", NULL };
  GError *err = NULL;
  gint status = MM_EXIT_OK;

  if (!mm_tool_parse ("measure", "FILE...",
          "Measures EBU R128 / ITU-R BS.1770-4 loudness of each FILE (any\n"
          "format GStreamer decodes) with loudnorm mode=measure: integrated\n"
          "loudness (LUFS), loudness range (LU), true peak (dBTP), sample\n"
          "peak (dBFS); with several files also the album (the gates act on\n"
          "all files together).", entries, &argc, &argv))
    return MM_EXIT_USAGE;
  if (!files || !files[0]) {
    g_strfreev (files);
    g_printerr ("mixmaster measure: no FILE given (see 'mixmaster measure "
        "--help')\n");
    return MM_EXIT_USAGE;
  }
  if (!mm_tool_require (need, &err)) {
    g_strfreev (files);
    return mm_tool_fail ("measure", err);
  }

  guint n = g_strv_length (files);
  Job job = { files, g_new0 (MmLoudness, n), g_new0 (GError *, n),
    mm_progress_new ("measuring", n)
  };
  mm_tool_parallel (n, jobs, measure_one, &job);
  mm_progress_free (job.progress);

  for (guint i = 0; i < n; i++)
    if (job.errors[i]) {
      g_printerr ("mixmaster measure: %s\n", job.errors[i]->message);
      status = MM_EXIT_FAILED;
    }
  MmAlbum album;
  mm_album_from_results (job.results, job.errors, n, &album);
  if (json)
    print_json (&job, n, &album);
  else
    print_table (&job, n, &album);

  for (guint i = 0; i < n; i++) {
    mm_loudness_clear (&job.results[i]);
    g_clear_error (&job.errors[i]);
  }
  g_free (job.results);
  g_free (job.errors);
  g_strfreev (files);
  return status;
}
