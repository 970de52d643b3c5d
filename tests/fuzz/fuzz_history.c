/* fuzz_history.c -- libFuzzer harness: the evaluation-history reader of
 * propose(1) (history_read in lib/search/propose.c), against a fixed space.
 *
 * The input is the whole history file (TSV). The space (SPACE below: the
 * tiny model of examples/tiny.space plus prefix tuning, a log-scaled number
 * and a text choice) is loaded once. Each input is read with two objective
 * specs: one where params is computed from the configuration unless the
 * file has the column, and one with params_pct and a plain column. Oracles
 * for a history that reads: every configuration is valid in the space, the
 * ok records' objectives are finite and the others' NaN, n_ok counts the ok
 * records, ids are non-empty and distinct, and line numbers increase. */
#include <math.h>

#include "fuzz.h"
#include "search/objectives.h"
#include "search/propose.h"

static const char SPACE[] =
    "name\tkind\tvalues\trole\n"
    "hidden\tconst\t16\t-\n"
    "layers\tconst\t2\t-\n"
    "heads\tconst\t2\t-\n"
    "intermediate\tconst\t64\t-\n"
    "vocab\tconst\t100\t-\n"
    "max_position\tconst\t32\t-\n"
    "type_vocab\tconst\t2\t-\n"
    "sa\tchoice\t0,2,4,8:log\tsa\n"
    "pa\tint\t0:4\tpa\n"
    "pt\tchoice\t0,1,4\tpt\n"
    "lora\tchoice\t0,1,2,4:log\tlora\n"
    "l0\tbool\t-\tlayer:0\n"
    "l1\tbool\t-\tlayer:1\n"
    "lr\tchoice\t0.0001,0.0003,0.001:log\t-\n"
    "sched\tchoice\tconstant,linear\t-\n"
    "any_module\tany\tsa,pa,pt,lora\t-\n"
    "any_layer\tany\tl0,l1\t-\n";

static const char *const SPECS[2] = {"score:max,params:min", "params_pct:min,loss:min"};

static fuzz_tmp tmp;
static space *sp;
static obj_spec obj[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[512];
    fuzz_tmp_init(&tmp, "history");
    sp = space_load(fuzz_file(&tmp, (const uint8_t *)SPACE, sizeof SPACE - 1), err, sizeof err);
    if (!sp) {
        fprintf(stderr, "fuzz_history: the built-in space: %s\n", err);
        abort();
    }
    for (int i = 0; i < 2; i++)
        if (obj_parse(&obj[i], SPECS[i], err, sizeof err)) {
            fprintf(stderr, "fuzz_history: %s\n", err);
            abort();
        }
    return 0;
}

static void check(const history *h)
{
    int d = space_ndims(sp), n_ok = 0;
    FUZZ_CHECK(h->n >= 0 && h->d == d && h->nobj == 2);
    for (int i = 0; i < h->n; i++) {
        FUZZ_CHECK(space_valid(sp, h->levels + (size_t)i * d));
        for (int o = 0; o < h->nobj; o++) {
            double y = h->y[(size_t)i * h->nobj + o];
            FUZZ_CHECK(h->ok[i] ? isfinite(y) : isnan(y));
        }
        n_ok += h->ok[i] != 0;
        FUZZ_CHECK(h->ids[i] && h->ids[i][0]);
        for (int j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(h->ids[i], h->ids[j]) != 0);
        FUZZ_CHECK(i == 0 || h->line[i] > h->line[i - 1]);
    }
    FUZZ_CHECK(n_ok == h->n_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(&tmp, data, size);
    for (int i = 0; i < 2; i++) {
        history h;
        char err[512] = "";
        if (history_read(sp, &obj[i], path, 0, &h, err, sizeof err)) {
            FUZZ_CHECK(err[0] != 0);
            continue;
        }
        check(&h);
        history_free(&h);
    }
    return 0;
}
