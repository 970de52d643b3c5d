/* util.h -- small shared helpers: error reporting, allocation, RNG,
 * atomic file writes, number parsing, and the CLI conventions that every
 * autopeft tool follows (see autopeft(7)).
 *
 * Exit status convention: 0 success, 1 bad input / runtime failure,
 * 2 usage error. Messages: "tool: FILE:LINE: message" on stderr. */
#ifndef AUTOPEFT_UTIL_H
#define AUTOPEFT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AUTOPEFT_VERSION "0.1.0"

#define EXIT_BADINPUT 1
#define EXIT_USAGE 2

#if defined(__GNUC__)
#define AP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define AP_NORETURN __attribute__((noreturn))
#else
#define AP_PRINTF(a, b)
#define AP_NORETURN
#endif

/* Name used as the message prefix; set by cli_init(). */
extern const char *ap_progname;

/* Call first in every main(): sets the program name (basename of argv0),
 * restores default SIGPIPE so a closed downstream pipe ends the tool
 * quietly, and arranges for stdout write errors (EPIPE) to exit quietly. */
void cli_init(const char *argv0);

/* Print "--version" text ("tool (autopeft) X.Y.Z") to stdout. */
void cli_version(void);

/* "tool: message" to stderr, exit(status). */
AP_NORETURN void die(int status, const char *fmt, ...) AP_PRINTF(2, 3);
/* "tool: FILE:LINE: message" to stderr, exit(EXIT_BADINPUT). line<=0 omits LINE. */
AP_NORETURN void die_at(const char *file, long line, const char *fmt, ...) AP_PRINTF(3, 4);
/* "tool: message\nTry 'tool --help'." to stderr, exit(EXIT_USAGE). */
AP_NORETURN void die_usage(const char *fmt, ...) AP_PRINTF(1, 2);
/* "tool: message" to stderr, no exit. */
void warnx(const char *fmt, ...) AP_PRINTF(1, 2);
/* Format "FILE:LINE: message" into buf (for functions that report errors
 * to their caller instead of exiting). */
void errf(char *buf, size_t n, const char *file, long line, const char *fmt, ...) AP_PRINTF(5, 6);

/* Allocation that exits with a message on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Flush stdout; on EPIPE exit 0 quietly, on other errors die(1). */
void out_flush(void);

/* Strict number parsing: the whole string must be a finite number.
 * Return 0 on success, -1 otherwise. */
int parse_long(const char *s, long *out);
int parse_double(const char *s, double *out); /* rejects nan/inf */

/* Option values (options themselves are parsed by cli_getopt, cli.h):
 * cli_long / cli_double: the value as a number in [lo, hi] (with open_lo,
 * lo itself excluded), else a usage error naming the option. */
long cli_long(const char *opt, const char *v, long lo, long hi);
double cli_double(const char *opt, const char *v, double lo, double hi, int open_lo);
/* "DIR/NAME", newly allocated. */
char *dir_file(const char *dir, const char *name);
/* A per-record path: tmpl with its first "{id}" replaced by id; without
 * "{id}", DIR/ID when join is set, else tmpl itself. Malloc'd. */
char *id_path(const char *tmpl, const char *id, int join);

/* Deterministic RNG (xoshiro256** seeded through splitmix64). */
typedef struct { uint64_t s[4]; } rng_t;
void rng_seed(rng_t *r, uint64_t seed);
uint64_t rng_u64(rng_t *r);
double rng_uniform(rng_t *r);            /* [0,1) */
double rng_normal(rng_t *r);             /* N(0,1), Box-Muller */
uint64_t rng_below(rng_t *r, uint64_t n); /* uniform in [0,n) without bias */

/* Atomic file write: atomic_open() returns a FILE* on "PATH.tmp.PID";
 * atomic_commit() flushes, fsyncs and renames it over PATH (0 on success);
 * atomic_abort() removes the temp file. Only a regular file or a missing
 * path is replaced: a symlink's target is replaced (the link stays), and a
 * device, FIFO or socket (/dev/full, /dev/stdout) is written through, with
 * no temp file. On failure errno says why (a directory: EISDIR). */
typedef struct { FILE *f; char *path; char *tmp; } atomic_file;
int atomic_open(atomic_file *a, const char *path);
int atomic_commit(atomic_file *a);
void atomic_abort(atomic_file *a);

/* Monotonic wall clock in seconds. */
double now_seconds(void);


/* ---- shared helpers (hash.h and hashset.h hold the others) ---- */

/* Read all of F (opened by the caller, who words its own open error) into
 * a new NUL-terminated buffer: *buf (free it), *len bytes before the NUL
 * (the data may itself contain NULs). A read error (a directory, EIO) ->
 * -1 with "NAME: read error: ..." in err and nothing allocated. F is left
 * open. */
int read_all(FILE *f, const char *name, char **buf, size_t *len, char *err, size_t errlen);

/* perm = a uniformly random permutation of 0..n-1 (Fisher-Yates, from the
 * top: exactly n-1 rng_below draws, so results depend on this order). */
void shuffle_index(long *perm, long n, rng_t *r);

#endif
