/* GstMmLookahead: the base class of mixmaster's lookahead elements.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstmmlookahead
 * @title: GstMmLookahead
 * @short_description: base class for audio filters that delay their output
 *
 * An abstract #GstAudioFilter for elements whose processing holds samples
 * back (a limiter's lookahead, a two-pass normaliser).  It keeps the timing
 * contract described in gstmmlookahead.h once for all of them: output frame
 * k carries input frame k's timestamp, EOS drains, FLUSH_STOP and new caps
 * reset, GAP events are fed through as silence and the LATENCY query adds
 * the lookahead.
 *
 * How it sits on #GstBaseTransform: submit_input_buffer() chains up (caps
 * renegotiation and QoS stay there), takes the queued input buffer and
 * hands it to #GstMmLookaheadClass.handle_input(); the output that the
 * subclass hands to gst_mm_lookahead_push_output() while this happens is
 * stamped and queued, and generate_output() gives the queued buffers to
 * #GstBaseTransform one at a time.  Output produced outside the chain
 * function (drains, GAP events) is pushed on the source pad directly,
 * before the event goes on.
 *
 * Timestamps: the base class keeps a small queue of resync points (input
 * frame index, timestamp).  One is added for the first frame after a reset
 * and whenever an input buffer is DISCONT or its PTS is more than one frame
 * away from the one extrapolated from the frame count; a frame's time is
 * the time of the last resync point at or before it plus its distance in
 * frames (rounded to the nanosecond).  Output is cut at resync points; a
 * buffer that starts at one carries %GST_BUFFER_FLAG_DISCONT.
 * #GST_BUFFER_OFFSET and #GST_BUFFER_OFFSET_END count output frames since
 * the last reset.
 *
 * New caps: once the subclass's #GstAudioFilterClass.setup has returned
 * (chaining up is harmless, not needed) and the info is stored, the base
 * class resets the subclass, reads its latency and re-arms the pre-roll.
 * Caps of the same format as the current ones are ignored (setup is not
 * called, nothing is reset); caps of another format first drain what is
 * held, in the old format.
 *
 * Held audio never crosses a stream or segment boundary: besides EOS, a
 * STREAM_START (a new stream without EOS, as in gapless playback) and a
 * SEGMENT that maps timestamps differently drain (before the event goes
 * on) and reset.  Other serialized events (TAG, custom) go on at once,
 * ahead of the held audio.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmmlookahead.h"

#include <string.h>

#include <gst/base/gstqueuearray.h>

GST_DEBUG_CATEGORY_STATIC (gst_mm_lookahead_debug);
#define GST_CAT_DEFAULT gst_mm_lookahead_debug

/* Frames of zeros kept for GAP events and the default drain. */
#define SILENCE_FRAMES 4096

typedef struct
{
  guint64 frame;                /* input frame index since the reset */
  GstClockTime pts;             /* its timestamp, or NONE */
} GstMmResync;

/* State.  Under `lock` (read from any thread): bypass_requested, bypass,
 * configured, rate, latency, latency_ns, reported_ns.  The streaming
 * thread writes those and owns everything else; it reads `bypass` and
 * `configured` without the lock.  The lock is never held while a subclass
 * vfunc runs or a message is posted, and the object lock is not taken
 * (except by gst_element_post_message): subclasses may call the getters
 * and set_bypass() with their own object lock held. */
struct _GstMmLookaheadPrivate
{
  GMutex lock;
  gboolean bypass_requested;    /* gst_mm_lookahead_set_bypass() */
  gboolean bypass;              /* in effect since the last reset */
  gboolean configured;          /* caps set and setup done */
  gint rate;
  guint latency;                /* frames, in effect */
  GstClockTime latency_ns;      /* the same in ns (0 in bypass) */
  GstClockTime reported_ns;     /* added in the last LATENCY query, or NONE */
  gint latency_dirty;           /* atomic: latency_changed() was called */

  gsize bpf;
  GstBuffer *silence;           /* SILENCE_FRAMES frames of zeros, GAP */
  gboolean warned_partial;      /* a buffer ended in a partial frame */

  guint64 frames_in;            /* input frames handled since the reset
                                 * (counted after handle_input returns) */
  guint64 frames_out;           /* output frames stamped since the reset */
  guint64 skip;                 /* pre-roll frames still to drop */
  gboolean started;             /* data (or a GAP) since the reset */
  gboolean drained;             /* drained (EOS, ...): next data starts anew */

  /* input side: the last resync point, to extrapolate from */
  gboolean have_in_base;
  guint64 in_base_frame;
  GstClockTime in_base_pts;
  gboolean pending_discont;     /* an empty DISCONT buffer came */
  GstQueueArray *resync;        /* GstMmResync not yet reached by output */

  /* output side: the resync point in force */
  guint64 out_base_frame;
  GstClockTime out_base_pts;

  gboolean collect;             /* push_output() queues (in the chain) */
  GstQueueArray *outq;          /* stamped buffers for generate_output() */
  gboolean bt_discont;          /* GstBaseTransform will flag the next
                                 * buffer generate_output() returns */
};

#define gst_mm_lookahead_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstMmLookahead, gst_mm_lookahead,
    GST_TYPE_AUDIO_FILTER);

static void gst_mm_lookahead_finalize (GObject * object);
static gboolean gst_mm_lookahead_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_mm_lookahead_set_caps (GstBaseTransform * trans,
    GstCaps * incaps, GstCaps * outcaps);
static gboolean gst_mm_lookahead_stop (GstBaseTransform * trans);
static gboolean gst_mm_lookahead_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_mm_lookahead_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);
static GstFlowReturn gst_mm_lookahead_submit_input_buffer (GstBaseTransform *
    trans, gboolean is_discont, GstBuffer * input);
static GstFlowReturn gst_mm_lookahead_generate_output (GstBaseTransform *
    trans, GstBuffer ** outbuf);
static GstFlowReturn gst_mm_lookahead_default_handle_input (GstMmLookahead *
    self, GstBuffer * buf, guint frames);
static GstFlowReturn gst_mm_lookahead_default_drain (GstMmLookahead * self);

static void
gst_mm_lookahead_class_init (GstMmLookaheadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_mm_lookahead_debug, "mmlookahead", 0,
      "mixmaster lookahead base class");

  gobject_class->finalize = gst_mm_lookahead_finalize;

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_mm_lookahead_setup);

  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_mm_lookahead_set_caps);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_mm_lookahead_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_mm_lookahead_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_mm_lookahead_query);
  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_mm_lookahead_submit_input_buffer);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_mm_lookahead_generate_output);

  klass->handle_input =
      GST_DEBUG_FUNCPTR (gst_mm_lookahead_default_handle_input);
  klass->drain = GST_DEBUG_FUNCPTR (gst_mm_lookahead_default_drain);
}

static void
gst_mm_lookahead_init (GstMmLookahead * self)
{
  GstMmLookaheadPrivate *priv = gst_mm_lookahead_get_instance_private (self);
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  self->priv = priv;
  g_mutex_init (&priv->lock);
  priv->reported_ns = GST_CLOCK_TIME_NONE;
  priv->in_base_pts = GST_CLOCK_TIME_NONE;
  priv->out_base_pts = GST_CLOCK_TIME_NONE;
  priv->resync = gst_queue_array_new_for_struct (sizeof (GstMmResync), 16);
  priv->outq = gst_queue_array_new (16);

  /* GstBaseTransform turns passthrough on for classes without transform
   * functions; the output here never is the input (except in bypass,
   * which generate_output() handles) */
  gst_base_transform_set_passthrough (trans, FALSE);
}

static void
drop_output (GstMmLookahead * self)
{
  GstBuffer *buf;

  while ((buf = gst_queue_array_pop_head (self->priv->outq)))
    gst_buffer_unref (buf);
}

static void
gst_mm_lookahead_finalize (GObject * object)
{
  GstMmLookahead *self = GST_MM_LOOKAHEAD (object);
  GstMmLookaheadPrivate *priv = self->priv;

  drop_output (self);
  gst_queue_array_free (priv->outq);
  gst_queue_array_free (priv->resync);
  gst_buffer_replace (&priv->silence, NULL);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ------------------------------------------------------------------ */
/* Latency, bypass and reset                                            */

static GstClockTime
frames_to_ns (guint64 frames, gint rate)
{
  if (rate <= 0)
    return 0;
  return gst_util_uint64_scale_int_ceil (frames, GST_SECOND, rate);
}

static void
post_latency (GstMmLookahead * self)
{
  GST_DEBUG_OBJECT (self, "posting a LATENCY message");
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_latency (GST_OBJECT (self)));
}

/* Puts the requested bypass and the subclass's latency into effect, arms
 * the pre-roll.  Streaming thread, before any data of the stream. */
static void
apply_settings (GstMmLookahead * self)
{
  GstMmLookaheadClass *klass = GST_MM_LOOKAHEAD_GET_CLASS (self);
  GstMmLookaheadPrivate *priv = self->priv;
  gboolean bypass, notify;
  guint latency = 0;

  g_atomic_int_set (&priv->latency_dirty, FALSE);
  g_mutex_lock (&priv->lock);
  bypass = priv->bypass_requested;
  g_mutex_unlock (&priv->lock);

  /* the subclass may take its object lock: no lock held here */
  if (priv->configured && !bypass && klass->get_latency_frames)
    latency = klass->get_latency_frames (self);

  g_mutex_lock (&priv->lock);
  priv->bypass = bypass;
  priv->latency = latency;
  priv->latency_ns = bypass ? 0 : frames_to_ns (latency, priv->rate);
  /* a LATENCY query answered with another value must be asked again */
  notify = GST_CLOCK_TIME_IS_VALID (priv->reported_ns)
      && priv->reported_ns != priv->latency_ns;
  g_mutex_unlock (&priv->lock);

  priv->skip = bypass ? 0 : latency;
  GST_DEBUG_OBJECT (self, "bypass %d, latency %u frames", bypass, latency);

  if (notify)
    post_latency (self);
}

/* Clears everything held and counted: subclass state, counters, resync
 * points, queued output; re-arms the pre-roll.  Streaming thread. */
static void
gst_mm_lookahead_reset (GstMmLookahead * self)
{
  GstMmLookaheadClass *klass = GST_MM_LOOKAHEAD_GET_CLASS (self);
  GstMmLookaheadPrivate *priv = self->priv;

  GST_DEBUG_OBJECT (self, "reset");
  drop_output (self);
  gst_queue_array_clear (priv->resync);
  if (priv->configured && klass->reset)
    klass->reset (self);

  priv->frames_in = 0;
  priv->frames_out = 0;
  priv->started = FALSE;
  priv->drained = FALSE;
  priv->have_in_base = FALSE;
  priv->in_base_frame = 0;
  priv->in_base_pts = GST_CLOCK_TIME_NONE;
  priv->pending_discont = FALSE;
  priv->out_base_frame = 0;
  priv->out_base_pts = GST_CLOCK_TIME_NONE;

  apply_settings (self);
}

/* Before the first data of a stream: a new bypass or latency asked for
 * since the reset takes effect at once; data after a drained EOS starts a
 * new stream. */
static void
start_stream (GstMmLookahead * self)
{
  GstMmLookaheadPrivate *priv = self->priv;
  gboolean changed;

  if (G_UNLIKELY (priv->drained))
    gst_mm_lookahead_reset (self);
  if (priv->started)
    return;

  g_mutex_lock (&priv->lock);
  changed = priv->bypass_requested != priv->bypass;
  g_mutex_unlock (&priv->lock);
  if (changed || g_atomic_int_get (&priv->latency_dirty))
    apply_settings (self);
  priv->started = TRUE;
}

/* Stores the negotiated format and resets.  Streaming thread. */
static void
configure (GstMmLookahead * self, const GstAudioInfo * info)
{
  GstMmLookaheadPrivate *priv = self->priv;
  gsize bpf = GST_AUDIO_INFO_BPF (info);

  if (!priv->silence || priv->bpf != bpf) {
    gst_buffer_replace (&priv->silence, NULL);
    priv->silence = gst_buffer_new_allocate (NULL, SILENCE_FRAMES * bpf,
        NULL);
    gst_buffer_memset (priv->silence, 0, 0, SILENCE_FRAMES * bpf);
    GST_BUFFER_FLAG_SET (priv->silence, GST_BUFFER_FLAG_GAP);
  }
  priv->bpf = bpf;
  priv->warned_partial = FALSE;

  g_mutex_lock (&priv->lock);
  priv->rate = GST_AUDIO_INFO_RATE (info);
  priv->configured = TRUE;
  g_mutex_unlock (&priv->lock);

  gst_mm_lookahead_reset (self);
}

/* Subclasses chain up here; the work is done in set_caps() once
 * GstAudioFilter has stored the info, so that reset() and
 * get_latency_frames() can read GST_AUDIO_FILTER_INFO. */
static gboolean
gst_mm_lookahead_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GST_DEBUG_OBJECT (filter, "setup: %d Hz, %d channels, %s",
      GST_AUDIO_INFO_RATE (info), GST_AUDIO_INFO_CHANNELS (info),
      GST_AUDIO_INFO_NAME (info));
  return TRUE;
}

static gboolean
gst_mm_lookahead_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstMmLookahead *self = GST_MM_LOOKAHEAD (trans);
  GstMmLookaheadPrivate *priv = self->priv;
  GstAudioInfo info;

  /* the same format again (renegotiation, a repeated caps event): keep
   * what is held, the subclass is not set up anew */
  if (priv->configured && gst_audio_info_from_caps (&info, incaps)
      && gst_audio_info_is_equal (&info, &GST_AUDIO_FILTER (self)->info)) {
    GST_DEBUG_OBJECT (self, "same format, nothing to do");
    return TRUE;
  }

  /* GstAudioFilter: the subclass's setup, then the info is stored */
  if (!GST_BASE_TRANSFORM_CLASS (parent_class)->set_caps (trans, incaps,
          outcaps)) {
    g_mutex_lock (&priv->lock);
    priv->configured = FALSE;
    g_mutex_unlock (&priv->lock);
    return FALSE;
  }
  configure (self, &GST_AUDIO_FILTER (self)->info);
  return TRUE;
}

static gboolean
gst_mm_lookahead_stop (GstBaseTransform * trans)
{
  GstMmLookahead *self = GST_MM_LOOKAHEAD (trans);
  GstMmLookaheadPrivate *priv = self->priv;

  drop_output (self);
  gst_queue_array_clear (priv->resync);
  gst_buffer_replace (&priv->silence, NULL);
  priv->started = FALSE;
  priv->drained = FALSE;
  priv->bt_discont = FALSE;
  priv->frames_in = 0;
  priv->frames_out = 0;

  g_mutex_lock (&priv->lock);
  priv->configured = FALSE;
  priv->rate = 0;
  priv->latency = 0;
  priv->latency_ns = 0;
  priv->reported_ns = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&priv->lock);

  if (GST_BASE_TRANSFORM_CLASS (parent_class)->stop)
    return GST_BASE_TRANSFORM_CLASS (parent_class)->stop (trans);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Timestamps                                                           */

/* Time of `frame` counted from a resync point. */
static GstClockTime
frame_time (GstClockTime base_pts, guint64 base_frame, guint64 frame,
    gint rate)
{
  if (!GST_CLOCK_TIME_IS_VALID (base_pts))
    return GST_CLOCK_TIME_NONE;
  return base_pts + gst_util_uint64_scale_int_round (frame - base_frame,
      GST_SECOND, rate);
}

/* The next input frame (index frames_in) comes at `pts` (NONE: unknown).
 * A resync point is added for the first frame after a reset, on DISCONT,
 * and when `pts` is more than one frame away from the extrapolated time. */
static void
track_input (GstMmLookahead * self, GstClockTime pts, gboolean discont)
{
  GstMmLookaheadPrivate *priv = self->priv;
  GstClockTime expected = frame_time (priv->in_base_pts, priv->in_base_frame,
      priv->frames_in, priv->rate);
  gboolean resync = !priv->have_in_base || discont || priv->pending_discont;
  GstMmResync point;

  if (!resync && GST_CLOCK_TIME_IS_VALID (pts)) {
    if (!GST_CLOCK_TIME_IS_VALID (expected)) {
      resync = TRUE;
    } else {
      guint64 diff = pts > expected ? pts - expected : expected - pts;
      /* more than one frame: diff * rate > 1 s */
      resync = diff >= GST_SECOND
          || diff * (guint64) priv->rate > (guint64) GST_SECOND;
    }
  }
  if (!resync)
    return;

  point.frame = priv->frames_in;
  point.pts = GST_CLOCK_TIME_IS_VALID (pts) ? pts : expected;
  gst_queue_array_push_tail_struct (priv->resync, &point);
  GST_DEBUG_OBJECT (self, "resync at frame %" G_GUINT64_FORMAT ": %"
      GST_TIME_FORMAT " (expected %" GST_TIME_FORMAT ")%s", point.frame,
      GST_TIME_ARGS (point.pts), GST_TIME_ARGS (expected),
      discont ? ", DISCONT" : "");

  priv->have_in_base = TRUE;
  priv->in_base_frame = point.frame;
  priv->in_base_pts = point.pts;
  priv->pending_discont = FALSE;
}

/* Sets timestamps, offsets and the DISCONT flag of `frames` output frames
 * starting at frames_out. */
static void
stamp (GstMmLookahead * self, GstBuffer * buf, guint64 frames,
    gboolean discont)
{
  GstMmLookaheadPrivate *priv = self->priv;
  guint64 k = priv->frames_out;
  GstClockTime start, end;

  start = frame_time (priv->out_base_pts, priv->out_base_frame, k,
      priv->rate);
  end = frame_time (priv->out_base_pts, priv->out_base_frame, k + frames,
      priv->rate);

  GST_BUFFER_PTS (buf) = start;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID (start))
    GST_BUFFER_DURATION (buf) = end - start;
  else
    GST_BUFFER_DURATION (buf) = frame_time (0, 0, frames, priv->rate);
  GST_BUFFER_OFFSET (buf) = k;
  GST_BUFFER_OFFSET_END (buf) = k + frames;
  if (discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DISCONT);

  priv->frames_out += frames;
}

/* Queued for generate_output() in the chain function, pushed otherwise. */
static GstFlowReturn
dispatch (GstMmLookahead * self, GstBuffer * buf)
{
  GST_LOG_OBJECT (self, "output %" GST_PTR_FORMAT, buf);
  if (self->priv->collect) {
    gst_queue_array_push_tail (self->priv->outq, buf);
    return GST_FLOW_OK;
  }
  return gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
}

/* Pushes what an interrupted chain call left queued. */
static GstFlowReturn
push_queued (GstMmLookahead * self)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *buf;

  while ((buf = gst_queue_array_pop_head (self->priv->outq))) {
    if (ret == GST_FLOW_OK)
      ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
    else
      gst_buffer_unref (buf);
  }
  return ret;
}

GstFlowReturn
gst_mm_lookahead_push_output (GstMmLookahead * self, GstBuffer * buf)
{
  GstMmLookaheadPrivate *priv;
  GstFlowReturn ret = GST_FLOW_OK;
  guint64 frames;
  gsize bpf;

  g_return_val_if_fail (GST_IS_MM_LOOKAHEAD (self), GST_FLOW_ERROR);
  g_return_val_if_fail (GST_IS_BUFFER (buf), GST_FLOW_ERROR);
  priv = self->priv;

  if (G_UNLIKELY (!priv->configured || priv->bpf == 0)) {
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  bpf = priv->bpf;
  frames = gst_buffer_get_size (buf) / bpf;

  /* the first `latency` frames precede the stream */
  if (priv->skip > 0 || frames == 0 || gst_buffer_get_size (buf) % bpf) {
    guint64 drop = MIN (priv->skip, frames);

    priv->skip -= drop;
    if (drop == frames) {
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
    buf = gst_buffer_make_writable (buf);
    gst_buffer_resize (buf, drop * bpf, (frames - drop) * bpf);
    frames -= drop;
  } else {
    buf = gst_buffer_make_writable (buf);
  }

  /* cut at resync points */
  while (buf && ret == GST_FLOW_OK) {
    guint64 k = priv->frames_out, n = frames;
    gboolean discont = FALSE;
    GstMmResync *next;
    GstBuffer *piece;

    while ((next = gst_queue_array_peek_head_struct (priv->resync))
        && next->frame <= k) {
      priv->out_base_frame = next->frame;
      priv->out_base_pts = next->pts;
      discont = TRUE;
      gst_queue_array_pop_head_struct (priv->resync);
    }
    if (next && next->frame < k + n)
      n = next->frame - k;

    if (n < frames) {
      piece = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 0, n * bpf);
      gst_buffer_resize (buf, n * bpf, (frames - n) * bpf);
      frames -= n;
    } else {
      piece = buf;
      buf = NULL;
    }
    stamp (self, piece, n, discont);
    ret = dispatch (self, piece);
  }
  if (buf)
    gst_buffer_unref (buf);
  return ret;
}

/* ------------------------------------------------------------------ */
/* Input                                                                */

/* One input buffer of `frames` frames (`buf` stays ours) through the
 * subclass; counts it. */
static GstFlowReturn
handle_frames (GstMmLookahead * self, GstBuffer * buf, guint64 frames,
    gboolean collect)
{
  GstMmLookaheadClass *klass = GST_MM_LOOKAHEAD_GET_CLASS (self);
  GstMmLookaheadPrivate *priv = self->priv;
  GstFlowReturn ret;

  priv->collect = collect;
  ret = klass->handle_input (self, buf, (guint) frames);
  priv->collect = FALSE;
  priv->frames_in += frames;
  return ret;
}

static GstFlowReturn
gst_mm_lookahead_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  GstMmLookahead *self = GST_MM_LOOKAHEAD (trans);
  GstMmLookaheadPrivate *priv = self->priv;
  GstFlowReturn ret;
  GstBuffer *buf;
  gsize size;
  guint64 frames;

  /* renegotiation and QoS; leaves the buffer in queued_buf */
  ret = GST_BASE_TRANSFORM_CLASS (parent_class)->submit_input_buffer (trans,
      is_discont, input);
  if (ret != GST_FLOW_OK || !trans->queued_buf)
    return ret;
  if (G_UNLIKELY (!priv->configured || priv->bpf == 0)) {
    gst_buffer_replace (&trans->queued_buf, NULL);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  /* GstBaseTransform flags the next buffer it pushes when this is set */
  priv->bt_discont = is_discont;
  start_stream (self);

  size = gst_buffer_get_size (trans->queued_buf);
  frames = size / priv->bpf;
  if (priv->bypass) {
    /* generate_output() hands queued_buf out as it is */
    priv->frames_in += frames;
    priv->frames_out += frames;
    return GST_FLOW_OK;
  }

  buf = trans->queued_buf;
  trans->queued_buf = NULL;
  GST_LOG_OBJECT (self, "input %" GST_PTR_FORMAT, buf);

  if (G_UNLIKELY (frames == 0)) {
    /* nothing to play; a DISCONT on it holds for the next data */
    if (GST_BUFFER_IS_DISCONT (buf))
      priv->pending_discont = TRUE;
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  if (G_UNLIKELY (size % priv->bpf)) {
    if (!priv->warned_partial) {
      GST_WARNING_OBJECT (self, "buffer of %" G_GSIZE_FORMAT " bytes ends "
          "in a partial frame (%" G_GSIZE_FORMAT " bytes a frame): dropping "
          "the remainder", size, priv->bpf);
      priv->warned_partial = TRUE;
    }
    buf = gst_buffer_make_writable (buf);
    gst_buffer_resize (buf, 0, frames * priv->bpf);
  }

  track_input (self, GST_BUFFER_PTS (buf), GST_BUFFER_IS_DISCONT (buf));
  ret = handle_frames (self, buf, frames, TRUE);
  gst_buffer_unref (buf);
  return ret;
}

static GstFlowReturn
gst_mm_lookahead_generate_output (GstBaseTransform * trans,
    GstBuffer ** outbuf)
{
  GstMmLookahead *self = GST_MM_LOOKAHEAD (trans);
  GstMmLookaheadPrivate *priv = self->priv;
  GstBuffer *buf;

  *outbuf = NULL;
  while ((buf = gst_queue_array_pop_head (priv->outq))) {
    if (priv->bt_discont && !GST_BUFFER_IS_DISCONT (buf)) {
      /* An input DISCONT is pending in GstBaseTransform, which would flag
       * this buffer; but it is continuous (the discontinuity is further on
       * in the delayed output): push it around GstBaseTransform. */
      GstFlowReturn ret = gst_pad_push (trans->srcpad, buf);
      if (ret != GST_FLOW_OK)
        return ret;
      continue;
    }
    priv->bt_discont = FALSE;
    *outbuf = buf;
    return GST_FLOW_OK;
  }

  /* bypass: the input buffer, untouched */
  if (trans->queued_buf) {
    *outbuf = trans->queued_buf;
    trans->queued_buf = NULL;
    priv->bt_discont = FALSE;
  }
  return GST_FLOW_OK;
}

/* `frames` frames of silence from a GAP event at `ts`, in pieces of at
 * most SILENCE_FRAMES, each with its timestamp and the GAP flag. */
static GstFlowReturn
feed_silence (GstMmLookahead * self, guint64 frames)
{
  GstMmLookaheadPrivate *priv = self->priv;
  GstFlowReturn ret = GST_FLOW_OK;

  while (frames > 0 && ret == GST_FLOW_OK) {
    guint64 n = MIN (frames, SILENCE_FRAMES);
    GstBuffer *buf = gst_buffer_copy_region (priv->silence,
        GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_MEMORY, 0, n * priv->bpf);
    GstClockTime start = frame_time (priv->in_base_pts, priv->in_base_frame,
        priv->frames_in, priv->rate);

    GST_BUFFER_PTS (buf) = start;
    if (GST_CLOCK_TIME_IS_VALID (start))
      GST_BUFFER_DURATION (buf) = frame_time (priv->in_base_pts,
          priv->in_base_frame, priv->frames_in + n, priv->rate) - start;
    GST_BUFFER_OFFSET (buf) = priv->frames_in;
    GST_BUFFER_OFFSET_END (buf) = priv->frames_in + n;
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);

    ret = handle_frames (self, buf, n, FALSE);
    gst_buffer_unref (buf);
    frames -= n;
  }
  return ret;
}

/* A GAP event: silence up to its end, counted from the resync point in
 * force so that repeated gaps do not drift. */
static GstFlowReturn
handle_gap (GstMmLookahead * self, GstClockTime ts, GstClockTime duration)
{
  GstMmLookaheadPrivate *priv = self->priv;
  GstClockTime end = ts + duration;
  guint64 frames;

  start_stream (self);
  if (priv->bypass)
    return GST_FLOW_OK;

  track_input (self, ts, FALSE);
  if (GST_CLOCK_TIME_IS_VALID (priv->in_base_pts)
      && end >= priv->in_base_pts) {
    guint64 end_frame = priv->in_base_frame +
        gst_util_uint64_scale_int_round (end - priv->in_base_pts,
        priv->rate, GST_SECOND);
    frames = end_frame > priv->frames_in ? end_frame - priv->frames_in : 0;
  } else {
    frames = gst_util_uint64_scale_int_round (duration, priv->rate,
        GST_SECOND);
  }
  GST_DEBUG_OBJECT (self, "GAP %" GST_TIME_FORMAT " + %" GST_TIME_FORMAT
      ": %" G_GUINT64_FORMAT " frames of silence", GST_TIME_ARGS (ts),
      GST_TIME_ARGS (duration), frames);

  return feed_silence (self, frames);
}

/* An output buffer of `frames` frames from the negotiated allocator. */
static GstBuffer *
alloc_output (GstMmLookahead * self, guint frames)
{
  GstAllocator *allocator = NULL;
  GstAllocationParams params;
  GstBuffer *buf;

  gst_base_transform_get_allocator (GST_BASE_TRANSFORM (self), &allocator,
      &params);
  buf = gst_buffer_new_allocate (allocator, (gsize) frames * self->priv->bpf,
      &params);
  if (allocator)
    gst_object_unref (allocator);
  if (G_UNLIKELY (!buf))
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL),
        ("Cannot allocate an output buffer of %u frames", frames));
  return buf;
}

static GstFlowReturn
gst_mm_lookahead_default_handle_input (GstMmLookahead * self, GstBuffer * buf,
    guint frames)
{
  GstMmLookaheadClass *klass = GST_MM_LOOKAHEAD_GET_CLASS (self);
  GstMapInfo in, out;
  GstBuffer *outbuf;

  if (G_UNLIKELY (!klass->process)) {
    GST_ELEMENT_ERROR (self, CORE, NOT_IMPLEMENTED, (NULL),
        ("%s implements neither process nor handle_input",
            G_OBJECT_TYPE_NAME (self)));
    return GST_FLOW_NOT_SUPPORTED;
  }

  outbuf = alloc_output (self, frames);
  if (G_UNLIKELY (!outbuf))
    return GST_FLOW_ERROR;

  if (!gst_buffer_map (buf, &in, GST_MAP_READ)) {
    gst_buffer_unref (outbuf);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL), ("Cannot map input"));
    return GST_FLOW_ERROR;
  }
  if (!gst_buffer_map (outbuf, &out, GST_MAP_WRITE)) {
    gst_buffer_unmap (buf, &in);
    gst_buffer_unref (outbuf);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL), ("Cannot map output"));
    return GST_FLOW_ERROR;
  }
  klass->process (self, in.data, out.data, frames);
  gst_buffer_unmap (outbuf, &out);
  gst_buffer_unmap (buf, &in);

  return gst_mm_lookahead_push_output (self, outbuf);
}

static GstFlowReturn
gst_mm_lookahead_default_drain (GstMmLookahead * self)
{
  GstMmLookaheadClass *klass = GST_MM_LOOKAHEAD_GET_CLASS (self);
  GstMmLookaheadPrivate *priv = self->priv;
  GstFlowReturn ret = GST_FLOW_OK;
  guint64 left = priv->latency;
  GstMapInfo zeros;

  if (left == 0 || !klass->process)
    return GST_FLOW_OK;
  if (!gst_buffer_map (priv->silence, &zeros, GST_MAP_READ))
    return GST_FLOW_ERROR;

  while (left > 0 && ret == GST_FLOW_OK) {
    guint n = (guint) MIN (left, SILENCE_FRAMES);
    GstBuffer *outbuf = alloc_output (self, n);
    GstMapInfo out;

    if (G_UNLIKELY (!outbuf)) {
      ret = GST_FLOW_ERROR;
      break;
    }
    gst_buffer_map (outbuf, &out, GST_MAP_WRITE);
    klass->process (self, zeros.data, out.data, n);
    gst_buffer_unmap (outbuf, &out);
    ret = gst_mm_lookahead_push_output (self, outbuf);
    left -= n;
  }
  gst_buffer_unmap (priv->silence, &zeros);
  return ret;
}

/* Everything held goes out (leftovers of an interrupted chain call
 * first).  Streaming thread, outside the chain function. */
static GstFlowReturn
drain (GstMmLookahead * self)
{
  GstMmLookaheadClass *klass = GST_MM_LOOKAHEAD_GET_CLASS (self);
  GstMmLookaheadPrivate *priv = self->priv;
  GstFlowReturn ret;

  ret = push_queued (self);
  if (!priv->configured || priv->bypass || !priv->started || priv->drained)
    return ret;

  GST_DEBUG_OBJECT (self, "draining after %" G_GUINT64_FORMAT " frames in, %"
      G_GUINT64_FORMAT " out", priv->frames_in, priv->frames_out);
  priv->drained = TRUE;
  if (ret == GST_FLOW_OK && klass->drain)
    ret = klass->drain (self);
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "drain: %s", gst_flow_get_name (ret));
  return ret;
}

/* Whether buffers map to the same running and stream times in both
 * segments (position and duration do not matter). */
static gboolean
same_mapping (const GstSegment * a, const GstSegment * b)
{
  return a->format == b->format && a->rate == b->rate
      && a->applied_rate == b->applied_rate && a->base == b->base
      && a->offset == b->offset && a->start == b->start && a->stop == b->stop
      && a->time == b->time && a->flags == b->flags;
}

static gboolean
gst_mm_lookahead_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMmLookahead *self = GST_MM_LOOKAHEAD (trans);
  GstMmLookaheadPrivate *priv = self->priv;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      drain (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_mm_lookahead_reset (self);
      break;
    case GST_EVENT_STREAM_START:
      /* a new stream: what is held belongs to the previous one (gapless
       * playback sends no EOS in between) */
      drain (self);
      if (priv->drained)
        gst_mm_lookahead_reset (self);
      break;
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;

      /* held audio would be read in the new segment: out with it first */
      gst_event_parse_segment (event, &segment);
      if (priv->started && !priv->drained
          && !same_mapping (segment, &trans->segment)) {
        drain (self);
        if (priv->drained)
          gst_mm_lookahead_reset (self);
      }
      break;
    }
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      GstAudioInfo info;

      /* held audio goes out in its own format */
      gst_event_parse_caps (event, &caps);
      if (priv->configured && priv->started
          && !(gst_audio_info_from_caps (&info, caps)
              && gst_audio_info_is_equal (&info,
                  &GST_AUDIO_FILTER (self)->info)))
        drain (self);
      break;
    }
    case GST_EVENT_GAP:{
      GstClockTime ts, duration;

      gst_event_parse_gap (event, &ts, &duration);
      if (!priv->configured || !GST_CLOCK_TIME_IS_VALID (duration))
        break;
      handle_gap (self, ts, duration);
      if (priv->bypass)
        break;
      /* the silence went out as buffers */
      gst_event_unref (event);
      return TRUE;
    }
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_mm_lookahead_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstMmLookahead *self = GST_MM_LOOKAHEAD (trans);
  GstMmLookaheadPrivate *priv = self->priv;

  if (direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime min, max, latency;
    gboolean live;

    if (!gst_pad_peer_query (trans->sinkpad, query))
      return FALSE;
    gst_query_parse_latency (query, &live, &min, &max);

    g_mutex_lock (&priv->lock);
    latency = priv->configured ? priv->latency_ns : 0;
    priv->reported_ns = latency;
    g_mutex_unlock (&priv->lock);

    GST_DEBUG_OBJECT (self, "upstream: live %d, min %" GST_TIME_FORMAT
        ", max %" GST_TIME_FORMAT "; adding %" GST_TIME_FORMAT, live,
        GST_TIME_ARGS (min), GST_TIME_ARGS (max), GST_TIME_ARGS (latency));
    if (GST_CLOCK_TIME_IS_VALID (min))
      min += latency;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += latency;
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
      query);
}

/* ------------------------------------------------------------------ */
/* Public API                                                           */

guint64
gst_mm_lookahead_get_frames_in (GstMmLookahead * self)
{
  g_return_val_if_fail (GST_IS_MM_LOOKAHEAD (self), 0);
  return self->priv->frames_in;
}

guint64
gst_mm_lookahead_get_frames_out (GstMmLookahead * self)
{
  g_return_val_if_fail (GST_IS_MM_LOOKAHEAD (self), 0);
  return self->priv->frames_out;
}

void
gst_mm_lookahead_set_bypass (GstMmLookahead * self, gboolean bypass)
{
  g_return_if_fail (GST_IS_MM_LOOKAHEAD (self));

  g_mutex_lock (&self->priv->lock);
  self->priv->bypass_requested = ! !bypass;
  g_mutex_unlock (&self->priv->lock);
  GST_DEBUG_OBJECT (self, "bypass %d requested", bypass);
}

void
gst_mm_lookahead_latency_changed (GstMmLookahead * self)
{
  g_return_if_fail (GST_IS_MM_LOOKAHEAD (self));

  g_atomic_int_set (&self->priv->latency_dirty, TRUE);
  post_latency (self);
}
