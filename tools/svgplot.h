/* svgplot: loudness over time as a self-contained SVG (no script, no
 * external font or style), written by the program itself. */
#ifndef MIXMASTER_SVGPLOT_H
#define MIXMASTER_SVGPLOT_H

#include "measure.h"

typedef struct
{
  const gchar *title;
  const MmLoudness *before;     /* the file, or the unprocessed one */
  const MmLoudness *after;      /* the processed file, or NULL */
} MmPlot;

/* The top panel: momentary, short-term and integrated loudness and the
 * true peak of each 100 ms over time, of `before` (and `after`, drawn
 * over it).  With `after`, a lower panel shows the gain reduction: how
 * far the processed file's short-term loudness falls below the input's
 * plus the overall gain (what compression and limiting took away).
 * Written atomically (temporary name, then renamed). */
gboolean mm_plot_write (const MmPlot * plot, const gchar * path,
    GError ** err);

#endif
