/* mixmaster: the command-line program around the plugin's elements.  Every
 * subcommand builds GStreamer pipelines with loudnorm, masterchain and
 * mixbus (never the DSP core directly); docs/cli.md is the manual. */
#include <string.h>

#include "tool.h"

typedef struct
{
  const gchar *name;
  gint (*run) (gint argc, gchar ** argv);
  const gchar *args, *what;
} Command;

static const Command commands[] = {
  {"measure", mm_cmd_measure, "FILE... [--json]",
      "loudness per file and for the album"},
  {"normalize", mm_cmd_normalize, "IN... -o OUT [--album] [-j N]",
      "two-pass linear loudness normalisation"},
  {"master", mm_cmd_master, "IN -o OUT [--profile P]",
      "mastering through masterchain"},
  {"mix", mm_cmd_mix, "STEM[:gain=-3,pan=-0.4]... -o OUT",
      "stems through mixbus [--master P]"},
  {"album", mm_cmd_album, "TRACK... -o OUTDIR [--gap 2s]",
      "album gain, album file, CUE sheet"},
  {"plot", mm_cmd_plot, "FILE [PROCESSED] -o OUT.svg",
      "loudness over time as SVG"},
  {"demo", mm_cmd_demo, "[-o DIR]",
      "stems -> mixbus -> masterchain, report, plot"},
  {NULL, NULL, NULL, NULL}
};

static void
usage (void)
{
  g_printerr ("Usage: mixmaster COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
  for (const Command * c = commands; c->name; c++)
    g_printerr ("  %-9s %-36s %s\n", c->name, c->args, c->what);
  g_printerr ("\n'mixmaster COMMAND --help' describes a command; docs/cli.md "
      "is the manual.\nExit status: 0 success, 1 a file failed, 2 bad "
      "command line, 3 an element is missing.\n");
}

int
main (int argc, char **argv)
{
  gint status = MM_EXIT_USAGE;

  if (argc < 2 || !strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")
      || !strcmp (argv[1], "help")) {
    usage ();
    return argc < 2 ? MM_EXIT_USAGE : MM_EXIT_OK;
  }
  gst_init (NULL, NULL);
  const Command *c;
  for (c = commands; c->name && strcmp (c->name, argv[1]); c++);
  if (c->name) {
    status = c->run (argc - 1, argv + 1);
  } else {
    g_printerr ("mixmaster: unknown command '%s'\n", argv[1]);
    usage ();
  }
  gst_deinit ();
  return status;
}
