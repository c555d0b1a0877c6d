/* report: the text and JSON a subcommand prints. */
#ifndef MIXMASTER_REPORT_H
#define MIXMASTER_REPORT_H

#include <glib.h>

#include "measure.h"

/* "-14.0", or "-inf" for silence.  Returns one of a few rotating static
 * buffers: use it within one print call (main thread only). */
const gchar *mm_report_db (gdouble v);

/* The file's base name, cut to `width` characters with a leading "...". */
gchar *mm_report_short_name (const gchar * path, guint width);

/* Album values over the files that were measured (errors[i] == NULL). */
typedef struct
{
  gint files;
  gdouble duration, integrated, range, true_peak, sample_peak;
} MmAlbum;

void mm_album_from_results (const MmLoudness * results, GError ** errors,
    guint n, MmAlbum * album);

/* A small JSON writer: objects and arrays nest, commas come by themselves,
 * non-finite numbers are written as null (JSON has no infinities). */
typedef struct _MmJson MmJson;

MmJson *mm_json_new (void);
void mm_json_begin_object (MmJson * j, const gchar * key);
void mm_json_begin_array (MmJson * j, const gchar * key);
void mm_json_end (MmJson * j);
void mm_json_string (MmJson * j, const gchar * key, const gchar * value);
void mm_json_number (MmJson * j, const gchar * key, gdouble value);
void mm_json_int (MmJson * j, const gchar * key, gint64 value);
void mm_json_bool (MmJson * j, const gchar * key, gboolean value);
/* The text; frees the writer.  The string stays valid until the next
 * mm_json_finish. */
const gchar *mm_json_finish (MmJson * j);

#endif
