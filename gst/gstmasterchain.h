/* masterchain: the mastering chain (input gain, EQ, compressor, width,
 * loudness target + true-peak limiter, dither) as one element. */
#ifndef __GST_MASTERCHAIN_H__
#define __GST_MASTERCHAIN_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>

#include "gstmmlookahead.h"
#include "chain.h"
#include "loudness.h"
#include "mmspool.h"
#include "mmstream.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTERCHAIN            (gst_masterchain_get_type ())
#define GST_MASTERCHAIN(obj)            (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_MASTERCHAIN, GstMasterchain))
#define GST_MASTERCHAIN_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_MASTERCHAIN, GstMasterchainClass))
#define GST_IS_MASTERCHAIN(obj)         (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_MASTERCHAIN))
#define GST_IS_MASTERCHAIN_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE ((klass), GST_TYPE_MASTERCHAIN))

typedef struct _GstMasterchain GstMasterchain;
typedef struct _GstMasterchainClass GstMasterchainClass;

/**
 * GstMasterchainMode:
 * @GST_MASTERCHAIN_MODE_AUTO: `file` behind a non-live upstream, `live`
 *   behind a live one (asked with a LATENCY query at the first buffer)
 * @GST_MASTERCHAIN_MODE_LIVE: one pass, adaptive loudness gain with lookahead
 * @GST_MASTERCHAIN_MODE_FILE: spool, measure, then one constant loudness
 *   gain that puts the processed output on the target (non-live only)
 */
typedef enum
{
  GST_MASTERCHAIN_MODE_AUTO = 0,
  GST_MASTERCHAIN_MODE_LIVE = 1,
  GST_MASTERCHAIN_MODE_FILE = 2,
} GstMasterchainMode;

/**
 * GstMasterchainProfile:
 * @GST_MASTERCHAIN_PROFILE_STREAMING: -14 LUFS, -1 dBTP
 * @GST_MASTERCHAIN_PROFILE_APPLE_MUSIC: -16 LUFS, -1 dBTP
 * @GST_MASTERCHAIN_PROFILE_EBU_R128: -23 LUFS, -1 dBTP
 * @GST_MASTERCHAIN_PROFILE_ATSC_A85: -24 LUFS, -2 dBTP
 * @GST_MASTERCHAIN_PROFILE_PODCAST: -16 LUFS, -1 dBTP
 * @GST_MASTERCHAIN_PROFILE_CUSTOM: loudness-target and max-true-peak as set
 */
typedef enum
{
  GST_MASTERCHAIN_PROFILE_STREAMING = 0,
  GST_MASTERCHAIN_PROFILE_APPLE_MUSIC = 1,
  GST_MASTERCHAIN_PROFILE_EBU_R128 = 2,
  GST_MASTERCHAIN_PROFILE_ATSC_A85 = 3,
  GST_MASTERCHAIN_PROFILE_PODCAST = 4,
  GST_MASTERCHAIN_PROFILE_CUSTOM = 5,
} GstMasterchainProfile;

#define GST_TYPE_MASTERCHAIN_MODE (gst_masterchain_mode_get_type ())
GType gst_masterchain_mode_get_type (void);
#define GST_TYPE_MASTERCHAIN_PROFILE (gst_masterchain_profile_get_type ())
GType gst_masterchain_profile_get_type (void);

typedef void (*GstMasterchainProcessFunc) (mm_chain * chain,
    const guint8 * in, guint8 * out, gsize frames);
typedef void (*GstMasterchainMeterFunc) (mm_loudness * meter,
    const guint8 * in, gsize frames);

struct _GstMasterchain
{
  GstMmLookahead parent;

  /* properties, under the object lock */
  mm_chain_params params;
  GstMasterchainMode mode;
  GstMasterchainProfile profile;
  guint64 interval;
  gboolean post_messages;
  gdouble lookahead_ms;

  /* streaming state (streaming thread; set-up and stop outside it) */
  GstMasterchainMode active_mode;       /* live or file, once decided */
  gboolean decided;             /* auto: the first buffer asked upstream */
  GstAudioInfo info;
  mm_chain *chain;
  mm_loudness *meter;           /* file: input meter while spooling */
  GstMmSpool *spool;            /* file */
  GstMasterchainProcessFunc process_fn;
  GstMasterchainMeterFunc meter_fn;
  gint rate, bpf;
  gboolean draining;            /* live: the EOS drain runs (zeros) */
  gboolean params_warned;       /* the chain refused a parameter set */
  gint warned_nonfinite;        /* atomic */

  /* messages */
  GstMmInterval clock;          /* message times and intervals */
  gdouble comp_red[MM_CHAIN_BANDS];     /* largest this interval, dB */
  gdouble comp_red_total[MM_CHAIN_BANDS];
  gdouble lim_red, lim_red_total;
  gdouble file_gain;            /* file: the gain chosen */
};

struct _GstMasterchainClass
{
  GstMmLookaheadClass parent_class;
};

GType gst_masterchain_get_type (void);
GST_ELEMENT_REGISTER_DECLARE (masterchain);

G_END_DECLS

#endif /* __GST_MASTERCHAIN_H__ */
