/* loudnorm: EBU R128 / ITU-R BS.1770-4 loudness measurement and
 * normalisation. */
#ifndef __GST_LOUDNORM_H__
#define __GST_LOUDNORM_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>

#include "gstmmlookahead.h"
#include "loudness.h"
#include "loudnorm.h"
#include "mmspool.h"
#include "mmstream.h"

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
 * @GST_LOUDNORM_MODE_LIVE: one pass, dynamic gain with lookahead
 * @GST_LOUDNORM_MODE_LINEAR: one constant gain from measured values
 * @GST_LOUDNORM_MODE_FILE: spool, measure, then one constant gain (two-pass
 *   in one run; non-live pipelines only)
 *
 * What loudnorm does with the audio.
 */
typedef enum
{
  GST_LOUDNORM_MODE_MEASURE = 0,
  GST_LOUDNORM_MODE_LIVE = 1,
  GST_LOUDNORM_MODE_LINEAR = 2,
  GST_LOUDNORM_MODE_FILE = 3,
} GstLoudnormMode;

#define GST_TYPE_LOUDNORM_MODE (gst_loudnorm_mode_get_type ())
GType gst_loudnorm_mode_get_type (void);

struct _GstLoudnorm
{
  GstMmLookahead parent;

  /* properties, under the object lock */
  GstLoudnormMode mode;
  guint64 interval;
  gboolean post_messages;
  gdouble target, max_true_peak, range_target, lookahead_ms, offset;
  gdouble measured_loudness, measured_true_peak, measured_range;
  gboolean measured_loudness_set, measured_true_peak_set, measured_range_set;

  /* streaming state; what get_property reads changes under the lock */
  GstLoudnormMode active_mode;  /* the mode of the current stream */
  mm_loudness *meter;           /* input meter of measure and file modes */
  mm_loudnorm *norm;            /* live, linear, file (final passes) */
  GstMmSpool *spool;            /* file mode */
  gint rate, bpf;
  gboolean f64;
  gdouble gain_db;              /* linear/file: the gain chosen */
  gboolean gain_valid;          /* linear: measured values present */
  gdouble reduction_interval;   /* largest limiter reduction this interval */
  gchar *normalization;         /* "none", "dynamic", "linear", ... */
  gboolean draining;            /* streaming thread: the EOS drain runs */

  GstMmInterval clock;          /* message times and intervals */
  gpointer silence;             /* zeros measured for GAP buffers */
  gint warned_nonfinite;        /* atomic: the NaN/Inf warning was posted */
};

struct _GstLoudnormClass
{
  GstMmLookaheadClass parent_class;

  void (*reset) (GstLoudnorm * self);
};

GType gst_loudnorm_get_type (void);
GST_ELEMENT_REGISTER_DECLARE (loudnorm);

G_END_DECLS

#endif /* __GST_LOUDNORM_H__ */
