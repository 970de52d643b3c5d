/* fuzz_space.c -- libFuzzer harness: the space-file parser (space_load,
 * autopeft-space(5)), then what the tools do with a loaded space.
 *
 * The input is the whole space file (TSV). Oracles for a space that loads:
 * space_write's output loads back to the same dimensions, constants and
 * constraints; sampled configurations are valid, their labels map back to
 * their levels, their neighbours are valid, encode/decode stays in range,
 * and the parameter count of a space with params is not negative. */
#include "fuzz.h"
#include "search/space.h"

static fuzz_tmp in, out;

static void same_space(const space *a, const space *b)
{
    FUZZ_CHECK(space_ndims(a) == space_ndims(b));
    FUZZ_CHECK(space_nconsts(a) == space_nconsts(b));
    FUZZ_CHECK(space_nconstraints(a) == space_nconstraints(b));
    FUZZ_CHECK(space_has_params(a) == space_has_params(b));
    FUZZ_CHECK(space_base_params(a) == space_base_params(b));
    for (int d = 0; d < space_ndims(a); d++) {
        const space_dim *x = space_dim_at(a, d), *y = space_dim_at(b, d);
        FUZZ_CHECK(!strcmp(x->name, y->name) && x->kind == y->kind && x->n_levels == y->n_levels);
        FUZZ_CHECK(x->log == y->log && x->numeric == y->numeric);
        FUZZ_CHECK(x->role == y->role && x->role_arg == y->role_arg);
        for (int l = 0; l < x->n_levels; l++)
            FUZZ_CHECK(!strcmp(x->labels[l], y->labels[l]) && x->values[l] == y->values[l]);
    }
    for (int i = 0; i < space_nconsts(a); i++) {
        FUZZ_CHECK(!strcmp(space_const_name(a, i), space_const_name(b, i)));
        FUZZ_CHECK(space_const_value(a, i) == space_const_value(b, i));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tmp_init(&in, "space");
    fuzz_tmp_init(&out, "space-out");
    char err[512] = "";
    space *s = space_load(fuzz_file(&in, data, size), err, sizeof err);
    if (!s) {
        FUZZ_CHECK(err[0] != 0);
        return 0;
    }
    int nd = space_ndims(s);
    FUZZ_CHECK(nd >= 1);

    /* write, load back, compare */
    FILE *f = fopen(out.path, "w");
    FUZZ_CHECK(f);
    FUZZ_CHECK(space_write(s, f) == 0);
    FUZZ_CHECK(fclose(f) == 0);
    space *t = space_load(out.path, err, sizeof err);
    if (!t) {
        fprintf(stderr, "written space does not load back: %s\n", err);
        abort();
    }
    same_space(s, t);
    space_free(t);

    /* configurations */
    int *lv = malloc((size_t)nd * sizeof *lv), *lv2 = malloc((size_t)nd * sizeof *lv2);
    double *x = malloc((size_t)nd * sizeof *x);
    int maxn = space_max_neighbours(s);
    int *nb = malloc(((size_t)maxn + 1) * (size_t)nd * sizeof *nb);
    FUZZ_CHECK(lv && lv2 && x && nb && maxn >= 0);
    (void)space_total(s);
    rng_t r;
    rng_seed(&r, size);
    for (int k = 0; k < 3; k++) {
        space_sample(s, &r, lv);
        FUZZ_CHECK(space_valid(s, lv));
        for (int d = 0; d < nd; d++)
            FUZZ_CHECK(space_level_of(s, d, space_label(s, d, lv[d])) == lv[d]);
        space_encode(s, lv, x);
        for (int d = 0; d < nd; d++)
            FUZZ_CHECK(x[d] >= 0 && x[d] <= 1);
        space_decode(s, x, lv2);
        for (int d = 0; d < nd; d++)
            FUZZ_CHECK(lv2[d] >= 0 && lv2[d] < space_dim_at(s, d)->n_levels);
        int n = space_neighbours(s, lv, nb, maxn);
        FUZZ_CHECK(n >= 0 && n <= maxn);
        for (int i = 0; i < n; i++)
            FUZZ_CHECK(space_valid(s, nb + (size_t)i * nd));
        char id[32];
        space_id(s, lv, id, sizeof id);
        if (space_has_params(s))
            FUZZ_CHECK(space_params(s, lv) >= 0);
        (void)space_params_pct(s, lv);
    }
    free(lv);
    free(lv2);
    free(x);
    free(nb);
    space_free(s);
    return 0;
}
