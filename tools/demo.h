/* demo: the embedded demo song — four stems synthesised on the fly
 * (deterministic, no file needed) at deliberately unbalanced levels, and
 * the mix settings that balance them. */
#ifndef MIXMASTER_DEMO_H
#define MIXMASTER_DEMO_H

#include <glib.h>

#define DEMO_RATE 48000
#define DEMO_SECONDS 30

typedef enum
{
  DEMO_DRUMS,
  DEMO_BASS,
  DEMO_KEYS,
  DEMO_LEAD,
  DEMO_N_STEMS
} DemoStem;

typedef struct
{
  const gchar *name;            /* file name without extension */
  guint channels;
  const gchar *mix;             /* mixbus pad settings that balance it */
  const gchar *why;             /* what is wrong with the stem as rendered */
} DemoStemInfo;

const DemoStemInfo *demo_stem_info (DemoStem stem);

/* mixbus element settings of the demo mix (NULL-terminated). */
const gchar *const *demo_bus_settings (void);

/* Writes `frames` interleaved frames (info->channels) of a stem, starting
 * at frame `pos`. */
void demo_render (DemoStem stem, gfloat * out, guint64 pos, guint frames);

#endif
