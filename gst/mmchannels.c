/* mmchannels: BS.1770-4 weights from GstAudioChannelPosition.
 *
 * BS.1770-4 / BS.2051: G = 1.41 for loudspeakers at |elevation| < 30 deg and
 * 60 <= |azimuth| <= 120 deg, 1.0 otherwise; LFE is excluded.
 *   - front L/R/C, left/right of centre, rear centre, mono, unpositioned: 1.0
 *   - LFE1/LFE2: 0 (excluded)
 *   - side L/R (+-90), wide L/R (+-60), surround L/R: 1.41
 *   - rear L/R: the 5.1 surrounds (+-110, 1.41) when the layout has no side
 *     pair; in 7.1 (side and rear pairs) the rears sit at +-135..150: 1.0
 *   - top (elevated) channels: 1.0
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "mmchannels.h"

#include "loudness.h"

static gboolean
has_side_pair (const GstAudioInfo * info)
{
  gboolean l = FALSE, r = FALSE;
  for (gint c = 0; c < GST_AUDIO_INFO_CHANNELS (info); c++) {
    GstAudioChannelPosition p = GST_AUDIO_INFO_POSITION (info, c);
    l |= p == GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT;
    r |= p == GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT;
  }
  return l && r;
}

static gdouble
weight_of (GstAudioChannelPosition p, gboolean side_pair)
{
  switch (p) {
    case GST_AUDIO_CHANNEL_POSITION_LFE1:
    case GST_AUDIO_CHANNEL_POSITION_LFE2:
      return MM_LOUDNESS_WEIGHT_LFE;
    case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_WIDE_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_WIDE_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_SURROUND_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_SURROUND_RIGHT:
      return MM_LOUDNESS_WEIGHT_SURROUND;
    case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
      return side_pair ? MM_LOUDNESS_WEIGHT_FRONT : MM_LOUDNESS_WEIGHT_SURROUND;
    default:
      return MM_LOUDNESS_WEIGHT_FRONT;
  }
}

void
gst_mm_channel_weights (const GstAudioInfo * info, gdouble * weights)
{
  gboolean side_pair = has_side_pair (info);
  gboolean unpositioned = GST_AUDIO_INFO_IS_UNPOSITIONED (info);

  for (gint c = 0; c < GST_AUDIO_INFO_CHANNELS (info); c++)
    weights[c] = unpositioned ? MM_LOUDNESS_WEIGHT_FRONT :
        weight_of (GST_AUDIO_INFO_POSITION (info, c), side_pair);
}
