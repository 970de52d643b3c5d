/* util.c -- see util.h */
#define _XOPEN_SOURCE 700
#include "util/util.h"
#include "util/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *ap_progname = "autopeft";

/* set by die*(): the tool is ending on an error it has reported (often a
 * failed write to stdout itself), so the exit check must not report the same
 * write error again */
static int dying;

static void check_stdout_at_exit(void)
{
    if (dying)
        return;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno == EPIPE)
            _exit(0);
        fprintf(stderr, "%s: write error: %s\n", ap_progname, strerror(errno));
        _exit(1);
    }
}

void cli_init(const char *argv0)
{
    const char *s = argv0 ? strrchr(argv0, '/') : NULL;
    ap_progname = s ? s + 1 : (argv0 ? argv0 : "autopeft");
    signal(SIGPIPE, SIG_DFL);
    atexit(check_stdout_at_exit);
}

void cli_version(void)
{
    printf("%s (autopeft) %s\n", ap_progname, AUTOPEFT_VERSION);
}

static void vmsg(const char *file, long line, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "%s: ", ap_progname);
    if (file) {
        if (line > 0)
            fprintf(stderr, "%s:%ld: ", file, line);
        else
            fprintf(stderr, "%s: ", file);
    }
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, 0, fmt, ap);
    va_end(ap);
    dying = 1;
    exit(status);
}

void die_at(const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(file ? file : "-", line, fmt, ap);
    va_end(ap);
    dying = 1;
    exit(EXIT_BADINPUT);
}

void die_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, 0, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", ap_progname);
    dying = 1;
    exit(EXIT_USAGE);
}

void warnx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, 0, fmt, ap);
    va_end(ap);
}

void errf(char *buf, size_t n, const char *file, long line, const char *fmt, ...)
{
    size_t k = 0;
    if (!buf || n == 0)
        return;
    buf[0] = 0;
    if (file) {
        int w = line > 0 ? snprintf(buf, n, "%s:%ld: ", file, line) : snprintf(buf, n, "%s: ", file);
        k = w < 0 ? 0 : ((size_t)w >= n ? n - 1 : (size_t)w);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + k, n - k, fmt, ap);
    va_end(ap);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die(1, "out of memory (%zu bytes)", n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die(1, "out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die(1, "out of memory (%zu bytes)", n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

void out_flush(void)
{
    if (fflush(stdout) != 0) {
        if (errno == EPIPE)
            _exit(0);
        /* _exit, not die: exit() would run the atexit check, which would
         * find the same error and say it again */
        fprintf(stderr, "%s: write error: %s\n", ap_progname, strerror(errno));
        _exit(1);
    }
}

int parse_long(const char *s, long *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int parse_double(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL))
        return -1;
    if (*end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

long cli_long(const char *opt, const char *v, long lo, long hi)
{
    long x;
    if (parse_long(v, &x) || x < lo || x > hi)
        die_usage("%s: '%s' is not an integer in [%ld, %ld]", opt, v, lo, hi);
    return x;
}

double cli_double(const char *opt, const char *v, double lo, double hi, int open_lo)
{
    double x;
    if (parse_double(v, &x) || x < lo || x > hi || (open_lo && x == lo))
        die_usage("%s: '%s' is not a number in %c%g, %g]", opt, v, open_lo ? '(' : '[', lo, hi);
    return x;
}

char *dir_file(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *id_path(const char *tmpl, const char *id, int join)
{
    const char *p = strstr(tmpl, "{id}");
    if (!p)
        return join ? dir_file(tmpl, id) : xstrdup(tmpl);
    size_t n = strlen(tmpl) + strlen(id) + 1;
    char *s = xmalloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(p - tmpl), tmpl, id, p + 4);
    return s;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = hash_mix64(*x);
    *x += 0x9e3779b97f4a7c15ULL;
    return z;
}

void rng_seed(rng_t *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_u64(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(rng_t *r) { return (double)(rng_u64(r) >> 11) * 0x1.0p-53; }

double rng_normal(rng_t *r)
{
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t rng_below(rng_t *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rng_u64(r);
    while (x >= lim);
    return x % n;
}

int atomic_open(atomic_file *a, const char *path)
{
    /* Only a regular file (or nothing) is replaced by rename. A symlink is
     * followed, so the link stays and its target is replaced; a device, a
     * FIFO or a socket (/dev/full, /dev/stdout, a pipe) is written through,
     * so its own errors show and nothing is put in its place. */
    struct stat st;
    char *real = NULL;
    const char *target = path;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (stat(path, &st) == 0) {
            if (S_ISREG(st.st_mode)) {
                real = realpath(path, NULL);
                if (!real)
                    return -1;
                target = real;
            }
        } else if (errno != ENOENT) {
            return -1;
        } else {
            /* a dangling link: create its target through the link */
            a->path = xstrdup(path);
            a->tmp = NULL;
            a->f = fopen(path, "w");
            if (!a->f) {
                int e = errno;
                free(a->path);
                a->path = NULL;
                errno = e;
                return -1;
            }
            return 0;
        }
    } else if (lstat(path, &st) != 0) {
        if (errno != ENOENT)
            return -1;
        st.st_mode = S_IFREG;
    }
    if (S_ISDIR(st.st_mode)) {
        free(real);
        errno = EISDIR;
        return -1;
    }
    a->path = xstrdup(target);
    free(real);
    if (!S_ISREG(st.st_mode)) {
        a->tmp = NULL;
        a->f = fopen(a->path, "w");
    } else {
        size_t n = strlen(a->path) + 32;
        a->tmp = xmalloc(n);
        snprintf(a->tmp, n, "%s.tmp.%ld", a->path, (long)getpid());
        a->f = fopen(a->tmp, "w");
    }
    if (!a->f) {
        int e = errno;
        free(a->path);
        free(a->tmp);
        a->path = a->tmp = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

int atomic_commit(atomic_file *a)
{
    int rc = 0, e = 0;
    if (fflush(a->f) != 0 || ferror(a->f)) {
        rc = -1;
        e = errno ? errno : EIO;
    }
    /* fsync of a device or pipe may be EINVAL/ENOTSUP: not an error */
    if (rc == 0 && a->tmp && fsync(fileno(a->f)) != 0 && errno != EINVAL) {
        rc = -1;
        e = errno;
    }
    if (fclose(a->f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    a->f = NULL;
    if (rc == 0 && a->tmp && rename(a->tmp, a->path) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0 && a->tmp)
        unlink(a->tmp);
    free(a->path);
    free(a->tmp);
    a->path = a->tmp = NULL;
    if (rc)
        errno = e;
    return rc;
}

void atomic_abort(atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    if (a->tmp)
        unlink(a->tmp);
    free(a->path);
    free(a->tmp);
    a->f = NULL;
    a->path = a->tmp = NULL;
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- shared helpers ---- */

int read_all(FILE *f, const char *name, char **buf, size_t *len, char *err, size_t errlen)
{
    size_t cap = 1 << 16, n = 0;
    char *b = xmalloc(cap);
    errno = 0;
    for (;;) {
        if (n + 1 >= cap)
            b = xrealloc(b, cap *= 2);
        size_t k = fread(b + n, 1, cap - 1 - n, f);
        n += k;
        if (k == 0)
            break;
    }
    int bad = ferror(f), e = errno;
    if (bad) {
        errf(err, errlen, name, 0, "read error: %s", strerror(e ? e : EIO));
        free(b);
        return -1;
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}

void shuffle_index(long *perm, long n, rng_t *r)
{
    for (long i = 0; i < n; i++)
        perm[i] = i;
    for (long i = n - 1; i > 0; i--) {
        long j = (long)rng_below(r, (uint64_t)i + 1);
        long t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}
