/* pareto -- keep the Pareto-optimal records, rank them, or measure the
 * hypervolume of a set of records. See pareto(1). This file parses the
 * options; the tool is lib/search/pareto_run.c, the algorithms lib/search/pareto.c. */
#include <stdio.h>

#include "util/cli.h"
#include "search/objectives.h"
#include "search/pareto_run.h"
#include "util/util.h"

static const char usage_text[] =
    "Usage: pareto [OPTION]... [FILE]...\n"
    "Keep the non-dominated (Pareto-optimal) records of FILEs (or stdin),\n"
    "unchanged and in input order. Records are TSV with a header (CSV for\n"
    "*.csv files or --csv); several FILEs must share one header.\n"
    "\n"
    "  -o, --objectives SPEC  objective columns and directions, NAME:max or\n"
    "                         NAME:min, comma-separated [" OBJ_DEFAULT_SPEC "]\n"
    "      --rank             keep every record and add (or overwrite) a 'rank'\n"
    "                         column: 1 = non-dominated, 2 = dominated only by\n"
    "                         rank 1, ... (non-dominated sorting)\n"
    "      --hv               print the exact hypervolume instead, as a record\n"
    "                         'hypervolume n_points n_front'; needs --ref\n"
    "      --ref A,B[,...]    hypervolume reference point, one number per\n"
    "                         objective in the objectives' own units: only\n"
    "                         records strictly better in every objective count\n"
    "      --tol NAME=X|NAME=@COL[,...]\n"
    "                         ties in the filter: values of objective NAME that\n"
    "                         differ by at most X, or by at most the combined\n"
    "                         spread sqrt(a^2 + b^2) of the two records' COL\n"
    "                         values (e.g. standard errors), count as equal\n"
    "      --any-status       use every record; by default, when there is a\n"
    "                         'status' column, records whose status is not 'ok'\n"
    "                         are ignored (dropped from the output)\n"
    "      --csv              read and write CSV\n"
    "  -h, --help             show this help and exit\n"
    "      --version          show the version and exit\n"
    "\n"
    "Records with equal objective vectors do not dominate each other: all\n"
    "copies are kept and share a rank. Exit status: 0 ok, 1 bad input, 2 usage.\n";

static void usage(void)
{
    fputs(usage_text, stdout);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    pareto_opts o = {0};
    enum { O_REF = 256, O_TOL, O_RANK, O_HV, O_ANY_STATUS, O_CSV };
    static const struct option opts[] = {
        {"objectives", required_argument, 0, 'o'}, {"ref", required_argument, 0, O_REF},
        {"tol", required_argument, 0, O_TOL},      {"rank", no_argument, 0, O_RANK},
        {"hv", no_argument, 0, O_HV},              {"any-status", no_argument, 0, O_ANY_STATUS},
        {"csv", no_argument, 0, O_CSV},            CLI_STD_OPTIONS,
    };
    int c;
    while ((c = cli_getopt(argc, argv, "o:", opts, usage)) != -1) {
        switch (c) {
        case 'o': o.spec = optarg; break;
        case O_REF: o.ref = optarg; break;
        case O_TOL: o.tol = optarg; break;
        case O_RANK: o.rank = 1; break;
        case O_HV: o.hv = 1; break;
        case O_ANY_STATUS: o.any_status = 1; break;
        case O_CSV: o.csv = 1; break;
        }
    }
    pareto_run(&o, argv + optind, argc - optind);
    return 0;
}
