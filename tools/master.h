/* master: one file through masterchain into an output file — used by the
 * master, album and demo subcommands. */
#ifndef MIXMASTER_MASTER_H
#define MIXMASTER_MASTER_H

#include <gst/gst.h>

#include "pipeline.h"

typedef struct
{
  const gchar *profile;         /* masterchain profile nick */
  const gchar *mode;            /* auto, live, file */
  gchar **set;                  /* "property=value" for masterchain, or NULL */
  gboolean fixed_gain;          /* one given gain instead of the target: */
  gdouble gain;                 /*   input-gain, loudness stage bypassed */
} MmMasterSettings;

/* What the final masterchain message said. */
typedef struct
{
  gdouble input_integrated, output_integrated, output_true_peak;
  gdouble gain, limiter_reduction, comp_reduction;
} MmMasterResult;

/* FALSE (usage error naming it and the choices) for an unknown profile. */
gboolean mm_master_check_profile (const gchar * profile, GError ** err);

/* masterchain with the settings applied, dither for `bits`. */
GstElement *mm_masterchain_new (const MmMasterSettings * s, gint bits,
    GError ** err);

/* Reads the final `masterchain` message into `r` (ignores others). */
void mm_master_take_message (const GstStructure * s, MmMasterResult * r);

/* IN through masterchain to `out`, which it commits on success (NULL:
 * only the result is wanted). */
gboolean mm_master_file (const gchar * in, MmOutput * out,
    const MmMasterSettings * s, MmProgress * progress, guint job,
    MmMasterResult * r, GError ** err);

#endif
