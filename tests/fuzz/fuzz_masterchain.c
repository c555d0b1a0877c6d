/* fuzz-masterchain: the masterchain element through GstHarness (auto,
 * live and file modes, every stage's properties, profiles); see
 * fuzz_gst.h for the operations and the checks.  The ceiling is checked
 * while the limiter is on, with the dither's 2 LSB on top. */
#include "fuzz_gst.h"

static gboolean
masterchain_limiter_off (GstElement * e)
{
  gboolean off;

  g_object_get (e, "limiter-bypass", &off, NULL);
  return off;
}

/* Dither comes after the limiter: up to 2 LSB of 16 bits on top (also
 * just after dither-bits went back to 0: the setting is a target). */
static double
masterchain_dither (GstElement * e)
{
  return 2.0 / 32768;
}

static const fz_target target = { "masterchain", NULL,
  masterchain_limiter_off, masterchain_dither, FALSE
};

FZ_GST_TARGET (target);
