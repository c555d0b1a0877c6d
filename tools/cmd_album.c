/* mixmaster album TRACK... -o OUTDIR [--profile P] [--gap 2s]
 *                [--crossfade 0] [--bits N] [--format wav|flac] [-j N]
 *
 * The mastering engineer's album job.  Every track goes through
 * masterchain with ONE album gain, so the tracks keep their loudness
 * relative to each other (a ballad stays quieter than the single) and
 * the loudest track lands on the profile's target:
 *
 *   1. measure every track (loudnorm mode=measure);
 *   2. master the loudest in masterchain file mode, which finds the gain
 *      that puts it on the target after the limiter: the album gain;
 *   3. master every track with that gain (input-gain, loudness stage
 *      bypassed; the chain's EQ and compressor are neutral here, so this
 *      is the same gain at the same place) and the profile's limiter and
 *      dither: OUTDIR/NN NAME.EXT;
 *   4. play the mastered tracks one after another with gaps or
 *      crossfades into OUTDIR/album.EXT, and write OUTDIR/album.cue. */
#include "tool.h"
#include "master.h"
#include "measure.h"
#include "report.h"
#include "sequence.h"

#include <errno.h>
#include <math.h>
#include <string.h>

typedef struct
{
  gchar **inputs, **outputs, **titles;
  guint n;
  const gchar *profile;
  gint bits;
  MmLoudness *measured;
  MmMasterResult *mastered;
  GError **errors;
  gdouble album_gain;
  MmProgress *progress;
} Album;

static void
measure_one (guint i, gpointer user_data)
{
  Album *a = user_data;
  mm_measure_file (a->inputs[i], FALSE, a->progress, i, &a->measured[i],
      &a->errors[i]);
}

static void
master_one (guint i, gpointer user_data)
{
  Album *a = user_data;
  MmMasterSettings s = { a->profile, "file", NULL, TRUE, a->album_gain };
  MmOutput *out = mm_output_new (a->outputs[i], a->bits, &a->errors[i]);
  if (out)
    mm_master_file (a->inputs[i], out, &s, a->progress, i, &a->mastered[i],
        &a->errors[i]);
  mm_output_free (out);
}

static gboolean
first_error (Album * a, GError ** err)
{
  for (guint i = 0; i < a->n; i++)
    if (a->errors[i]) {
      g_propagate_error (err, a->errors[i]);
      a->errors[i] = NULL;
      return TRUE;
    }
  return FALSE;
}

/* Steps 1 and 2: the gain that puts the loudest track on the target. */
static gboolean
find_album_gain (Album * a, gint jobs, guint * loudest, GError ** err)
{
  MmMasterSettings s = { a->profile, "file", NULL, FALSE, 0 };
  MmMasterResult r;

  a->progress = mm_progress_new ("measuring", a->n);
  mm_tool_parallel (a->n, jobs, measure_one, a);
  mm_progress_free (a->progress);
  if (first_error (a, err))
    return FALSE;
  *loudest = 0;
  for (guint i = 1; i < a->n; i++)
    if (a->measured[i].integrated > a->measured[*loudest].integrated)
      *loudest = i;
  if (!isfinite (a->measured[*loudest].integrated)) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "all tracks are silent");
    return FALSE;
  }
  a->progress = mm_progress_new ("album gain", 1);
  gboolean ok = mm_master_file (a->inputs[*loudest], NULL, &s, a->progress,
      0, &r, err);
  mm_progress_free (a->progress);
  a->album_gain = r.gain;
  if (ok && fabs (r.gain) > 24)
    g_printerr ("mixmaster album: the album gain %.1f dB is beyond "
        "masterchain's input gain (24 dB); using %+.0f dB\n", r.gain,
        r.gain > 0 ? 24.0 : -24.0);
  return ok;
}

static gboolean
master_tracks (Album * a, gint jobs, GError ** err)
{
  a->progress = mm_progress_new ("mastering", a->n);
  mm_tool_parallel (a->n, jobs, master_one, a);
  mm_progress_free (a->progress);
  return !first_error (a, err);
}

/* The gain as printed: "+0.00", never "-0.00". */
static gdouble
shown_gain (const Album * a)
{
  return fabs (a->album_gain) < 0.005 ? 0.0 : a->album_gain;
}

static gboolean
write_album (Album * a, const gchar * dir, const gchar * ext,
    const MmSequenceSettings * seq, gchar ** album_path, GError ** err)
{
  gchar *name = g_strconcat ("album.", ext, NULL);
  gchar *cue_path = g_build_filename (dir, "album.cue", NULL);
  MmTrackMark *marks = g_new0 (MmTrackMark, a->n);
  MmOutput *out;
  gint rate = 0;
  gboolean ok = FALSE;

  *album_path = g_build_filename (dir, name, NULL);
  if ((out = mm_output_new (*album_path, a->bits, err))) {
    ok = mm_sequence_files (a->outputs, a->n, seq, out, marks, &rate, err);
    mm_output_free (out);
  }
  if (ok) {
    gchar *comment = g_strdup_printf ("mixmaster album: masterchain profile "
        "%s, album gain %+.2f dB", a->profile, shown_gain (a));
    gchar *cue = mm_cue_sheet (name, a->titles, a->n, marks, rate, comment);
    GError *e = NULL;
    ok = g_file_set_contents (cue_path, cue, -1, &e);
    if (!ok) {
      g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
          "%s: cannot write: %s", cue_path, e->message);
      g_error_free (e);
    }
    g_free (cue);
    g_free (comment);
  }
  g_free (marks);
  g_free (cue_path);
  g_free (name);
  return ok;
}

static void
print_report (const Album * a, guint loudest, const gchar * album_path)
{
  MmLoudness l;
  GError *e = NULL;

  g_print ("album gain %+.2f dB (the loudest track, %s, on the %s target)\n",
      shown_gain (a), a->inputs[loudest], a->profile);
  g_print (" #  %-28s %9s %9s %9s\n", "track", "in LUFS", "out LUFS",
      "out dBTP");
  for (guint i = 0; i < a->n; i++) {
    gchar *name = mm_report_short_name (a->outputs[i], 28);
    g_print ("%2u  %-28s %9s %9s %9s\n", i + 1, name,
        mm_report_db (a->measured[i].integrated),
        mm_report_db (a->mastered[i].output_integrated),
        mm_report_db (a->mastered[i].output_true_peak));
    g_free (name);
  }
  if (mm_measure_file (album_path, FALSE, NULL, 0, &l, &e))
    g_print ("%s: %s LUFS, %s dBTP, %.1f s (CUE sheet: album.cue)\n",
        album_path, mm_report_db (l.integrated), mm_report_db (l.true_peak),
        l.duration);
  g_clear_error (&e);
  mm_loudness_clear (&l);
}

/* OUTDIR/NN NAME.EXT and the titles for the CUE sheet. */
static void
plan (Album * a, const gchar * dir, const gchar * ext)
{
  a->outputs = g_new0 (gchar *, a->n + 1);
  a->titles = g_new0 (gchar *, a->n + 1);
  for (guint i = 0; i < a->n; i++) {
    gchar *base = g_path_get_basename (a->inputs[i]);
    gchar *dot = strrchr (base, '.');
    if (dot && dot != base)
      *dot = '\0';
    /* a CUE title is quoted: no quotes inside */
    a->titles[i] = g_strdelimit (g_strdup (base), "\"", '\'');
    gchar *name = g_strdup_printf ("%02u %s.%s", i + 1, base, ext);
    a->outputs[i] = g_build_filename (dir, name, NULL);
    g_free (name);
    g_free (base);
  }
}

static gboolean
check_args (gchar ** inputs, const gchar * dir, const gchar * profile,
    const gchar * format, gint bits, const MmSequenceSettings * seq,
    GError ** err)
{
  const gchar *need[] = { "loudnorm", "masterchain", NULL };
  if (!inputs || !inputs[0] || !dir)
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "give TRACK... and -o OUTDIR (see 'mixmaster album --help')");
  else if (g_strcmp0 (format, "wav") && g_strcmp0 (format, "flac"))
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "--format %s: use wav or flac", format);
  else if ((bits != 16 && bits != 24 && bits != 32)
      || (bits == 32 && !g_strcmp0 (format, "flac")))
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "--bits %d: use 16 or 24 (or 32, float, with wav)", bits);
  else if (seq->gap < 0 || seq->crossfade < 0)
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "--gap and --crossfade take seconds, e.g. 2s or 500ms");
  else if (seq->gap > 0 && seq->crossfade > 0)
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "--gap and --crossfade exclude each other");
  else if (mm_tool_require (need, err)
      && mm_master_check_profile (profile, err)) {
    for (guint i = 0; inputs[i]; i++)
      if (!mm_input_check (inputs[i], err))
        return FALSE;
    if (g_mkdir_with_parents (dir, 0777) == 0)
      return TRUE;
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot write: %s", dir, g_strerror (errno));
  }
  return FALSE;
}

static gint
run_album (Album * a, const gchar * dir, const gchar * ext, gint jobs,
    const MmSequenceSettings * seq)
{
  GError *err = NULL;
  gchar *album_path = NULL;
  guint loudest;

  plan (a, dir, ext);
  if (find_album_gain (a, jobs, &loudest, &err)
      && master_tracks (a, jobs, &err)
      && write_album (a, dir, ext, seq, &album_path, &err))
    print_report (a, loudest, album_path);
  g_free (album_path);
  return err ? mm_tool_fail ("album", err) : MM_EXIT_OK;
}

gint
mm_cmd_album (gint argc, gchar ** argv)
{
  gchar *dir = NULL, *profile = NULL, *format = NULL, *gap = NULL;
  gchar *xfade = NULL, **inputs = NULL;
  gint bits = 24, jobs = 1, status;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &dir,
        "Folder for the tracks, the album file and the CUE sheet", "OUTDIR"},
    {"profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
        "Delivery profile (default streaming)", "P"},
    {"gap", 'g', 0, G_OPTION_ARG_STRING, &gap,
        "Silence between tracks in the album file (default 2s)", "TIME"},
    {"crossfade", 'x', 0, G_OPTION_ARG_STRING, &xfade,
        "Overlap tracks by TIME instead (linear crossfade; default 0)",
        "TIME"},
    MM_OPTION_BITS (bits),
    {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
        "Output format: wav (default) or flac", "FMT"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
        "Process N tracks at a time (default 1)", "N"},
    MM_OPTION_FILES (inputs),
    {NULL}
  };
  GError *err = NULL;

  if (!mm_tool_parse ("album", "TRACK... -o OUTDIR",
          "Masters an album: every TRACK through masterchain with one album\n"
          "gain (the loudest track on the profile's target, the others\n"
          "keeping their level relative to it), then the tracks in order\n"
          "into one album file with gaps or crossfades, and a CUE sheet.",
          entries, &argc, &argv))
    return MM_EXIT_USAGE;
  MmSequenceSettings seq = {
    gap ? mm_tool_parse_seconds (gap) : (xfade ? 0 : 2.0),
    xfade ? mm_tool_parse_seconds (xfade) : 0
  };
  if (xfade && !gap && seq.crossfade == 0)
    seq.gap = 2.0;
  const gchar *p = profile ? profile : "streaming";
  const gchar *ext = format ? format : "wav";

  if (!check_args (inputs, dir, p, ext, bits, &seq, &err)) {
    status = mm_tool_fail ("album", err);
  } else {
    guint n = g_strv_length (inputs);
    Album a = {.inputs = inputs,.n = n,.profile = p,.bits = bits,
      .measured = g_new0 (MmLoudness, n),
      .mastered = g_new0 (MmMasterResult, n),.errors = g_new0 (GError *, n)
    };
    status = run_album (&a, dir, ext, jobs, &seq);
    for (guint i = 0; i < n; i++) {
      mm_loudness_clear (&a.measured[i]);
      g_clear_error (&a.errors[i]);
    }
    g_free (a.measured);
    g_free (a.mastered);
    g_free (a.errors);
    g_strfreev (a.outputs);
    g_strfreev (a.titles);
  }
  g_free (dir);
  g_free (profile);
  g_free (format);
  g_free (gap);
  g_free (xfade);
  g_strfreev (inputs);
  return status;
}
