/* tcheck: the few assertion helpers the DSP unit tests share.
 *
 * Every check is counted; failures print file:line and the values and the
 * test goes on, so one run shows every failure.  tc_finish () prints the
 * totals and gives the exit status (0 = all passed).
 */
#ifndef MM_TEST_TCHECK_H
#define MM_TEST_TCHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#define TC_HAVE_FORK 1
#endif

static int tc_checks, tc_fails;

static inline int
tc_report (int ok, const char *file, int line, const char *expr)
{
  tc_checks++;
  if (!ok) {
    tc_fails++;
    printf ("FAIL %s:%d: %s\n", file, line, expr);
  }
  return ok;
}

/* CHECK (cond): plain condition. */
#define CHECK(cond) tc_report (!!(cond), __FILE__, __LINE__, #cond)

/* CHECK_NEAR (value, expected, tol): |value - expected| <= tol; prints the
 * numbers on failure.  Evaluates its arguments once. */
#define CHECK_NEAR(v, e, tol) tc_near ((v), (e), (tol), __FILE__, __LINE__, #v)

static inline int
tc_near (double v, double e, double tol, const char *file, int line,
    const char *expr)
{
  int ok = fabs (v - e) <= tol || (v == e);     /* v == e: equal infinities */
  tc_checks++;
  if (!ok) {
    tc_fails++;
    printf ("FAIL %s:%d: %s = %.12g, expected %.12g +- %g (off by %.3g)\n",
        file, line, expr, v, e, tol, v - e);
  }
  return ok;
}

/* CHECK_RANGE (value, lo, hi): lo <= value <= hi. */
#define CHECK_RANGE(v, lo, hi) tc_range ((v), (lo), (hi), __FILE__, __LINE__, #v)

static inline int
tc_range (double v, double lo, double hi, const char *file, int line,
    const char *expr)
{
  int ok = v >= lo && v <= hi;
  tc_checks++;
  if (!ok) {
    tc_fails++;
    printf ("FAIL %s:%d: %s = %.12g, expected in [%.12g, %.12g]\n",
        file, line, expr, v, lo, hi);
  }
  return ok;
}

static inline int
tc_finish (const char *name)
{
  printf ("%s: %d checks, %d failed\n", name, tc_checks, tc_fails);
  return tc_fails ? 1 : 0;
}

/* Runs fn (arg) in a child process where that is possible, so a crash
 * is reported as one failed check (with the signal) instead of ending the
 * test.  The checks fn makes count in the child only; the child's
 * failures make this check fail. */
static inline int
tc_isolated (void (*fn) (void *), void *arg, const char *what)
{
#ifdef TC_HAVE_FORK
  fflush (stdout);
  pid_t pid = fork ();
  if (pid < 0) {                /* no process: run it here */
    int before = tc_fails;
    fn (arg);
    return tc_fails == before;
  }
  if (pid == 0) {
    int before = tc_fails;
    fn (arg);
    fflush (stdout);
    _exit (tc_fails > before ? 1 : 0);
  }
  int status = 0;
  int ok = waitpid (pid, &status, 0) == pid;
  tc_checks++;
  if (ok && WIFSIGNALED (status)) {
    printf ("FAIL %s: crashed with signal %d\n", what, WTERMSIG (status));
    ok = 0;
  } else if (ok && !(WIFEXITED (status) && WEXITSTATUS (status) == 0)) {
    printf ("FAIL %s (see above)\n", what);
    ok = 0;
  }
  if (!ok)
    tc_fails++;
  return ok;
#else
  int before = tc_fails;
  fn (arg);
  return tc_fails == before;
#endif
}

/* Deterministic pseudo-random numbers (xorshift64*), uniform in [0, 1). */
static inline double
tc_random (uint64_t * s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double) ((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

#endif /* MM_TEST_TCHECK_H */
