/* propose -- propose the next batch of configurations to evaluate, by
 * multi-objective Bayesian optimisation over a search space. See propose(1).
 * This file parses the options; the tool is lib/search/propose_run.c, the
 * optimisation lib/search/propose.c. */
#include "util/cli.h"
#include "search/objectives.h"
#include "search/propose_run.h"
#include "util/util.h"

#include <stdio.h>

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

static void usage(void)
{
    fputs(usage_text, stdout);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    propose_cli_opts a = {0};
    propose_opts *o = &a.p;
    propose_defaults(o);
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
            if (a.space) die_usage("more than one space given ('%s' and '%s')", a.space, optarg);
            a.space = optarg;
            break;
        case 'H': a.history = optarg; break;
        case 'o': a.objectives = optarg; break;
        case 'n': o->batch = (int)cli_long("--batch", optarg, 1, 10000); break;
        case O_INIT: o->init = (int)cli_long("--init", optarg, 0, 1000000); break;
        case O_SEED: o->seed = (uint64_t)cli_long("--seed", optarg, 0, 9223372036854775807L); break;
        case O_REF: a.ref = optarg; break;
        case O_FRONT: a.front = 1; break;
        case O_EXPLAIN: a.explain = 1; break;
        case 'q': a.quiet = 1; break;
        case O_CSV: a.csv = 1; break;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (a.space) die_usage("more than one space given ('%s' and '%s')", a.space, argv[i]);
        a.space = argv[i];
    }
    propose_cli_run(&a);
    return 0;
}
