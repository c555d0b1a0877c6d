/* mmdsp: the mixmaster DSP core. Plain C11, no GLib, no GStreamer.
 *
 * Conventions (libebur128's API shape):
 *   - mm_x_new (...) returns NULL on failure (bad argument or no memory);
 *   - mm_x_free (mm_x **p) frees and clears the caller's pointer;
 *   - every other call returns an mm_error and gives results through
 *     out-parameters; process calls count frames, not bytes.
 */
#ifndef MMDSP_H
#define MMDSP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum
{
  MM_OK = 0,
  MM_ERR_NOMEM,       /* allocation failed */
  MM_ERR_INVALID,     /* argument out of range or NULL */
  MM_ERR_NO_DATA,     /* the requested value is not defined yet */
  MM_ERR_MISMATCH     /* objects combined that do not fit together */
} mm_error;

/* Limits every block accepts. */
#define MM_RATE_MIN 8000u
#define MM_RATE_MAX 384000u
#define MM_CHANNELS_MAX 8u

#define MM_PI 3.14159265358979323846

const char *mm_error_string (int err);

static inline double
mm_db_to_linear (double db)
{
  return pow (10.0, db / 20.0);
}

/* -inf for 0 (and for anything not positive), as a meter reads it. */
static inline double
mm_linear_to_db (double lin)
{
  return lin > 0.0 ? 20.0 * log10 (lin) : -HUGE_VAL;
}

#ifdef __cplusplus
}
#endif
#endif /* MMDSP_H */
