/* sequence: files played one after another into one continuous file, with
 * silent gaps or crossfades between them (the album file), and the CUE
 * sheet that indexes it. */
#ifndef MIXMASTER_SEQUENCE_H
#define MIXMASTER_SEQUENCE_H

#include "pipeline.h"

typedef struct
{
  gdouble gap;                  /* s of silence between tracks */
  gdouble crossfade;            /* s of overlap (linear fade); 0 = none */
} MmSequenceSettings;

/* Where each track starts in the sequence, in frames. */
typedef struct
{
  guint64 pregap;               /* start of the silence before it */
  guint64 start;
} MmTrackMark;

/* Plays `files` (decoded, at the first file's rate and channels) into
 * `out` and commits it.  `marks` (n entries) gets the positions; `rate`
 * the sequence's sample rate. */
gboolean mm_sequence_files (gchar ** files, guint n,
    const MmSequenceSettings * s, MmOutput * out, MmTrackMark * marks,
    gint * rate, GError ** err);

/* A CUE sheet for `audio_name` (the album file's base name) with one
 * track per title. */
gchar *mm_cue_sheet (const gchar * audio_name, gchar ** titles, guint n,
    const MmTrackMark * marks, gint rate, const gchar * comment);

#endif
