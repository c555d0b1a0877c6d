/* mmchannels: GStreamer channel positions -> BS.1770-4 channel weights,
 * shared by every element that meters loudness. */
#ifndef __GST_MM_CHANNELS_H__
#define __GST_MM_CHANNELS_H__

#include <gst/audio/audio.h>

G_BEGIN_DECLS

/* Fills weights[0 .. channels-1] from the positions of `info`. */
void gst_mm_channel_weights (const GstAudioInfo * info, gdouble * weights);

G_END_DECLS

#endif /* __GST_MM_CHANNELS_H__ */
