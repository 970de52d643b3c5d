/* task-info -- load GLUE or custom task files and print their row counts and
 * label distributions, or a few examples (see task-info(1)). This file
 * parses the options; the tool is lib/data/taskinfo_run.c. The loading, format
 * detection and splits are those train-eval uses (lib/data/task.h). */
#include "util/cli.h"
#include "data/taskinfo_run.h"
#include "util/util.h"

#include <stdio.h>

static void usage(void)
{
    printf("Usage: task-info (--task NAME | --text-a COL --label COL [CUSTOM]...) [OPTION]... [FILE]...\n"
           "Load task files as train-eval does and print, per file, the number of rows and\n"
           "the label distribution (columns file, task, format, part, rows, class, label,\n"
           "count), or with --show K the first K examples (file, part, line, label,\n"
           "text_a, text_b).\n"
           "\n"
           "  --task NAME         GLUE task: %s\n"
           "  --text-a COL        custom task: column holding the (first) text\n"
           "  --text-b COL        custom task: column holding the second text\n"
           "  --label COL         custom task: label column\n"
           "  --labels A,B,...    custom task: label set in class order (default: the sorted\n"
           "                      distinct labels of the first FILE)\n"
           "  --regression        custom task: the label is a real number\n"
           "  --metric M[,M...]   custom task: metrics, main first (accuracy, f1, matthews,\n"
           "                      pearson, spearman)\n"
           "  --format FMT        auto (default), official (GLUE release TSV, literal\n"
           "                      fields) or hf (Hugging Face datasets export, \"\" quoting)\n"
           "  --dev-from-train F  move a stratified fraction F of each file into a dev part\n"
           "  --train-frac F      keep a stratified fraction F of the (train part of) each file\n"
           "  --max-train N       keep at most N examples of the (train part of) each file\n"
           "  --seed S            seed for the subsets (default 42)\n"
           "  --show K            print the first K examples of each part instead\n"
           "  -h, --help          print this help and exit\n"
           "  --version           print the version and exit\n"
           "\n"
           "With no FILE, or when FILE is -, read standard input. For a custom task the\n"
           "first FILE fixes the label set used for the others.\n",
           task_known());
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    taskinfo_opts t;
    taskinfo_opts_default(&t);
    static const struct option opts[] = {
        {"task", required_argument, 0, 't'},      {"text-a", required_argument, 0, 'a'},
        {"text-b", required_argument, 0, 'b'},    {"label", required_argument, 0, 'l'},
        {"labels", required_argument, 0, 'L'},    {"regression", no_argument, 0, 'r'},
        {"metric", required_argument, 0, 'm'},    {"format", required_argument, 0, 'f'},
        {"dev-from-train", required_argument, 0, 'd'}, {"train-frac", required_argument, 0, 'F'},
        {"max-train", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
        {"show", required_argument, 0, 'S'},      CLI_STD_OPTIONS};
    int o;
    while ((o = cli_getopt(argc, argv, "", opts, usage)) != -1) {
        switch (o) {
        case 't': t.task = optarg; break;
        case 'a': t.text_a = optarg; break;
        case 'b': t.text_b = optarg; break;
        case 'l': t.label = optarg; break;
        case 'L': t.labels = optarg; break;
        case 'r': t.regression = 1; break;
        case 'm': t.metric = optarg; break;
        case 'f':
            t.format = task_format_parse(optarg);
            if (t.format == -2)
                die_usage("--format: expected auto, official or hf, got '%s'", optarg);
            break;
        case 'd':
            if (parse_double(optarg, &t.dev_frac) || !(t.dev_frac > 0 && t.dev_frac < 1))
                die_usage("--dev-from-train: expected a fraction in (0,1), got '%s'", optarg);
            break;
        case 'F':
            if (parse_double(optarg, &t.train_frac) || !(t.train_frac > 0 && t.train_frac <= 1))
                die_usage("--train-frac: expected a fraction in (0,1], got '%s'", optarg);
            break;
        case 'n':
            if (parse_long(optarg, &t.max_train) || t.max_train < 1)
                die_usage("--max-train: expected a positive integer, got '%s'", optarg);
            break;
        case 's':
            if (parse_long(optarg, &t.seed) || t.seed < 0)
                die_usage("--seed: expected a non-negative integer, got '%s'", optarg);
            break;
        case 'S':
            if (parse_long(optarg, &t.show) || t.show < 0)
                die_usage("--show: expected a non-negative integer, got '%s'", optarg);
            break;
        }
    }
    taskinfo_run(&t, argv + optind, argc - optind);
    return 0;
}
