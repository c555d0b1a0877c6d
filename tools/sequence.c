/* sequence: N x (source ! F32 ! appsink) read in turn, gaps and
 * crossfades applied, into appsrc ! output.
 *
 * Without a crossfade the samples are copied: tracks already at the output
 * word length come out bit for bit (no second dither).  A crossfade is
 * linear (the two gains sum to one), so no sample of the overlap is larger
 * than the larger of the two it is made of: the tracks' ceiling holds. */
#include "sequence.h"
#include "tool.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Reading */

typedef struct
{
  GstElement *pipeline;
  GstAppSink *sink;
} Reader;

static GstElement *
f32_filter (gint rate, gint channels)
{
  GstElement *f = gst_element_factory_make ("capsfilter", NULL);
  GstCaps *caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
      GST_AUDIO_NE (F32), "layout", G_TYPE_STRING, "interleaved", NULL);
  if (rate > 0)
    gst_caps_set_simple (caps, "rate", G_TYPE_INT, rate,
        "channels", G_TYPE_INT, channels, NULL);
  g_object_set (f, "caps", caps, NULL);
  gst_caps_unref (caps);
  return f;
}

/* rate 0: the file's own rate and channels. */
static gboolean
reader_open (Reader * r, const gchar * file, gint rate, gint channels,
    GError ** err)
{
  GstElement *src, *sink;
  memset (r, 0, sizeof (*r));
  if (!mm_input_check (file, err) || !(src = mm_source_new (file, TRUE, err)))
    return FALSE;
  if (!(sink = mm_make ("appsink", NULL, err))) {
    gst_object_unref (src);
    return FALSE;
  }
  /* a few buffers ahead is enough; the whole track would not fit */
  g_object_set (sink, "sync", FALSE, "max-buffers", 8, NULL);
  r->pipeline = mm_pipeline_chain ("read", err, src, f32_filter (rate,
          channels), sink, NULL);
  if (!r->pipeline)
    return FALSE;
  r->sink = GST_APP_SINK (sink);
  gst_element_set_state (r->pipeline, GST_STATE_PLAYING);
  return TRUE;
}

/* After the last sample: FALSE with the pipeline's error, if any. */
static gboolean
reader_close (Reader * r, GError ** err)
{
  gboolean ok = TRUE;
  if (!r->pipeline)
    return TRUE;
  GstBus *bus = gst_element_get_bus (r->pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    mm_error_from_message (msg, err);
    gst_message_unref (msg);
    ok = FALSE;
  }
  gst_object_unref (bus);
  gst_element_set_state (r->pipeline, GST_STATE_NULL);
  gst_clear_object (&r->pipeline);
  return ok;
}

/* ------------------------------------------------------------------ */
/* Writing */

typedef struct
{
  GstElement *pipeline;
  GstAppSrc *src;
  GThread *thread;
  gboolean ok;
  GError *error;

  gint rate, channels;
  guint64 xfade;                /* frames held back for the next crossfade */
  GArray *pending;              /* gfloat, frames not pushed yet */
  guint64 written;              /* frames pushed */
  guint64 mix_pos;              /* pending frame the next input frame meets */
  guint64 fade_len, fade_done;  /* the crossfade in progress */
  gboolean flowing;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  w->ok = mm_run_pipeline (w->pipeline, NULL, NULL, &w->error);
  return NULL;
}

static gboolean
writer_start (Writer * w, MmOutput * out, gboolean dither, GError ** err)
{
  GstElement *src = mm_make ("appsrc", NULL, err), *sink = NULL;
  if (!src || !(sink = mm_output_bin_new (out, dither, err))) {
    gst_clear_object (&src);
    return FALSE;
  }
  GstCaps *caps = gst_caps_new_simple ("audio/x-raw", "format",
      G_TYPE_STRING, GST_AUDIO_NE (F32), "layout", G_TYPE_STRING,
      "interleaved", "rate", G_TYPE_INT, w->rate, "channels", G_TYPE_INT,
      w->channels, NULL);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, "block", TRUE,
      "max-bytes", (guint64) 1 << 20, NULL);
  gst_caps_unref (caps);
  w->pipeline = mm_pipeline_chain ("sequence", err, src, sink, NULL);
  if (!w->pipeline)
    return FALSE;
  w->src = GST_APP_SRC (src);
  w->pending = g_array_new (FALSE, FALSE, sizeof (gfloat));
  w->flowing = TRUE;
  /* appsrc accepts buffers from PAUSED on; the run takes it to PLAYING */
  gst_element_set_state (w->pipeline, GST_STATE_PAUSED);
  w->thread = g_thread_new ("mixmaster-sequence", writer_thread, w);
  return TRUE;
}

static guint64
pending_frames (const Writer * w)
{
  return w->pending->len / w->channels;
}

/* Pushes the first `frames` pending frames. */
static void
push (Writer * w, guint64 frames)
{
  if (frames == 0 || !w->flowing)
    return;
  gsize bytes = frames * w->channels * sizeof (gfloat);
  GstBuffer *buf = gst_buffer_new_memdup (w->pending->data, bytes);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (w->written, GST_SECOND,
      w->rate);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (w->written + frames,
      GST_SECOND, w->rate) - GST_BUFFER_PTS (buf);
  /* FLUSHING: the writer failed; its error is collected at the end */
  w->flowing = gst_app_src_push_buffer (w->src, buf) == GST_FLOW_OK;
  g_array_remove_range (w->pending, 0, frames * w->channels);
  w->written += frames;
  w->mix_pos -= frames;
}

/* Frames before the mixing point and outside the held-back tail. */
static void
push_ready (Writer * w)
{
  guint64 have = pending_frames (w);
  if (have > w->xfade)
    push (w, MIN (have - w->xfade, w->mix_pos));
}

static void
add_frames (Writer * w, const gfloat * in, guint64 frames)
{
  for (guint64 k = 0; k < frames; k++, in += w->channels) {
    if (w->mix_pos < pending_frames (w)) {
      gfloat *p = &g_array_index (w->pending, gfloat,
          w->mix_pos * w->channels);
      gdouble g = (w->fade_done + 0.5) / w->fade_len;
      for (gint c = 0; c < w->channels; c++)
        p[c] = (gfloat) (p[c] * (1.0 - g) + in[c] * g);
      w->fade_done++;
    } else {
      g_array_append_vals (w->pending, in, w->channels);
    }
    w->mix_pos++;
  }
  push_ready (w);
}

/* A track begins: silence first, or the overlap with the held tail. */
static void
begin_track (Writer * w, guint n, const MmSequenceSettings * s,
    MmTrackMark * mark)
{
  guint64 have = pending_frames (w);
  mark->pregap = w->written + have;
  if (n > 0 && w->xfade > 0) {
    w->fade_len = MIN (w->xfade, have);
    w->fade_done = 0;
    w->mix_pos = have - w->fade_len;
  } else if (n > 0 && s->gap > 0) {
    guint64 gap = (guint64) (s->gap * w->rate + 0.5);
    g_array_set_size (w->pending, (have + gap) * w->channels);
    memset (&g_array_index (w->pending, gfloat, have * w->channels), 0,
        gap * w->channels * sizeof (gfloat));
    w->mix_pos = have + gap;
  } else {
    w->mix_pos = have;
  }
  mark->start = w->written + w->mix_pos;
  if (n == 0 || w->xfade > 0)
    mark->pregap = mark->start;
}

static gboolean
writer_finish (Writer * w, gboolean ok, MmOutput * out, GError ** err)
{
  if (w->pending) {
    w->mix_pos = pending_frames (w);
    push (w, pending_frames (w));
    g_array_unref (w->pending);
  }
  if (!w->thread)
    return FALSE;
  /* on failure too: the writer ends, and the output is not committed */
  gst_app_src_end_of_stream (w->src);
  g_thread_join (w->thread);
  gst_object_unref (w->pipeline);
  if (ok && !w->ok) {
    g_propagate_error (err, w->error);
    w->error = NULL;
    ok = FALSE;
  }
  g_clear_error (&w->error);
  return ok && mm_output_commit (out, err);
}

/* ------------------------------------------------------------------ */

/* Copies one track into the writer; FALSE on a read error. */
static gboolean
copy_track (Reader * r, Writer * w, GError ** err)
{
  GstSample *sample;
  while (w->flowing && (sample = gst_app_sink_pull_sample (r->sink))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    GstMapInfo map;
    if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
      add_frames (w, (const gfloat *) map.data,
          map.size / (w->channels * sizeof (gfloat)));
      gst_buffer_unmap (buf, &map);
    }
    gst_sample_unref (sample);
  }
  return reader_close (r, err);
}

/* The sequence takes the first track's rate and channel count. */
static gboolean
first_format (Reader * r, gint * rate, gint * channels, GError ** err)
{
  GstSample *sample = gst_app_sink_pull_preroll (r->sink);
  GstAudioInfo info;
  gboolean ok = sample && gst_audio_info_from_caps (&info,
      gst_sample_get_caps (sample));
  if (sample)
    gst_sample_unref (sample);
  if (!ok) {
    GError *e = NULL;
    if (reader_close (r, &e))
      g_set_error (err, MM_TOOL_ERROR, MM_TOOL_ERROR_FAILED,
          "cannot decode: no audio");
    else
      g_propagate_error (err, e);
    return FALSE;
  }
  *rate = GST_AUDIO_INFO_RATE (&info);
  *channels = GST_AUDIO_INFO_CHANNELS (&info);
  return TRUE;
}

gboolean
mm_sequence_files (gchar ** files, guint n, const MmSequenceSettings * s,
    MmOutput * out, MmTrackMark * marks, gint * rate, GError ** err)
{
  Writer w = { 0 };
  Reader r;
  gboolean ok = n > 0 && reader_open (&r, files[0], 0, 0, err)
      && first_format (&r, &w.rate, &w.channels, err);

  if (ok) {
    w.xfade = (guint64) (s->crossfade * w.rate + 0.5);
    ok = writer_start (&w, out, w.xfade > 0, err);
  }
  for (guint i = 0; ok && i < n; i++) {
    if (i > 0)
      ok = reader_open (&r, files[i], w.rate, w.channels, err);
    if (ok) {
      begin_track (&w, i, s, &marks[i]);
      ok = copy_track (&r, &w, err);
    }
  }
  if (!ok && r.pipeline)
    reader_close (&r, NULL);
  *rate = w.rate;
  return writer_finish (&w, ok, out, err);
}

static void
cue_time (GString * s, guint64 frames, gint rate)
{
  guint64 cd = frames * 75 / rate;      /* CD frames, 1/75 s */
  g_string_append_printf (s, "%02u:%02u:%02u", (guint) (cd / 4500),
      (guint) (cd / 75 % 60), (guint) (cd % 75));
}

gchar *
mm_cue_sheet (const gchar * audio_name, gchar ** titles, guint n,
    const MmTrackMark * marks, gint rate, const gchar * comment)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "REM COMMENT \"%s\"\n", comment);
  g_string_append_printf (s, "FILE \"%s\" WAVE\n", audio_name);
  for (guint i = 0; i < n; i++) {
    g_string_append_printf (s, "  TRACK %02u AUDIO\n    TITLE \"%s\"\n",
        i + 1, titles[i]);
    if (marks[i].pregap < marks[i].start) {
      g_string_append (s, "    INDEX 00 ");
      cue_time (s, marks[i].pregap, rate);
      g_string_append_c (s, '\n');
    }
    g_string_append (s, "    INDEX 01 ");
    cue_time (s, marks[i].start, rate);
    g_string_append_c (s, '\n');
  }
  return g_string_free (s, FALSE);
}
