/* mixmaster normalize IN... -o OUTDIR|OUT [--target L] [--true-peak P]
 *                     [--album] [-j N] [--bits N] [--json]
 *
 * True two-pass linear normalisation through loudnorm: pass one measures
 * every file (loudnorm mode=measure), pass two plays each through
 * loudnorm mode=linear with the measured values, so each file gets one
 * constant gain (album: the same gain for all, from the album's combined
 * loudness).  Files run in parallel with -j. */
#include "tool.h"
#include "measure.h"
#include "pipeline.h"
#include "report.h"

#include <errno.h>
#include <math.h>
#include <string.h>

typedef struct
{
  gdouble target, true_peak;
  gboolean album;
  gint bits;
  gchar **inputs;
  gchar **outputs;
  MmLoudness *measured;
  GError **errors;
  gdouble album_integrated;     /* -inf unless album */
  MmProgress *progress;
  /* what the final `loudness` message of pass two said */
  gdouble *gain, *out_integrated, *out_true_peak;
  gchar **normalization;
} Job;

static void
measure_one (guint i, gpointer user_data)
{
  Job *job = user_data;
  mm_measure_file (job->inputs[i], FALSE, job->progress, i,
      &job->measured[i], &job->errors[i]);
}

typedef struct
{
  Job *job;
  guint i;
} Result;

static void
on_message (const GstStructure * s, GstObject * src, gpointer user_data)
{
  Result *r = user_data;
  gboolean final = FALSE;
  if (!gst_structure_has_name (s, "loudness")
      || !gst_structure_get_boolean (s, "final", &final) || !final)
    return;
  gst_structure_get (s, "gain", G_TYPE_DOUBLE, &r->job->gain[r->i],
      "output-integrated-loudness", G_TYPE_DOUBLE,
      &r->job->out_integrated[r->i],
      "output-true-peak", G_TYPE_DOUBLE, &r->job->out_true_peak[r->i],
      "normalization", G_TYPE_STRING, &r->job->normalization[r->i], NULL);
}

static GstElement *
make_loudnorm (const Job * job, guint i, GError ** err)
{
  GstElement *ln = mm_make ("loudnorm", NULL, err);
  const MmLoudness *m = &job->measured[i];
  if (!ln)
    return NULL;
  gst_util_set_object_arg (G_OBJECT (ln), "mode", "linear");
  /* the album's loudness for every file: one gain for all */
  g_object_set (ln, "loudness-target", job->target,
      "max-true-peak", job->true_peak,
      "measured-loudness", job->album ? job->album_integrated : m->integrated,
      "measured-true-peak", isfinite (m->true_peak) ? m->true_peak : -100.0,
      "measured-range", CLAMP (m->range, 0.0, 100.0), NULL);
  return ln;
}

static gboolean
normalize_one (Job * job, guint i, GError ** err)
{
  MmOutput *out = mm_output_new (job->outputs[i], job->bits, err);
  GstElement *source = NULL, *ln = NULL, *sink = NULL, *pipeline = NULL;
  Result r = { job, i };
  gboolean ok = FALSE;

  if (!out)
    return FALSE;
  if ((source = mm_source_new (job->inputs[i], FALSE, err))
      && (ln = make_loudnorm (job, i, err))
      && (sink = mm_output_bin_new (out, TRUE, err)))
    pipeline = mm_pipeline_chain ("normalize", err, source, ln, sink, NULL);
  else {
    gst_clear_object (&source);
    gst_clear_object (&ln);
  }
  if (pipeline) {
    MmRunOptions opts = { on_message, &r, job->progress, i, source, NULL };
    ok = mm_run_pipeline (pipeline, &opts, out, err);
    gst_object_unref (pipeline);
  }
  mm_output_free (out);
  return ok;
}

static void
normalize_worker (guint i, gpointer user_data)
{
  Job *job = user_data;
  if (!job->errors[i])
    normalize_one (job, i, &job->errors[i]);
}

/* OUTDIR/NAME.EXT: the input's name, its extension if we can write it,
 * WAV otherwise. */
static gchar *
output_in_dir (const gchar * dir, const gchar * input)
{
  gchar *base = g_path_get_basename (input), *dot = strrchr (base, '.');
  MmFormat f;
  gchar *name, *path;
  if (mm_format_from_name (base, &f))
    name = g_strdup (base);
  else {
    if (dot && dot != base)
      *dot = '\0';
    name = g_strconcat (base, ".wav", NULL);
  }
  path = g_build_filename (dir, name, NULL);
  g_free (base);
  g_free (name);
  return path;
}

/* -o names a file for one input with an audio extension, else a folder
 * (created when missing). */
static gchar **
plan_outputs (gchar ** inputs, const gchar * output, GError ** err)
{
  guint n = g_strv_length (inputs);
  MmFormat f;
  gchar **outs = g_new0 (gchar *, n + 1);

  if (n == 1 && mm_format_from_name (output, &f)
      && !g_file_test (output, G_FILE_TEST_IS_DIR)) {
    outs[0] = g_strdup (output);
    return outs;
  }
  if (g_mkdir_with_parents (output, 0777) != 0) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot write: %s", output, g_strerror (errno));
    g_free (outs);
    return NULL;
  }
  for (guint i = 0; i < n; i++)
    outs[i] = output_in_dir (output, inputs[i]);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < i; k++)
      if (!strcmp (outs[i], outs[k]) && !(err && *err))
        g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
            "%s and %s would both be written to %s", inputs[k], inputs[i],
            outs[i]);
  if (err && *err)
    g_clear_pointer (&outs, g_strfreev);
  return outs;
}

static void
print_table (const Job * job, guint n)
{
  g_print ("%-28s %9s %7s %9s %9s  %s\n", "file", "in LUFS", "gain",
      "out LUFS", "out dBTP", "output");
  for (guint i = 0; i < n; i++) {
    gchar *name = mm_report_short_name (job->inputs[i], 28);
    if (job->errors[i])
      g_print ("%-28s (failed)\n", name);
    else
      g_print ("%-28s %9s %7.2f %9s %9s  %s%s\n", name,
          mm_report_db (job->measured[i].integrated), job->gain[i],
          mm_report_db (job->out_integrated[i]),
          mm_report_db (job->out_true_peak[i]), job->outputs[i],
          g_strcmp0 (job->normalization[i], "linear-limited") ?
          "" : " (limited)");
    g_free (name);
  }
  if (job->album)
    g_print ("album loudness %s LUFS, gain %.2f dB for every file\n",
        mm_report_db (job->album_integrated),
        job->target - job->album_integrated);
}

static void
print_json (const Job * job, guint n)
{
  MmJson *j = mm_json_new ();
  mm_json_begin_object (j, NULL);
  mm_json_number (j, "target", job->target);
  mm_json_number (j, "true_peak", job->true_peak);
  if (job->album)
    mm_json_number (j, "album_integrated", job->album_integrated);
  mm_json_begin_array (j, "files");
  for (guint i = 0; i < n; i++) {
    mm_json_begin_object (j, NULL);
    mm_json_string (j, "file", job->inputs[i]);
    mm_json_string (j, "output", job->outputs[i]);
    mm_json_bool (j, "ok", !job->errors[i]);
    if (job->errors[i]) {
      mm_json_string (j, "error", job->errors[i]->message);
    } else {
      mm_json_number (j, "integrated", job->measured[i].integrated);
      mm_json_number (j, "gain", job->gain[i]);
      mm_json_number (j, "output_integrated", job->out_integrated[i]);
      mm_json_number (j, "output_true_peak", job->out_true_peak[i]);
      mm_json_string (j, "normalization", job->normalization[i] ?
          job->normalization[i] : "none");
    }
    mm_json_end (j);
  }
  mm_json_end (j);
  mm_json_end (j);
  g_print ("%s\n", mm_json_finish (j));
}

static gint
run_job (Job * job, guint n, gint jobs, gboolean json)
{
  gint status = MM_EXIT_OK;

  job->progress = mm_progress_new ("measuring  ", n);
  mm_tool_parallel (n, jobs, measure_one, job);
  mm_progress_free (job->progress);
  if (job->album) {
    MmAlbum album;
    mm_album_from_results (job->measured, job->errors, n, &album);
    job->album_integrated = album.integrated;
  }
  for (guint i = 0; i < n; i++)
    if (!job->errors[i] && !isfinite (job->album ? job->album_integrated :
            job->measured[i].integrated))
      g_set_error (&job->errors[i], MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
          "%s: silent (no loudness to normalise)", job->inputs[i]);

  job->progress = mm_progress_new ("normalizing", n);
  mm_tool_parallel (n, jobs, normalize_worker, job);
  mm_progress_free (job->progress);

  for (guint i = 0; i < n; i++)
    if (job->errors[i]) {
      g_printerr ("mixmaster normalize: %s\n", job->errors[i]->message);
      status = mm_tool_exit_code (job->errors[i]);
    }
  if (json)
    print_json (job, n);
  else
    print_table (job, n);
  return status;
}

gint
mm_cmd_normalize (gint argc, gchar ** argv)
{
  gdouble target = -23, true_peak = -1;
  gboolean album = FALSE, json = FALSE;
  gint jobs = 1, bits = 24;
  gchar *output = NULL, **inputs = NULL;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "Output folder, or file name for one input (.wav or .flac)", "OUT"},
    {"target", 't', 0, G_OPTION_ARG_DOUBLE, &target,
        "Integrated loudness target in LUFS (default -23)", "LUFS"},
    {"true-peak", 'p', 0, G_OPTION_ARG_DOUBLE, &true_peak,
        "True-peak ceiling in dBTP (default -1)", "DBTP"},
    {"album", 'a', 0, G_OPTION_ARG_NONE, &album,
        "One gain for all files, from their combined (album) loudness", NULL},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
        "Process N files at a time (default 1)", "N"},
    MM_OPTION_BITS (bits),
    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the report as JSON",
        NULL},
    MM_OPTION_FILES (inputs),
    {NULL}
  };
  const gchar *need[] = { "loudnorm", NULL };
  GError *err = NULL;
  gint status;

  if (!mm_tool_parse ("normalize", "IN... -o OUTDIR|OUT",
          "Normalises each IN to the target loudness with one constant\n"
          "gain (two passes through loudnorm: measure, then linear with the\n"
          "measured values); the true-peak limiter holds the ceiling.\n"
          "--album gives every file the same gain.", entries, &argc, &argv))
    return MM_EXIT_USAGE;
  if (!inputs || !inputs[0] || !output)
    g_set_error (&err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "give IN... and -o OUT (see 'mixmaster normalize --help')");
  else if (!(target >= -70 && target <= 0) || !(true_peak >= -9
          && true_peak <= 0))
    g_set_error (&err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "--target must be -70..0 LUFS and --true-peak -9..0 dBTP");
  if (err || !mm_tool_require (need, &err)) {
    g_free (output);
    g_strfreev (inputs);
    return mm_tool_fail ("normalize", err);
  }

  guint n = g_strv_length (inputs);
  Job job = {.target = target,.true_peak = true_peak,.album = album,
    .bits = bits,.inputs = inputs,.album_integrated = -INFINITY,
    .measured = g_new0 (MmLoudness, n),.errors = g_new0 (GError *, n),
    .gain = g_new0 (gdouble, n),.out_integrated = g_new0 (gdouble, n),
    .out_true_peak = g_new0 (gdouble, n),
    .normalization = g_new0 (gchar *, n + 1)
  };
  job.outputs = plan_outputs (inputs, output, &err);
  status = job.outputs ? run_job (&job, n, jobs, json) :
      mm_tool_fail ("normalize", err);

  for (guint i = 0; i < n; i++) {
    mm_loudness_clear (&job.measured[i]);
    g_clear_error (&job.errors[i]);
  }
  g_free (job.measured);
  g_free (job.errors);
  g_free (job.gain);
  g_free (job.out_integrated);
  g_free (job.out_true_peak);
  g_strfreev (job.normalization);
  g_strfreev (job.outputs);
  g_free (output);
  g_strfreev (inputs);
  return status;
}
