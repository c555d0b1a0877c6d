/* mixmaster demo [-o DIR] [--profile P]
 *
 * The whole job on the embedded demo song: synthesise four stems at
 * unbalanced levels, mix them with mixbus (the demo's channel-strip
 * settings balance them), master the mix with masterchain, then measure
 * stems, mix and master and write a report and a before/after plot. */
#include "tool.h"
#include "demo.h"
#include "measure.h"
#include "mix.h"
#include "report.h"
#include "svgplot.h"

#include <errno.h>
#include <string.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>

/* ------------------------------------------------------------------ */
/* Stems: appsrc rendering on demand ! output */

typedef struct
{
  DemoStem stem;
  guint64 pos;
} Render;

static void
need_data (GstAppSrc * src, guint length, gpointer user_data)
{
  Render *r = user_data;
  const guint64 total = (guint64) DEMO_RATE * DEMO_SECONDS;
  const guint channels = demo_stem_info (r->stem)->channels;
  guint n = (guint) MIN ((guint64) DEMO_RATE / 10, total - r->pos);

  if (n == 0) {
    gst_app_src_end_of_stream (src);
    return;
  }
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      (gsize) n * channels * sizeof (gfloat), NULL);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  demo_render (r->stem, (gfloat *) map.data, r->pos, n);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (r->pos, GST_SECOND, DEMO_RATE);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (r->pos + n, GST_SECOND,
      DEMO_RATE) - GST_BUFFER_PTS (buf);
  r->pos += n;
  gst_app_src_push_buffer (src, buf);
}

static GstElement *
stem_source (Render * r, GError ** err)
{
  GstElement *src = mm_make ("appsrc", NULL, err);
  GstAppSrcCallbacks cb = { need_data, NULL, NULL, {NULL} };
  if (!src)
    return NULL;
  GstCaps *caps = gst_caps_new_simple ("audio/x-raw",
      "format", G_TYPE_STRING, GST_AUDIO_NE (F32),
      "layout", G_TYPE_STRING, "interleaved",
      "rate", G_TYPE_INT, DEMO_RATE,
      "channels", G_TYPE_INT, demo_stem_info (r->stem)->channels, NULL);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  gst_caps_unref (caps);
  gst_app_src_set_callbacks (GST_APP_SRC (src), &cb, r, NULL);
  return src;
}

static gboolean
write_stem (DemoStem stem, const gchar * path, GError ** err)
{
  Render r = { stem, 0 };
  MmOutput *out = mm_output_new (path, 24, err);
  GstElement *src = NULL, *sink = NULL, *pipeline = NULL;
  gboolean ok = FALSE;

  if (out && (src = stem_source (&r, err))
      && (sink = mm_output_bin_new (out, TRUE, err)))
    pipeline = mm_pipeline_chain ("stem", err, src, sink, NULL);
  else
    gst_clear_object (&src);
  if (pipeline) {
    ok = mm_run_pipeline (pipeline, NULL, out, err);
    gst_object_unref (pipeline);
  }
  mm_output_free (out);
  return ok;
}

/* ------------------------------------------------------------------ */
/* The steps */

typedef struct
{
  gchar *dir, *stem_paths[DEMO_N_STEMS], *mix, *master, *report, *plot;
  const gchar *profile;
  gint bits;
  MmMasterResult mastered;
  MmLoudness stems[DEMO_N_STEMS], mix_l, master_l;
} Demo;

static void
step (const gchar * what)
{
  g_print ("== %s\n", what);
}

static gboolean
render_stems (Demo * d, GError ** err)
{
  step ("synthesising the stems (drums, bass, keys, lead)");
  for (guint i = 0; i < DEMO_N_STEMS; i++)
    if (!write_stem (i, d->stem_paths[i], err))
      return FALSE;
  return TRUE;
}

static gboolean
mix_stems (Demo * d, GError ** err)
{
  MmStem stems[DEMO_N_STEMS];
  gboolean ok;

  step ("mixing with mixbus");
  for (guint i = 0; i < DEMO_N_STEMS; i++) {
    stems[i].path = d->stem_paths[i];
    stems[i].settings = g_strsplit (demo_stem_info (i)->mix, ",", -1);
  }
  MmMixSettings s = { stems, DEMO_N_STEMS, (gchar **) demo_bus_settings (),
    DEMO_RATE, NULL
  };
  /* float: the mix keeps its peaks for mastering, whatever they are */
  MmOutput *out = mm_output_new (d->mix, 32, err);
  MmProgress *progress = mm_progress_new ("mixing   ", 1);
  ok = out && mm_mix_files (&s, out, progress, NULL, err);
  mm_progress_free (progress);
  mm_output_free (out);
  for (guint i = 0; i < DEMO_N_STEMS; i++)
    g_strfreev (stems[i].settings);
  return ok;
}

static gboolean
master_mix (Demo * d, GError ** err)
{
  gchar *what = g_strdup_printf ("mastering with masterchain (profile %s)",
      d->profile);
  MmMasterSettings s = { d->profile, "file", NULL, FALSE, 0 };
  MmOutput *out = mm_output_new (d->master, d->bits, err);
  MmProgress *progress = mm_progress_new ("mastering", 1);
  gboolean ok;

  step (what);
  g_free (what);
  ok = out && mm_master_file (d->mix, out, &s, progress, 0, &d->mastered,
      err);
  mm_progress_free (progress);
  mm_output_free (out);
  return ok;
}

static gboolean
measure_all (Demo * d, GError ** err)
{
  step ("measuring stems, mix and master with loudnorm");
  for (guint i = 0; i < DEMO_N_STEMS; i++)
    if (!mm_measure_file (d->stem_paths[i], FALSE, NULL, 0, &d->stems[i],
            err))
      return FALSE;
  return mm_measure_file (d->mix, TRUE, NULL, 0, &d->mix_l, err)
      && mm_measure_file (d->master, TRUE, NULL, 0, &d->master_l, err);
}

static void
loudness_row (GString * s, const gchar * name, const MmLoudness * l)
{
  g_string_append_printf (s, "  %-22s %8s %6.1f %9s %9s\n", name,
      mm_report_db (l->integrated), l->range, mm_report_db (l->true_peak),
      mm_report_db (l->sample_peak));
}

static gchar *
report_text (const Demo * d)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "mixmaster demo: %s\n\n", d->dir);
  g_string_append (s, "Stems as synthesised (unbalanced on purpose) and "
      "the mixbus settings that fix them:\n");
  for (guint i = 0; i < DEMO_N_STEMS; i++) {
    const DemoStemInfo *info = demo_stem_info (i);
    g_string_append_printf (s, "  %-6s %7s LUFS %6s dBTP  %-34s %s\n",
        info->name, mm_report_db (d->stems[i].integrated),
        mm_report_db (d->stems[i].true_peak), info->why, info->mix);
  }
  g_string_append (s, "\nBefore / after mastering:\n");
  g_string_append_printf (s, "  %-22s %8s %6s %9s %9s\n", "", "LUFS", "LRA",
      "dBTP", "dBFS");
  loudness_row (s, "mix.wav", &d->mix_l);
  loudness_row (s, "master.wav", &d->master_l);
  g_string_append_printf (s, "\nmasterchain profile %s: gain %.1f dB, "
      "compressor %.1f dB, limiter %.1f dB most reduction\n", d->profile,
      d->mastered.gain, d->mastered.comp_reduction,
      d->mastered.limiter_reduction);
  return g_string_free (s, FALSE);
}

static gboolean
write_report (Demo * d, GError ** err)
{
  gchar *text = report_text (d);
  GError *e = NULL;
  gboolean ok = g_file_set_contents (d->report, text, -1, &e);
  if (!ok) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot write: %s", d->report, e->message);
    g_error_free (e);
  } else {
    g_print ("\n%s", text);
  }
  g_free (text);
  if (ok) {
    MmPlot plot = { "mixmaster demo: mix (before) and master (after)",
      &d->mix_l, &d->master_l
    };
    ok = mm_plot_write (&plot, d->plot, err);
  }
  return ok;
}

static void
demo_init (Demo * d, const gchar * dir, const gchar * profile, gint bits)
{
  memset (d, 0, sizeof (*d));
  d->dir = g_strdup (dir);
  d->profile = profile;
  d->bits = bits;
  for (guint i = 0; i < DEMO_N_STEMS; i++) {
    gchar *name = g_strconcat (demo_stem_info (i)->name, ".wav", NULL);
    d->stem_paths[i] = g_build_filename (dir, "stems", name, NULL);
    g_free (name);
  }
  d->mix = g_build_filename (dir, "mix.wav", NULL);
  d->master = g_build_filename (dir, "master.wav", NULL);
  d->report = g_build_filename (dir, "report.txt", NULL);
  d->plot = g_build_filename (dir, "plot.svg", NULL);
}

static void
demo_clear (Demo * d)
{
  for (guint i = 0; i < DEMO_N_STEMS; i++) {
    g_free (d->stem_paths[i]);
    mm_loudness_clear (&d->stems[i]);
  }
  mm_loudness_clear (&d->mix_l);
  mm_loudness_clear (&d->master_l);
  g_free (d->dir);
  g_free (d->mix);
  g_free (d->master);
  g_free (d->report);
  g_free (d->plot);
}

static gboolean
make_dirs (const gchar * dir, GError ** err)
{
  gchar *stems = g_build_filename (dir, "stems", NULL);
  gboolean ok = g_mkdir_with_parents (stems, 0777) == 0;
  if (!ok)
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot write: %s", dir, g_strerror (errno));
  g_free (stems);
  return ok;
}

gint
mm_cmd_demo (gint argc, gchar ** argv)
{
  gchar *dir = NULL, *profile = NULL;
  gint bits = 24;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &dir,
        "Folder to write to (default: demo)", "DIR"},
    {"profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
        "Mastering profile (default streaming)", "P"},
    MM_OPTION_BITS (bits),
    {NULL}
  };
  const gchar *need[] = { "loudnorm", "masterchain", "mixbus", "level",
    NULL
  };
  GError *err = NULL;
  Demo d;
  gint status = MM_EXIT_OK;

  if (!mm_tool_parse ("demo", "[-o DIR]",
          "Synthesises a 30 s song as four stems (drums, bass, keys, lead)\n"
          "at unbalanced levels, mixes them with mixbus, masters the mix\n"
          "with masterchain and writes stems/, mix.wav, master.wav,\n"
          "report.txt and plot.svg into DIR.", entries, &argc, &argv))
    return MM_EXIT_USAGE;
  demo_init (&d, dir ? dir : "demo", profile ? profile :
      "streaming", bits);
  if (mm_tool_require (need, &err)
      && mm_master_check_profile (d.profile, &err)
      && make_dirs (d.dir, &err) && render_stems (&d, &err)
      && mix_stems (&d, &err) && master_mix (&d, &err)
      && measure_all (&d, &err) && write_report (&d, &err)) {
    gchar *abs = g_canonicalize_filename (d.dir, NULL);
    g_print ("\nWritten to %s/: stems/, mix.wav, master.wav, report.txt, "
        "plot.svg\n", abs);
    g_free (abs);
  }
  if (err)
    status = mm_tool_fail ("demo", err);
  demo_clear (&d);
  g_free (dir);
  g_free (profile);
  return status;
}
