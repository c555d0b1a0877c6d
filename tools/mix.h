/* mix: stems through mixbus (optionally masterchain) into one file — the
 * mix subcommand and the demo. */
#ifndef MIXMASTER_MIX_H
#define MIXMASTER_MIX_H

#include "master.h"
#include "pipeline.h"

typedef struct
{
  gchar *path;
  gchar **settings;             /* mixbus pad properties, "name=value" */
} MmStem;

/* "FILE[:name=value,...]": the part after the last ':' is taken as
 * settings when it has an '=' (so "C:\x.wav" and "a:b.wav" stay names). */
void mm_stem_parse (const gchar * spec, MmStem * stem);
void mm_stem_clear (MmStem * stem);

typedef struct
{
  const MmStem *stems;
  guint n_stems;
  gchar **bus;                  /* mixbus element properties, "name=value" */
  gint rate;                    /* the mix's sample rate, Hz */
  const MmMasterSettings *master;       /* NULL: no mastering */
} MmMixSettings;

/* Mixes the stems to `out` (committed on success); `r` gets the
 * masterchain result when mastering. */
gboolean mm_mix_files (const MmMixSettings * s, MmOutput * out,
    MmProgress * progress, MmMasterResult * r, GError ** err);

#endif
