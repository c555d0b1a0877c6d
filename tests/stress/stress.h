/* stress.h: what the stress programs share — GStreamer set-up for the
 * build's plugin only, the CI/long switch, resident memory, bus waits.
 *
 * Every program runs a CI-sized variant by default (a few seconds) and
 * the full one with MIXMASTER_STRESS_LONG=1 or --long; it prints its
 * figures, exits 0 on success, 1 on failure, 77 when it cannot run
 * (meson's skip). */
#ifndef MM_STRESS_H
#define MM_STRESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gst/gst.h>
#include <gst/audio/audio.h>

#define STRESS_SKIP 77

/* AddressSanitizer holds freed memory in quarantine (256 MB): resident
 * memory says nothing about leaks there (LeakSanitizer does that job), so
 * the RSS checks only print under it. */
#if defined(__SANITIZE_ADDRESS__)
#define STRESS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STRESS_SANITIZED 1
#endif
#endif
#ifndef STRESS_SANITIZED
#define STRESS_SANITIZED 0
#endif

#define STRESS_FAIL(...) do {                                             \
    fprintf (stderr, "FAIL: " __VA_ARGS__);                              \
    fputc ('\n', stderr);                                                \
    exit (1);                                                            \
  } while (0)

static inline gboolean
stress_long (int argc, char **argv)
{
  const char *env = g_getenv ("MIXMASTER_STRESS_LONG");

  for (int i = 1; i < argc; i++)
    if (!strcmp (argv[i], "--long"))
      return TRUE;
  return env && *env && strcmp (env, "0") != 0;
}

/* A number after `--name` on the command line, else def. */
static inline double
stress_arg (int argc, char **argv, const char *name, double def)
{
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp (argv[i], name))
      return g_ascii_strtod (argv[i + 1], NULL);
  return def;
}

static inline void
stress_init (int argc, char **argv)
{
  /* the build's plugin only (meson sets the paths; these are for runs
   * by hand), and the scan in-process (sanitizer builds) */
  g_unsetenv ("GST_PLUGIN_LOADING_WHITELIST");
  g_setenv ("GST_REGISTRY_FORK", "no", FALSE);
  gst_init (&argc, &argv);
}

static inline gboolean
stress_have (const char *factory)
{
  GstElementFactory *f = gst_element_factory_find (factory);

  if (!f)
    return FALSE;
  gst_object_unref (f);
  return TRUE;
}

/* Resident set size, kB (Linux). */
static inline long
stress_rss_kb (void)
{
  long pages = 0, rss = 0;
  FILE *f = fopen ("/proc/self/statm", "r");

  if (!f)
    return -1;
  if (fscanf (f, "%ld %ld", &pages, &rss) != 2)
    rss = -1;
  fclose (f);
  return rss < 0 ? -1 : rss * (sysconf (_SC_PAGESIZE) / 1024);
}

static inline GstElement *
stress_parse (const char *desc)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);

  if (!p)
    STRESS_FAIL ("%s: %s", desc, err ? err->message : "?");
  if (err)
    g_error_free (err);
  return p;
}

/* A buffer probe on the sink pad of the element named `name`. */
static inline void
stress_probe (GstElement * pipeline, const char *name,
    GstPadProbeCallback cb, gpointer data)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad;

  if (!e)
    STRESS_FAIL ("no element %s", name);
  pad = gst_element_get_static_pad (e, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, cb, data, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

/* Waits for EOS or ERROR (failing on ERROR) up to timeout; TRUE on EOS. */
static inline gboolean
stress_wait_eos (GstElement * pipeline, GstClockTime timeout)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered (bus, timeout,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gboolean eos = FALSE;

  if (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_error (m, &err, &dbg);
    STRESS_FAIL ("%s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (m)),
        err->message, dbg ? dbg : "");
  }
  eos = m != NULL;
  if (m)
    gst_message_unref (m);
  gst_object_unref (bus);
  return eos;
}

/* Fails on any ERROR message waiting on the bus. */
static inline void
stress_check_no_error (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR))) {
    GError *err = NULL;
    gst_message_parse_error (m, &err, NULL);
    STRESS_FAIL ("%s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (m)),
        err->message);
  }
  gst_object_unref (bus);
}

static inline void
stress_set_state (GstElement * pipeline, GstState state)
{
  if (gst_element_set_state (pipeline, state) == GST_STATE_CHANGE_FAILURE)
    STRESS_FAIL ("state change to %s failed",
        gst_element_state_get_name (state));
  if (gst_element_get_state (pipeline, NULL, NULL, 30 * GST_SECOND)
      == GST_STATE_CHANGE_FAILURE)
    STRESS_FAIL ("state change to %s failed (async)",
        gst_element_state_get_name (state));
}

#endif /* MM_STRESS_H */
