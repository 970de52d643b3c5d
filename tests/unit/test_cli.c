/* test_cli.c -- cli_getopt (lib/util/cli.c): the spellings every tool accepts,
 * and the shared outcomes (help, version, missing value, unknown option),
 * which exit, so they run in a child whose stdout, stderr and status are
 * checked. */
#include "check.h"
#include "util/cli.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/test_cli.XXXXXX";

static const struct option opts[] = {
    {"seed", required_argument, 0, 's'}, {"quiet", no_argument, 0, 'q'},
    {"csv", no_argument, 0, 1000},       CLI_STD_OPTIONS,
};

static void usage(void) { printf("Usage: tool [OPTION]...\n"); }

/* Parse argv (NULL-terminated) from the start; the seed given (or NULL),
 * how many -q, whether --csv, and the first file argument (or NULL). */
typedef struct { const char *seed, *file; int quiet, csv; } parsed;

static parsed parse(char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    parsed p = {0};
    optind = 0; /* glibc: full reinitialisation, as for a fresh process */
    int c;
    while ((c = cli_getopt(argc, argv, "s:q", opts, usage)) != -1)
        switch (c) {
        case 's': p.seed = optarg; break;
        case 'q': p.quiet++; break;
        case 1000: p.csv = 1; break;
        default: p.seed = "UNEXPECTED"; break;
        }
    p.file = optind < argc ? argv[optind] : NULL;
    return p;
}

/* Run parse(argv) in a child with stdout and stderr to files: the exit
 * status (-1 if it returned instead of exiting) and both outputs' first
 * lines. */
static int child(char **argv, char *out, char *err, size_t n)
{
    char po[512], pe[512];
    snprintf(po, sizeof po, "%s/out", dir);
    snprintf(pe, sizeof pe, "%s/err", dir);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(po, "w", stdout) || !freopen(pe, "w", stderr))
            _exit(99);
        parse(argv);
        fflush(NULL);
        _exit(97); /* returned: not an exiting case */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    const char *paths[2] = {po, pe};
    char *bufs[2] = {out, err};
    for (int i = 0; i < 2; i++) {
        bufs[i][0] = 0;
        FILE *f = fopen(paths[i], "r");
        if (f) {
            if (!fgets(bufs[i], (int)n, f))
                bufs[i][0] = 0;
            fclose(f);
        }
    }
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -2;
    return code == 97 ? -1 : code;
}

static void test_spellings(void)
{
    char *a1[] = {"tool", "--seed", "5", "f.tsv", NULL};
    parsed p = parse(a1);
    CHECK(p.seed && !strcmp(p.seed, "5") && p.file && !strcmp(p.file, "f.tsv"));
    char *a2[] = {"tool", "--seed=6", NULL};
    p = parse(a2);
    CHECK(p.seed && !strcmp(p.seed, "6") && !p.file);
    char *a3[] = {"tool", "-s7", NULL};
    p = parse(a3);
    CHECK(p.seed && !strcmp(p.seed, "7"));
    char *a4[] = {"tool", "f.tsv", "-s", "-3", NULL}; /* option after the file; a negative value */
    p = parse(a4);
    CHECK(p.seed && !strcmp(p.seed, "-3") && p.file && !strcmp(p.file, "f.tsv"));
    char *a5[] = {"tool", "-qq", "--se", "8", NULL}; /* a group; an unambiguous prefix */
    p = parse(a5);
    CHECK(p.quiet == 2 && p.seed && !strcmp(p.seed, "8"));
    char *a6[] = {"tool", "--csv", "--", "--seed", NULL}; /* "--" ends the options */
    p = parse(a6);
    CHECK(p.csv == 1 && !p.seed && p.file && !strcmp(p.file, "--seed"));
    char *a7[] = {"tool", "-", NULL}; /* "-" is a file */
    p = parse(a7);
    CHECK(p.file && !strcmp(p.file, "-"));
}

static void test_shared_cases(void)
{
    char out[256], err[256];
    char *h[] = {"tool", "-h", NULL};
    CHECK(child(h, out, err, sizeof out) == 0);
    CHECK_MSG(!strcmp(out, "Usage: tool [OPTION]...\n") && !err[0], "%s|%s", out, err);
    char *help[] = {"tool", "--seed", "1", "--help", NULL};
    CHECK(child(help, out, err, sizeof out) == 0);
    CHECK(!strncmp(out, "Usage:", 6));
    char *ver[] = {"tool", "--version", NULL};
    CHECK(child(ver, out, err, sizeof out) == 0);
    CHECK_MSG(strstr(out, "tool (autopeft) ") == out && !err[0], "%s|%s", out, err);
    char *miss[] = {"tool", "--seed", NULL};
    CHECK(child(miss, out, err, sizeof out) == EXIT_USAGE);
    CHECK_MSG(!strcmp(err, "tool: option '--seed' needs a value\n") && !out[0], "%s", err);
    char *miss_s[] = {"tool", "-s", NULL};
    CHECK(child(miss_s, out, err, sizeof out) == EXIT_USAGE);
    CHECK_MSG(!strcmp(err, "tool: option '-s' needs a value\n"), "%s", err);
    char *unk[] = {"tool", "--bogus", NULL};
    CHECK(child(unk, out, err, sizeof out) == EXIT_USAGE);
    CHECK_MSG(!strcmp(err, "tool: unknown option '--bogus'\n"), "%s", err);
    char *grp[] = {"tool", "-qx", NULL}; /* the unknown letter of a group is named */
    CHECK(child(grp, out, err, sizeof out) == EXIT_USAGE);
    CHECK_MSG(!strcmp(err, "tool: unknown option '-x'\n"), "%s", err);
    char *noarg[] = {"tool", "--csv=1", NULL};
    CHECK(child(noarg, out, err, sizeof out) == EXIT_USAGE);
    char *ok[] = {"tool", "-q", NULL}; /* an ordinary option returns to the caller */
    CHECK(child(ok, out, err, sizeof out) == -1);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    cli_init("/usr/bin/tool");
    test_spellings();
    test_shared_cases();
    char p[600];
    snprintf(p, sizeof p, "%s/out", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/err", dir);
    unlink(p);
    rmdir(dir);
    return check_status("test_cli");
}
