/* propose -- propose the next batch of configurations to evaluate, by
 * multi-objective Bayesian optimisation over a search space. See propose(1). */
#include "cli.h"
#include "objectives.h"
#include "propose.h"
#include "record.h"
#include "space.h"
#include "util.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: propose [OPTION]... [SPACE]\n"
    "Propose the next configurations of SPACE to evaluate, given the history of\n"
    "evaluated records: a space-filling (Sobol) design until the history holds\n"
    "--init ok records, then multi-objective Bayesian optimisation (GP per\n"
    "uncertain objective, exact expected hypervolume improvement, batches by\n"
    "kriging believer, local search over one-dimension moves). Writes --batch\n"
    "records (id, one column per dimension) to stdout; never proposes a\n"
    "configuration that is already in the history.\n"
    "\n"
    "  -s, --space FILE       the search space (autopeft-space(5)); or SPACE\n"
    "  -H, --history FILE     evaluated records: id, the dimension columns, the\n"
    "                         objective columns, optional status (ok|error);\n"
    "                         missing or empty = no history\n"
    "  -o, --objectives SPEC  objective columns and directions\n"
    "                         [" OBJ_DEFAULT_SPEC "]; a 'params' or 'params_pct'\n"
    "                         objective is computed exactly from the space\n"
    "  -n, --batch N          configurations to propose [4]\n"
    "      --init N           initial design until N ok records [10]\n"
    "      --ref A,B          hypervolume reference point in the objectives'\n"
    "                         own units [worst value less 10% of the range]\n"
    "      --seed S           random seed [0]; same inputs + seed = same output\n"
    "      --front            instead of proposing, write the history's front as\n"
    "                         the model sees it: the ok records whose predicted\n"
    "                         objectives (GP posterior means) are non-dominated,\n"
    "                         with NAME_mean and NAME_sd per objective\n"
    "      --explain          report fitted lengthscales and each pick's EHVI\n"
    "                         and predictions on stderr\n"
    "      --csv              read the history and write records as CSV\n"
    "  -q, --quiet            no summary line on stderr\n"
    "  -h, --help             show this help and exit\n"
    "      --version          show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 bad input, 2 usage.\n";

/* --front: the ok history records whose predictions are non-dominated */
static void write_front(const space *s, const obj_spec *obj, const history *h, const propose_opts *o, int csv)
{
    char err[1024];
    int d = space_ndims(s), nobj = obj->n;
    size_t nh = (size_t)(h->n > 0 ? h->n : 1);
    unsigned char *keep = xmalloc(nh);
    double *mean = xmalloc(sizeof(double) * nh * (size_t)nobj), *sd = xmalloc(sizeof(double) * nh * (size_t)nobj);
    if (propose_front(s, obj, h, o, keep, mean, sd, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    rec_writer *w = rec_writer_new(stdout, csv ? REC_CSV : REC_TSV);
    rec_row row = {0};
    row_push(&row, "id");
    for (int i = 0; i < d; i++)
        row_push(&row, space_dim_at(s, i)->name);
    for (int k = 0; k < nobj; k++) {
        row_pushf(&row, "%s_mean", obj->name[k]);
        row_pushf(&row, "%s_sd", obj->name[k]);
    }
    if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    char id[32];
    for (int i = 0; i < h->n; i++) {
        if (!keep[i])
            continue;
        const int *lv = h->levels + (size_t)i * d;
        row_clear(&row);
        space_id(s, lv, id, sizeof id);
        row_push(&row, h->ids ? h->ids[i] : id);
        for (int j = 0; j < d; j++)
            row_push(&row, space_label(s, j, lv[j]));
        for (int k = 0; k < nobj; k++) {
            /* the shortest text that reads back as the same double, so that
             * pareto on this output finds the same front */
            double v = mean[(size_t)i * nobj + k];
            char b[64];
            for (int p = 6; p <= 17; p++) {
                snprintf(b, sizeof b, "%.*g", p, v);
                if (strtod(b, NULL) == v)
                    break;
            }
            row_push(&row, b);
            row_pushf(&row, "%.3g", sd[(size_t)i * nobj + k]);
        }
        if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
    }
    out_flush();
    rec_writer_free(w);
    row_free(&row);
    free(keep);
    free(mean);
    free(sd);
}

static void usage(void)
{
    fputs(usage_text, stdout);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    const char *space_path = NULL, *hist = NULL, *spec = NULL, *refspec = NULL;
    int explain = 0, quiet = 0, force_csv = 0, front = 0;
    propose_opts o;
    propose_defaults(&o);
    enum { O_INIT = 256, O_SEED, O_REF, O_FRONT, O_EXPLAIN, O_CSV };
    static const struct option opts[] = {
        {"space", required_argument, 0, 's'}, {"history", required_argument, 0, 'H'},
        {"objectives", required_argument, 0, 'o'}, {"batch", required_argument, 0, 'n'},
        {"init", required_argument, 0, O_INIT}, {"seed", required_argument, 0, O_SEED},
        {"ref", required_argument, 0, O_REF}, {"front", no_argument, 0, O_FRONT},
        {"explain", no_argument, 0, O_EXPLAIN}, {"quiet", no_argument, 0, 'q'},
        {"csv", no_argument, 0, O_CSV}, CLI_STD_OPTIONS,
    };
    int c;
    while ((c = cli_getopt(argc, argv, "s:H:o:n:q", opts, usage)) != -1) {
        switch (c) {
        case 's':
            if (space_path) die_usage("more than one space given ('%s' and '%s')", space_path, optarg);
            space_path = optarg;
            break;
        case 'H': hist = optarg; break;
        case 'o': spec = optarg; break;
        case 'n': o.batch = (int)cli_long("--batch", optarg, 1, 10000); break;
        case O_INIT: o.init = (int)cli_long("--init", optarg, 0, 1000000); break;
        case O_SEED: o.seed = (uint64_t)cli_long("--seed", optarg, 0, 9223372036854775807L); break;
        case O_REF: refspec = optarg; break;
        case O_FRONT: front = 1; break;
        case O_EXPLAIN: explain = 1; break;
        case 'q': quiet = 1; break;
        case O_CSV: force_csv = 1; break;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (space_path) die_usage("more than one space given ('%s' and '%s')", space_path, argv[i]);
        space_path = argv[i];
    }
    if (!space_path) die_usage("no space given (--space FILE)");
    /* The matrices are small (observations x observations): OpenBLAS threads
     * cost more than they save, badly so on a loaded machine (measured: 1.3 s
     * single-threaded vs 4-6 s with 2 threads for 200 observations). An
     * explicit OPENBLAS_NUM_THREADS is respected. */
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);

    char err[1024];
    obj_spec obj;
    if (obj_parse(&obj, spec, err, sizeof err)) die_usage("%s", err);
    if (obj.n > 2) die_usage("--objectives: propose supports 1 or 2 objectives (got %d)", obj.n);
    if (refspec) {
        if (obj_parse_ref(&obj, refspec, o.ref, err, sizeof err)) die_usage("%s", err);
        o.have_ref = 1;
    }
    if (hist && space_path && !strcmp(hist, "-") && !strcmp(space_path, "-"))
        die_usage("the space and the history cannot both be stdin");
    space *s = space_load(space_path, err, sizeof err);
    if (!s) die(EXIT_BADINPUT, "%s", err);
    history h;
    if (history_read(s, &obj, hist, force_csv, &h, err, sizeof err)) die(EXIT_BADINPUT, "%s", err);

    int d = space_ndims(s);
    if (front) {
        write_front(s, &obj, &h, &o, force_csv);
        history_free(&h);
        obj_free(&obj);
        space_free(s);
        return 0;
    }
    int *out = xmalloc(sizeof(int) * (size_t)o.batch * (size_t)(d > 0 ? d : 1));
    propose_info info;
    if (propose_run(s, &obj, &h, &o, out, &info, explain ? stderr : NULL, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);

    /* whole output built and validated per record by rec_write */
    rec_writer *w = rec_writer_new(stdout, force_csv ? REC_CSV : REC_TSV);
    const char **f = xmalloc(sizeof(char *) * (size_t)(d + 1));
    f[0] = "id";
    for (int i = 0; i < d; i++) f[1 + i] = space_dim_at(s, i)->name;
    if (rec_write(w, d + 1, f, err, sizeof err)) die(EXIT_BADINPUT, "%s", err);
    char id[32];
    for (int b = 0; b < info.n; b++) {
        const int *lv = out + (size_t)b * d;
        space_id(s, lv, id, sizeof id);
        f[0] = id;
        for (int i = 0; i < d; i++) f[1 + i] = space_label(s, i, lv[i]);
        if (rec_write(w, d + 1, f, err, sizeof err)) die(EXIT_BADINPUT, "%s", err);
    }
    out_flush();
    if (!quiet) {
        fprintf(stderr, "propose: %d configuration%s by %s (%d records, %d ok), %.2f s\n", info.n,
                info.n == 1 ? "" : "s", info.bo ? "bayesian optimisation" : "initial design", h.n,
                h.n_ok, info.seconds);
        if (info.n < o.batch)
            fprintf(stderr, "propose: only %d of %d: the space has no other untried configuration\n",
                    info.n, o.batch);
    }
    rec_writer_free(w);
    free(f);
    free(out);
    history_free(&h);
    obj_free(&obj);
    space_free(s);
    return 0;
}
