/* pipeline: the pieces every subcommand's pipeline is made of — a decoding
 * source per input file, an encoding output that only appears under its
 * name once complete, and a run loop that turns bus messages into results,
 * errors naming the file, and progress. */
#ifndef MIXMASTER_PIPELINE_H
#define MIXMASTER_PIPELINE_H

#include <gst/gst.h>

#include "progress.h"

/* Checks that `path` is a readable regular file (one-line error if not). */
gboolean mm_input_check (const gchar * path, GError ** err);

/* filesrc ! decodebin ! audioconvert [! audioresample] in a bin with one
 * "src" pad (F32/F64 as downstream asks).  Errors from inside the bin are
 * reported against `path`.  Without `resample` the decoded rate is kept
 * whatever branches downstream prefer (measuring must see the file as it
 * is). */
GstElement *mm_source_new (const gchar * path, gboolean resample,
    GError ** err);

typedef enum
{
  MM_FORMAT_WAV,
  MM_FORMAT_FLAC,
} MmFormat;

typedef struct
{
  gchar *path;                  /* final name */
  gchar *tmp;                   /* what is written until commit */
  MmFormat format;
  gint bits;                    /* 16, 24, or 32 (float, WAV only) */
  gboolean committed;
} MmOutput;

/* Validates the name (extension wav or flac, bits for that container) and
 * reserves a temporary file beside it, which proves the folder writable. */
MmOutput *mm_output_new (const gchar * path, gint bits, GError ** err);

/* audioconvert ! capsfilter ! encoder ! filesink writing `o->tmp`.
 * `dither`: audioconvert adds TPDF dither for integer output (use FALSE
 * when masterchain's own dither-bits already shaped the signal). */
GstElement *mm_output_bin_new (MmOutput * o, gboolean dither, GError ** err);

/* Renames the temporary file to the final name. */
gboolean mm_output_commit (MmOutput * o, GError ** err);

/* Removes the temporary file unless committed; frees. */
void mm_output_free (MmOutput * o);

/* The default output extension's format from a name; FALSE if unknown. */
gboolean mm_format_from_name (const gchar * path, MmFormat * format);

/* Makes an element or fails with a message naming it. */
GstElement *mm_make (const gchar * factory, const gchar * name, GError ** err);

typedef void (*MmMessageFunc) (const GstStructure * s, GstObject * src,
    gpointer user_data);

/* How a pipeline is run (all optional: zero-initialise). */
typedef struct
{
  MmMessageFunc on_message;     /* element messages, in the calling thread */
  gpointer user_data;
  MmProgress *progress;
  guint job;                    /* this pipeline's line in `progress` */
  /* progress follows buffers on input's "src" and output's "sink" pad */
  GstElement *input, *output;
} MmRunOptions;

/* Plays `pipeline` to EOS, then commits `out` (may be NULL).  FALSE with
 * the first error, naming the file its element works on.  The pipeline
 * ends in NULL; the caller keeps its reference. */
gboolean mm_run_pipeline (GstElement * pipeline, const MmRunOptions * opts,
    MmOutput * out, GError ** err);

/* An ERROR message as one line naming the file its element works on:
 * "FILE: cannot decode: REASON" and the like. */
void mm_error_from_message (GstMessage * msg, GError ** err);

/* A fresh pipeline `name` holding `first` and the NULL-terminated rest,
 * linked in order. */
GstElement *mm_pipeline_chain (const gchar * name, GError ** err,
    GstElement * first, ...) G_GNUC_NULL_TERMINATED;

/* gst_util_set_object_arg with a check: FALSE and an error naming the
 * property (and `what`) when the object has no such property or the value
 * does not parse. */
gboolean mm_set_property (GObject * obj, const gchar * what,
    const gchar * name, const gchar * value, GError ** err);

#endif
