/* progress: the terminal status line. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct _MmProgress
{
  GMutex lock;
  gchar *label;
  guint jobs;
  gdouble *done, *total;
  gint64 start, last_draw;      /* monotonic, µs */
  gboolean drawn;
};

MmProgress *
mm_progress_new (const gchar * label, guint jobs)
{
  const gchar *env = g_getenv ("MIXMASTER_PROGRESS");

  if (!isatty (STDERR_FILENO) || (env && !strcmp (env, "0")) || jobs == 0)
    return NULL;

  MmProgress *p = g_new0 (MmProgress, 1);
  g_mutex_init (&p->lock);
  p->label = g_strdup (label);
  p->jobs = jobs;
  p->done = g_new0 (gdouble, jobs);
  p->total = g_new0 (gdouble, jobs);
  p->start = g_get_monotonic_time ();
  return p;
}

static void
format_eta (gchar * out, gsize size, gdouble seconds)
{
  if (seconds < 0 || seconds > 359999)
    g_strlcpy (out, "--:--", size);
  else if (seconds >= 3600)
    g_snprintf (out, size, "%d:%02d:%02d", (gint) seconds / 3600,
        ((gint) seconds / 60) % 60, (gint) seconds % 60);
  else
    g_snprintf (out, size, "%02d:%02d", (gint) seconds / 60,
        (gint) seconds % 60);
}

/* Lock held. */
static void
draw (MmProgress * p, gint64 now)
{
  gdouble done = 0, total = 0;
  gboolean known = TRUE;
  for (guint i = 0; i < p->jobs; i++) {
    done += p->done[i];
    total += p->total[i];
    known &= p->total[i] > 0;
  }
  gdouble elapsed = (now - p->start) / 1e6;
  gdouble speed = elapsed > 0 ? done / elapsed : 0;
  gdouble frac = known && total > 0 ? CLAMP (done / total, 0.0, 1.0) : 0;
  gchar bar[31], eta[16];
  guint filled = (guint) (frac * 30);
  memset (bar, '#', filled);
  memset (bar + filled, '.', 30 - filled);
  bar[30] = '\0';
  format_eta (eta, sizeof eta, known && speed > 0 ?
      (total - done) / speed : -1);
  if (known)
    fprintf (stderr, "\r%s [%s] %3.0f%%  %5.1fx realtime  ETA %s ",
        p->label, bar, frac * 100, speed, eta);
  else
    fprintf (stderr, "\r%s %.0f s of audio  %5.1fx realtime ", p->label,
        done, speed);
  fflush (stderr);
  p->drawn = TRUE;
  p->last_draw = now;
}

void
mm_progress_update (MmProgress * p, guint job, gdouble done, gdouble total)
{
  if (!p || job >= p->jobs)
    return;
  g_mutex_lock (&p->lock);
  p->done[job] = done;
  if (total > 0)
    p->total[job] = total;
  gint64 now = g_get_monotonic_time ();
  if (now - p->last_draw >= 100000)
    draw (p, now);
  g_mutex_unlock (&p->lock);
}

void
mm_progress_free (MmProgress * p)
{
  if (!p)
    return;
  if (p->drawn)
    fprintf (stderr, "\r\033[K");
  g_mutex_clear (&p->lock);
  g_free (p->label);
  g_free (p->done);
  g_free (p->total);
  g_free (p);
}
