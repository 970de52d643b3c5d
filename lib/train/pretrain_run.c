/* pretrain_run.c -- see pretrain_run.h */
#include "train/pretrain_run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/blas.h"
#include "engine/checkpoint.h"
#include "engine/ops.h"
#include "config/hfconfig.h"
#include "data/record.h"
#include "util/util.h"
#include "data/wordpiece.h"


void pretrain_cli_opts_default(pretrain_cli_opts *a)
{
    memset(a, 0, sizeof *a);
    bert_config *c = &a->c;
    c->layers = 4, c->hidden = 128, c->heads = 4, c->intermediate = 0, c->max_position = 128;
    c->type_vocab = 2, c->ln_eps = 1e-12f, c->hidden_dropout = 0.1f, c->attn_dropout = 0.1f;
    snprintf(c->hidden_act, sizeof c->hidden_act, "gelu");
    pretrain_opts_default(&a->po);
    a->log_every = 50, a->seed = 42;
    a->max_len = 64, a->lower = 1;
    a->mask_prob = 0.15, a->dropout = -1;
    a->dtype = ST_F32;
}

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
    if (bert_save_encoder(m, dir, save_dtype, err, sizeof err))
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

void pretrain_cli_run(const pretrain_cli_opts *a)
{
    bert_config c = a->c;
    pretrain_opts po = a->po;
    const char *corpus = a->corpus, *vocab = a->vocab, *out = a->out, *init = a->init, *arch_flag = a->arch_flag;
    long steps = a->steps, threads = a->threads, max_lines = a->max_lines, save_every = a->save_every;
    long log_every = a->log_every, seed = a->seed;
    int max_len = a->max_len, quiet = a->quiet, verbose = a->verbose, lower = a->lower;
    double epochs = a->epochs, mask_prob = a->mask_prob, dropout = a->dropout;
    save_dtype = a->dtype;
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
    /* the engine owns the threads (see train-eval) */
    ops_set_threads(threads ? (int)threads : 0);
    if (verbose) {
        blas_log(stderr);
        fprintf(stderr, "%s: engine threads=%d\n", ap_progname, ops_threads());
    }

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
}
