/* Shared helpers of the DSP core. */
#include "mmdsp.h"

const char *
mm_error_string (int err)
{
  switch (err) {
    case MM_OK:
      return "no error";
    case MM_ERR_NOMEM:
      return "out of memory";
    case MM_ERR_INVALID:
      return "invalid argument";
    case MM_ERR_NO_DATA:
      return "no data yet";
    case MM_ERR_MISMATCH:
      return "objects do not match";
    default:
      return "unknown error";
  }
}
