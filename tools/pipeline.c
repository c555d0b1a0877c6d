/* pipeline: sources, outputs and the run loop shared by the subcommands. */
#include "pipeline.h"
#include "tool.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

/* Data key under which a bin remembers the file it reads or writes, so an
 * error from any element inside names that file. */
#define FILE_KEY "mixmaster-file"

/* ------------------------------------------------------------------ */
/* Temporary files: removed on Ctrl-C too, so an interrupted run leaves
 * nothing behind (a fixed table: the signal handler must not allocate). */

#define TMP_FILES_MAX 256
static gchar *tmp_files[TMP_FILES_MAX];
static GMutex tmp_lock;

static void
on_signal (int sig)
{
  for (guint i = 0; i < TMP_FILES_MAX; i++)
    if (tmp_files[i])
      unlink (tmp_files[i]);
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
tmp_register (gchar * path)
{
  static gsize once = 0;
  if (g_once_init_enter (&once)) {
    signal (SIGINT, on_signal);
    signal (SIGTERM, on_signal);
    signal (SIGHUP, on_signal);
    g_once_init_leave (&once, 1);
  }
  g_mutex_lock (&tmp_lock);
  for (guint i = 0; i < TMP_FILES_MAX; i++)
    if (!tmp_files[i]) {
      tmp_files[i] = path;
      break;
    }
  g_mutex_unlock (&tmp_lock);
}

static void
tmp_unregister (const gchar * path)
{
  g_mutex_lock (&tmp_lock);
  for (guint i = 0; i < TMP_FILES_MAX; i++)
    if (tmp_files[i] == path)
      tmp_files[i] = NULL;
  g_mutex_unlock (&tmp_lock);
}

/* ------------------------------------------------------------------ */
/* Elements */

GstElement *
mm_make (const gchar * factory, const gchar * name, GError ** err)
{
  GstElement *e = gst_element_factory_make (factory, name);
  if (!e)
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_MISSING,
        "the GStreamer element '%s' is missing (install its plugin, or set "
        "GST_PLUGIN_PATH)", factory);
  return e;
}

gboolean
mm_set_property (GObject * obj, const gchar * what, const gchar * name,
    const gchar * value, GError ** err)
{
  GParamSpec *spec = g_object_class_find_property (G_OBJECT_GET_CLASS (obj),
      name);
  GValue v = G_VALUE_INIT;

  if (!spec || !(spec->flags & G_PARAM_WRITABLE)) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "%s: unknown setting '%s'", what, name);
    return FALSE;
  }
  g_value_init (&v, spec->value_type);
  /* gst_value_deserialize knows enums by nick, booleans, numbers */
  if (!gst_value_deserialize (&v, value) || g_param_value_validate (spec, &v)) {
    g_value_unset (&v);
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "%s: bad value '%s' for %s", what, value, name);
    return FALSE;
  }
  g_object_set_property (obj, name, &v);
  g_value_unset (&v);
  return TRUE;
}

GstElement *
mm_pipeline_chain (const gchar * name, GError ** err, GstElement * first, ...)
{
  GstElement *pipeline = gst_pipeline_new (name), *prev = NULL, *e;
  gboolean ok = TRUE;
  va_list args;

  va_start (args, first);
  for (e = first; e; e = va_arg (args, GstElement *)) {
    gst_bin_add (GST_BIN (pipeline), e);
    if (prev && ok && !gst_element_link (prev, e)) {
      g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
          "cannot link %s to %s", GST_ELEMENT_NAME (prev),
          GST_ELEMENT_NAME (e));
      ok = FALSE;
    }
    prev = e;
  }
  va_end (args);
  if (!ok)
    gst_clear_object (&pipeline);
  return pipeline;
}

/* ------------------------------------------------------------------ */
/* Sources */

gboolean
mm_input_check (const gchar * path, GError ** err)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: no such file", path);
    return FALSE;
  }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: not a regular file", path);
    return FALSE;
  }
  if (g_access (path, R_OK) != 0) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot read: %s", path, g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

/* Links decodebin's first audio pad; other streams (cover art, video)
 * are left unlinked and so ignored. */
static void
on_pad_added (GstElement * dec, GstPad * pad, gpointer user_data)
{
  GstElement *conv = user_data;
  GstPad *sink = gst_element_get_static_pad (conv, "sink");
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  const gchar *media = gst_structure_get_name (gst_caps_get_structure (caps,
          0));

  if (g_str_has_prefix (media, "audio/") && !gst_pad_is_linked (sink))
    gst_pad_link (pad, sink);
  gst_caps_unref (caps);
  gst_object_unref (sink);
}

/* A file with no audio stream would otherwise stall: say so. */
static void
on_no_more_pads (GstElement * dec, gpointer user_data)
{
  GstElement *conv = user_data;
  GstPad *sink = gst_element_get_static_pad (conv, "sink");
  if (!gst_pad_is_linked (sink))
    GST_ELEMENT_ERROR (dec, STREAM, WRONG_TYPE, ("no audio stream"), (NULL));
  gst_object_unref (sink);
}

GstElement *
mm_source_new (const gchar * path, gboolean resample, GError ** err)
{
  GstElement *src = mm_make ("filesrc", NULL, err);
  GstElement *dec = src ? mm_make ("decodebin", NULL, err) : NULL;
  GstElement *conv = dec ? mm_make ("audioconvert", NULL, err) : NULL;
  GstElement *res = conv && resample ? mm_make ("audioresample", NULL, err)
      : NULL;

  if (!conv || (resample && !res)) {
    gst_clear_object (&src);
    gst_clear_object (&dec);
    gst_clear_object (&conv);
    return NULL;
  }
  GstElement *bin = gst_bin_new (NULL);
  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (bin), src, dec, conv, NULL);
  gst_element_link (src, dec);
  if (res) {
    gst_bin_add (GST_BIN (bin), res);
    gst_element_link (conv, res);
  }
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), conv);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), conv);

  GstPad *target = gst_element_get_static_pad (res ? res : conv, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", target));
  gst_object_unref (target);
  g_object_set_data_full (G_OBJECT (bin), FILE_KEY, g_strdup (path), g_free);
  return bin;
}

/* ------------------------------------------------------------------ */
/* Outputs */

gboolean
mm_format_from_name (const gchar * path, MmFormat * format)
{
  gchar *lower = g_ascii_strdown (path, -1);
  gboolean ok = TRUE;
  if (g_str_has_suffix (lower, ".wav"))
    *format = MM_FORMAT_WAV;
  else if (g_str_has_suffix (lower, ".flac"))
    *format = MM_FORMAT_FLAC;
  else
    ok = FALSE;
  g_free (lower);
  return ok;
}

/* umask () both reads and sets: read it once, before threads write. */
static mode_t
process_umask (void)
{
  static gsize once;
  static mode_t mask;
  if (g_once_init_enter (&once)) {
    mask = umask (0);
    umask (mask);
    g_once_init_leave (&once, 1);
  }
  return mask;
}

MmOutput *
mm_output_new (const gchar * path, gint bits, GError ** err)
{
  MmFormat format;

  if (!mm_format_from_name (path, &format)) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "%s: unknown output format (use a .wav or .flac name)", path);
    return NULL;
  }
  if (bits != 16 && bits != 24 && bits != 32) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "%s: bit depth %d not supported (16, 24 or 32)", path, bits);
    return NULL;
  }
  if (format == MM_FORMAT_FLAC && bits == 32) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "%s: FLAC stores at most 24 bits (32 is float, WAV only)", path);
    return NULL;
  }
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot write: is a folder", path);
    return NULL;
  }

  /* Beside the final name (same file system: the rename is atomic),
   * hidden, unique. */
  gchar *dir = g_path_get_dirname (path), *base = g_path_get_basename (path);
  gchar *tmpl = g_strdup_printf (".%s-XXXXXX", base);
  gchar *tmp = g_build_filename (dir, tmpl, NULL);
  g_free (dir);
  g_free (base);
  g_free (tmpl);
  gint fd = g_mkstemp (tmp);
  if (fd < 0) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot write: %s", path, g_strerror (errno));
    g_free (tmp);
    return NULL;
  }
  /* mkstemp makes it private (0600); the file should end up as any new
   * file would */
  fchmod (fd, 0666 & ~process_umask ());
  close (fd);

  MmOutput *o = g_new0 (MmOutput, 1);
  o->path = g_strdup (path);
  o->tmp = tmp;
  o->format = format;
  o->bits = bits;
  tmp_register (o->tmp);
  return o;
}

static const gchar *
output_sample_format (const MmOutput * o)
{
  switch (o->bits) {
    case 16:
      return "S16LE";
    case 24:
      return "S24LE";
    default:
      return "F32LE";
  }
}

GstElement *
mm_output_bin_new (MmOutput * o, gboolean dither, GError ** err)
{
  const gchar *enc_name = o->format == MM_FORMAT_FLAC ? "flacenc" : "wavenc";
  GstElement *conv = mm_make ("audioconvert", NULL, err);
  GstElement *filter = conv ? mm_make ("capsfilter", NULL, err) : NULL;
  GstElement *enc = filter ? mm_make (enc_name, NULL, err) : NULL;
  GstElement *sink = enc ? mm_make ("filesink", NULL, err) : NULL;

  if (!sink) {
    gst_clear_object (&conv);
    gst_clear_object (&filter);
    gst_clear_object (&enc);
    return NULL;
  }
  /* audioconvert dithers only at or below its threshold (default 20 bits):
   * raise it so 24-bit output is dithered too. */
  g_object_set (conv, "dithering", dither ? 2 /* tpdf */ : 0,
      "dithering-threshold", 24, NULL);
  GstCaps *caps = gst_caps_new_simple ("audio/x-raw",
      "format", G_TYPE_STRING, output_sample_format (o), NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (sink, "location", o->tmp, "sync", FALSE, NULL);

  GstElement *bin = gst_bin_new (NULL);
  gst_bin_add_many (GST_BIN (bin), conv, filter, enc, sink, NULL);
  gst_element_link_many (conv, filter, enc, sink, NULL);
  GstPad *target = gst_element_get_static_pad (conv, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", target));
  gst_object_unref (target);
  g_object_set_data_full (G_OBJECT (bin), FILE_KEY, g_strdup (o->path),
      g_free);
  return bin;
}

gboolean
mm_output_commit (MmOutput * o, GError ** err)
{
  if (g_rename (o->tmp, o->path) != 0) {
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
        "%s: cannot write: %s", o->path, g_strerror (errno));
    return FALSE;
  }
  o->committed = TRUE;
  return TRUE;
}

void
mm_output_free (MmOutput * o)
{
  if (!o)
    return;
  tmp_unregister (o->tmp);
  if (!o->committed)
    g_unlink (o->tmp);
  g_free (o->path);
  g_free (o->tmp);
  g_free (o);
}

/* ------------------------------------------------------------------ */
/* Running */

typedef struct
{
  const MmRunOptions *opts;
  GstPad *in_pad, *out_pad;
  GMutex lock;                  /* the positions, written by streaming threads */
  GstClockTime in_pos, out_pos;
} Run;

static GstPadProbeReturn
position_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Run *run = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime end = GST_BUFFER_PTS (buf);

  if (GST_CLOCK_TIME_IS_VALID (end) && GST_BUFFER_DURATION_IS_VALID (buf))
    end += GST_BUFFER_DURATION (buf);
  if (GST_CLOCK_TIME_IS_VALID (end)) {
    g_mutex_lock (&run->lock);
    if (pad == run->in_pad)
      run->in_pos = end;
    else
      run->out_pos = end;
    g_mutex_unlock (&run->lock);
  }
  return GST_PAD_PROBE_OK;
}

static GstPad *
watch_pad (Run * run, GstElement * e, const gchar * name)
{
  GstPad *pad = e ? gst_element_get_static_pad (e, name) : NULL;
  if (pad)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, position_probe, run,
        NULL);
  return pad;
}

/* Half input, half output: elements that hold the whole stream (file
 * mode) output nothing until their input ends, and the bar should not sit
 * at 100 % while they work. */
static void
report_progress (Run * run)
{
  gint64 total = 0;
  if (!run->opts->progress || !run->in_pad)
    return;
  gst_pad_query_duration (run->in_pad, GST_FORMAT_TIME, &total);
  g_mutex_lock (&run->lock);
  GstClockTime in = run->in_pos, out = run->out_pad ? run->out_pos : in;
  g_mutex_unlock (&run->lock);
  mm_progress_update (run->opts->progress, run->opts->job,
      (in + out) / 2.0 / GST_SECOND, total > 0 ? total / (gdouble) GST_SECOND
      : 0);
}

/* The file an element works on: the nearest enclosing bin that names one. */
static const gchar *
file_of (GstObject * obj)
{
  for (; obj; obj = GST_OBJECT_PARENT (obj)) {
    const gchar *f = g_object_get_data (G_OBJECT (obj), FILE_KEY);
    if (f)
      return f;
  }
  return NULL;
}

/* One line: "FILE: cannot decode: REASON" and the like.  The GStreamer
 * message is terse; the debug string holds the system's reason. */
void
mm_error_from_message (GstMessage * msg, GError ** err)
{
  GError *e = NULL;
  gchar *debug = NULL;
  const gchar *file = file_of (GST_MESSAGE_SRC (msg));
  const gchar *what = "";

  gst_message_parse_error (msg, &e, &debug);
  if (e->domain == GST_STREAM_ERROR)
    what = "cannot decode: ";
  else if (e->domain == GST_RESOURCE_ERROR
      && (e->code == GST_RESOURCE_ERROR_OPEN_WRITE
          || e->code == GST_RESOURCE_ERROR_WRITE
          || e->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT))
    what = "cannot write: ";
  else if (e->domain == GST_RESOURCE_ERROR)
    what = "cannot read: ";
  gchar *text = g_strstrip (g_strdup (e->message));
  for (gchar * c = text; *c; c++)
    if (*c == '\n')
      *c = ' ';
  if (file)
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED, "%s: %s%s", file,
        what, text);
  else
    g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED, "%s: %s%s",
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), what, text);
  g_free (text);
  g_free (debug);
  g_error_free (e);
}

/* The bus until EOS or the first error; element messages to the hook. */
static gboolean
play (GstElement * pipeline, Run * run, GError ** err)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean ok = FALSE, done = FALSE;

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg) {
      mm_error_from_message (msg, err);
      gst_message_unref (msg);
    } else {
      g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
          "the pipeline does not start");
    }
    done = TRUE;
  }
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    if (!msg) {
      report_progress (run);
      continue;
    }
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:
        mm_error_from_message (msg, err);
        done = TRUE;
        break;
      case GST_MESSAGE_EOS:
        ok = done = TRUE;
        break;
      default:
        if (run->opts->on_message)
          run->opts->on_message (gst_message_get_structure (msg),
              GST_MESSAGE_SRC (msg), run->opts->user_data);
        break;
    }
    gst_message_unref (msg);
  }
  report_progress (run);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return ok;
}

gboolean
mm_run_pipeline (GstElement * pipeline, const MmRunOptions * opts,
    MmOutput * out, GError ** err)
{
  static const MmRunOptions none = { 0 };
  Run run = { opts ? opts : &none, NULL, NULL, {0}, 0, 0 };
  gboolean ok;

  g_mutex_init (&run.lock);
  run.in_pad = watch_pad (&run, run.opts->input, "src");
  run.out_pad = watch_pad (&run, run.opts->output, "sink");
  ok = play (pipeline, &run, err) && (!out || mm_output_commit (out, err));
  gst_clear_object (&run.in_pad);
  gst_clear_object (&run.out_pad);
  g_mutex_clear (&run.lock);
  return ok;
}
