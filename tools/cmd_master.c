/* mixmaster master IN -o OUT [--profile P] [--bits N] [--set PROP=VALUE]
 *
 * One file through masterchain: EQ, compressor, width, the profile's
 * loudness and true-peak ceiling, dither for the output's word length. */
#include "tool.h"
#include "master.h"
#include "report.h"

static void
print_result (const gchar * in, const gchar * out, const gchar * profile,
    const MmMasterResult * r)
{
  g_print ("%s -> %s (profile %s)\n", in, out, profile);
  g_print ("  loudness     %7s -> %s LUFS\n",
      mm_report_db (r->input_integrated), mm_report_db (r->output_integrated));
  g_print ("  true peak    %7s dBTP\n", mm_report_db (r->output_true_peak));
  g_print ("  gain         %7.1f dB\n", r->gain);
  g_print ("  compressor   %7.1f dB most reduction\n", r->comp_reduction);
  g_print ("  limiter      %7.1f dB most reduction\n", r->limiter_reduction);
}

gint
mm_cmd_master (gint argc, gchar ** argv)
{
  gchar *output = NULL, *profile = NULL, *mode = NULL, **set = NULL;
  gchar **inputs = NULL;
  gint bits = 24;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "Write the master to OUT (.wav or .flac)", "OUT"},
    {"profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
          "Delivery profile: streaming (default), apple-music, ebu-r128, "
          "atsc-a85, podcast", "P"},
    MM_OPTION_BITS (bits),
    {"mode", 0, 0, G_OPTION_ARG_STRING, &mode,
        "masterchain mode: auto (default), file, live", "MODE"},
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set,
        "Set a masterchain property, e.g. comp-ratio=2 (repeatable)",
        "PROP=VALUE"},
    MM_OPTION_FILES (inputs),
    {NULL}
  };
  const gchar *need[] = { "masterchain", NULL };
  GError *err = NULL;
  MmMasterResult r;
  gint status = MM_EXIT_OK;

  if (!mm_tool_parse ("master", "IN -o OUT",
          "Masters IN with the masterchain element: EQ, compressor, stereo\n"
          "width, the profile's loudness target and true-peak ceiling (file\n"
          "mode: measured, one constant gain, limited), dither for the\n"
          "output's word length.", entries, &argc, &argv))
    return MM_EXIT_USAGE;
  MmMasterSettings s = { profile ? profile : "streaming", mode, set, FALSE, 0 };
  MmOutput *out = NULL;

  if (!inputs || g_strv_length (inputs) != 1 || !output)
    g_set_error (&err, MM_TOOL_ERROR, MM_TOOL_ERROR_USAGE,
        "give one IN and -o OUT (see 'mixmaster master --help')");
  else if (mm_tool_require (need, &err)
      && mm_master_check_profile (s.profile, &err)
      && (out = mm_output_new (output, bits, &err))) {
    MmProgress *progress = mm_progress_new ("mastering", 1);
    gboolean ok = mm_master_file (inputs[0], out, &s, progress, 0, &r, &err);
    mm_progress_free (progress);
    if (ok)
      print_result (inputs[0], output, s.profile, &r);
  }
  if (err)
    status = mm_tool_fail ("master", err);

  mm_output_free (out);
  g_free (output);
  g_free (profile);
  g_free (mode);
  g_strfreev (set);
  g_strfreev (inputs);
  return status;
}
