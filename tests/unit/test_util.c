/* test_util.c -- the bottom layer: strict number parsing, FILE:LINE
 * messages, paths, the seeded generator, and atomic writes over a regular
 * file (a kept old version until commit; nothing left behind on abort). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/test_util.XXXXXX";

static void test_parse(void)
{
    long l = 7;
    double d = 7;
    CHECK(parse_long("42", &l) == 0 && l == 42);
    CHECK(parse_long("-3", &l) == 0 && l == -3);
    CHECK(parse_long("", &l) == -1 && l == -3);
    CHECK(parse_long("4x", &l) == -1);
    CHECK(parse_long("1.5", &l) == -1);
    CHECK(parse_long("99999999999999999999", &l) == -1); /* overflow */
    CHECK(parse_long(NULL, &l) == -1);
    CHECK(parse_double("3e-4", &d) == 0 && d == 3e-4);
    CHECK(parse_double("-0.5", &d) == 0 && d == -0.5);
    CHECK(parse_double("nan", &d) == -1);
    CHECK(parse_double("inf", &d) == -1);
    CHECK(parse_double("-Infinity", &d) == -1);
    CHECK(parse_double("1e999", &d) == -1);
    CHECK(parse_double("0.1 ", &d) == -1);
    CHECK(parse_double("", &d) == -1);
}

static void test_messages_and_paths(void)
{
    char b[64];
    errf(b, sizeof b, "f.tsv", 12, "bad %s", "value");
    CHECK(!strcmp(b, "f.tsv:12: bad value"));
    errf(b, sizeof b, "f.tsv", 0, "no line");
    CHECK(!strcmp(b, "f.tsv: no line"));
    errf(b, sizeof b, NULL, 3, "plain");
    CHECK(!strcmp(b, "plain"));
    char small[8];
    errf(small, sizeof small, "a-very-long-file-name.tsv", 1, "x"); /* truncated, terminated */
    CHECK(strlen(small) == 7);
    char *p = dir_file("some/dir", "config.json");
    CHECK(!strcmp(p, "some/dir/config.json"));
    free(p);
}

static void test_rng(void)
{
    rng_t a, b;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    int same = 1;
    for (int i = 0; i < 100; i++)
        same &= rng_u64(&a) == rng_u64(&b);
    CHECK(same);
    rng_seed(&b, 43);
    CHECK(rng_u64(&a) != rng_u64(&b));
    /* rng_below: in range, every value hit, roughly uniform */
    long count[7] = {0};
    int in_range = 1;
    for (int i = 0; i < 70000; i++) {
        uint64_t v = rng_below(&a, 7);
        in_range &= v < 7;
        if (v < 7)
            count[v]++;
    }
    CHECK(in_range);
    for (int k = 0; k < 7; k++)
        CHECK_MSG(count[k] > 9500 && count[k] < 10500, "value %d drawn %ld times of 70000", k, count[k]);
    /* uniform in [0,1), normal with mean ~0 and variance ~1 */
    double s = 0, s2 = 0, umin = 1, umax = 0;
    for (int i = 0; i < 100000; i++) {
        double u = rng_uniform(&a), z = rng_normal(&a);
        umin = u < umin ? u : umin;
        umax = u > umax ? u : umax;
        s += z;
        s2 += z * z;
    }
    CHECK(umin >= 0 && umax < 1);
    CHECK_MSG(fabs(s / 1e5) < 0.02 && fabs(s2 / 1e5 - 1) < 0.03, "mean %g var %g", s / 1e5, s2 / 1e5);
}

static int files_in_dir(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_atomic(void)
{
    char path[512], line[64];
    snprintf(path, sizeof path, "%s/out.tsv", dir);
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    atomic_file a;
    CHECK(atomic_open(&a, path) == 0);
    fputs("new\n", a.f);
    fflush(a.f);
    /* until the commit, PATH still holds the old version */
    f = fopen(path, "r");
    CHECK(fgets(line, sizeof line, f) && !strcmp(line, "old\n"));
    fclose(f);
    CHECK(files_in_dir() == 2);
    CHECK(atomic_commit(&a) == 0);
    f = fopen(path, "r");
    CHECK(fgets(line, sizeof line, f) && !strcmp(line, "new\n"));
    fclose(f);
    CHECK(files_in_dir() == 1);
    /* an aborted write leaves the file as it was, and no temp file */
    CHECK(atomic_open(&a, path) == 0);
    fputs("partial", a.f);
    atomic_abort(&a);
    f = fopen(path, "r");
    CHECK(fgets(line, sizeof line, f) && !strcmp(line, "new\n"));
    fclose(f);
    CHECK(files_in_dir() == 1);
    /* a directory that does not exist: an error, not a crash */
    snprintf(path, sizeof path, "%s/no/such/dir/x.tsv", dir);
    CHECK(atomic_open(&a, path) != 0);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_parse();
    test_messages_and_paths();
    test_rng();
    test_atomic();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_status("test_util");
}
