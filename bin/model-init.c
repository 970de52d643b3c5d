/* model-init -- write a BERT checkpoint directory with random weights
 * (Hugging Face initialisation, seeded). See model-init(1). */
#include "engine/bert.h"
#include "engine/checkpoint.h"
#include "util/cli.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

static const char usage_text[] =
    "Usage: model-init [OPTION]... DIR\n"
    "Write DIR/config.json and DIR/model.safetensors: a BERT encoder (embeddings,\n"
    "layers, pooler) with random weights drawn as Hugging Face initialises them\n"
    "(N(0, 0.02) weights, zero biases, LayerNorm 1/0), from a seeded generator.\n"
    "DIR is created if missing; files are replaced atomically.\n"
    "\n"
    "      --layers N        encoder layers [2]\n"
    "      --hidden N        hidden size [64]\n"
    "      --heads N         attention heads; must divide --hidden [4]\n"
    "      --intermediate N  feed-forward size [4 x hidden]\n"
    "      --vocab-size N    vocabulary size [30522]\n"
    "      --vocab FILE      vocabulary size = number of lines of FILE (vocab.txt)\n"
    "      --max-position N  position embeddings [128]\n"
    "      --type-vocab N    token type embeddings [2]\n"
    "      --labels N        number of labels written to config.json (id2label) [0]\n"
    "      --head KIND       also write a task head: autopeft (head.*, needs\n"
    "                        --labels), hf (classifier.*, needs --labels) or mlm\n"
    "                        (cls.predictions.*); default: none\n"
    "      --dropout P       hidden and attention dropout probability [0.1]\n"
    "      --seed N          random seed [42]\n"
    "      --dtype TYPE      f32, f16 or bf16 [f32]\n"
    "  -h, --help            show this help and exit\n"
    "      --version         show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 error (unwritable DIR, unreadable --vocab), 2 usage.\n";

static void usage(void)
{
    fputs(usage_text, stdout);
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die_at(path, 0, "cannot open vocabulary: %s", strerror(errno));
    long n = 0;
    int c, last = '\n';
    errno = 0;
    while ((c = getc(f)) != EOF) {
        if (c == '\n')
            n++;
        last = c;
    }
    if (last != '\n')
        n++;
    if (ferror(f))
        die_at(path, 0, "read error: %s", strerror(errno ? errno : EIO));
    fclose(f);
    if (n < 1)
        die_at(path, 0, "vocabulary is empty");
    return n;
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    bert_config c;
    memset(&c, 0, sizeof c);
    c.layers = 2, c.hidden = 64, c.heads = 4, c.intermediate = 0, c.vocab_size = 30522;
    c.max_position = 128, c.type_vocab = 2, c.ln_eps = 1e-12f, c.num_labels = 0;
    c.hidden_dropout = 0.1f, c.attn_dropout = 0.1f;
    snprintf(c.hidden_act, sizeof c.hidden_act, "gelu");
    const char *vocab = NULL, *head = NULL;
    long seed = 42;
    st_dtype dt = ST_F32;
    enum { O_LAYERS = 256, O_HIDDEN, O_HEADS, O_INTER, O_VOCAB_SIZE, O_VOCAB, O_MAXPOS, O_TYPEV, O_LABELS,
           O_HEAD, O_DROPOUT, O_SEED, O_DTYPE };
    static const struct option opts[] = {
        {"layers", required_argument, 0, O_LAYERS},     {"hidden", required_argument, 0, O_HIDDEN},
        {"heads", required_argument, 0, O_HEADS},       {"intermediate", required_argument, 0, O_INTER},
        {"vocab-size", required_argument, 0, O_VOCAB_SIZE}, {"vocab", required_argument, 0, O_VOCAB},
        {"max-position", required_argument, 0, O_MAXPOS}, {"type-vocab", required_argument, 0, O_TYPEV},
        {"labels", required_argument, 0, O_LABELS},     {"head", required_argument, 0, O_HEAD},
        {"dropout", required_argument, 0, O_DROPOUT},   {"seed", required_argument, 0, O_SEED},
        {"dtype", required_argument, 0, O_DTYPE},       CLI_STD_OPTIONS,
    };
    int opt;
    while ((opt = cli_getopt(argc, argv, "", opts, usage)) != -1) {
        const char *v = optarg;
        switch (opt) {
        case O_LAYERS: c.layers = (int)cli_long("--layers", v, 1, PEFT_MAX_LAYERS); break;
        case O_HIDDEN: c.hidden = (int)cli_long("--hidden", v, 1, 1 << 16); break;
        case O_HEADS: c.heads = (int)cli_long("--heads", v, 1, 1 << 12); break;
        case O_INTER: c.intermediate = (int)cli_long("--intermediate", v, 1, 1 << 18); break;
        case O_VOCAB_SIZE: c.vocab_size = (int)cli_long("--vocab-size", v, 1, 1 << 24); break;
        case O_VOCAB: vocab = v; break;
        case O_MAXPOS: c.max_position = (int)cli_long("--max-position", v, 1, 1 << 16); break;
        case O_TYPEV: c.type_vocab = (int)cli_long("--type-vocab", v, 1, 1 << 10); break;
        case O_LABELS: c.num_labels = (int)cli_long("--labels", v, 0, 1 << 20); break;
        case O_HEAD:
            if (strcmp(v, "autopeft") && strcmp(v, "hf") && strcmp(v, "mlm"))
                die_usage("--head: '%s' is not autopeft, hf or mlm", v);
            head = v;
            break;
        case O_DROPOUT: {
            double p;
            if (parse_double(v, &p) || p < 0 || p >= 1)
                die_usage("--dropout: '%s' is not a probability in [0, 1)", v);
            c.hidden_dropout = c.attn_dropout = (float)p;
            break;
        }
        case O_SEED:
            if (parse_long(v, &seed))
                die_usage("--seed: '%s' is not an integer", v);
            break;
        case O_DTYPE:
            if (!strcmp(v, "f32")) dt = ST_F32;
            else if (!strcmp(v, "f16")) dt = ST_F16;
            else if (!strcmp(v, "bf16")) dt = ST_BF16;
            else die_usage("--dtype: '%s' is not f32, f16 or bf16", v);
            break;
        }
    }
    if (argc - optind > 1)
        die_usage("only one DIR may be given");
    const char *dir = optind < argc ? argv[optind] : NULL;
    if (!dir)
        die_usage("missing DIR");
    if (c.hidden % c.heads)
        die_usage("--hidden %d is not divisible by --heads %d", c.hidden, c.heads);
    if (head && strcmp(head, "mlm") && c.num_labels < 1)
        die_usage("--head %s needs --labels N", head);
    if (vocab)
        c.vocab_size = (int)count_lines(vocab);
    if (!c.intermediate)
        c.intermediate = 4 * c.hidden;

    bert_opts o;
    bert_opts_default(&o);
    o.max_batch = 1, o.max_seq = 1, o.seed = (uint64_t)seed;
    o.num_labels = c.num_labels > 0 ? c.num_labels : 2;
    o.task = head && !strcmp(head, "mlm") ? BERT_TASK_MLM : BERT_TASK_CLS;
    o.head = head && !strcmp(head, "hf") ? BERT_HEAD_HF : BERT_HEAD_AUTOPEFT;
    char err[1024];
    bert_model *m = bert_new(&c, &o, err, sizeof err);
    if (!m)
        die(EXIT_BADINPUT, "%s", err);
    bert_set_config_labels(m, c.num_labels); /* config.json carries what was asked */
    unsigned kinds = BERT_SAVE_BASE | (head ? 1u << BERT_T_HEAD : 0);
    if (bert_save_kinds(m, dir, dt, kinds, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    bert_free(m);
    return 0;
}
