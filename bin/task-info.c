/* task-info -- load GLUE or custom task files and print their row counts and
 * label distributions, or a few examples (see task-info(1)). The loading,
 * format detection and splits are those train-eval uses (lib/task.h). */
#include "cli.h"
#include "record.h"
#include "task.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

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

typedef struct {
    const char *file, *part;
    task_dataset ds;
} part_t;

/* Control whitespace would break the TSV record: show it as a space. */
static char *flat(const char *s)
{
    char *t = xstrdup(s ? s : "");
    for (char *p = t; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
    return t;
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    const char *task = NULL, *text_a = NULL, *text_b = NULL, *label = NULL, *labels = NULL, *metric = NULL;
    int regression = 0, format = TASK_FMT_AUTO;
    double dev_frac = 0, train_frac = 1;
    long max_train = -1, show = -1, seed = 42;
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
        case 't': task = optarg; break;
        case 'a': text_a = optarg; break;
        case 'b': text_b = optarg; break;
        case 'l': label = optarg; break;
        case 'L': labels = optarg; break;
        case 'r': regression = 1; break;
        case 'm': metric = optarg; break;
        case 'f':
            format = task_format_parse(optarg);
            if (format == -2)
                die_usage("--format: expected auto, official or hf, got '%s'", optarg);
            break;
        case 'd':
            if (parse_double(optarg, &dev_frac) || !(dev_frac > 0 && dev_frac < 1))
                die_usage("--dev-from-train: expected a fraction in (0,1), got '%s'", optarg);
            break;
        case 'F':
            if (parse_double(optarg, &train_frac) || !(train_frac > 0 && train_frac <= 1))
                die_usage("--train-frac: expected a fraction in (0,1], got '%s'", optarg);
            break;
        case 'n':
            if (parse_long(optarg, &max_train) || max_train < 1)
                die_usage("--max-train: expected a positive integer, got '%s'", optarg);
            break;
        case 's':
            if (parse_long(optarg, &seed) || seed < 0)
                die_usage("--seed: expected a non-negative integer, got '%s'", optarg);
            break;
        case 'S':
            if (parse_long(optarg, &show) || show < 0)
                die_usage("--show: expected a non-negative integer, got '%s'", optarg);
            break;
        }
    }
    int custom = text_a || text_b || label || labels || regression || metric;
    if (task && custom)
        die_usage("--task cannot be combined with the custom-task options");
    if (!task && !custom)
        die_usage("give --task NAME or a custom task (--text-a COL --label COL)");

    char err[1024];
    task_spec sp;
    if (task) {
        if (task_lookup(task, &sp, err, sizeof err))
            die_usage("%s", err);
    } else {
        if (!text_a || !label)
            die_usage("a custom task needs --text-a COL and --label COL");
        if (task_custom(&sp, text_a, text_b, label, labels, regression, metric, err, sizeof err))
            die_usage("%s", err);
    }

    int nfiles = argc - optind;
    const char *stdin_only[] = {"-"};
    const char **files = nfiles ? (const char **)argv + optind : stdin_only;
    if (!nfiles)
        nfiles = 1;

    /* Load everything first: nothing is printed unless every file is good. */
    part_t *parts = xcalloc((size_t)nfiles * 2, sizeof *parts);
    int np = 0;
    for (int i = 0; i < nfiles; i++) {
        task_dataset ds;
        if (task_load(&sp, files[i], format, &ds, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        const char *fname = strcmp(files[i], "-") ? files[i] : "-";
        if (dev_frac > 0) {
            task_dataset dev;
            task_split_dev(&ds, &sp, dev_frac, (uint64_t)seed, &dev);
            task_subsample(&ds, &sp, max_train, train_frac, (uint64_t)seed);
            parts[np++] = (part_t){fname, "train", ds};
            parts[np++] = (part_t){fname, "dev", dev};
        } else {
            task_subsample(&ds, &sp, max_train, train_frac, (uint64_t)seed);
            parts[np++] = (part_t){fname, "all", ds};
        }
    }

    rec_writer *w = rec_writer_new(stdout, REC_TSV);
    rec_row row = {0};
    if (show >= 0) {
        static const char *hdr[] = {"file", "part", "line", "label", "text_a", "text_b"};
        if (rec_write(w, 6, hdr, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        for (int p = 0; p < np; p++) {
            const task_dataset *ds = &parts[p].ds;
            for (long i = 0; i < ds->n && i < show; i++) {
                const task_example *e = &ds->ex[i];
                row_clear(&row);
                row_push(&row, parts[p].file);
                row_push(&row, parts[p].part);
                row_pushf(&row, "%ld", e->line);
                if (sp.regression)
                    row_pushf(&row, "%.17g", e->value);
                else
                    row_push(&row, sp.label_names[e->label]);
                char *a = flat(e->text_a), *b = flat(e->text_b);
                row_push(&row, a);
                row_push(&row, e->text_b ? b : "");
                free(a);
                free(b);
                if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
                    die(EXIT_BADINPUT, "%s", err);
            }
        }
    } else {
        static const char *hdr[] = {"file", "task", "format", "part", "rows", "class", "label", "count"};
        if (rec_write(w, 8, hdr, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        long *counts = xcalloc((size_t)(sp.n_labels > 0 ? sp.n_labels : 1), sizeof *counts);
        for (int p = 0; p < np; p++) {
            const task_dataset *ds = &parts[p].ds;
            task_label_counts(&sp, ds, counts);
            int nrow = sp.regression ? 1 : sp.n_labels;
            for (int k = 0; k < nrow; k++) {
                row_clear(&row);
                row_push(&row, parts[p].file);
                row_push(&row, sp.name);
                row_push(&row, task_format_name(ds->format));
                row_push(&row, parts[p].part);
                row_pushf(&row, "%ld", ds->n);
                if (sp.regression) {
                    row_push(&row, "-");
                    row_push(&row, "(regression)");
                    row_pushf(&row, "%ld", ds->n);
                } else {
                    row_pushf(&row, "%d", k);
                    row_push(&row, sp.label_names[k]);
                    row_pushf(&row, "%ld", counts[k]);
                }
                if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
                    die(EXIT_BADINPUT, "%s", err);
            }
        }
        free(counts);
    }
    out_flush();
    row_free(&row);
    rec_writer_free(w);
    for (int p = 0; p < np; p++)
        task_dataset_free(&parts[p].ds);
    free(parts);
    task_spec_free(&sp);
    return 0;
}
