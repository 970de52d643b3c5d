/* pretrain -- masked-language-model pretraining of a small BERT encoder on a
 * text corpus (one text per line). See pretrain(1). This file parses
 * the options; the run is lib/train/pretrain_run.c, the training step
 * lib/train/pretrain.c. */
#include "util/cli.h"
#include "train/pretrain_run.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "Usage: pretrain --corpus FILE --vocab FILE --out DIR [OPTION]...\n"
    "Pretrain a BERT encoder with masked-language modelling on FILE (one text per\n"
    "line, blank lines skipped; '-' reads standard input) and write the checkpoint\n"
    "DIR/config.json, DIR/model.safetensors (encoder + MLM head) and DIR/vocab.txt.\n"
    "A one-line TSV summary (steps, loss, masked_acc, seconds, params) goes to\n"
    "standard output, progress to standard error.\n"
    "\n"
    "Data:\n"
    "      --corpus FILE       training texts, one per line ('-': stdin) [required]\n"
    "      --vocab FILE        WordPiece vocabulary (vocab.txt) with [MASK] [required]\n"
    "      --cased             keep case and accents (default: lower-case)\n"
    "      --max-len N         tokens per sequence incl. [CLS] and [SEP] [64]\n"
    "      --max-lines N       read at most N non-blank lines [all]\n"
    "Model (ignored with --init, which takes them from DIR/config.json):\n"
    "      --init DIR          continue from the checkpoint in DIR\n"
    "      --layers N          encoder layers [4]\n"
    "      --hidden N          hidden size [128]\n"
    "      --heads N           attention heads; must divide --hidden [4]\n"
    "      --intermediate N    feed-forward size [4 x hidden]\n"
    "      --max-position N    position embeddings [128]\n"
    "      --dropout P         hidden and attention dropout [0.1, or DIR's]\n"
    "Training:\n"
    "      --out DIR           where the checkpoint goes (created) [required]\n"
    "      --batch N           sequences per step [32]\n"
    "      --steps N           optimiser steps\n"
    "      --epochs E          passes over the corpus (default 1), instead of --steps\n"
    "      --lr X              peak learning rate (AdamW) [5e-4]\n"
    "      --warmup F          linear warm-up fraction of the steps, then linear\n"
    "                          decay to 0 [0.06]\n"
    "      --weight-decay X    AdamW weight decay [0.01]\n"
    "      --clip X            gradient-norm clipping, 0 = none [1.0]\n"
    "      --mask-prob P       fraction of tokens masked [0.15]\n"
    "      --seed N            order, masks, dropout and initialisation [42]\n"
    "      --dtype TYPE        weights in the checkpoint: f32, f16 or bf16 [f32]\n"
    "      --threads N         engine threads [OPENBLAS_NUM_THREADS or the CPUs]\n"
    "      --save-every N      also write the checkpoint every N steps\n"
    "      --log-every N       progress line every N steps [50]\n"
    "  -q, --quiet             no progress lines\n"
    "  -v, --verbose           also log the OpenBLAS kernel and corpus statistics\n"
    "  -h, --help              show this help and exit\n"
    "      --version           show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 bad input (corpus, vocabulary, checkpoint), 2 usage.\n";

static void usage(void)
{
    fputs(usage_text, stdout);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    pretrain_cli_opts a;
    pretrain_cli_opts_default(&a);
    enum { O_CASED = 256, O_CORPUS, O_VOCAB, O_OUT, O_INIT, O_LAYERS, O_HIDDEN, O_HEADS, O_INTER, O_MAXPOS,
           O_DROPOUT, O_MAXLEN, O_MAXLINES, O_BATCH, O_STEPS, O_EPOCHS, O_LR, O_WARMUP, O_WD, O_CLIP,
           O_MASKPROB, O_DTYPE, O_SEED, O_THREADS, O_SAVEEVERY, O_LOGEVERY };
    static const struct option opts[] = {
        {"quiet", no_argument, 0, 'q'},               {"verbose", no_argument, 0, 'v'},
        {"cased", no_argument, 0, O_CASED},           {"corpus", required_argument, 0, O_CORPUS},
        {"vocab", required_argument, 0, O_VOCAB},     {"out", required_argument, 0, O_OUT},
        {"init", required_argument, 0, O_INIT},       {"layers", required_argument, 0, O_LAYERS},
        {"hidden", required_argument, 0, O_HIDDEN},   {"heads", required_argument, 0, O_HEADS},
        {"intermediate", required_argument, 0, O_INTER}, {"max-position", required_argument, 0, O_MAXPOS},
        {"dropout", required_argument, 0, O_DROPOUT}, {"max-len", required_argument, 0, O_MAXLEN},
        {"max-lines", required_argument, 0, O_MAXLINES}, {"batch", required_argument, 0, O_BATCH},
        {"steps", required_argument, 0, O_STEPS},     {"epochs", required_argument, 0, O_EPOCHS},
        {"lr", required_argument, 0, O_LR},           {"warmup", required_argument, 0, O_WARMUP},
        {"weight-decay", required_argument, 0, O_WD}, {"clip", required_argument, 0, O_CLIP},
        {"mask-prob", required_argument, 0, O_MASKPROB}, {"dtype", required_argument, 0, O_DTYPE},
        {"seed", required_argument, 0, O_SEED},       {"threads", required_argument, 0, O_THREADS},
        {"save-every", required_argument, 0, O_SAVEEVERY}, {"log-every", required_argument, 0, O_LOGEVERY},
        CLI_STD_OPTIONS,
    };
    int opt;
    while ((opt = cli_getopt(argc, argv, "qv", opts, usage)) != -1) {
        const char *v = optarg;
        switch (opt) {
        case 'q': a.quiet = 1; break;
        case 'v': a.verbose = 1; break;
        case O_CASED: a.lower = 0; break;
        case O_CORPUS: a.corpus = v; break;
        case O_VOCAB: a.vocab = v; break;
        case O_OUT: a.out = v; break;
        case O_INIT: a.init = v; break;
        case O_LAYERS: a.c.layers = (int)cli_long("--layers", v, 1, PEFT_MAX_LAYERS), a.arch_flag = "--layers"; break;
        case O_HIDDEN: a.c.hidden = (int)cli_long("--hidden", v, 1, 1 << 16), a.arch_flag = "--hidden"; break;
        case O_HEADS: a.c.heads = (int)cli_long("--heads", v, 1, 1 << 12), a.arch_flag = "--heads"; break;
        case O_INTER:
            a.c.intermediate = (int)cli_long("--intermediate", v, 1, 1 << 18), a.arch_flag = "--intermediate";
            break;
        case O_MAXPOS:
            a.c.max_position = (int)cli_long("--max-position", v, 3, 1 << 16), a.arch_flag = "--max-position";
            break;
        case O_DROPOUT: a.dropout = cli_double("--dropout", v, 0, 0.999999, 0); break;
        case O_MAXLEN: a.max_len = (int)cli_long("--max-len", v, 3, 1 << 16); break;
        case O_MAXLINES: a.max_lines = cli_long("--max-lines", v, 1, 1L << 40); break;
        case O_BATCH: a.po.batch = (int)cli_long("--batch", v, 1, 1 << 16); break;
        case O_STEPS: a.steps = cli_long("--steps", v, 1, 1L << 40); break;
        case O_EPOCHS: a.epochs = cli_double("--epochs", v, 0, 1e6, 1); break;
        case O_LR: a.po.lr = cli_double("--lr", v, 0, 10, 0); break;
        case O_WARMUP: a.po.warmup = cli_double("--warmup", v, 0, 1, 0); break;
        case O_WD: a.po.weight_decay = cli_double("--weight-decay", v, 0, 10, 0); break;
        case O_CLIP: a.po.clip = cli_double("--clip", v, 0, 1e9, 0); break;
        case O_MASKPROB: a.mask_prob = cli_double("--mask-prob", v, 0, 1, 1); break;
        case O_DTYPE:
            if (!strcmp(v, "f32")) a.dtype = ST_F32;
            else if (!strcmp(v, "f16")) a.dtype = ST_F16;
            else if (!strcmp(v, "bf16")) a.dtype = ST_BF16;
            else die_usage("--dtype: '%s' is not f32, f16 or bf16", v);
            break;
        case O_SEED:
            if (parse_long(v, &a.seed))
                die_usage("--seed: '%s' is not an integer", v);
            break;
        case O_THREADS: a.threads = cli_long("--threads", v, 1, 1024); break;
        case O_SAVEEVERY: a.save_every = cli_long("--save-every", v, 1, 1L << 40); break;
        case O_LOGEVERY: a.log_every = cli_long("--log-every", v, 1, 1L << 40); break;
        }
    }
    if (optind < argc)
        die_usage("unexpected argument '%s' (the corpus is given with --corpus)", argv[optind]);
    pretrain_cli_run(&a);
    return 0;
}
