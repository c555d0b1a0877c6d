/* tool: what every mixmaster subcommand shares — exit codes, the error
 * domain, option parsing, the command entry points. */
#ifndef MIXMASTER_TOOL_H
#define MIXMASTER_TOOL_H

#include <gst/gst.h>

/* Exit codes (docs/cli.md): scripts may rely on them. */
#define MM_EXIT_OK 0
#define MM_EXIT_FAILED 1        /* a file could not be read, decoded or written */
#define MM_EXIT_USAGE 2         /* bad command line: option, value, profile */
#define MM_EXIT_MISSING 3       /* the plugin or a GStreamer element is missing */

#define MM_TOOL_ERROR (mm_tool_error_quark ())
GQuark mm_tool_error_quark (void);

typedef enum
{
  MM_TOOL_ERROR_FAILED = MM_EXIT_FAILED,
  MM_TOOL_ERROR_USAGE = MM_EXIT_USAGE,
  MM_TOOL_ERROR_MISSING = MM_EXIT_MISSING,
} MmToolError;

/* The exit code an error stands for (MM_TOOL_ERROR codes are exit codes;
 * anything else is a failure). */
gint mm_tool_exit_code (const GError * err);

/* Prints "mixmaster CMD: MESSAGE" on one line and returns the exit code. */
gint mm_tool_fail (const gchar * cmd, GError * err);

/* Option entries every writing subcommand shares. */
#define MM_OPTION_BITS(var) \
  {"bits", 'b', 0, G_OPTION_ARG_INT, &(var), \
      "Output word length: 16, 24 (default) or 32 (float, WAV only); " \
      "integer output is TPDF-dithered", "N"}
#define MM_OPTION_FILES(var) \
  {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &(var), NULL, NULL}

/* Parses argv with `entries`; on error prints one line and returns FALSE.
 * `args` names the positional arguments in --help, `summary` explains. */
gboolean mm_tool_parse (const gchar * cmd, const gchar * args,
    const gchar * summary, const GOptionEntry * entries, gint * argc,
    gchar *** argv);

/* Checks that every named element can be made (scanning the build's plugin
 * folder when the registry does not know ours yet). */
gboolean mm_tool_require (const gchar * const *elements, GError ** err);

/* A duration such as "2s", "1.5", "500ms" in seconds; -1 when malformed. */
gdouble mm_tool_parse_seconds (const gchar * text);

/* Runs work (i, user_data) for i in 0..n-1 on up to `jobs` threads;
 * returns when all are done. */
typedef void (*MmWorkFunc) (guint i, gpointer user_data);
void mm_tool_parallel (guint n, guint jobs, MmWorkFunc work,
    gpointer user_data);

/* Measures one or two (before, after) files and writes the plot (plot
 * subcommand; the demo uses it too). */
gboolean mm_plot_files (const gchar * before, const gchar * after,
    const gchar * title, const gchar * output, GError ** err);

/* Command entry points: argv[0] is the command name. */
gint mm_cmd_measure (gint argc, gchar ** argv);
gint mm_cmd_normalize (gint argc, gchar ** argv);
gint mm_cmd_master (gint argc, gchar ** argv);
gint mm_cmd_mix (gint argc, gchar ** argv);
gint mm_cmd_album (gint argc, gchar ** argv);
gint mm_cmd_plot (gint argc, gchar ** argv);
gint mm_cmd_demo (gint argc, gchar ** argv);

#endif
