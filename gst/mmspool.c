/* mmspool: unlinked temporary file with a write buffer. */
#define _POSIX_C_SOURCE 200809L   /* pread, pwrite */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "mmspool.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define STAGE_SIZE (1 << 20)

struct _GstMmSpool
{
  gint fd;
  guint64 written;              /* bytes in the file */
  guint8 *stage;                /* bytes not yet written */
  gsize staged;
};

static void
set_errno_error (GError ** error, const gchar * what)
{
  gint e = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
      "%s: %s", what, g_strerror (e));
}

GstMmSpool *
gst_mm_spool_new (GError ** error)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("mixmaster-spool-XXXXXX", &path, error);

  if (fd < 0)
    return NULL;
  /* no name left behind: the data lives as long as the descriptor */
  g_unlink (path);
  g_free (path);

  GstMmSpool *spool = g_new0 (GstMmSpool, 1);
  spool->fd = fd;
  spool->stage = g_malloc (STAGE_SIZE);
  return spool;
}

void
gst_mm_spool_free (GstMmSpool * spool)
{
  if (!spool)
    return;
  close (spool->fd);
  g_free (spool->stage);
  g_free (spool);
}

static gboolean
write_all (GstMmSpool * spool, const guint8 * data, gsize size,
    GError ** error)
{
  while (size > 0) {
    ssize_t n = pwrite (spool->fd, data, size, (off_t) spool->written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = ENOSPC;
      set_errno_error (error, "Cannot write the temporary spool file");
      return FALSE;
    }
    spool->written += (guint64) n;
    data += n;
    size -= (gsize) n;
  }
  return TRUE;
}

static gboolean
flush_stage (GstMmSpool * spool, GError ** error)
{
  gboolean ok = write_all (spool, spool->stage, spool->staged, error);
  spool->staged = 0;
  return ok;
}

gboolean
gst_mm_spool_append (GstMmSpool * spool, gconstpointer data, gsize size,
    GError ** error)
{
  const guint8 *p = data;
  while (size > 0) {
    gsize n = MIN (size, STAGE_SIZE - spool->staged);
    memcpy (spool->stage + spool->staged, p, n);
    spool->staged += n;
    p += n;
    size -= n;
    if (spool->staged == STAGE_SIZE && !flush_stage (spool, error))
      return FALSE;
  }
  return TRUE;
}

guint64
gst_mm_spool_size (GstMmSpool * spool)
{
  return spool->written + spool->staged;
}

gboolean
gst_mm_spool_read (GstMmSpool * spool, guint64 offset, gpointer data,
    gsize size, GError ** error)
{
  guint8 *p = data;
  if (spool->staged && !flush_stage (spool, error))
    return FALSE;
  if (offset + size > spool->written) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "Read past the end of the spool file");
    return FALSE;
  }
  while (size > 0) {
    ssize_t n = pread (spool->fd, p, size, (off_t) offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      set_errno_error (error, "Cannot read the temporary spool file");
      return FALSE;
    }
    p += n;
    offset += (guint64) n;
    size -= (gsize) n;
  }
  return TRUE;
}
