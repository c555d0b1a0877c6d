/* GStreamer unit tests for GstMmLookahead, the lookahead base class.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A tiny subclass defined here, `mmtestdelay`, is a pure delay line of
 * `delay` frames (process() only).  With `hold=true` it mimics a spool:
 * handle_input() keeps references to the input buffers and drain() runs
 * all of them (and `delay` frames of zeros) through the delay line at EOS,
 * handing the output to gst_mm_lookahead_push_output().  It is registered
 * in-process and driven through a GstHarness.
 *
 * Every input sample encodes its own frame index (frame * 8 + channel + 1,
 * exact in F32 below 2^21 frames), so the output is checked sample by
 * sample: output frame k must equal input frame k (the delay removed
 * exactly) and carry input frame k's timestamp.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "gstmmlookahead.h"

/* ---------------------------------------------------------------------- */
/* mmtestdelay                                                             */

#define GST_TYPE_MM_TEST_DELAY (gst_mm_test_delay_get_type ())
#define GST_MM_TEST_DELAY(obj) \
  (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MM_TEST_DELAY, GstMmTestDelay))

typedef struct
{
  GstMmLookahead parent;

  /* properties, object lock */
  guint delay;
  gboolean hold;
  guint resets;

  /* streaming thread, from setup () */
  guint active_delay;
  gboolean active_hold;
  gsize bpf;
  guint8 *ring;
  guint pos;
  GQueue held;
} GstMmTestDelay;

typedef struct
{
  GstMmLookaheadClass parent_class;
} GstMmTestDelayClass;

enum
{
  PROP_0,
  PROP_DELAY,
  PROP_HOLD,
  PROP_BYPASS,
  PROP_RESETS,
};

static GType gst_mm_test_delay_get_type (void);
G_DEFINE_TYPE (GstMmTestDelay, gst_mm_test_delay, GST_TYPE_MM_LOOKAHEAD);

#define TEST_CAPS \
  "audio/x-raw, format = (string) { " GST_AUDIO_NE (F32) ", " \
  GST_AUDIO_NE (F64) " }, rate = (int) [ 1, MAX ], " \
  "channels = (int) [ 1, 8 ], layout = (string) interleaved"

static void
test_delay_drop_held (GstMmTestDelay * self)
{
  GstBuffer *buf;

  while ((buf = g_queue_pop_head (&self->held)))
    gst_buffer_unref (buf);
}

static void
test_delay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (object);
  gboolean changed = FALSE;

  switch (prop_id) {
    case PROP_DELAY:
      GST_OBJECT_LOCK (self);
      changed = self->delay != g_value_get_uint (value);
      self->delay = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_HOLD:
      GST_OBJECT_LOCK (self);
      self->hold = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_BYPASS:
      gst_mm_lookahead_set_bypass (GST_MM_LOOKAHEAD (self),
          g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  if (changed)
    gst_mm_lookahead_latency_changed (GST_MM_LOOKAHEAD (self));
}

static void
test_delay_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DELAY:
      g_value_set_uint (value, self->delay);
      break;
    case PROP_HOLD:
      g_value_set_boolean (value, self->hold);
      break;
    case PROP_RESETS:
      g_value_set_uint (value, self->resets);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
test_delay_finalize (GObject * object)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (object);

  test_delay_drop_held (self);
  g_free (self->ring);
  G_OBJECT_CLASS (gst_mm_test_delay_parent_class)->finalize (object);
}

/* Like a real subclass: builds its state, then chains up last. */
static gboolean
test_delay_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (filter);

  GST_OBJECT_LOCK (self);
  self->active_delay = self->delay;
  self->active_hold = self->hold;
  GST_OBJECT_UNLOCK (self);
  self->bpf = GST_AUDIO_INFO_BPF (info);
  g_free (self->ring);
  self->ring = g_malloc0 ((gsize) self->active_delay * self->bpf + 1);
  self->pos = 0;
  test_delay_drop_held (self);

  return GST_AUDIO_FILTER_CLASS (gst_mm_test_delay_parent_class)->setup
      (filter, info);
}

static guint
test_delay_get_latency_frames (GstMmLookahead * base)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (base);
  guint delay;

  /* called once the negotiated info is in place */
  fail_unless_equals_uint64 (GST_AUDIO_FILTER_BPF (base), self->bpf);
  GST_OBJECT_LOCK (self);
  delay = self->active_delay;
  GST_OBJECT_UNLOCK (self);
  return delay;
}

static void
test_delay_reset (GstMmLookahead * base)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (base);

  memset (self->ring, 0, (gsize) self->active_delay * self->bpf);
  self->pos = 0;
  test_delay_drop_held (self);
  GST_OBJECT_LOCK (self);
  self->resets++;
  GST_OBJECT_UNLOCK (self);
}

static void
test_delay_process (GstMmLookahead * base, gconstpointer in, gpointer out,
    guint frames)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (base);
  const guint8 *src = in;
  guint8 *dst = out;
  gsize bpf = self->bpf;
  guint d = self->active_delay;

  if (d == 0) {
    memcpy (dst, src, frames * bpf);
    return;
  }
  for (guint done = 0; done < frames;) {
    guint n = MIN (frames - done, d - self->pos);
    guint8 *slot = self->ring + (gsize) self->pos * bpf;

    memcpy (dst + done * bpf, slot, n * bpf);
    memcpy (slot, src + done * bpf, n * bpf);
    self->pos = (self->pos + n) % d;
    done += n;
  }
}

/* hold: keep the input (borrowed: take a reference) until EOS */
static GstFlowReturn
test_delay_handle_input (GstMmLookahead * base, GstBuffer * buf, guint frames)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (base);

  if (!self->active_hold)
    return GST_MM_LOOKAHEAD_CLASS (gst_mm_test_delay_parent_class)
        ->handle_input (base, buf, frames);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), frames * self->bpf);
  g_queue_push_tail (&self->held, gst_buffer_ref (buf));
  return GST_FLOW_OK;
}

static GstFlowReturn
process_and_push (GstMmTestDelay * self, const guint8 * in, gsize frames)
{
  GstBuffer *out = gst_buffer_new_allocate (NULL, frames * self->bpf, NULL);
  GstMapInfo map;

  gst_buffer_map (out, &map, GST_MAP_WRITE);
  test_delay_process (GST_MM_LOOKAHEAD (self), in, map.data, frames);
  gst_buffer_unmap (out, &map);
  return gst_mm_lookahead_push_output (GST_MM_LOOKAHEAD (self), out);
}

static GstFlowReturn
test_delay_drain (GstMmLookahead * base)
{
  GstMmTestDelay *self = GST_MM_TEST_DELAY (base);
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *buf;

  if (!self->active_hold)
    return GST_MM_LOOKAHEAD_CLASS (gst_mm_test_delay_parent_class)->drain
        (base);

  while (ret == GST_FLOW_OK && (buf = g_queue_pop_head (&self->held))) {
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    ret = process_and_push (self, map.data, map.size / self->bpf);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  if (ret == GST_FLOW_OK && self->active_delay > 0) {
    guint8 *zeros = g_malloc0 ((gsize) self->active_delay * self->bpf);
    ret = process_and_push (self, zeros, self->active_delay);
    g_free (zeros);
  }
  test_delay_drop_held (self);
  return ret;
}

static void
gst_mm_test_delay_class_init (GstMmTestDelayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstMmLookaheadClass *base_class = GST_MM_LOOKAHEAD_CLASS (klass);
  GstCaps *caps;

  gobject_class->set_property = test_delay_set_property;
  gobject_class->get_property = test_delay_get_property;
  gobject_class->finalize = test_delay_finalize;

  g_object_class_install_property (gobject_class, PROP_DELAY,
      g_param_spec_uint ("delay", "Delay", "Delay line length, in frames",
          0, G_MAXINT, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_HOLD,
      g_param_spec_boolean ("hold", "Hold",
          "Hold everything until EOS (spool mimic)", FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_BYPASS,
      g_param_spec_boolean ("bypass", "Bypass", "Pass buffers untouched",
          FALSE, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_RESETS,
      g_param_spec_uint ("resets", "Resets", "Calls of reset()",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "Test delay",
      "Filter/Audio", "Delay line on GstMmLookahead (tests only)",
      "mixmaster developers");
  caps = gst_caps_from_string (TEST_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = test_delay_setup;
  base_class->process = test_delay_process;
  base_class->get_latency_frames = test_delay_get_latency_frames;
  base_class->reset = test_delay_reset;
  base_class->handle_input = test_delay_handle_input;
  base_class->drain = test_delay_drain;
}

static void
gst_mm_test_delay_init (GstMmTestDelay * self)
{
  g_queue_init (&self->held);
}

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

#define MAX_RESYNC 8

typedef struct
{
  guint64 frame;
  GstClockTime pts;
} Resync;

/* What the output must be. */
typedef struct
{
  GstAudioInfo info;
  guint64 value_base;           /* added to frame indices in sample values */
  Resync resync[MAX_RESYNC];    /* timestamp bases, ascending frames */
  guint n_resync;
  guint64 zero_start, zero_end; /* output frames that are silence (GAP) */
  guint64 next;                 /* next output frame */
  guint buffers;
} Expect;

/* The eventual order on the element's source pad. */
typedef struct
{
  gsize bpf;
  guint64 frames_before_eos;
  guint64 frames_before_caps;
  guint caps_events;
  guint64 frames_before_segment;
  guint segment_events;
  gboolean eos;
  guint buffers_after_eos;
} Order;

static GstClockTime
input_pts (gint rate, guint64 frame)
{
  return gst_util_uint64_scale_int_round (frame, GST_SECOND, rate);
}

static gdouble
sample_value (guint64 frame, gint c)
{
  return (gdouble) (frame * 8 + (guint64) c + 1);
}

static void
expect_init (Expect * e, GstAudioFormat format, gint rate, gint channels)
{
  memset (e, 0, sizeof (*e));
  gst_audio_info_set_format (&e->info, format, rate, channels, NULL);
  e->resync[0].frame = 0;
  e->resync[0].pts = 0;
  e->n_resync = 1;
}

static void
expect_resync (Expect * e, guint64 frame, GstClockTime pts)
{
  fail_unless (e->n_resync < MAX_RESYNC);
  e->resync[e->n_resync].frame = frame;
  e->resync[e->n_resync].pts = pts;
  e->n_resync++;
}

/* The time of frame `k` counted from the resync point in force at frame
 * `at` (a buffer's end is counted from the base of its start). */
static GstClockTime
expected_time_from (const Expect * e, guint64 at, guint64 k)
{
  const Resync *r = &e->resync[0];

  for (guint i = 1; i < e->n_resync; i++)
    if (e->resync[i].frame <= at)
      r = &e->resync[i];
  return r->pts + gst_util_uint64_scale_int_round (k - r->frame, GST_SECOND,
      GST_AUDIO_INFO_RATE (&e->info));
}

static GstClockTime
expected_time (const Expect * e, guint64 k)
{
  return expected_time_from (e, k, k);
}

static GstEvent *
caps_event (const GstAudioInfo * info)
{
  GstCaps *caps = gst_audio_info_to_caps (info);
  GstEvent *ev = gst_event_new_caps (caps);

  gst_caps_unref (caps);
  return ev;
}

/* `n` frames whose samples encode stream frames first.., at `pts`. */
static GstBuffer *
make_input (const Expect * e, guint64 first, gsize n, GstClockTime pts)
{
  gint ch = GST_AUDIO_INFO_CHANNELS (&e->info);
  gint rate = GST_AUDIO_INFO_RATE (&e->info);
  gboolean f64 = GST_AUDIO_INFO_FORMAT (&e->info) == GST_AUDIO_FORMAT_F64;
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      n * GST_AUDIO_INFO_BPF (&e->info), NULL);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gsize f = 0; f < n; f++) {
    for (gint c = 0; c < ch; c++) {
      gdouble v = sample_value (e->value_base + first + f, c);
      if (f64)
        ((gdouble *) map.data)[f * ch + c] = v;
      else
        ((gfloat *) map.data)[f * ch + c] = (gfloat) v;
    }
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = input_pts (rate, first + n) -
      input_pts (rate, first);
  GST_BUFFER_OFFSET (buf) = first;
  GST_BUFFER_OFFSET_END (buf) = first + n;
  return buf;
}

/* Checks one output buffer against `e`: timestamps, offsets, DISCONT
 * exactly at resync points, every sample. */
static void
check_output (Expect * e, GstBuffer * buf)
{
  gsize bpf = GST_AUDIO_INFO_BPF (&e->info);
  gint ch = GST_AUDIO_INFO_CHANNELS (&e->info);
  gboolean f64 = GST_AUDIO_INFO_FORMAT (&e->info) == GST_AUDIO_FORMAT_F64;
  gsize size = gst_buffer_get_size (buf);
  guint64 k = e->next, n = size / bpf;
  gboolean at_resync = FALSE;
  GstClockTime pts;
  GstMapInfo map;

  fail_unless_equals_uint64 (size % bpf, 0);
  fail_unless (n > 0, "empty output buffer");

  for (guint i = 0; i < e->n_resync; i++) {
    at_resync |= e->resync[i].frame == k;
    fail_if (e->resync[i].frame > k && e->resync[i].frame < k + n,
        "output [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") not cut at "
        "the resync point %" G_GUINT64_FORMAT, k, k + n, e->resync[i].frame);
  }
  pts = expected_time (e, k);
  fail_unless (GST_BUFFER_PTS (buf) == pts, "frame %" G_GUINT64_FORMAT
      ": PTS %" GST_TIME_FORMAT ", expected %" GST_TIME_FORMAT, k,
      GST_TIME_ARGS (GST_BUFFER_PTS (buf)), GST_TIME_ARGS (pts));
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
      expected_time_from (e, k, k + n) - pts);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), k);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buf), k + n);
  fail_unless_equals_int (! !GST_BUFFER_IS_DISCONT (buf), at_resync);

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  for (guint64 f = 0; f < n; f++) {
    guint64 frame = k + f;
    gboolean zero = frame >= e->zero_start && frame < e->zero_end;
    for (gint c = 0; c < ch; c++) {
      gdouble want = zero ? 0.0 : sample_value (e->value_base + frame, c);
      gdouble got = f64 ? ((const gdouble *) map.data)[f * ch + c] :
          ((const gfloat *) map.data)[f * ch + c];
      if (G_UNLIKELY (got != want))
        fail ("output frame %" G_GUINT64_FORMAT " channel %d: %.1f, "
            "expected %.1f", frame, c, got, want);
    }
  }
  gst_buffer_unmap (buf, &map);
  e->next += n;
  e->buffers++;
}

/* Pulls and checks everything the harness holds. */
static void
check_pending (GstHarness * h, Expect * e)
{
  GstBuffer *buf;

  while ((buf = gst_harness_try_pull (h))) {
    check_output (e, buf);
    gst_buffer_unref (buf);
  }
}

static GstPadProbeReturn
order_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Order *o = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    if (o->eos)
      o->buffers_after_eos++;
    else
      o->frames_before_eos += gst_buffer_get_size (buf) / o->bpf;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS)
      o->eos = TRUE;
    if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
      o->caps_events++;
      o->frames_before_caps = o->frames_before_eos;
    }
    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT) {
      o->segment_events++;
      o->frames_before_segment = o->frames_before_eos;
    }
  }
  return GST_PAD_PROBE_OK;
}

/* The harness around mmtestdelay with caps from `e`, the order probe. */
static GstHarness *
delay_harness_new (const Expect * e, guint delay, gboolean hold,
    gboolean bypass, Order * order)
{
  GstHarness *h = gst_harness_new ("mmtestdelay");
  GstPad *srcpad;

  fail_unless (h != NULL);
  g_object_set (h->element, "delay", delay, "hold", hold, "bypass", bypass,
      NULL);
  if (order) {
    memset (order, 0, sizeof (*order));
    order->bpf = GST_AUDIO_INFO_BPF (&e->info);
    srcpad = gst_element_get_static_pad (h->element, "src");
    gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, order_probe, order, NULL);
    gst_object_unref (srcpad);
  }
  gst_harness_set_src_caps (h, gst_audio_info_to_caps (&e->info));
  return h;
}

static guint64
frames_in (GstHarness * h)
{
  return gst_mm_lookahead_get_frames_in (GST_MM_LOOKAHEAD (h->element));
}

static guint64
frames_out (GstHarness * h)
{
  return gst_mm_lookahead_get_frames_out (GST_MM_LOOKAHEAD (h->element));
}

static void
push_ok (GstHarness * h, GstBuffer * buf)
{
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
}

/* Pushes [first, first + n) with timestamps from `pts0` at frame `first`
 * in buffers of `size` frames. */
static void
push_frames (GstHarness * h, const Expect * e, guint64 first, guint64 n,
    gsize size, GstClockTime pts_offset)
{
  gint rate = GST_AUDIO_INFO_RATE (&e->info);

  for (guint64 f = first; f < first + n; f += size) {
    gsize m = (gsize) MIN ((guint64) size, first + n - f);
    push_ok (h, make_input (e, f, m, input_pts (rate, f) + pts_offset));
  }
}

/* A TIME segment from 0, as after a flush. */
static void
push_segment (GstHarness * h)
{
  GstSegment seg;

  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
}

/* EOS, then: everything out before it, nothing after. */
static void
finish (GstHarness * h, Expect * e, Order * o, guint64 total)
{
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  check_pending (h, e);
  fail_unless (o->eos, "EOS did not go downstream");
  fail_unless_equals_int (o->buffers_after_eos, 0);
  fail_unless_equals_uint64 (e->next, total);
  fail_unless_equals_uint64 (frames_in (h), total);
  fail_unless_equals_uint64 (frames_out (h), total);
}

/* ---------------------------------------------------------------------- */
/* tests                                                                   */

/* Random buffer sizes 1..10000 frames (seeded), then EOS. */
static void
run_random (GstAudioFormat format, gint rate, gint channels, guint delay,
    gboolean hold, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint64 total = delay + (guint64) g_rand_int_range (rand, 20000, 60000);
  guint64 pos = 0;
  Expect e;
  Order o;
  GstHarness *h;

  GST_INFO ("%s %d Hz, %d channels, delay %u, hold %d, %" G_GUINT64_FORMAT
      " frames", gst_audio_format_to_string (format), rate, channels, delay,
      hold, total);
  expect_init (&e, format, rate, channels);
  h = delay_harness_new (&e, delay, hold, FALSE, &o);

  while (pos < total) {
    guint64 size = (guint64) g_rand_int_range (rand, 1, 10001);
    gsize n = (gsize) MIN (size, total - pos);
    push_ok (h, make_input (&e, pos, n, input_pts (rate, pos)));
    pos += n;
    check_pending (h, &e);
    /* the delay is removed: the output is the input minus the lookahead */
    fail_unless_equals_uint64 (e.next, hold ? 0 : (pos > delay ? pos - delay :
            0));
  }
  finish (h, &e, &o, total);

  gst_harness_teardown (h);
  g_rand_free (rand);
}

static const GstAudioFormat formats[] = {
  GST_AUDIO_FORMAT_F32, GST_AUDIO_FORMAT_F64
};

static const gint channel_counts[] = { 1, 2, 6 };

GST_START_TEST (test_sample_exact_random_buffers)
{
  static const guint delays[] = { 0, 1, 441, 4800, 48000, 144000 };
  static const gint rates[] = { 8000, 44100, 48000, 96000, 384000 };
  guint32 seed = 1;

  for (guint d = 0; d < G_N_ELEMENTS (delays); d++)
    for (guint r = 0; r < G_N_ELEMENTS (rates); r++) {
      /* 384 kHz with the small lookaheads only */
      if (rates[r] == 384000 && delays[d] > 4800)
        continue;
      for (guint c = 0; c < G_N_ELEMENTS (channel_counts); c++)
        for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
          run_random (formats[f], rates[r], channel_counts[c], delays[d],
              FALSE, seed++);
    }
}

GST_END_TEST;

GST_START_TEST (test_hold_all_sample_exact)
{
  static const guint delays[] = { 0, 1, 441, 48000 };
  static const gint rates[] = { 8000, 44100, 96000 };
  guint32 seed = 1000;

  for (guint d = 0; d < G_N_ELEMENTS (delays); d++)
    for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
      for (guint c = 0; c < G_N_ELEMENTS (channel_counts); c++)
        for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
          run_random (formats[f], rates[r], channel_counts[c], delays[d],
              TRUE, seed++);
}

GST_END_TEST;

/* A timestamp jump held until EOS: the resync point survives the spool. */
GST_START_TEST (test_hold_all_discont)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstBuffer *buf;

  expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
  h = delay_harness_new (&e, 4800, TRUE, FALSE, &o);

  push_frames (h, &e, 0, 10000, 1000, 0);
  buf = make_input (&e, 10000, 1000, input_pts (48000, 10000) + GST_SECOND);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  push_ok (h, buf);
  push_frames (h, &e, 11000, 9000, 1000, GST_SECOND);
  expect_resync (&e, 10000, input_pts (48000, 10000) + GST_SECOND);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 0);

  finish (h, &e, &o, 20000);
  gst_harness_teardown (h);
}

GST_END_TEST;

typedef struct
{
  gboolean live;
  GstClockTime min, max;
} Upstream;

static GstPadProbeReturn
upstream_latency_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  Upstream *u = user_data;
  GstQuery *q = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (q) != GST_QUERY_LATENCY)
    return GST_PAD_PROBE_OK;
  gst_query_set_latency (q, u->live, u->min, u->max);
  return GST_PAD_PROBE_HANDLED;
}

/* The element's answer to a LATENCY query when upstream says `u`. */
static void
query_latency (GstHarness * h, Upstream * u, gboolean * live,
    GstClockTime * min, GstClockTime * max)
{
  GstQuery *q = gst_query_new_latency ();
  gulong id = gst_pad_add_probe (h->srcpad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
      upstream_latency_probe, u, NULL);

  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, live, min, max);
  gst_query_unref (q);
  gst_pad_remove_probe (h->srcpad, id);
}

GST_START_TEST (test_latency_query)
{
  static const struct
  {
    gint rate;
    guint delay;
  } cases[] = { {44100, 441}, {44100, 1}, {48000, 4800}, {96000, 144000},
  {8000, 0}
  };
  GstClockTime min, max;
  gboolean live;
  GstMessage *msg;
  GstBus *bus;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Upstream up = { TRUE, 20 * GST_MSECOND, 50 * GST_MSECOND };
    GstClockTime lat = gst_util_uint64_scale_int_ceil (cases[i].delay,
        GST_SECOND, cases[i].rate);
    Expect e;
    GstHarness *h;

    expect_init (&e, GST_AUDIO_FORMAT_F32, cases[i].rate, 2);
    h = delay_harness_new (&e, cases[i].delay, FALSE, FALSE, NULL);

    query_latency (h, &up, &live, &min, &max);
    fail_unless (live);
    fail_unless_equals_uint64 (min, up.min + lat);
    fail_unless_equals_uint64 (max, up.max + lat);

    /* an unlimited max stays unlimited; not live stays not live */
    up.live = FALSE;
    up.max = GST_CLOCK_TIME_NONE;
    query_latency (h, &up, &live, &min, &max);
    fail_if (live);
    fail_unless_equals_uint64 (min, up.min + lat);
    fail_unless_equals_uint64 (max, GST_CLOCK_TIME_NONE);

    /* the harness's own upstream answer */
    gst_harness_set_upstream_latency (h, 7 * GST_MSECOND);
    fail_unless_equals_uint64 (gst_harness_query_latency (h),
        7 * GST_MSECOND + lat);
    gst_harness_teardown (h);
  }

  /* bypass: nothing added; switching it at a flush announces the change */
  {
    Upstream up = { TRUE, 20 * GST_MSECOND, 50 * GST_MSECOND };
    Expect e;
    GstHarness *h;

    expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 1);
    h = delay_harness_new (&e, 480, FALSE, FALSE, NULL);
    bus = gst_bus_new ();
    gst_element_set_bus (h->element, bus);

    query_latency (h, &up, &live, &min, &max);
    fail_unless_equals_uint64 (min, 30 * GST_MSECOND);
    push_frames (h, &e, 0, 1000, 1000, 0);
    g_object_set (h->element, "bypass", TRUE, NULL);
    /* mid-stream: not yet */
    query_latency (h, &up, &live, &min, &max);
    fail_unless_equals_uint64 (min, 30 * GST_MSECOND);
    fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY) == NULL);

    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY);
    fail_unless (msg != NULL, "no LATENCY message after the latency changed");
    gst_message_unref (msg);
    query_latency (h, &up, &live, &min, &max);
    fail_unless_equals_uint64 (min, 20 * GST_MSECOND);
    fail_unless_equals_uint64 (max, 50 * GST_MSECOND);

    /* a subclass announcing a new latency posts the message */
    g_object_set (h->element, "delay", 960, NULL);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY);
    fail_unless (msg != NULL);
    fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (h->element));
    gst_message_unref (msg);

    gst_element_set_bus (h->element, NULL);
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_eos_drains)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstEvent *ev;
  gboolean saw_eos = FALSE;

  expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
  h = delay_harness_new (&e, 4800, FALSE, FALSE, &o);

  push_frames (h, &e, 0, 10000, 1000, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 10000 - 4800);
  fail_unless_equals_uint64 (o.frames_before_eos, 10000 - 4800);

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* the held 4800 frames went out, and before EOS */
  fail_unless (o.eos);
  fail_unless_equals_uint64 (o.frames_before_eos, 10000);
  fail_unless_equals_int (o.buffers_after_eos, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 10000);

  while ((ev = gst_harness_try_pull_event (h))) {
    saw_eos |= GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  fail_unless (saw_eos);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_flush_resets)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstBuffer *buf;
  guint resets_before, resets_after;

  expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
  h = delay_harness_new (&e, 1000, FALSE, FALSE, &o);

  push_frames (h, &e, 0, 3000, 1000, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 2000);
  fail_unless_equals_uint64 (frames_in (h), 3000);

  g_object_get (h->element, "resets", &resets_before, NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  push_segment (h);
  g_object_get (h->element, "resets", &resets_after, NULL);
  fail_unless_equals_int (resets_after, resets_before + 1);
  fail_unless_equals_uint64 (frames_in (h), 0);
  fail_unless_equals_uint64 (frames_out (h), 0);
  /* nothing of the old stream came out */
  fail_unless (gst_harness_try_pull (h) == NULL);

  /* a new stream at 10 s, other sample values */
  e.value_base = 1000000;
  e.next = 0;
  e.n_resync = 1;
  e.resync[0].frame = 0;
  e.resync[0].pts = 10 * GST_SECOND;
  buf = make_input (&e, 0, 1000, 10 * GST_SECOND);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  push_ok (h, buf);
  push_frames (h, &e, 1000, 1500, 1000, 10 * GST_SECOND);
  check_pending (h, &e);
  /* the pre-roll is dropped again */
  fail_unless_equals_uint64 (e.next, 1500);

  o.frames_before_eos = 0;
  finish (h, &e, &o, 2500);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Buffer 10 (frame 10000) jumps by +1 s; with `flag` it is also DISCONT. */
static void
run_jump (gboolean flag, GstClockTimeDiff jump, gboolean expect_resync_point)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstBuffer *buf;
  GstClockTime new_pts = input_pts (48000, 10000) + jump;

  expect_init (&e, GST_AUDIO_FORMAT_F64, 48000, 1);
  h = delay_harness_new (&e, 4800, FALSE, FALSE, &o);
  if (expect_resync_point)
    expect_resync (&e, 10000, new_pts);

  push_frames (h, &e, 0, 10000, 1000, 0);
  check_pending (h, &e);
  buf = make_input (&e, 10000, 1000, new_pts);
  if (flag)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  push_ok (h, buf);
  /* the output of this chain call precedes the jump: old timestamps, no
   * DISCONT (check_output) */
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 6200);
  for (guint64 f = 11000; f < 20000; f += 1000) {
    buf = make_input (&e, f, 1000, input_pts (48000, f) + jump);
    push_ok (h, buf);
    check_pending (h, &e);
  }
  finish (h, &e, &o, 20000);
  gst_harness_teardown (h);
}

GST_START_TEST (test_discont)
{
  run_jump (TRUE, GST_SECOND, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_timestamp_jump_without_flag)
{
  run_jump (FALSE, GST_SECOND, TRUE);
  run_jump (FALSE, -(GstClockTimeDiff) (100 * GST_MSECOND), TRUE);
}

GST_END_TEST;

/* Less than a frame (20.8 us at 48 kHz) off: the count goes on. */
GST_START_TEST (test_jitter_below_one_frame_ignored)
{
  run_jump (FALSE, 15 * GST_USECOND, FALSE);
  run_jump (FALSE, -(GstClockTimeDiff) (15 * GST_USECOND), FALSE);
}

GST_END_TEST;

GST_START_TEST (test_gap_event)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstEvent *ev;
  guint64 gap = 4410;           /* 100 ms at 44.1 kHz */

  for (gint hold = 0; hold <= 1; hold++) {
    expect_init (&e, GST_AUDIO_FORMAT_F32, 44100, 2);
    h = delay_harness_new (&e, 441, hold, FALSE, &o);
    e.zero_start = 4410;
    e.zero_end = 4410 + gap;

    push_frames (h, &e, 0, 4410, 4410, 0);
    fail_unless (gst_harness_push_event (h,
            gst_event_new_gap (100 * GST_MSECOND, 100 * GST_MSECOND)));
    fail_unless_equals_uint64 (frames_in (h), 4410 + gap);
    push_frames (h, &e, 4410 + gap, 4410, 1000, 0);
    check_pending (h, &e);
    if (!hold)
      fail_unless_equals_uint64 (e.next, 4410 * 3 - 441);

    finish (h, &e, &o, 4410 * 3);
    /* the gap went out as buffers, not as an event */
    while ((ev = gst_harness_try_pull_event (h))) {
      fail_if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP);
      gst_event_unref (ev);
    }
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_bypass_bit_exact)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstEvent *ev;
  GRand *rand = g_rand_new_with_seed (7);
  guint64 pos = 0;
  gboolean saw_gap = FALSE;
  Upstream up = { TRUE, 20 * GST_MSECOND, 50 * GST_MSECOND };
  GstClockTime min, max;
  gboolean live;

  expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
  h = delay_harness_new (&e, 4800, FALSE, TRUE, &o);

  query_latency (h, &up, &live, &min, &max);
  fail_unless_equals_uint64 (min, 20 * GST_MSECOND);
  fail_unless_equals_uint64 (max, 50 * GST_MSECOND);

  for (gint i = 0; i < 20; i++) {
    gsize n = g_rand_int_range (rand, 1, 10001);
    GstBuffer *in = make_input (&e, pos, n, input_pts (48000, pos) + 3);
    GstBuffer *out;

    GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_MARKER);
    gst_buffer_ref (in);
    push_ok (h, in);
    out = gst_harness_pull (h);
    fail_unless (out == in, "bypass did not pass the same buffer");
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out),
        input_pts (48000, pos) + 3);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), pos);
    fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_MARKER));
    gst_buffer_unref (out);
    gst_buffer_unref (in);
    pos += n;
  }
  fail_unless (gst_harness_push_event (h,
          gst_event_new_gap (input_pts (48000, pos), 10 * GST_MSECOND)));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (o.frames_before_eos, pos);
  while ((ev = gst_harness_try_pull_event (h))) {
    saw_gap |= GST_EVENT_TYPE (ev) == GST_EVENT_GAP;
    gst_event_unref (ev);
  }
  fail_unless (saw_gap, "bypass must forward GAP events");
  g_rand_free (rand);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Bypass asked for mid-stream takes effect at the next flush, and back. */
GST_START_TEST (test_bypass_switch_at_flush)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstBuffer *in, *out;

  expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 1);
  h = delay_harness_new (&e, 100, FALSE, FALSE, &o);
  push_frames (h, &e, 0, 1000, 1000, 0);
  g_object_set (h->element, "bypass", TRUE, NULL);
  push_frames (h, &e, 1000, 1000, 1000, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 1900);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  push_segment (h);
  in = make_input (&e, 0, 500, 0);
  gst_buffer_ref (in);
  push_ok (h, in);
  out = gst_harness_pull (h);
  fail_unless (out == in);
  gst_buffer_unref (out);
  gst_buffer_unref (in);

  g_object_set (h->element, "bypass", FALSE, NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  push_segment (h);
  e.next = 0;
  e.buffers = 0;
  push_frames (h, &e, 0, 1000, 250, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 900);
  o.frames_before_eos = 0;
  finish (h, &e, &o, 1000);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_zero_length_buffer)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstBuffer *buf;

  expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
  h = delay_harness_new (&e, 100, FALSE, FALSE, &o);

  push_ok (h, gst_buffer_new ());
  push_frames (h, &e, 0, 1000, 1000, 0);
  /* an empty DISCONT buffer: the DISCONT holds for the next data */
  buf = gst_buffer_new ();
  GST_BUFFER_PTS (buf) = input_pts (48000, 1000);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  push_ok (h, buf);
  push_ok (h, gst_buffer_new ());
  expect_resync (&e, 1000, input_pts (48000, 1000));
  push_frames (h, &e, 1000, 1000, 1000, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 1900);
  /* a trailing partial frame is dropped, the whole ones count */
  buf = make_input (&e, 2000, 501, input_pts (48000, 2000));
  gst_buffer_set_size (buf, 500 * GST_AUDIO_INFO_BPF (&e.info) + 3);
  push_ok (h, buf);
  finish (h, &e, &o, 2500);
  gst_harness_teardown (h);

  /* bypass: through as it is */
  expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
  h = delay_harness_new (&e, 100, FALSE, TRUE, &o);
  push_ok (h, gst_buffer_new ());
  buf = gst_harness_pull (h);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 0);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* New caps of another format drain the old one first; the same caps again
 * change nothing. */
GST_START_TEST (test_caps_change_drains)
{
  Expect e;
  Order o;
  GstHarness *h;
  GstAudioInfo info;
  guint resets, resets_now;
  GstCaps *caps_no_mask;

  expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
  h = delay_harness_new (&e, 1000, FALSE, FALSE, &o);
  push_frames (h, &e, 0, 2000, 500, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 1000);

  /* the same caps: no drain, no reset */
  g_object_get (h->element, "resets", &resets, NULL);
  fail_unless (gst_harness_push_event (h, caps_event (&e.info)));
  push_frames (h, &e, 2000, 1000, 500, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 2000);
  g_object_get (h->element, "resets", &resets_now, NULL);
  fail_unless_equals_int (resets_now, resets);

  /* other caps, same format (no channel-mask: stereo is FL, FR anyway) */
  caps_no_mask = gst_caps_from_string ("audio/x-raw, format = (string) "
      GST_AUDIO_NE (F32) ", rate = (int) 48000, channels = (int) 2, "
      "layout = (string) interleaved");
  fail_unless (gst_harness_push_event (h, gst_event_new_caps (caps_no_mask)));
  gst_caps_unref (caps_no_mask);
  push_frames (h, &e, 3000, 1000, 500, 0);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 3000);
  g_object_get (h->element, "resets", &resets_now, NULL);
  fail_unless_equals_int (resets_now, resets);

  /* 44.1 kHz mono: the 1000 held frames come out before the new caps */
  o.caps_events = 0;
  gst_audio_info_set_format (&info, GST_AUDIO_FORMAT_F64, 44100, 1, NULL);
  fail_unless (gst_harness_push_event (h, caps_event (&info)));
  fail_unless_equals_int (o.caps_events, 1);
  fail_unless_equals_uint64 (o.frames_before_caps, 4000);
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 4000);

  /* the new format starts from scratch, pre-roll included */
  expect_init (&e, GST_AUDIO_FORMAT_F64, 44100, 1);
  e.resync[0].pts = input_pts (48000, 4000);
  e.value_base = 5000;
  o.bpf = GST_AUDIO_INFO_BPF (&info);
  o.frames_before_eos = 0;
  push_frames (h, &e, 0, 2000, 300, input_pts (48000, 4000));
  check_pending (h, &e);
  fail_unless_equals_uint64 (e.next, 1000);
  finish (h, &e, &o, 2000);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A new stream without EOS (gapless), or a new segment: the held audio
 * goes out first, in its own segment; the next starts from scratch. */
GST_START_TEST (test_new_stream_or_segment_drains)
{
  for (gint mode = 0; mode < 2; mode++) {
    Expect e;
    Order o;
    GstHarness *h;
    GstSegment seg;

    expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
    h = delay_harness_new (&e, 1000, FALSE, FALSE, &o);
    push_frames (h, &e, 0, 3000, 1000, 0);
    check_pending (h, &e);
    fail_unless_equals_uint64 (e.next, 2000);

    /* the same segment again changes nothing */
    o.segment_events = 0;
    push_segment (h);
    fail_unless_equals_int (o.segment_events, 1);
    push_frames (h, &e, 3000, 1000, 1000, 0);
    check_pending (h, &e);
    fail_unless_equals_uint64 (e.next, 3000);

    /* mode 0: a new stream (its segment equal to the last one); mode 1:
     * only a new segment */
    o.segment_events = 0;
    if (mode == 0)
      fail_unless (gst_harness_push_event (h,
              gst_event_new_stream_start ("next")));
    gst_segment_init (&seg, GST_FORMAT_TIME);
    if (mode == 1)
      seg.base = 10 * GST_SECOND;
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
    fail_unless_equals_int (o.segment_events, 1);
    fail_unless_equals_uint64 (o.frames_before_segment, 4000);
    check_pending (h, &e);
    fail_unless_equals_uint64 (e.next, 4000);
    fail_unless_equals_uint64 (frames_in (h), 0);

    /* the next stream, from 0 again, other values */
    expect_init (&e, GST_AUDIO_FORMAT_F32, 48000, 2);
    e.value_base = 100000;
    o.frames_before_eos = 0;
    push_frames (h, &e, 0, 2500, 1000, 0);
    check_pending (h, &e);
    fail_unless_equals_uint64 (e.next, 1500);
    finish (h, &e, &o, 2500);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

static Suite *
lookahead_suite (void)
{
  Suite *s = suite_create ("lookahead");
  TCase *tc_chain = tcase_create ("general");

  tcase_set_timeout (tc_chain, 120);
  suite_add_tcase (s, tc_chain);
  tcase_add_test (tc_chain, test_sample_exact_random_buffers);
  tcase_add_test (tc_chain, test_hold_all_sample_exact);
  tcase_add_test (tc_chain, test_hold_all_discont);
  tcase_add_test (tc_chain, test_latency_query);
  tcase_add_test (tc_chain, test_eos_drains);
  tcase_add_test (tc_chain, test_flush_resets);
  tcase_add_test (tc_chain, test_discont);
  tcase_add_test (tc_chain, test_timestamp_jump_without_flag);
  tcase_add_test (tc_chain, test_jitter_below_one_frame_ignored);
  tcase_add_test (tc_chain, test_gap_event);
  tcase_add_test (tc_chain, test_bypass_bit_exact);
  tcase_add_test (tc_chain, test_bypass_switch_at_flush);
  tcase_add_test (tc_chain, test_zero_length_buffer);
  tcase_add_test (tc_chain, test_caps_change_drains);
  tcase_add_test (tc_chain, test_new_stream_or_segment_drains);

  return s;
}

/* GST_CHECK_MAIN (lookahead), with the test element registered and
 * GST_PLUGIN_LOADING_WHITELIST unset first (as elements/loudnorm.c). */
int
main (int argc, char **argv)
{
  Suite *s;

  g_unsetenv ("GST_PLUGIN_LOADING_WHITELIST");
  gst_check_init (&argc, &argv);
  if (!gst_element_register (NULL, "mmtestdelay", GST_RANK_NONE,
          GST_TYPE_MM_TEST_DELAY))
    return 1;
  s = lookahead_suite ();
  return gst_check_run_suite (s, "lookahead", __FILE__);
}
