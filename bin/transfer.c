/* transfer -- carry evaluated PEFT configurations to other tasks and other
 * models as configuration records for train-eval. See transfer(1); the
 * logic lives in lib/search/transfer.c. */
#include <stdio.h>

#include "util/cli.h"
#include "search/transfer.h"
#include "util/util.h"

static void usage(void)
{
    printf("Usage: transfer [OPTION]... [FILE]...\n"
           "Read evaluated configuration records (usually pareto's output) from FILEs or\n"
           "standard input and write configuration records ready for train-eval: all of\n"
           "them, or the best-scoring one under each budget, for each target task, mapped\n"
           "to another model's space when asked.\n"
           "\n"
           "  -f, --from MODEL       the source model (CONFIG.json or MODEL_DIR); with it,\n"
           "                         params and params_pct are computed exactly\n"
           "  -t, --to MODEL         the target model: module sizes keep their ratio to the\n"
           "                         hidden size, layer flags map by relative depth\n"
           "                         (needs --from); the output is valid in its space\n"
           "      --modules LIST     modules of the target space [those in the input]\n"
           "  -b, --budget P,...     per budget P (%% of base parameters), only the\n"
           "                         best-scoring configuration at or under P\n"
           "      --task A,B,...     one record per configuration and task, with a 'task'\n"
           "                         column and the id ID@TASK\n"
           "  -s, --score COL        the score column, higher is better [score]\n"
           "      --csv              read and write CSV\n"
           "  -h, --help             show this help and exit\n"
           "      --version          show the version and exit\n"
           "\n"
           "Records whose status is not 'ok' are skipped. Exit status: 0 ok, 1 bad\n"
           "input (e.g. a configuration that cannot be mapped), 2 usage.\n");
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    enum { O_MODULES = 256, O_TASK, O_CSV };
    static const struct option opts[] = {
        {"from", required_argument, 0, 'f'},  {"to", required_argument, 0, 't'},
        {"modules", required_argument, 0, O_MODULES}, {"budget", required_argument, 0, 'b'},
        {"task", required_argument, 0, O_TASK}, {"score", required_argument, 0, 's'},
        {"csv", no_argument, 0, O_CSV},       CLI_STD_OPTIONS,
    };
    transfer_opts o = {0};
    int c;
    while ((c = cli_getopt(argc, argv, "f:t:b:s:", opts, usage)) != -1) {
        switch (c) {
        case 'f': o.from = optarg; break;
        case 't': o.to = optarg; break;
        case O_MODULES: o.modules = optarg; break;
        case 'b': o.budgets = optarg; break;
        case O_TASK: o.tasks = optarg; break;
        case 's': o.score = optarg; break;
        case O_CSV: o.csv = 1; break;
        }
    }
    transfer_run(&o, argv + optind, argc - optind, stdout);
    return 0;
}
