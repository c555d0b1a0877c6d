/* fuzz-loudnorm: the loudnorm element through GstHarness (all four modes,
 * live and non-live upstream); see fuzz_gst.h for the operations and the
 * checks.  mode=measure passes audio through bit-exact, so the ceiling is
 * only checked in the other modes. */
#include "fuzz_gst.h"

static gboolean
loudnorm_passthrough (GstElement * e)
{
  gint mode;

  g_object_get (e, "mode", &mode, NULL);
  return mode == 0;             /* measure */
}

static const fz_target target = { "loudnorm", loudnorm_passthrough, NULL,
  NULL, FALSE
};

FZ_GST_TARGET (target);
