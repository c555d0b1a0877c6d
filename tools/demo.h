/* demo: the embedded demo programme, synthesised on the fly (no file). */
#ifndef MIXMASTER_DEMO_H
#define MIXMASTER_DEMO_H

#include <glib.h>

#define DEMO_RATE 48000
#define DEMO_CHANNELS 2
#define DEMO_SECONDS 30

/* Writes `frames` interleaved stereo frames starting at frame `pos`. */
void demo_render (gfloat * out, guint64 pos, guint frames);

#endif
