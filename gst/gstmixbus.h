/* mixbus: the mixing stage -- N tracks through channel strips, effect
 * sends and returns, ducking and meters, into one stereo bus. */
#ifndef __GST_MIXBUS_H__
#define __GST_MIXBUS_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudioaggregator.h>

#include "delay.h"
#include "loudness.h"
#include "mmstream.h"
#include "reverb.h"
#include "smooth.h"
#include "strip.h"

G_BEGIN_DECLS

#define GST_TYPE_MIXBUS            (gst_mixbus_get_type ())
#define GST_MIXBUS(obj)            (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MIXBUS, GstMixbus))
#define GST_MIXBUS_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_MIXBUS, GstMixbusClass))
#define GST_IS_MIXBUS(obj)         (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_MIXBUS))
#define GST_IS_MIXBUS_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_MIXBUS))

#define GST_TYPE_MIXBUS_PAD            (gst_mixbus_pad_get_type ())
#define GST_MIXBUS_PAD(obj)            (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MIXBUS_PAD, GstMixbusPad))
#define GST_MIXBUS_PAD_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_MIXBUS_PAD, GstMixbusPadClass))
#define GST_IS_MIXBUS_PAD(obj)         (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_MIXBUS_PAD))
#define GST_IS_MIXBUS_PAD_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_MIXBUS_PAD))

typedef struct _GstMixbus GstMixbus;
typedef struct _GstMixbusClass GstMixbusClass;
typedef struct _GstMixbusPad GstMixbusPad;
typedef struct _GstMixbusPadClass GstMixbusPadClass;

/**
 * GstMixbusPanLaw:
 * @GST_MIXBUS_PAN_LAW_0DB: centre 0 dB (each side unity up to the centre)
 * @GST_MIXBUS_PAN_LAW_3DB: centre -3.00 dB (constant power within 0.01 dB)
 * @GST_MIXBUS_PAN_LAW_4_5DB: centre -4.50 dB
 * @GST_MIXBUS_PAN_LAW_6DB: centre -6.00 dB (linear within 0.02 dB)
 */
typedef enum
{
  GST_MIXBUS_PAN_LAW_0DB = MM_PAN_LAW_0DB,
  GST_MIXBUS_PAN_LAW_3DB = MM_PAN_LAW_3DB,
  GST_MIXBUS_PAN_LAW_4_5DB = MM_PAN_LAW_4_5DB,
  GST_MIXBUS_PAN_LAW_6DB = MM_PAN_LAW_6DB,
} GstMixbusPanLaw;

#define GST_TYPE_MIXBUS_PAN_LAW (gst_mixbus_pan_law_get_type ())
GType gst_mixbus_pan_law_get_type (void);

struct _GstMixbusPad
{
  GstAudioAggregatorConvertPad parent;

  /* properties, under the pad's object lock */
  mm_strip_params params;       /* pan_law is the element's */
  gboolean solo;
  gchar *duck_source;
  gdouble duck_depth, duck_threshold;
  gboolean params_changed;
  gboolean flushed;             /* FLUSH_STOP seen: clear the strip */

  /* conversion (aggregator thread, pad object lock held) */
  GstAudioConverter *converter;
  gboolean converter_stale;
  GstAudioInfo strip_info;      /* F32, 1 or 2 channels, the output rate */
  GstBufferPool *pool;          /* converted buffers, sized at caps time */
  gsize pool_size;

  /* streaming state (aggregator thread) */
  mm_strip_params sparams;      /* the properties last copied */
  gboolean applied_mute;        /* mute as last given to the strip (solo) */
  gboolean fresh;               /* a new strip: starts at its settings */
  gint strip_rate;
  guint strip_channels;
  mm_strip *strip;
  mm_loudness *meter;           /* momentary loudness of the pad's output */
  gfloat *out;                  /* the strip's output before the bus */
  gfloat *in;                   /* input copied when not float-aligned */
  guint out_frames;
  gboolean pending;             /* has a piece in the block's pending list */
  gdouble duck_db;              /* this block's ducking gain, dB */
  gdouble key_db;               /* the last block's output peak (side-chain) */
  gboolean had_data;            /* processed since the last message */
  gdouble comp_red, duck_red;   /* largest since the last message, dB */
  guint law_applied;            /* the bus pan-law generation applied */
};

struct _GstMixbusPadClass
{
  GstAudioAggregatorConvertPadClass parent_class;
};

/* A pad's input piece of the block, mixed when the block is finished
 * (gst_mixbus_finish_buffer): the aggregator may hand a block's pieces over
 * in several aggregate () calls, and a pad may be released in between. */
typedef struct
{
  GstMixbusPad *pad;            /* a reference */
  guint offset, frames;
  const gfloat *data;           /* the piece's input: in buf or pad->in */
  GstBuffer *buf;               /* mapped (map) while the piece waits */
  GstMapInfo map;
} GstMixbusPiece;

/* The bus properties, under the element's object lock. */
typedef struct
{
  GstMixbusPanLaw pan_law;
  gdouble reverb_size, reverb_decay, reverb_damping, reverb_predelay;
  gdouble reverb_return;
  gdouble delay_time, delay_feedback, delay_lowpass, delay_return;
  gdouble master_gain;
} GstMixbusBusParams;

struct _GstMixbus
{
  GstAudioAggregator parent;

  /* properties, under the object lock */
  GstMixbusBusParams bus;
  guint law_generation;         /* bumped when pan-law changes */
  guint64 interval;
  gboolean post_messages;

  /* streaming state (aggregator thread; set up and freed on caps / stop) */
  gint rate;
  gboolean f64;
  mm_reverb *reverb;
  mm_delay *delay;
  mm_smoother *reverb_gain, *delay_gain, *master;
  mm_loudness *meter;           /* the bus output */
  gfloat *mix, *send[2], *wet;  /* stereo, `frames` each */
  guint frames;
  guint64 quiet[2];             /* frames since a send last fed each return */
  gboolean any_solo;
  /* the properties as the block started (create_output_buffer): the
   * block's pads and bus are mixed without the element's lock */
  GstMixbusBusParams blk_bus;
  guint blk_law_generation;
  guint64 blk_interval;
  gboolean blk_post;
  GstMmInterval clock;
  GstMixbusPiece *pieces;       /* the block's pieces in the order given */
  guint n_pieces, pieces_size;
  gdouble peak[2], sumsq[2];
  guint64 metered;

  /* held by the aggregator thread while GstAudioAggregator mixes the pads
   * and by release_pad: see gst_mixbus_aggregate () */
  GRecMutex release_lock;
  gboolean release_locked;      /* aggregator thread only */

  /* PLAYING (set as PAUSED -> PLAYING starts, when the base time is the
   * new one): a live timeout counts only then, see timeout_due () */
  GMutex state_lock;
  GCond state_cond;
  gboolean playing;
  guint state_cookie;           /* bumped at every state change */
};

struct _GstMixbusClass
{
  GstAudioAggregatorClass parent_class;
};

GType gst_mixbus_get_type (void);
GType gst_mixbus_pad_get_type (void);
GST_ELEMENT_REGISTER_DECLARE (mixbus);

G_END_DECLS

#endif /* __GST_MIXBUS_H__ */
