/* train-eval -- train each PEFT configuration record on a task and score it.
 * See train-eval(1). This file parses the options; lib/train/traineval_run.c
 * checks them, loads and tokenises the task once and streams the records,
 * and lib/train/traineval.c trains one configuration. */
#include <stdio.h>
#include <string.h>

#include "util/cli.h"
#include "train/traineval_run.h"
#include "util/util.h"

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
           "      --full-lr X          peak learning rate of full fine-tuning records (default: --lr)\n"
           "      --batch N            examples per step (default 32)\n"
           "      --warmup F           fraction of steps with linear warm-up (default 0)\n"
           "      --weight-decay X     AdamW weight decay (default 0)\n"
           "      --clip X             gradient-norm clipping (default 1; 0 = off)\n"
           "      --dropout P          hidden and attention dropout while training (default:\n"
           "                           the checkpoint's config.json)\n"
           "      --eval-every N       evaluate every N steps (default: every epoch)\n"
           "      --patience N         stop after N evaluations without improvement (default: never)\n"
           "      --seed N             seed for new weights, data order and dropout (default 42);\n"
           "                           a record's own 'seed' column overrides it for that record\n"
           "      --threads N          engine threads (default: OPENBLAS_NUM_THREADS or the CPUs)\n"
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
    O_REGRESSION, O_METRIC, O_MAXTRAIN, O_TRAINFRAC, O_DEVFROM, O_MAXLEN, O_EPOCHS, O_LR, O_PREFIXLR, O_FULLLR, O_BATCH,
    O_WARMUP, O_WD, O_CLIP, O_EVALEVERY, O_PATIENCE, O_SEED, O_THREADS, O_FULL, O_PRED, O_CSV, O_SAVE, O_LOAD, O_LOGITS,
    O_TASKNAME, O_MAXDEV, O_DROPOUT
};

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    traineval_opts a;
    traineval_opts_default(&a);
    te_options *o = &a.te;

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
        {"prefix-lr", required_argument, 0, O_PREFIXLR}, {"full-lr", required_argument, 0, O_FULLLR},
        {"batch", required_argument, 0, O_BATCH}, {"warmup", required_argument, 0, O_WARMUP},
        {"weight-decay", required_argument, 0, O_WD}, {"clip", required_argument, 0, O_CLIP},
        {"dropout", required_argument, 0, O_DROPOUT},
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
        case 'm': o->model_dir = optarg; break;
        case 't': a.task = optarg; break;
        case O_VOCAB: a.vocab = optarg; break;
        case O_CASED: a.cased = 1; break;
        case O_TRAIN: a.train = optarg; break;
        case O_DEV: a.dev = optarg; break;
        case O_DATA: a.data = optarg; break;
        case O_FORMAT:
            a.format = task_format_parse(optarg);
            if (a.format == -2)
                die_usage("--format: '%s' is not auto, official or hf", optarg);
            break;
        case O_TEXTA: a.text_a = optarg; break;
        case O_TEXTB: a.text_b = optarg; break;
        case O_LABEL: a.label = optarg; break;
        case O_LABELS: a.labels = optarg; break;
        case O_REGRESSION: a.regression = 1; break;
        case O_METRIC: a.metric = optarg; break;
        case O_TASKNAME:
            if (!*optarg || strlen(optarg) > 63 || strpbrk(optarg, "\t\r\n"))
                die_usage("--task-name: '%s' is not a name", optarg);
            a.task_name = optarg;
            break;
        case O_MAXTRAIN: a.max_train = cli_long("--max-train", optarg, 1, 1L << 40); break;
        case O_MAXDEV: a.max_dev = cli_long("--max-dev", optarg, 1, 1L << 40); break;
        case O_TRAINFRAC: a.train_frac = cli_double("--train-frac", optarg, 1e-9, 1.0, 0); break;
        case O_DEVFROM: a.dev_from_train = cli_double("--dev-from-train", optarg, 1e-9, 0.9, 0); break;
        case O_MAXLEN: o->max_len = (int)cli_long("--max-len", optarg, 3, 4096); a.max_len_set = 1; break;
        case O_EPOCHS: o->epochs = (int)cli_long("--epochs", optarg, 0, 100000); break;
        case O_LR: o->lr = cli_double("--lr", optarg, 0, 1e6, 0); break;
        case O_PREFIXLR: o->prefix_lr = cli_double("--prefix-lr", optarg, 0, 1e6, 0); break;
        case O_FULLLR: o->full_lr = cli_double("--full-lr", optarg, 0, 1e6, 0); break;
        case O_BATCH: o->batch = (int)cli_long("--batch", optarg, 1, 4096); break;
        case O_WARMUP: o->warmup = cli_double("--warmup", optarg, 0, 1, 0); break;
        case O_WD: o->weight_decay = cli_double("--weight-decay", optarg, 0, 10, 0); break;
        case O_CLIP: o->clip = cli_double("--clip", optarg, 0, 1e9, 0); break;
        case O_DROPOUT: o->dropout = cli_double("--dropout", optarg, 0, 0.999999, 0); break;
        case O_EVALEVERY: o->eval_every = cli_long("--eval-every", optarg, 0, 1L << 40); break;
        case O_PATIENCE: o->patience = (int)cli_long("--patience", optarg, 0, 1000000); break;
        case O_SEED: o->seed = (uint64_t)cli_long("--seed", optarg, 0, 0x7fffffffffffffffL); break;
        case O_THREADS: a.threads = (int)cli_long("--threads", optarg, 1, 1024); break;
        case O_FULL: o->full = 1; break;
        case O_PRED: a.predictions = optarg; break;
        case O_SAVE: a.save = optarg; break;
        case O_LOAD: a.load = optarg; break;
        case O_LOGITS: o->keep_logits = 1; break;
        case O_CSV: a.csv = 1; break;
        case 'q': o->quiet = 1; break;
        case 'v': a.verbose = 1; o->verbose = 1; break;
        }
    }
    traineval_run(&a, argv + optind, argc - optind);
    return 0;
}
