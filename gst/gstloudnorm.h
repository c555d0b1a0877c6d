/* loudnorm: EBU R128 / ITU-R BS.1770-4 loudness measurement and
 * normalisation. */
#ifndef __GST_LOUDNORM_H__
#define __GST_LOUDNORM_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

#include "loudness.h"

G_BEGIN_DECLS

#define GST_TYPE_LOUDNORM            (gst_loudnorm_get_type ())
#define GST_LOUDNORM(obj)            (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_LOUDNORM, GstLoudnorm))
#define GST_LOUDNORM_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_LOUDNORM, GstLoudnormClass))
#define GST_IS_LOUDNORM(obj)         (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_LOUDNORM))
#define GST_IS_LOUDNORM_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_LOUDNORM))

typedef struct _GstLoudnorm GstLoudnorm;
typedef struct _GstLoudnormClass GstLoudnormClass;

/**
 * GstLoudnormMode:
 * @GST_LOUDNORM_MODE_MEASURE: measure only; audio passes through bit-exact
 *
 * What loudnorm does with the audio.
 */
typedef enum
{
  GST_LOUDNORM_MODE_MEASURE = 0,
} GstLoudnormMode;

#define GST_TYPE_LOUDNORM_MODE (gst_loudnorm_mode_get_type ())
GType gst_loudnorm_mode_get_type (void);

struct _GstLoudnorm
{
  GstAudioFilter parent;

  /* properties, under the object lock */
  GstLoudnormMode mode;
  guint64 interval;
  gboolean post_messages;

  /* streaming state; the meter and the counters below are also read by
   * get_property, so they change only under the object lock */
  mm_loudness *meter;
  gint rate;
  guint64 interval_frames;      /* frames per message interval */
  guint64 frames_in_interval;   /* frames measured in the current interval */
  GstClockTime interval_start;  /* timestamp of the interval's first frame */
  /* Timestamps are counted in frames from the last resync point, so
   * message times stay exact (n * interval) whatever the buffer rounding. */
  GstClockTime base_ts;         /* timestamp of the resync point */
  guint64 base_frames;          /* frames measured since then */
  gpointer silence;             /* zeros measured for GAP buffers */
  gint warned_nonfinite;        /* atomic: the NaN/Inf warning was posted */
};

struct _GstLoudnormClass
{
  GstAudioFilterClass parent_class;

  void (*reset) (GstLoudnorm * self);
};

GType gst_loudnorm_get_type (void);
GST_ELEMENT_REGISTER_DECLARE (loudnorm);

G_END_DECLS

#endif /* __GST_LOUDNORM_H__ */
