/* mm-cli-reference FILE...: the values `mixmaster measure` must agree
 * with, from meters that are not the loudnorm element.
 *
 * Each file is decoded by GStreamer (decodebin ! audioconvert ! F64 !
 * appsink: no mixmaster element involved) and fed to
 *   - libebur128 (the independent meter): integrated, LRA, true peak,
 *     sample peak, and the album value (ebur128_loudness_global_multiple);
 *   - the DSP core's meter directly: integrated, LRA and the album values
 *     of mm_loudness_integrated_multiple / mm_loudness_range_multiple,
 *     which the CLI's album loudness must equal.
 * Prints one JSON object (numbers with 4 decimals, null for -inf). */
#include <ebur128.h>
#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>

#include "loudness.h"

typedef struct
{
  ebur128_state *ebu;
  mm_loudness *mm;
} Meters;

static void
number (const char *key, double v, const char *sep)
{
  if (isfinite (v))
    printf ("\"%s\": %.4f%s", key, v, sep);
  else
    printf ("\"%s\": null%s", key, sep);
}

/* Decodes `file` into both meters (made at the file's rate and channels). */
static gboolean
decode (const char *file, Meters * m)
{
  gchar *desc = g_strdup_printf ("filesrc name=src ! decodebin ! "
      "audioconvert ! audio/x-raw,format=F64LE,layout=interleaved ! "
      "appsink name=sink sync=false");
  GstElement *p = gst_parse_launch (desc, NULL);
  g_free (desc);
  if (!p)
    return FALSE;
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  g_object_set (src, "location", file, NULL);
  gst_element_set_state (p, GST_STATE_PLAYING);

  GstSample *s;
  while ((s = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstAudioInfo info;
    GstMapInfo map;
    gst_audio_info_from_caps (&info, gst_sample_get_caps (s));
    guint ch = GST_AUDIO_INFO_CHANNELS (&info);
    if (!m->ebu) {
      m->ebu = ebur128_init (ch, GST_AUDIO_INFO_RATE (&info),
          EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK |
          EBUR128_MODE_SAMPLE_PEAK);
      m->mm = mm_loudness_new (GST_AUDIO_INFO_RATE (&info), ch,
          MM_LOUDNESS_TRUE_PEAK);
    }
    gst_buffer_map (gst_sample_get_buffer (s), &map, GST_MAP_READ);
    size_t frames = map.size / (ch * sizeof (double));
    ebur128_add_frames_double (m->ebu, (const double *) map.data, frames);
    mm_loudness_add_frames_f64 (m->mm, (const double *) map.data, frames);
    gst_buffer_unmap (gst_sample_get_buffer (s), &map);
    gst_sample_unref (s);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (p);
  return m->ebu && m->mm;
}

static double
max_over_channels (ebur128_state * st,
    int (*fn) (ebur128_state *, unsigned int, double *))
{
  double max = 0, v;
  for (unsigned c = 0; c < st->channels; c++)
    if (fn (st, c, &v) == EBUR128_SUCCESS && v > max)
      max = v;
  return max > 0 ? 20 * log10 (max) : -INFINITY;
}

static void
print_file (const char *file, Meters * m, const char *sep)
{
  double i, lra, mi, mlra;
  ebur128_loudness_global (m->ebu, &i);
  ebur128_loudness_range (m->ebu, &lra);
  mm_loudness_integrated (m->mm, &mi);
  mm_loudness_range (m->mm, &mlra);
  printf ("{\"file\": \"%s\", ", file);
  number ("ebur128_integrated", i, ", ");
  number ("ebur128_range", lra, ", ");
  number ("ebur128_true_peak", max_over_channels (m->ebu,
          ebur128_true_peak), ", ");
  number ("ebur128_sample_peak", max_over_channels (m->ebu,
          ebur128_sample_peak), ", ");
  number ("mm_integrated", mi, ", ");
  number ("mm_range", mlra, "}");
  printf ("%s", sep);
}

int
main (int argc, char **argv)
{
  int n = argc - 1;
  Meters *m = g_new0 (Meters, MAX (n, 1));
  ebur128_state **ebu = g_new0 (ebur128_state *, MAX (n, 1));
  const mm_loudness **mm = g_new0 (const mm_loudness *, MAX (n, 1));
  double album_ebu, album_mm, album_mm_range;

  gst_init (&argc, &argv);
  if (n < 1) {
    fprintf (stderr, "usage: %s FILE...\n", argv[0]);
    return 2;
  }
  printf ("{\"files\": [");
  for (int k = 0; k < n; k++) {
    if (!decode (argv[k + 1], &m[k])) {
      fprintf (stderr, "%s: cannot decode\n", argv[k + 1]);
      return 1;
    }
    ebu[k] = m[k].ebu;
    mm[k] = m[k].mm;
    print_file (argv[k + 1], &m[k], k + 1 < n ? ", " : "], ");
  }
  ebur128_loudness_global_multiple (ebu, n, &album_ebu);
  mm_loudness_integrated_multiple (mm, n, &album_mm);
  mm_loudness_range_multiple (mm, n, &album_mm_range);
  printf ("\"album\": {");
  number ("ebur128_integrated", album_ebu, ", ");
  number ("mm_integrated", album_mm, ", ");
  number ("mm_range", album_mm_range, "}}\n");

  for (int k = 0; k < n; k++) {
    ebur128_destroy (&m[k].ebu);
    mm_loudness_free (&m[k].mm);
  }
  g_free (m);
  g_free (ebu);
  g_free (mm);
  return 0;
}
