/* train-eval -- train each PEFT configuration record on a task and score it.
 * See train-eval(1). The logic lives in lib/traineval.c; this file parses
 * options, loads and tokenises the task once, and streams records. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "configrec.h"
#include "hfconfig.h"
#include "record.h"
#include "traineval.h"
#include "util.h"

void openblas_set_num_threads(int);

static void usage(void)
{
    printf("Usage: train-eval --model DIR --task NAME [--train FILE --dev FILE | --data DIR] [OPTION]... [CONFIGS]...\n"
           "Train each PEFT configuration record (id, sa, pa, pt, lora, l0..l{L-1}) read from\n"
           "CONFIGS (or standard input) on a task and write it back with its dev score,\n"
           "parameter counts and status, one record per configuration as soon as it is done.\n"
           "\n"
           "Model and task:\n"
           "  -m, --model DIR          checkpoint directory (config.json, model.safetensors)\n"
           "      --vocab FILE         WordPiece vocabulary (default DIR/vocab.txt)\n"
           "      --cased              do not lower-case or strip accents\n"
           "  -t, --task NAME          cola sst2 mrpc qqp stsb mnli mnli-mm qnli rte wnli, or custom\n"
           "      --train FILE         training file\n"
           "      --dev FILE           evaluation file\n"
           "      --data DIR           DIR/train.tsv and DIR/dev.tsv (or DIR/validation.tsv)\n"
           "      --format FMT         auto (default), official (GLUE TSV) or hf (datasets export)\n"
           "      --text-a COL         custom task: column of the first text\n"
           "      --text-b COL         custom task: column of the second text\n"
           "      --label COL          custom task: label column\n"
           "      --labels A,B,...     custom task: label set (default: collected from train)\n"
           "      --regression         custom task: the label is a real number\n"
           "      --metric M[,M...]    custom task: metrics, main first\n"
           "      --task-name NAME     the name written in the task column (default: the\n"
           "                           task's, 'custom' for a custom task)\n"
           "Data:\n"
           "      --max-train N        at most N training examples (stratified, by --seed)\n"
           "      --train-frac F       keep a fraction F of the training examples\n"
           "      --max-dev N          evaluate on at most N dev examples (stratified, by --seed)\n"
           "      --dev-from-train F   carve a fraction F of train out as the dev set\n"
           "      --max-len N          tokens per example (default 128, at most the model's\n"
           "                           max_position_embeddings)\n"
           "Training:\n"
           "      --epochs N           epochs (default 3); 0 evaluates the model as loaded\n"
           "      --lr X               peak learning rate (default 1e-4)\n"
           "      --prefix-lr X        peak learning rate of prefix tuning's tensors (default: --lr)\n"
           "      --batch N            examples per step (default 32)\n"
           "      --warmup F           fraction of steps with linear warm-up (default 0)\n"
           "      --weight-decay X     AdamW weight decay (default 0)\n"
           "      --clip X             gradient-norm clipping (default 1; 0 = off)\n"
           "      --eval-every N       evaluate every N steps (default: every epoch)\n"
           "      --patience N         stop after N evaluations without improvement (default: never)\n"
           "      --seed N             seed for new weights, data order and dropout (default 42);\n"
           "                           a record's own 'seed' column overrides it for that record\n"
           "      --threads N          OpenBLAS threads (default: OpenBLAS's own)\n"
           "      --full               full fine-tuning baseline (every weight trained)\n"
           "Output:\n"
           "      --predictions FILE   write dev predictions (index, prediction); {id} in FILE\n"
           "                           is replaced by the record's id\n"
           "      --logits             add the model's outputs (logit_LABEL columns) to --predictions\n"
           "      --save DIR           save each record's trained modules and head (best evaluation)\n"
           "                           in DIR/ID (or DIR with {id} replaced), for --load and export-modules(1)\n"
           "      --load DIR           start each record from the modules saved in DIR/ID by --save\n"
           "                           (with --epochs 0: evaluate them again)\n"
           "      --csv                read and write CSV\n"
           "  -q, --quiet              no progress lines\n"
           "  -v, --verbose            log the OpenBLAS kernel and the data sizes\n"
           "  -h, --help               show this help and exit\n"
           "      --version            show the version and exit\n"
           "\n"
           "Output columns: the input columns, then task metric score score_final loss, the\n"
           "task's secondary metrics, params params_pct trainable epochs seconds seed\n"
           "status message.\n");
}

enum {
    O_VOCAB = 256, O_CASED, O_TRAIN, O_DEV, O_DATA, O_FORMAT, O_TEXTA, O_TEXTB, O_LABEL, O_LABELS,
    O_REGRESSION, O_METRIC, O_MAXTRAIN, O_TRAINFRAC, O_DEVFROM, O_MAXLEN, O_EPOCHS, O_LR, O_PREFIXLR, O_BATCH,
    O_WARMUP, O_WD, O_CLIP, O_EVALEVERY, O_PATIENCE, O_SEED, O_THREADS, O_FULL, O_PRED, O_CSV, O_SAVE, O_LOAD, O_LOGITS,
    O_TASKNAME, O_MAXDEV
};

static int exists(const char *p)
{
    FILE *f = fopen(p, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

/* Output column layout: input columns, with ours replaced in place when the
 * input already has them, else appended. */
typedef struct {
    int n_in, n_out;
    int *slot;         /* for each of our columns, its output index */
    char **names;      /* our column names */
    int n_ours;
} layout;

static void fmt_num(char *buf, size_t n, double v)
{
    if (isnan(v))
        snprintf(buf, n, "nan");
    else
        snprintf(buf, n, "%.6f", v);
}

static void clean_message(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r')
            *s = ' ';
}

/* Before any training: the directory an output template writes into must
 * exist and be writable (a template whose directory part holds {id} is
 * checked per record, when it is written). */
static void check_output_dir(const char *opt, const char *tmpl)
{
    const char *slash = strrchr(tmpl, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == tmpl)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - tmpl), tmpl);
    if (strstr(dir, "{id}"))
        return;
    struct stat st;
    if (stat(dir, &st) != 0)
        die(EXIT_BADINPUT, "%s %s: cannot write in %s: %s", opt, tmpl, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        die(EXIT_BADINPUT, "%s %s: cannot write in %s: %s", opt, tmpl, dir, strerror(ENOTDIR));
    if (access(dir, W_OK) != 0)
        die(EXIT_BADINPUT, "%s %s: cannot write in %s: %s", opt, tmpl, dir, strerror(errno));
}

static int is_dir(const char *p)
{
    struct stat st;
    errno = 0;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --save/--load DIR: {id} is replaced by the record's id; without {id},
 * DIR/ID (for --load, DIR itself when it holds a saved record). */
static char *saved_dir(const char *tmpl, const char *id, int loading)
{
    if (loading && !strstr(tmpl, "{id}")) {
        char *f = dir_file(tmpl, BERT_MODULES_FILE);
        int here = exists(f);
        free(f);
        if (here)
            return xstrdup(tmpl);
    }
    return id_path(tmpl, id, 1);
}

/* --save: DIR (without {id}) is created if missing; its parent, or the
 * directory holding {id}, must be writable now, before any training. */
static void check_save_dir(const char *tmpl)
{
    if (strstr(tmpl, "{id}")) {
        check_output_dir("--save", tmpl);
        return;
    }
    if (!is_dir(tmpl) && mkdir(tmpl, 0777) != 0)
        die(EXIT_BADINPUT, "--save %s: cannot create the directory: %s", tmpl, strerror(errno));
    if (access(tmpl, W_OK) != 0)
        die(EXIT_BADINPUT, "--save %s: cannot write in it: %s", tmpl, strerror(errno));
}

static int write_predictions(const char *tmpl, const char *id, const task_spec *sp, const te_set *dev,
                             const te_result *r, char *err, size_t errlen)
{
    char *path = id_path(tmpl, id, 0);
    int rc = -1;
    atomic_file af;
    if (atomic_open(&af, path) < 0) {
        errf(err, errlen, path, 0, "cannot write predictions: %s", strerror(errno));
        free(path);
        return -1;
    }
    fprintf(af.f, "index\tprediction");
    if (r->pred_logits && !sp->regression)
        for (int c = 0; c < r->n_out; c++)
            fprintf(af.f, "\tlogit_%s", sp->label_names ? sp->label_names[c] : "?");
    fprintf(af.f, "\n");
    for (long i = 0; i < dev->n; i++) {
        if (sp->regression && r->pred_logits)
            fprintf(af.f, "%ld\t%.9g", i, (double)r->pred_logits[i]);
        else if (sp->regression)
            fprintf(af.f, "%ld\t%.6f", i, r->pred_value[i]);
        else
            fprintf(af.f, "%ld\t%s", i, sp->label_names ? sp->label_names[r->pred_class[i]] : "?");
        if (r->pred_logits && !sp->regression)
            for (int c = 0; c < r->n_out; c++)
                fprintf(af.f, "\t%.9g", (double)r->pred_logits[(size_t)i * (size_t)r->n_out + (size_t)c]);
        fprintf(af.f, "\n");
    }
    if (atomic_commit(&af) < 0)
        errf(err, errlen, path, 0, "cannot write predictions: %s", strerror(errno));
    else
        rc = 0;
    free(path);
    return rc;
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    te_options o;
    te_options_default(&o);
    const char *vocab_path = NULL, *task_name = NULL, *train_path = NULL, *dev_path = NULL, *data_dir = NULL;
    const char *text_a = NULL, *text_b = NULL, *label_col = NULL, *labels = NULL, *metric = NULL;
    const char *pred_tmpl = NULL, *task_label = NULL, *save_tmpl = NULL, *load_tmpl = NULL;
    int format = TASK_FMT_AUTO, max_len_set = 0, cased = 0, regression = 0, threads = 0, csv = 0, verbose = 0;
    long max_train = -1, max_dev = -1;
    double train_frac = 1.0, dev_from_train = 0;

    static const struct option longopts[] = {
        {"model", required_argument, 0, 'm'}, {"task", required_argument, 0, 't'},
        {"vocab", required_argument, 0, O_VOCAB}, {"cased", no_argument, 0, O_CASED},
        {"train", required_argument, 0, O_TRAIN}, {"dev", required_argument, 0, O_DEV},
        {"data", required_argument, 0, O_DATA}, {"format", required_argument, 0, O_FORMAT},
        {"text-a", required_argument, 0, O_TEXTA}, {"text-b", required_argument, 0, O_TEXTB},
        {"label", required_argument, 0, O_LABEL}, {"labels", required_argument, 0, O_LABELS},
        {"regression", no_argument, 0, O_REGRESSION}, {"metric", required_argument, 0, O_METRIC},
        {"max-train", required_argument, 0, O_MAXTRAIN}, {"train-frac", required_argument, 0, O_TRAINFRAC},
        {"dev-from-train", required_argument, 0, O_DEVFROM}, {"max-len", required_argument, 0, O_MAXLEN},
        {"epochs", required_argument, 0, O_EPOCHS}, {"lr", required_argument, 0, O_LR},
        {"prefix-lr", required_argument, 0, O_PREFIXLR},
        {"batch", required_argument, 0, O_BATCH}, {"warmup", required_argument, 0, O_WARMUP},
        {"weight-decay", required_argument, 0, O_WD}, {"clip", required_argument, 0, O_CLIP},
        {"eval-every", required_argument, 0, O_EVALEVERY}, {"patience", required_argument, 0, O_PATIENCE},
        {"seed", required_argument, 0, O_SEED}, {"threads", required_argument, 0, O_THREADS},
        {"full", no_argument, 0, O_FULL}, {"predictions", required_argument, 0, O_PRED},
        {"save", required_argument, 0, O_SAVE}, {"load", required_argument, 0, O_LOAD},
        {"logits", no_argument, 0, O_LOGITS},
        {"csv", no_argument, 0, O_CSV}, {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'},
        {"task-name", required_argument, 0, O_TASKNAME}, {"max-dev", required_argument, 0, O_MAXDEV},
        CLI_STD_OPTIONS};
    int c;
    while ((c = cli_getopt(argc, argv, "m:t:qv", longopts, usage)) != -1) {
        switch (c) {
        case 'm': o.model_dir = optarg; break;
        case 't': task_name = optarg; break;
        case O_VOCAB: vocab_path = optarg; break;
        case O_CASED: cased = 1; break;
        case O_TRAIN: train_path = optarg; break;
        case O_DEV: dev_path = optarg; break;
        case O_DATA: data_dir = optarg; break;
        case O_FORMAT:
            format = task_format_parse(optarg);
            if (format == -2)
                die_usage("--format: '%s' is not auto, official or hf", optarg);
            break;
        case O_TEXTA: text_a = optarg; break;
        case O_TEXTB: text_b = optarg; break;
        case O_LABEL: label_col = optarg; break;
        case O_LABELS: labels = optarg; break;
        case O_REGRESSION: regression = 1; break;
        case O_METRIC: metric = optarg; break;
        case O_TASKNAME:
            if (!*optarg || strlen(optarg) > 63 || strpbrk(optarg, "\t\r\n"))
                die_usage("--task-name: '%s' is not a name", optarg);
            task_label = optarg;
            break;
        case O_MAXTRAIN: max_train = cli_long("--max-train", optarg, 1, 1L << 40); break;
        case O_MAXDEV: max_dev = cli_long("--max-dev", optarg, 1, 1L << 40); break;
        case O_TRAINFRAC: train_frac = cli_double("--train-frac", optarg, 1e-9, 1.0, 0); break;
        case O_DEVFROM: dev_from_train = cli_double("--dev-from-train", optarg, 1e-9, 0.9, 0); break;
        case O_MAXLEN: o.max_len = (int)cli_long("--max-len", optarg, 3, 4096); max_len_set = 1; break;
        case O_EPOCHS: o.epochs = (int)cli_long("--epochs", optarg, 0, 100000); break;
        case O_LR: o.lr = cli_double("--lr", optarg, 0, 1e6, 0); break;
        case O_PREFIXLR: o.prefix_lr = cli_double("--prefix-lr", optarg, 0, 1e6, 0); break;
        case O_BATCH: o.batch = (int)cli_long("--batch", optarg, 1, 4096); break;
        case O_WARMUP: o.warmup = cli_double("--warmup", optarg, 0, 1, 0); break;
        case O_WD: o.weight_decay = cli_double("--weight-decay", optarg, 0, 10, 0); break;
        case O_CLIP: o.clip = cli_double("--clip", optarg, 0, 1e9, 0); break;
        case O_EVALEVERY: o.eval_every = cli_long("--eval-every", optarg, 0, 1L << 40); break;
        case O_PATIENCE: o.patience = (int)cli_long("--patience", optarg, 0, 1000000); break;
        case O_SEED: o.seed = (uint64_t)cli_long("--seed", optarg, 0, 0x7fffffffffffffffL); break;
        case O_THREADS: threads = (int)cli_long("--threads", optarg, 1, 1024); break;
        case O_FULL: o.full = 1; break;
        case O_PRED: pred_tmpl = optarg; break;
        case O_SAVE: save_tmpl = optarg; break;
        case O_LOAD: load_tmpl = optarg; break;
        case O_LOGITS: o.keep_logits = 1; break;
        case O_CSV: csv = 1; break;
        case 'q': o.quiet = 1; break;
        case 'v': verbose = 1; o.verbose = 1; break;
        }
    }
    if (!o.model_dir)
        die_usage("--model DIR is required");
    if (!task_name)
        die_usage("--task NAME is required (a GLUE task or 'custom')");
    char *own_train = NULL, *own_dev = NULL, *own_vocab = NULL;
    if (data_dir) {
        if (!train_path)
            train_path = own_train = dir_file(data_dir, "train.tsv");
        if (!dev_path && dev_from_train <= 0) {
            own_dev = dir_file(data_dir, "dev.tsv");
            if (!exists(own_dev)) {
                free(own_dev);
                own_dev = dir_file(data_dir, "validation.tsv");
                if (!exists(own_dev))
                    die(EXIT_BADINPUT, "--data %s: no dev file: looked for %s/dev.tsv and %s/validation.tsv "
                        "(or give --dev FILE or --dev-from-train F)", data_dir, data_dir, data_dir);
            }
            dev_path = own_dev;
        }
    }
    if (!train_path && o.epochs > 0)
        die_usage("--train FILE (or --data DIR) is required unless --epochs 0");
    if (!dev_path && dev_from_train <= 0)
        die_usage("--dev FILE (or --data DIR, or --dev-from-train F) is required");
    if (dev_path && dev_from_train > 0)
        die_usage("--dev and --dev-from-train exclude each other");
    if (!vocab_path)
        vocab_path = own_vocab = dir_file(o.model_dir, "vocab.txt");
    if (pred_tmpl)
        check_output_dir("--predictions", pred_tmpl);
    if (save_tmpl)
        check_save_dir(save_tmpl);
    if (load_tmpl && !strstr(load_tmpl, "{id}") && !is_dir(load_tmpl))
        die(EXIT_BADINPUT, "--load %s: %s", load_tmpl, strerror(errno ? errno : ENOTDIR));

    char err[1024];
    task_spec sp;
    if (!strcmp(task_name, "custom")) {
        if (!text_a || !label_col)
            die_usage("a custom task needs --text-a COL and --label COL");
        if (task_custom(&sp, text_a, text_b, label_col, labels, regression, metric, err, sizeof err) < 0)
            die_usage("%s", err);
    } else {
        if (text_a || text_b || label_col || labels || regression || metric)
            die_usage("--text-a/--text-b/--label/--labels/--regression/--metric need --task custom");
        if (task_lookup(task_name, &sp, err, sizeof err) < 0)
            die_usage("%s", err);
    }
    if (threads > 0)
        openblas_set_num_threads(threads);
    if (verbose)
        log_openblas(stderr);

    /* The model's constants: depth for the layer flags, sizes for counts. */
    char *cfg_path = dir_file(o.model_dir, "config.json");
    bert_config bc;
    if (hfconfig_load(cfg_path, &bc, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (!max_len_set && o.max_len > bc.max_position)
        o.max_len = bc.max_position;
    if (o.max_len > bc.max_position)
        die_usage("--max-len %d exceeds the model's max_position_embeddings %d", o.max_len, bc.max_position);

    /* Task data, loaded and tokenised once. */
    task_dataset train = {0}, dev = {0};
    if (train_path && task_load(&sp, train_path, format, &train, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (dev_from_train > 0) {
        if (train.n < 2)
            die_at(train_path, 0, "--dev-from-train needs at least 2 training examples");
        task_split_dev(&train, &sp, dev_from_train, o.seed, &dev);
        dev_path = train_path;
    } else if (task_load(&sp, dev_path, format, &dev, err, sizeof err) < 0) {
        die(EXIT_BADINPUT, "%s", err);
    }
    if (train_path)
        task_subsample(&train, &sp, max_train, train_frac, o.seed);
    if (train_path && task_one_class(&sp, &train, train_path, err, sizeof err))
        warnx("%s", err);
    if (max_dev > 0)
        task_subsample(&dev, &sp, max_dev, 1.0, o.seed);
    if (dev.n == 0)
        die_at(dev_path, 0, "no dev examples");
    wp_vocab vocab;
    if (wp_vocab_load(&vocab, vocab_path, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (vocab.n != bc.vocab_size)
        die_at(vocab_path, 0, "the vocabulary has %d tokens but the model's vocab_size is %d", vocab.n,
               bc.vocab_size);
    wp_tokenizer tok;
    wp_init(&tok, &vocab, !cased);
    te_set tr = {0}, dv = {0};
    if (train_path && te_encode(&tr, &train, &tok, o.max_len, train_path, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (te_encode(&dv, &dev, &tok, o.max_len, dev_path, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (verbose)
        fprintf(stderr, "train-eval: task %s: %ld train examples (%ld tokens), %ld dev examples (%ld tokens)\n",
                sp.name, tr.n, tr.tokens, dv.n, dv.tokens);

    /* Config records in, evaluated records out. */
    int nin = optind < argc ? argc - optind : 1;
    int fmt_out = REC_TSV;
    rec_writer *w = NULL;
    layout lay = {0};
    const char *ours[16];
    int n_ours = 0;
    ours[n_ours++] = "task";
    ours[n_ours++] = "metric";
    ours[n_ours++] = "score";
    ours[n_ours++] = "score_final";
    ours[n_ours++] = "loss";
    for (int k = 1; k < sp.n_metrics; k++)
        ours[n_ours++] = sp.metrics[k];
    const char *tail[] = {"params", "params_pct", "trainable", "epochs", "seconds", "seed", "status", "message"};
    for (size_t k = 0; k < sizeof tail / sizeof *tail; k++)
        ours[n_ours++] = tail[k];
    /* the label order of the head, kept with --save and checked by --load */
    char *labels_json;
    {
        cJSON *a = cJSON_CreateArray();
        for (int k = 0; !sp.regression && k < sp.n_labels; k++)
            cJSON_AddItemToArray(a, cJSON_CreateString(sp.label_names ? sp.label_names[k] : ""));
        labels_json = cJSON_PrintUnformatted(a);
        cJSON_Delete(a);
    }
    o.labels = labels_json;
    long long base = bert_base_param_count(bc.vocab_size, bc.hidden, bc.layers, bc.intermediate,
                                           bc.max_position, bc.type_vocab);
    rec_row row = {0}, header = {0};
    int header_pending = 0;
    /* ids seen so far, over every input: a repeated id is an error */
    struct { char *id; const char *file; long line; } *seen = NULL;
    size_t n_seen = 0, cap_seen = 0;
    for (int fi = 0; fi < nin; fi++) {
        const char *path = optind < argc ? argv[optind + fi] : "-";
        int fmt = rec_format_for(path, csv);
        rec_reader *r = rec_open(path, fmt, 0, err, sizeof err);
        if (!r)
            die(EXIT_BADINPUT, "%s", err);
        configrec_cols cols;
        if (configrec_bind(r, bc.layers, &cols, err, sizeof err) < 0)
            die(EXIT_BADINPUT, "%s", err);
        int nin_cols = rec_ncols(r);
        if (!w) {
            fmt_out = csv ? REC_CSV : (fmt == REC_CSV ? REC_CSV : REC_TSV);
            w = rec_writer_new(stdout, fmt_out);
            lay.n_in = nin_cols;
            lay.slot = xmalloc((size_t)n_ours * sizeof *lay.slot);
            lay.n_out = nin_cols;
            for (int k = 0; k < n_ours; k++) {
                int col = rec_col(r, ours[k]);
                lay.slot[k] = col >= 0 ? col : lay.n_out++;
            }
            row_clear(&row);
            for (int i = 0; i < lay.n_out; i++)
                row_push(&row, i < nin_cols ? rec_colname(r, i) : "");
            for (int k = 0; k < n_ours; k++)
                if (lay.slot[k] >= nin_cols) {
                    free(row.v[lay.slot[k]]);
                    row.v[lay.slot[k]] = xstrdup(ours[k]);
                }
            header = row;
            memset(&row, 0, sizeof row);
            header_pending = 1;
        } else if (nin_cols != lay.n_in) {
            die_at(path, 1, "header differs from the first input's");
        }
        int rc;
        while ((rc = rec_next(r)) > 0) {
            peft_config pc;
            if (configrec_parse(r, &cols, &pc, err, sizeof err) < 0)
                die(EXIT_BADINPUT, "%s", err);
            const char *id = rec_field(r, cols.id);
            if (!*id)
                die_at(path, rec_line(r), "column 'id': empty id");
            if (configrec_check(r, &pc, bc.hidden, err, sizeof err) < 0)
                die(EXIT_BADINPUT, "%s", err);
            for (size_t k = 0; k < n_seen; k++)
                if (!strcmp(seen[k].id, id))
                    die_at(path, rec_line(r), "duplicate id '%s' (first at %s:%ld)", id, seen[k].file, seen[k].line);
            if (n_seen == cap_seen) {
                cap_seen = cap_seen ? 2 * cap_seen : 64;
                seen = xrealloc(seen, cap_seen * sizeof *seen);
            }
            seen[n_seen].id = xstrdup(id);
            seen[n_seen].file = path;
            seen[n_seen].line = rec_line(r);
            n_seen++;
            if (header_pending) {
                if (rec_write(w, header.n, (const char *const *)header.v, err, sizeof err) < 0)
                    die(EXIT_BADINPUT, "%s", err);
                header_pending = 0;
            }
            /* a record's own seed (column 'seed') replaces --seed for it */
            te_options ro = o;
            int c_seed = rec_col(r, "seed");
            if (c_seed >= 0 && *rec_field(r, c_seed)) {
                long sv;
                if (parse_long(rec_field(r, c_seed), &sv) < 0 || sv < 0)
                    die_at(path, rec_line(r), "column 'seed': '%s' is not a non-negative integer",
                           rec_field(r, c_seed));
                ro.seed = (uint64_t)sv;
            }
            char *save_path = save_tmpl ? saved_dir(save_tmpl, id, 0) : NULL;
            char *load_path = load_tmpl ? saved_dir(load_tmpl, id, 1) : NULL;
            const char *meta[] = {"id", id, "task_name", task_label ? task_label : sp.name,
                                  "labels", labels_json, "base_model", o.model_dir, NULL};
            ro.save = save_path;
            ro.load = load_path;
            ro.save_meta = meta;
            te_result res;
            te_run(&ro, &pc, &sp, &tr, &dv, &dev, id, &res);
            if (res.ok && res.save_failed)
                res.ok = 0;
            if (res.ok && pred_tmpl && write_predictions(pred_tmpl, id, &sp, &dv, &res, err, sizeof err) < 0) {
                res.ok = 0;
                snprintf(res.message, sizeof res.message, "%.500s", err);
            }
            free(save_path);
            free(load_path);
            if (!res.ok)
                clean_message(res.message);
            if (!o.quiet && !res.ok)
                fprintf(stderr, "train-eval: %s: error: %s\n", id, res.message);
            /* full fine-tuning trains (and so adds, per task) a whole copy of the model */
            long long params = (pc.full || o.full) ? base : peft_params_added(bc.hidden, &pc);
            long long trainable = res.trainable;
            /* output record */
            row_clear(&row);
            for (int i = 0; i < lay.n_out; i++)
                row_push(&row, i < rec_nfields(r) ? rec_field(r, i) : "");
            char v[16][64];
            int k = 0;
            snprintf(v[k++], 64, "%s", task_label ? task_label : sp.name);
            snprintf(v[k++], 64, "%s", sp.metrics[0]);
            if (res.ok) {
                fmt_num(v[k], 64, res.best[0]); k++;
                fmt_num(v[k], 64, res.final[0]); k++;
                fmt_num(v[k], 64, res.final_loss); k++;
                for (int j = 1; j < sp.n_metrics; j++) {
                    fmt_num(v[k], 64, res.best[j]);
                    k++;
                }
            } else {
                for (int j = 0; j < sp.n_metrics + 2; j++)
                    v[k++][0] = 0;
            }
            snprintf(v[k++], 64, "%lld", params);
            snprintf(v[k++], 64, "%.6f", base > 0 ? 100.0 * (double)params / (double)base : 0.0);
            if (trainable > 0)
                snprintf(v[k++], 64, "%lld", trainable);
            else
                v[k++][0] = 0;
            snprintf(v[k++], 64, "%.2f", res.epochs);
            snprintf(v[k++], 64, "%.2f", res.seconds);
            snprintf(v[k++], 64, "%llu", (unsigned long long)ro.seed);
            snprintf(v[k++], 64, "%s", res.ok ? "ok" : "error");
            for (int j = 0; j < k; j++) {
                free(row.v[lay.slot[j]]);
                row.v[lay.slot[j]] = xstrdup(v[j]);
            }
            free(row.v[lay.slot[k]]);
            row.v[lay.slot[k]] = xstrdup(res.ok ? "" : res.message);
            te_result_free(&res);
            if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err) < 0)
                die_at(path, rec_line(r), "%s", err);
            out_flush();
        }
        if (rc < 0)
            die(EXIT_BADINPUT, "%s", rec_error(r));
        rec_close(r);
    }
    if (header_pending && rec_write(w, header.n, (const char *const *)header.v, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    out_flush();
    row_free(&header);
    for (size_t k = 0; k < n_seen; k++)
        free(seen[k].id);
    free(seen);
    row_free(&row);
    rec_writer_free(w);
    free(lay.slot);
    te_set_free(&tr);
    te_set_free(&dv);
    wp_free(&tok);
    wp_vocab_free(&vocab);
    task_dataset_free(&train);
    task_dataset_free(&dev);
    task_spec_free(&sp);
    free(cfg_path);
    free(own_train);
    free(own_dev);
    free(own_vocab);
    free(labels_json);
    return 0;
}
