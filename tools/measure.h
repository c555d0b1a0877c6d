/* measure: loudness of a file through `loudnorm mode=measure`, its curve
 * over time, and album values over several files. */
#ifndef MIXMASTER_MEASURE_H
#define MIXMASTER_MEASURE_H

#include <gst/gst.h>

#include "progress.h"

/* One point of the loudness curve, every 100 ms of audio. */
typedef struct
{
  gdouble time;                 /* s, end of the 100 ms step */
  gdouble momentary, shortterm, integrated;     /* LUFS */
  gdouble true_peak;            /* dBTP, of the step (NAN when not asked) */
} MmPoint;

typedef struct
{
  gchar *file;
  gdouble duration;             /* s */
  gdouble integrated, range, true_peak, sample_peak;
  /* The gating blocks loudnorm measured (LUFS): 400 ms blocks and 3 s
   * blocks every 100 ms, for album values. */
  GArray *blocks, *st_blocks;
  GArray *curve;                /* MmPoint */
} MmLoudness;

/* Measures `file` (any format GStreamer decodes).  `peaks`: also the true
 * peak of each 100 ms step (a 4x-oversampled `level` branch), for plots. */
gboolean mm_measure_file (const gchar * file, gboolean peaks,
    MmProgress * progress, guint job, MmLoudness * out, GError ** err);

void mm_loudness_clear (MmLoudness * l);

/* Album values: the gates act on all files' blocks together, exactly as
 * the DSP meter's mm_loudness_integrated_multiple / _range_multiple. */
gdouble mm_album_integrated (const MmLoudness * const *items, guint n);
gdouble mm_album_range (const MmLoudness * const *items, guint n);

#endif
