/* test_space.c -- search space files, encoding, validity, neighbours,
 * sampling, parameter counts, grid and identity (lib/search/space.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config/peft.h"
#include "data/record.h"
#include "search/space.h"
#include "util/util.h"

static char tmpdir[256];
static int ntmp = 0;

/* Write text to a fresh temp file (suffix e.g. ".space"); returns its path. */
static const char *tmpfile_with(const char *text, const char *suffix)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/f%d%s", tmpdir, ntmp++, suffix);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

static space *load_text(const char *text, char *err, size_t n)
{
    return space_load(tmpfile_with(text, ".space"), err, n);
}

#define HDR "name\tkind\tvalues\trole\n"

/* The bad file must fail with "PATH:LINE: " and contain the fragment. */
static void expect_bad(const char *text, long line, const char *frag)
{
    char err[1024] = "", want[600];
    const char *p = tmpfile_with(text, ".space");
    space *s = space_load(p, err, sizeof err);
    CHECK_MSG(s == NULL, "expected failure for fragment '%s'", frag);
    space_free(s);
    snprintf(want, sizeof want, "%s:%ld: ", p, line);
    CHECK_MSG(!strncmp(err, want, strlen(want)), "err '%s' should start with '%s'", err, want);
    CHECK_MSG(strstr(err, frag) != NULL, "err '%s' should contain '%s'", err, frag);
}

static void test_parse_good(void)
{
    char err[1024];
    space *s = load_text("# a comment before the header\n" HDR "x\tbool\t-\t-\n", err, sizeof err);
    CHECK(s == NULL && strstr(err, ":1: the header must come first"));
    space_free(s);
    s = load_text("nom\tkind\tvalues\nx\tbool\t-\n", err, sizeof err);
    CHECK(s == NULL && strstr(err, ":1: missing column 'name'"));
    space_free(s);

    s = load_text(HDR "hidden\tconst\t8\t-\n"
                      "layers\tconst\t3\t-\n"
                      "# comments after the header are skipped\n"
                      "sa\tchoice\t0,1,2,4,8:log\tsa\n"
                      "pt\tint\t0:5\tpt\n"
                      "act\tchoice\trelu,gelu,tanh\t\n"
                      "\n"
                      "l0\tbool\t-\tlayer:0\n"
                      "l2\tbool\t\tlayer:2\n"
                      "lr\tchoice\t0.0001,0.001,0.01:log\t-\n"
                      "m\tany\tsa,pt\t-\n",
                  err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (!s)
        return;
    CHECK(space_ndims(s) == 6);
    CHECK(space_nconsts(s) == 2 && space_nconstraints(s) == 1);
    const space_dim *sa = space_dim_at(s, space_find(s, "sa"));
    CHECK(sa->kind == DIM_CHOICE && sa->n_levels == 5 && sa->log && sa->numeric);
    CHECK(sa->role == ROLE_MODULE && sa->role_arg == MOD_SA);
    CHECK(sa->values[4] == 8 && !strcmp(sa->labels[3], "4"));
    const space_dim *pt = space_dim_at(s, space_find(s, "pt"));
    CHECK(pt->kind == DIM_INT && pt->n_levels == 6 && !pt->log && pt->values[5] == 5 && !strcmp(pt->labels[5], "5"));
    const space_dim *act = space_dim_at(s, space_find(s, "act"));
    CHECK(act->kind == DIM_CHOICE && !act->numeric && act->n_levels == 3 && act->role == ROLE_NONE);
    CHECK(act->values[2] == 2 && !strcmp(act->labels[1], "gelu"));
    const space_dim *l2 = space_dim_at(s, space_find(s, "l2"));
    CHECK(l2->kind == DIM_BOOL && l2->role == ROLE_LAYER && l2->role_arg == 2 && l2->n_levels == 2);
    CHECK(space_find(s, "m") == -1 && space_find(s, "hidden") == -1);
    long long v = 0;
    CHECK(space_const(s, "hidden", &v) == 0 && v == 8);
    CHECK(space_const(s, "nope", &v) == -1);
    CHECK(space_has_params(s));
    CHECK(space_base_params(s) == -1); /* no base_params and no BERT constants */

    /* labels and values */
    int d = space_find(s, "sa");
    CHECK(space_level_of(s, d, "4") == 3);
    CHECK(space_level_of(s, d, "4.0") == 3);
    CHECK(space_level_of(s, d, "3") == -1);
    CHECK(space_level_of(s, d, "") == -1);
    d = space_find(s, "pt");
    CHECK(space_level_of(s, d, "0") == 0 && space_level_of(s, d, "5") == 5 && space_level_of(s, d, "6") == -1);
    CHECK(space_level_of(s, d, "2.0") == 2 && space_level_of(s, d, "2.5") == -1 && space_level_of(s, d, "x") == -1);
    d = space_find(s, "l0");
    CHECK(space_level_of(s, d, "true") == 1 && space_level_of(s, d, "False") == 0 && space_level_of(s, d, "2") == -1);
    d = space_find(s, "act");
    CHECK(space_level_of(s, d, "tanh") == 2 && space_level_of(s, d, "2") == -1);
    space_free(s);

    /* CSV space file */
    s = space_load(tmpfile_with("name,kind,values,role\nx,int,0:3,-\ny,choice,\"1,2,3\",-\n", ".csv"), err,
                   sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s) {
        CHECK(space_ndims(s) == 2 && space_dim_at(s, 1)->n_levels == 3);
        CHECK(!space_has_params(s));
    }
    space_free(s);

    /* role column is optional */
    s = load_text("name\tkind\tvalues\nx\tint\t-3:3\n", err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s)
        CHECK(space_dim_at(s, 0)->n_levels == 7 && space_dim_at(s, 0)->values[0] == -3);
    space_free(s);
}

static void test_parse_bad(void)
{
    expect_bad(HDR "x\tfloat\t0:1\t-\n", 2, "unknown kind 'float'");
    expect_bad(HDR "x\tint\t5:1\t-\n", 2, "bad range '5:1'");
    expect_bad(HDR "x\tint\t5\t-\n", 2, "bad range '5'");
    expect_bad(HDR "x\tint\ta:b\t-\n", 2, "bad range 'a:b'");
    expect_bad(HDR "x\tint\t0:1000000\t-\n", 2, "more than");
    expect_bad(HDR "x\tint\t-1:4:log\t-\n", 2, "log scale needs values >= 0");
    expect_bad(HDR "x\tchoice\t\t-\n", 2, "empty list of values");
    expect_bad(HDR "x\tchoice\t1,,2\t-\n", 2, "empty item");
    expect_bad(HDR "x\tchoice\t1,3,2\t-\n", 2, "strictly increasing");
    expect_bad(HDR "x\tchoice\t1,2,2\t-\n", 2, "'2' listed twice");
    expect_bad(HDR "x\tchoice\ta,b:log\t-\n", 2, "log scale needs numeric values");
    expect_bad(HDR "x\tchoice\t-1,0,1:log\t-\n", 2, "log scale needs values >= 0");
    expect_bad(HDR "x\tbool\t0,1\t-\n", 2, "bool 'x': values must be empty");
    expect_bad(HDR "x\tint\t0:3\t-\nx\tbool\t-\t-\n", 3, "duplicate name 'x'");
    expect_bad(HDR "x\tint\t0:3\t-\nx\tconst\t3\t-\n", 3, "duplicate name 'x'");
    expect_bad(HDR "x\tint\t0:3\t-\ng\tany\tx,y\t-\n", 3, "unknown dimension 'y'");
    expect_bad(HDR "x\tint\t0:3\t-\ng\tany\t\t-\n", 3, "empty list of dimensions");
    expect_bad(HDR "x\tint\t0:3\t-\ng\tany\tx,x\t-\n", 3, "'x' listed twice");
    expect_bad(HDR "x\tint\t0:0\t-\ng\tany\tx\t-\n", 3, "can never hold");
    expect_bad(HDR "x\tint\t0:3\t-\nsa choice 0,1 sa\n", 3, "expected 4 TAB-separated fields");
    expect_bad(HDR "x\tint\t0:3\n", 2, "expected 4 TAB-separated fields");
    expect_bad(HDR "x\tint\t0:3\t-\textra\n", 2, "expected 4 TAB-separated fields");
    expect_bad("name\tkind\n", 1, "missing column 'values'");
    expect_bad("", 1, "empty input");
    expect_bad(HDR, 1, "no dimensions");
    expect_bad(HDR "hidden\tconst\t768\t-\n", 2, "no dimensions");
    expect_bad(HDR "hidden\tconst\t7x\t-\n", 2, "not an integer");
    expect_bad(HDR "hidden\tconst\t0\t-\n", 2, "must be positive");
    expect_bad(HDR "layers\tconst\t65\t-\n", 2, "exceeds the maximum");
    expect_bad(HDR "hidden\tconst\t8\tsa\n", 2, "only dimensions take a role");
    expect_bad(HDR "x\tint\t0:3\tfoo\n", 2, "unknown role 'foo'");
    expect_bad(HDR "x\tint\t0:3\tsa\ny\tint\t0:3\tsa\n", 3, "role sa already taken by 'x'");
    expect_bad(HDR "x\tint\t-1:3\tsa\n", 2, "needs sizes >= 0");
    expect_bad(HDR "x\tchoice\t0,0.5\tpa\n", 2, "needs integer sizes");
    expect_bad(HDR "x\tchoice\ta,b\tpt\n", 2, "needs sizes >= 0");
    expect_bad(HDR "x\tint\t0:1\tlayer:0\n", 2, "needs a bool dimension");
    expect_bad(HDR "x\tbool\t-\tlayer:x\n", 2, "bad layer role");
    expect_bad(HDR "x\tbool\t-\tlayer:64\n", 2, "bad layer role");
    expect_bad(HDR "x\tbool\t-\tlayer:1\ny\tbool\t-\tlayer:1\n", 3, "already taken by 'x'");
    expect_bad(HDR "layers\tconst\t2\t-\nx\tbool\t-\tlayer:2\n", 3, "layer 2 out of range");
    expect_bad(HDR "id\tint\t0:3\t-\n", 2, "reserved");
    expect_bad(HDR "a b\tint\t0:3\t-\n", 2, "bad name 'a b'");
    expect_bad(HDR "\tint\t0:3\t-\n", 2, "bad name ''");
    char err[256];
    CHECK(space_load("/nonexistent/x.space", err, sizeof err) == NULL && strstr(err, "/nonexistent/x.space"));
}

static char *slurp_write(const space *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    CHECK(space_write(s, f) == 0);
    fclose(f);
    return buf;
}

static space *autopeft(int H, int L, unsigned mods)
{
    space_model m = {H, L, H % 64 ? 1 : H / 64, 4 * H, 30522, 512, 2, 0, mods};
    char err[512];
    space *s = space_autopeft(&m, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    return s;
}

static void test_autopeft_and_roundtrip(void)
{
    space *s = autopeft(768, 12, SPACE_MODS_DEFAULT);
    if (!s)
        return;
    CHECK(space_ndims(s) == 15);
    const space_dim *sa = space_dim_at(s, 0);
    const double want[] = {0, 1, 3, 6, 12, 24, 48, 96, 192, 384, 768};
    CHECK(sa->n_levels == 11 && sa->log && !strcmp(sa->name, "sa"));
    for (int i = 0; i < 11 && i < sa->n_levels; i++)
        CHECK_MSG(sa->values[i] == want[i], "level %d: %g", i, sa->values[i]);
    CHECK(space_base_params(s) == 109482240LL);
    CHECK(space_has_params(s));
    CHECK(space_find(s, "lora") == -1);
    char *t1 = slurp_write(s);
    CHECK(strstr(t1, "sa\tchoice\t0,1,3,6,12,24,48,96,192,384,768:log\tsa\n") != NULL);
    CHECK(strstr(t1, "l11\tbool\t-\tlayer:11\n") != NULL);
    CHECK(strstr(t1, "any_layer\tany\tl0,l1,l2,l3,l4,l5,l6,l7,l8,l9,l10,l11\t-\n") != NULL);
    /* round trip: write -> load -> write is the identity */
    char err[512];
    space *s2 = load_text(t1, err, sizeof err);
    CHECK_MSG(s2 != NULL, "%s", err);
    if (s2) {
        char *t2 = slurp_write(s2);
        CHECK(!strcmp(t1, t2));
        free(t2);
        rng_t r;
        rng_seed(&r, 3);
        int a[64];
        for (int k = 0; k < 50; k++) {
            space_sample(s, &r, a);
            CHECK(space_hash(s, a) == space_hash(s2, a));
            CHECK(space_params(s, a) == space_params(s2, a));
        }
        space_free(s2);
    }
    free(t1);
    space_free(s);

    /* small hidden sizes, lora */
    s = autopeft(6, 2, SPACE_MODS_DEFAULT | (1u << MOD_LORA));
    if (s) {
        const space_dim *d = space_dim_at(s, 0);
        CHECK(d->n_levels == 4 && d->values[1] == 1 && d->values[2] == 3 && d->values[3] == 6);
        int li = space_find(s, "lora");
        CHECK(li == 3);
        d = space_dim_at(s, li);
        CHECK(d && d->n_levels == 4 && d->values[3] == 4 && d->role_arg == MOD_LORA); /* 0,1,2,4 <= H */
        CHECK(space_ndims(s) == 6);
    }
    space_free(s);
    s = autopeft(768, 12, 1u << MOD_LORA);
    if (s) {
        const space_dim *d = space_dim_at(s, 0);
        CHECK(d->n_levels == 8 && d->values[7] == 64 && !strcmp(d->name, "lora"));
    }
    space_free(s);
    space_model bad = {0, 12, 1, 1, 1, 1, 1, 0, SPACE_MODS_DEFAULT};
    char e2[256];
    CHECK(space_autopeft(&bad, e2, sizeof e2) == NULL && strstr(e2, "hidden"));
    space_model nomod = {768, 12, 12, 3072, 30522, 512, 2, 0, 0};
    CHECK(space_autopeft(&nomod, e2, sizeof e2) == NULL && strstr(e2, "no modules"));
}

static void test_encode(void)
{
    space *s = autopeft(768, 12, SPACE_MODS_DEFAULT);
    if (!s)
        return;
    int nd = space_ndims(s);
    int a[64], b[64];
    double x[64];
    memset(a, 0, sizeof a);
    for (int i = 0; i < nd; i++)
        a[i] = 1;
    /* sa through all levels: strictly increasing, in [0,1], log-spaced */
    double e[11];
    for (int l = 0; l < 11; l++) {
        a[0] = l;
        space_encode(s, a, x);
        e[l] = x[0];
        CHECK(x[0] >= 0 && x[0] <= 1);
        CHECK(x[3] == 1.0); /* l0 = 1 */
        if (l)
            CHECK(e[l] > e[l - 1]);
    }
    CHECK(e[0] == 0.0 && e[10] == 1.0);
    /* log spacing: 768/384 and 384/192 are equal ratios */
    double d1 = e[10] - e[9], d2 = e[9] - e[8];
    CHECK_MSG(fabs(d1 - d2) < 1e-12, "%g vs %g", d1, d2);
    /* 3 -> 6 vs 1 -> 3: log(2)/log(3) */
    double r = (e[3] - e[2]) / (e[2] - e[1]);
    CHECK_MSG(fabs(r - log(2.0) / log(3.0)) < 1e-12, "ratio %g", r);
    /* 0 sits one mean log-step (log(768)/9) below 1 */
    double step = (e[10] - e[1]) / 9;
    CHECK_MSG(fabs((e[1] - e[0]) - step) < 1e-12, "%g vs %g", e[1] - e[0], step);
    /* decode inverts encode on every level and every dim */
    rng_t rg;
    rng_seed(&rg, 11);
    for (int k = 0; k < 200; k++) {
        space_sample(s, &rg, a);
        space_encode(s, a, x);
        space_decode(s, x, b);
        CHECK(!memcmp(a, b, (size_t)nd * sizeof *a));
    }
    /* decode rounds to the nearest level and clamps */
    x[0] = 0.5 * (e[4] + e[5]) - 1e-9;
    x[1] = -3;
    x[2] = 7;
    space_decode(s, x, b);
    CHECK(b[0] == 4 && b[1] == 0 && b[2] == 10);
    space_free(s);

    /* linear int: level i of 0:100 -> i/100 */
    char err[256];
    s = load_text(HDR "x\tint\t0:100\t-\ny\tint\t1:8:log\t-\nz\tint\t4:4\t-\n", err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s) {
        double maxd = 0;
        for (int i = 0; i <= 100; i++) {
            int lv[3] = {i, 0, 0};
            space_encode(s, lv, x);
            maxd = fmax(maxd, fabs(x[0] - i / 100.0));
            CHECK(x[2] == 0.0); /* a single level encodes as 0 */
        }
        CHECK_MSG(maxd < 1e-15, "max diff %g", maxd);
        int lv[3] = {0, 1, 0};
        space_encode(s, lv, x);
        CHECK(fabs(x[1] - log(2.0) / log(8.0)) < 1e-12);
    }
    space_free(s);
}

static int count_diff(const int *a, const int *b, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += a[i] != b[i];
    return k;
}

static void test_valid_and_neighbours(void)
{
    space *s = autopeft(768, 12, SPACE_MODS_DEFAULT);
    if (!s)
        return;
    int nd = space_ndims(s);
    int a[64];
    memset(a, 0, sizeof a);
    for (int l = 3; l < 15; l++)
        a[l] = 1;
    CHECK(!space_valid(s, a)); /* no module */
    a[1] = 5;
    CHECK(space_valid(s, a));
    for (int l = 3; l < 15; l++)
        a[l] = 0;
    CHECK(!space_valid(s, a)); /* no layer */
    a[9] = 1;
    CHECK(space_valid(s, a));
    a[0] = 11;
    CHECK(!space_valid(s, a)); /* level out of range */
    a[0] = -1;
    CHECK(!space_valid(s, a));

    int maxn = space_max_neighbours(s);
    CHECK(maxn == 3 * 10 + 12);
    int *out = xmalloc((size_t)maxn * nd * sizeof *out);
    /* only sa=3 on, every layer on: sa has 9 valid moves (not 0), pa, pt 10 each, 12 flips */
    memset(a, 0, sizeof a);
    a[0] = 2;
    for (int l = 3; l < 15; l++)
        a[l] = 1;
    int n = space_neighbours(s, a, out, maxn);
    CHECK_MSG(n == 41, "n = %d", n);
    /* only layer 5 on: its flip is invalid */
    for (int l = 3; l < 15; l++)
        a[l] = l == 8;
    n = space_neighbours(s, a, out, maxn);
    CHECK_MSG(n == 9 + 10 + 10 + 11, "n = %d", n);
    CHECK(space_neighbours(s, a, out, 7) == 7); /* max respected */
    rng_t r;
    rng_seed(&r, 5);
    int bad = 0, dup = 0;
    for (int k = 0; k < 200; k++) {
        space_sample(s, &r, a);
        n = space_neighbours(s, a, out, maxn);
        for (int i = 0; i < n; i++) {
            bad += !space_valid(s, out + (size_t)i * nd) || count_diff(a, out + (size_t)i * nd, nd) != 1;
            for (int j = 0; j < i; j++)
                dup += !memcmp(out + (size_t)i * nd, out + (size_t)j * nd, (size_t)nd * sizeof *a);
        }
    }
    CHECK_MSG(bad == 0, "%d invalid or not one-dimension neighbours", bad);
    CHECK_MSG(dup == 0, "%d duplicate neighbours", dup);
    free(out);
    space_free(s);

    /* int dims move to adjacent levels only */
    char err[256];
    s = load_text(HDR "x\tint\t0:100\t-\ny\tint\t0:100\t-\n", err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s) {
        int o[8], lv[2] = {0, 50};
        CHECK(space_max_neighbours(s) == 4);
        n = space_neighbours(s, lv, o, 4);
        CHECK(n == 3 && o[0] == 1 && o[1] == 50 && o[2] == 0 && o[3] == 49 && o[4] == 0 && o[5] == 51);
    }
    space_free(s);
}

/* a in {0,1,2}, b bool, c bool, any(a,b): 5 * 2 = 10 valid configs */
static const char *SMALL = HDR "a\tchoice\t0,1,2\t-\nb\tbool\t-\t-\nc\tbool\t-\t-\ng\tany\ta,b\t-\n";
/* linked groups any(a,b), any(b,c) over three bools + a free int */
static const char *LINKED = HDR "a\tbool\t-\t-\nb\tbool\t-\t-\nc\tbool\t-\t-\nd\tint\t0:2\t-\n"
                                "g1\tany\ta,b\t-\ng2\tany\tb,c\t-\n";

static void chi_square_uniform(const char *text, int expect_valid, const char *name)
{
    char err[256];
    space *s = load_text(text, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (!s)
        return;
    int nd = space_ndims(s);
    /* index every valid config by its grid position */
    int total = (int)space_total(s), lv[8] = {0};
    int *idx = xmalloc((size_t)total * sizeof *idx);
    int nvalid = 0, pos = 0;
    do
        idx[pos++] = space_valid(s, lv) ? nvalid++ : -1;
    while (space_next(s, lv));
    CHECK_MSG(nvalid == expect_valid, "%s: %d valid, want %d", name, nvalid, expect_valid);
    long *cnt = xcalloc((size_t)nvalid, sizeof *cnt);
    rng_t r;
    rng_seed(&r, 42);
    const int N = 100000;
    int invalid = 0;
    for (int k = 0; k < N; k++) {
        space_sample(s, &r, lv);
        if (!space_valid(s, lv)) {
            invalid++;
            continue;
        }
        int p = 0;
        for (int d = 0; d < nd; d++)
            p = p * space_dim_at(s, d)->n_levels + lv[d];
        cnt[idx[p]]++;
    }
    CHECK(invalid == 0);
    double chi = 0, e = (double)N / nvalid;
    for (int i = 0; i < nvalid; i++)
        chi += (cnt[i] - e) * (cnt[i] - e) / e;
    /* 0.999 quantiles of chi-square: 9 dof 27.88, 14 dof 36.12 */
    double crit = nvalid == 10 ? 27.88 : 36.12;
    printf("  %s: chi-square %.2f over %d cells (critical %.2f)\n", name, chi, nvalid, crit);
    CHECK_MSG(chi < crit, "%s: chi-square %g", name, chi);
    free(cnt);
    free(idx);
    space_free(s);
}

static void test_sampling(void)
{
    chi_square_uniform(SMALL, 10, "small");
    chi_square_uniform(LINKED, 15, "linked"); /* (8 - 3 invalid a,b,c) * 3 */
    /* deterministic for a seed, different for another */
    space *s = autopeft(768, 12, SPACE_MODS_DEFAULT);
    if (!s)
        return;
    rng_t r1, r2, r3;
    rng_seed(&r1, 7);
    rng_seed(&r2, 7);
    rng_seed(&r3, 8);
    int a[64], b[64], c[64], same3 = 0, invalid = 0;
    for (int k = 0; k < 100; k++) {
        space_sample(s, &r1, a);
        space_sample(s, &r2, b);
        space_sample(s, &r3, c);
        CHECK(!memcmp(a, b, 15 * sizeof *a));
        same3 += !memcmp(a, c, 15 * sizeof *a);
        invalid += !space_valid(s, a);
    }
    CHECK(same3 < 5);
    CHECK(invalid == 0);
    space_free(s);
}

static void test_params(void)
{
    space *s = autopeft(768, 12, SPACE_MODS_DEFAULT | (1u << MOD_LORA));
    if (!s)
        return;
    const long long H = 768, L = 12, N = 109482240LL;
    int a[64];
    /* full on: sa = pa = pt = 768 (level 10), lora 0, all layers */
    a[0] = a[1] = a[2] = 10;
    a[3] = 0;
    for (int l = 4; l < 16; l++)
        a[l] = 1;
    CHECK(space_valid(s, a));
    long long p = space_params(s, a);
    long long exact = L * ((2 * H * 768 + 768 + H) * 2 + 2 * H * 768);
    CHECK_MSG(p == exact, "%lld vs %lld", p, exact);
    /* the AutoPEFT cost formula ignores the biases: add them back */
    double ref = 100.0 * 2 * H * L * (768 + 768 + 768) / N;
    double bias = 100.0 * L * ((768 + H) + (768 + H)) / N;
    double pct = space_params_pct(s, a);
    printf("  full-on pct %.6f (AutoPEFT formula %.6f + biases %.6f)\n", pct, ref, bias);
    CHECK_MSG(fabs(pct - (ref + bias)) < 1e-9, "%.12f vs %.12f", pct, ref + bias);
    CHECK(fabs(ref - 38.79) < 0.01); /* the paper's maximum, about 38.8% */
    /* one unit of sa in every layer is about 0.0168% (plus biases) */
    a[0] = 1;
    a[1] = a[2] = 0;
    double one = space_params_pct(s, a), want1 = 100.0 * L * (2 * H + 1 + H) / N;
    CHECK(fabs(one - want1) < 1e-12 && fabs(100.0 * 2 * H * L / N - 0.0168) < 0.0001);

    /* random configs vs hand-built peft_config */
    rng_t r;
    rng_seed(&r, 99);
    int mism = 0;
    for (int k = 0; k < 500; k++) {
        space_sample(s, &r, a);
        peft_config c;
        peft_default(&c, 12);
        c.sa = atoi(space_label(s, 0, a[0]));
        c.pa = atoi(space_label(s, 1, a[1]));
        c.pt = atoi(space_label(s, 2, a[2]));
        c.lora = atoi(space_label(s, 3, a[3]));
        for (int l = 0; l < 12; l++)
            c.layer_on[l] = (unsigned char)atoi(space_label(s, 4 + l, a[4 + l]));
        mism += space_params(s, a) != peft_params_added(768, &c);
        peft_config c2;
        CHECK(space_to_peft(s, a, &c2) == 0);
        mism += c2.sa != c.sa || c2.pa != c.pa || c2.pt != c.pt || c2.lora != c.lora ||
                memcmp(c2.layer_on, c.layer_on, sizeof c.layer_on) || c2.n_layers != 12;
    }
    CHECK_MSG(mism == 0, "%d mismatches", mism);
    space_free(s);

    /* hand-written space: layers without a flag stay on; base from consts */
    char err[256];
    s = load_text(HDR "hidden\tconst\t10\t-\nlayers\tconst\t4\t-\nvocab\tconst\t100\t-\n"
                      "intermediate\tconst\t40\t-\nmax_position\tconst\t16\t-\ntype_vocab\tconst\t2\t-\n"
                      "pa\tint\t0:8\tpa\nl1\tbool\t-\tlayer:1\n",
                  err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s) {
        int lv[2] = {8, 0}; /* pa = 8, layer 1 off: 3 active layers */
        CHECK(space_params(s, lv) == 3 * (2 * 10 * 8 + 8 + 10));
        CHECK(space_base_params(s) == bert_base_param_count(100, 10, 4, 40, 16, 2));
        double want = 100.0 * 3 * (2 * 10 * 8 + 8 + 10) / (double)bert_base_param_count(100, 10, 4, 40, 16, 2);
        CHECK(fabs(space_params_pct(s, lv) - want) < 1e-12);
    }
    space_free(s);

    /* no model: no params */
    s = load_text(SMALL, err, sizeof err);
    if (s) {
        int lv[3] = {1, 0, 0};
        peft_config c;
        CHECK(!space_has_params(s) && space_params(s, lv) == -1 && isnan(space_params_pct(s, lv)));
        CHECK(space_to_peft(s, lv, &c) == -1);
    }
    space_free(s);
}

static void test_grid_and_ids(void)
{
    char err[256];
    space *s = load_text(SMALL, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s) {
        int lv[3] = {0, 0, 0}, nvalid = 0, nall = 0;
        do {
            nall++;
            nvalid += space_valid(s, lv);
        } while (space_next(s, lv));
        CHECK(nall == 12 && space_total(s) == 12.0);
        CHECK(nvalid == (3 * 2 - 1) * 2);
        CHECK(lv[0] == 0 && lv[1] == 0 && lv[2] == 0); /* wrapped around */
    }
    space_free(s);

    /* AutoPEFT H=4 L=2: sizes 0,1,2,4: (4^3 - 1) * (2^2 - 1) valid of 4^3 * 2^2 */
    s = autopeft(4, 2, SPACE_MODS_DEFAULT);
    if (!s)
        return;
    int lv[8] = {0}, nvalid = 0, nd = space_ndims(s);
    uint64_t ids[256];
    int k = 0;
    do {
        if (space_valid(s, lv))
            nvalid++;
        ids[k++] = space_hash(s, lv) >> 16;
    } while (space_next(s, lv) && k < 256);
    CHECK(nd == 5 && k == 256 && space_total(s) == 256);
    CHECK_MSG(nvalid == 63 * 3, "nvalid %d", nvalid);
    int coll = 0;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++)
            coll += ids[i] == ids[j];
    CHECK_MSG(coll == 0, "%d id collisions among 256 configs", coll);
    char id[32];
    memset(lv, 0, sizeof lv);
    space_id(s, lv, id, sizeof id);
    CHECK(strlen(id) == 13 && id[0] == 'c' && strspn(id + 1, "0123456789abcdef") == 12);
    space_free(s);

    /* ids do not depend on dim order, and do on values and names */
    space *s1 = load_text(HDR "x\tint\t0:9\t-\ny\tchoice\t1,2,4\t-\n", err, sizeof err);
    space *s2 = load_text(HDR "y\tchoice\t1,2,4\t-\nx\tint\t0:9\t-\n", err, sizeof err);
    space *s3 = load_text(HDR "x\tint\t0:9\t-\nz\tchoice\t1,2,4\t-\n", err, sizeof err);
    CHECK(s1 && s2 && s3);
    if (s1 && s2 && s3) {
        int a1[2] = {3, 2}, a2[2] = {2, 3}, a4[2] = {3, 1};
        char i1[32], i2[32], i3[32], i4[32];
        space_id(s1, a1, i1, sizeof i1);
        space_id(s2, a2, i2, sizeof i2);
        space_id(s3, a1, i3, sizeof i3);
        space_id(s1, a4, i4, sizeof i4);
        CHECK(!strcmp(i1, i2));
        CHECK(strcmp(i1, i3) != 0);
        CHECK(strcmp(i1, i4) != 0);
    }
    space_free(s1);
    space_free(s2);
    space_free(s3);
}

static void test_parse_record(void)
{
    char err[512];
    space *s = autopeft(768, 2, SPACE_MODS_DEFAULT);
    if (!s)
        return;
    const char *p = tmpfile_with("id\tpt\tsa\tpa\tl1\tl0\textra\n"
                                 "a\t0\t12\t768\t1\t0\tx\n"
                                 "b\t0.0\t0\t0\ttrue\tFalse\ty\n"
                                 "c\t5\t0\t0\t1\t1\tz\n"
                                 "d\t3\t0\t0\t2\t1\tz\n",
                                 ".tsv");
    rec_reader *r = rec_open(p, REC_TSV, 0, err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        space_free(s);
        return;
    }
    int cm[8], lv[8];
    CHECK(space_colmap(s, r, cm, err, sizeof err) == 0);
    CHECK(cm[0] == 2 && cm[1] == 3 && cm[2] == 1 && cm[3] == 5 && cm[4] == 4);
    CHECK(rec_next(r) == 1);
    CHECK(space_parse_record(s, r, cm, lv, err, sizeof err) == 0);
    CHECK(lv[0] == 4 && lv[1] == 10 && lv[2] == 0 && lv[3] == 0 && lv[4] == 1);
    CHECK(rec_next(r) == 1);
    CHECK(space_parse_record(s, r, cm, lv, err, sizeof err) == 0);
    CHECK(lv[0] == 0 && lv[1] == 0 && lv[2] == 0 && lv[3] == 0 && lv[4] == 1);
    CHECK(!space_valid(s, lv)); /* parses, but no module is on */
    char want[600];
    CHECK(rec_next(r) == 1);
    CHECK(space_parse_record(s, r, cm, lv, err, sizeof err) == -1);
    snprintf(want, sizeof want, "%s:4: column 'pt': '5' is not in the space (expected one of 0,1,3,6,12", p);
    CHECK_MSG(!strncmp(err, want, strlen(want)), "%s", err);
    CHECK(rec_next(r) == 1);
    CHECK(space_parse_record(s, r, cm, lv, err, sizeof err) == -1);
    snprintf(want, sizeof want, "%s:5: column 'l1': '2' is not in the space (expected 0 or 1)", p);
    CHECK_MSG(!strcmp(err, want), "%s", err);
    rec_close(r);

    p = tmpfile_with("id\tsa\tpa\tl0\tl1\n", ".tsv");
    r = rec_open(p, REC_TSV, 0, err, sizeof err);
    CHECK(r && space_colmap(s, r, cm, err, sizeof err) == -1);
    snprintf(want, sizeof want, "%s:1: missing column 'pt'", p);
    CHECK_MSG(!strncmp(err, want, strlen(want)), "%s", err);
    rec_close(r);
    space_free(s);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_space.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_parse_good();
    test_parse_bad();
    test_autopeft_and_roundtrip();
    test_encode();
    test_valid_and_neighbours();
    test_sampling();
    test_params();
    test_grid_and_ids();
    test_parse_record();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", tmpdir);
    return check_status("test_space");
}
