/* elements-faults: what the elements do when the system lets them down.
 *
 *   - file mode with a temporary folder that cannot be used (missing, or
 *     a plain file where a folder should be): an ERROR naming the
 *     temporary file, and the pipeline stops cleanly (to NULL, no hang);
 *   - a WAV file cut off in the middle of its data (and mid-frame):
 *     filesrc ! wavparse ! <element> ! fakesink reaches EOS with no
 *     ERROR, and the lookahead elements hand out every frame that came
 *     in (total out == total in), for every mode and for mixbus.
 *
 * Whole pipelines with the system's wavparse/wavenc/audiotestsrc. */
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

typedef struct
{
  guint64 frames;
  gsize bpf;
} Counter;

static GstPadProbeReturn
count_frames (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Counter *c = data;
  c->frames += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) / c->bpf;
  return GST_PAD_PROBE_OK;
}

/* Runs desc to EOS or ERROR; returns the ERROR text (NULL on EOS) and
 * the frames the sink named "sink" received (F32 stereo). */
static gchar *
run_pipeline (const gchar * desc, guint64 * frames)
{
  GstElement *p = gst_parse_launch (desc, NULL);
  GstElement *sink;
  GstPad *pad;
  GstBus *bus;
  GstMessage *m;
  Counter c = { 0, 8 };
  gchar *error = NULL;

  fail_unless (p != NULL, "cannot build %s", desc);
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frames, &c, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  bus = gst_element_get_bus (p);
  gst_element_set_state (p, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (m != NULL, "%s: neither EOS nor ERROR in 60 s", desc);
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (m, &err, NULL);
    error = g_strdup (err->message);
    g_error_free (err);
  }
  gst_message_unref (m);
  /* stops cleanly: NULL is reached synchronously, no hang */
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (p);
  if (frames)
    *frames = c.frames;
  return error;
}

static void
check_tmpdir_error (const gchar * element, const gchar * tmpdir)
{
  gchar *desc = g_strdup_printf ("audiotestsrc num-buffers=20 ! "
      "audio/x-raw,format=F32LE,rate=48000,channels=2 ! %s ! "
      "fakesink name=sink sync=false", element);
  gchar *error;

  /* GLib caches the temporary folder at its first use: each test runs in
   * a fork of its own and sets it first */
  g_setenv ("TMPDIR", tmpdir, TRUE);
  fail_unless_equals_string (g_get_tmp_dir (), tmpdir);
  error = run_pipeline (desc, NULL);
  g_print ("%s, TMPDIR=%s: ERROR \"%s\"\n", element, tmpdir, error);
  fail_unless (error != NULL, "%s: no ERROR with TMPDIR %s", element, tmpdir);
  fail_unless (strstr (error, "temporary") != NULL, "unclear error: %s",
      error);
  g_free (error);
  g_free (desc);
}

GST_START_TEST (test_masterchain_file_missing_tmpdir_errors_and_stops)
{
  check_tmpdir_error ("masterchain mode=file", "/nonexistent-mixmaster/sub");
}

GST_END_TEST;

GST_START_TEST (test_loudnorm_file_missing_tmpdir_errors_and_stops)
{
  check_tmpdir_error ("loudnorm mode=file", "/nonexistent-mixmaster/sub");
}

GST_END_TEST;

/* root may write anywhere, so a plain file where the folder should be is
 * the unwritable folder that works for every user */
GST_START_TEST (test_file_mode_tmpdir_is_a_file_errors_and_stops)
{
  gchar *path = g_strdup ("/tmp/mixmaster-not-a-dir-XXXXXX");
  gint fd = g_mkstemp (path);

  fail_unless (fd >= 0);
  close (fd);
  check_tmpdir_error ("loudnorm mode=file", path);
  /* the same fork has the folder cached: masterchain sees it too */
  check_tmpdir_error ("masterchain mode=file", path);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* A 2 s F32 stereo WAV cut `cut` bytes before its end (mid-frame when cut
 * is not a multiple of 8); returns its path and the whole frames left. */
static gchar *
make_truncated_wav (gsize cut, guint64 * frames)
{
  gchar *path = g_build_filename (g_get_tmp_dir (),
      "mixmaster-truncated-XXXXXX.wav", NULL);
  gint fd = g_mkstemp (path);
  gchar *desc, *error, *data;
  gsize len;

  *frames = G_MAXUINT64;
  fail_unless (fd >= 0);
  close (fd);
  desc = g_strdup_printf ("audiotestsrc num-buffers=20 samplesperbuffer=4800 "
      "wave=pink-noise ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! "
      "wavenc ! filesink name=sink location=%s", path);
  error = run_pipeline (desc, NULL);
  fail_unless (error == NULL, "wavenc: %s", error);
  g_free (desc);
  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  fail_unless (len > cut + 4096);
  fail_unless (g_file_set_contents (path, data, len - cut, NULL));
  /* what wavparse will find: from the data chunk to the cut (whatever
   * wavenc wrote after the samples is gone too), in whole frames */
  for (gsize i = 12; i + 8 <= len; i++)
    if (!memcmp (data + i, "data", 4)) {
      *frames = MIN (GST_READ_UINT32_LE (data + i + 4), len - cut - i - 8)
          / 8;
      break;
    }
  g_free (data);
  return path;
}

static const gchar *truncated_elements[] = {
  "loudnorm mode=live lookahead=500", "loudnorm mode=file",
  "loudnorm mode=measure", "loudnorm mode=linear measured-loudness=-20",
  "masterchain mode=live lookahead=300", "masterchain mode=file",
};

GST_START_TEST (test_truncated_wav_clean_eos_every_element)
{
  static const gsize cuts[] = { 48000, 12347 };  /* whole frames; mid-frame */

  for (guint c = 0; c < G_N_ELEMENTS (cuts); c++) {
    guint64 expect, got;
    gchar *path = make_truncated_wav (cuts[c], &expect);

    for (guint e = 0; e < G_N_ELEMENTS (truncated_elements); e++) {
      gchar *desc = g_strdup_printf ("filesrc location=%s ! wavparse ! "
          "%s ! fakesink name=sink sync=false", path, truncated_elements[e]);
      gchar *error = run_pipeline (desc, &got);
      g_print ("cut %5" G_GSIZE_FORMAT " bytes, %-40s: %s, %" G_GUINT64_FORMAT
          " frames out (%" G_GUINT64_FORMAT " whole frames in the file)\n",
          cuts[c], truncated_elements[e], error ? error : "EOS", got, expect);
      fail_unless (error == NULL, "%s: ERROR %s", truncated_elements[e],
          error);
      fail_unless_equals_uint64 (got, expect);
      g_free (desc);
    }
    g_unlink (path);
    g_free (path);
  }
}

GST_END_TEST;

GST_START_TEST (test_truncated_wav_clean_eos_mixbus)
{
  GstElementFactory *f = gst_element_factory_find ("mixbus");
  guint64 expect, got;
  gchar *path, *desc, *error;

  if (!f) {
    g_print ("SKIP: no mixbus in this build\n");
    return;
  }
  gst_object_unref (f);
  path = make_truncated_wav (12347, &expect);
  desc = g_strdup_printf ("filesrc location=%s ! wavparse ! mixbus name=m "
      "post-messages=false ! audio/x-raw,format=F32LE,channels=2 ! "
      "fakesink name=sink sync=false", path);
  error = run_pipeline (desc, &got);
  g_print ("mixbus, truncated WAV: %s, %" G_GUINT64_FORMAT " frames out "
      "(%" G_GUINT64_FORMAT " in)\n", error ? error : "EOS", got, expect);
  fail_unless (error == NULL, "mixbus: ERROR %s", error);
  /* the aggregator rounds its last buffer to its output duration */
  fail_unless (got >= expect && got < expect + 48000, "%" G_GUINT64_FORMAT
      " frames out for %" G_GUINT64_FORMAT, got, expect);
  g_unlink (path);
  g_free (path);
  g_free (desc);
}

GST_END_TEST;

static Suite *
faults_suite (void)
{
  Suite *s = suite_create ("elements-faults");
  TCase *tc = tcase_create ("faults");

  /* the suite needs the system plugins: keep the whitelist out */
  g_unsetenv ("GST_PLUGIN_LOADING_WHITELIST");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_masterchain_file_missing_tmpdir_errors_and_stops);
  tcase_add_test (tc, test_loudnorm_file_missing_tmpdir_errors_and_stops);
  tcase_add_test (tc, test_file_mode_tmpdir_is_a_file_errors_and_stops);
  tcase_add_test (tc, test_truncated_wav_clean_eos_every_element);
  tcase_add_test (tc, test_truncated_wav_clean_eos_mixbus);
  return s;
}

GST_CHECK_MAIN (faults);
