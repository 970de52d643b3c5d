/* pretrain -- masked-language-model pretraining of a small BERT encoder on a
 * text corpus (one text per line). See pretrain(1); the logic is in
 * lib/pretrain.c. */
#include "bert.h"
#include "cli.h"
#include "hfconfig.h"
#include "pretrain.h"
#include "record.h"
#include "util.h"
#include "wordpiece.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void openblas_set_num_threads(int n); /* OpenBLAS (cblas.h) */

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
    "      --threads N         OpenBLAS threads [OpenBLAS default]\n"
    "      --save-every N      also write the checkpoint every N steps\n"
    "      --log-every N       progress line every N steps [50]\n"
    "  -q, --quiet             no progress lines\n"
    "  -v, --verbose           also log the OpenBLAS kernel and corpus statistics\n"
    "  -h, --help              show this help and exit\n"
    "      --version           show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 bad input (corpus, vocabulary, checkpoint), 2 usage.\n";

/* Copy the vocabulary file to DIR/vocab.txt atomically. */
static void copy_vocab(const char *src, const char *dir)
{
    char *dst = dir_file(dir, "vocab.txt");
    FILE *in = fopen(src, "rb");
    if (!in)
        die_at(src, 0, "cannot open vocabulary: %s", strerror(errno));
    atomic_file a;
    if (atomic_open(&a, dst))
        die_at(dst, 0, "cannot write: %s", strerror(errno));
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, a.f) != n)
            break;
    int bad = ferror(in) || ferror(a.f);
    fclose(in);
    if (bad) {
        atomic_abort(&a);
        die_at(dst, 0, "cannot copy the vocabulary from %s: %s", src, strerror(errno ? errno : EIO));
    }
    if (atomic_commit(&a))
        die_at(dst, 0, "cannot write: %s", strerror(errno));
    free(dst);
}

/* The checkpoint is a pretrained encoder: its metadata says "no PEFT
 * modules, not fine-tuned" (full = 0), so that a tool loading it without a
 * PEFT configuration gets the plain defaults. */
static st_dtype save_dtype = ST_F32;

static void save_checkpoint(bert_model *m, const char *dir, const char *vocab, int *vocab_done)
{
    char err[1024];
    int full = m->peft.full;
    m->peft.full = 0;
    int rc = bert_save(m, dir, save_dtype, err, sizeof err);
    m->peft.full = full;
    if (rc)
        die(EXIT_BADINPUT, "%s", err);
    if (!*vocab_done) {
        copy_vocab(vocab, dir);
        *vocab_done = 1;
    }
}

static void fmt_dur(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 1e7)
        snprintf(buf, n, "?");
    else if (s < 60)
        snprintf(buf, n, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void usage(void)
{
    fputs(usage_text, stdout);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    bert_config c;
    memset(&c, 0, sizeof c);
    c.layers = 4, c.hidden = 128, c.heads = 4, c.intermediate = 0, c.max_position = 128;
    c.type_vocab = 2, c.ln_eps = 1e-12f, c.hidden_dropout = 0.1f, c.attn_dropout = 0.1f;
    snprintf(c.hidden_act, sizeof c.hidden_act, "gelu");
    const char *corpus = NULL, *vocab = NULL, *out = NULL, *init = NULL, *arch_flag = NULL;
    pretrain_opts po;
    pretrain_opts_default(&po);
    long steps = 0, threads = 0, max_lines = 0, save_every = 0, log_every = 50, seed = 42;
    int max_len = 64, quiet = 0, verbose = 0, lower = 1;
    double epochs = 0, mask_prob = 0.15, dropout = -1;
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
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case O_CASED: lower = 0; break;
        case O_CORPUS: corpus = v; break;
        case O_VOCAB: vocab = v; break;
        case O_OUT: out = v; break;
        case O_INIT: init = v; break;
        case O_LAYERS: c.layers = (int)cli_long("--layers", v, 1, PEFT_MAX_LAYERS), arch_flag = "--layers"; break;
        case O_HIDDEN: c.hidden = (int)cli_long("--hidden", v, 1, 1 << 16), arch_flag = "--hidden"; break;
        case O_HEADS: c.heads = (int)cli_long("--heads", v, 1, 1 << 12), arch_flag = "--heads"; break;
        case O_INTER:
            c.intermediate = (int)cli_long("--intermediate", v, 1, 1 << 18), arch_flag = "--intermediate";
            break;
        case O_MAXPOS:
            c.max_position = (int)cli_long("--max-position", v, 3, 1 << 16), arch_flag = "--max-position";
            break;
        case O_DROPOUT: dropout = cli_double("--dropout", v, 0, 0.999999, 0); break;
        case O_MAXLEN: max_len = (int)cli_long("--max-len", v, 3, 1 << 16); break;
        case O_MAXLINES: max_lines = cli_long("--max-lines", v, 1, 1L << 40); break;
        case O_BATCH: po.batch = (int)cli_long("--batch", v, 1, 1 << 16); break;
        case O_STEPS: steps = cli_long("--steps", v, 1, 1L << 40); break;
        case O_EPOCHS: epochs = cli_double("--epochs", v, 0, 1e6, 1); break;
        case O_LR: po.lr = cli_double("--lr", v, 0, 10, 0); break;
        case O_WARMUP: po.warmup = cli_double("--warmup", v, 0, 1, 0); break;
        case O_WD: po.weight_decay = cli_double("--weight-decay", v, 0, 10, 0); break;
        case O_CLIP: po.clip = cli_double("--clip", v, 0, 1e9, 0); break;
        case O_MASKPROB: mask_prob = cli_double("--mask-prob", v, 0, 1, 1); break;
        case O_DTYPE:
            if (!strcmp(v, "f32")) save_dtype = ST_F32;
            else if (!strcmp(v, "f16")) save_dtype = ST_F16;
            else if (!strcmp(v, "bf16")) save_dtype = ST_BF16;
            else die_usage("--dtype: '%s' is not f32, f16 or bf16", v);
            break;
        case O_SEED:
            if (parse_long(v, &seed))
                die_usage("--seed: '%s' is not an integer", v);
            break;
        case O_THREADS: threads = cli_long("--threads", v, 1, 1024); break;
        case O_SAVEEVERY: save_every = cli_long("--save-every", v, 1, 1L << 40); break;
        case O_LOGEVERY: log_every = cli_long("--log-every", v, 1, 1L << 40); break;
        }
    }
    if (optind < argc)
        die_usage("unexpected argument '%s' (the corpus is given with --corpus)", argv[optind]);
    if (!corpus)
        die_usage("missing --corpus FILE");
    if (!vocab)
        die_usage("missing --vocab FILE");
    if (!out)
        die_usage("missing --out DIR");
    if (steps && epochs > 0)
        die_usage("--steps and --epochs exclude each other");
    if (init && arch_flag)
        die_usage("%s cannot be combined with --init (the architecture comes from %s/config.json)",
                  arch_flag, init);
    if (!init) {
        if (c.hidden % c.heads)
            die_usage("--hidden %d is not divisible by --heads %d", c.hidden, c.heads);
        if (max_len > c.max_position)
            die_usage("--max-len %d exceeds --max-position %d", max_len, c.max_position);
        if (!c.intermediate)
            c.intermediate = 4 * c.hidden;
    }
    po.seed = (uint64_t)seed;
    if (threads)
        openblas_set_num_threads((int)threads);
    if (verbose)
        log_openblas(stderr);

    char err[1024];
    /* vocabulary and masking */
    wp_vocab wv;
    if (wp_vocab_load(&wv, vocab, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    mlm_masker mk;
    if (mlm_masker_init(&mk, &wv, vocab, mask_prob, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);

    /* the model's configuration, checked before the (slow) corpus read */
    if (init) {
        char *cp = dir_file(init, "config.json");
        if (hfconfig_load(cp, &c, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        if (c.vocab_size != wv.n)
            die_at(cp, 0, "vocab_size %d differs from the %d tokens of %s", c.vocab_size, wv.n, vocab);
        if (max_len > c.max_position)
            die_at(cp, 0, "--max-len %d exceeds max_position_embeddings %d", max_len, c.max_position);
        free(cp);
    }
    c.vocab_size = wv.n;

    /* corpus */
    const char *cname = strcmp(corpus, "-") ? corpus : "-";
    FILE *cf = strcmp(corpus, "-") ? fopen(corpus, "r") : stdin;
    if (!cf)
        die_at(corpus, 0, "cannot open corpus: %s", strerror(errno));
    wp_tokenizer tok;
    wp_init(&tok, &wv, lower);
    mlm_corpus mc;
    double t0 = now_seconds();
    if (mlm_corpus_read(&mc, cf, cname, &tok, &mk, max_len, max_lines, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    if (cf != stdin)
        fclose(cf);
    wp_free(&tok);
    if (verbose)
        fprintf(stderr, "%s: corpus %s: %ld lines, %ld sequences, %ld tokens (mean %.1f), "
                "%ld truncated to %d, %ld blank, %ld without a maskable token; %.1fs\n",
                ap_progname, cname, mc.lines, mc.n, mc.n_ids, (double)mc.n_ids / (double)mc.n,
                mc.truncated, max_len, mc.blank, mc.nothing, now_seconds() - t0);
    po.steps = steps ? steps : (long)ceil((epochs > 0 ? epochs : 1.0) * (double)mc.n / po.batch);
    if (po.steps < 1)
        po.steps = 1;

    /* model: full training, MLM head */
    peft_config pc;
    peft_default(&pc, c.layers);
    pc.full = 1;
    bert_opts bo;
    bert_opts_default(&bo);
    bo.peft = &pc, bo.task = BERT_TASK_MLM, bo.max_batch = po.batch, bo.max_seq = max_len;
    bo.seed = (uint64_t)seed;
    bo.dropout = (float)dropout; /* < 0: the checkpoint's (or --dropout's default) */
    bert_model *m = init ? bert_load(init, &bo, err, sizeof err) : bert_new(&c, &bo, err, sizeof err);
    if (!m)
        die(EXIT_BADINPUT, "%s", err);
    long long nbase = bert_params_base(m);
    if (verbose)
        fprintf(stderr, "%s: model L=%d H=%d heads=%d I=%d V=%d P=%d: %lld base parameters, "
                "%lld trainable; %ld steps of %d (%.2f epochs)\n",
                ap_progname, m->cfg.layers, m->cfg.hidden, m->cfg.heads, m->cfg.intermediate,
                m->cfg.vocab_size, m->cfg.max_position, nbase, bert_params_trainable(m), po.steps,
                po.batch, (double)po.steps * po.batch / (double)mc.n);

    pretrainer p;
    if (pretrainer_init(&p, m, &mc, &mk, &po, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);

    /* loop; loss/accuracy of the summary: the last 10% of the steps */
    long window = po.steps / 10 > 0 ? po.steps / 10 : 1;
    double w_loss = 0, l_loss = 0;
    long w_masked = 0, w_ok = 0, w_n = 0, l_masked = 0, l_ok = 0, l_n = 0, l_tok = 0;
    int vocab_done = 0;
    double start = now_seconds(), last = start;
    pretrain_stats st;
    while (p.step < po.steps) {
        if (pretrain_step(&p, &st, err, sizeof err))
            die(EXIT_BADINPUT, "step %ld: %s", p.step + 1, err);
        if (!isfinite(st.loss))
            die(EXIT_BADINPUT, "step %ld: the loss is not finite (lower --lr?)", p.step);
        if (p.step > po.steps - window) {
            w_loss += st.loss, w_masked += st.masked, w_ok += st.correct, w_n++;
        }
        l_loss += st.loss, l_masked += st.masked, l_ok += st.correct, l_tok += st.tokens, l_n++;
        if (!quiet && (p.step % log_every == 0 || p.step == po.steps || p.step == 1)) {
            double now = now_seconds(), el = now - start;
            char eta[32], ela[32];
            fmt_dur(eta, sizeof eta, el / (double)p.step * (double)(po.steps - p.step));
            fmt_dur(ela, sizeof ela, el);
            fprintf(stderr, "%s: step %ld/%ld epoch %.2f loss %.4f acc %.4f lr %.2e tok/s %.0f "
                    "elapsed %s eta %s\n",
                    ap_progname, p.step, po.steps, (double)p.step * po.batch / (double)mc.n,
                    l_loss / l_n, l_masked ? (double)l_ok / (double)l_masked : 0.0, st.lr,
                    now > last ? (double)l_tok / (now - last) : 0.0, ela, eta);
            last = now;
            l_loss = 0, l_masked = l_ok = l_n = l_tok = 0;
        }
        if (save_every && p.step % save_every == 0 && p.step < po.steps)
            save_checkpoint(m, out, vocab, &vocab_done);
    }
    double seconds = now_seconds() - start;
    save_checkpoint(m, out, vocab, &vocab_done);

    char f_steps[32], f_loss[32], f_acc[32], f_sec[32], f_par[32];
    snprintf(f_steps, sizeof f_steps, "%ld", p.step);
    snprintf(f_loss, sizeof f_loss, "%.6g", w_loss / (double)w_n);
    snprintf(f_acc, sizeof f_acc, "%.6g", w_masked ? (double)w_ok / (double)w_masked : 0.0);
    snprintf(f_sec, sizeof f_sec, "%.3f", seconds);
    snprintf(f_par, sizeof f_par, "%lld", nbase);
    const char *hdr[] = {"steps", "loss", "masked_acc", "seconds", "params"};
    const char *row[] = {f_steps, f_loss, f_acc, f_sec, f_par};
    rec_writer *w = rec_writer_new(stdout, REC_TSV);
    if (rec_write(w, 5, hdr, err, sizeof err) || rec_write(w, 5, row, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    rec_writer_free(w);
    out_flush();

    pretrainer_free(&p);
    bert_free(m);
    mlm_corpus_free(&mc);
    mlm_masker_free(&mk);
    wp_vocab_free(&wv);
    return 0;
}
