/* GstMmLookahead: the small base class of mixmaster's lookahead elements
 * (loudnorm, masterchain).
 *
 * It keeps the timing contract once for all of them:
 *   - output frame k carries input frame k's timestamp: nothing inserted,
 *     nothing dropped, total output frames == total input frames, exactly;
 *   - the LATENCY query adds the subclass's latency to upstream's;
 *   - EOS drains everything held before EOS goes downstream;
 *   - FLUSH_STOP and new caps reset the subclass and the counters;
 *   - GAP events are fed through as silence of their duration;
 *   - DISCONT (flag, or a timestamp off by more than a frame) starts a new
 *     timestamp base; the output frame that corresponds to the first frame
 *     after it carries the new timestamp and the DISCONT flag.
 *
 * A subclass implements process(): exactly `frames` frames in, `frames`
 * frames out, the output delayed by get_latency_frames().  The base class
 * drops the first `latency` output frames (they precede the stream) and at
 * EOS feeds `latency` frames of zeros to get the held ones out.
 *
 * Subclasses that hold more (loudnorm mode=file spools the whole stream)
 * override handle_input() and drain() and hand their output to
 * gst_mm_lookahead_push_output() in order; timestamps follow the same rule.
 *
 * Bypass (gst_mm_lookahead_set_bypass): input buffers go out untouched
 * (bit-exact, same buffers, same timestamps), latency 0.
 */
#ifndef __GST_MM_LOOKAHEAD_H__
#define __GST_MM_LOOKAHEAD_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_MM_LOOKAHEAD            (gst_mm_lookahead_get_type ())
#define GST_MM_LOOKAHEAD(obj)            (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MM_LOOKAHEAD, GstMmLookahead))
#define GST_MM_LOOKAHEAD_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_MM_LOOKAHEAD, GstMmLookaheadClass))
#define GST_MM_LOOKAHEAD_GET_CLASS(obj)  (G_TYPE_INSTANCE_GET_CLASS ((obj), GST_TYPE_MM_LOOKAHEAD, GstMmLookaheadClass))
#define GST_IS_MM_LOOKAHEAD(obj)         (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_MM_LOOKAHEAD))

typedef struct _GstMmLookahead GstMmLookahead;
typedef struct _GstMmLookaheadClass GstMmLookaheadClass;
typedef struct _GstMmLookaheadPrivate GstMmLookaheadPrivate;

struct _GstMmLookahead
{
  GstAudioFilter parent;

  /*< private >*/
  GstMmLookaheadPrivate *priv;
};

struct _GstMmLookaheadClass
{
  GstAudioFilterClass parent_class;

  /* Required (unless every mode overrides handle_input and drain):
   * `frames` interleaved frames in the negotiated format from `in` to
   * `out` (never the same memory), delayed by the latency.  Streaming
   * thread only. */
  void (*process) (GstMmLookahead * self, gconstpointer in, gpointer out,
      guint frames);

  /* Frames of delay of process(); read when caps are set, after reset,
   * and for the LATENCY query.  Default: 0. */
  guint (*get_latency_frames) (GstMmLookahead * self);

  /* Clear the processing state (flush, new caps).  Optional. */
  void (*reset) (GstMmLookahead * self);

  /* One input buffer of `frames` frames (already mapped by nobody; the
   * buffer may be GAP-flagged or a zero buffer made for a GAP event).
   * Default: run process() and push_output() the result. */
  GstFlowReturn (*handle_input) (GstMmLookahead * self, GstBuffer * buf,
      guint frames);

  /* At EOS, before EOS goes downstream.  Default: process() `latency`
   * frames of zeros and push_output() them. */
  GstFlowReturn (*drain) (GstMmLookahead * self);
};

GType gst_mm_lookahead_get_type (void);

/* Hands output frames (in order, any count) to the base class, which
 * drops the leading `latency` frames, stamps and sends the rest.  Takes
 * ownership of `buf`.  Streaming thread only. */
GstFlowReturn gst_mm_lookahead_push_output (GstMmLookahead * self,
    GstBuffer * buf);

/* Input and output frames counted since the last reset (for subclasses
 * and tests; output counts frames sent downstream). */
guint64 gst_mm_lookahead_get_frames_in (GstMmLookahead * self);
guint64 gst_mm_lookahead_get_frames_out (GstMmLookahead * self);

/* Bypass: pass input buffers through untouched, latency 0.  Takes effect
 * at the next reset (new caps, flush) or at once before any data. */
void gst_mm_lookahead_set_bypass (GstMmLookahead * self, gboolean bypass);

/* Subclasses call this when their latency changes (e.g. a READY-only
 * lookahead property): posts a LATENCY message on the bus. */
void gst_mm_lookahead_latency_changed (GstMmLookahead * self);

G_END_DECLS

#endif /* __GST_MM_LOOKAHEAD_H__ */
