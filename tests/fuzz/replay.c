/* replay: runs a fuzz target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer (gcc builds, CI).  Arguments are files or directories (every
 * regular file inside, in name order); LLVMFuzzerInitialize runs first
 * when the target has one.  Exits non-zero if no input was found; a
 * failed check aborts (FZ_CHECK), which meson reports as a failure. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);
/* weak: the DSP targets have none */
__attribute__((weak)) int LLVMFuzzerInitialize (int *argc, char ***argv);

static unsigned replayed;

static void
replay_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *data;
  long size;

  if (!f) {
    perror (path);
    exit (1);
  }
  fseek (f, 0, SEEK_END);
  size = ftell (f);
  fseek (f, 0, SEEK_SET);
  /* one byte more: a zero-length input still gets a valid pointer */
  data = malloc ((size_t) size + 1);
  if (!data || fread (data, 1, (size_t) size, f) != (size_t) size) {
    fprintf (stderr, "%s: read error\n", path);
    exit (1);
  }
  fclose (f);
  LLVMFuzzerTestOneInput (data, (size_t) size);
  free (data);
  replayed++;
}

static int
by_name (const struct dirent **a, const struct dirent **b)
{
  return strcmp ((*a)->d_name, (*b)->d_name);
}

static void
replay_path (const char *path)
{
  struct stat st;
  struct dirent **list;
  int n;

  if (stat (path, &st) != 0) {
    perror (path);
    exit (1);
  }
  if (!S_ISDIR (st.st_mode)) {
    replay_file (path);
    return;
  }
  n = scandir (path, &list, NULL, by_name);
  for (int i = 0; i < n; i++) {
    char full[4096];
    struct stat fs;
    snprintf (full, sizeof full, "%s/%s", path, list[i]->d_name);
    if (list[i]->d_name[0] != '.' && stat (full, &fs) == 0
        && S_ISREG (fs.st_mode))
      replay_file (full);
    free (list[i]);
  }
  free (list);
}

int
main (int argc, char **argv)
{
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    replay_path (argv[i]);
  printf ("%s: %u inputs replayed, no check failed\n", argv[0], replayed);
  return replayed ? 0 : 1;
}
