/* mixmaster mix STEM[:name=value,...]... -o OUT [--master PROFILE]
 *                [--rate HZ] [--bus name=value] [--bits N]
 *
 * Stems through mixbus (each stem a channel strip: gain, pan, EQ,
 * compressor, sends, ducking), optionally mastered by masterchain. */
#include "tool.h"
#include "mix.h"
#include "report.h"

gint
mm_cmd_mix (gint argc, gchar ** argv)
{
  gchar *output = NULL, *profile = NULL, **bus = NULL, **specs = NULL;
  gint rate = 48000, bits = 24;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "Write the mix to OUT (.wav or .flac)", "OUT"},
    {"master", 'm', 0, G_OPTION_ARG_STRING, &profile,
          "Master the mix with masterchain: streaming, apple-music, "
          "ebu-r128, atsc-a85, podcast", "PROFILE"},
    {"rate", 'r', 0, G_OPTION_ARG_INT, &rate,
        "Sample rate of the mix in Hz (default 48000)", "HZ"},
    {"bus", 0, 0, G_OPTION_ARG_STRING_ARRAY, &bus,
          "Set a mixbus property, e.g. reverb-decay=2 (repeatable)",
        "NAME=VALUE"},
    MM_OPTION_BITS (bits),
    MM_OPTION_FILES (specs),
    {NULL}
  };
  const gchar *need[] = { "mixbus", NULL }, *need_master[] = {
    "masterchain", NULL
  };
  GError *err = NULL;
  MmOutput *out = NULL;
  MmMasterResult r;
  gint status = MM_EXIT_OK;

  if (!mm_tool_parse ("mix", "STEM[:NAME=VALUE,...]... -o OUT",
          "Mixes the stems with the mixbus element.  After each STEM, the\n"
          "settings of its channel strip (mixbus pad properties), e.g.\n"
          "  drums.wav:gain=-6,pan=-0.2  vox.wav:gain=2,reverb-send=-14,hpf=90\n"
          "With --master the mix goes through masterchain too.",
          entries, &argc, &argv))
    return MM_EXIT_USAGE;

  guint n = specs ? g_strv_length (specs) : 0;
  MmStem *stems = g_new0 (MmStem, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    mm_stem_parse (specs[i], &stems[i]);
  MmMasterSettings ms = { profile, NULL, NULL, FALSE, 0 };
  MmMixSettings s = { stems, n, bus, rate, profile ? &ms : NULL };

  if (n < 1 || !output)
    g_set_error (&err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "give STEM... and -o OUT (see 'mixmaster mix --help')");
  else if (rate < 8000 || rate > 384000)
    g_set_error (&err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "--rate %d: must be 8000 to 384000 Hz", rate);
  else if (mm_tool_require (need, &err)
      && (!profile || (mm_tool_require (need_master, &err)
              && mm_master_check_profile (profile, &err)))
      && (out = mm_output_new (output, bits, &err))) {
    MmProgress *progress = mm_progress_new ("mixing", 1);
    gboolean ok = mm_mix_files (&s, out, progress, &r, &err);
    mm_progress_free (progress);
    if (ok && profile)
      g_print ("%s (%u stems, mastered to %s: %s LUFS, %s dBTP)\n", output,
          n, profile, mm_report_db (r.output_integrated),
          mm_report_db (r.output_true_peak));
    else if (ok)
      g_print ("%s (%u stems)\n", output, n);
  }
  if (err)
    status = mm_tool_fail ("mix", err);

  for (guint i = 0; i < n; i++)
    mm_stem_clear (&stems[i]);
  g_free (stems);
  mm_output_free (out);
  g_free (output);
  g_free (profile);
  g_strfreev (bus);
  g_strfreev (specs);
  return status;
}
