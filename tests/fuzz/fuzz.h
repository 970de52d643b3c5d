/* tests/fuzz/fuzz.h -- helpers shared by the libFuzzer harnesses (make fuzz).
 *
 * Parsers that take a path get the input through a private temp file that
 * is rewritten for every input (fuzz_file). FUZZ_CHECK is an oracle: when
 * a property the library documents does not hold, it prints the condition
 * and aborts, which libFuzzer reports as a crash with the input saved. */
#ifndef AUTOPEFT_FUZZ_H
#define AUTOPEFT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

typedef struct {
    char path[4096];
    int fd;
} fuzz_tmp;

/* The temp files, removed at exit (libFuzzer leaves through exit()). */
static fuzz_tmp *fuzz_tmps[4] __attribute__((unused));

static inline void fuzz_tmp_cleanup(void)
{
    for (int i = 0; i < 4; i++)
        if (fuzz_tmps[i])
            unlink(fuzz_tmps[i]->path);
}

/* Create the temp file once, in $TMPDIR or /tmp, with NAME in its name. */
static inline void fuzz_tmp_init(fuzz_tmp *t, const char *name)
{
    if (t->path[0])
        return;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(t->path, sizeof t->path, "%s/autopeft-fuzz-%s-XXXXXX", dir, name);
    t->fd = mkstemp(t->path);
    if (t->fd < 0) {
        perror(t->path);
        abort();
    }
    for (int i = 0; i < 4; i++)
        if (!fuzz_tmps[i]) {
            if (i == 0)
                atexit(fuzz_tmp_cleanup);
            fuzz_tmps[i] = t;
            break;
        }
}

/* Replace the file's contents by data[0..size); returns its path. */
static inline const char *fuzz_file(fuzz_tmp *t, const uint8_t *data, size_t size)
{
    if (ftruncate(t->fd, 0) != 0 || (size && pwrite(t->fd, data, size, 0) != (ssize_t)size)) {
        perror(t->path);
        abort();
    }
    return t->path;
}

#endif
