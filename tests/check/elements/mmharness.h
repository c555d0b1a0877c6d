/* mmharness: GstHarness helpers shared by the element tests of loudnorm
 * and masterchain. */
#ifndef MM_TEST_HARNESS_H
#define MM_TEST_HARNESS_H

#include <string.h>
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

static GstPadQueryFunction mm_harness_src_query;

/* The harness's src pad answers LATENCY with live=TRUE: this one says the
 * upstream is not live and leaves every other query to the harness. */
static gboolean
mm_nonlive_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gst_query_set_latency (query, FALSE, 0, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return mm_harness_src_query (pad, parent, query);
}

/* Makes the harness's upstream non-live (file modes need that). */
static inline void
mm_harness_set_nonlive (GstHarness * h)
{
  mm_harness_src_query = GST_PAD_QUERYFUNC (h->srcpad);
  gst_pad_set_query_function (h->srcpad, mm_nonlive_src_query);
}

static inline GstClockTime
frame_time (gint rate, guint64 frame)
{
  return gst_util_uint64_scale_round (frame, GST_SECOND, rate);
}

/* "key=value key=value" onto the element (gst_util_set_object_arg). */
static inline void
set_props (GstElement * e, const gchar * props)
{
  gchar **kv = g_strsplit (props ? props : "", " ", -1);

  for (gchar ** p = kv; *p; p++) {
    gchar *eq;
    if (!**p)
      continue;
    eq = strchr (*p, '=');
    fail_unless (eq != NULL, "bad property spec %s", *p);
    *eq = '\0';
    fail_unless (g_object_class_find_property (G_OBJECT_GET_CLASS (e), *p)
        != NULL, "%s has no property %s", GST_ELEMENT_NAME (e), *p);
    gst_util_set_object_arg (G_OBJECT (e), *p, eq + 1);
  }
  g_strfreev (kv);
}

#endif /* MM_TEST_HARNESS_H */
