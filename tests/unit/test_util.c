/* test_util.c -- the bottom layer: strict number parsing, FILE:LINE
 * messages, paths, the seeded generator, and atomic writes over a regular
 * file (a kept old version until commit; nothing left behind on abort);
 * the command-line helpers and the exits of die*; and the shared helpers:
 * FNV-1a against its published test vectors, the 64-bit hash set, the
 * whole-file reader, the index shuffle. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "util/hash.h"
#include "util/hashset.h"
#include "util/util.h"

#include <dirent.h>
#include <sys/wait.h>
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

/* Run fn in a child with stderr to a file; its exit status, and the first
 * line it wrote to stderr in msg. */
static int child_exit(void (*fn)(void), char *msg, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/stderr", dir);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(path, "w", stderr))
            _exit(99);
        fn();
        _exit(98);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    msg[0] = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(msg, (int)n, f))
            msg[0] = 0;
        fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void die_bad(void) { die(EXIT_BADINPUT, "broken %d", 7); }
static void die_at_line(void) { die_at("f.tsv", 3, "bad value"); }
static void die_use(void) { die_usage("no such option"); }
static void long_out_of_range(void) { cli_long("--batch", "0", 1, 8); }
static void double_open_lo(void) { cli_double("--frac", "0", 0, 1, 1); }
static void test_cli(void)
{
    cli_init("/some/where/tool");
    CHECK(!strcmp(ap_progname, "tool"));
    CHECK(cli_long("--batch", "8", 1, 8) == 8);
    CHECK(cli_double("--frac", "0.5", 0, 1, 1) == 0.5);
    CHECK(cli_double("--lr", "0", 0, 1, 0) == 0);
    char msg[256];
    CHECK(child_exit(die_bad, msg, sizeof msg) == EXIT_BADINPUT);
    CHECK_MSG(!strcmp(msg, "tool: broken 7\n"), "%s", msg);
    CHECK(child_exit(die_at_line, msg, sizeof msg) == EXIT_BADINPUT);
    CHECK_MSG(!strcmp(msg, "tool: f.tsv:3: bad value\n"), "%s", msg);
    CHECK(child_exit(die_use, msg, sizeof msg) == EXIT_USAGE);
    CHECK_MSG(!strcmp(msg, "tool: no such option\n"), "%s", msg);
    CHECK(child_exit(long_out_of_range, msg, sizeof msg) == EXIT_USAGE);
    CHECK_MSG(strstr(msg, "--batch: '0' is not an integer in [1, 8]") != NULL, "%s", msg);
    CHECK(child_exit(double_open_lo, msg, sizeof msg) == EXIT_USAGE);
    CHECK_MSG(strstr(msg, "--frac: '0' is not a number in (0, 1]") != NULL, "%s", msg);
    /* id_path: {id} replaced, else DIR/ID or the template itself */
    char *p = id_path("out/{id}.tsv", "c1", 0);
    CHECK(!strcmp(p, "out/c1.tsv"));
    free(p);
    p = id_path("out", "c1", 1);
    CHECK(!strcmp(p, "out/c1"));
    free(p);
    p = id_path("out.tsv", "c1", 0);
    CHECK(!strcmp(p, "out.tsv"));
    free(p);
    p = xstrdup("abc");
    CHECK(!strcmp(p, "abc"));
    free(p);
    double t0 = now_seconds(), t1 = now_seconds();
    CHECK(t0 > 0 && t1 >= t0);
}

static void test_fnv(void)
{
    /* published FNV-1a 64 test vectors */
    CHECK(fnv1a_str(FNV1A_INIT, "") == 0xcbf29ce484222325ULL);
    CHECK(fnv1a_str(FNV1A_INIT, "a") == 0xaf63dc4c8601ec8cULL);
    CHECK(fnv1a_str(FNV1A_INIT, "foobar") == 0x85944171f73967e8ULL);
    CHECK(fnv1a_bytes(FNV1A_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(fnv1a_bytes(FNV1A_INIT, "x", 0) == FNV1A_INIT);
    /* chaining hashes the concatenation; bytes after a NUL count */
    CHECK(fnv1a_str(fnv1a_str(FNV1A_INIT, "foo"), "bar") == 0x85944171f73967e8ULL);
    CHECK(fnv1a_bytes(fnv1a_bytes(FNV1A_INIT, "foo", 3), "bar", 3) == 0x85944171f73967e8ULL);
    CHECK(fnv1a_bytes(FNV1A_INIT, "a\0b", 3) != fnv1a_str(FNV1A_INIT, "a"));
    /* bert.c's historical basis (its init seeds depend on these values) */
    CHECK(fnv1a_str(FNV1A_INIT_BERT, "") == 0x14650fb0739d0383ULL);
    CHECK(fnv1a_str(FNV1A_INIT_BERT, "a") == 0x44bd8ad473cd9906ULL);
}

static void test_hashset(void)
{
    hashset h = {0}; /* zero-initialised: empty and usable */
    CHECK(!hashset_has(&h, 5));
    CHECK(hashset_add(&h, 5) == 1 && hashset_add(&h, 5) == 0 && h.n == 1);
    CHECK(hashset_has(&h, 5) && !hashset_has(&h, 6));
    CHECK(hashset_add(&h, 0) == 1 && hashset_has(&h, 1)); /* 0 is stored as 1 */
    CHECK(hashset_add(&h, 1) == 0);
    /* growth keeps every key; keys that agree in their low bits spread */
    int all = 1, added = 1;
    for (uint64_t k = 1; k <= 20000; k++)
        added &= hashset_add(&h, k << 20) == 1;
    for (uint64_t k = 1; k <= 20000; k++)
        all &= hashset_has(&h, k << 20);
    CHECK(added && all && h.n == 20002 && 2 * h.n <= h.cap);
    CHECK(!hashset_has(&h, 3) && !hashset_has(&h, 20001ULL << 20));
    hashset_free(&h);
    CHECK(h.k == NULL && h.n == 0 && !hashset_has(&h, 5));
    hashset_init(&h, 1000); /* presized: no growth for 1000 keys */
    size_t cap = h.cap;
    for (uint64_t k = 0; k < 1000; k++)
        hashset_add(&h, k * 0x9E3779B97F4A7C15ULL + 7);
    CHECK(h.cap == cap && h.n == 1000);
    hashset_free(&h);
}

static void test_read_all(void)
{
    char path[512], err[256];
    char *buf;
    size_t len;
    snprintf(path, sizeof path, "%s/data", dir);
    FILE *f = fopen(path, "wb");
    /* larger than the first buffer, with a NUL inside */
    for (int i = 0; i < 70000; i++)
        fputc(i == 3 ? 0 : 'a' + i % 26, f);
    fclose(f);
    f = fopen(path, "rb");
    CHECK(read_all(f, path, &buf, &len, err, sizeof err) == 0);
    fclose(f);
    CHECK(len == 70000 && buf[0] == 'a' && buf[3] == 0 && buf[69999] == 'a' + 69999 % 26 && buf[70000] == 0);
    free(buf);
    /* an empty file: length 0, still a terminated buffer */
    snprintf(path, sizeof path, "%s/empty", dir);
    f = fopen(path, "wb");
    fclose(f);
    f = fopen(path, "rb");
    CHECK(read_all(f, "empty", &buf, &len, err, sizeof err) == 0);
    fclose(f);
    CHECK(len == 0 && buf[0] == 0);
    free(buf);
    /* a directory opens, but reading it fails: a message, nothing allocated */
    f = fopen(dir, "rb");
    CHECK(f != NULL);
    if (f) {
        buf = NULL;
        CHECK(read_all(f, "somedir", &buf, &len, err, sizeof err) == -1);
        CHECK_MSG(!strcmp(err, "somedir: read error: Is a directory"), "%s", err);
        CHECK(buf == NULL);
        fclose(f);
    }
}

static void test_shuffle(void)
{
    enum { N = 50 };
    long p[N], q[N];
    rng_t a, b;
    rng_seed(&a, 7);
    rng_seed(&b, 7);
    shuffle_index(p, N, &a);
    /* the Fisher-Yates loop pretrain.c and traineval.c had: same draws, same result */
    for (long i = 0; i < N; i++)
        q[i] = i;
    for (long i = N - 1; i > 0; i--) {
        long j = (long)rng_below(&b, (uint64_t)i + 1);
        long t = q[i];
        q[i] = q[j];
        q[j] = t;
    }
    CHECK(!memcmp(p, q, sizeof p));
    CHECK(rng_u64(&a) == rng_u64(&b)); /* the generator advanced alike */
    int seen[N] = {0}, perm = 1, moved = 0;
    for (int i = 0; i < N; i++) {
        perm &= p[i] >= 0 && p[i] < N && !seen[p[i]];
        if (p[i] >= 0 && p[i] < N)
            seen[p[i]] = 1;
        moved += p[i] != i;
    }
    CHECK(perm && moved > 0);
    /* deterministic in the seed */
    rng_seed(&a, 7);
    shuffle_index(q, N, &a);
    CHECK(!memcmp(p, q, sizeof p));
    /* n = 0 and 1 draw nothing */
    rng_seed(&a, 7);
    rng_seed(&b, 7);
    shuffle_index(q, 0, &a);
    shuffle_index(q, 1, &a);
    CHECK(q[0] == 0 && rng_u64(&a) == rng_u64(&b));
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_parse();
    test_messages_and_paths();
    test_rng();
    test_atomic();
    test_cli();
    test_fnv();
    test_hashset();
    test_read_all();
    test_shuffle();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_status("test_util");
}
