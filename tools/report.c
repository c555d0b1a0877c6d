/* report: number formatting, album values, JSON writer. */
#include "report.h"

#include <math.h>
#include <string.h>

const gchar *
mm_report_db (gdouble v)
{
  static gchar buf[8][32];
  static guint next;
  gchar *out = buf[next++ % G_N_ELEMENTS (buf)];
  if (isfinite (v))
    g_snprintf (out, sizeof buf[0], "%.1f", v);
  else
    g_strlcpy (out, v < 0 ? "-inf" : "n/a", sizeof buf[0]);
  return out;
}

gchar *
mm_report_short_name (const gchar * path, guint width)
{
  gchar *base = g_path_get_basename (path);
  glong len = g_utf8_strlen (base, -1);
  if (len <= (glong) width || width < 4)
    return base;
  gchar *cut = g_strconcat ("...",
      g_utf8_offset_to_pointer (base, len - (width - 3)), NULL);
  g_free (base);
  return cut;
}

void
mm_album_from_results (const MmLoudness * results, GError ** errors, guint n,
    MmAlbum * album)
{
  const MmLoudness **ok = g_new0 (const MmLoudness *, MAX (n, 1));
  memset (album, 0, sizeof (*album));
  album->true_peak = album->sample_peak = -INFINITY;
  for (guint i = 0; i < n; i++) {
    if (errors && errors[i])
      continue;
    ok[album->files++] = &results[i];
    album->duration += results[i].duration;
    album->true_peak = MAX (album->true_peak, results[i].true_peak);
    album->sample_peak = MAX (album->sample_peak, results[i].sample_peak);
  }
  album->integrated = album->files ?
      mm_album_integrated (ok, album->files) : -INFINITY;
  album->range = album->files ? mm_album_range (ok, album->files) : 0;
  g_free (ok);
}

/* ------------------------------------------------------------------ */

struct _MmJson
{
  GString *out;
  GString *open;                /* the brackets still open, innermost last */
  gboolean first;               /* no member written yet at this level */
};

MmJson *
mm_json_new (void)
{
  MmJson *j = g_new0 (MmJson, 1);
  j->out = g_string_new (NULL);
  j->open = g_string_new (NULL);
  j->first = TRUE;
  return j;
}

static void
append_quoted (GString * out, const gchar * s)
{
  g_string_append_c (out, '"');
  for (const guchar * c = (const guchar *) s; *c; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_printf (out, "\\%c", *c);
    else if (*c < 0x20)
      g_string_append_printf (out, "\\u%04x", *c);
    else
      g_string_append_c (out, *c);
  }
  g_string_append_c (out, '"');
}

static void
member (MmJson * j, const gchar * key)
{
  if (!j->first)
    g_string_append (j->out, ", ");
  j->first = FALSE;
  if (key) {
    append_quoted (j->out, key);
    g_string_append (j->out, ": ");
  }
}

static void
begin (MmJson * j, const gchar * key, gchar bracket)
{
  member (j, key);
  g_string_append_c (j->out, bracket);
  g_string_append_c (j->open, bracket);
  j->first = TRUE;
}

void
mm_json_begin_object (MmJson * j, const gchar * key)
{
  begin (j, key, '{');
}

void
mm_json_begin_array (MmJson * j, const gchar * key)
{
  begin (j, key, '[');
}

void
mm_json_end (MmJson * j)
{
  if (j->open->len) {
    gchar open = j->open->str[j->open->len - 1];
    g_string_append_c (j->out, open == '[' ? ']' : '}');
    g_string_truncate (j->open, j->open->len - 1);
  }
  j->first = FALSE;
}

void
mm_json_string (MmJson * j, const gchar * key, const gchar * value)
{
  member (j, key);
  append_quoted (j->out, value);
}

void
mm_json_number (MmJson * j, const gchar * key, gdouble value)
{
  member (j, key);
  if (isfinite (value))
    g_string_append_printf (j->out, "%.3f", value);
  else
    g_string_append (j->out, "null");
}

void
mm_json_int (MmJson * j, const gchar * key, gint64 value)
{
  member (j, key);
  g_string_append_printf (j->out, "%" G_GINT64_FORMAT, value);
}

void
mm_json_bool (MmJson * j, const gchar * key, gboolean value)
{
  member (j, key);
  g_string_append (j->out, value ? "true" : "false");
}

const gchar *
mm_json_finish (MmJson * j)
{
  static gchar *last;
  g_free (last);
  last = g_string_free (j->out, FALSE);
  g_string_free (j->open, TRUE);
  g_free (j);
  return last;
}
