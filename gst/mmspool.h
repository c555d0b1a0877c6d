/* mmspool: a temporary file on disk that holds a whole stream for the
 * two-pass `file` modes (loudnorm, masterchain).
 *
 * The file is created in the temporary directory (TMPDIR, g_get_tmp_dir)
 * and unlinked at once, so it disappears when the spool is closed, on
 * error, and even if the process dies.  Writes go through a 1 MiB buffer. */
#ifndef __GST_MM_SPOOL_H__
#define __GST_MM_SPOOL_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GstMmSpool GstMmSpool;

GstMmSpool *gst_mm_spool_new (GError ** error);
void gst_mm_spool_free (GstMmSpool * spool);

gboolean gst_mm_spool_append (GstMmSpool * spool, gconstpointer data,
    gsize size, GError ** error);
/* Bytes appended so far. */
guint64 gst_mm_spool_size (GstMmSpool * spool);

/* Reads `size` bytes at `offset` (everything appended is readable). */
gboolean gst_mm_spool_read (GstMmSpool * spool, guint64 offset, gpointer data,
    gsize size, GError ** error);

G_END_DECLS

#endif /* __GST_MM_SPOOL_H__ */
