/* mixmaster: the elements of the plugin. */
#ifndef __GST_MIXMASTER_ELEMENTS_H__
#define __GST_MIXMASTER_ELEMENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (loudnorm);
GST_ELEMENT_REGISTER_DECLARE (masterchain);
GST_ELEMENT_REGISTER_DECLARE (mixbus);

G_END_DECLS

#endif /* __GST_MIXMASTER_ELEMENTS_H__ */
