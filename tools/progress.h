/* progress: one status line on a terminal (percent, speed as a multiple of
 * realtime, ETA) for one or several jobs running in parallel; nothing when
 * stderr is not a terminal, so logs and pipes stay clean. */
#ifndef MIXMASTER_PROGRESS_H
#define MIXMASTER_PROGRESS_H

#include <glib.h>

typedef struct _MmProgress MmProgress;

/* NULL (a valid no-op progress) when stderr is not a TTY or
 * MIXMASTER_PROGRESS=0. `label` starts the line. */
MmProgress *mm_progress_new (const gchar * label, guint jobs);

/* Job `job` has processed `done` of `total` seconds of audio (total 0 when
 * not known yet).  Thread-safe; redraws at most 10 times a second. */
void mm_progress_update (MmProgress * p, guint job, gdouble done,
    gdouble total);

/* Erases the line and frees. */
void mm_progress_free (MmProgress * p);

#endif
