/* mixmaster: loudness, mixing and mastering elements.
 * plugin.c only registers; each element lives in its own file pair. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (loudnorm, plugin);
  ret |= GST_ELEMENT_REGISTER (masterchain, plugin);
  ret |= GST_ELEMENT_REGISTER (mixbus, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mixmaster,
    "EBU R128 / BS.1770-4 loudness, mixing and mastering",
    plugin_init, PACKAGE_VERSION, "LGPL", PACKAGE_NAME, PACKAGE_ORIGIN)
